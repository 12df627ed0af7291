"""Country names in the reader's language.

The Country table holds English short names (data, shared by every reader). Shown to a person, a
country is named in their language: the four programme countries from our own catalogue (short,
as an official would write them: "ایران", not "ایران، جمهوری اسلامی"), every other country from the
ISO 3166 translations that ship with pycountry (the Debian iso-codes project). A country without a
translation keeps its English name.
"""

import gettext
from functools import lru_cache

import pycountry
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext_lazy as _

PROGRAMME_COUNTRY_NAMES = {
    "AF": _("Afghanistan"),
    "IR": _("Iran"),
    "IQ": _("Iraq"),
    "PK": _("Pakistan"),
}


@lru_cache(maxsize=16)
def _iso_catalogue(locale: str):
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale])
    except OSError:
        return None


@lru_cache(maxsize=4096)
def _iso_name(code: str, locale: str) -> str | None:
    catalogue = _iso_catalogue(locale)
    country = pycountry.countries.get(alpha_2=code)
    if catalogue is None or country is None:
        return None
    for source in (getattr(country, "common_name", None), country.name):
        if source:
            translated = catalogue.gettext(source)
            if translated != source:
                return translated
    return None


def country_label(code: str, english_name: str) -> str:
    """The name of the country `code` in the active language."""
    language = get_language() or "en"
    if language.startswith("en"):
        return english_name
    if code in PROGRAMME_COUNTRY_NAMES:
        return str(PROGRAMME_COUNTRY_NAMES[code])
    return _iso_name(code, to_locale(language)) or english_name


def country_names() -> dict[str, str]:
    """{code: name in the active language} for every country (one query)."""
    from .models import Country

    return {code: country_label(code, name) for code, name in Country.objects.values_list("code", "name")}
