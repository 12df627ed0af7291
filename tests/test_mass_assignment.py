"""Mass assignment: fields the server decides (owner, agency, country, reference, id, author, state,
consent override, staff flags) sent along with a legitimate write are ignored or refused with 400,
and the stored values stay the server's, through the API and the browser forms alike."""

import datetime

import pytest
from django.urls import reverse

from cases.models import (
    BestInterestsDetermination,
    Case,
    CaseNote,
    Consent,
    Identification,
    ReflectionPeriod,
    RiskAssessment,
    ServiceDelivery,
    SupportPlan,
)
from partners.models import User
from referrals.models import Referral

from .api_support import API, client_for

TODAY = datetime.date.today()
OPENED = Case._meta.get_field("status").default  # what the server gives a new case


def extras(world, *, keep=()) -> dict:
    """What an attacker adds to a request: every server-decided field, pointing elsewhere."""
    data = {
        "owner": "cw_af", "agency": "AF-NGO", "agency_id": world.af_ngo.pk, "country": "AF", "country_id": "AF",
        "status": "Closed", "stage": "5", "state": "accepted", "consent_override": True, "override": True,
        "overridden_by": "sup", "is_staff": True, "is_superuser": True, "created_by": "cw_af",
        "created_by_id": world.cw_af.pk, "author": "cw_af", "recorded_by": "cw_af", "caseworker": "cw_af",
        "reference": "AF-1999-999999", "id": 999999, "pk": 999999, "case": world.case_af.reference,
        "from_agency": "AF-NGO", "is_valid": True, "withdrawn_on": str(TODAY), "person": 1,
    }  # fmt: skip
    for key in keep:
        data.pop(key, None)
    return data


def assert_no_privilege_gained(world):
    for user in User.objects.filter(username__in=["cw", "cw_af", "sup"]):
        assert not user.is_staff and not user.is_superuser, user.username


def created_or_refused(response, model, before):
    """201/302 with one new row, or 400 with none."""
    assert response.status_code in (200, 201, 302, 400), response.content[:500]
    if response.status_code == 400 or (response.status_code == 200 and model.objects.count() == before):
        assert model.objects.count() == before
        return None
    assert model.objects.count() == before + 1
    return model.objects.order_by("-id").first()


# --- API -----------------------------------------------------------------------------------------

CASE_RECORDS = [
    ("notes", CaseNote, {"text": "Note"}, {"author_id": "cw", "agency_id": "ir_ngo"}),
    ("consents", Consent, {"purpose": "DataProcessing", "given_by": "Person"}, {"recorded_by_id": "cw"}),
    ("risk-assessments", RiskAssessment, {"risk_level": "Low", "safety_plan": "Plan",
     "next_review_on": str(TODAY + datetime.timedelta(days=3))}, {"assessed_by_id": "cw"}),
    ("reflection-periods", ReflectionPeriod, {"days": 30}, {"recorded_by_id": "cw"}),
    ("support-plans", SupportPlan, {"type": "Education", "objectives": "School"}, {}),
    ("services", ServiceDelivery, {"service": "Psychosocial"}, {}),
    ("best-interests-determinations", BestInterestsDetermination,
     {"decided_on": str(TODAY), "panel": "Panel", "summary": "Stay"}, {"decided_by_id": "cw"}),
    ("identifications", Identification, {"identified_on": str(TODAY), "context": "Street",
     "exploitation_types": ["ForcedBegging"], "trafficking_status": "PossibleVictimOfTrafficking"},
     {"agency_id": "ir_ngo", "caseworker_id": "cw"}),
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint,model,data,server_set", CASE_RECORDS, ids=[c[0] for c in CASE_RECORDS])
def test_case_records_keep_the_server_decided_fields(world, endpoint, model, data, server_set):
    case = world.case_ir
    before = model.objects.count()
    response = client_for(world.cw).post(
        API + f"cases/{case.reference}/{endpoint}/", {**extras(world), **data}, format="json"
    )
    row = created_or_refused(response, model, before)
    if row is not None:
        assert row.case_id == case.id  # not world.case_af, whatever "case" said
        assert row.pk != 999999
        for attr, expected in server_set.items():
            assert getattr(row, attr) == getattr(world, expected).pk, attr
    case.refresh_from_db()
    assert (case.agency_id, case.country_id, case.status) == (world.ir_ngo.pk, "IR", OPENED)
    assert world.case_af.notes.count() == 0 and world.case_af.consents.count() == 0
    assert_no_privilege_gained(world)


@pytest.mark.django_db
def test_logging_an_identification_keeps_the_server_decided_fields(world):
    payload = {
        **extras(world, keep=("agency", "person")),
        "agency": "IR-NGO",
        "person": {**extras(world), "given_name_latin": "Ali", "gender": "Masculine", "estimated_age": 14},
        "identification": {**extras(world), "identified_on": str(TODAY), "country": "IR", "context": "Street",
                           "exploitation_types": ["ForcedBegging"], "trafficking_status": "PossibleVictimOfTrafficking"},
    }  # fmt: skip
    before = Case.objects.count()
    response = client_for(world.cw).post(API + "identifications/", payload, format="json")
    row = created_or_refused(response, Case, before)
    if row is not None:
        assert (row.agency_id, row.country_id, row.created_by_id, row.status) == (
            world.ir_ngo.pk,
            "IR",
            world.cw.pk,
            OPENED,
        )
        assert row.reference != "AF-1999-999999" and row.reference.startswith("IR-")
        assert row.person.agency_id == world.ir_ngo.pk
        ident = row.identifications.get()
        assert (ident.agency_id, ident.caseworker_id) == (world.ir_ngo.pk, world.cw.pk)
    assert_no_privilege_gained(world)


@pytest.mark.django_db
def test_correcting_a_person_keeps_the_server_decided_fields(world):
    person = world.case_ir.person
    reference, agency = person.reference, person.agency_id
    response = client_for(world.cw).patch(
        API + f"victims/{reference}/", {**extras(world), "given_name_latin": "Rezaa"}, format="json"
    )
    assert response.status_code in (200, 400), response.content
    person.refresh_from_db()
    assert (person.reference, person.agency_id) == (reference, agency)
    assert_no_privilege_gained(world)


@pytest.mark.django_db
def test_updating_a_case_keeps_the_server_decided_fields(world):
    case = world.case_ir
    reference = case.reference
    response = client_for(world.cw).patch(
        API + f"cases/{reference}/", {**extras(world, keep=("status", "stage")), "stage": "2"}, format="json"
    )
    assert response.status_code in (200, 400), response.content
    case.refresh_from_db()
    assert (case.reference, case.agency_id, case.country_id, case.created_by_id) == (
        reference, world.ir_ngo.pk, "IR", world.cw.pk)  # fmt: skip
    assert_no_privilege_gained(world)


@pytest.mark.django_db
def test_a_referral_draft_keeps_the_server_decided_fields(world):
    before = Referral.objects.count()
    payload = {**extras(world, keep=("case",)), "case": world.case_ir.reference, "to_agency": "IR-POL",
               "services": ["LawEnforcement"], "reason": "AdditionalServicesRequired"}  # fmt: skip
    response = client_for(world.cw).post(API + "referrals/", payload, format="json")
    row = created_or_refused(response, Referral, before)
    if row is not None:
        assert (row.state, row.from_agency_id, row.created_by_id, row.case_id) == (
            "draft", world.ir_ngo.pk, world.cw.pk, world.case_ir.pk)  # fmt: skip
        assert not row.override_reason and row.overridden_by_id is None
        assert row.reference != "AF-1999-999999"


@pytest.mark.django_db
def test_a_consent_override_cannot_be_smuggled_into_sending(world):
    """No valid consent: a caseworker's send is refused whatever override flags come along."""
    from referrals import services

    referral = services.referral_create(
        user=world.cw, case=world.case_ir, services=["LawEnforcement"], reason="AdditionalServicesRequired",
        to_agency=world.ir_police,
    )  # fmt: skip
    response = client_for(world.cw).post(
        API + f"referrals/{referral.reference}/send/", {**extras(world), "override_reason": ""}, format="json"
    )
    assert response.status_code in (400, 403, 409), response.content
    referral.refresh_from_db()
    assert referral.state == "draft" and referral.overridden_by_id is None


# --- browser forms -------------------------------------------------------------------------------


def ui_extras(world) -> dict:
    data = extras(world, keep=("case",))
    data["agency"] = str(world.af_ngo.pk)  # the form's own field, as an id
    return {k: str(v) for k, v in data.items()}


@pytest.mark.django_db
def test_the_identification_form_keeps_the_server_decided_fields(client, world):
    from .test_ui_forms import identification_post

    client.force_login(world.cw)
    before = Case.objects.count()
    data = {**ui_extras(world), **identification_post(world)}
    data.pop("agency")  # a caseworker of one agency has no choice; sending AF-NGO's id is refused below
    response = client.post(reverse("identification_log"), data)
    row = created_or_refused(response, Case, before)
    assert row is not None
    assert (row.agency_id, row.country_id, row.created_by_id, row.status) == (
        world.ir_ngo.pk,
        "IR",
        world.cw.pk,
        OPENED,
    )
    assert row.reference != "AF-1999-999999"
    response = client.post(reverse("identification_log"), {**identification_post(world), "agency": world.af_ngo.pk})
    assert Case.objects.count() == before + 1  # another agency's id: refused, nothing written
    assert response.status_code in (200, 400, 403)
    assert_no_privilege_gained(world)


@pytest.mark.django_db
def test_the_person_form_keeps_the_server_decided_fields(client, world):
    client.force_login(world.cw)
    person = world.case_ir.person
    reference, agency = person.reference, person.agency_id
    data = {**ui_extras(world), "given_name_latin": "Rezaa", "gender": "Masculine", "estimated_age": "14"}
    response = client.post(reverse("case_person_edit", args=[world.case_ir.reference]), data)
    assert response.status_code in (200, 302)
    person.refresh_from_db()
    assert (person.reference, person.agency_id) == (reference, agency)


@pytest.mark.django_db
def test_the_case_forms_keep_the_server_decided_fields(client, world):
    client.force_login(world.cw)
    case = world.case_ir
    posts = [
        ("case_note_add", {"text": "Spoke with the family."}),
        ("case_update", {"stage": "2"}),
        ("case_consent_add", {"purpose": "DataProcessing", "granted": "yes", "given_by": "Person",
                              "given_on": TODAY.isoformat()}),
    ]  # fmt: skip
    for name, data in posts:
        response = client.post(reverse(name, args=[case.reference]), {**ui_extras(world), **data})
        assert response.status_code in (200, 302), name
    case.refresh_from_db()
    assert (case.agency_id, case.country_id, case.created_by_id) == (world.ir_ngo.pk, "IR", world.cw.pk)
    assert case.status != "Closed"
    note = CaseNote.objects.get(case=case)
    assert (note.author_id, note.agency_id) == (world.cw.pk, world.ir_ngo.pk)
    assert Consent.objects.get(case=case).recorded_by_id == world.cw.pk
    assert not world.case_af.notes.exists()
    assert_no_privilege_gained(world)
