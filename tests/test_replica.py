"""Dashboards and de-identified exports read a PostgreSQL streaming replica (issue 7, glo_act/db_router.py).

Always run: the router keeps writes, migrations and implicit reads on the primary; `read_replica()`
answers "default" without a replica, for an unreachable one (logged once, never an error) and for a
test mirror; DATABASE_REPLICA_URL configures the alias and the router.

Run when the machine allows it (skipped with the reason otherwise): a real streaming replica of the
test database's cluster, made by `pg_basebackup -R` into a temporary directory and started with
`pg_ctl` on a free port (as the postgres OS user when the tests run as root). Rows written on the
primary arrive on it; the dashboard page, its figures and the CTDC and GLOTIP exports are then read
there (counted per connection) with the primary's figures exactly; a replica further behind than
DATABASE_REPLICA_MAX_LAG_SECONDS is not used; a stopped replica falls back to the primary without an
error, logged once. The replica is stopped and removed at the end whatever happens.

It needs: PostgreSQL's pg_basebackup, pg_ctl and postgres of the server's major version; wal_level
replica and a free WAL sender; a role with REPLICATION; pg_hba.conf letting that role open a
replication connection (e.g. `host replication all 127.0.0.1/32 trust`; the test never edits system
files); a cluster small enough to copy in a few seconds (MAX_CLUSTER_BYTES) and the disk for it.
"""

import contextlib
import copy
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connections
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from glo_act import db_router
from glo_act.db_router import PrimaryReplicaRouter, forget_replica_health, read_replica
from stats import exports, selectors
from stats.exports import export_file
from stats.models import ExportRecord
from stats.selectors import Dashboard

from .test_stats_dashboards import stats_world  # noqa: F401 - the dashboard tests' data (a fixture)

ROOT = Path(__file__).resolve().parents[1]
MAX_CLUSTER_BYTES = 3 * 1024**3  # a bigger cluster takes longer to copy than this test may take
HOT_STANDBY_MINIMUMS = [  # a hot standby refuses to start with less of these than its primary
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
]


@pytest.fixture(autouse=True)
def _fresh_health():
    forget_replica_health()
    yield
    forget_replica_health()


@contextlib.contextmanager
def extra_alias(alias: str, **changes):
    """A connection alias next to "default" for this block: the test database's settings with
    `changes` (HOST, PORT...). Removed, and its connection closed, on the way out."""
    if alias in connections.settings:
        pytest.skip(f"the {alias!r} alias is configured for this run (DATABASE_REPLICA_URL): left alone")
    config = copy.deepcopy(connections["default"].settings_dict)
    config.update(CONN_MAX_AGE=0, CONN_HEALTH_CHECKS=False, TEST={**config["TEST"], "MIRROR": None})
    config.update(changes)
    connections.settings[alias] = config
    try:
        yield alias
    finally:
        with contextlib.suppress(AttributeError):
            connections[alias].close()
            del connections[alias]
        del connections.settings[alias]
        forget_replica_health()


@contextlib.contextmanager
def replica_alias(**changes):
    """The "replica" alias for a whole test class, whose tests list it in `databases` (Django
    refuses queries to any other alias). It is a test mirror of "default" only so that Django
    neither flushes it nor opens a transaction on it (a standby is read-only); read_replica()'s
    rule for the test runner's mirrors (the primary's connection instead) is off meanwhile."""
    with pytest.MonkeyPatch.context() as patch, extra_alias("replica", TEST={"MIRROR": "default"}, **changes):
        patch.setattr(db_router, "_is_test_mirror", lambda alias: False)
        yield


@contextlib.contextmanager
def on_the_primary():
    """Dashboards and exports as without a replica, for the reference figures."""
    with mock.patch.object(selectors, "read_replica", return_value="default"), \
            mock.patch.object(exports, "read_replica", return_value="default"):  # fmt: skip
        yield


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------------------------------------
# Without a replica
# ------------------------------------------------------------------------------------------------


def test_the_router_keeps_writes_migrations_and_implicit_reads_on_the_primary():
    from cases.models import Case

    router = PrimaryReplicaRouter()
    on_replica, on_primary, unsaved = Case(), Case(), Case()
    on_replica._state.db, on_primary._state.db = "replica", "default"
    assert router.db_for_read(Case) == "default"
    assert router.db_for_read(Case, instance=on_primary) == "default"
    assert router.db_for_read(Case, instance=unsaved) == "default"
    # a row read from the replica on purpose brings its related rows from there too
    assert router.db_for_read(Case, instance=on_replica) == "replica"
    assert router.db_for_write(Case) == "default"
    assert router.db_for_write(Case, instance=on_replica) == "default"  # a standby is read-only
    assert router.allow_relation(on_replica, on_primary)
    assert router.allow_migrate("default", "cases")
    assert not router.allow_migrate("replica", "cases")


@pytest.mark.django_db
def test_without_a_replica_heavy_reads_use_the_primary(world):
    assert read_replica() == "default"
    assert Dashboard(world.pm_region, {}).db == "default"


# transaction=True: a TestCase would open a transaction on every alias of `databases`, mirrors too.
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
class TestAnUnreachableReplica:
    @pytest.fixture(scope="class", autouse=True)
    def _replica(self):
        with replica_alias(HOST="127.0.0.1", PORT=str(free_port()), OPTIONS={"connect_timeout": 2}):
            yield

    def test_it_falls_back_to_the_primary_and_is_logged_once(self, world, caplog, monkeypatch):
        monkeypatch.setattr(db_router, "HEALTH_TTL_SECONDS", 0)  # check at every call
        caplog.set_level("WARNING", logger="glo_act.db_router")
        assert [read_replica() for _i in range(3)] == ["default"] * 3
        board = Dashboard(world.pm_region, {})
        assert board.db == "default"
        assert board.figure("identifications-by-month").measures["total"] is not None
        warnings = [r.getMessage() for r in caplog.records if r.name == "glo_act.db_router"]
        assert len(warnings) == 1, warnings
        assert "unreachable" in warnings[0]

    def test_the_answer_is_kept_a_few_seconds(self, monkeypatch):
        checks = []
        real_check = db_router._check
        monkeypatch.setattr(db_router, "_check", lambda *a, **k: checks.append(1) or real_check(*a, **k))
        assert {read_replica() for _i in range(50)} == {"default"}
        assert len(checks) == 1


@pytest.mark.django_db
def test_a_test_mirror_is_read_through_the_primary_connection():
    # Django's test runner points a mirror at the test database through a second connection, which
    # would not see a TestCase's uncommitted rows: never even connected (the host does not exist).
    with extra_alias("replica", HOST="replica.invalid", TEST={"MIRROR": "default"}):
        assert read_replica() == "default"


def test_database_replica_url_adds_the_alias_and_the_router():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        GLO_ACT_TESTING="1",
        DATABASE_URL=env.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/glo_act",
        DATABASE_REPLICA_URL="postgres://reader:secret@replica.example.org:5433/glo_act",
        DATABASE_REPLICA_MAX_LAG_SECONDS="120",
    )
    code = (
        "import json, glo_act.settings as s; r = s.DATABASES['replica'];"
        "print(json.dumps([r['HOST'], r['PORT'], r['USER'], r['NAME'], r['OPTIONS'], r['TEST'],"
        " r['CONN_HEALTH_CHECKS'], s.DATABASE_ROUTERS, s.DATABASE_REPLICA_MAX_LAG_SECONDS]))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    host, port, user, name, options, test, health_checks, routers, max_lag = json.loads(result.stdout)
    assert (host, port, user, name) == ("replica.example.org", 5433, "reader", "glo_act")
    assert options["connect_timeout"] == 3 and test == {"MIRROR": "default"} and health_checks
    assert routers == ["glo_act.db_router.PrimaryReplicaRouter"] and max_lag == 120


# ------------------------------------------------------------------------------------------------
# A real streaming replica
# ------------------------------------------------------------------------------------------------


class Standby:
    """A hot standby of the test database's cluster, in a temporary directory, on a free port."""

    def __init__(self, primary: dict, facts: dict, bindir: Path, run_as: list[str], owner):
        self.primary, self.facts, self.bindir, self.run_as, self.owner = primary, facts, bindir, run_as, owner
        self.root = Path(tempfile.mkdtemp(prefix="glo_act_replica_"))
        self.data = self.root / "data"
        self.port = free_port()
        self.running = False
        self.timings: dict[str, float] = {}
        if owner is not None:
            os.chown(self.root, owner.pw_uid, owner.pw_gid)

    def _run(self, *args, check=True, timeout=120):
        env = {**os.environ, "PGCONNECT_TIMEOUT": "5"}
        if self.primary["PASSWORD"]:
            env["PGPASSWORD"] = str(self.primary["PASSWORD"])
        result = subprocess.run([*self.run_as, *map(str, args)], cwd=self.root, env=env, capture_output=True,
                                text=True, timeout=timeout)  # fmt: skip
        if check and result.returncode != 0:
            raise RuntimeError(f"{Path(str(args[0])).name} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def _write(self, name: str, text: str):
        path = self.data / name
        path.write_text(text)
        if self.owner is not None:
            os.chown(path, self.owner.pw_uid, self.owner.pw_gid)
        path.chmod(0o600)

    def start(self):
        started = time.monotonic()
        where = ["-p", str(self.primary["PORT"] or 5432), "-U", self.primary["USER"] or "postgres"]
        if self.primary["HOST"]:
            where = ["-h", self.primary["HOST"], *where]
        backup = self._run(self.bindir / "pg_basebackup", *where, "-D", self.data, "-R", "-X", "stream",
                           "--checkpoint=fast", "--no-password", check=False)  # fmt: skip
        if backup.returncode != 0:
            error = backup.stderr.strip()
            if "pg_hba.conf" in error or "replication" in error.lower() or "wal sender" in error.lower():
                pytest.skip(
                    "the server refuses a replication connection (pg_hba.conf needs e.g. "
                    f"`host replication all 127.0.0.1/32 trust`; this test edits no system file): {error}"
                )
            raise RuntimeError(f"pg_basebackup failed:\n{error}")
        self.timings["base backup"] = time.monotonic() - started
        # Our own access rules and an empty configuration in the copy (a Debian cluster keeps its
        # configuration outside the data directory); everything else on the command line.
        self._write("pg_hba.conf", "local all all trust\nhost all all 127.0.0.1/32 trust\n")
        self._write("pg_ident.conf", "")
        if not (self.data / "postgresql.conf").exists():
            self._write("postgresql.conf", "")
        options = {
            "port": self.port,
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": self.root,
            "hba_file": self.data / "pg_hba.conf",
            "ident_file": self.data / "pg_ident.conf",
            "hot_standby": "on",
            "hot_standby_feedback": "on",
            "shared_buffers": "32MB",
            "ssl": "off",
            "logging_collector": "off",
            "archive_mode": "off",
            "cluster_name": "glo_act_test_replica",
            **{name: self.facts[name] for name in HOT_STANDBY_MINIMUMS},
        }
        opts = " ".join(f"-c {name}={value}" for name, value in options.items())
        begun = time.monotonic()
        self._run(self.bindir / "pg_ctl", "-D", self.data, "-l", self.root / "replica.log", "-w", "-t", "60",
                  "-o", opts, "start", timeout=90)  # fmt: skip
        self.running = True
        self.timings["start"] = time.monotonic() - begun
        self.timings["total"] = time.monotonic() - started

    def stop(self, mode="fast"):
        if self.running:
            self._run(self.bindir / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop", check=False, timeout=60)
            self.running = False

    def destroy(self):
        try:
            self.stop(mode="immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _query(alias: str, sql: str, params=None):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _primary_facts() -> dict:
    facts = {name: _query("default", f"SHOW {name}")[0] for name in ["wal_level", *HOT_STANDBY_MINIMUMS]}
    facts["version"] = int(_query("default", "SHOW server_version_num")[0]) // 10000
    facts["senders_busy"] = _query("default", "SELECT count(*) FROM pg_stat_replication")[0]
    facts["may_replicate"] = _query(
        "default", "SELECT rolsuper OR rolreplication FROM pg_roles WHERE rolname = current_user"
    )[0]
    facts["cluster_bytes"] = int(_query("default", "SELECT sum(pg_database_size(oid)) FROM pg_database")[0])
    return facts


def _binaries(version: int) -> Path | None:
    candidates = [Path(f"/usr/lib/postgresql/{version}/bin")]
    if shutil.which("pg_ctl"):
        candidates.append(Path(shutil.which("pg_ctl")).resolve().parent)
    for bindir in candidates:
        if all((bindir / name).exists() for name in ("pg_basebackup", "pg_ctl", "postgres")):
            out = subprocess.run([bindir / "postgres", "--version"], capture_output=True, text=True).stdout
            if f" {version}." in out or out.strip().endswith(f" {version}"):
                return bindir
    return None


@pytest.fixture(scope="module")
def standby(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        facts = _primary_facts()
    primary = connections["default"].settings_dict
    bindir = _binaries(facts["version"])
    if bindir is None:
        pytest.skip(f"no pg_basebackup, pg_ctl and postgres {facts['version']} (looked in /usr/lib/postgresql)")
    owner, run_as = None, []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run the replica")
        if not shutil.which("runuser"):
            pytest.skip("running as root without runuser to run the replica as postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    if facts["wal_level"] not in ("replica", "logical"):
        pytest.skip(f"the server's wal_level is {facts['wal_level']}: a streaming replica needs replica")
    if int(facts["max_wal_senders"]) <= facts["senders_busy"] + 1:
        pytest.skip(f"no free WAL sender (max_wal_senders = {facts['max_wal_senders']})")
    if not facts["may_replicate"]:
        pytest.skip(f"the database user {primary['USER']!r} has neither REPLICATION nor SUPERUSER")
    size = facts["cluster_bytes"]
    if size > MAX_CLUSTER_BYTES:
        pytest.skip(f"the cluster holds {size / 1024**3:.1f} GB: copying it takes longer than this test may")
    free = shutil.disk_usage(tempfile.gettempdir()).free
    if free < 2 * size + 512 * 1024**2:
        pytest.skip(
            f"{free / 1024**3:.1f} GB free in {tempfile.gettempdir()}, the cluster holds {size / 1024**3:.1f} GB"
        )
    replica = Standby(primary, facts, bindir, run_as, owner)
    try:
        replica.start()
        print(
            f"\nreplica of {size / 1024**2:.0f} MB: " + ", ".join(f"{k} {v:.2f} s" for k, v in replica.timings.items())
        )
        yield replica
    finally:
        replica.destroy()


def wait_for_replay(timeout=20.0) -> float:
    """Wait until the replica has replayed everything the primary wrote so far; seconds waited."""
    lsn = _query("default", "SELECT pg_current_wal_lsn()")[0]
    started = time.monotonic()
    while not _query("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])[0]:
        assert time.monotonic() - started < timeout, "the replica did not catch up"
        time.sleep(0.05)
    return time.monotonic() - started


def figures(board: Dashboard) -> dict:
    out = {}
    for slug, fig in board.all_figures().items():
        cells = [(tuple(c.keys.items()), c.display) for c in [*fig.cells, *fig.totals]]
        measures = {k: (v.display if hasattr(v, "display") else v) for k, v in fig.measures.items()}
        out[slug] = (cells, measures)
    return out


def export_bytes(user, kind: str) -> bytes:
    export = export_file(user, kind, "csv", {})
    with export.file as f:
        return f.read()


HEAVY_TABLES = ("stats_caserollup", "stats_rollupstate", "referrals_referral", "cases_servicedelivery")


def _tables_read(queries) -> set:
    return {table for q in queries for table in HEAVY_TABLES + ("cases_identification",) if table in q["sql"]}


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
class TestAStreamingReplica:
    """In this order: reads go to the replica; a lagging one is not used; a stopped one neither."""

    @pytest.fixture(scope="class", autouse=True)
    def _replica(self, standby):
        with replica_alias(HOST="127.0.0.1", PORT=str(standby.port), OPTIONS={"connect_timeout": 3}):
            yield

    def test_dashboards_and_exports_read_it_and_give_the_primary_figures(self, stats_world, client):  # noqa: F811
        w = stats_world  # written on the primary after the base backup: they reach the replica by streaming
        with on_the_primary():
            board = Dashboard(w.pm_region, {})
            primary = figures(board)
            primary_exports = {kind: export_bytes(w.pm_region, kind) for kind in ("ctdc", "glotip")}
        assert board.db == "default"
        assert primary["identifications-by-month"][1]["total"] not in ("0", "")
        cache.clear()  # the dashboards share computed tables through the cache: make the replica compute them

        waited = wait_for_replay()
        print(f"\nthe rows were on the replica {waited:.2f} s after the wait began")
        assert read_replica() == "replica"
        with (
            CaptureQueriesContext(connections["replica"]) as on_replica,
            CaptureQueriesContext(connections["default"]) as on_primary,
        ):
            board = Dashboard(w.pm_region, {})
            from_replica = figures(board)
            replica_exports = {kind: export_bytes(w.pm_region, kind) for kind in ("ctdc", "glotip")}
        assert board.db == "replica"
        assert from_replica == primary
        assert replica_exports == primary_exports
        # Every rollup, referral, service and identification read went to the replica, none to the primary.
        assert _tables_read(on_replica) == set(HEAVY_TABLES) | {"cases_identification"}
        assert _tables_read(on_primary) == set()
        # The export records were written on the primary (a standby accepts no writes).
        assert ExportRecord.objects.filter(user=w.pm_region, kind__in=["ctdc", "glotip"]).count() == 4

        # The page itself, end to end.
        cache.clear()
        client.force_login(w.pm_region)
        with CaptureQueriesContext(connections["replica"]) as page_on_replica:
            response = client.get(reverse("stats_dashboard"))
        assert response.status_code == 200
        assert {"stats_caserollup", "referrals_referral"} <= _tables_read(page_on_replica)

    def test_one_further_behind_than_the_limit_is_not_used(self, world):
        from stats.rollups import rollups_rebuild

        wait_for_replay()
        _query("replica", "SELECT pg_wal_replay_pause()")
        try:
            deadline = time.monotonic() + 10
            while _query("replica", "SELECT pg_get_wal_replay_pause_state()")[0] != "paused":
                assert time.monotonic() < deadline, "replay did not pause"
                time.sleep(0.05)
            rollups_rebuild()  # a write on the primary that the replica receives but does not replay
            lsn = _query("default", "SELECT pg_current_wal_lsn()")[0]
            while not _query("replica", "SELECT pg_last_wal_receive_lsn() >= %s::pg_lsn", [lsn])[0]:
                assert time.monotonic() < deadline, "the replica did not receive the write"
                time.sleep(0.05)
            while _query("replica", "SELECT now() - pg_last_xact_replay_timestamp() < interval '1.5 s'")[0]:
                assert time.monotonic() < deadline + 5, "the replica's lag did not grow"
                time.sleep(0.1)
            with override_settings(DATABASE_REPLICA_MAX_LAG_SECONDS=1):
                forget_replica_health()
                assert read_replica() == "default"
                assert Dashboard(world.pm_region, {}).db == "default"
            with override_settings(DATABASE_REPLICA_MAX_LAG_SECONDS=300):
                forget_replica_health()
                assert read_replica() == "replica"  # behind, but within the limit
        finally:
            _query("replica", "SELECT pg_wal_replay_resume()")
        # Caught up, it is current however old its last replayed transaction (other databases of the
        # cluster may be writing meanwhile: allow it a few checks).
        wait_for_replay()
        with override_settings(DATABASE_REPLICA_MAX_LAG_SECONDS=1):
            answers = []
            for _i in range(50):
                forget_replica_health()
                answers.append(read_replica())
                if answers[-1] == "replica":
                    break
                time.sleep(0.1)
            assert answers[-1] == "replica", answers

    def test_a_stopped_one_falls_back_to_the_primary_without_an_error(self, standby, world, caplog, monkeypatch):
        monkeypatch.setattr(db_router, "HEALTH_TTL_SECONDS", 0)  # check at every call
        caplog.set_level("WARNING", logger="glo_act.db_router")
        with on_the_primary():
            expected = figures(Dashboard(world.pm_region, {}))
        wait_for_replay()
        assert Dashboard(world.pm_region, {}).db == "replica"  # its connection is open when it stops
        standby.stop()
        boards = [Dashboard(world.pm_region, {}) for _i in range(3)]
        assert [b.db for b in boards] == ["default"] * 3
        assert all(figures(b) == expected for b in boards)
        assert export_bytes(world.pm_region, "glotip")
        warnings = [r.getMessage() for r in caplog.records if r.name == "glo_act.db_router"]
        assert len(warnings) == 1, warnings
        assert "unreachable" in warnings[0]
