"""A caseworker sets up the authenticator app, signs out, signs in again with a code and opens the cases.

Chromium through Playwright against a live server; the code is computed from the key shown on
the enrolment page, as an authenticator app would. Screenshots: test-artifacts/accounts-*.png.
"""

from base64 import b32decode

import pytest
from django_otp.oath import TOTP

from .conftest import PASSWORD, load_reference_geography, log_case, make_agency, make_user
from .test_browser_identification import browser, browser_login, shot, totp_now  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_caseworker_enrols_signs_out_and_signs_in_with_a_code(live_server, transactional_db, browser):  # noqa: F811
    load_reference_geography()
    agency = make_agency("IR-NGO", "IR", "NGO", name="Tehran Child Support Centre", city="Tehran")
    sara = make_user("sara", agency, "caseworker", last_name="Moradi")
    case = log_case(sara, agency)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(10_000)

    # First sign-in: the password, then straight to enrolment (the case list is out of reach).
    page.goto(f"{live_server.url}/cases/")
    page.get_by_label("Username").fill("sara")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account/mfa/enrol/**")
    assert page.locator("img.mfa-qr").evaluate("img => img.naturalWidth") > 0  # the SVG QR code loaded
    shot(page, "accounts-01-enrol")
    page.goto(f"{live_server.url}/cases/")
    assert "/account/mfa/enrol/" in page.url

    # The app reads the key; type its code.
    secret = page.locator("[data-secret]").inner_text().replace(" ", "")
    app = TOTP(b32decode(secret + "=" * (-len(secret) % 8)))
    page.get_by_label("Code").fill(f"{app.token():06d}")
    page.get_by_role("button", name="Verify").click()
    page.wait_for_selector("[data-recovery-codes]")
    codes = page.locator("[data-recovery-codes] code").all_inner_texts()
    assert len(codes) == 10
    shot(page, "accounts-02-recovery-codes")
    page.get_by_role("link", name="I have saved them, continue").click()
    page.wait_for_url("**/cases/")
    assert case.reference in page.locator("main").inner_text()

    # The account page counts the codes and never shows them again.
    page.goto(f"{live_server.url}/account/")
    assert page.locator("[data-codes-left]").inner_text() == "10"
    assert codes[0] not in page.content()
    shot(page, "accounts-03-account")

    # Sign out, sign in again: password, then the code.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login/")
    page.get_by_label("Username").fill("sara")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account/mfa/verify/**")
    shot(page, "accounts-04-verify")
    page.get_by_label("Code").fill("000000" if totp_now(sara) != "000000" else "111111")
    page.get_by_role("button", name="Verify").click()
    assert "That code is not right" in page.locator("main").inner_text()
    shot(page, "accounts-05-wrong-code")
    page.get_by_label("Code").fill(totp_now(sara))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases", exact=True).click()
    page.wait_for_url("**/cases/")
    assert case.reference in page.locator("table.table-cases").inner_text()
    shot(page, "accounts-06-case-list")

    # The shared helper signs in the same way, in a fresh browser context.
    other = browser.new_page(viewport={"width": 1280, "height": 900})
    browser_login(other, live_server, sara)
    other.goto(f"{live_server.url}/cases/{case.reference}/")
    assert "Reza" in other.locator("#person").inner_text()
