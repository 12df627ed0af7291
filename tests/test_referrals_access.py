"""Access follows the referral: the receiving agency sees the shared part of the case while it works on
it, and not before or after; across a border, a linked case opens in the destination instead."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from guardian.shortcuts import get_perms

from cases.models import Case, CaseEvent, Consent
from cases.selectors import case_access, case_visible_to, identity_case_ids
from cases.services import risk_assessment_add, service_delivery_record
from glo_act.vocabularies import CaseStage
from referrals import services as s
from referrals.models import Referral
from tests.conftest import fresh, log_case
from tests.test_referrals_support import (
    CROSS_BORDER_CONSENT,
    best_interests,
    consent,
    cross,
    national,
    referral_world,
    return_assessment,
    step,
    walk,
)
from victims.models import Person
from victims.names import name_search_q


@pytest.fixture
def w(world):
    return referral_world(world)


def sees(user, case):
    return case in case_visible_to(fresh(user))


def record_service(user, case, service="Shelter"):
    return service_delivery_record(user=fresh(user), case=case, service=service, started_on=timezone.localdate())


@pytest.mark.parametrize("state", ["draft", "sent"])
def test_the_receiver_sees_nothing_of_the_case_before_accepting(w, state):
    walk(w, national(w), state)
    assert not sees(w.sp_shelter, w.case_ir) and not sees(w.sup_shelter, w.case_ir)
    with pytest.raises(PermissionDenied):
        record_service(w.sp_shelter, w.case_ir)


def test_on_acceptance_the_receivers_see_the_case_pseudonymously_and_record_services(w):
    walk(w, national(w), "accepted")
    for user in (w.sp_shelter, w.sup_shelter):
        access = case_access(fresh(user), w.case_ir)
        assert sees(user, w.case_ir) and access.shared and access.record_services
        assert not access.view_identity and not access.edit
        assert identity_case_ids(fresh(user), [w.case_ir.pk]) == set()
    delivery = record_service(w.sp_shelter, w.case_ir)
    assert delivery.recorded_by_agency == w.ir_shelter and delivery.provider == w.ir_shelter
    assert CaseEvent.objects.filter(case=w.case_ir, action="service_recorded").exists()
    # other agencies still see nothing
    for user in (w.cw_police, w.sp_af, w.cw_af):
        assert not sees(user, w.case_ir)


def test_with_shared_identity_the_receivers_see_who_the_person_is(w):
    walk(w, national(w, share_identity=True), "accepted")
    access = case_access(fresh(w.sp_shelter), w.case_ir)
    assert access.view_identity
    assert identity_case_ids(fresh(w.sp_shelter), [w.case_ir.pk]) == {w.case_ir.pk}


@pytest.mark.parametrize("end", ["complete", "withdraw"])
def test_access_ends_with_the_referral(w, end):
    referral = walk(w, national(w, share_identity=True), "accepted")
    record_service(w.sp_shelter, w.case_ir)
    step(w, referral, end)
    assert get_perms(w.ir_shelter.group, w.case_ir) == []
    assert not sees(w.sp_shelter, w.case_ir) and not sees(w.sup_shelter, w.case_ir)
    with pytest.raises(PermissionDenied):
        record_service(w.sp_shelter, w.case_ir)


@pytest.mark.parametrize("state", ["declined", "expired", "withdrawn"])
def test_access_is_never_granted_without_acceptance(w, state):
    walk(w, national(w), state)
    assert get_perms(w.ir_shelter.group, w.case_ir) == []
    assert not sees(w.sp_shelter, w.case_ir)


def test_access_stays_while_another_accepted_referral_needs_it_but_identity_goes_with_its_referral(w):
    with_identity = walk(w, national(w, share_identity=True), "accepted")
    walk(w, national(w, services=["Medical"]), "accepted")
    s.referral_complete(user=w.sp_shelter, referral=with_identity, successful=True)
    access = case_access(fresh(w.sp_shelter), w.case_ir)
    assert access.record_services and sees(w.sp_shelter, w.case_ir)
    assert not access.view_identity


# --- cross-border ------------------------------------------------------------------------------------


def test_cross_border_acceptance_opens_a_linked_case_without_names(w):
    referral = walk(w, cross(w, to_agency=None), "accepted")
    linked = referral.linked_case
    assert linked is not None and linked.pk != w.case_ir.pk
    assert linked.agency == w.af_ngo and linked.country_id == "AF" and linked.reference.startswith("AF-")
    assert linked.stage == CaseStage.RETURN and linked.is_child
    person = linked.person
    assert person.pk != w.case_ir.person_id and person.agency == w.af_ngo
    assert (person.given_name, person.family_name, person.given_name_latin, person.family_name_latin) == ("",) * 4
    assert person.aliases == [f"Referred under {referral.reference}"]
    assert not Person.objects.filter(name_search_q("Reza"), pk=person.pk).exists()
    assert not Person.objects.filter(name_search_q("رضا"), pk=person.pk).exists()
    assert person.date_of_birth is None and person.estimated_age == 14 and person.gender == "Masculine"
    assert CaseEvent.objects.filter(case=linked, action="opened_from_referral").exists()

    w.case_ir.refresh_from_db()
    assert w.case_ir.stage == CaseStage.RETURN
    # The destination works on its own case, never on the origin's.
    for user in (w.sp_af, w.cw_af, w.sup_af, w.focal_af):
        assert not sees(user, w.case_ir)
    for user in (w.sp_af, w.cw_af, w.sup_af):
        assert sees(user, linked)
    assert record_service(w.sp_af, linked).recorded_by_agency == w.af_ngo
    # ... and the origin sees nothing of the destination's case.
    for user in (w.cw, w.sup, w.focal_ir):
        assert not sees(user, linked)


def test_cross_border_acceptance_with_shared_identity_carries_the_names(w):
    referral = walk(w, cross(w, share_identity=True), "accepted")
    person = referral.linked_case.person
    assert (person.given_name, person.given_name_latin, person.family_name_latin) == ("رضا", "Reza", "Ahmadi")
    assert identity_case_ids(fresh(w.sp_af), [referral.linked_case.pk]) == {referral.linked_case.pk}
    assert not sees(w.sp_af, w.case_ir)


@pytest.mark.parametrize("end", ["complete", "withdraw"])
def test_the_linked_case_stays_with_the_destination_after_the_referral_ends(w, end):
    referral = walk(w, cross(w), "accepted")
    linked = referral.linked_case
    assert sees(w.sp_af, linked)
    step(w, referral, end)
    assert Case.objects.get(pk=linked.pk).agency == w.af_ngo
    assert sees(w.cw_af, linked) and sees(w.sup_af, linked)  # their own case
    assert not sees(w.sp_af, linked)  # the service provider's grant ends with the referral
    assert get_perms(w.af_ngo.group, linked) == []


def test_it_refuses_approval_without_a_return_risk_assessment(w):
    consent(w, CROSS_BORDER_CONSENT)
    best_interests(w)
    risk_assessment_add(
        user=w.cw,
        case=w.case_ir,
        risk_level="Low",
        risk_factors=[],
        safety_plan="None needed.",
        next_review_on=timezone.localdate() + datetime.timedelta(days=10),
    )  # not of the return
    referral = cross(w)
    s.referral_send(user=w.cw, referral=referral)
    with pytest.raises(ValidationError) as error:
        s.referral_approve(user=w.focal_ir, referral=referral)
    assert error.value.messages == ["Record a risk assessment of the return first."]
    assert Referral.objects.get(pk=referral.pk).state == "origin_focal" and referral.events.count() == 2


def test_it_refuses_approval_for_a_child_without_a_best_interests_determination(w):
    consent(w, CROSS_BORDER_CONSENT)
    return_assessment(w)
    referral = cross(w)
    s.referral_send(user=w.cw, referral=referral)
    with pytest.raises(ValidationError) as error:
        s.referral_approve(user=w.focal_ir, referral=referral)
    assert error.value.messages == ["For a child, record a best-interests determination first."]
    best_interests(w)
    s.referral_approve(user=w.focal_ir, referral=referral)
    assert Referral.objects.get(pk=referral.pk).state == "destination_focal"


def test_an_adult_needs_no_best_interests_determination(w):
    case = log_case(w.cw, w.ir_ngo, person={"estimated_age": 31, "given_name_latin": "Hamid"})
    assert not case.is_child
    consent(w, CROSS_BORDER_CONSENT, case=case)
    return_assessment(w, case=case)
    referral = cross(w, case=case)
    s.referral_send(user=w.cw, referral=referral)
    s.referral_approve(user=w.focal_ir, referral=referral)
    assert Referral.objects.get(pk=referral.pk).state == "destination_focal"


def test_it_refuses_approval_without_cross_border_consent_and_lists_every_gap(w):
    consent(w, CROSS_BORDER_CONSENT)
    referral = cross(w)
    s.referral_send(user=w.cw, referral=referral)
    Consent.objects.filter(case=w.case_ir).delete()  # gone without a withdrawal (e.g. recorded in error)
    with pytest.raises(ValidationError) as error:
        s.referral_approve(user=w.focal_ir, referral=referral)
    assert error.value.messages == [
        "There is no valid consent for a cross-border referral.",
        "Record a risk assessment of the return first.",
        "For a child, record a best-interests determination first.",
    ]
    assert Referral.objects.get(pk=referral.pk).state == "origin_focal"


def test_it_assigns_only_an_active_agency_of_the_destination_country(w):
    referral = walk(w, cross(w, to_agency=None), "destination_focal")
    for agency in (w.ir_shelter, w.ir_ngo):
        with pytest.raises(ValidationError) as error:
            s.referral_assign(user=w.focal_af, referral=referral, to_agency=agency)
        assert "to_agency" in error.value.message_dict
    w.af_ngo.is_active = False
    w.af_ngo.save(update_fields=["is_active"])
    with pytest.raises(ValidationError):
        s.referral_assign(user=w.focal_af, referral=referral, to_agency=w.af_ngo)
    assert Referral.objects.get(pk=referral.pk).state == "destination_focal"


def test_it_refuses_to_refer_a_case_nationally_abroad_or_to_its_own_agency(w):
    with pytest.raises(ValidationError) as error:
        s.referral_create(user=w.cw, case=w.case_ir, services=["Shelter"], reason="Other", to_agency=w.ir_ngo)
    assert "to_agency" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        s.referral_create(user=w.cw, case=w.case_ir, services=["Reintegration"], reason="Other",
                          to_agency=w.ir_shelter)  # fmt: skip
    assert "services" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        s.referral_create(user=w.cw, case=w.case_ir, services=["Shelter"], reason="Other", to_country="IR")
    assert "to_agency" in error.value.message_dict
    assert not Referral.objects.exists()


def test_it_assigns_only_an_agency_that_offers_the_services(w):
    referral = walk(w, cross(w, to_agency=None), "destination_focal")
    with pytest.raises(ValidationError) as error:
        s.referral_assign(user=w.focal_af, referral=referral, to_agency=w.af_com)
    assert "does not offer" in error.value.message_dict["to_agency"][0]
    assert Referral.objects.get(pk=referral.pk).state == "destination_focal"
