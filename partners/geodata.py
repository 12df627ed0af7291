"""Reference geography: programme countries first, and their first-level divisions."""

PROGRAMME_COUNTRIES = ["AF", "IR", "IQ", "PK"]

PROVINCES = {
    "AF": [
        "Badakhshan", "Badghis", "Baghlan", "Balkh", "Bamyan", "Daykundi", "Farah", "Faryab", "Ghazni", "Ghor",
        "Helmand", "Herat", "Jowzjan", "Kabul", "Kandahar", "Kapisa", "Khost", "Kunar", "Kunduz", "Laghman",
        "Logar", "Nangarhar", "Nimruz", "Nuristan", "Paktika", "Paktia", "Panjshir", "Parwan", "Samangan",
        "Sar-e Pol", "Takhar", "Uruzgan", "Wardak", "Zabul",
    ],
    "IR": [
        "Alborz", "Ardabil", "Bushehr", "Chaharmahal and Bakhtiari", "East Azerbaijan", "Fars", "Gilan",
        "Golestan", "Hamadan", "Hormozgan", "Ilam", "Isfahan", "Kerman", "Kermanshah", "Khuzestan",
        "Kohgiluyeh and Boyer-Ahmad", "Kurdistan", "Lorestan", "Markazi", "Mazandaran", "North Khorasan",
        "Qazvin", "Qom", "Razavi Khorasan", "Semnan", "Sistan and Baluchestan", "South Khorasan", "Tehran",
        "West Azerbaijan", "Yazd", "Zanjan",
    ],
    "IQ": [
        "Al Anbar", "Babil", "Baghdad", "Basra", "Dhi Qar", "Diyala", "Duhok", "Erbil", "Halabja", "Karbala",
        "Kirkuk", "Maysan", "Muthanna", "Najaf", "Nineveh", "Al-Qadisiyyah", "Saladin", "Sulaymaniyah", "Wasit",
    ],
    "PK": [
        "Azad Jammu and Kashmir", "Balochistan", "Gilgit-Baltistan", "Islamabad Capital Territory",
        "Khyber Pakhtunkhwa", "Punjab", "Sindh",
    ],
}  # fmt: skip
