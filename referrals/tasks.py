"""Celery tasks: they take ids, re-fetch, and call a service. Deadlines live in the database and
are checked by beat (see CELERY_BEAT_SCHEDULE), never held as broker countdowns; so do e-mail
retries (a failed message waits in the database for the sweeper, with a backoff).

E-mail delivery (the outbox), and why it is delivered once:

- `deliver_outbox_message` *claims* the row first: under a row lock taken with SKIP LOCKED, it
  moves the message from pending to sending with a lease (`claimed_until`) and counts the attempt,
  then commits. A second run of the same task (a duplicate in the queue, the sweeper's re-queue,
  the broker's redelivery) finds it sending or delivered and does nothing.
- It sends over SMTP outside any transaction, then marks it delivered, fenced by the attempt it
  claimed (a stale worker cannot overwrite a newer attempt's result).
- A worker that dies mid-send leaves the row sending; when its lease expires the sweeper queues
  it again. EMAIL_TIMEOUT must stay well below the lease, so that a live worker never outlives it.
- A failed send puts the row back to pending with `claimed_until` as "not before" (exponential
  backoff); after OUTBOX_MAX_ATTEMPTS, or when the server refuses the address for good, it is
  failed with `last_error`.
"""

import logging
import smtplib
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import OutboxMessage

log = logging.getLogger(__name__)
Status = OutboxMessage.Status


def lease() -> timedelta:
    return timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


def retry_delay(attempts: int) -> timedelta:
    """Backoff after the n-th failed attempt: base, 2 x base, 4 x base ... at most an hour."""
    return timedelta(seconds=min(settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), 3600))


def _claim(outbox_id: int) -> OutboxMessage | None:
    """Take the message for this worker, or None when it is delivered, failed, held by another
    worker, or waiting for its retry time."""
    now = timezone.now()
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("notification", "notification__referral__case", "notification__recipient")
            .filter(pk=outbox_id)
            .first()
        )
        if message is None or message.status in (Status.DELIVERED, Status.FAILED):
            return None
        if message.claimed_until and message.claimed_until > now:
            return None  # sending under a live lease, or pending until its retry time
        if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            # Only reachable when the last attempt's worker died mid-send: do not try forever.
            message.status = Status.FAILED
            message.claimed_until = None
            message.last_error = message.last_error or f"Gave up after {message.attempts} attempts (worker lost)."
            message.save(update_fields=["status", "claimed_until", "last_error"])
            return None
        message.status = Status.SENDING
        message.claimed_until = now + lease()
        message.attempts += 1
        message.save(update_fields=["status", "claimed_until", "attempts"])
    return message


def _permanent(error: Exception) -> bool:
    """The server refused every recipient for good (5xx): retrying will not help."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in error.recipients.values())
    return False


@shared_task(acks_late=True, ignore_result=True)
def deliver_outbox_message(outbox_id: int) -> str:
    """Send one e-mail once: claimed under a row lock with a lease, marked delivered after sending."""
    from .emails import notification_email

    message = _claim(outbox_id)
    if message is None:
        return "skipped"
    mine = OutboxMessage.objects.filter(pk=message.pk, status=Status.SENDING, attempts=message.attempts)
    try:
        notification_email(message).send(fail_silently=False)
    except Exception as error:  # noqa: BLE001 - record it; the sweeper retries after the backoff
        failed = _permanent(error) or message.attempts >= settings.OUTBOX_MAX_ATTEMPTS
        mine.update(
            status=Status.FAILED if failed else Status.PENDING,
            claimed_until=None if failed else timezone.now() + retry_delay(message.attempts),
            last_error=f"{type(error).__name__}: {error}"[:1000],
        )
        log.warning("Outbox %s not delivered (attempt %s): %s", message.pk, message.attempts, error)
        return "failed" if failed else "retry"
    if not mine.update(status=Status.DELIVERED, delivered_at=timezone.now(), claimed_until=None, last_error=""):
        log.warning("Outbox %s: sent, but the claim was lost (lease too short for EMAIL_TIMEOUT?)", message.pk)
    return "delivered"


def due_messages():
    """Pending e-mails whose first queueing was lost (broker down) or whose retry time has come, and
    e-mails whose worker died mid-send (lease expired). Oldest first."""
    now = timezone.now()
    grace = now - timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS)
    return OutboxMessage.objects.filter(
        Q(status=Status.PENDING, claimed_until__isnull=True, created_at__lt=grace)
        | Q(status=Status.PENDING, claimed_until__lte=now)
        | Q(status=Status.SENDING, claimed_until__lt=now)
    ).order_by("created_at", "id")


def enqueue(outbox_ids: list[int]) -> int:
    """Hand e-mails to the broker over one connection. A broker failure is not an error: the rest
    stay pending for the sweeper. Returns how many were queued."""
    from glo_act.celery import app

    queued = 0
    try:
        if app.conf.task_always_eager:
            for outbox_id in outbox_ids:
                deliver_outbox_message.delay(outbox_id)
                queued += 1
            return queued
        with app.producer_or_acquire() as producer:
            for outbox_id in outbox_ids:
                deliver_outbox_message.apply_async((outbox_id,), producer=producer)
                queued += 1
    except Exception as error:  # noqa: BLE001 - broker down: the rows stay pending for the sweeper
        log.warning("Broker unavailable (%s); %s e-mail(s) left for the sweeper", error, len(outbox_ids) - queued)
    return queued


@shared_task(ignore_result=True)
def sweep_outbox() -> int:
    """Re-queue what is due (see due_messages); beat runs it every minute."""
    ids = list(due_messages().values_list("id", flat=True)[: settings.OUTBOX_SWEEP_BATCH])
    return enqueue(ids) if ids else 0


@shared_task(ignore_result=True)
def check_referral_deadlines() -> dict:
    """Remind receivers whose deadline is near and expire referrals whose deadline has passed."""
    from . import services

    return {"reminded": services.referrals_remind_due(), "expired": services.referrals_expire_overdue()}
