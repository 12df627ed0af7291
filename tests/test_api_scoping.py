"""Who sees which case through the API, and how much of it: the same scopes as the UI."""

import pytest

from cases import services
from tests.api_support import (
    API,
    NESTED,
    assert_no_secrets,
    assert_pseudonymous_case,
    client_for,
    fill_case,
    rows,
)
from tests.conftest import fresh, make_user
from victims.models import IDENTIFYING_FIELDS


def references(response):
    return {row["reference"] for row in rows(response)}


def nested_urls(case, records):
    """Every nested list and detail URL of a case, with the ids of its records."""
    urls = []
    for name in NESTED:
        urls.append(f"cases/{case.reference}/{name}/")
        urls.append(f"cases/{case.reference}/{name}/{records[name].id}/")
    return urls


@pytest.fixture
def records(world):
    return fill_case(world.cw, world.case_ir)


def test_it_lists_the_cases_of_the_users_agency(world):
    assert references(client_for(world.cw).get(API + "cases/")) == {world.case_ir.reference}
    assert references(client_for(world.sup).get(API + "cases/")) == {world.case_ir.reference}
    assert references(client_for(world.cw_police).get(API + "cases/")) == {world.case_police.reference}


def test_it_shows_the_owner_everything(world, records):
    data = client_for(world.cw).get(API + f"cases/{world.case_ir.reference}/").json()
    assert data["pseudonymous"] is False
    assert data["person"]["given_name_latin"] == "Reza"
    assert data["person"]["given_name"] == "رضا"
    assert data["agency"] == "IR-NGO"
    assert "closure_notes" in data
    for url in nested_urls(world.case_ir, records):
        response = client_for(world.cw).get(API + url)
        assert response.status_code == 200, url
        data = response.json()
        for row in data.get("results", [data]):
            assert row["pseudonymous"] is False, url
    note = client_for(world.cw).get(API + f"cases/{world.case_ir.reference}/notes/").json()["results"][0]
    assert note["text"] == "Reza told us about the bazaar."
    ident = client_for(world.cw).get(API + "identifications/").json()["results"][0]
    assert ident["place"] == "Street corner near the bazaar"
    assert ident["age_at_identification"] == 14


def test_it_hides_cases_of_other_agencies(world, records):
    client = client_for(world.cw_police)  # same country, other agency
    assert world.case_ir.reference not in references(client.get(API + "cases/"))
    assert client.get(API + f"cases/{world.case_ir.reference}/").status_code == 404
    for url in nested_urls(world.case_ir, records):
        assert client.get(API + url).status_code == 404, url
    assert rows(client.get(API + "identifications/"))[0]["case"] == world.case_police.reference
    assert len(rows(client.get(API + "identifications/"))) == 1


def test_it_hides_cases_of_other_agencies_from_writes(world, records):
    from cases.models import CaseEvent

    client = client_for(world.cw_police)
    ref = world.case_ir.reference
    before = CaseEvent.objects.count()
    attempts = [
        client.post(API + f"cases/{ref}/notes/", {"text": "x"}, format="json"),
        client.patch(API + f"cases/{ref}/", {"status": "FollowUp"}, format="json"),
        client.post(API + f"cases/{ref}/close/", {"closure_reason": "Other"}, format="json"),
        client.post(API + f"cases/{ref}/consents/{records['consents'].id}/withdraw/", {"withdrawal_reason": "x"}),
        client.post(
            API + f"cases/{ref}/reflection-periods/{records['reflection-periods'].id}/end/", {"end_reason": "Completed"}
        ),  # fmt: skip
        client.post(API + f"cases/{ref}/services/", {"service": "Shelter"}, format="json"),
        client.patch(API + f"victims/{world.case_ir.person.reference}/", {"gender": "Feminine"}, format="json"),
    ]
    assert [r.status_code for r in attempts] == [404] * len(attempts)
    assert CaseEvent.objects.count() == before


def test_it_hides_cases_of_other_countries(world, records):
    client = client_for(world.cw_af)
    assert references(client.get(API + "cases/")) == {world.case_af.reference}
    assert client.get(API + f"cases/{world.case_ir.reference}/").status_code == 404
    for url in nested_urls(world.case_ir, records):
        assert client.get(API + url).status_code == 404, url
    # A country programme manager for Iran does not see Afghanistan's case.
    pm = client_for(world.pm_ir)
    assert world.case_af.reference not in references(pm.get(API + "cases/"))
    assert pm.get(API + f"cases/{world.case_af.reference}/").status_code == 404


def test_it_does_not_reach_a_record_through_another_case(world, records):
    """Nested records are found through their own case only, never by id alone."""
    own = services.case_note_add(user=world.cw_police, case=world.case_police, text="Maryam's note")
    client = client_for(world.cw)
    assert client.get(API + f"cases/{world.case_ir.reference}/notes/{own.id}/").status_code == 404
    other_consent = services.consent_record(user=world.cw_police, case=world.case_police, purpose="DataProcessing")
    url = f"cases/{world.case_ir.reference}/consents/{other_consent.id}/withdraw/"
    assert client.post(API + url, {"withdrawal_reason": "x"}, format="json").status_code == 404
    other_consent.refresh_from_db()
    assert other_consent.withdrawn_on is None


@pytest.mark.parametrize("role", ["pm_ir", "auditor_ir", "pm_region"])
def test_oversight_roles_see_no_identifying_fields(world, records, role):
    client = client_for(getattr(world, role))
    listing = client.get(API + "cases/?page_size=100")
    assert {world.case_ir.reference, world.case_police.reference} <= references(listing)
    for row in rows(listing):
        assert_pseudonymous_case(row)
    assert_no_secrets(listing)

    detail = client.get(API + f"cases/{world.case_ir.reference}/")
    assert detail.status_code == 200
    assert_pseudonymous_case(detail.json())
    assert detail.json()["person"]["age_band"] == "9-17"
    assert detail.json()["person"]["is_child"] is True
    assert detail.json()["person"]["citizenships"] == ["AF"]
    assert_no_secrets(detail)

    for url in nested_urls(world.case_ir, records):
        response = client.get(API + url)
        assert response.status_code == 200, url
        assert_no_secrets(response)
        for row in response.json().get("results", [response.json()]):
            assert row["pseudonymous"] is True
    note = client.get(API + f"cases/{world.case_ir.reference}/notes/").json()["results"][0]
    assert "text" not in note
    ident = client.get(API + f"cases/{world.case_ir.reference}/identifications/").json()["results"][0]
    assert not {"place", "narrative", "age_at_identification"} & set(ident)
    assert ident["age_band_at_identification"] == "9-17"

    idents = client.get(API + "identifications/?page_size=100")
    assert {row["case"] for row in rows(idents)} >= {world.case_ir.reference, world.case_police.reference}
    assert all(row["pseudonymous"] and "place" not in row for row in rows(idents))
    assert_no_secrets(idents)

    victims = client.get(API + "victims/")
    assert rows(victims) == []
    assert client.get(API + f"victims/{world.case_ir.person.reference}/").status_code == 404


def test_oversight_roles_cannot_search_by_name(world):
    client = client_for(world.pm_ir)
    assert rows(client.get(API + "cases/?q=Reza")) == []
    assert references(client.get(API + f"cases/?q={world.case_ir.reference}")) == {world.case_ir.reference}
    # The owner may.
    assert references(client_for(world.cw).get(API + "cases/?q=reza")) == {world.case_ir.reference}


def test_oversight_roles_cannot_write(world, records):
    from cases.models import CaseEvent, CaseNote

    client = client_for(world.pm_ir)
    before = (CaseNote.objects.count(), CaseEvent.objects.count())
    ref = world.case_ir.reference
    assert client.post(API + f"cases/{ref}/notes/", {"text": "x"}, format="json").status_code == 403
    assert client.patch(API + f"cases/{ref}/", {"stage": "Proceedings"}, format="json").status_code == 403
    assert client.post(API + f"cases/{ref}/close/", {"closure_reason": "Other"}, format="json").status_code == 403
    assert client.post(API + f"cases/{ref}/services/", {"service": "Shelter"}, format="json").status_code == 403
    assert (CaseNote.objects.count(), CaseEvent.objects.count()) == before


def test_a_list_redacts_row_by_row(world):
    """A caseworker who is also a country auditor sees own cases in full and the rest pseudonymously."""
    from partners.services import membership_create

    both = make_user("both", world.ir_ngo, "caseworker")
    membership_create(user=both, agency=world.unodc_ir, role="auditor", scope="country")
    listing = client_for(both).get(API + "cases/")
    by_ref = {row["reference"]: row for row in rows(listing)}
    assert by_ref[world.case_ir.reference]["pseudonymous"] is False
    assert by_ref[world.case_ir.reference]["person"]["given_name_latin"] == "Reza"
    assert_pseudonymous_case(by_ref[world.case_police.reference])
    assert "Maryam" not in listing.content.decode()
    assert "مریم" not in listing.content.decode()


def test_service_provider_without_a_grant_sees_nothing(world, records):
    client = client_for(world.sp_af)
    assert rows(client.get(API + "cases/")) == []
    assert rows(client.get(API + "identifications/")) == []
    assert rows(client.get(API + "victims/")) == []
    assert client.get(API + f"cases/{world.case_ir.reference}/").status_code == 404
    for url in nested_urls(world.case_ir, records):
        assert client.get(API + url).status_code == 404, url
    # Nor does a service provider of the owning agency (not a case role).
    assert rows(client_for(world.sp_ir).get(API + "cases/")) == []


def test_service_provider_with_a_grant_sees_the_case_pseudonymously_and_records_services(world, records):
    from cases.models import CaseNote, ServiceDelivery

    services.case_share(user=world.sup, case=world.case_ir, agency=world.af_ngo)
    client = client_for(world.sp_af)
    assert references(client.get(API + "cases/")) == {world.case_ir.reference}
    detail = client.get(API + f"cases/{world.case_ir.reference}/")
    assert_pseudonymous_case(detail.json())
    assert_no_secrets(detail)
    for url in nested_urls(world.case_ir, records):
        response = client.get(API + url)
        assert response.status_code == 200, url
        assert_no_secrets(response)
    assert rows(client.get(API + "victims/")) == []

    delivered = ServiceDelivery.objects.count()
    response = client.post(API + f"cases/{world.case_ir.reference}/services/",
                           {"service": "Reintegration", "notes": "Family visit"}, format="json")  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["recorded_by_agency"] == "AF-NGO"
    assert response.json()["provider"] == "AF-NGO"
    assert response.json()["support_type"] == "SocialCare"
    assert ServiceDelivery.objects.count() == delivered + 1

    notes = CaseNote.objects.count()
    assert client.post(API + f"cases/{world.case_ir.reference}/notes/", {"text": "x"}, format="json").status_code == 403
    assert CaseNote.objects.count() == notes


def test_a_grant_with_identity_shows_the_person(world):
    services.case_share(user=world.sup, case=world.case_ir, agency=world.af_ngo, include_identity=True)
    client = client_for(world.sp_af)
    detail = client.get(API + f"cases/{world.case_ir.reference}/").json()
    assert detail["pseudonymous"] is False
    assert detail["person"]["given_name_latin"] == "Reza"
    victims = rows(client.get(API + "victims/"))
    assert [v["reference"] for v in victims] == [world.case_ir.person.reference]
    assert victims[0]["cases"] == [world.case_ir.reference]
    # Seeing is not editing: the person belongs to the owning agency.
    response = client.patch(API + f"victims/{world.case_ir.person.reference}/", {"given_name_latin": "X"},
                            format="json")  # fmt: skip
    assert response.status_code == 403
    world.case_ir.person.refresh_from_db()
    assert world.case_ir.person.given_name_latin == "Reza"


def test_a_grant_ends_with_unsharing(world):
    services.case_share(user=world.sup, case=world.case_ir, agency=world.af_ngo)
    services.case_unshare(user=world.sup, case=world.case_ir, agency=world.af_ngo)
    assert client_for(world.sp_af).get(API + f"cases/{world.case_ir.reference}/").status_code == 404


@pytest.mark.parametrize("role", ["admin_user", "nobody"])
def test_administrators_and_users_without_membership_see_no_cases(world, records, role):
    client = client_for(getattr(world, role))
    for url in ["cases/", "identifications/", "victims/"]:
        assert rows(client.get(API + url)) == [], url
    assert client.get(API + f"cases/{world.case_ir.reference}/").status_code == 404
    assert client.get(API + f"victims/{world.case_ir.person.reference}/").status_code == 404
    for url in nested_urls(world.case_ir, records):
        assert client.get(API + url).status_code == 404, url
    # The agency directory is open to every signed-in user.
    assert len(rows(client.get(API + "agencies/"))) == 6


def test_focal_point_sees_only_its_own_agencys_cases(world):
    assert rows(client_for(world.focal_ir).get(API + "cases/")) == []
    case = services.identification_log(
        user=fresh(world.focal_ir), agency=world.ir_commission,
        person={"given_name_latin": "Sara", "estimated_age": 25},
        identification={"identified_on": world.case_ir.opened_on, "country": world.ir_ngo.country,
                        "context": "Hotline"},
    )  # fmt: skip
    assert references(client_for(world.focal_ir).get(API + "cases/")) == {case.reference}


def test_victims_lists_persons_seen_with_identity(world):
    client = client_for(world.cw)
    victims = rows(client.get(API + "victims/"))
    assert [v["reference"] for v in victims] == [world.case_ir.person.reference]
    person = victims[0]
    assert person["given_name"] == "رضا"
    assert person["cases"] == [world.case_ir.reference]
    assert set(IDENTIFYING_FIELDS) <= set(person)
    assert client.get(API + f"victims/{world.case_police.person.reference}/").status_code == 404
