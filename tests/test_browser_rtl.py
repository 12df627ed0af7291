"""Right to left in a real browser (issue 6): a Persian reader's pages mirror and use the vendored
fonts; an Urdu reader's pages use Nastaliq with room between the lines.

Screenshots go to test-artifacts/ (i18n-*.png) for a person to look at.
"""

import pytest

from .conftest import log_case, make_agency, make_user
from .test_browser_identification import browser, browser_login, shot  # noqa: F401 - `browser` is a fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


LOADED_FAMILIES = (
    "[...new Set([...document.fonts].filter(f => f.status === 'loaded').map(f => f.family.replace(/\"/g, '')))]"
)


def _watch(page):
    """Font responses and Content-Security-Policy refusals seen by the page."""
    seen = {"fonts": {}, "csp": []}
    page.on("response", lambda r: "/static/fonts/" in r.url and seen["fonts"].__setitem__(r.url, r.status))
    page.on("console", lambda m: "Content Security Policy" in m.text and seen["csp"].append(m.text))
    return seen


def _named(user, first_name):
    user.first_name = first_name
    user.save(update_fields=["first_name"])
    return user


def _people():
    from tests.conftest import load_reference_geography

    load_reference_geography()  # an earlier transactional test may have flushed it
    agency = make_agency("IR-NGO", "IR", "NGO", name="Tehran Child Outreach Network", city="Tehran")
    return agency


def test_a_persian_reader_gets_a_mirrored_page_in_vazirmatn(live_server, browser):  # noqa: F811
    agency = _people()
    reader = _named(make_user("maryam", agency, "caseworker", last_name="Hosseini", language="fa"), "مریم")
    case = log_case(reader, agency)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(10_000)
    seen = _watch(page)
    browser_login(page, live_server, reader)
    page.goto(f"{live_server.url}/")
    page.evaluate("document.fonts.ready")

    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["fa", "rtl"]
    links = page.locator("#site-nav > a")
    first, last = links.first.bounding_box(), links.nth(links.count() - 1).bounding_box()
    assert first["x"] > last["x"], (first, last)  # "Home" at the right, the rest to its left
    brand = page.locator(".brand").bounding_box()
    assert brand["x"] > 1280 / 2  # the brand sits at the right edge
    user_menu = page.locator(".user-menu").bounding_box()
    assert user_menu["x"] < 1280 / 2  # and the user menu at the left
    # Table headers start at the right.
    th = page.locator(".table th").first
    assert th.evaluate("e => getComputedStyle(e).textAlign") == "start"
    assert th.bounding_box()["x"] > page.locator(".table th").nth(1).bounding_box()["x"]

    assert "Vazirmatn" in page.evaluate("getComputedStyle(document.body).fontFamily")
    assert page.evaluate("document.fonts.check('16px Vazirmatn', 'مریم')")
    assert page.evaluate(
        "[...document.fonts].some(f => f.family.replace(/\"/g, '') === 'Vazirmatn' && f.status === 'loaded')"
    )
    assert seen["fonts"] and set(seen["fonts"].values()) == {200}, seen["fonts"]
    # This page loaded Vazirmatn only (the sign-in page before it named every language in its own font).
    assert page.evaluate(LOADED_FAMILIES) == ["Vazirmatn"]
    assert not seen["csp"], seen["csp"]
    shot(page, "i18n-fa-home")

    page.goto(f"{live_server.url}/cases/{case.reference}/")
    timeline = page.locator(".timeline").first
    if timeline.count():
        assert timeline.evaluate("e => getComputedStyle(e).borderRightWidth") == "2px"  # the line is at the start
    shot(page, "i18n-fa-case")

    page.goto(f"{live_server.url}/account/")
    assert page.locator("#id_language").evaluate("e => getComputedStyle(e).direction") == "rtl"
    shot(page, "i18n-fa-account")

    # The phone layout mirrors too.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/")
    from django.utils import translation

    with translation.override("fa"):
        menu = translation.gettext("Menu")
    assert menu != "Menu"
    page.get_by_role("button", name=menu).click()
    shot(page, "i18n-fa-phone-menu")
    page.close()


def test_an_urdu_reader_gets_nastaliq_with_room_between_lines(live_server, browser):  # noqa: F811
    agency = _people()
    pk = make_agency("PK-NGO", "PK", "NGO", name="Lahore Shelter for Women", city="Lahore")
    reader = _named(make_user("ayesha", pk, "caseworker", last_name="Khan", language=""), "عائشہ")  # automatic
    log_case(reader, pk, person={"citizenships": ["PK"]})
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(10_000)
    seen = _watch(page)
    browser_login(page, live_server, reader)
    page.goto(f"{live_server.url}/")
    page.evaluate("document.fonts.ready")

    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ur", "rtl"]
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith('"Noto Nastaliq Urdu"')
    assert page.evaluate("document.fonts.check('16px \"Noto Nastaliq Urdu\"', 'عائشہ')")
    size, line = page.evaluate(
        "(() => { const s = getComputedStyle(document.querySelector('h1')); "
        "return [parseFloat(s.fontSize), parseFloat(s.lineHeight)]; })()"
    )
    assert line >= 2 * size, (size, line)
    assert "Noto Nastaliq Urdu" in page.evaluate(LOADED_FAMILIES)
    assert set(seen["fonts"].values()) == {200}
    assert not seen["csp"], seen["csp"]
    shot(page, "i18n-ur-home")
    assert agency  # the Iranian agency exists too: the reader's language comes from Pakistan alone
    page.close()


def test_the_sign_in_page_switches_to_a_right_to_left_language(live_server, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/login/")
    assert page.evaluate("document.documentElement.dir") == "ltr"
    page.locator(".language-picker button[lang=ar]").click()
    page.wait_for_load_state()
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]
    assert page.locator(".language-picker button[lang=ar]").get_attribute("aria-current") == "true"
    field = page.locator("input[name=username]")
    assert field.evaluate("e => getComputedStyle(e).direction") == "ltr"  # user names are typed left to right
    shot(page, "i18n-ar-login")
    page.close()
