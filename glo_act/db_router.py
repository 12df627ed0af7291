"""Reading from a PostgreSQL streaming replica (issue 7), for the heavy read-only work only.

With DATABASE_REPLICA_URL set, settings.py adds the "replica" alias and `PrimaryReplicaRouter`.
The router sends nothing to the replica by itself: every write and every ordinary read (case pages,
lists, permission checks) stays on the primary, so a caseworker always reads what they just wrote.
Code that may read slightly older data asks `read_replica()` for an alias and uses it explicitly
(`.using(alias)`, `connections[alias].cursor()`): the dashboards (stats/selectors.py) and the
de-identified exports (stats/exports.py).

`read_replica()` answers "replica" only while the replica answers and is at most
DATABASE_REPLICA_MAX_LAG_SECONDS (300) behind, otherwise "default". The lag is
`now() - pg_last_xact_replay_timestamp()`, the age of the last transaction it replayed, which bounds
how old its data is; a replica that has replayed everything it received from a live WAL receiver
(`pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()`) is current however long the primary has
been idle. The answer is kept HEALTH_TTL_SECONDS per process, so it costs one tiny query every few
seconds, not one per request. A replica that stops answering is logged once (and once more when it
is back); meanwhile everything reads the primary. A query already running on the replica when it
goes away still fails; the next requests, within HEALTH_TTL_SECONDS, read the primary.
"""

import contextlib
import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, Error, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
HEALTH_TTL_SECONDS = 5.0

# One row: is it a standby; has it replayed all it received, with a WAL receiver running (a standby
# cut off from the primary also has nothing left to replay, but it is falling behind); the age in
# seconds of the last replayed transaction (NULL before the first one since start-up).
_HEALTH_SQL = """
    SELECT pg_is_in_recovery(),
           coalesce(pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(), false)
               AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver),
           extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8
"""


class PrimaryReplicaRouter:
    """Writes, migrations and implicit reads go to the primary; the replica only when asked for."""

    def db_for_read(self, model, **hints):
        # A related object of a row read from the replica comes from the replica too (one source per
        # page); anything else reads the primary.
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            return instance._state.db
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS  # even for an object read from the replica: a standby is read-only

    def allow_relation(self, obj1, obj2, **hints):
        return {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA, None}

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS  # the replica gets the schema through replication


@dataclass(frozen=True)
class _Health:
    checked_at: float  # time.monotonic()
    usable: bool
    reason: str  # why not usable; "" when usable


_health: dict[str, _Health] = {}
_lock = threading.Lock()


def max_lag_seconds() -> float:
    return float(getattr(settings, "DATABASE_REPLICA_MAX_LAG_SECONDS", 300))


def read_replica(alias: str = REPLICA) -> str:
    """The alias for heavy read-only work: `alias` when configured, answering and fresh enough,
    else "default". Never raises."""
    if alias not in connections.settings:
        return DEFAULT_DB_ALIAS
    if _is_test_mirror(alias):
        return DEFAULT_DB_ALIAS
    health = _health.get(alias)
    stale = health is None or time.monotonic() - health.checked_at >= HEALTH_TTL_SECONDS
    # One thread checks; the others keep the last answer meanwhile (the primary if none yet).
    if stale and _lock.acquire(blocking=False):
        try:
            health = _check(alias, previous=health)
        finally:
            _lock.release()
    return alias if health is not None and health.usable else DEFAULT_DB_ALIAS


def _is_test_mirror(alias: str) -> bool:
    """In a test run, DATABASE_REPLICA_URL's alias is a mirror of the test database (settings.py):
    a second connection that cannot see a TestCase's uncommitted rows and that Django forbids in
    tests which did not ask for it. Such runs read the primary's own connection."""
    return bool(getattr(settings, "TESTING", False) and connections.settings[alias].get("TEST", {}).get("MIRROR"))


def forget_replica_health() -> None:
    """Drop the cached answers (tests, or after changing DATABASE_REPLICA_MAX_LAG_SECONDS)."""
    _health.clear()


def _check(alias: str, previous: _Health | None) -> _Health:
    limit = max_lag_seconds()
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute(_HEALTH_SQL)
            in_recovery, caught_up, lag = cursor.fetchone()
    except Error as e:  # OperationalError (refused, timed out, shut down), InterfaceError (closed)
        with contextlib.suppress(Error):
            connection.close()  # a broken connection is opened afresh at the next check
        reason = "unreachable: " + (str(e).strip().splitlines() or [type(e).__name__])[0]
        health = _Health(time.monotonic(), False, reason)
    else:
        if not in_recovery or caught_up:
            # Not a standby (pointed at a primary, or promoted): nothing to lag behind. A standby
            # that replayed all it received from a live WAL receiver is current.
            reason = ""
        elif lag is None:
            reason = "lag unknown: no transaction replayed since it started"
        elif lag > limit:
            reason = f"{lag:.0f} s behind the primary (DATABASE_REPLICA_MAX_LAG_SECONDS = {limit:g})"
        else:
            reason = ""
        health = _Health(time.monotonic(), not reason, reason)
    was_usable = previous is None or previous.usable
    if was_usable and not health.usable:
        logger.warning("Database %r not used, reading the primary instead: %s", alias, health.reason)
    elif previous is not None and not previous.usable and health.usable:
        logger.info("Database %r is used again for dashboards and exports.", alias)
    _health[alias] = health
    return health
