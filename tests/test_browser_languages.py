"""The case list, the identification form and the dashboard in Persian, Arabic and Urdu (issue 6).

For each language a supervisor (who sees all three pages) reads them in Chromium: the page is
right to left, its headings and labels come from that language's catalogue, the Arabic-script
font of the language is loaded from our own static files, and figures use the language's digits.
Screenshots: test-artifacts/lang-<ll>-<page>.png, looked at by a person.
"""

import datetime

import pytest
from django.utils import translation
from django.utils.translation import gettext

from glo_act.calendars import localise_digits, normalise_digits

from .conftest import load_reference_geography, log_case, make_agency, make_user
from .test_browser_identification import browser, browser_login, shot  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOADED_FAMILIES = "[...new Set([...document.fonts].filter(f => f.status === 'loaded').map(f => f.family))].join('|')"
# language -> (agency country, the font the language is set in)
LANGUAGES = {
    "fa": ("IR", "Vazirmatn"),
    "ar": ("IQ", "Vazirmatn"),  # it has every Arabic, Persian, Pashto and Sorani letter
    "ur": ("PK", "Noto Nastaliq Urdu"),  # Urdu in Pakistan writes Western digits (CLDR)
}


def t(text: str, language: str) -> str:
    with translation.override(language):
        translated = gettext(text)
    assert translated != text, f"no {language} for {text!r}"
    return translated


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_main_pages_in_an_arabic_script_language(live_server, transactional_db, browser, language):  # noqa: F811
    country, font = LANGUAGES[language]
    load_reference_geography()
    agency = make_agency(f"{country}-NGO", country, "NGO", name="Child Protection Network", city="Capital")
    supervisor = make_user("amina", agency, "supervisor", last_name="Karimi", language=language)
    today = datetime.date.today()
    for i in range(22):  # enough for figures above the small-count threshold
        log_case(
            supervisor, agency,
            person={"given_name": "", "family_name": "", "given_name_latin": f"Person{i}", "family_name_latin": "Rahimi",
                    "gender": ["Masculine", "Feminine"][i % 2], "estimated_age": [12, 15, 24][i % 3],
                    "citizenships": [country]},
            identification={"identified_on": today - datetime.timedelta(days=2 + 31 * (i % 2)),
                            "exploitation_types": [["ForcedBegging"], ["ForcedLabour"]][i % 2],
                            "context": ["Street", "Worksite"][i % 2]},
        )  # fmt: skip
    from stats.rollups import rollups_rebuild

    rollups_rebuild()

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(15_000)
    browser_login(page, live_server, supervisor)
    html = page.locator("html")
    assert html.get_attribute("lang") == language and html.get_attribute("dir") == "rtl"

    # The case list.
    page.get_by_role("link", name=t("Cases", language), exact=True).first.click()
    page.wait_for_url("**/cases/")
    assert page.locator("h1").inner_text().strip() == t("Cases", language)
    assert "Person0 Rahimi" in page.locator("main").inner_text()  # names stay as written
    page.wait_for_function("document.fonts.status === 'loaded'")
    assert font in page.evaluate(LOADED_FAMILIES)
    shot(page, f"lang-{language}-case-list", full_page=False)

    # The identification form: labels translated, today's date in the user's digits.
    page.get_by_role("link", name=t("Log identification", language)).first.click()
    page.wait_for_url("**/cases/new/")
    assert page.locator("h1").inner_text().strip() == t("Log identification", language)
    assert page.get_by_label(t("Father's name", language)).count() == 1
    typed = page.locator("#id_identified_on").input_value()
    assert typed and typed == localise_digits(normalise_digits(typed), language)  # in the language's digits
    shot(page, f"lang-{language}-identification-form", full_page=False)

    # The dashboard: mirrored charts, figures in the language's digits.
    page.get_by_role("link", name=t("Dashboard", language), exact=True).first.click()
    page.wait_for_url("**/stats/**")
    assert page.locator("h1").inner_text().strip() == t("Dashboard", language)
    total = page.locator("[data-figure=total]").inner_text().strip()
    assert total == localise_digits("22", language)
    assert page.locator("svg.chart").count() >= 3
    shot(page, f"lang-{language}-dashboard")
    page.close()
