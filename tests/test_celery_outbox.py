"""The outbox's rules, in-process against a real local SMTP server (aiosmtpd): retries with a
backoff held in the database, the limit, permanent refusals, the sweeper's choice, the e-mail's
content. The worker and broker tests are in test_celery_delivery.py."""

import datetime
import re
import subprocess

import pytest
from django.utils import timezone

from referrals.models import OutboxMessage
from referrals.tasks import _claim, deliver_outbox_message, due_messages, retry_delay
from tests.celery_support import ROOT, SmtpSink, free_port
from tests.test_celery_delivery import national_referral, outbox, send

Status = OutboxMessage.Status


@pytest.fixture
def smtp_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens there until a test starts a server
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    settings.OUTBOX_MAX_ATTEMPTS = 3
    return settings


@pytest.fixture
def sink(smtp_settings):
    servers = []

    def start(**kw):
        server = SmtpSink(port=smtp_settings.EMAIL_PORT, **kw).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def message(world):
    """One pending outbox row (in a non-transactional test nothing is queued at commit)."""
    send(world, national_referral(world))
    return outbox(world.case_ir.referrals.get()).first()


def reload(message):
    return OutboxMessage.objects.get(pk=message.pk)


def test_delivered_once_with_a_stable_message_id_and_no_personal_data(message, sink):
    smtp = sink()
    assert deliver_outbox_message(message.id) == "delivered"
    assert deliver_outbox_message(message.id) == "skipped"
    assert smtp.per_outbox() == {str(message.id): 1}
    delivered = reload(message)
    assert (delivered.status, delivered.attempts, delivered.claimed_until) == (Status.DELIVERED, 1, None)

    from referrals.emails import _domain, notification_email

    email = notification_email(message).message()
    assert email["Message-ID"] == f"<outbox-{message.id}@{_domain()}>"
    referral = message.notification.referral
    text = email.as_string()
    assert referral.reference in text and referral.case.reference in text
    for personal in ("Reza", "Ahmadi", "رضا", "احمدی", "ForcedBegging", "bazaar"):
        assert personal not in text


def test_transient_failure_waits_in_the_database_then_succeeds(message, sink, smtp_settings):
    before = timezone.now()
    assert deliver_outbox_message(message.id) == "retry"  # no server listening
    row = reload(message)
    assert (row.status, row.attempts) == (Status.PENDING, 1)
    assert row.last_error.startswith("ConnectionRefusedError")
    assert before + retry_delay(1) <= row.claimed_until <= timezone.now() + retry_delay(1)

    # Not due yet: neither the sweeper nor a duplicate task touches it.
    assert message.id not in due_messages().values_list("id", flat=True)
    assert deliver_outbox_message(message.id) == "skipped"
    assert reload(message).attempts == 1

    smtp = sink(data_reply="451 Try again later")
    OutboxMessage.objects.filter(pk=message.pk).update(claimed_until=timezone.now())
    assert message.id in due_messages().values_list("id", flat=True)
    assert deliver_outbox_message(message.id) == "retry"
    row = reload(message)
    assert (row.status, row.attempts) == (Status.PENDING, 2)
    assert "451" in row.last_error
    assert row.claimed_until - timezone.now() > retry_delay(1)  # the backoff grows

    smtp.data_reply = None
    OutboxMessage.objects.filter(pk=message.pk).update(claimed_until=timezone.now())
    assert deliver_outbox_message(message.id) == "delivered"
    row = reload(message)
    assert (row.status, row.attempts, row.last_error) == (Status.DELIVERED, 3, "")
    assert smtp.per_outbox() == {str(message.id): 1}


def test_gives_up_after_the_last_attempt(message, sink, smtp_settings):
    sink(data_reply="451 Try again later")
    for attempt in range(1, smtp_settings.OUTBOX_MAX_ATTEMPTS + 1):
        OutboxMessage.objects.filter(pk=message.pk).update(claimed_until=None)
        expected = "failed" if attempt == smtp_settings.OUTBOX_MAX_ATTEMPTS else "retry"
        assert deliver_outbox_message(message.id) == expected
    row = reload(message)
    assert (row.status, row.attempts, row.claimed_until) == (Status.FAILED, 3, None)
    assert "451" in row.last_error
    assert message.id not in due_messages().values_list("id", flat=True)
    assert deliver_outbox_message(message.id) == "skipped"


def test_an_address_refused_for_good_fails_at_once(message, sink):
    sink(rcpt_reply="550 No such user here")
    assert deliver_outbox_message(message.id) == "failed"
    row = reload(message)
    assert (row.status, row.attempts) == (Status.FAILED, 1)
    assert "550" in row.last_error


def test_sweeper_picks_lost_queueing_retries_due_and_expired_leases_only(message, smtp_settings):
    now = timezone.now()
    minute = datetime.timedelta(minutes=1)
    rows = OutboxMessage.objects.filter(pk=message.pk)

    def due():
        return message.id in due_messages().values_list("id", flat=True)

    rows.update(status=Status.PENDING, claimed_until=None, created_at=now)
    assert not due()  # fresh: the task queued at commit will take it
    rows.update(created_at=now - minute)
    assert due()  # its queueing was lost (broker down at commit)
    rows.update(claimed_until=now + minute)
    assert not due()  # waiting for its retry time
    rows.update(status=Status.SENDING, claimed_until=now + minute)
    assert not due()  # a live worker holds it
    rows.update(claimed_until=now - minute)
    assert due()  # its worker died
    rows.update(status=Status.DELIVERED, claimed_until=None)
    assert not due()


def test_a_message_whose_workers_keep_dying_is_failed_not_retried_forever(message, smtp_settings):
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=Status.SENDING, attempts=smtp_settings.OUTBOX_MAX_ATTEMPTS, claimed_until=timezone.now()
    )
    assert _claim(message.id) is None
    row = reload(message)
    assert row.status == Status.FAILED and "worker lost" in row.last_error


def test_nothing_is_scheduled_with_a_broker_countdown_or_eta():
    """Deadlines and retries live in the database; beat only triggers the checks."""
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    pattern = re.compile(r"\b(countdown|eta)\s*=|\.retry\(|apply_async\([^)]*(countdown|eta)")
    offenders = [
        f"{path}:{number}"
        for path in files
        if not path.startswith("tests/")
        for number, line in enumerate((ROOT / path).read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []
