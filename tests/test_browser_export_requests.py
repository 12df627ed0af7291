"""A caseworker asks for the HTCDS case records of their agency, the supervisor approves, and the
caseworker downloads them as a password-protected zip. Screenshots go to test-artifacts/."""

import io

import pytest

from .conftest import load_reference_geography, log_case, make_agency, make_user
from .test_browser_identification import browser, browser_login, shot  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "court file for the prosecutor"


def test_a_caseworker_gets_an_approved_encrypted_export(live_server, transactional_db, browser):  # noqa: F811
    import pyzipper

    load_reference_geography()
    ngo = make_agency("IR-NGO", "IR", "NGO", name="Tehran Child Support Centre")
    sara, mehdi = make_user("sara", ngo, "caseworker"), make_user("mehdi", ngo, "supervisor")
    log_case(sara, ngo)

    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page.set_default_timeout(10_000)
    browser_login(page, live_server, sara)
    page.goto(f"{live_server.url}/stats/exports/requests/")
    page.get_by_role("link", name="Request an export").click()
    page.get_by_label("Format").select_option("csv")
    page.get_by_label("Reason").fill("Court case file for the prosecutor in Tehran")
    page.get_by_role("button", name="Send for approval").click()
    page.wait_for_url("**/stats/exports/requests/*/")
    assert page.locator("[data-state]").first.get_attribute("data-state") == "pending"
    assert page.get_by_role("button", name="Download encrypted file").count() == 0
    shot(page, "exports-01-requested")
    request_url = page.url
    page.context.clear_cookies()

    browser_login(page, live_server, mehdi)
    page.goto(request_url)
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(request_url)
    assert page.locator("[data-state]").first.get_attribute("data-state") == "approved"
    shot(page, "exports-02-approved")
    page.context.clear_cookies()

    browser_login(page, live_server, sara)
    page.goto(request_url)
    page.get_by_label("Password for the file").fill(PASSWORD)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download encrypted file").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv.zip")
    content = open(download.path(), "rb").read()  # noqa: SIM115
    assert "رضا".encode() not in content
    with pyzipper.AESZipFile(io.BytesIO(content)) as zf:
        zf.setpassword(PASSWORD.encode())
        assert "رضا" in zf.read(zf.namelist()[0]).decode("utf-8-sig")
    page.goto(request_url)
    assert page.locator("[data-state]").first.get_attribute("data-state") == "used"
    shot(page, "exports-03-downloaded")
