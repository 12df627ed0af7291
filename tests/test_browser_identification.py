"""A caseworker logs a child found begging in Tehran, finds the case again and assesses the risk.

Drives Debian's Chromium through Playwright against a live server. Screenshots of every step go
to test-artifacts/ (git-ignored) so a person can look at them.
"""

import datetime
from pathlib import Path

import pytest
from django.conf import settings

from .conftest import PASSWORD, load_reference_geography, make_agency, make_user

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it as root (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def totp_now(user) -> str:
    """The code the user's authenticator app shows now (their TOTP device is made if they have none).

    django-otp accepts a code once per 30-second step and allows one step of drift, so a second
    sign-in within the same step gets the next step's code, and a third waits for the next step.
    """
    import time

    from django_otp.oath import TOTP

    from accounts.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if device.last_t >= totp.t() + 1:
        time.sleep(totp.step - (time.time() - totp.t0) % totp.step + 0.5)
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if device.last_t >= totp.t():
        totp.drift += 1
    return f"{totp.token():0{device.digits}d}"


def browser_login(page, live_server, user, password=PASSWORD):
    """Sign in through the form as a person does: username, password, then the authenticator code.

    Shared by every browser test (keep the signature). Leaves the page on wherever the sign-in
    lands (home, or the `next` page). The user gets a TOTP device if they have none (so every
    user, whatever the role, passes the code step).
    """
    totp_now(user)  # the user's authenticator exists before the password step, as for a real person
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/account/mfa/" in page.url:
        page.locator("input[name=otp]").fill(totp_now(user))
        page.locator("form:has(input[name=otp]) button[type=submit]").click()  # in the user's language
        page.wait_for_load_state()
    assert "/login/" not in page.url and "/account/mfa/" not in page.url, page.url


def shot(page, name, full_page=True):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def test_caseworker_logs_a_child_begging_in_tehran(live_server, transactional_db, browser):
    load_reference_geography()  # an earlier transactional test may have flushed it
    agency = make_agency("IR-NGO", "IR", "NGO", name="Tehran Child Support Centre", city="Tehran")
    sara = make_user("sara", agency, "caseworker", last_name="Moradi")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(10_000)

    # Sign in (password, then the authenticator code).
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
    shot(page, "01-login")
    browser_login(page, live_server, sara)
    page.wait_for_url(f"{live_server.url}/")
    shot(page, "02-home")

    # Log the identification.
    page.get_by_role("link", name="Log identification").first.click()
    page.wait_for_url("**/cases/new/")
    page.get_by_label("Given name (original script)").fill("امید")
    page.get_by_label("Family name (original script)").fill("رحیمی")
    page.get_by_label("Given name (Latin letters)").fill("Omid")
    page.get_by_label("Family name (Latin letters)").fill("Rahimi")
    page.get_by_label("Gender").select_option("Masculine")
    page.get_by_label("Estimated age (years)").fill("14")
    page.get_by_label("Citizenship").select_option("AF")
    page.locator("#id_country").select_option(label="Iran")
    page.locator("#id_province").select_option(label="Tehran")
    # Provinces of other countries are filtered out of the list.
    assert page.locator("#id_province option[data-country='AF']").first.is_disabled()
    page.get_by_label("How the person was met").select_option("Street")
    page.get_by_label("Place", exact=True).fill("Vali-e Asr crossing")
    page.get_by_label("Forced begging").check()
    page.get_by_label("Trafficking status").select_option("PossibleVictimOfTrafficking")
    page.get_by_label("What happened").fill("Begging between cars at the crossing, sent by an older man.")
    shot(page, "03-identification-form")
    page.get_by_role("button", name="Save and open case").click()
    page.wait_for_url("**/cases/IR-*/")
    shot(page, "04-case-opened")
    assert "Identification logged" in page.locator(".messages").inner_text()
    reference = page.locator("h1").inner_text().split()[0]
    assert reference.startswith("IR-")
    person = page.locator("#person")
    assert "Omid Rahimi" in person.inner_text()
    assert "about 14" in person.inner_text()
    assert "Afghanistan" in person.inner_text()
    assert "Forced begging" in page.locator("#identifications").inner_text()
    assert "Tehran" in page.locator("#identifications").inner_text()

    # Find the case again by searching the name.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("searchbox").fill("omid")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/cases/?*q=omid*")
    shot(page, "05-case-list-search")
    rows = page.locator("table.table-cases tbody tr")
    assert rows.count() == 1
    assert "Omid Rahimi" in rows.first.inner_text()
    assert "9-17" in rows.first.inner_text()
    rows.first.get_by_role("link", name=reference).click()
    page.wait_for_url(f"**/cases/{reference}/")

    # Add a risk assessment.
    page.get_by_text("Add risk assessment").click()
    page.get_by_label("Risk level").select_option("High")
    page.get_by_label("Risk of re-trafficking").check()
    page.get_by_label("Safety plan").fill("Placed at the centre's shelter; daily check-in.")
    review = datetime.date.today() + datetime.timedelta(days=14)
    page.get_by_label("Next review on").fill(review.isoformat())
    shot(page, "06-risk-form")
    page.get_by_role("button", name="Save risk assessment").click()
    page.wait_for_url(f"**/cases/{reference}/#risk")
    risk = page.locator("#risk")
    assert "High" in risk.inner_text()
    assert "Placed at the centre's shelter; daily check-in." in risk.inner_text()
    assert "Risk of re-trafficking" in risk.inner_text()
    assert "Risk assessment added." in page.locator(".messages").inner_text()
    shot(page, "07-risk-added")

    # The same pages at phone width.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/cases/")
    shot(page, "08-phone-case-list")
    page.get_by_role("button", name="Menu").click()
    shot(page, "09-phone-menu", full_page=False)
    page.goto(f"{live_server.url}/cases/new/")
    shot(page, "10-phone-identification-form", full_page=False)
    page.goto(f"{live_server.url}/cases/{reference}/")
    shot(page, "11-phone-case", full_page=False)
