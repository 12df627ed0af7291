"""likely_duplicates: the persons an identification may be logging a second time (issue 6)."""

import datetime

import pytest

from tests.conftest import log_case
from victims.selectors import likely_duplicates


@pytest.fixture
def zahra(world):
    world.case_zahra = log_case(
        world.cw, world.ir_ngo,
        person={"given_name": "زهرا", "family_name": "حسینی", "given_name_latin": "", "family_name_latin": "",
                "gender": "Feminine", "estimated_age": 12, "citizenships": ["AF"]},
    )  # fmt: skip
    return world


def found(user, **kw):
    kw = {"gender": "Feminine", "age": 13, "citizenships": ["AF"], **kw}
    return [d.person.id for d in likely_duplicates(user=user, **kw)]


def test_it_finds_the_person_written_in_another_script(zahra):
    result = likely_duplicates(
        user=zahra.cw, given_latin="Zahra", family_latin="Husaini", gender="Feminine", age=13, citizenships=["AF"]
    )
    assert [d.person.id for d in result] == [zahra.case_zahra.person_id]
    assert result[0].case == zahra.case_zahra and result[0].score == 1.0


def test_a_different_name_sex_age_or_citizenship_is_not_a_duplicate(zahra):
    assert found(zahra.cw, given_latin="Zainab", family_latin="Hosseini") == []  # another name
    assert found(zahra.cw, given="زهره", family="حسینی") == []  # Zohreh, not Zahra
    assert found(zahra.cw, given_latin="Zahra", family_latin="Hassani") == []
    assert found(zahra.cw, given_latin="Zahra", family_latin="Hosseini", gender="Masculine") == []
    assert found(zahra.cw, given_latin="Zahra", family_latin="Hosseini", age=16) == []  # 4 years apart
    assert found(zahra.cw, given_latin="Zahra", family_latin="Hosseini", citizenships=["IR"]) == []


def test_unknown_sex_age_or_citizenship_does_not_rule_a_person_out(zahra):
    assert found(zahra.cw, given="زهرا", family="حسینی", gender="", age=None, citizenships=[]) == [
        zahra.case_zahra.person_id
    ]
    assert found(zahra.cw, given="زهرا", family="حسینی", age=14) == [zahra.case_zahra.person_id]  # within 2


def test_age_from_a_birth_date_counts(zahra):
    log_case(
        zahra.cw, zahra.ir_ngo,
        person={"given_name": "", "family_name": "", "given_name_latin": "Fatima", "family_name_latin": "Ahmadi",
                "gender": "Feminine", "estimated_age": None, "citizenships": ["AF"],
                "date_of_birth": datetime.date.today().replace(year=datetime.date.today().year - 10)},
    )  # fmt: skip
    assert len(found(zahra.cw, given="فاطمه", family="احمدی", age=11)) == 1
    assert found(zahra.cw, given="فاطمه", family="احمدی", age=14) == []


def test_only_persons_whose_identity_the_user_may_see_are_offered(zahra):
    kw = {"given_latin": "Zahra", "family_latin": "Hosseini"}
    assert found(zahra.cw_police, **kw) == []  # another agency
    assert found(zahra.cw_af, **kw) == []  # another country
    assert found(zahra.pm_ir, **kw) == []  # oversight: pseudonymous only
    assert found(zahra.nobody, **kw) == []
    assert found(zahra.sup, **kw) == [zahra.case_zahra.person_id]  # the same agency


def test_nothing_typed_offers_nothing(zahra):
    assert likely_duplicates(user=zahra.cw) == []
    assert likely_duplicates(user=zahra.cw, given="-") == []


def test_compounds_and_articles_do_not_hide_a_duplicate(zahra):
    person = log_case(
        zahra.cw, zahra.ir_ngo,
        person={"given_name": "عبدالرحمن", "family_name": "الهاشمی", "given_name_latin": "", "family_name_latin": "",
                "gender": "Masculine", "estimated_age": 15, "citizenships": ["IQ"]},
    ).person_id  # fmt: skip
    kw = {"gender": "Masculine", "age": 16, "citizenships": ["IQ", "IR"]}
    assert found(zahra.cw, given_latin="Abdul Rahman", family_latin="Al-Hashimi", **kw) == [person]
    assert found(zahra.cw, given_latin="Abdurrahman", family_latin="Hashemi", **kw) == [person]
    assert found(zahra.cw, given_latin="Abdul Rahim", family_latin="Hashemi", **kw) == []


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ({"given_name_latin": "Abdul Karim", "family_name_latin": "Ahmadzai"}, {"given": "عبد الکریم", "family": "احمدزی"}),
        ({"given_name_latin": "Abd al-Karim", "family_name_latin": "Ahmadzai"}, {"given": "عبدالکریم", "family": "احمدزی"}),
        ({"given_name": "عبدالکریم", "family_name": "احمدزی"}, {"given_latin": "Abd al-Karim", "family_latin": "Ahmadzai"}),
        ({"given_name_latin": "Yousef", "family_name_latin": "Hashemi"}, {"given": "یوسف", "family": "الهاشمی"}),
    ],
)  # fmt: skip
def test_a_compound_or_article_written_another_way_does_not_hide_a_duplicate(world, stored, typed):
    names = {"given_name": "", "family_name": "", "given_name_latin": "", "family_name_latin": "", **stored}
    case = log_case(world.cw, world.ir_ngo, person=names)
    found = likely_duplicates(user=world.cw, gender="Masculine", age=14, citizenships=["AF"], **typed)
    assert [d.person.id for d in found] == [case.person_id]
