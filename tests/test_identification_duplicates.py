"""Likely duplicates when logging an identification (issue 6): shown before saving, in scope only,
and the caseworker's choice (the same person, or none of these) is required and recorded."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied

from audit.models import AccessEvent, SecurityEvent
from cases import duplicates
from cases.models import Case, Identification
from cases.services import case_close, case_share, identification_log
from glo_act.calendars import SOLAR_HIJRI, format_date
from partners.models import Province
from victims.models import Person

from .conftest import fresh, log_case

TODAY = datetime.date.today()
URL = "/cases/new/"


def counts():
    return (Person.objects.count(), Case.objects.count(), Identification.objects.count())


def rezaei(user, agency, **person):
    """Mohammad Rezaei, registered in Latin letters only."""
    data = {"given_name": "", "family_name": "", "given_name_latin": "Mohammad", "family_name_latin": "Rezaei",
            "gender": "Masculine", "estimated_age": 15, "citizenships": ["AF"], "languages": []}  # fmt: skip
    data.update(person)
    return log_case(user, agency, person=data)


def post_data(**overrides):
    """Mohammad Rezaei typed in Persian script, about 16, Afghan."""
    data = {
        "given_name": "محمد",
        "family_name": "رضایی",
        "gender": "Masculine",
        "estimated_age": "16",
        "citizenships": ["AF"],
        "identified_on": TODAY.isoformat(),
        "country": "IR",
        "province": str(Province.objects.get(country_id="IR", name="Tehran").pk),
        "place": "Khavaran bus terminal",
        "context": "Street",
        "exploitation_types": ["ForcedLabour"],
        "forced_labour_industry": "",
        "trafficking_status": "PossibleVictimOfTrafficking",
        "narrative": "Carrying loads at the terminal for a man who keeps his pay.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def dup(world):
    for user in (world.cw, world.sup, world.cw_police, world.cw_af):
        user.language = "en"  # the assertions read English (the automatic language of Iran is Persian)
        user.save(update_fields=["language"])
    world.cw, world.sup, world.cw_af = fresh(world.cw), fresh(world.sup), fresh(world.cw_af)
    world.case_mr = rezaei(world.sup, world.ir_ngo)  # registered by a colleague of the same agency
    world.mr = world.case_mr.person
    return world


@pytest.fixture
def cw_client(client, dup):
    client.force_login(dup.cw)
    return client


def token_in(html: str) -> str:
    match = re.search(r'name="duplicates_token" value="([^"]*)"', html)
    assert match, "no token field"
    return match.group(1)


def test_a_likely_duplicate_in_another_script_is_shown_before_saving(cw_client, dup):
    before = counts()
    response = cw_client.post(URL, post_data())
    html = response.content.decode()
    assert response.status_code == 200
    assert counts() == before  # nothing saved
    assert "Possible existing records" in html
    assert "Mohammad Rezaei" in html  # the stored Latin name, as stored
    assert f'href="/cases/{dup.case_mr.reference}/"' in html  # the case, to check
    assert f'value="link:{dup.mr.reference}"' in html
    assert 'value="new"' in html
    assert token_in(html)
    # What was typed and the record lacks is named (the original-script names).
    assert "Given name (original script)" in html.split('id="duplicates"')[1]
    # Audit: the candidate's identity was shown.
    shown = AccessEvent.objects.filter(actor_id=dup.cw.id, what="likely duplicates").get()
    assert shown.person_ids == [dup.mr.id]


def test_persons_out_of_scope_are_neither_shown_nor_counted(client, dup):
    rezaei(dup.cw_af, dup.af_ngo)  # another country
    rezaei(dup.cw_police, dup.ir_police)  # another agency of the same country
    client.force_login(dup.cw_af)
    response = client.post(URL, post_data(country="AF", province=""))
    assert response.status_code == 200 and "Possible existing records" in response.content.decode()
    assert len(duplicates.find(dup.cw_af, duplicates.typed_person({"given_name": "محمد", "family_name": "رضایی"}))) == 1
    # The police caseworker sees their own agency's Rezaei only: one candidate, not three.
    client.force_login(dup.cw_police)
    html = client.post(URL, post_data()).content.decode()
    assert html.count('name="duplicate_decision" value="link:') == 1
    assert dup.mr.reference not in html


def test_a_same_name_person_out_of_scope_does_not_stop_the_save(client, dup):
    client.force_login(dup.cw_police)  # IR-NGO's Rezaei is not visible to the police
    response = client.post(URL, post_data())
    assert response.status_code == 302
    assert SecurityEvent.objects.filter(kind__startswith="duplicate").count() == 0


@pytest.mark.parametrize(
    "overrides",
    [
        {"gender": "Feminine"},  # another sex
        {"estimated_age": "19"},  # 4 years older than the record's 15
        {"citizenships": ["IQ"]},  # no common citizenship
        {"given_name": "محمود"},  # Mahmoud, not Mohammad
    ],
)
def test_another_sex_age_citizenship_or_name_is_not_a_duplicate(cw_client, dup, overrides):
    response = cw_client.post(URL, post_data(**overrides))
    assert response.status_code == 302, response.content.decode()[:2000]


def test_linking_adds_the_identification_to_the_open_case_and_records_it(cw_client, dup):
    html = cw_client.post(URL, post_data()).content.decode()
    before = counts()
    response = cw_client.post(
        URL, post_data(duplicates_token=token_in(html), duplicate_decision=f"link:{dup.mr.reference}")
    )
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{dup.case_mr.reference}/"
    persons, cases, idents = counts()
    assert (persons, cases, idents) == (before[0], before[1], before[2] + 1)  # no new person, no new case
    ident = dup.case_mr.identifications.order_by("-id").first()
    assert ident.caseworker == dup.cw
    # The stored person is unchanged; what was typed differently is kept in the narrative.
    mr = Person.objects.get(pk=dup.mr.pk)
    assert (mr.given_name, mr.family_name, mr.given_name_latin, mr.estimated_age) == ("", "", "Mohammad", 15)
    assert "Carrying loads" in ident.narrative
    assert "Given name (original script): محمد" in ident.narrative
    assert "Family name (original script): رضایی" in ident.narrative
    event = SecurityEvent.objects.get(kind="duplicate_linked")
    assert event.actor_id == dup.cw.id and event.username == "cw"
    assert event.detail["decision"] == "same_person"
    assert event.detail["person_id"] == dup.mr.id and event.detail["case"] == dup.case_mr.reference
    assert event.detail["shown"] == [{"person": dup.mr.reference, "person_id": dup.mr.id}]
    assert event.detail["typed_name_index"] and all(isinstance(v, int) for v in event.detail["typed_name_index"])
    assert "mhmd" not in str(event.detail) and "محمد" not in str(event.detail)  # no name in clear
    timeline = dup.case_mr.events.order_by("-id").first()
    assert timeline.action == "identification_added" and timeline.params["existing_person"] == dup.mr.reference


def test_linking_to_a_person_without_an_open_case_of_the_agency_opens_one(cw_client, dup):
    case_close(user=dup.sup, case=dup.case_mr, reason="SupportGoalsMet")
    html = cw_client.post(URL, post_data()).content.decode()
    before = counts()
    response = cw_client.post(
        URL, post_data(duplicates_token=token_in(html), duplicate_decision=f"link:{dup.mr.reference}")
    )
    assert response.status_code == 302
    case = Case.objects.exclude(pk=dup.case_mr.pk).filter(person=dup.mr).get()
    assert response["Location"] == f"/cases/{case.reference}/"
    assert counts() == (before[0], before[1] + 1, before[2] + 1)
    assert case.agency == dup.ir_ngo and case.assigned_to == dup.cw and not case.is_closed
    assert SecurityEvent.objects.get(kind="duplicate_linked").detail["case"] == case.reference


def test_a_person_shared_with_identity_by_another_agency_is_offered_and_linked_to_a_new_case(client, dup):
    case_share(user=dup.sup, case=dup.case_mr, agency=dup.ir_police, include_identity=True, reason="Joint visit")
    police = fresh(dup.cw_police)
    client.force_login(police)
    html = client.post(URL, post_data()).content.decode()
    assert dup.mr.reference in html
    response = client.post(
        URL, post_data(duplicates_token=token_in(html), duplicate_decision=f"link:{dup.mr.reference}")
    )
    assert response.status_code == 302
    case = Case.objects.get(person=dup.mr, agency=dup.ir_police)
    assert case.created_by == police


def test_none_of_these_creates_a_new_person_and_records_the_candidates_shown(cw_client, dup):
    html = cw_client.post(URL, post_data()).content.decode()
    before = counts()
    response = cw_client.post(URL, post_data(duplicates_token=token_in(html), duplicate_decision="new"))
    assert response.status_code == 302
    assert counts() == (before[0] + 1, before[1] + 1, before[2] + 1)
    case = Case.objects.get(reference=response["Location"].split("/")[2])
    assert case.person != dup.mr and case.person.given_name == "محمد"
    event = SecurityEvent.objects.get(kind="duplicate_not_linked")
    assert event.detail["decision"] == "new_person" and event.detail["person_id"] == case.person_id
    assert event.detail["shown"] == [{"person": dup.mr.reference, "person_id": dup.mr.id}]
    assert case.events.get(action="identification_logged").params["candidates_set_aside"] == 1


@pytest.mark.parametrize(
    "crafted",
    [
        {"duplicate_decision": "new"},  # no token: the panel was never shown
        {"duplicate_decision": "LINK"},  # a link to nobody
        {"duplicate_kept": "new"},
        {"duplicate_decision": "new", "duplicates_token": "forged"},
        {"duplicate_decision": "new", "duplicates_token": duplicates.signing.dumps({"u": 0, "p": []})},
    ],
)
def test_a_crafted_post_without_the_choice_is_refused(cw_client, dup, crafted):
    crafted = {
        k: (v.replace("LINK", f"link:{dup.mr.reference}") if isinstance(v, str) else v) for k, v in crafted.items()
    }
    before = counts()
    response = cw_client.post(URL, post_data(**crafted))
    assert response.status_code == 200
    assert counts() == before
    assert "Possible existing records" in response.content.decode()


def test_a_token_of_another_user_or_of_fewer_candidates_does_not_count(cw_client, client, dup):
    other = duplicates.issue_token(dup.sup, [dup.mr.id])
    response = cw_client.post(URL, post_data(duplicates_token=other, duplicate_decision="new"))
    assert response.status_code == 200 and "Possible existing records" in response.content.decode()
    # A second Rezaei registered after the panel was shown: the choice was made without seeing him.
    html = cw_client.post(URL, post_data()).content.decode()
    rezaei(dup.sup, dup.ir_ngo, estimated_age=17)
    before = counts()
    response = cw_client.post(URL, post_data(duplicates_token=token_in(html), duplicate_decision="new"))
    assert response.status_code == 200 and counts() == before
    assert response.content.decode().count('name="duplicate_decision" value="link:') == 2


def test_a_person_out_of_scope_cannot_be_chosen(cw_client, dup):
    af = rezaei(dup.cw_af, dup.af_ngo).person
    html = cw_client.post(URL, post_data()).content.decode()
    before = counts()
    response = cw_client.post(
        URL, post_data(duplicates_token=token_in(html), duplicate_decision=f"link:{af.reference}")
    )
    assert response.status_code == 200 and counts() == before
    assert af.reference not in response.content.decode()
    assert not Identification.objects.filter(case__person=af, caseworker=dup.cw).exists()
    with pytest.raises(PermissionDenied):
        identification_log(
            user=dup.cw, agency=dup.ir_ngo, person={"given_name_latin": "Mohammad", "gender": "Masculine"},
            identification={"identified_on": TODAY, "country": dup.ir_ngo.country, "context": "Street"},
            existing_person=af,
        )  # fmt: skip


def test_a_choice_is_kept_while_other_fields_are_corrected(cw_client, dup):
    html = cw_client.post(URL, post_data()).content.decode()
    response = cw_client.post(
        URL,
        post_data(context="", duplicates_token=token_in(html), duplicate_decision=f"link:{dup.mr.reference}"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'name="duplicate_kept" value="link:{dup.mr.reference}"' in html
    assert "Chosen: this identification will be added" in html
    response = cw_client.post(
        URL, post_data(duplicates_token=token_in(html), duplicate_kept=f"link:{dup.mr.reference}")
    )
    assert response.status_code == 302 and response["Location"] == f"/cases/{dup.case_mr.reference}/"


def test_a_chosen_person_who_no_longer_matches_is_asked_again(cw_client, dup):
    html = cw_client.post(URL, post_data()).content.decode()
    before = counts()
    response = cw_client.post(
        URL,
        post_data(given_name="علی", duplicates_token=token_in(html), duplicate_decision=f"link:{dup.mr.reference}"),
    )
    assert response.status_code == 200 and counts() == before
    assert "no longer matches" in response.content.decode()


def test_persian_digits_and_a_solar_hijri_date_are_read(cw_client, dup):
    today_sh = format_date(TODAY, calendar=SOLAR_HIJRI, language="fa", style="numeric")  # ۱۴۰۵/۰۹/۰۶
    assert re.search("[۰-۹]", today_sh)
    response = cw_client.post(URL, post_data(estimated_age="۱۶", identified_on=today_sh))
    assert response.status_code == 200 and "Possible existing records" in response.content.decode()
    response = cw_client.post(URL, post_data(estimated_age="۳۰", identified_on=today_sh))  # 15 years apart
    assert response.status_code == 302
    ident = Identification.objects.order_by("-id").first()
    assert ident.identified_on == TODAY and ident.case.person.estimated_age == 30


# ------------------------------------------------------------------------------ the JSON endpoint

JSON_URL = "/cases/new/duplicates/"


def test_the_endpoint_offers_the_panel_while_typing(cw_client, dup):
    response = cw_client.post(JSON_URL, {"given_name": "محمد", "family_name": "رضایی", "gender": "Masculine"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    answer = response.json()
    assert answer["count"] == 1
    assert answer["candidates"] == [{"person": dup.mr.reference, "cases": [dup.case_mr.reference]}]
    assert "Mohammad Rezaei" in answer["html"] and f"link:{dup.mr.reference}" in answer["html"]
    # Its token makes a choice made in the early panel count.
    response = cw_client.post(URL, post_data(duplicates_token=answer["token"], duplicate_decision="new"))
    assert response.status_code == 302
    # Nothing typed yet: nothing offered.
    assert cw_client.post(JSON_URL, {"gender": "Masculine"}).json() == {
        "count": 0, "candidates": [], "token": "", "html": ""
    }  # fmt: skip


def test_the_endpoint_is_scoped(client, dup):
    typed = {"given_name_latin": "Mohammad", "family_name_latin": "Rezaei"}
    assert client.post(JSON_URL, typed).status_code == 302  # anonymous: to the sign-in page
    client.force_login(dup.cw_af)
    assert client.post(JSON_URL, typed).json()["count"] == 0  # another country: nothing, not even a count
    client.force_login(dup.pm_ir)
    assert client.post(JSON_URL, typed).status_code == 403  # oversight does not log identifications
    client.force_login(dup.cw)
    assert client.get(JSON_URL).status_code == 405  # names never travel in a URL
