"""An auditor finds who changed a case: a caseworker changes its status in the browser, the regional
auditor signs in, opens the audit trail, filters by the case reference and reads the change.

Screenshots go to test-artifacts/audit-*.png.
"""

import pytest

from .conftest import load_reference_geography, log_case, make_agency, make_user
from .test_browser_identification import browser, browser_login, shot, totp_now  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_auditor_finds_who_changed_a_case(live_server, transactional_db, browser):  # noqa: F811
    load_reference_geography()
    ngo = make_agency("IR-NGO", "IR", "NGO", name="Tehran Child Support Centre", city="Tehran")
    unodc = make_agency("UNODC-RO", "AF", "UNAgency", name="UNODC Regional Office", services=[])
    sara = make_user("sara", ngo, "caseworker", last_name="Moradi")
    daniel = make_user("daniel", unodc, "auditor", scope="region", last_name="Okafor")
    case = log_case(sara, ngo)
    log_case(sara, ngo)  # another case, which the filter must leave out

    # The caseworker moves the case to follow-up in the browser.
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(10_000)
    totp_now(sara)  # an enrolled authenticator: the sign-in goes through the code step
    browser_login(page, live_server, sara)
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    page.locator("summary", has_text="Change status").click()
    page.locator("#update-status").select_option("FollowUp")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(f"**/cases/{case.reference}/**")
    page.context.clear_cookies()

    # The auditor signs in and opens the audit trail from the menu.
    auditor = browser.new_page(viewport={"width": 1280, "height": 900})
    auditor.set_default_timeout(10_000)
    browser_login(auditor, live_server, daniel)
    auditor.get_by_role("navigation", name="Main").get_by_role("link", name="Audit").click()
    auditor.wait_for_url("**/audit/changes/")
    shot(auditor, "audit-01-changes")
    assert "All countries." in auditor.locator("main").inner_text()

    # Filter by the case reference.
    auditor.get_by_label("Case reference").fill(case.reference)
    auditor.get_by_label("Action").select_option("UPDATE")
    auditor.get_by_role("button", name="Filter").click()
    auditor.wait_for_url("**/audit/changes/?*")
    shot(auditor, "audit-02-filtered-by-case")
    rows = auditor.locator("table.table-audit tbody tr")
    assert rows.count() == 1
    text = rows.first.inner_text()
    assert "sara" in text and "status" in text and "Active" in text and "FollowUp" in text
    assert "127.0.0.1" in text and "POST" in text and f"/cases/{case.reference}/update/" in text
    assert "Reza" not in auditor.content()

    # The views of the case's identity, and the sign-ins.
    auditor.get_by_role("link", name="Identity access").click()
    auditor.wait_for_url("**/audit/access/")
    auditor.get_by_label("Case reference").fill(case.reference)
    auditor.get_by_role("button", name="Filter").click()
    auditor.wait_for_url("**/audit/access/?*")
    shot(auditor, "audit-03-identity-access")
    assert "sara" in auditor.locator("table.table-audit").inner_text()
    auditor.get_by_role("link", name="Security").click()
    auditor.wait_for_url("**/audit/security/")
    shot(auditor, "audit-04-security")
    assert "Signed in" in auditor.locator("table.table-audit").inner_text()

    # On a phone.
    auditor.set_viewport_size({"width": 390, "height": 844})
    auditor.goto(f"{live_server.url}/audit/changes/?case={case.reference}&action=UPDATE")
    shot(auditor, "audit-05-phone")
