"""The role x data matrix, at the selector that every page and API call goes through."""

import pytest
from django.http import Http404
from guardian.shortcuts import assign_perm

from cases.selectors import case_access, case_get, case_visible_to, identity_case_ids
from cases.services import case_share
from partners.models import Membership
from partners.selectors import user_scope
from tests.conftest import fresh

# who -> (cases seen, cases whose identity is seen)
MATRIX = {
    "cw": ({"case_ir"}, {"case_ir"}),
    "sup": ({"case_ir"}, {"case_ir"}),
    "sp_ir": (set(), set()),  # a service provider sees only what is shared with their agency
    "cw_police": ({"case_police"}, {"case_police"}),
    "cw_af": ({"case_af"}, {"case_af"}),
    "sp_af": (set(), set()),
    "focal_ir": (set(), set()),  # their own agency owns no case here
    "pm_ir": ({"case_ir", "case_police"}, set()),
    "auditor_ir": ({"case_ir", "case_police"}, set()),
    "pm_region": ({"case_ir", "case_police", "case_af"}, set()),
    "admin_user": (set(), set()),
    "nobody": (set(), set()),
}


@pytest.mark.parametrize("who", MATRIX)
def test_each_role_sees_exactly_its_cases(world, who):
    user = getattr(world, who)
    seen, identity = MATRIX[who]
    expected = {getattr(world, name).pk for name in seen}
    assert set(case_visible_to(user).values_list("pk", flat=True)) == expected
    all_ids = [world.case_ir.pk, world.case_police.pk, world.case_af.pk]
    assert identity_case_ids(user, all_ids) == {getattr(world, name).pk for name in identity}


@pytest.mark.parametrize("who", MATRIX)
def test_out_of_scope_cases_answer_404(world, who):
    user = getattr(world, who)
    seen, _ = MATRIX[who]
    for name in ("case_ir", "case_police", "case_af"):
        case = getattr(world, name)
        if name in seen:
            assert case_get(user, case.reference)[0] == case
        else:
            with pytest.raises(Http404):
                case_get(user, case.reference)


def test_anonymous_sees_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not case_visible_to(AnonymousUser()).exists()
    with pytest.raises(Http404):
        case_get(AnonymousUser(), world.case_ir.reference)


def test_oversight_is_pseudonymous_and_read_only(world):
    access = case_access(world.pm_region, world.case_ir)
    assert access.pseudonymous and not access.edit and not access.record_services and not access.supervise


def test_an_inactive_membership_gives_nothing(world):
    Membership.objects.filter(user=world.cw).update(is_active=False)
    assert not case_visible_to(fresh(world.cw)).exists()


def test_an_inactive_agency_gives_nothing(world):
    world.ir_ngo.is_active = False
    world.ir_ngo.save()
    assert not case_visible_to(fresh(world.sup)).exists()


def test_a_deactivated_user_sees_nothing(world):
    world.cw.is_active = False
    world.cw.save()
    assert not case_visible_to(fresh(world.cw)).exists()


def test_it_honours_a_grant_to_the_receiving_agency_group(world):
    case_share(user=world.sup, case=world.case_ir, agency=world.af_ngo)
    for who in ("cw_af", "sp_af"):
        user = fresh(getattr(world, who))
        assert set(case_visible_to(user)) == ({world.case_ir} | ({world.case_af} if who == "cw_af" else set()))
        assert world.case_ir.pk not in identity_case_ids(user, [world.case_ir.pk])
    # Oversight staff of the receiving country do not gain anything from the share.
    assert world.case_ir in case_visible_to(fresh(world.pm_region))


def test_it_honours_a_grant_to_one_user(world):
    assign_perm("cases.view_case", world.cw_police, world.case_af)
    assert set(case_visible_to(fresh(world.cw_police))) == {world.case_police, world.case_af}


def test_a_country_manager_does_not_see_another_country(world):
    assert world.case_af not in case_visible_to(world.pm_ir)


def test_scope_is_computed_with_one_query(world, django_assert_num_queries):
    user = fresh(world.pm_region)
    with django_assert_num_queries(2):  # memberships, then the programme countries for the regional scope
        user_scope(user)
    with django_assert_num_queries(0):
        user_scope(user)
