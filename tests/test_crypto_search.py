"""Name search through the blind index: partial names in both scripts, within the user's scope."""

import pytest
from django.urls import reverse

from tests.api_support import API, client_for
from tests.conftest import log_case
from victims.models import Person
from victims.names import name_search_q


@pytest.fixture
def named(world):
    world.case_zahra = log_case(
        world.cw, world.ir_ngo,
        person={"given_name": "زهرا", "family_name": "رضایی", "given_name_latin": "Zahra",
                "family_name_latin": "Rezaei", "aliases": ["Zari"], "estimated_age": 12},
    )  # fmt: skip
    return world


def refs(client, q):
    response = client.get(API + "cases/", {"q": q})
    assert response.status_code == 200
    return {row["reference"] for row in response.json()["results"]}


@pytest.mark.parametrize("q", ["Rezaei", "rezae", "REZA", "zahra rez", "رضایی", "رضا", "زهر", "Zari", "za"])
def test_it_finds_by_partial_name_in_persian_and_latin(named, q):
    assert named.case_zahra.reference in refs(client_for(named.cw), q)


def test_whole_words_rank_before_partial_matches(named):
    found = [r["reference"] for r in client_for(named.cw).get(API + "cases/", {"q": "reza"}).json()["results"]]
    # "Reza Ahmadi" (a whole word) before "Zahra Rezaei" (a part of a word), although logged earlier.
    assert found.index(named.case_ir.reference) < found.index(named.case_zahra.reference)


def test_it_does_not_find_what_was_not_typed(named):
    cw = client_for(named.cw)
    assert named.case_zahra.reference not in refs(cw, "Maryam")
    assert named.case_zahra.reference not in refs(cw, "زهرای")


def test_out_of_scope_persons_are_not_found_by_name(named):
    # Maryam Karimi belongs to the police unit: the NGO's caseworker cannot find her by name,
    assert named.case_police.reference not in refs(client_for(named.cw), "Maryam")
    assert named.case_police.reference not in refs(client_for(named.cw), "مریم")
    # her own agency can,
    assert named.case_police.reference in refs(client_for(named.cw_police), "karim")
    # and oversight never searches names, even in its scope.
    assert refs(client_for(named.pm_ir), "Rezaei") == set()


def test_the_case_list_page_searches_the_blind_index(client, named):
    client.force_login(named.cw)
    html = client.get(reverse("case_list"), {"q": "رضای"}).content.decode()
    assert named.case_zahra.reference in html and named.case_police.reference not in html


def test_the_index_holds_no_plain_name(named):
    person = Person.objects.get(pk=named.case_zahra.person_id)
    assert person.name_index and all(isinstance(v, int) for v in person.name_index)
    assert Person.objects.filter(name_search_q("rezaei"), pk=person.pk).exists()
    assert name_search_q("r") is None  # one letter makes no name condition
