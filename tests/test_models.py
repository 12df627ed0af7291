"""Validation that follows the Palermo Protocol, and the child presumption."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from cases.models import Identification
from tests.conftest import log_case
from victims.models import Person, age_band, age_on

TODAY = datetime.date.today()


def test_age_comes_from_the_birth_date():
    born = TODAY.replace(year=TODAY.year - 14)
    assert age_on(date_of_birth=born, estimated_age=None, estimated_on=None, on=TODAY) == 14
    day_before = born - datetime.timedelta(days=1)
    assert (
        age_on(date_of_birth=born, estimated_age=None, estimated_on=None, on=day_before.replace(year=TODAY.year)) == 13
    )


def test_an_estimated_age_grows_with_time():
    estimated_on = TODAY.replace(year=TODAY.year - 2)
    assert age_on(date_of_birth=None, estimated_age=16, estimated_on=estimated_on, on=TODAY) == 18


def test_a_person_of_unknown_age_is_presumed_a_child():
    person = Person(given_name="X")
    assert person.age() is None
    assert person.is_child()


def test_a_person_of_17_is_a_child_and_of_18_is_not():
    assert Person(estimated_age=17).is_child()
    assert not Person(estimated_age=18).is_child()
    born = TODAY.replace(year=TODAY.year - 18) + datetime.timedelta(days=1)
    assert Person(date_of_birth=born).is_child()  # 18th birthday is tomorrow


@pytest.mark.parametrize(
    "age,band", [(0, "0-8"), (8, "0-8"), (9, "9-17"), (17, "9-17"), (18, "18-20"), (38, "30-38"), (48, "48+"),
                 (None, "unknown")],
)  # fmt: skip
def test_age_bands_follow_the_ctdc_codebook(age, band):
    assert age_band(age) == band


def _ident(**kw):
    base = dict(identified_on=TODAY, context="Street", trafficking_status="ActualVictimOfTrafficking",
                status_decided_by="Police", acts=["Recruitment"], means=["Deception"],
                purposes=["ForcedLabourOrServices"], is_child=False)  # fmt: skip
    base.update(kw)
    return Identification(**base)


def _errors(ident):
    with pytest.raises(ValidationError) as info:
        ident.clean()
    return info.value.message_dict


def test_an_adult_actual_victim_needs_act_means_and_purpose():
    _ident().clean()  # all three: valid
    assert "means" in _errors(_ident(means=[]))
    assert "acts" in _errors(_ident(acts=[]))
    assert "purposes" in _errors(_ident(purposes=[]))


def test_a_child_actual_victim_needs_no_means():
    _ident(is_child=True, means=[]).clean()
    assert "acts" in _errors(_ident(is_child=True, means=[], acts=[]))


def test_a_possible_victim_needs_no_elements_yet():
    _ident(trafficking_status="PossibleVictimOfTrafficking", acts=[], means=[], purposes=[]).clean()


def test_a_decided_status_says_who_decided():
    assert "status_decided_by" in _errors(_ident(status_decided_by=""))


def test_an_identification_cannot_be_in_the_future():
    assert "identified_on" in _errors(_ident(identified_on=TODAY + datetime.timedelta(days=1)))


def test_an_industry_is_only_for_forced_labour():
    errors = _errors(_ident(exploitation_types=["ForcedBegging"], forced_labour_industry="F_Construction"))
    assert "forced_labour_industry" in errors


def test_the_child_flag_is_derived_at_identification(world):
    adult = log_case(world.cw, world.ir_ngo, person={"estimated_age": 25})
    unknown = log_case(world.cw, world.ir_ngo, person={"estimated_age": None})
    child = log_case(world.cw, world.ir_ngo, person={"estimated_age": 14})
    assert (adult.is_child, unknown.is_child, child.is_child) == (False, True, True)
    assert unknown.identifications.get().age_at_identification is None
    assert child.identifications.get().age_at_identification == 14


def test_an_adult_actual_victim_without_means_is_refused_by_the_service(world):
    with pytest.raises(ValidationError) as info:
        log_case(world.cw, world.ir_ngo, person={"estimated_age": 30}, identification={
            "trafficking_status": "ActualVictimOfTrafficking", "status_decided_by": "NGO",
            "acts": ["Recruitment"], "purposes": ["ForcedLabourOrServices"]})  # fmt: skip
    assert "means" in info.value.message_dict


def test_a_child_actual_victim_without_means_is_accepted_by_the_service(world):
    case = log_case(world.cw, world.ir_ngo, person={"estimated_age": 14}, identification={
        "trafficking_status": "ActualVictimOfTrafficking", "status_decided_by": "NGO",
        "acts": ["Recruitment"], "purposes": ["ForcedLabourOrServices"]})  # fmt: skip
    assert case.trafficking_status == "ActualVictimOfTrafficking"
