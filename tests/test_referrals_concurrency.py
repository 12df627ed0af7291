"""Two people answer the same referral at the same moment, on two real database connections: exactly
one wins, the other gets InvalidTransition (409), and the timeline shows one answer."""

import threading
import time

import pytest
from django.db import connection

from cases.models import Case
from cases.selectors import case_visible_to
from referrals import services as s
from referrals.models import Notification, Referral
from tests.conftest import fresh
from tests.test_referrals_support import cross, national, referral_world, walk

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def w(transactional_db, world):
    return referral_world(world)


@pytest.fixture
def slow_grant(monkeypatch):
    """Hold the winner inside its transaction a moment, so the loser is surely waiting on the row lock
    (without the lock both would read `sent` and both would succeed)."""
    real_grant, real_notify = s._grant, s.n.notify

    def grant(*args, **kwargs):
        time.sleep(0.3)
        return real_grant(*args, **kwargs)

    def notify(*args, **kwargs):
        time.sleep(0.3)
        return real_notify(*args, **kwargs)

    monkeypatch.setattr(s, "_grant", grant)
    monkeypatch.setattr(s.n, "notify", notify)


def race(*calls):
    """Run the calls in threads started together; each thread has and closes its own connection."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test looks at
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return results


def outcome(results):
    won = [r for r in results if isinstance(r, Referral)]
    lost = [r for r in results if isinstance(r, s.InvalidTransition)]
    assert len(won) == 1 and len(lost) == 1, results
    return won[0], lost[0]


def fetch(pk):
    return Referral.objects.get(pk=pk)


def test_two_people_accept_the_same_referral_at_once_and_one_wins(w, slow_grant):
    pk = walk(w, national(w), "sent").pk
    results = race(lambda: s.referral_accept(user=w.sp_shelter, referral=fetch(pk)),
                   lambda: s.referral_accept(user=w.sup_shelter, referral=fetch(pk)))  # fmt: skip
    winner, loser = outcome(results)
    assert "it is accepted" in str(loser)
    referral = fetch(pk)
    assert referral.state == "accepted"
    assert referral.events.filter(action="accepted").count() == 1
    assert referral.events.get(action="accepted").actor_id in (w.sp_shelter.pk, w.sup_shelter.pk)
    assert Notification.objects.filter(referral=referral, kind="referral_accepted").count() == len({w.cw.pk, w.sup.pk})


def test_one_accepts_while_another_declines_and_one_wins(w, slow_grant):
    pk = walk(w, national(w), "sent").pk
    results = race(lambda: s.referral_accept(user=w.sp_shelter, referral=fetch(pk)),
                   lambda: s.referral_decline(user=w.sup_shelter, referral=fetch(pk), reason="NoCapacity"))  # fmt: skip
    winner, loser = outcome(results)
    referral = fetch(pk)
    assert referral.state == winner.state and referral.state in ("accepted", "declined")
    assert referral.events.filter(action__in=["accepted", "declined"]).count() == 1
    answers = Notification.objects.filter(referral=referral, kind__in=["referral_accepted", "referral_declined"])
    assert set(answers.values_list("kind", flat=True)) == {f"referral_{referral.state}"}
    assert (referral.case in case_visible_to(fresh(w.sp_shelter))) == (referral.state == "accepted")


def test_two_people_accept_a_cross_border_referral_at_once_and_one_case_opens(w, slow_grant):
    pk = walk(w, cross(w), "sent").pk
    before = Case.objects.count()
    results = race(lambda: s.referral_accept(user=w.sp_af, referral=fetch(pk)),
                   lambda: s.referral_accept(user=w.cw_af, referral=fetch(pk)))  # fmt: skip
    outcome(results)
    assert Case.objects.count() == before + 1
    assert fetch(pk).linked_case is not None


def test_the_sender_withdraws_while_the_receiver_accepts_and_the_moves_never_interleave(w, slow_grant):
    """Withdrawing an accepted referral is legal: both may succeed, one after the other; or the
    withdrawal comes first and the acceptance is refused. Never two moves from the same state."""
    pk = walk(w, national(w), "sent").pk
    results = race(lambda: s.referral_accept(user=w.sp_shelter, referral=fetch(pk)),
                   lambda: s.referral_withdraw(user=w.cw, referral=fetch(pk), reason="Found a place."))  # fmt: skip
    accepted, withdrawn = results
    referral = fetch(pk)
    assert referral.state == "withdrawn" and isinstance(withdrawn, Referral)
    moves = list(referral.events.values_list("from_state", "to_state"))
    if isinstance(accepted, s.InvalidTransition):
        assert moves[-1] == ("sent", "withdrawn")
    else:
        assert moves[-2:] == [("sent", "accepted"), ("accepted", "withdrawn")]
        assert referral.case not in case_visible_to(fresh(w.sp_shelter))
    for (_, previous_to), (from_state, _) in zip(moves, moves[1:], strict=False):
        assert from_state == previous_to, moves
