"""The referral state machine: every legal move, recorded on the timeline, and every other move refused
with InvalidTransition, a message saying why, and nothing changed."""

import pytest
from django.core.exceptions import ValidationError

from cases.models import CaseEvent
from referrals import services as s
from referrals.models import Notification, OutboxMessage, Referral, ReferralEvent
from tests.test_referrals_support import (
    CROSS_PATHS,
    NATIONAL_PATHS,
    cross,
    national,
    receiver,
    referral_world,
    step,
    walk,
)


@pytest.fixture
def w(world):
    return referral_world(world)


def timeline(referral):
    return [(e.action, e.from_state, e.to_state, e.actor) for e in referral.events.all()]


def test_a_national_referral_goes_from_draft_to_sent_to_accepted_to_completed(w):
    referral = national(w, message="Needs a bed tonight.")
    assert referral.state == "draft" and not referral.is_cross_border and referral.reference.startswith("RF-")
    walk(w, referral, "completed")
    assert referral.state == "completed" and referral.successful is True and referral.feedback == "Housed."
    assert referral.sent_at and referral.delivered_at and referral.responded_at and referral.closed_at
    assert timeline(referral) == [
        ("created", "", "draft", w.cw),
        ("sent", "draft", "sent", w.cw),
        ("accepted", "sent", "accepted", w.sp_shelter),
        ("completed", "accepted", "completed", w.sp_shelter),
    ]
    agencies = [e.actor_agency for e in referral.events.all()]
    assert agencies == [w.ir_ngo, w.ir_ngo, w.ir_shelter, w.ir_shelter]
    actions = set(CaseEvent.objects.filter(case=w.case_ir).values_list("action", flat=True))
    assert {"referral_sent", "referral_accepted", "referral_completed"} <= actions


def test_it_completes_as_not_successful_only_with_a_reason(w):
    referral = walk(w, national(w), "accepted")
    with pytest.raises(ValidationError) as error:
        s.referral_complete(user=w.sp_shelter, referral=referral, successful=False, reason="  ")
    assert "reason" in error.value.message_dict
    referral.refresh_from_db()
    assert referral.state == "accepted" and referral.events.count() == 3

    s.referral_complete(user=w.sp_shelter, referral=referral, successful=False, reason="She left the shelter.",
                        feedback="Offered a place again.")  # fmt: skip
    referral.refresh_from_db()
    assert referral.state == "completed" and referral.successful is False
    assert referral.outcome_reason == "She left the shelter." and referral.feedback == "Offered a place again."
    assert referral.events.last().note == "Offered a place again."


def test_the_receiver_declines_a_sent_referral_with_a_reason(w):
    referral = walk(w, national(w), "sent")
    with pytest.raises(ValidationError) as error:
        s.referral_decline(user=w.sp_shelter, referral=referral, reason="")
    assert "reason" in error.value.message_dict
    s.referral_decline(user=w.sp_shelter, referral=referral, reason="NoCapacity", details="All beds taken.")
    referral.refresh_from_db()
    assert referral.state == "declined" and referral.decline_reason == "NoCapacity"
    assert referral.decline_details == "All beds taken." and referral.closed_at and referral.responded_at
    assert timeline(referral)[-1] == ("declined", "sent", "declined", w.sp_shelter)
    assert referral.events.last().actor_agency == w.ir_shelter


def test_it_refuses_a_decline_reason_outside_the_vocabulary(w):
    referral = walk(w, national(w), "sent")
    with pytest.raises(ValidationError) as error:
        s.referral_decline(user=w.sp_shelter, referral=referral, reason="Because")
    assert "reason" in error.value.message_dict
    referral.refresh_from_db()
    assert referral.state == "sent"


@pytest.mark.parametrize("state", ["sent", "accepted"])
def test_the_sender_withdraws_a_pending_referral_with_a_reason(w, state):
    referral = walk(w, national(w), state)
    events = referral.events.count()
    with pytest.raises(ValidationError) as error:
        s.referral_withdraw(user=w.cw, referral=referral, reason=" ")
    assert "reason" in error.value.message_dict
    assert referral.events.count() == events
    s.referral_withdraw(user=w.cw, referral=referral, reason="The family took her home.")
    referral.refresh_from_db()
    assert referral.state == "withdrawn" and referral.withdraw_reason == "The family took her home."
    assert timeline(referral)[-1] == ("withdrawn", state, "withdrawn", w.cw)
    assert referral.events.last().note == "The family took her home."


def test_a_cross_border_referral_passes_both_focal_points_before_the_receiver(w):
    referral = cross(w, to_agency=None)
    assert referral.is_cross_border and referral.to_agency is None and referral.to_country_id == "AF"
    walk(w, referral, "accepted")
    assert referral.state == "accepted" and referral.to_agency == w.af_ngo
    assert timeline(referral) == [
        ("created", "", "draft", w.cw),
        ("sent", "draft", "origin_focal", w.cw),
        ("approved", "origin_focal", "destination_focal", w.focal_ir),
        ("assigned", "destination_focal", "sent", w.focal_af),
        ("accepted", "sent", "accepted", w.sp_af),
    ]
    assert referral.events.get(action="assigned").note == "AF-NGO"


def test_the_origin_focal_point_sends_a_referral_back_with_a_reason_and_it_can_be_sent_again(w):
    referral = walk(w, cross(w), "origin_focal")
    with pytest.raises(ValidationError) as error:
        s.referral_send_back(user=w.focal_ir, referral=referral, reason="")
    assert "reason" in error.value.message_dict
    s.referral_send_back(user=w.focal_ir, referral=referral, reason="Attach the family assessment.")
    referral.refresh_from_db()
    assert referral.state == "draft" and referral.returned_reason == "Attach the family assessment."
    assert referral.response_deadline is None
    assert timeline(referral)[-1] == ("sent_back", "origin_focal", "draft", w.focal_ir)
    step(w, referral, "send")
    assert referral.state == "origin_focal"


def test_the_destination_focal_point_declines_before_assignment(w):
    referral = walk(w, cross(w, to_agency=None), "destination_focal")
    s.referral_decline(user=w.focal_af, referral=referral, reason="SecurityConcerns", details="Province unsafe.")
    referral.refresh_from_db()
    assert referral.state == "declined" and referral.decline_reason == "SecurityConcerns"
    assert timeline(referral)[-1] == ("declined", "destination_focal", "declined", w.focal_af)


@pytest.mark.parametrize("state", ["origin_focal", "destination_focal"])
def test_the_sender_withdraws_a_referral_waiting_at_a_focal_point(w, state):
    referral = walk(w, cross(w), state)
    s.referral_withdraw(user=w.sup, referral=referral, reason="The person stays in Iran.")
    referral.refresh_from_db()
    assert referral.state == "withdrawn"
    assert timeline(referral)[-1] == ("withdrawn", state, "withdrawn", w.sup)


@pytest.mark.parametrize(("kind", "state"), [("national", "sent"), ("cross", "origin_focal"),
                                             ("cross", "destination_focal"), ("cross", "sent")])  # fmt: skip
def test_an_unanswered_referral_expires_once_its_deadline_passed(w, kind, state):
    referral = walk(w, national(w) if kind == "national" else cross(w), state)
    assert s.referral_expire(referral=referral) is False  # deadline not reached yet
    step(w, referral, "expire")
    assert referral.state == "expired" and referral.closed_at
    assert timeline(referral)[-1] == ("expired", state, "expired", None)
    assert s.referral_expire(referral=referral) is False
    assert referral.events.filter(action="expired").count() == 1


@pytest.mark.parametrize("state", ["draft", "accepted", "declined", "completed", "withdrawn"])
def test_it_never_expires_a_referral_that_is_not_awaiting_an_answer(w, state):
    from django.utils import timezone

    referral = walk(w, national(w), state)
    Referral.objects.filter(pk=referral.pk).update(response_deadline=timezone.now() - timezone.timedelta(days=1))
    events = ReferralEvent.objects.count()
    assert s.referral_expire(referral=referral) is False
    assert s.referrals_expire_overdue() == 0
    referral.refresh_from_db()
    assert referral.state == state and ReferralEvent.objects.count() == events


# --- every illegal move -----------------------------------------------------------------------------

NATIONAL_ACTIONS = ["send", "accept", "decline", "complete", "withdraw"]
CROSS_ACTIONS = ["send", "approve", "send_back", "assign", "accept", "decline", "complete", "withdraw"]
LEGAL = {
    ("national", "draft"): {"send"},
    ("national", "sent"): {"accept", "decline", "withdraw"},
    ("national", "accepted"): {"complete", "withdraw"},
    ("cross", "draft"): {"send"},
    ("cross", "returned"): {"send"},
    ("cross", "origin_focal"): {"approve", "send_back", "withdraw"},
    ("cross", "destination_focal"): {"assign", "decline", "withdraw"},
    ("cross", "sent"): {"accept", "decline", "withdraw"},
    ("cross", "accepted"): {"complete", "withdraw"},
}
ILLEGAL = [
    ("national", state, action)
    for state in NATIONAL_PATHS
    for action in NATIONAL_ACTIONS
    if action not in LEGAL.get(("national", state), set())
] + [
    ("cross", state, action)
    for state in CROSS_PATHS
    for action in CROSS_ACTIONS
    if action not in LEGAL.get(("cross", state), set())
]


def attempt(w, referral, action):
    """The move, by someone who could make it if the referral were in the right state."""
    r = receiver(w, referral)
    moves = {
        "send": lambda: s.referral_send(user=w.cw, referral=referral),
        "approve": lambda: s.referral_approve(user=w.focal_ir, referral=referral),
        "send_back": lambda: s.referral_send_back(user=w.focal_ir, referral=referral, reason="Incomplete."),
        "assign": lambda: s.referral_assign(user=w.focal_af, referral=referral, to_agency=w.af_ngo),
        "accept": lambda: s.referral_accept(user=r, referral=referral),
        "decline": lambda: s.referral_decline(user=r, referral=referral, reason="NoCapacity"),
        "complete": lambda: s.referral_complete(user=r, referral=referral, successful=True),
        "withdraw": lambda: s.referral_withdraw(user=w.cw, referral=referral, reason="No longer needed."),
    }
    moves[action]()


def snapshot(referral):
    fresh = Referral.objects.get(pk=referral.pk)
    row = {f.attname: getattr(fresh, f.attname) for f in Referral._meta.concrete_fields}
    counts = (ReferralEvent.objects.count(), Notification.objects.count(), OutboxMessage.objects.count(),
              CaseEvent.objects.count())  # fmt: skip
    return row, counts


@pytest.mark.parametrize(("kind", "state", "action"), ILLEGAL, ids=["-".join(t) for t in ILLEGAL])
def test_it_refuses_every_illegal_move_and_changes_nothing(w, kind, state, action):
    referral = walk(w, national(w) if kind == "national" else cross(w), state)
    before = snapshot(referral)
    with pytest.raises(s.InvalidTransition) as error:
        attempt(w, referral, action)
    message = str(error.value)
    assert referral.reference in message
    shown = "draft" if state == "returned" else state
    assert Referral.objects.get(pk=referral.pk).get_state_display().lower() in message, message
    assert f"it is {dict(s.State.choices)[shown].lower()}" in message
    assert "only a referral that is" in message
    assert snapshot(referral) == before


def test_it_refuses_to_accept_a_withdrawn_referral(w):
    referral = walk(w, national(w), "withdrawn")
    with pytest.raises(s.InvalidTransition, match="it is withdrawn"):
        s.referral_accept(user=w.sp_shelter, referral=referral)
    assert Referral.objects.get(pk=referral.pk).state == "withdrawn"


def test_it_refuses_to_complete_a_referral_twice(w):
    referral = walk(w, national(w), "completed")
    with pytest.raises(s.InvalidTransition, match="only a referral that is accepted"):
        s.referral_complete(user=w.sp_shelter, referral=referral, successful=True)
