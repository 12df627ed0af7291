"""Solar Hijri (Jalali) and Gregorian dates, and the digits each language writes them with.

Dates are always stored Gregorian; this module only converts at the edges (typing, display).
No third-party dependency: the conversion is Kazimierz Borkowski's arithmetic (1996), the one
used by jalaali-js / jalaali-python and by jdatetime. Leap years follow the 33-year sub-cycles
between a table of "break" years, which reproduces the official Iranian calendar (vernal equinox
at Tehran's meridian) for 1178-1633 AP and is defined for 1-3177 AP here. The popular 2820-year
"Birashk" rule is NOT used: it disagrees with the official calendar (e.g. it makes 1404 leap
instead of 1403).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

GREGORIAN = "gregorian"
SOLAR_HIJRI = "solar_hijri"
CALENDARS = (GREGORIAN, SOLAR_HIJRI)

MIN_YEAR = 1  # Solar Hijri years this module converts (inclusive)
MAX_YEAR = 3177
# A typed year below this is a Solar Hijri year (1405 AP = 2026 CE); nobody types Gregorian 1405.
GREGORIAN_MIN_TYPED_YEAR = 1700

# Borkowski's break years: the leap pattern is a 33-year cycle between consecutive breaks.
_BREAKS = (-61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210, 1635, 2060, 2097, 2192, 2262, 2324, 2394, 2456, 3178)


class DateInputError(ValueError):
    """A typed date that cannot be read or does not exist. `str(error)` is the user-facing message."""


@dataclass(frozen=True, order=True)
class SolarHijriDate:
    year: int
    month: int
    day: int

    def __post_init__(self):
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise ValueError(f"Solar Hijri year {self.year} outside {MIN_YEAR}-{MAX_YEAR}")
        if not 1 <= self.month <= 12:
            raise ValueError(f"Solar Hijri month {self.month} outside 1-12")
        if not 1 <= self.day <= month_length(self.year, self.month):
            raise ValueError(f"{self.year}/{self.month}/{self.day} does not exist")

    def to_gregorian(self) -> dt.date:
        return solar_hijri_to_gregorian(self.year, self.month, self.day)

    @classmethod
    def from_gregorian(cls, date: dt.date) -> SolarHijriDate:
        return gregorian_to_solar_hijri(date)

    def __str__(self):
        return f"{self.year:04d}/{self.month:02d}/{self.day:02d}"


def _cal(jy: int) -> tuple[bool, int, int]:
    """(is_leap, Gregorian year of Farvardin 1, day of March of Farvardin 1) for Solar Hijri year jy."""
    if not MIN_YEAR <= jy <= MAX_YEAR:
        raise ValueError(f"Solar Hijri year {jy} outside {MIN_YEAR}-{MAX_YEAR}")
    gy = jy + 621
    leap_j = -14
    jp = _BREAKS[0]
    jump = 0
    for jm in _BREAKS[1:]:
        jump = jm - jp
        if jy < jm:
            break
        leap_j += jump // 33 * 8 + jump % 33 // 4
        jp = jm
    n = jy - jp  # years since the last break, >= 0
    leap_j += n // 33 * 8 + (n % 33 + 3) // 4
    if jump % 33 == 4 and jump - n == 4:
        leap_j += 1
    leap_g = gy // 4 - (gy // 100 + 1) * 3 // 4 - 150
    march = 20 + leap_j - leap_g
    if jump - n < 6:
        n = n - jump + (jump + 4) // 33 * 33
    # Borkowski: ((n + 1) mod 33 - 1) mod 4 == 0 marks a leap year (JS truncating %, so -1 stays -1).
    r = (n + 1) % 33 - 1
    return r >= 0 and r % 4 == 0, gy, march


def is_leap(year: int) -> bool:
    """Solar Hijri leap year (Esfand has 30 days)."""
    return _cal(year)[0]


def month_length(year: int, month: int) -> int:
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if is_leap(year) else 29


def _nowruz(year: int) -> dt.date:
    _, gy, march = _cal(year)
    return dt.date(gy, 3, march)


def solar_hijri_to_gregorian(year: int, month: int, day: int) -> dt.date:
    if not 1 <= month <= 12 or not 1 <= day <= month_length(year, month):
        raise ValueError(f"{year}/{month}/{day} does not exist")
    offset = (month - 1) * 31 - max(month - 7, 0) + day - 1
    return _nowruz(year) + dt.timedelta(days=offset)


def gregorian_to_solar_hijri(date: dt.date) -> SolarHijriDate:
    if isinstance(date, dt.datetime):
        date = date.date()
    year = date.year - 621
    if year > MAX_YEAR or (year >= MIN_YEAR and date < _nowruz(year)):
        year -= 1
    if not MIN_YEAR <= year <= MAX_YEAR or date >= _nowruz(year) + dt.timedelta(days=366 if is_leap(year) else 365):
        raise ValueError(f"{date} is outside the supported Solar Hijri years {MIN_YEAR}-{MAX_YEAR}")
    k = (date - _nowruz(year)).days
    if k < 186:
        month, day = 1 + k // 31, 1 + k % 31
    else:
        k -= 186
        month, day = 7 + k // 30, 1 + k % 30
    return SolarHijriDate(year, month, day)


# --- Month names -------------------------------------------------------------------------------
# Iran (Persian) uses the Persian month names; Afghanistan uses the Arabic zodiac names in Dari and
# their Pashto translations in Pashto (as in CLDR fa_AF / ps). Arabic, Sorani and Urdu users who
# choose Solar Hijri see the Persian names in Arabic script (CLDR's ar/ur spellings are unusual).
MONTHS_FA = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند")
MONTHS_FA_AF = ("حمل", "ثور", "جوزا", "سرطان", "اسد", "سنبله", "میزان", "عقرب", "قوس", "جدی", "دلو", "حوت")
MONTHS_PS = ("وری", "غویی", "غبرگولی", "چنگاښ", "زمری", "وږی", "تله", "لړم", "لیندۍ", "مرغومی", "سلواغه", "کب")
MONTHS_EN = (
    "Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar",
    "Mehr", "Aban", "Azar", "Dey", "Bahman", "Esfand",
)  # fmt: skip


def _base_language(language: str | None) -> str:
    return (language or "en").lower().replace("_", "-")


def solar_hijri_month_name(month: int, language: str | None) -> str:
    lang = _base_language(language)
    if lang == "fa-af":
        return MONTHS_FA_AF[month - 1]
    if lang.startswith("ps"):
        return MONTHS_PS[month - 1]
    if lang.startswith(("fa", "ar", "ckb", "ur")):
        return MONTHS_FA[month - 1]
    return MONTHS_EN[month - 1]


# --- Digits ------------------------------------------------------------------------------------
ASCII_DIGITS = "0123456789"
PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"  # U+06F0-06F9 "Extended Arabic-Indic"
ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"  # U+0660-0669 "Arabic-Indic"
_TO_ASCII = str.maketrans(PERSIAN_DIGITS + ARABIC_DIGITS, ASCII_DIGITS * 2)
_TO_PERSIAN = str.maketrans(ASCII_DIGITS, PERSIAN_DIGITS)
_TO_ARABIC = str.maketrans(ASCII_DIGITS, ARABIC_DIGITS)

# Digits each language displays, from CLDR's default numbering systems (checked with ICU 2026):
# fa, fa-AF, ps -> arabext; ckb, ar-IQ -> arab; ur (Pakistan) -> latn (Urdu in Pakistan writes
# ASCII digits in print and on screen; arabext is only CLDR's default for ur-IN). "ar" means Iraq here.
DIGITS_BY_LANGUAGE = {
    "fa": "arabext",
    "fa-af": "arabext",
    "ps": "arabext",
    "ar": "arab",
    "ckb": "arab",
    "ur": "latn",
    "en": "latn",
}


def digit_system(language: str | None) -> str:
    lang = _base_language(language)
    return DIGITS_BY_LANGUAGE.get(lang) or DIGITS_BY_LANGUAGE.get(lang.split("-")[0], "latn")


def normalise_digits(text: str) -> str:
    """Persian and Arabic-Indic digits to ASCII; everything else unchanged. For every typed number."""
    return text.translate(_TO_ASCII) if text else text


def localise_digits(text, language: str | None) -> str:
    """ASCII digits to the digits `language` displays. Only for display, never for stored values."""
    text = str(text)
    system = digit_system(language)
    if system == "arabext":
        return text.translate(_TO_PERSIAN)
    if system == "arab":
        return text.translate(_TO_ARABIC)
    return text


# --- Typed dates -------------------------------------------------------------------------------
# Bidi marks and the Arabic date separator a phone keyboard may slip in.
_INVISIBLE = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u200c\u200d\u202a\u202b\u202c\u2066\u2067\u2068\u2069"))
_DATE_RE = re.compile(r"^(\d{1,4})\s*[/\-.\u060d\u066b\u2215]\s*(\d{1,2})\s*[/\-.\u060d\u066b\u2215]\s*(\d{1,2})$")


def parse_date(text: str, calendar: str = GREGORIAN) -> dt.date:
    """Read a typed year/month/day (any digits, separators / - .) and return the Gregorian date.

    With the Solar Hijri preference a year below GREGORIAN_MIN_TYPED_YEAR is Solar Hijri and a
    later one Gregorian, so both "1405/09/06" and "2026-11-27" work. With the Gregorian preference
    a Solar Hijri-looking year is refused with a message that says why.
    """
    cleaned = normalise_digits((text or "").translate(_INVISIBLE)).strip()
    m = _DATE_RE.match(cleaned)
    if not m:
        raise DateInputError(
            _("Enter a date as year/month/day, for example %(example)s.") % {"example": _example(calendar)}
        )
    year, month, day = (int(g) for g in m.groups())
    if len(m.group(1)) < 4:
        raise DateInputError(
            _("Write the year with four digits, for example %(example)s.") % {"example": _example(calendar)}
        )
    if year < GREGORIAN_MIN_TYPED_YEAR:
        if calendar != SOLAR_HIJRI:
            raise DateInputError(
                _(
                    "%(year)s looks like a Solar Hijri year. Enter a Gregorian date, or choose the Solar Hijri "
                    "calendar in your profile."
                )
                % {"year": year}
            )
        if not 1 <= month <= 12:
            raise DateInputError(_("There is no month %(month)s: months go from 1 to 12.") % {"month": month})
        length = month_length(year, month)
        if not 1 <= day <= length:
            if month == 12 and day == 30:
                raise DateInputError(
                    _("%(year)s/12/30 does not exist: %(year)s is not a leap year, so Esfand (Hut) has 29 days.")
                    % {"year": year}
                )
            raise DateInputError(
                _("%(date)s does not exist: month %(month)s has %(days)s days.")
                % {"date": f"{year}/{month:02d}/{day:02d}", "month": month, "days": length}
            )
        return solar_hijri_to_gregorian(year, month, day)
    if not 1 <= month <= 12:
        raise DateInputError(_("There is no month %(month)s: months go from 1 to 12.") % {"month": month})
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise DateInputError(
            _("%(date)s does not exist in the Gregorian calendar.") % {"date": f"{year}-{month:02d}-{day:02d}"}
        ) from None


def _example(calendar: str) -> str:
    return "1405/09/06" if calendar == SOLAR_HIJRI else "2026-11-27"


# --- Display -----------------------------------------------------------------------------------
def format_date(value, *, calendar: str = GREGORIAN, language: str | None = "en", style: str = "long") -> str:
    """A date (or aware datetime, shown in the current time zone) in the user's calendar and digits.

    style "long": "6 Azar 1405" / "27 Nov 2026" (the app's `j M Y`); "numeric": "1405/09/06" /
    "2026-11-27"; "datetime": long plus ", 14:05".
    """
    if value in (None, ""):
        return ""
    time_part = ""
    if isinstance(value, dt.datetime):
        from django.utils import timezone

        if timezone.is_aware(value):
            value = timezone.localtime(value)
        time_part = value.strftime("%H:%M")
        value = value.date()
    if calendar == SOLAR_HIJRI:
        sh = gregorian_to_solar_hijri(value)
        long_text = f"{sh.day} {solar_hijri_month_name(sh.month, language)} {sh.year}"
        text = str(sh) if style == "numeric" else long_text
    elif style == "numeric":
        text = value.isoformat()
    else:
        text = f"{value.day} {_gregorian_month_abbr(value.month, language)} {value.year}"
    if style == "datetime" and time_part:
        comma = "،" if _base_language(language).split("-")[0] in ARABIC_SCRIPT_LANGUAGES else ","
        text = f"{text}{comma} {time_part}"
    return localise_digits(text, language)


ARABIC_SCRIPT_LANGUAGES = {"fa", "ps", "ar", "ckb", "ur"}  # they write the Arabic comma (U+060C)


def _gregorian_month_abbr(month: int, language: str | None) -> str:
    from django.utils import translation
    from django.utils.dates import MONTHS_3

    with translation.override(language or "en"):
        return str(MONTHS_3[month]).title()
