"""The access log: every page and API answer that shows a person's identifying data writes one row
(who, when, from where, which persons); pseudonymous views write none."""

import pytest
from django.urls import reverse

from audit.models import AccessEvent
from tests.api_support import API, client_for
from tests.audit_support import IP, META, UA
from tests.conftest import log_case


@pytest.fixture
def ui(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


def only_row() -> AccessEvent:
    [row] = AccessEvent.objects.all()
    return row


def test_the_case_page_with_identity_is_logged_with_who_and_from_where(ui, world):
    case = world.case_ir
    assert ui(world.cw).get(reverse("case_detail", args=[case.reference]), **META).status_code == 200
    row = only_row()
    assert row.actor_id == world.cw.pk and row.username == "cw" and row.ip == IP and row.user_agent == UA
    assert row.kind == "identity" and row.what == "case" and row.method == "GET"
    assert row.path == f"/cases/{case.reference}/" and len(row.request_id) == 32
    assert row.person_ids == [case.person_id] and row.case_ids == [case.id] and row.countries == ["IR"]


@pytest.mark.parametrize("who", ["pm_ir", "auditor_ir", "pm_region"])
def test_pseudonymous_case_pages_are_not_logged_as_identity_access(ui, world, who):
    page = ui(getattr(world, who)).get(reverse("case_detail", args=[world.case_ir.reference]))
    assert page.status_code == 200
    assert "Reza" not in page.content.decode()
    assert not AccessEvent.objects.exists()


def test_a_case_list_page_writes_one_row_with_every_person_shown(ui, world):
    extra = [log_case(world.cw, world.ir_ngo) for _ in range(3)]
    assert ui(world.cw).get(reverse("case_list")).status_code == 200
    row = only_row()
    assert row.what == "case list"
    assert set(row.person_ids) == {world.case_ir.person_id, *(c.person_id for c in extra)}
    assert set(row.case_ids) == {world.case_ir.id, *(c.id for c in extra)}


def test_a_case_list_without_names_writes_nothing(ui, world):
    assert ui(world.pm_region).get(reverse("case_list")).status_code == 200
    assert not AccessEvent.objects.exists()


def test_the_home_page_with_names_is_logged(ui, world):
    assert ui(world.cw).get(reverse("home")).status_code == 200
    assert only_row().what == "home page"


def test_the_person_edit_page_is_logged(ui, world):
    assert ui(world.cw).get(reverse("case_person_edit", args=[world.case_ir.reference])).status_code == 200
    row = only_row()
    assert row.what == "person edit" and row.person_ids == [world.case_ir.person_id]


def test_api_case_list_and_detail_with_identity_are_logged(world):
    c = client_for(world.cw)
    assert c.get(API + "cases/", **META).status_code == 200
    row = only_row()
    assert row.what == "api case list" and row.case_ids == [world.case_ir.id] and row.ip == IP
    assert row.username == "cw"  # token authentication: the user is known inside the view
    assert c.get(API + f"cases/{world.case_ir.reference}/").status_code == 200
    assert AccessEvent.objects.filter(what="api case", case_ids=[world.case_ir.id]).count() == 1


def test_api_persons_and_identifications_are_logged(world):
    c = client_for(world.cw)
    person = world.case_ir.person
    assert c.get(API + "victims/").status_code == 200
    assert AccessEvent.objects.get(what="api person list").person_ids == [person.id]
    assert c.get(API + f"victims/{person.reference}/").status_code == 200
    assert AccessEvent.objects.get(what="api person").person_ids == [person.id]
    assert c.get(API + "identifications/").status_code == 200
    assert AccessEvent.objects.get(what="api identification list").case_ids == [world.case_ir.id]
    assert c.get(API + f"cases/{world.case_ir.reference}/identifications/").status_code == 200
    assert AccessEvent.objects.get(what="api case-identification list").case_ids == [world.case_ir.id]


@pytest.mark.parametrize("who", ["pm_ir", "auditor_ir"])
def test_api_pseudonymous_answers_are_not_logged(world, who):
    c = client_for(getattr(world, who))
    for url in ("cases/", f"cases/{world.case_ir.reference}/", "identifications/",
                f"cases/{world.case_ir.reference}/identifications/", f"cases/{world.case_ir.reference}/notes/"):  # fmt: skip
        assert c.get(API + url).status_code == 200, url
    assert c.get(API + "victims/").json()["results"] == []
    assert not AccessEvent.objects.exists()


def test_out_of_scope_answers_are_not_logged(world):
    c = client_for(world.cw_af)
    assert c.get(API + f"cases/{world.case_ir.reference}/").status_code == 404
    assert not AccessEvent.objects.filter(case_ids__contains=[world.case_ir.id]).exists()


def test_the_htcds_export_is_logged_with_every_exported_person(world):
    """Recorded where the file is built (stats.exports.export_file), after the supervisor's approval."""
    from audit.context import audit_context
    from stats import services as stats_services

    second = log_case(world.cw, world.ir_ngo)
    request = stats_services.export_request_create(
        user=world.cw, agency=world.ir_ngo, kind="htcds", fmt="csv", filters={}, reason="Court file"
    )
    stats_services.export_request_decide(user=world.sup, request=request, approve=True)
    assert not AccessEvent.objects.exists()
    with audit_context(user_id=world.cw.pk, username="cw", ip=IP, path="/stats/exports/", method="POST"):
        stats_services.export_request_download(user=world.cw, request=request, password="a long export passphrase")
    row = only_row()
    assert row.what == "htcds export csv" and row.username == "cw" and row.ip == IP
    assert set(row.person_ids) == {world.case_ir.person_id, second.person_id}


def test_a_pseudonymous_export_is_not_logged(ui, world):
    response = ui(world.pm_region).get("/stats/exports/glotip.csv")
    assert response.status_code == 200
    assert not AccessEvent.objects.exists()


def test_a_referral_with_shared_identity_is_logged_and_one_without_is_not(ui, world):
    from tests.conftest import make_agency, make_user
    from tests.test_api_referrals_support import consent, draft

    world.ir_shelter = make_agency("IR-SHELTER", "IR", "Shelter", services=["Shelter", "Medical"])
    world.sp_shelter = make_user("sp_shelter", world.ir_shelter, "service_provider")
    consent(world)
    shared = draft(world, share_identity=True)
    plain = draft(world, share_identity=False)
    c = client_for(world.cw)
    assert c.get(API + f"referrals/{plain}/").status_code == 200
    assert not AccessEvent.objects.exists()
    assert c.get(API + f"referrals/{shared}/").status_code == 200
    row = AccessEvent.objects.get(what="api referral")
    assert row.case_ids == [world.case_ir.id] and row.person_ids == [world.case_ir.person_id]
    assert c.get(API + "referrals/").status_code == 200
    assert AccessEvent.objects.get(what="api referral list").case_ids == [world.case_ir.id]
    # The page of the referral, in the browser.
    assert ui(world.cw).get(f"/referrals/{plain}/").status_code == 200
    assert not AccessEvent.objects.filter(what="referral").exists()
    assert ui(world.cw).get(f"/referrals/{shared}/").status_code == 200
    assert AccessEvent.objects.get(what="referral").case_ids == [world.case_ir.id]
