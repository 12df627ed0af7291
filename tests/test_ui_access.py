"""Who sees which page of the browser UI, and how much of each case."""

import pytest
from django.urls import reverse

from cases.services import case_share

from .conftest import fresh

NAMES = ["Reza", "Ahmadi", "رضا", "احمدی"]
PLACE = "Street corner near the bazaar"


def case_sub_urls(case):
    ref = case.reference
    urls = [
        reverse("case_update", args=[ref]),
        reverse("case_close", args=[ref]),
        reverse("case_note_add", args=[ref]),
        reverse("case_identification_add", args=[ref]),
        reverse("case_consent_add", args=[ref]),
        reverse("case_risk_add", args=[ref]),
        reverse("case_reflection_start", args=[ref]),
        reverse("case_support_add", args=[ref]),
        reverse("case_service_add", args=[ref]),
        reverse("case_consent_withdraw", args=[ref, 1]),
        reverse("case_reflection_end", args=[ref, 1]),
    ]
    return urls


def assert_no_identity(html):
    for text in [*NAMES, PLACE]:
        assert text not in html, f"{text!r} leaked into a pseudonymous page"


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


def test_it_redirects_anonymous_users_to_login(client, world):
    pages = [
        reverse("home"),
        reverse("case_list"),
        reverse("identification_log"),
        reverse("case_detail", args=[world.case_ir.reference]),
        reverse("agency_list"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    for url in case_sub_urls(world.case_ir):
        response = client.post(url, {"text": "x"})
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


def test_login_page_is_open_and_signs_in(client, world):
    from .conftest import PASSWORD

    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": "cw", "password": PASSWORD})
    assert response.status_code == 302
    # A caseworker owes a second factor (tests/test_accounts_mfa.py); a programme manager does not.
    assert response["Location"] == reverse("mfa_enrol") + "?next=%2F"
    client.post(reverse("logout"))
    response = client.post(reverse("login"), {"username": "pm_ir", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_logout_is_a_post(login, world):
    client = login(world.cw)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_it_hides_cases_of_other_agencies(login, world):
    client = login(world.cw_police)  # same country, other agency
    assert client.get(reverse("case_detail", args=[world.case_ir.reference])).status_code == 404
    for url in case_sub_urls(world.case_ir):
        assert client.post(url, {"text": "x"}).status_code == 404, url
    html = client.get(reverse("case_list")).content.decode()
    assert world.case_ir.reference not in html
    assert world.case_police.reference in html


def test_it_hides_cases_of_other_countries(login, world):
    client = login(world.cw_af)
    assert client.get(reverse("case_detail", args=[world.case_ir.reference])).status_code == 404
    for url in case_sub_urls(world.case_ir):
        assert client.post(url, {"text": "x"}).status_code == 404, url
    html = client.get(reverse("case_list")).content.decode()
    assert world.case_ir.reference not in html
    assert "Reza" not in html


def test_a_child_of_another_case_is_not_found_through_this_case(login, world):
    from cases.services import consent_record, reflection_period_start

    consent = consent_record(user=world.cw_police, case=world.case_police, purpose="DataProcessing")
    period = reflection_period_start(user=world.cw_police, case=world.case_police)
    client = login(world.cw)
    ref = world.case_ir.reference
    url = reverse("case_consent_withdraw", args=[ref, consent.pk])
    assert client.post(url, {"withdrawal_reason": "x"}).status_code == 404
    url = reverse("case_reflection_end", args=[ref, period.pk])
    assert client.post(url, {"ended_on": "2020-01-01", "end_reason": "Completed"}).status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


def test_the_owner_sees_the_whole_case(login, world):
    client = login(world.cw)
    html = client.get(reverse("case_detail", args=[world.case_ir.reference])).content.decode()
    for text in [*NAMES, PLACE]:
        assert text in html
    assert "Add risk assessment" in html
    assert "Record consent" in html


@pytest.mark.parametrize("role", ["pm_ir", "auditor_ir", "pm_region"])
def test_oversight_roles_see_cases_without_identity(login, world, role):
    from cases.services import case_note_add, risk_assessment_add

    case_note_add(user=world.cw, case=world.case_ir, text="Met Reza at the shelter")
    import datetime

    risk_assessment_add(
        user=world.cw,
        case=world.case_ir,
        risk_level="High",
        safety_plan="Reza stays at the Ahmadi safe house",
        next_review_on=datetime.date.today() + datetime.timedelta(days=7),
    )
    client = login(getattr(world, role))
    response = client.get(reverse("case_detail", args=[world.case_ir.reference]))
    assert response.status_code == 200
    html = response.content.decode()
    assert_no_identity(html)
    assert "Met Reza" not in html
    assert "safe house" not in html
    assert world.case_ir.person.reference in html
    assert "9-17" in html
    assert "Add risk assessment" not in html

    html = client.get(reverse("case_list")).content.decode()
    assert world.case_ir.reference in html
    assert world.case_ir.person.reference in html
    assert_no_identity(html)

    html = client.get(reverse("home")).content.decode()
    assert "Cases in your oversight" in html
    assert_no_identity(html)


def test_oversight_cannot_find_a_case_by_name(login, world):
    client = login(world.pm_ir)
    html = client.get(reverse("case_list"), {"q": "Reza"}).content.decode()
    assert world.case_ir.reference not in html
    html = client.get(reverse("case_list"), {"q": world.case_ir.reference}).content.decode()
    assert world.case_ir.reference in html


def test_oversight_writes_are_refused(login, world):
    client = login(world.pm_ir)
    url = reverse("case_note_add", args=[world.case_ir.reference])
    assert client.post(url, {"text": "a note"}).status_code == 403
    assert world.case_ir.notes.count() == 0


def test_service_provider_without_grant_gets_404(login, world):
    client = login(world.sp_af)
    assert client.get(reverse("case_detail", args=[world.case_ir.reference])).status_code == 404
    for url in case_sub_urls(world.case_ir):
        assert client.post(url, {"text": "x"}).status_code == 404, url
    html = client.get(reverse("home")).content.decode()
    assert "No case has been shared" in html


def test_grantee_sees_a_shared_case_without_identity(login, world):
    case_share(user=world.sup, case=world.case_ir, agency=world.af_ngo, include_identity=False)
    client = login(fresh(world.sp_af))
    response = client.get(reverse("case_detail", args=[world.case_ir.reference]))
    assert response.status_code == 200
    html = response.content.decode()
    assert_no_identity(html)
    assert "Record a service delivered" in html
    assert "Add risk assessment" not in html
    html = client.get(reverse("home")).content.decode()
    assert world.case_ir.reference in html
    assert_no_identity(html)


def test_grantee_sees_identity_when_shared_with_it(login, world):
    case_share(user=world.sup, case=world.case_ir, agency=world.af_ngo, include_identity=True)
    client = login(fresh(world.sp_af))
    html = client.get(reverse("case_detail", args=[world.case_ir.reference])).content.decode()
    assert "Reza" in html and PLACE in html
    html = client.get(reverse("case_list")).content.decode()
    assert "Reza" in html


def test_grantee_records_a_service_but_cannot_add_notes(login, world):
    case_share(user=world.sup, case=world.case_ir, agency=world.af_ngo)
    client = login(fresh(world.sp_af))
    ref = world.case_ir.reference
    response = client.post(reverse("case_service_add", args=[ref]), {"service": "Shelter", "started_on": "2025-01-02"})
    assert response.status_code == 302
    delivery = world.case_ir.services.get()
    assert delivery.provider == world.af_ngo
    assert client.post(reverse("case_note_add", args=[ref]), {"text": "hello"}).status_code == 403


def test_caseworker_cannot_reassign_to_someone_else(login, world):
    client = login(world.cw)
    url = reverse("case_update", args=[world.case_ir.reference])
    response = client.post(url, {"assigned_to": world.sup.pk})
    assert response.status_code == 403
    world.case_ir.refresh_from_db()
    assert world.case_ir.assigned_to == world.cw


def test_supervisor_reassigns(login, world):
    client = login(world.sup)
    html = client.get(reverse("case_detail", args=[world.case_ir.reference])).content.decode()
    assert "or assignment" in html
    url = reverse("case_update", args=[world.case_ir.reference])
    assert client.post(url, {"assigned_to": world.sup.pk, "stage": "FirstAssistance"}).status_code == 302
    world.case_ir.refresh_from_db()
    assert world.case_ir.assigned_to == world.sup
    assert world.case_ir.stage == "FirstAssistance"


def test_home_page_per_role(login, world):
    assert "Log identification" in login(world.cw).get(reverse("home")).content.decode()
    assert "/admin/" in login(world.admin_user).get(reverse("home")).content.decode()
    html = login(world.nobody).get(reverse("home")).content.decode()
    assert "not a member of any partner agency" in html
    assert "Log identification" not in html


def test_user_without_identifying_role_cannot_open_the_form(login, world):
    assert login(world.pm_ir).get(reverse("identification_log")).status_code == 403
    assert login(world.sp_ir).get(reverse("identification_log")).status_code == 403


def test_agency_directory_is_open_to_every_user(login, world):
    client = login(world.nobody)
    html = client.get(reverse("agency_list")).content.decode()
    assert "IR-NGO" in html and "AF-NGO" in html
    assert "National focal point" in html
    html = client.get(reverse("agency_list"), {"country": "AF"}).content.decode()
    assert "AF-NGO" in html and "IR-NGO" not in html
    html = client.get(reverse("agency_list"), {"service": "LawEnforcement"}).content.decode()
    assert "IR-POL" in html and "AF-NGO" not in html


def test_share_reasons_stay_out_of_the_pseudonymous_timeline(login, world):
    case_share(user=world.sup, case=world.case_ir, agency=world.af_ngo, reason="Reza needs a shelter in Herat")
    html = login(world.pm_ir).get(reverse("case_detail", args=[world.case_ir.reference])).content.decode()
    assert "Shared with another agency." in html
    assert_no_identity(html)
    assert "Herat" not in html
    html = login(world.sup).get(reverse("case_detail", args=[world.case_ir.reference])).content.decode()
    assert "Reza needs a shelter in Herat" in html


def test_error_pages_use_the_layout(login, world):
    client = login(world.cw_af)
    response = client.get(reverse("case_detail", args=[world.case_ir.reference]))
    assert response.status_code == 404
    assert "Not found" in response.content.decode()
    response = client.post(reverse("case_note_add", args=[world.case_af.reference]), {"text": "x"})
    assert response.status_code == 302
    response = login(world.pm_ir).post(reverse("case_note_add", args=[world.case_ir.reference]), {"text": "x"})
    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()
