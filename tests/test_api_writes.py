"""Writes through the API: each one a cases.services call; bad input is a 400 naming the fields
and writes nothing; server-set fields (agency, reference, author, created_*) ignore the client."""

import datetime

import pytest

from cases.models import Case, CaseEvent, CaseNote, Consent, Identification, RiskAssessment, ServiceDelivery
from tests.api_support import API, TODAY, client_for, fill_case
from victims.models import Person
from victims.names import name_search_q

TOMORROW = TODAY + datetime.timedelta(days=1)


def counts():
    return tuple(m.objects.count() for m in (Person, Case, Identification, CaseEvent, CaseNote, Consent,
                                              RiskAssessment, ServiceDelivery))  # fmt: skip


def log_payload(**changes):
    payload = {
        "agency": "IR-NGO",
        "person": {"given_name": "زهرا", "given_name_latin": "Zahra", "gender": "Feminine", "estimated_age": 15,
                   "citizenships": ["AF"], "languages": ["prs"]},
        "identification": {"identified_on": str(TODAY - datetime.timedelta(days=1)), "country": "IR",
                           "context": "BorderCrossing", "exploitation_types": ["ForcedMarriage"],
                           "trafficking_status": "PossibleVictimOfTrafficking", "place": "Border post"},
    }  # fmt: skip
    for part, values in changes.items():
        if isinstance(values, dict) and part in payload:
            payload[part] = {**payload[part], **values}
        else:
            payload[part] = values
    return payload


def post_log(user, payload):
    return client_for(user).post(API + "identifications/", payload, format="json")


def test_it_logs_an_identification(world):
    before = counts()
    response = post_log(world.cw, log_payload())
    assert response.status_code == 201, response.content
    data = response.json()
    case = Case.objects.get(reference=data["reference"])
    assert case.agency == world.ir_ngo
    assert case.created_by == world.cw
    assert case.assigned_to == world.cw
    assert data["agency"] == "IR-NGO"
    assert data["pseudonymous"] is False
    assert data["person"]["given_name_latin"] == "Zahra"
    assert data["is_child"] is True
    assert data["exploitation_types"] == ["ForcedMarriage"]
    assert case.identifications.get().caseworker == world.cw
    assert counts()[:4] == (before[0] + 1, before[1] + 1, before[2] + 1, before[3] + 1)
    assert client_for(world.cw).get(API + f"cases/{case.reference}/").status_code == 200


def test_it_ignores_client_sent_agency_reference_and_author_fields(world):
    payload = log_payload(
        reference="AF-1999-999999",
        created_by="cw_af",
        person={"reference": "P-HACKED00", "agency": "AF-NGO", "search_names": "x"},
        identification={"agency": "AF-NGO", "caseworker": "cw_af", "case": "AF-1999-000001", "is_child": False,
                        "age_at_identification": 40, "created_at": "2000-01-01T00:00:00Z"},
    )  # fmt: skip
    response = post_log(world.cw, payload)
    assert response.status_code == 201, response.content
    case = Case.objects.get(reference=response.json()["reference"])
    assert case.reference.startswith("IR-") and case.reference != "AF-1999-999999"
    assert case.created_by == world.cw
    assert case.person.reference != "P-HACKED00"
    assert case.person.agency == world.ir_ngo
    ident = case.identifications.get()
    assert (ident.agency, ident.caseworker, ident.is_child, ident.age_at_identification) == (
        world.ir_ngo,
        world.cw,
        True,
        15,
    )
    assert ident.created_at.year > 2000

    ref = world.case_ir.reference
    note = client_for(world.cw).post(API + f"cases/{ref}/notes/", {
        "text": "Met the family.", "author": "cw_af", "agency": "AF-NGO", "created_at": "2000-01-01T00:00:00Z",
        "case": world.case_af.reference, "id": 999999,
    }, format="json")  # fmt: skip
    assert note.status_code == 201, note.content
    row = CaseNote.objects.get(pk=note.json()["id"])
    assert (row.case, row.author, row.agency) == (world.case_ir, world.cw, world.ir_ngo)
    assert row.created_at.year > 2000 and row.id != 999999

    patch = client_for(world.cw).patch(API + f"cases/{ref}/", {
        "reference": "XX-1", "agency": "AF-NGO", "created_by": "cw_af", "closure_notes": "x", "country": "AF",
        "is_child": False, "stage": "FirstAssistance",
    }, format="json")  # fmt: skip
    assert patch.status_code == 200, patch.content
    world.case_ir.refresh_from_db()
    assert (world.case_ir.reference, world.case_ir.agency, world.case_ir.country_id, world.case_ir.is_child) == (
        ref,
        world.ir_ngo,
        "IR",
        True,
    )
    assert world.case_ir.stage == "FirstAssistance"


def test_it_refuses_an_agency_the_user_cannot_identify_for(world):
    before = counts()
    assert post_log(world.cw, log_payload(agency="IR-POL")).status_code == 403
    assert post_log(world.pm_ir, log_payload(agency="UNODC-IR")).status_code == 403
    assert post_log(world.sp_ir, log_payload()).status_code == 403
    response = post_log(world.cw, log_payload(agency="NO-SUCH"))
    assert response.status_code == 400 and "agency" in response.json()
    assert counts() == before


def test_an_adult_actual_victim_without_means_is_refused_and_nothing_is_written(world):
    before = counts()
    payload = log_payload(
        person={"estimated_age": 30},
        identification={"trafficking_status": "ActualVictimOfTrafficking", "status_decided_by": "NGO",
                        "acts": ["Recruitment"], "purposes": ["ForcedLabourOrServices"], "means": []},
    )  # fmt: skip
    response = post_log(world.cw, payload)
    assert response.status_code == 400
    assert "means" in response.json()["identification"]
    assert "Palermo" in response.json()["identification"]["means"][0]
    assert counts() == before
    # The same facts for a child need no means.
    payload["person"]["estimated_age"] = 15
    assert post_log(world.cw, payload).status_code == 201


def test_future_dates_are_refused(world):
    before = counts()
    response = post_log(world.cw, log_payload(identification={"identified_on": str(TOMORROW)},
                                              person={"date_of_birth": str(TOMORROW)}))  # fmt: skip
    assert response.status_code == 400
    assert "identified_on" in response.json()["identification"]
    assert "date_of_birth" in response.json()["person"]

    ref = world.case_ir.reference
    client = client_for(world.cw)
    response = client.post(API + f"cases/{ref}/consents/", {"purpose": "DataProcessing", "given_on": str(TOMORROW)},
                           format="json")  # fmt: skip
    assert response.status_code == 400 and list(response.json()) == ["given_on"]
    response = client.post(API + f"cases/{ref}/risk-assessments/", {
        "risk_level": "Low", "safety_plan": "Stay", "assessed_on": str(TOMORROW),
        "next_review_on": str(TOMORROW + datetime.timedelta(days=9)),
    }, format="json")  # fmt: skip
    assert response.status_code == 400 and "assessed_on" in response.json()
    response = client.post(API + f"cases/{ref}/services/", {"service": "Shelter", "started_on": str(TOMORROW)},
                           format="json")  # fmt: skip
    assert response.status_code == 400 and "started_on" in response.json()
    response = client.post(API + f"cases/{ref}/close/", {"closure_reason": "Other", "closed_on": str(TOMORROW)},
                           format="json")  # fmt: skip
    assert response.status_code == 400 and "closed_on" in response.json()
    assert counts() == before


def test_unknown_country_codes_are_refused(world):
    before = counts()
    response = post_log(world.cw, log_payload(person={"citizenships": ["XX"]}))
    assert response.status_code == 400
    assert "XX" in response.json()["person"]["citizenships"][0]
    response = post_log(world.cw, log_payload(identification={"country": "XX"}))
    assert response.status_code == 400
    assert "country" in response.json()["identification"]
    response = client_for(world.cw).patch(API + f"victims/{world.case_ir.person.reference}/",
                                          {"citizenships": ["AF", "QQ"]}, format="json")  # fmt: skip
    assert response.status_code == 400 and "citizenships" in response.json()
    assert counts() == before


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"person": {"given_name": "", "given_name_latin": "", "aliases": []}}, "person"),
        ({"person": {"gender": "Robot"}}, "person"),
        ({"identification": {"context": "Nowhere"}}, "identification"),
        ({"identification": {"exploitation_types": ["Bogus"]}}, "identification"),
        ({"identification": {"forced_labour_industry": "F_Construction"}}, "identification"),
        ({"assigned_to": "cw_af"}, "assigned_to"),
    ],
)
def test_bad_identifications_name_the_field_and_write_nothing(world, changes, field):
    before = counts()
    response = post_log(world.cw, log_payload(**changes))
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert counts() == before


def test_it_records_everything_on_a_case(world):
    client = client_for(world.cw)
    ref = world.case_ir.reference
    base = API + f"cases/{ref}/"

    r = client.post(base + "identifications/", {
        "identified_on": str(TODAY), "country": "IR", "context": "Shelter", "trafficking_status":
        "ActualVictimOfTrafficking", "status_decided_by": "NGO", "acts": ["Harbouring"], "purposes": ["Servitude"],
        "exploitation_types": ["Servitude"],
    }, format="json")  # fmt: skip
    assert r.status_code == 201, r.content
    world.case_ir.refresh_from_db()
    assert world.case_ir.trafficking_status == "ActualVictimOfTrafficking"  # a child: no means needed

    r = client.post(base + "consents/", {"purpose": "NationalReferral", "given_by": "Guardian"}, format="json")
    assert r.status_code == 400 and "guardian_name" in r.json()
    r = client.post(base + "consents/", {"purpose": "NationalReferral"}, format="json")
    assert r.status_code == 201 and r.json()["is_valid"] is True
    consent_id = r.json()["id"]
    r = client.post(base + f"consents/{consent_id}/withdraw/", {"withdrawal_reason": " "}, format="json")
    assert r.status_code == 400 and "withdrawal_reason" in r.json()
    r = client.post(base + f"consents/{consent_id}/withdraw/", {"withdrawal_reason": "Changed her mind"},
                    format="json")  # fmt: skip
    assert r.status_code == 200 and r.json()["is_valid"] is False and r.json()["withdrawn_on"] == str(TODAY)
    r = client.post(base + f"consents/{consent_id}/withdraw/", {"withdrawal_reason": "Again"}, format="json")
    assert r.status_code == 400 and "non_field_errors" in r.json()

    r = client.post(base + "risk-assessments/", {
        "risk_level": "Critical", "safety_plan": "Move", "next_review_on": str(TODAY + datetime.timedelta(days=7)),
    }, format="json")  # fmt: skip
    assert r.status_code == 201 and "RiskToLife" in r.json()["risk_factors"]

    r = client.post(base + "reflection-periods/", {"days": 400}, format="json")
    assert r.status_code == 400 and "days" in r.json()
    r = client.post(base + "reflection-periods/", {"days": 45}, format="json")
    assert r.status_code == 201 and r.json()["planned_end"] == str(TODAY + datetime.timedelta(days=45))
    period = r.json()["id"]
    assert client.post(base + "reflection-periods/", {}, format="json").status_code == 400  # one at a time
    r = client.post(base + f"reflection-periods/{period}/end/", {"end_reason": "DecidedToCooperate"}, format="json")
    assert r.status_code == 200 and r.json()["ended_on"] == str(TODAY)

    r = client.post(base + "support-plans/", {"type": "Education", "objectives": "Back to school"}, format="json")
    assert r.status_code == 201
    plan = r.json()["id"]
    r = client.post(base + "services/", {"service": "Education", "support_plan": plan}, format="json")
    assert r.status_code == 201 and r.json()["support_type"] == "Education" and r.json()["provider"] == "IR-NGO"

    world.case_ir.refresh_from_db()
    assert world.case_ir.stage == "LongTermAssistance"
    assert world.case_ir.events.count() >= 9


def test_a_service_cannot_point_at_another_cases_plan(world):
    fill_case(world.cw_police, world.case_police)
    other_plan = world.case_police.support_plans.get()
    before = counts()
    r = client_for(world.cw).post(API + f"cases/{world.case_ir.reference}/services/",
                                  {"service": "Shelter", "support_plan": other_plan.id}, format="json")  # fmt: skip
    assert r.status_code == 400 and "support_plan" in r.json()
    assert counts() == before


def test_it_updates_and_closes_a_case(world):
    ref = world.case_ir.reference
    cw, sup = client_for(world.cw), client_for(world.sup)

    r = cw.patch(API + f"cases/{ref}/", {"status": "Closed"}, format="json")
    assert r.status_code == 400 and "status" in r.json()
    r = cw.patch(API + f"cases/{ref}/", {"assigned_to": "sup"}, format="json")
    assert r.status_code == 403  # only a supervisor reassigns to someone else
    r = cw.patch(API + f"cases/{ref}/", {"assigned_to": "cw_police"}, format="json")
    assert r.status_code == 400 and "assigned_to" in r.json()  # not a member of the case's agency
    r = sup.patch(API + f"cases/{ref}/", {"assigned_to": "sup", "status": "FollowUp"}, format="json")
    assert r.status_code == 200 and r.json()["assigned_to"] == "sup" and r.json()["status"] == "FollowUp"

    r = cw.post(API + f"cases/{ref}/close/", {}, format="json")
    assert r.status_code == 400 and "closure_reason" in r.json()
    r = cw.post(API + f"cases/{ref}/close/", {"closure_reason": "SupportGoalsMet", "closure_notes": "Home"},
                format="json")  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "Closed" and r.json()["closed_on"] == str(TODAY)
    assert r.json()["closure_notes"] == "Home"
    r = cw.post(API + f"cases/{ref}/close/", {"closure_reason": "Other"}, format="json")
    assert r.status_code == 400
    assert cw.patch(API + f"cases/{ref}/", {"status": "Active"}, format="json").status_code == 400
    assert sup.patch(API + f"cases/{ref}/", {"status": "Active"}, format="json").json()["status"] == "Active"


def test_it_updates_a_person_through_their_case(world):
    url = API + f"victims/{world.case_ir.person.reference}/"
    r = client_for(world.cw).patch(url, {"given_name_latin": "Rezaa", "estimated_age": 19, "reference": "P-XXXX",
                                         "agency": "AF-NGO", "search_names": "nobody"}, format="json")  # fmt: skip
    assert r.status_code == 200, r.content
    person = Person.objects.get(pk=world.case_ir.person.pk)
    assert person.given_name_latin == "Rezaa"
    assert person.reference == world.case_ir.person.reference
    assert person.agency == world.ir_ngo
    assert Person.objects.filter(name_search_q("rezaa"), pk=person.pk).exists()  # the blind index follows
    world.case_ir.refresh_from_db()
    assert world.case_ir.is_child is False
    assert r.json()["age_band"] == "18-20"

    r = client_for(world.cw).patch(url, {"date_of_birth": str(TOMORROW)}, format="json")
    assert r.status_code == 400 and "date_of_birth" in r.json()
    person.refresh_from_db()
    assert person.date_of_birth is None


def test_lists_paginate_by_25_and_up_to_100(world):
    from tests.conftest import log_case

    for _ in range(27):
        log_case(world.cw, world.ir_ngo)
    client = client_for(world.cw)
    first = client.get(API + "cases/").json()
    assert first["count"] == 28 and len(first["results"]) == 25 and first["next"]
    assert len(client.get(API + "cases/?page=2").json()["results"]) == 3
    assert len(client.get(API + "cases/?page_size=100").json()["results"]) == 28
    assert len(client.get(API + "cases/?page_size=5").json()["results"]) == 5
    assert client.get(API + "cases/?page=9").status_code == 404


def test_case_filters_mirror_the_ui(world):
    from tests.conftest import log_case

    other = log_case(world.cw, world.ir_ngo, person={"estimated_age": 40},
                     identification={"exploitation_types": ["ForcedLabour"]})  # fmt: skip
    client = client_for(world.pm_region)

    def refs(query):
        return {row["reference"] for row in client.get(API + "cases/?" + query).json()["results"]}

    assert refs("exploitation_type=ForcedLabour") == {other.reference, world.case_af.reference}
    assert refs("country=AF") == {world.case_af.reference}
    assert refs("agency=IR-POL") == {world.case_police.reference}
    assert refs("is_child=false") == {other.reference, world.case_af.reference}
    r = client.get(API + "cases/?status=Nonsense")
    assert r.status_code == 400 and "status" in r.json()


def test_agencies_are_a_read_only_directory_with_the_ui_filters(world):
    client = client_for(world.nobody)
    names = {a["short_name"] for a in client.get(API + "agencies/").json()["results"]}
    assert names == {"IR-NGO", "IR-POL", "AF-NGO", "IR-COM", "UNODC-IR", "UNODC-ROCA"}

    def names_for(query):
        return {a["short_name"] for a in client.get(API + "agencies/?" + query).json()["results"]}

    assert names_for("country=AF") == {"AF-NGO", "UNODC-ROCA"}
    assert names_for("type=Police") == {"IR-POL"}
    assert names_for("service=Reintegration") == {"AF-NGO"}
    assert names_for("is_focal_point=true") == {"IR-COM"}
    assert names_for("q=unodc") == {"UNODC-IR", "UNODC-ROCA"}
    detail = client.get(API + "agencies/IR-NGO/").json()
    assert detail["country"] == "IR" and detail["services"] == ["Shelter", "Psychosocial"]
    assert client.get(API + "agencies/NOPE/").status_code == 404
    assert client.post(API + "agencies/", {"short_name": "X"}, format="json").status_code == 405
    assert client.patch(API + "agencies/IR-NGO/", {"name": "X"}, format="json").status_code == 405
