"""Who may do what to a referral, checked in the services (not only in the pages), and who sees which
referrals (referrals.selectors)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from cases.models import CaseEvent
from cases.selectors import identity_case_ids
from referrals import services as s
from referrals.models import Notification, Referral, ReferralEvent
from referrals.selectors import referral_get, referral_role, referral_visible_to
from tests.conftest import fresh, log_case, make_agency
from tests.test_referrals_support import consent, cross, national, referral_world, walk

ACTORS = [
    "cw", "sup", "sp_ir", "sp_shelter", "sup_shelter", "cw_af", "sp_af", "sup_af", "cw_police", "focal_ir",
    "focal_af", "pm_ir", "auditor_ir", "pm_region", "admin_user", "nobody", "anonymous",
]  # fmt: skip


@pytest.fixture
def w(world):
    w = referral_world(world)
    w.users["anonymous"] = AnonymousUser()
    return w


def who(w, name):
    return w.users[name]


# action -> (kind of referral, state it must be in, who may, the call)
ACTIONS = {
    "send": ("national", "draft", {"cw", "sup"}, lambda w, u, r: s.referral_send(user=u, referral=r)),
    "withdraw": ("national", "sent", {"cw", "sup"},
                 lambda w, u, r: s.referral_withdraw(user=u, referral=r, reason="Not needed.")),
    "accept": ("national", "sent", {"sp_shelter", "sup_shelter"}, lambda w, u, r: s.referral_accept(user=u, referral=r)),
    "decline": ("national", "sent", {"sp_shelter", "sup_shelter"},
                lambda w, u, r: s.referral_decline(user=u, referral=r, reason="NoCapacity")),
    "complete": ("national", "accepted", {"sp_shelter", "sup_shelter"},
                 lambda w, u, r: s.referral_complete(user=u, referral=r, successful=True)),
    "send_cross": ("cross", "draft", {"cw", "sup"}, lambda w, u, r: s.referral_send(user=u, referral=r)),
    "withdraw_cross": ("cross", "destination_focal", {"cw", "sup"},
                       lambda w, u, r: s.referral_withdraw(user=u, referral=r, reason="Stays in Iran.")),
    "approve": ("cross", "origin_focal", {"focal_ir"}, lambda w, u, r: s.referral_approve(user=u, referral=r)),
    "send_back": ("cross", "origin_focal", {"focal_ir"},
                  lambda w, u, r: s.referral_send_back(user=u, referral=r, reason="Incomplete.")),
    "assign": ("cross", "destination_focal", {"focal_af"},
               lambda w, u, r: s.referral_assign(user=u, referral=r, to_agency=w.af_ngo)),
    "decline_focal": ("cross", "destination_focal", {"focal_af"},
                      lambda w, u, r: s.referral_decline(user=u, referral=r, reason="SecurityConcerns")),
    "accept_cross": ("cross", "sent", {"sp_af", "cw_af", "sup_af"},
                     lambda w, u, r: s.referral_accept(user=u, referral=r)),
    "decline_cross": ("cross", "sent", {"sp_af", "cw_af", "sup_af"},
                      lambda w, u, r: s.referral_decline(user=u, referral=r, reason="NoCapacity")),
    "complete_cross": ("cross", "accepted", {"sp_af", "cw_af", "sup_af"},
                       lambda w, u, r: s.referral_complete(user=u, referral=r, successful=True)),
}  # fmt: skip
MATRIX = [(action, actor) for action in ACTIONS for actor in ACTORS]


def counts():
    return ReferralEvent.objects.count(), Notification.objects.count(), CaseEvent.objects.count()


@pytest.mark.parametrize(("action", "actor"), MATRIX, ids=[f"{a}-{u}" for a, u in MATRIX])
def test_only_the_right_people_make_each_move(w, action, actor):
    kind, state, allowed, call = ACTIONS[action]
    referral = walk(w, national(w) if kind == "national" else cross(w, to_agency=None), state)
    user = who(w, actor)
    if actor in allowed:
        call(w, user, referral)
        referral.refresh_from_db()
        assert referral.state != state
        return
    before_state, before = referral.state, counts()
    with pytest.raises(PermissionDenied) as error:
        call(w, user, referral)
    assert str(error.value).startswith("Only ")
    assert Referral.objects.get(pk=referral.pk).state == before_state and counts() == before


@pytest.mark.parametrize("actor", ACTORS)
def test_only_the_case_owners_staff_draft_a_referral(w, actor):
    user = who(w, actor)
    if actor in {"cw", "sup"}:
        assert national(w, user=user).state == "draft"
        return
    with pytest.raises(PermissionDenied):
        national(w, user=user)
    assert not Referral.objects.exists()


def test_the_receiving_agency_needs_a_receiving_role(w):
    """A focal point or oversight member of the receiving agency is not a receiver."""
    from tests.conftest import make_user

    focal_in_shelter = make_user("odd_focal", w.ir_shelter, "focal_point")
    referral = walk(w, national(w), "sent")
    assert not referral_role(focal_in_shelter, referral).receiver
    with pytest.raises(PermissionDenied):
        s.referral_accept(user=focal_in_shelter, referral=referral)


def test_an_inactive_membership_gives_no_right(w):
    referral = walk(w, national(w), "sent")
    w.sp_shelter.memberships.update(is_active=False)
    with pytest.raises(PermissionDenied):
        s.referral_accept(user=fresh(w.sp_shelter), referral=referral)


def test_the_sender_cannot_answer_its_own_referral_and_the_receiver_cannot_withdraw_it(w):
    referral = walk(w, national(w), "sent")
    for call in (lambda: s.referral_accept(user=w.cw, referral=referral),
                 lambda: s.referral_decline(user=w.sup, referral=referral, reason="NoCapacity"),
                 lambda: s.referral_withdraw(user=w.sp_shelter, referral=referral, reason="x")):  # fmt: skip
        with pytest.raises(PermissionDenied):
            call()
    assert Referral.objects.get(pk=referral.pk).state == "sent"


# --- who sees which referrals ------------------------------------------------------------------------


@pytest.fixture
def scene(w):
    """One referral in each telling state, plus a national referral inside Afghanistan."""
    sc = {
        "n_draft": national(w),
        "n_sent": walk(w, national(w), "sent"),
        "x_draft": cross(w),
        "x_origin": walk(w, cross(w), "origin_focal"),
        "x_dest": walk(w, cross(w), "destination_focal"),
        "x_sent": walk(w, cross(w), "sent"),
        "x_withdrawn_at_origin": walk(w, cross(w), "origin_focal"),
    }
    s.referral_withdraw(user=w.cw, referral=sc["x_withdrawn_at_origin"], reason="Changed plans.")
    w.af_clinic = make_agency("AF-CLINIC", "AF", "Health", services=["Medical"])
    case = log_case(w.cw_af, w.af_ngo, person={"given_name_latin": "Karim", "family_name_latin": "Sadiq"})
    consent(w, "NationalReferral", case=case, user=w.cw_af)
    af = s.referral_create(user=w.cw_af, case=case, services=["Medical"], reason="AdditionalServicesRequired",
                           to_agency=w.af_clinic)  # fmt: skip
    sc["af_national"] = s.referral_send(user=w.cw_af, referral=af)
    return sc


SENT_FROM_IR = {"n_sent", "x_origin", "x_dest", "x_sent", "x_withdrawn_at_origin"}
VISIBLE = {
    "cw": {"n_draft", "x_draft"} | SENT_FROM_IR,
    "sup": {"n_draft", "x_draft"} | SENT_FROM_IR,
    "sp_ir": set(),
    "sp_shelter": {"n_sent"},
    "sup_shelter": {"n_sent"},
    "cw_af": {"x_sent", "af_national"},
    "sup_af": {"x_sent", "af_national"},
    "sp_af": {"x_sent"},
    "cw_police": set(),
    "focal_ir": {"x_origin", "x_dest", "x_sent", "x_withdrawn_at_origin"},
    "focal_af": {"x_dest", "x_sent"},
    "pm_ir": SENT_FROM_IR,
    "auditor_ir": SENT_FROM_IR,
    "pm_region": SENT_FROM_IR | {"af_national"},
    "admin_user": set(),
    "nobody": set(),
    "anonymous": set(),
}


@pytest.mark.parametrize("actor", ACTORS)
def test_each_user_sees_exactly_their_referrals(w, scene, actor):
    user = who(w, actor)
    seen = set(referral_visible_to(user).values_list("pk", flat=True))
    expected = {scene[name].pk for name in VISIBLE[actor]}
    names = {v.pk: k for k, v in scene.items()}
    assert {names[pk] for pk in seen} == VISIBLE[actor]
    assert seen == expected
    for name, referral in scene.items():
        if name in VISIBLE[actor]:
            assert referral_get(user, referral.reference)[0] == referral
        else:
            with pytest.raises(Http404):
                referral_get(user, referral.reference)


def test_oversight_reads_referrals_pseudonymously(w, scene):
    for name in ("pm_ir", "auditor_ir", "pm_region"):
        user = who(w, name)
        cases = list(referral_visible_to(user).values_list("case_id", flat=True))
        assert cases and identity_case_ids(user, cases) == set()
        role = referral_role(user, scene["x_sent"])
        assert not role.sees_shared_identity


def test_the_destination_focal_point_sees_a_referral_only_from_its_approval(w):
    referral = walk(w, cross(w), "origin_focal")
    assert not referral_visible_to(w.focal_af).filter(pk=referral.pk).exists()
    s.referral_approve(user=w.focal_ir, referral=referral)
    assert referral_visible_to(fresh(w.focal_af)).filter(pk=referral.pk).exists()


def test_the_receiver_sees_a_referral_only_once_delivered(w):
    referral = walk(w, cross(w), "destination_focal")
    assert referral.to_agency == w.af_ngo  # proposed by the sender, not yet given to it
    assert not referral_visible_to(w.sp_af).filter(pk=referral.pk).exists()
    s.referral_assign(user=w.focal_af, referral=referral, to_agency=w.af_ngo)
    assert referral_visible_to(fresh(w.sp_af)).filter(pk=referral.pk).exists()


def test_a_returned_draft_is_the_senders_alone_again(w):
    referral = walk(w, cross(w), "returned")
    assert referral.state == "draft"
    for name in ("focal_ir", "focal_af", "pm_ir", "sp_af"):
        assert not referral_visible_to(who(w, name)).filter(pk=referral.pk).exists()
    assert referral_visible_to(w.cw).filter(pk=referral.pk).exists()


@pytest.mark.parametrize("state", ["draft", "withdrawn", "completed"])
def test_an_outsider_is_refused_before_learning_the_referrals_state(w, state):
    referral = walk(w, national(w), state)
    for call in (lambda: s.referral_decline(user=w.cw_police, referral=referral, reason="NoCapacity"),
                 lambda: s.referral_accept(user=w.cw_af, referral=referral),
                 lambda: s.referral_withdraw(user=w.focal_ir, referral=referral, reason="x")):  # fmt: skip
        with pytest.raises(PermissionDenied):
            call()
