"""Celery tasks: they take ids, re-fetch, and call a service. Deadlines live in the database and
are checked by beat (see CELERY_BEAT_SCHEDULE), never held as broker countdowns."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import OutboxMessage

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 8


def _claim(outbox_id: int) -> OutboxMessage | None:
    """Take the message for this worker, or None if it is delivered or another worker holds it."""
    now = timezone.now()
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .select_related("notification", "notification__referral", "notification__recipient")
            .filter(pk=outbox_id)
            .first()
        )
        if message is None or message.status in (OutboxMessage.Status.DELIVERED, OutboxMessage.Status.FAILED):
            return None
        if message.status == OutboxMessage.Status.SENDING and message.claimed_until and message.claimed_until > now:
            return None
        message.status = OutboxMessage.Status.SENDING
        message.claimed_until = now + LEASE
        message.attempts += 1
        message.save(update_fields=["status", "claimed_until", "attempts"])
    return message


@shared_task(acks_late=True)
def deliver_outbox_message(outbox_id: int) -> str:
    """Send one e-mail at most once: claimed under a row lock, marked delivered after sending."""
    from .emails import render_notification_email

    message = _claim(outbox_id)
    if message is None:
        return "skipped"
    try:
        subject, body = render_notification_email(message.notification)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [message.to_address])
    except Exception as error:  # noqa: BLE001 - record and let the sweeper retry
        failed = message.attempts >= MAX_ATTEMPTS
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=OutboxMessage.Status.FAILED if failed else OutboxMessage.Status.PENDING,
            claimed_until=None,
            last_error=str(error)[:1000],
        )
        log.warning("Outbox %s not delivered (attempt %s): %s", message.pk, message.attempts, error)
        return "failed"
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.DELIVERED, delivered_at=timezone.now(), claimed_until=None, last_error=""
    )
    return "delivered"


@shared_task
def sweep_outbox() -> int:
    """Re-queue e-mails still pending (broker was down at commit) or whose worker died mid-send."""
    now = timezone.now()
    stale = OutboxMessage.objects.filter(
        status=OutboxMessage.Status.PENDING, created_at__lt=now - timedelta(seconds=30)
    )
    orphaned = OutboxMessage.objects.filter(status=OutboxMessage.Status.SENDING, claimed_until__lt=now)
    ids = list(stale.values_list("id", flat=True)[:500]) + list(orphaned.values_list("id", flat=True)[:500])
    for outbox_id in ids:
        deliver_outbox_message.delay(outbox_id)
    return len(ids)


@shared_task
def check_referral_deadlines() -> dict:
    """Remind receivers whose deadline is near and expire referrals whose deadline has passed."""
    from . import services

    return {"reminded": services.referrals_remind_due(), "expired": services.referrals_expire_overdue()}
