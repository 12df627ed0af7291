"""Notification e-mail through a real Celery worker, a real Redis and a real SMTP server.

Each test runs its own redis-server on a spare port (never the machine's shared one), a local
aiosmtpd server that counts what it accepted, and `celery worker` subprocesses connected to the
test database. The test process publishes to the same Redis. Every wait is bounded.
"""

import datetime
import time

import pytest
import redis
from django.db import connection
from django.utils import timezone

from referrals.models import Notification, NotificationKind, OutboxMessage, Referral, State
from tests.celery_support import RedisServer, SmtpSink, Worker, database_url, publishing_to, wait_until
from tests.conftest import make_agency, make_user

pytestmark = pytest.mark.django_db(transaction=True)

Status = OutboxMessage.Status
WAIT = 20  # seconds: the longest any step may take


class Rig:
    """The infrastructure of one test; everything it started is stopped at teardown."""

    def __init__(self):
        self.redis = RedisServer()
        self.smtp = None
        self.workers = []
        self.db_url = database_url(connection.settings_dict)

    def start_smtp(self, **kw) -> SmtpSink:
        self.smtp = SmtpSink(**kw).start()
        return self.smtp

    def start_workers(self, n=1) -> list[Worker]:
        new = [
            Worker(broker_url=self.redis.url, database_url=self.db_url, smtp_port=self.smtp.port, name=f"w{i}")
            for i in range(len(self.workers), len(self.workers) + n)
        ]
        self.workers += new
        for worker in new:
            worker.launch()  # all at once: they become ready within a fraction of a second
        for worker in new:
            worker.wait_ready()
        return new

    def queue_drained(self) -> bool:
        """Nothing waiting in the queue and nothing reserved by a worker (kombu's unacked hash)."""
        client = redis.Redis.from_url(self.redis.url)
        try:
            return client.llen("celery") == 0 and client.hlen("unacked") == 0
        finally:
            client.close()

    def stop(self):
        for worker in self.workers:
            worker.stop()
        if self.smtp:
            self.smtp.stop()
        self.redis.stop()


@pytest.fixture
def rig(transactional_db):
    rig = Rig()
    try:
        with publishing_to(rig.redis.url):
            yield rig
    finally:
        rig.stop()


def national_referral(w):
    """A draft from IR-NGO's street-child case to an Iranian shelter whose two receivers have an
    e-mail address (a third has none: an inbox notice only). Consent for the referral recorded."""
    from cases.services import consent_record
    from glo_act.vocabularies import ConsentPurpose
    from referrals.services import referral_create

    shelter = make_agency("IR-SHELTER", "IR", "Shelter", services=["Shelter"])
    make_user("sp_shelter", shelter, "service_provider", email="sp@shelter.example")
    make_user("sup_shelter", shelter, "supervisor", email="sup@shelter.example")
    make_user("cw_shelter", shelter, "caseworker")
    consent_record(user=w.cw, case=w.case_ir, purpose=ConsentPurpose.NATIONAL_REFERRAL)
    return referral_create(
        user=w.cw, case=w.case_ir, services=["Shelter"], reason="AdditionalServicesRequired", to_agency=shelter
    )


def send(w, referral):
    from referrals.services import referral_send

    return referral_send(user=w.cw, referral=referral)


def outbox(referral, kind=NotificationKind.RECEIVED):
    return OutboxMessage.objects.filter(notification__referral=referral, notification__kind=kind).order_by("id")


def all_delivered(referral, n, kind=NotificationKind.RECEIVED) -> bool:
    return outbox(referral, kind).filter(status=Status.DELIVERED).count() == n


def assert_once_each(smtp: SmtpSink, messages) -> None:
    """Every outbox message arrived exactly once, and nothing else arrived."""
    time.sleep(0.5)  # a late duplicate would show up here
    assert smtp.per_outbox() == {str(m.id): 1 for m in messages}


def test_referral_send_delivers_each_email_once(rig, world):
    rig.redis.start()
    smtp = rig.start_smtp()
    rig.start_workers()
    referral = national_referral(world)

    send(world, referral)

    assert Notification.objects.filter(referral=referral, kind=NotificationKind.RECEIVED).count() == 3
    messages = list(outbox(referral))
    assert sorted(m.to_address for m in messages) == ["sp@shelter.example", "sup@shelter.example"]
    smtp.wait_for(2, WAIT)
    wait_until(lambda: all_delivered(referral, 2), WAIT, message="outbox rows marked delivered")
    assert_once_each(smtp, messages)
    assert sorted(rcpt for _id, rcpts, _at in smtp.messages for rcpt in rcpts) == [m.to_address for m in messages]
    for message in outbox(referral):
        assert (message.attempts, message.claimed_until, message.last_error) == (1, None, "")
        assert message.delivered_at is not None


def test_task_queued_several_times_still_delivers_once(rig, world):
    """Each e-mail is queued three times back to back, and two workers take the copies at once
    while the first is still talking to a slow SMTP server: the claim (row lock with SKIP LOCKED,
    then a lease) lets exactly one of them send it."""
    from referrals.tasks import deliver_outbox_message

    rig.redis.start()
    smtp = rig.start_smtp(delay=0.5)
    send(world, national_referral(world))
    referral = Referral.objects.get()
    messages = list(outbox(referral))
    client = redis.Redis.from_url(rig.redis.url)
    assert client.llen("celery") == 2  # queued at commit; no worker yet
    client.delete("celery")  # re-queue them as [m1, m1, m1, m2, m2, m2]
    client.close()
    for message in messages:
        for _ in range(3):
            deliver_outbox_message.delay(message.id)

    rig.start_workers(2)

    smtp.wait_for(2, WAIT)
    wait_until(lambda: all_delivered(referral, 2), WAIT, message="outbox rows marked delivered")
    wait_until(rig.queue_drained, WAIT, message="the six queued tasks to be consumed")
    assert_once_each(smtp, messages)
    assert set(outbox(referral).values_list("attempts", flat=True)) == {1}


def test_broker_down_at_commit_then_the_sweeper_delivers_once(rig, world):
    from referrals.tasks import sweep_outbox

    referral = national_referral(world)
    assert not rig.redis.ping()

    started = time.monotonic()
    send(world, referral)  # the commit's queueing fails: the service still succeeds
    assert time.monotonic() - started < 5

    referral.refresh_from_db()
    assert referral.state == State.SENT
    messages = list(outbox(referral))
    assert len(messages) == 2
    assert {(m.status, m.attempts) for m in messages} == {(Status.PENDING, 0)}

    rig.redis.start()
    smtp = rig.start_smtp()
    rig.start_workers()
    time.sleep(0.5)
    assert smtp.count == 0  # nothing was queued while the broker was down
    # The sweeper leaves fresh rows to the queueing at commit for OUTBOX_SWEEP_GRACE_SECONDS: let
    # that time pass, then run the sweep as beat would, through the worker.
    outbox(referral).update(created_at=timezone.now() - datetime.timedelta(minutes=1))
    sweep_outbox.delay()

    smtp.wait_for(2, WAIT)
    wait_until(lambda: all_delivered(referral, 2), WAIT, message="outbox rows marked delivered")
    assert_once_each(smtp, messages)


def test_worker_killed_mid_send_loses_nothing(rig, world):
    """The SMTP server holds the first message before answering; the worker, waiting for the
    answer, is killed. The message was not accepted, so it must be sent again, once."""
    from referrals.tasks import sweep_outbox

    rig.redis.start()
    smtp = rig.start_smtp(block_first=True)
    (worker,) = rig.start_workers()
    referral = national_referral(world)
    send(world, referral)
    messages = list(outbox(referral))

    wait_until(smtp.blocked.is_set, WAIT, message="the worker to be mid-send")
    worker.kill()
    smtp.release()
    held = outbox(referral).get(status=Status.SENDING)
    assert held.attempts == 1 and held.claimed_until > timezone.now()
    assert smtp.count == 0

    # Time passes: the dead worker's lease expires (and the other row is past the sweep grace).
    past = timezone.now() - datetime.timedelta(minutes=5)
    outbox(referral).update(claimed_until=None, created_at=past)
    OutboxMessage.objects.filter(pk=held.pk).update(claimed_until=past)
    rig.start_workers()
    sweep_outbox.delay()

    smtp.wait_for(2, WAIT)
    wait_until(lambda: all_delivered(referral, 2), WAIT, message="outbox rows marked delivered")
    assert_once_each(smtp, messages)
    assert OutboxMessage.objects.get(pk=held.pk).attempts == 2


def test_beat_deadline_check_through_the_worker_expires_and_alerts(rig, world):
    from partners.models import User
    from referrals.tasks import check_referral_deadlines

    rig.redis.start()
    smtp = rig.start_smtp()
    rig.start_workers()
    User.objects.filter(pk__in=[world.cw.pk, world.sup.pk]).update(email="staff@ir-ngo.example")
    referral = national_referral(world)
    send(world, referral)
    smtp.wait_for(2, WAIT)

    Referral.objects.filter(pk=referral.pk).update(response_deadline=timezone.now() - datetime.timedelta(minutes=1))
    check_referral_deadlines.delay()

    wait_until(lambda: Referral.objects.get(pk=referral.pk).state == State.EXPIRED, WAIT, message="the expiry")
    expired = Notification.objects.filter(referral=referral, kind=NotificationKind.EXPIRED)
    # Both supervisors (IR-NGO's sup, the shelter's sup_shelter) and the sender (cw).
    assert set(expired.values_list("recipient__username", flat=True)) == {"sup", "sup_shelter", "cw"}
    smtp.wait_for(5, WAIT)
    wait_until(lambda: all_delivered(referral, 3, NotificationKind.EXPIRED), WAIT, message="expiry e-mails delivered")
    assert_once_each(smtp, list(outbox(referral)) + list(outbox(referral, NotificationKind.EXPIRED)))
    assert referral.events.filter(action="expired").count() == 1
