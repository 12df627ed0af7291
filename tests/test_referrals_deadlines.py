"""Deadlines live in the database: urgency sets them, beat reminds once near the end and expires once
after it. Time is simulated by moving response_deadline in the database."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from referrals import services as s
from referrals.models import Notification, Referral, ReferralEvent
from tests.test_referrals_support import cross, national, referral_world, step, walk

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def w(world):
    return referral_world(world)


def move_deadline(referral, delta):
    """The deadline `delta` from now, as if time had passed."""
    Referral.objects.filter(pk=referral.pk).update(response_deadline=timezone.now() + delta)


def told(kind, referral=None):
    rows = Notification.objects.filter(kind=kind)
    if referral is not None:
        rows = rows.filter(referral=referral)
    return sorted(rows.values_list("recipient__username", flat=True))


def window(urgency):
    return datetime.timedelta(hours=settings.REFERRAL_DEADLINE_HOURS[urgency])


@pytest.mark.parametrize(("urgency", "hours"), [("routine", 72), ("urgent", 24), ("life_threatening", 4)])
def test_sending_sets_the_deadline_by_urgency(w, urgency, hours):
    assert settings.REFERRAL_DEADLINE_HOURS[urgency] == hours
    referral = national(w, urgency=urgency)
    assert referral.response_deadline is None
    before = timezone.now()
    walk(w, referral, "sent")
    after = timezone.now()
    assert before + hours * HOUR <= referral.response_deadline <= after + hours * HOUR


def test_the_deadline_follows_the_configured_hours(w, settings):
    settings.REFERRAL_DEADLINE_HOURS = {"routine": 48, "urgent": 12, "life_threatening": 2}
    referral = walk(w, national(w, urgency="urgent"), "sent")
    assert abs(referral.response_deadline - (referral.sent_at + 12 * HOUR)) < datetime.timedelta(seconds=5)


def test_each_focal_point_and_the_receiver_get_a_fresh_deadline(w):
    referral = walk(w, cross(w, urgency="urgent"), "origin_focal")
    for action in ("approve", "assign"):
        move_deadline(referral, HOUR)
        Referral.objects.filter(pk=referral.pk).update(reminded_at=timezone.now())
        step(w, referral, action)
        assert referral.response_deadline - timezone.now() > 23 * HOUR
        assert referral.reminded_at is None


def test_being_sent_back_clears_the_deadline(w):
    referral = walk(w, cross(w), "returned")
    assert referral.response_deadline is None
    move_deadline(referral, -HOUR)
    assert s.referrals_expire_overdue() == 0 and Referral.objects.get(pk=referral.pk).state == "draft"


def test_the_receiver_is_reminded_once_when_the_deadline_nears(w):
    referral = walk(w, national(w), "sent")
    assert s.referrals_remind_due() == 0  # the whole window is left
    move_deadline(referral, window("routine") * settings.REFERRAL_REMINDER_FRACTION + datetime.timedelta(minutes=5))
    assert s.referrals_remind_due() == 0  # not yet within the last fraction
    move_deadline(referral, window("routine") * settings.REFERRAL_REMINDER_FRACTION - datetime.timedelta(minutes=5))
    assert s.referrals_remind_due() == 1
    assert told("deadline_near") == ["sp_shelter", "sup_shelter"]
    assert Referral.objects.get(pk=referral.pk).reminded_at is not None
    assert s.referrals_remind_due() == 0
    assert len(told("deadline_near")) == 2
    assert referral.events.count() == 2  # a reminder is not a move


@pytest.mark.parametrize(("state", "who"), [("origin_focal", ["focal_ir"]), ("destination_focal", ["focal_af"]),
                                             ("sent", ["cw_af", "sp_af", "sup_af"])])  # fmt: skip
def test_whoever_must_answer_is_reminded(w, state, who):
    referral = walk(w, cross(w, urgency="life_threatening"), state)
    move_deadline(referral, datetime.timedelta(minutes=30))  # 4 h window, a quarter is 1 h
    assert s.referrals_remind_due() == 1
    assert told("deadline_near", referral) == who


def test_a_referral_past_its_deadline_or_answered_is_not_reminded(w):
    overdue = walk(w, national(w), "sent")
    move_deadline(overdue, -HOUR)
    answered = walk(w, national(w), "accepted")
    move_deadline(answered, datetime.timedelta(minutes=5))
    assert s.referrals_remind_due() == 0
    assert not Notification.objects.filter(kind="deadline_near").exists()


def test_overdue_referrals_expire_exactly_once_and_both_supervisors_are_alerted(w):
    overdue = walk(w, national(w), "sent")
    not_yet = walk(w, national(w), "sent")
    accepted = walk(w, national(w), "accepted")
    move_deadline(overdue, -datetime.timedelta(minutes=1))
    move_deadline(accepted, -datetime.timedelta(days=2))

    assert s.referrals_expire_overdue() == 1
    assert s.referrals_expire_overdue() == 0
    state = dict(Referral.objects.values_list("pk", "state"))
    assert (state[overdue.pk], state[not_yet.pk], state[accepted.pk]) == ("expired", "sent", "accepted")
    assert ReferralEvent.objects.filter(referral=overdue, action="expired").count() == 1
    recipients = told("referral_expired", overdue)
    assert "sup" in recipients and "sup_shelter" in recipients  # both supervisors
    assert sorted(recipients) == ["cw", "sup", "sup_shelter"]  # and the sender's caseworker
    assert Notification.objects.filter(kind="referral_expired").count() == 3


def test_a_cross_border_referral_expiring_at_the_origin_alerts_only_who_had_it(w):
    referral = walk(w, cross(w), "origin_focal")  # AF-NGO proposed but never given the referral
    move_deadline(referral, -HOUR)
    assert s.referrals_expire_overdue() == 1
    assert told("referral_expired", referral) == ["cw", "focal_ir", "sup"]


def test_a_cross_border_referral_expiring_at_the_destination_alerts_both_focal_points(w):
    referral = walk(w, cross(w), "destination_focal")
    move_deadline(referral, -HOUR)
    assert s.referrals_expire_overdue() == 1
    assert told("referral_expired", referral) == ["cw", "focal_af", "focal_ir", "sup"]


def test_the_beat_task_reminds_and_expires(w):
    from referrals.tasks import check_referral_deadlines

    near = walk(w, national(w), "sent")
    late = walk(w, national(w), "sent")
    move_deadline(near, HOUR)
    move_deadline(late, -HOUR)
    assert check_referral_deadlines() == {"reminded": 1, "expired": 1}
    assert check_referral_deadlines() == {"reminded": 0, "expired": 0}
