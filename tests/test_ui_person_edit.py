"""Correcting a person's details in the browser: owner agency only, through the service."""

import datetime

import pytest

from cases.models import CaseEvent
from tests.conftest import PASSWORD
from victims.models import Person
from victims.names import name_search_q


def login(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


def url(case):
    return f"/cases/{case.reference}/person/"


def form_data(person, **changes):
    data = {
        "given_name": person.given_name, "family_name": person.family_name,
        "given_name_latin": person.given_name_latin, "family_name_latin": person.family_name_latin,
        "aliases": ", ".join(person.aliases), "gender": person.gender,
        "estimated_age": person.estimated_age or "", "citizenships": person.citizenships,
    }  # fmt: skip
    data.update(changes)
    return data


def test_a_caseworker_corrects_a_name_and_the_timeline_records_it(client, world):
    person = world.case_ir.person
    c = login(client, world.cw)
    page = c.get(url(world.case_ir))
    assert page.status_code == 200 and "Reza" in page.content.decode()
    response = c.post(url(world.case_ir), form_data(person, given_name_latin="Rezaa", aliases="Little Reza"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.given_name_latin == "Rezaa" and person.aliases == ["Little Reza"]
    assert Person.objects.filter(name_search_q("little reza"), pk=person.pk).exists()
    assert CaseEvent.objects.filter(case=world.case_ir, action="person_updated").exists()
    assert person.age_estimated_on is None  # the estimate was not changed, so its date was kept


def test_bad_input_changes_nothing(client, world):
    person = world.case_ir.person
    before = Person.objects.values().get(pk=person.pk)
    future = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    response = login(client, world.cw).post(url(world.case_ir), form_data(person, date_of_birth=future,
                                                                          estimated_age=""))  # fmt: skip
    assert response.status_code == 200
    assert "cannot be in the future" in response.content.decode()
    assert Person.objects.values().get(pk=person.pk) == before
    assert not CaseEvent.objects.filter(case=world.case_ir, action="person_updated").exists()


@pytest.mark.parametrize("who", ["cw_police", "cw_af", "sp_af", "nobody"])
def test_it_hides_the_edit_page_from_other_agencies(client, world, who):
    c = login(client, getattr(world, who))
    assert c.get(url(world.case_ir)).status_code == 404
    assert c.post(url(world.case_ir), form_data(world.case_ir.person, given_name_latin="X")).status_code == 404


@pytest.mark.parametrize("who", ["pm_ir", "auditor_ir", "pm_region"])
def test_oversight_roles_cannot_edit_a_person(client, world, who):
    c = login(client, getattr(world, who))
    assert c.get(url(world.case_ir)).status_code == 403
    assert c.post(url(world.case_ir), form_data(world.case_ir.person, given_name_latin="X")).status_code == 403
    assert Person.objects.get(pk=world.case_ir.person_id).given_name_latin == "Reza"


def test_anonymous_is_sent_to_sign_in(client, world):
    response = client.get(url(world.case_ir))
    assert response.status_code == 302 and "/login/" in response["Location"]
