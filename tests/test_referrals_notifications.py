"""Who is told what about a referral: the in-app notice and its outbox e-mail, written in the same
transaction as the move, carrying references and a link but no personal data of the person."""

import pytest
from django.db import transaction

from partners.models import User
from referrals import services as s
from referrals.emails import notification_text, render_notification_email
from referrals.models import Notification, OutboxMessage, Referral
from tests.test_referrals_support import NATIONAL_CONSENT, consent, cross, national, referral_world, step, walk

PERSONAL = ["Reza", "Ahmadi", "رضا", "احمدی"]


@pytest.fixture
def w(world):
    return referral_world(world)


def told(kind, referral):
    return sorted(Notification.objects.filter(kind=kind, referral=referral).values_list("recipient__username",
                                                                                          flat=True))  # fmt: skip


def test_the_receiving_staff_are_told_of_a_national_referral(w):
    referral = walk(w, national(w), "sent")
    assert told("referral_received", referral) == ["sp_shelter", "sup_shelter"]
    assert Notification.objects.filter(referral=referral).count() == 2


@pytest.mark.parametrize(("end", "kind"), [("accept", "referral_accepted"), ("decline", "referral_declined")])
def test_the_sender_is_told_of_the_answer(w, end, kind):
    referral = walk(w, national(w), "sent")
    step(w, referral, end)
    assert told(kind, referral) == ["cw", "sup"]


def test_the_sender_is_told_of_the_completion(w):
    referral = walk(w, national(w), "completed")
    assert told("referral_completed", referral) == ["cw", "sup"]


def test_the_sending_staff_include_the_assignee_and_the_author(w):
    from tests.conftest import make_user

    cw2 = make_user("cw2", w.ir_ngo, "caseworker", email="cw2@example.org")
    w.case_ir.assigned_to = cw2
    w.case_ir.save(update_fields=["assigned_to"])
    referral = walk(w, national(w), "accepted")
    assert told("referral_accepted", referral) == ["cw", "cw2", "sup"]


def test_the_receivers_are_told_of_a_withdrawal_once_they_had_the_referral(w):
    referral = walk(w, national(w), "accepted")
    s.referral_withdraw(user=w.sup, referral=referral, reason="The person moved away.")
    assert told("referral_withdrawn", referral) == ["sp_shelter", "sup_shelter"]


def test_the_cross_border_journey_tells_each_party_in_turn(w):
    referral = cross(w, to_agency=None)
    walk(w, referral, "origin_focal")
    assert told("awaiting_focal_point", referral) == ["focal_ir"]
    step(w, referral, "approve")
    assert told("awaiting_focal_point", referral) == ["focal_af", "focal_ir"]
    step(w, referral, "assign")
    assert told("referral_received", referral) == ["cw_af", "sp_af", "sup_af"]
    step(w, referral, "accept")
    assert told("referral_accepted", referral) == ["cw", "sup"]
    step(w, referral, "complete")
    assert told("referral_completed", referral) == ["cw", "sup"]
    # nobody else ever heard of it
    heard = set(Notification.objects.values_list("recipient__username", flat=True))
    assert heard == {"focal_ir", "focal_af", "cw_af", "sp_af", "sup_af", "cw", "sup"}


def test_the_sender_is_told_when_a_focal_point_sends_a_referral_back(w):
    referral = walk(w, cross(w), "returned")
    assert told("referral_returned", referral) == ["cw", "sup"]


def test_a_decline_by_the_destination_focal_point_reaches_the_sender_and_the_origin_focal_point(w):
    referral = walk(w, cross(w), "declined")
    assert told("referral_declined", referral) == ["cw", "focal_ir", "sup"]


@pytest.mark.parametrize(("state", "who"), [
    ("origin_focal", ["focal_ir"]),
    ("destination_focal", ["focal_af", "focal_ir"]),
    ("sent", ["cw_af", "focal_af", "focal_ir", "sp_af", "sup_af"]),
])  # fmt: skip
def test_a_cross_border_withdrawal_reaches_the_focal_points_it_passed_and_the_receiver(w, state, who):
    referral = walk(w, cross(w), state)
    s.referral_withdraw(user=w.cw, referral=referral, reason="Stays in Iran.")
    assert told("referral_withdrawn", referral) == who


def test_inactive_users_are_not_told(w):
    User.objects.filter(pk=w.sup_shelter.pk).update(is_active=False)
    referral = walk(w, national(w), "sent")
    assert told("referral_received", referral) == ["sp_shelter"]


def test_each_recipient_with_an_address_gets_one_outbox_email(w):
    User.objects.filter(pk=w.sup_shelter.pk).update(email="")
    referral = walk(w, national(w), "sent")
    notes = Notification.objects.filter(referral=referral)
    assert notes.count() == 2
    outbox = OutboxMessage.objects.filter(notification__referral=referral)
    assert [(m.notification.recipient.username, m.to_address, m.status) for m in outbox] == [
        ("sp_shelter", "sp_shelter@example.org", "pending")
    ]


def test_notices_and_emails_carry_references_but_no_personal_data(w):
    referral = walk(w, cross(w, share_identity=True, message="Reza needs his mother."), "completed")
    notes = list(Notification.objects.filter(referral=referral).select_related("referral__case", "recipient"))
    assert len(notes) >= 8
    stored = {f.name for f in Notification._meta.concrete_fields}
    assert stored == {"id", "recipient", "kind", "referral", "created_at", "read_at"}
    for note in notes:
        subject, body = render_notification_email(note)
        text = notification_text(note)
        assert referral.reference in subject and referral.reference in body
        assert referral.case.reference in body and f"/referrals/{referral.reference}/" in body
        for name in PERSONAL:
            assert name not in subject and name not in body and name not in text
        assert referral.message not in body


def test_a_rolled_back_move_leaves_no_notification(w):
    consent(w, NATIONAL_CONSENT)
    referral = national(w)
    with pytest.raises(RuntimeError), transaction.atomic():
        s.referral_send(user=w.cw, referral=referral)
        assert Notification.objects.exists() and OutboxMessage.objects.exists()
        raise RuntimeError("the request failed after the move")
    assert not Notification.objects.exists() and not OutboxMessage.objects.exists()
    assert Referral.objects.get(pk=referral.pk).state == "draft" and referral.events.count() == 1


def test_the_emails_are_queued_only_once_the_move_commits(w, django_capture_on_commit_callbacks):
    consent(w, NATIONAL_CONSENT)
    referral = national(w)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        s.referral_send(user=w.cw, referral=referral)
    assert len(callbacks) == 1  # one hand-over to Celery for the move's two e-mails
    assert OutboxMessage.objects.filter(status="pending").count() == 2


def test_a_refused_move_notifies_nobody(w):
    referral = walk(w, national(w), "withdrawn")
    before = Notification.objects.count()
    with pytest.raises(s.InvalidTransition):
        s.referral_accept(user=w.sp_shelter, referral=referral)
    assert Notification.objects.count() == before
