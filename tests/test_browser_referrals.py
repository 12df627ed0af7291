"""Referral journeys in Chromium, through the pages only.

(a) National: the caseworker records consent and refers the street child to an NGO shelter; the
    shelter's service provider sees the notification, accepts, records a service; the caseworker sees
    the acceptance.
(b) Cross-border: an Iranian caseworker refers an Afghan child to Afghanistan; focal_ir approves,
    focal_af assigns to an Afghan NGO, its staff accept; a linked case opens in Afghanistan.

Screenshots of every step go to test-artifacts/referral-*.png.
"""

import datetime

import pytest

from referrals.models import Referral, State

from .conftest import load_reference_geography, log_case, make_agency, make_user
from .test_browser_identification import browser, browser_login, shot  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(browser, live_server, username):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    from partners.models import User

    browser_login(page, live_server, User.objects.get(username=username))
    page.wait_for_url(f"{live_server.url}/")
    return page


def open_case(page, live_server, reference):
    page.goto(f"{live_server.url}/cases/{reference}/")


def record_consent(page, purpose_label):
    page.get_by_text("Record consent").click()
    form = page.locator("#consents form").last
    form.get_by_label("Consent to").select_option(label=purpose_label)
    form.get_by_label("Given by").select_option("Guardian")
    form.get_by_label("Guardian's name").fill("Leila Moradi")
    with page.expect_navigation():
        form.get_by_role("button", name="Save consent").click()
    assert "Consent recorded." in page.locator(".messages").inner_text()


def badge(page) -> str:
    loc = page.locator(".inbox-link .count-badge")
    return loc.get_attribute("data-unread") if loc.count() else "0"


def test_national_referral_to_a_shelter(live_server, transactional_db, browser):  # noqa: F811
    load_reference_geography()
    ngo = make_agency("IR-TCON", "IR", "NGO", name="Tehran Child Outreach Network", city="Tehran",
                      services=["ChildProtection", "Psychosocial"])  # fmt: skip
    shelter = make_agency("IR-SHL", "IR", "Shelter", name="Tehran Children's Shelter", city="Tehran",
                          services=["Shelter", "Medical", "Psychosocial"])  # fmt: skip
    make_agency("IR-LAW", "IR", "LegalAid", name="Tehran Legal Aid", services=["LegalAid"])
    caseworker = make_user("sara", ngo, "caseworker", last_name="Rahimi")
    make_user("farzana", shelter, "service_provider", last_name="Noori")
    case = log_case(caseworker, ngo)

    # The caseworker opens the case: no referral yet, and no consent.
    page = sign_in(browser, live_server, "sara")
    open_case(page, live_server, case.reference)
    assert "Not referred to any agency yet." in page.locator("#referrals").inner_text()
    page.get_by_role("link", name="Refer", exact=True).click()
    page.wait_for_url(f"**/cases/{case.reference}/refer/")
    warning = page.locator("[data-purpose=national]")
    assert "No valid consent for a national referral" in warning.inner_text()
    shot(page, "referral-a01-refer-without-consent")

    # Record the guardian's consent, then refer.
    warning.get_by_role("link", name="Record consent on the case").click()
    record_consent(page, "Referral within the country")
    page.get_by_role("link", name="Refer", exact=True).click()
    assert "Consent for a national referral given" in page.locator("[data-purpose=national]").inner_text()
    page.get_by_label("Shelter", exact=True).check()
    # Only agencies offering shelter in Iran are offered; the legal aid centre is filtered out.
    agency = page.get_by_label("Receiving agency", exact=True)
    assert agency.locator("option:not([disabled])", has_text="Tehran Legal Aid").count() == 0
    agency.select_option(label="Tehran Children's Shelter · Tehran")
    page.get_by_label("Reason for referral").select_option("AdditionalServicesRequired")
    page.get_by_label("Urgency").select_option("urgent")
    page.get_by_label("Message to the receiving agency").fill("Needs a safe bed tonight; sleeps in the park.")
    shot(page, "referral-a02-refer-form")
    page.get_by_role("button", name="Send referral").click()
    page.wait_for_url("**/referrals/RF-*/")
    assert "sent to IR-SHL" in page.locator(".messages").inner_text()
    assert page.locator("[data-state]").get_attribute("data-state") == "sent"
    shot(page, "referral-a03-sent")
    reference = page.locator("h1").inner_text().strip()

    # The shelter's service provider sees the notification and accepts.
    provider = sign_in(browser, live_server, "farzana")
    assert badge(provider) == "1"
    provider.get_by_role("link", name="Notifications").click()
    shot(provider, "referral-a04-provider-inbox")
    item = provider.locator(".inbox-item.is-unread")
    assert f"Referral received: referral {reference}" in item.inner_text()
    item.get_by_role("link").click()
    provider.wait_for_url(f"**/referrals/{reference}/")
    assert badge(provider) == "0"
    shared = provider.locator("#shared").inner_text()
    assert "9-17" in shared and "Only the minimum was shared" in shared and "Reza" not in shared
    shot(provider, "referral-a05-provider-referral")
    provider.get_by_role("button", name="Accept referral").click()
    provider.wait_for_url(f"**/referrals/{reference}/")
    assert provider.locator("[data-state]").get_attribute("data-state") == "accepted"
    shot(provider, "referral-a06-accepted")

    # Now the shared case opens for the shelter, which records the service it gives.
    provider.locator("#shared").get_by_role("link", name=case.reference).click()
    provider.wait_for_url(f"**/cases/{case.reference}/")
    provider.get_by_text("Record a service delivered").click()
    provider.locator("#service-service").select_option("Shelter")
    with provider.expect_navigation():
        provider.get_by_role("button", name="Save service").click()
    assert "IR-SHL" in provider.locator("#services").inner_text()
    shot(provider, "referral-a07-service-recorded")

    # The caseworker sees the acceptance: a notification and the state on the referral page.
    page.goto(f"{live_server.url}/notifications/")
    assert badge(page) == "1"
    assert f"Referral accepted: referral {reference}" in page.locator(".inbox-item.is-unread").inner_text()
    shot(page, "referral-a08-caseworker-inbox")
    page.locator(".inbox-item.is-unread").get_by_role("link").click()
    page.wait_for_url(f"**/referrals/{reference}/")
    assert "Accepted" in page.locator("#timeline").inner_text()
    assert page.locator("[data-state]").get_attribute("data-state") == "accepted"
    shot(page, "referral-a09-caseworker-sees-acceptance")
    open_case(page, live_server, case.reference)
    assert "Accepted" in page.locator("#referrals").inner_text()

    # The same pages at phone width.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/referrals/?tab=outgoing")
    shot(page, "referral-a10-list-phone")
    assert Referral.objects.get().state == State.ACCEPTED


def test_cross_border_referral_through_both_focal_points(live_server, transactional_db, browser):  # noqa: F811
    load_reference_geography()
    ir_ngo = make_agency("IR-TCON", "IR", "NGO", name="Tehran Child Outreach Network", city="Tehran",
                         services=["ChildProtection"])  # fmt: skip
    af_ngo = make_agency("AF-HSH", "AF", "Shelter", name="Herat Safe House", city="Herat",
                         services=["Shelter", "FamilyTracing", "Reintegration"])  # fmt: skip
    nc_ir = make_agency("NC-IR", "IR", "NationalCommission", name="Iran Commission", services=[], is_focal_point=True)
    nc_af = make_agency("NC-AF", "AF", "NationalCommission", name="Afghan Commission", services=[],
                        is_focal_point=True)  # fmt: skip
    caseworker = make_user("sara", ir_ngo, "caseworker", last_name="Rahimi")
    make_user("focal_ir", nc_ir, "focal_point", last_name="Mousavi")
    make_user("focal_af", nc_af, "focal_point", last_name="Ahmadzai")
    make_user("wahid", af_ngo, "caseworker", last_name="Jalali")
    case = log_case(caseworker, ir_ngo, person={"given_name_latin": "Samiullah", "family_name_latin": "",
                                                "given_name": "سمیع‌الله", "family_name": "", "estimated_age": 11})  # fmt: skip

    # The Iranian caseworker records what a cross-border referral of a child needs.
    page = sign_in(browser, live_server, "sara")
    open_case(page, live_server, case.reference)
    record_consent(page, "Cross-border referral")
    page.get_by_text("Add risk assessment").click()
    risk = page.locator("#risk form")
    risk.get_by_label("Risk level").select_option("Medium")
    risk.get_by_label("Assessment of the risks of return").check()
    risk.get_by_label("Safety plan").fill("Escorted return through Islam Qala.")
    risk.get_by_label("Next review on").fill((datetime.date.today() + datetime.timedelta(days=14)).isoformat())
    with page.expect_navigation():
        risk.get_by_role("button", name="Save risk assessment").click()
    assert "return assessment" in page.locator("#risk").inner_text()
    page.get_by_text("Record a best-interests determination").click()
    bid = page.locator("#best-interests form")
    bid.get_by_label("Panel or authority").fill("Tehran child welfare panel")
    bid.get_by_label("Family assessment done").check()
    bid.get_by_label("Return is in the child's best interests").check()
    bid.get_by_label("Summary of the determination").fill("Mother traced in Herat; return recommended.")
    with page.expect_navigation():
        bid.get_by_role("button", name="Save determination").click()
    assert "Return in the child's best interests" in page.locator("#best-interests").inner_text()
    shot(page, "referral-b01-case-ready-for-return")

    # Refer to Afghanistan: the consent check follows the destination; the agency is left to the focal point.
    page.get_by_role("link", name="Refer", exact=True).click()
    page.get_by_label("Destination country").select_option("AF")
    assert page.locator("[data-purpose=national]").is_hidden()
    assert "Consent for a cross-border referral given" in page.locator("[data-purpose=cross_border]").inner_text()
    page.get_by_label("Family tracing").check()
    page.get_by_label("Reintegration").check()
    page.get_by_label("Reason for referral").select_option("MigrationOrChangeOfLocation")
    page.get_by_label("Share identity and contact details").check()
    shot(page, "referral-b02-refer-across-the-border")
    page.get_by_role("button", name="Send referral").click()
    page.wait_for_url("**/referrals/RF-*/")
    assert "national focal point for approval" in page.locator(".messages").inner_text()
    reference = page.locator("h1").inner_text().strip()
    assert page.locator("[data-state]").get_attribute("data-state") == "origin_focal"
    shot(page, "referral-b03-awaiting-focal-ir")

    # focal_ir approves from the focal point queue.
    focal_ir = sign_in(browser, live_server, "focal_ir")
    assert badge(focal_ir) == "1"
    focal_ir.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals").click()
    assert "Focal point queue" in focal_ir.locator(".tabs").inner_text()
    focal_ir.get_by_role("link", name=reference).click()
    checks = focal_ir.locator(".checklist").inner_text()
    assert "Risk assessment of the return" in checks and "Best-interests determination" in checks
    assert focal_ir.locator(".check-missing").count() == 0
    assert "Samiullah" not in focal_ir.locator("main").inner_text()  # identity is for sender and receiver only
    shot(focal_ir, "referral-b04-focal-ir-approves")
    focal_ir.get_by_role("button", name="Approve and pass to Afghanistan").click()
    focal_ir.wait_for_url(f"**/referrals/{reference}/")
    assert focal_ir.locator("[data-state]").get_attribute("data-state") == "destination_focal"

    # focal_af assigns it to the Herat safe house.
    focal_af = sign_in(browser, live_server, "focal_af")
    assert badge(focal_af) == "1"
    focal_af.get_by_role("link", name="Notifications").click()
    focal_af.locator(".inbox-item.is-unread").get_by_role("link").click()
    focal_af.wait_for_url(f"**/referrals/{reference}/")
    focal_af.get_by_label("Receiving agency").select_option(
        label="Herat Safe House · Herat — Shelter, Family tracing, Reintegration"
    )
    shot(focal_af, "referral-b05-focal-af-assigns")
    focal_af.get_by_role("button", name="Assign").click()
    focal_af.wait_for_url(f"**/referrals/{reference}/")
    assert focal_af.locator("[data-state]").get_attribute("data-state") == "sent"

    # The safe house's caseworker accepts; a linked case opens in Afghanistan.
    staff = sign_in(browser, live_server, "wahid")
    assert badge(staff) == "1"
    staff.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals").click()
    assert reference in staff.locator("table").inner_text()
    staff.get_by_role("link", name=reference).click()
    assert "Samiullah" in staff.locator("#shared").inner_text()  # shared with consent
    staff.get_by_role("button", name="Accept referral").click()
    staff.wait_for_url(f"**/referrals/{reference}/")
    linked = staff.locator("#shared .card-foot a")
    assert linked.inner_text().startswith("AF-")
    shot(staff, "referral-b06-accepted-linked-case")
    linked.click()
    staff.wait_for_url("**/cases/AF-*/")
    assert reference in staff.locator("#referrals").inner_text()
    shot(staff, "referral-b07-linked-case")

    # Back in Iran, the caseworker sees the acceptance.
    page.goto(f"{live_server.url}/referrals/{reference}/")
    assert page.locator("[data-state]").get_attribute("data-state") == "accepted"
    shot(page, "referral-b08-sender-sees-acceptance")
    referral = Referral.objects.get()
    assert referral.linked_case.country_id == "AF" and referral.linked_case.agency == af_ngo
