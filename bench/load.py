"""Load test: gunicorn and Celery against PostgreSQL and Redis on loopback, 50 users on the real journeys.

    .venv/bin/python bench/load.py --users 50 --minutes 3

In production mode (DEBUG off, real keys, manifest static files, sessions and lock-outs in
PostgreSQL, the cache and the broker in Redis) on plain HTTP on 127.0.0.1 (SECURE_SSL_REDIRECT and
SECURE_COOKIES off: there is no TLS proxy in front). The script

1. creates its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/glo_act_load;
   it refuses to touch an existing database it did not create) and, in a scratch directory, a
   private redis-server on a spare port (never the shared one on 6379) and a local SMTP server
   (aiosmtpd) that counts every e-mail by its outbox id;
2. migrates, collects the static files, runs `seed_demo --cases N --agencies A` and makes the load
   accounts: for each of --agencies Iranian and Afghan NGOs and shelters, caseworkers, a supervisor
   and a service provider, plus programme managers (regional and Iran-wide), each with its own
   authenticator (a TOTP device whose key only the config file knows);
3. starts gunicorn (glo_act.wsgi), a Celery worker and celery beat as separate processes and waits
   for /healthz;
4. runs locust headless (bench/locustfile.py): each virtual user signs in through the forms
   (password, then the code) and works as its role does;
5. waits for the e-mail queue to drain, then checks that every referral sent during the run has its
   notifications (one per person the application must tell) and that each of their e-mails was
   delivered exactly once;
6. writes bench/results/load-<date>.json and .md, prints the summary, stops every process it
   started and drops its database (--keep-db keeps it).

It exits non-zero when a request failed or a notification was lost.
"""

import argparse
import csv
import datetime
import http.client
import json
import os
import platform
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.celery_support import RedisServer, SmtpSink, free_port, wait_until  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/glo_act_load"
MARKER = "glo_act bench/load.py scratch database"
# Demo agencies the load accounts work in first (Iranian and Afghan NGOs and shelters), then
# synthetic NGOs and shelters of the same two countries from `seed_demo --agencies`.
PREFERRED_AGENCIES = ["IR-TCON", "AF-HSH", "IR-MCS"]
LOAD_COUNTRIES = ["IR", "AF"]


# ------------------------------------------------------------------------------------------ helpers


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def admin_connection(url: str):
    import psycopg2

    parts = urlsplit(url)
    conn = psycopg2.connect(
        dbname="postgres", user=parts.username, password=parts.password, host=parts.hostname, port=parts.port or 5432
    )
    conn.autocommit = True
    return conn


def create_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    conn = admin_connection(url)
    with conn.cursor() as cur:
        cur.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name])
        row = cur.fetchone()
        if row is not None and row[0] != MARKER:
            conn.close()
            sys.exit(f"Database {name!r} exists and was not made by bench/load.py: refusing to drop it.")
        if row is not None:
            cur.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
        cur.execute(f"COMMENT ON DATABASE \"{name}\" IS '{MARKER}'")
    conn.close()


def drop_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    conn = admin_connection(url)
    with conn.cursor() as cur:
        cur.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name])
        row = cur.fetchone()
        if row is not None and row[0] == MARKER:
            cur.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    conn.close()


class Process:
    """A child process in its own process group, its output in a log file; stopped by its group id."""

    def __init__(self, name: str, argv: list[str], env: dict, log_dir: Path):
        self.name = name
        self.log = log_dir / f"{name}.log"
        with open(self.log, "ab") as out:
            self.popen = subprocess.Popen(
                argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, timeout: float = 30) -> None:
        if self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)
        except ProcessLookupError:
            pass


def run(argv: list[str], env: dict, what: str) -> float:
    started = time.monotonic()
    result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"{what} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    elapsed = time.monotonic() - started
    say(f"{what}: {elapsed:.1f} s")
    return elapsed


def percentile(values, p):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, max(0, -(-p * len(ordered) // 100) - 1))]


def split_users(users: int, agencies: int) -> dict:
    """How many virtual users of each role: a fifth service providers (at most one per agency, so
    that no two of them answer the same referral), a tenth supervisors, a tenth managers, the rest
    caseworkers."""
    service_providers = min(agencies, max(1, round(users * 0.2)))
    supervisors = max(1, round(users * 0.1))
    managers = max(1, round(users * 0.1))
    caseworkers = users - service_providers - supervisors - managers
    if caseworkers < 1:
        sys.exit("--users must be at least 4 (a caseworker, a service provider, a supervisor and a manager).")
    return {"caseworker": caseworkers, "service_provider": service_providers, "supervisor": supervisors,
            "manager": managers}  # fmt: skip


# ------------------------------------------------------------------------------------------ data


def pick_agencies(k: int) -> list:
    from partners.models import Agency

    by_country = {c: [] for c in LOAD_COUNTRIES}
    for agency in Agency.objects.filter(short_name__in=PREFERRED_AGENCIES):
        by_country[agency.country_id].append(agency)
    synthetic = Agency.objects.filter(
        short_name__startswith="SYN-", country_id__in=LOAD_COUNTRIES, type__in=["NGO", "Shelter"], is_active=True
    ).order_by("short_name")
    for agency in synthetic:
        by_country[agency.country_id].append(agency)
    chosen = []
    while len(chosen) < k and any(by_country.values()):
        for country in LOAD_COUNTRIES:
            if by_country[country] and len(chosen) < k:
                chosen.append(by_country[country].pop(0))
    if len(chosen) < k:
        sys.exit(f"Only {len(chosen)} Iranian and Afghan NGOs and shelters: raise --synthetic-agencies.")
    return chosen


def make_accounts(counts: dict, agencies: list, password: str) -> dict:
    """The load accounts, each with its own authenticator; returns the config's account lists."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import TOTPDevice
    from cases.bulk import AFGHAN, PERSIAN
    from partners.models import Agency, Role, Scope, User
    from partners.services import membership_create

    password_hash = make_password(password)  # one hash for all: the sign-ins still check it each time
    pools = {"IR": PERSIAN, "AF": AFGHAN}
    accounts = defaultdict(list)

    def account(role_key, index, agency, role, scope=Scope.AGENCY, country="IR"):
        pool = pools.get(country, PERSIAN)
        first = pool["female" if index % 2 else "male"][index % 10][1]
        last = pool["family"][index % len(pool["family"])][1]
        username = f"load.{role_key}.{index + 1:03d}"
        user = User.objects.create(
            username=username, first_name=first, last_name=last, email=f"{username}@load.example.org",
            password=password_hash, language="",  # automatic: the language of the agency's country
        )  # fmt: skip
        membership_create(user=user, agency=agency, role=role, scope=scope)
        key = secrets.token_hex(20)
        TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True, key=key)
        accounts[role_key].append({"username": username, "totp_key": key, "agency_id": agency.id})

    k = len(agencies)
    for i in range(counts["caseworker"]):
        agency = agencies[i % k]
        account("caseworker", i, agency, Role.CASEWORKER, country=agency.country_id)
    for i in range(counts["service_provider"]):
        agency = agencies[i % k]
        account("service_provider", i, agency, Role.SERVICE_PROVIDER, country=agency.country_id)
    for i in range(counts["supervisor"]):
        agency = agencies[i % k]
        account("supervisor", i, agency, Role.SUPERVISOR, country=agency.country_id)
    regional, national = Agency.objects.get(short_name="UNODC-RO"), Agency.objects.get(short_name="UNODC-IR")
    for i in range(counts["manager"]):
        if i % 2 == 0:
            account("manager", i, regional, Role.PROGRAMME_MANAGER, Scope.REGION)
        else:
            account("manager", i, national, Role.PROGRAMME_MANAGER, Scope.COUNTRY)
    return dict(accounts)


def load_config(counts, agencies, accounts, password, wait, journeys_out) -> dict:
    from cases.bulk import AFGHAN, PERSIAN
    from partners.models import Province

    return {
        "password": password,
        "counts": counts,
        "accounts": accounts,
        "agencies": [
            {"id": a.id, "short_name": a.short_name, "country": a.country_id, "services": list(a.services)}
            for a in agencies
        ],  # fmt: skip
        "names": {
            country: {key: [list(pair) for pair in pool[key]] for key in ("male", "female", "family")}
            for country, pool in (("IR", PERSIAN), ("AF", AFGHAN))
        },  # fmt: skip
        "provinces": {
            c: list(Province.objects.filter(country_id=c).values_list("id", flat=True)) for c in LOAD_COUNTRIES
        },
        "wait": wait,
        "journeys_out": str(journeys_out),
    }


# ------------------------------------------------------------------------------------------ checks


def outbox_open(since) -> int:
    from referrals.models import OutboxMessage

    S = OutboxMessage.Status
    return OutboxMessage.objects.filter(created_at__gte=since, status__in=[S.PENDING, S.SENDING]).count()


def check_notifications(since, smtp: SmtpSink) -> dict:
    """Every referral sent or accepted during the run: its notices to exactly the people the
    application must tell (as referrals.notifications computes them: the receiving agency's staff
    for a national referral sent, the sending side for one accepted), no other notice written during
    the run, and each e-mail of those notices delivered exactly once."""
    from partners.models import User
    from referrals import notifications as n
    from referrals.models import Notification, NotificationKind, OutboxMessage, Referral, ReferralEvent, State

    created = Referral.objects.filter(created_at__gte=since)
    states = Counter(created.values_list("state", flat=True))
    active = set(User.objects.filter(is_active=True).values_list("id", flat=True))
    emails = dict(User.objects.exclude(email="").values_list("id", "email"))
    expected = set()
    events = ReferralEvent.objects.filter(created_at__gte=since).select_related(
        "referral__case", "referral__from_agency"
    )
    actions = Counter()
    for event in events:
        r = event.referral
        actions[event.action] += 1
        if event.action == "sent" and r.is_cross_border:
            kind, people = NotificationKind.AWAITING_FOCAL_POINT, n.focal_points(r.from_agency.country_id)
        elif event.action == "sent":
            kind, people = NotificationKind.RECEIVED, n.receiving_staff(r)
        elif event.action == "accepted":
            kind, people = NotificationKind.ACCEPTED, n.sending_staff(r)
        else:
            continue
        expected |= {(r.id, kind, uid) for uid in people & active}
    rows = list(
        Notification.objects.filter(created_at__gte=since).values_list("id", "referral_id", "kind", "recipient_id")
    )
    actual = {(ref, kind, uid) for _id, ref, kind, uid in rows}
    notification_ids = {(ref, kind, uid): nid for nid, ref, kind, uid in rows}
    outbox = {
        m["notification_id"]: m
        for m in OutboxMessage.objects.filter(notification_id__in=[r[0] for r in rows]).values(
            "id", "notification_id", "status", "attempts"
        )
    }
    per_outbox = smtp.per_outbox()
    expected_emails = [key for key in expected if key[2] in emails]
    delivered_once, missing_emails, not_delivered = 0, 0, 0
    for key in expected_emails:
        message = outbox.get(notification_ids.get(key))
        if message is None:
            missing_emails += 1
        elif message["status"] != OutboxMessage.Status.DELIVERED or per_outbox.get(str(message["id"]), 0) == 0:
            not_delivered += 1
        elif per_outbox.get(str(message["id"])) == 1:
            delivered_once += 1
    run_outbox_ids = {str(m["id"]) for m in outbox.values()}
    duplicates = sum(c - 1 for oid, c in per_outbox.items() if oid in run_outbox_ids and c > 1)
    return {
        "referrals": sum(states.values()),
        "referral_states": dict(states),
        "referral_actions": dict(actions),
        "drafts_left": states.get(State.DRAFT, 0),
        "notifications_expected": len(expected),
        "notifications_written": len(actual & expected),
        "notifications_missing": len(expected - actual),
        "notifications_unexpected": len(actual - expected),
        "emails_expected": len(expected_emails),
        "emails_delivered_once": delivered_once,
        "emails_missing_outbox_row": missing_emails,
        "emails_not_delivered": not_delivered,
        "emails_duplicated": duplicates,
        "emails_retried": sum(1 for m in outbox.values() if m["attempts"] > 1),
        "lost": len(expected - actual) + missing_emails + not_delivered + states.get(State.DRAFT, 0),
    }


# ------------------------------------------------------------------------------------------ results


def request_stats(records: list[list], seconds: float) -> list[dict]:
    """Per request name and for all requests: count, failures, rate and exact percentiles."""
    by_name = defaultdict(list)
    for name, ms, ok, _at, _error in records:
        by_name[name].append((ms, ok))

    def row(name, items):
        times = [ms for ms, _ok in items]
        return {
            "name": name,
            "requests": len(items),
            "failures": sum(not ok for _ms, ok in items),
            "rps": round(len(items) / seconds, 2),
            "median_ms": round(statistics.median(times)),
            "p95_ms": round(percentile(times, 95)),
            "p99_ms": round(percentile(times, 99)),
            "max_ms": round(max(times)),
        }

    rows = [row(name, items) for name, items in sorted(by_name.items())]
    if records:
        rows.append(row("Aggregated", [(ms, ok) for _n, ms, ok, _at, _e in records]))
    return rows


def failures_of(records: list[list], locust_prefix: Path) -> list[dict]:
    """Failed requests by name and error, and exceptions raised inside the virtual users' code."""
    counts = Counter((name, error) for name, _ms, ok, _at, error in records if not ok)
    out = [{"request": name, "error": error, "count": c} for (name, error), c in counts.most_common()]
    path = Path(f"{locust_prefix}_exceptions.csv")
    if path.exists():
        with open(path, newline="", encoding="utf-8") as f:
            out += [
                {"request": "(exception)", "error": r["Message"], "count": int(r["Count"])} for r in csv.DictReader(f)
            ]
    return out


def journey_stats(records: list[dict], seconds: float) -> list[dict]:
    by_name = defaultdict(list)
    for record in records:
        by_name[(record["role"], record["journey"])].append(record)
    out = []
    for (role, name), items in sorted(by_name.items()):
        times = [r["ms"] for r in items]
        out.append(
            {
                "journey": name,
                "role": role,
                "count": len(items),
                "failed": sum(not r["ok"] for r in items),
                "per_minute": round(len(items) / seconds * 60, 1),
                "median_ms": round(statistics.median(times)),
                "p95_ms": round(percentile(times, 95)),
                "p99_ms": round(percentile(times, 99)),
            }
        )
    return out


def search_hits(records: list[dict]) -> dict:
    """Share of name searches that found at least one case (the names come from the seeded pools)."""
    out = {}
    for record in records:
        if record["journey"].startswith("search") and "hits" in record:
            found, total = out.get(record["journey"], (0, 0))
            out[record["journey"]] = (found + (record["hits"] > 0), total + 1)
    return {name: f"{found} of {total}" for name, (found, total) in out.items()}


def server_errors(gunicorn: Process, worker: Process) -> dict:
    access = gunicorn.log.with_name("gunicorn-access.log")
    statuses = Counter()
    if access.exists():
        for line in access.read_text(errors="replace").splitlines():
            parts = line.split('" ')
            if len(parts) >= 2 and parts[1][:3].isdigit():
                statuses[parts[1][:3]] += 1
    web_log, worker_log = gunicorn.output(), worker.output()
    return {
        "status_codes": dict(sorted(statuses.items())),
        "http_5xx": sum(c for s, c in statuses.items() if s.startswith("5")),
        "web_tracebacks": web_log.count("Traceback"),
        "worker_errors": worker_log.count("ERROR") + worker_log.count("Traceback"),
    }


def markdown(result: dict) -> str:
    m, run, checks = result["machine"], result["run"], result["notifications"]
    overall = next((s for s in result["requests"] if s["name"] == "Aggregated"), {})
    lines = [
        f"# Load run {result['date']}",
        "",
        f"{run['users']} users ({', '.join(f'{v} {k}' for k, v in run['roles'].items())}) for "
        f"{run['seconds']:.0f} s, first request to last answer (spawn {run['spawn_rate']}/s, "
        f"{run['wait'][0]}-{run['wait'][1]} s between tasks); "
        f"gunicorn {run['gunicorn_workers']} workers x {run['gunicorn_threads']} threads "
        f"(max-requests {run['gunicorn_max_requests'] or 'off'}), Celery worker "
        f"concurrency {run['celery_concurrency']}{' + beat' if run['beat'] else ''}; "
        f"{result['data']['cases']:,} cases in {result['data']['agencies']} agencies, {result['data']['users']} users.",
        f"Machine: {m['cpus']} CPUs, {m['postgresql']}, Redis {m['redis']}, Python {m['python']}; "
        f"load average before the run {m['load_before']}.",
        "",
        f"**Throughput {overall.get('rps', 0)} requests/s** ({overall.get('requests', 0):,} requests, "
        f"{result['journeys_per_s']} journeys/s); overall median {overall.get('median_ms')} ms, "
        f"p95 {overall.get('p95_ms')} ms, p99 {overall.get('p99_ms')} ms; "
        f"**{result['errors']} errors**; **{checks['lost']} notifications lost**.",
        "",
        "## Journeys (each: every request of it, pauses excluded)",
        "",
        "| role | journey | count | failed | per min | median ms | p95 ms | p99 ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for j in result["journeys"]:
        lines.append(
            f"| {j['role']} | {j['journey']} | {j['count']} | {j['failed']} | {j['per_minute']} | "
            f"{j['median_ms']} | {j['p95_ms']} | {j['p99_ms']} |"
        )
    if result["searches_with_results"]:
        hits = "; ".join(f"{k}: {v}" for k, v in result["searches_with_results"].items())
        lines += ["", f"Name searches that found at least one case: {hits}."]
    lines += [
        "",
        "## Requests",
        "",
        "| request | count | failures | req/s | median ms | p95 ms | p99 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in result["requests"]:
        name = "**all requests**" if s["name"] == "Aggregated" else s["name"].replace("|", "\\|")
        lines.append(
            f"| {name} | {s['requests']} | {s['failures']} | {s['rps']} | {s['median_ms']} | {s['p95_ms']} | "
            f"{s['p99_ms']} | {s['max_ms']} |"
        )
    lines += [
        "",
        "## Notifications",
        "",
        "| referrals made in the run (state now) | sent / accepted in the run | "
        "notices expected / written / missing / unexpected | "
        "e-mails expected / delivered once / lost / duplicated / retried | drained after the run |",
        "| --- | --- | --- | --- | --- |",
        f"| {checks['referrals']} ({', '.join(f'{k} {v}' for k, v in checks['referral_states'].items())}) | "
        f"{checks['referral_actions'].get('sent', 0)} / {checks['referral_actions'].get('accepted', 0)} | "
        f"{checks['notifications_expected']} / {checks['notifications_written']} / {checks['notifications_missing']} "
        f"/ {checks['notifications_unexpected']} | {checks['emails_expected']} / {checks['emails_delivered_once']} / "
        f"{checks['emails_missing_outbox_row'] + checks['emails_not_delivered']} / {checks['emails_duplicated']} / "
        f"{checks['emails_retried']} | {result['drain_seconds']} s |",
        "",
        f"Server side: HTTP status codes {result['server']['status_codes']}, "
        f"{result['server']['web_tracebacks']} tracebacks in gunicorn's log, "
        f"{result['server']['worker_errors']} errors in the worker's log.",
    ]
    if result["failures"]:
        lines += ["", "## Failures", "", "| request | error | count |", "| --- | --- | ---: |"]
        lines += [f"| {f['request']} | {f['error'][:200]} | {f['count']} |" for f in result["failures"]]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------ main


def main():  # noqa: C901, PLR0912, PLR0915 - one run, step by step
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="concurrent virtual users")
    parser.add_argument("--minutes", type=float, default=3, help="how long the load runs")
    parser.add_argument("--spawn-rate", type=float, default=2, help="users started per second")
    parser.add_argument("--wait", default="1,3", help="seconds between a user's tasks: min,max")
    parser.add_argument("--cases", type=int, default=20_000, help="synthetic cases (seed_demo --cases)")
    parser.add_argument(
        "--agencies", type=int, default=10, help="Iranian and Afghan NGOs and shelters the users work in"
    )
    parser.add_argument("--synthetic-agencies", type=int, default=40, help="seed_demo --agencies")
    parser.add_argument("--gunicorn-workers", type=int, default=3)
    parser.add_argument("--gunicorn-threads", type=int, default=4)
    parser.add_argument(
        "--max-requests",
        type=int,
        default=2000,
        help="gunicorn --max-requests as docs/deployment.md has it (jitter a tenth); 0: workers never restart",
    )
    parser.add_argument("--celery-concurrency", type=int, default=2)
    parser.add_argument("--no-beat", action="store_true", help="no celery beat (the outbox sweeper then never runs)")
    parser.add_argument(
        "--drain-timeout", type=float, default=300, help="seconds to wait for the e-mails after the run"
    )
    parser.add_argument("--keep-db", action="store_true", help="leave the database (and print its settings file)")
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs in the scratch directory")
    parser.add_argument("--output", default="", help="JSON result (default bench/results/load-<date>.json)")
    args = parser.parse_args()
    wait = [float(x) for x in args.wait.split(",")]
    counts = split_users(args.users, args.agencies)

    db_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if urlsplit(db_url).path.lstrip("/") in ("", "postgres", "glo_act"):
        sys.exit("DATABASE_URL must name a database of the load run's own (default glo_act_load).")
    scratch = Path(tempfile.mkdtemp(prefix="glo_act_load-"))
    os.chmod(scratch, 0o700)
    redis_server, smtp, processes, created_db = RedisServer(), SmtpSink(), {}, False
    exit_code, completed = 0, False
    try:
        create_database(db_url)
        created_db = True
        redis_server.start()
        smtp.start()
        from glo_act.crypto import generate_key

        web_port = free_port()
        redis_base = urlunsplit(urlsplit(redis_server.url)._replace(path=""))
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("CELERY_", "EMAIL_", "DJANGO_", "DATABASE_", "CACHE_", "PYTEST", "GLO_ACT_"))
            and key not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY")
        }
        env.update(
            DEBUG="0", DJANGO_SETTINGS_MODULE="bench.load_settings", GLO_ACT_LOAD_STATIC_ROOT=str(scratch / "static"),
            SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="127.0.0.1,localhost",
            FIELD_ENCRYPTION_KEYS=generate_key(), BLIND_INDEX_KEY=generate_key(), DATABASE_URL=db_url,
            CELERY_BROKER_URL=f"{redis_base}/0", CACHE_URL=f"{redis_base}/1",
            # Plain HTTP on loopback: no redirect to https, cookies without Secure / __Host-.
            SECURE_SSL_REDIRECT="0", SECURE_COOKIES="0",
            SITE_URL=f"http://127.0.0.1:{web_port}", EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp.port),
            EMAIL_USE_TLS="0", EMAIL_TIMEOUT="20", PRIVATE_MEDIA_ROOT=str(scratch / "media"),
            LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1",
        )  # fmt: skip
        manage = [sys.executable, "manage.py"]
        prep = {
            "migrate": run([*manage, "migrate", "--noinput", "-v0"], env, "migrate"),
            "collectstatic": run([*manage, "collectstatic", "--noinput", "-v0"], env, "collectstatic"),
            "seed": run(
                [*manage, "seed_demo", "--cases", str(args.cases), "--agencies", str(args.synthetic_agencies), "-v0"],
                env,
                f"seed_demo --cases {args.cases} --agencies {args.synthetic_agencies}",
            ),
        }

        os.environ.update(env)
        os.environ.pop("GLO_ACT_TESTING", None)
        import django

        django.setup()
        from django.db import connection

        from cases.models import Case
        from partners.models import Agency, User

        password = secrets.token_urlsafe(18)
        agencies = pick_agencies(args.agencies)
        started = time.monotonic()
        accounts = make_accounts(counts, agencies, password)
        say(f"{sum(counts.values())} load accounts with authenticators in {time.monotonic() - started:.1f} s")
        config_path, journeys_path = scratch / "config.json", scratch / "journeys.json"
        config = load_config(counts, agencies, accounts, password, wait, journeys_path)
        config_path.write_text(json.dumps(config))
        data = {
            "cases": Case.objects.count(),
            "agencies": Agency.objects.count(),
            "users": User.objects.count(),
            "load_agencies": [a.short_name for a in agencies],
        }
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            pg_version = f"PostgreSQL {cur.fetchone()[0].split()[0]}"
        import redis

        redis_version = redis.Redis.from_url(f"{redis_base}/0").info("server")["redis_version"]

        # --- the servers
        celery = [sys.executable, "-m", "celery", "-A", "glo_act"]
        processes["worker"] = Process(
            "worker",
            [*celery, "worker", "--concurrency", str(args.celery_concurrency), "--loglevel=INFO",
             "-n", f"load-{os.getpid()}@%h", "--without-gossip", "--without-mingle"],
            env, scratch,
        )  # fmt: skip
        if not args.no_beat:
            processes["beat"] = Process(
                "beat", [*celery, "beat", "--loglevel=INFO", "--schedule", str(scratch / "beat-schedule")], env, scratch
            )
        processes["gunicorn"] = Process(
            "gunicorn",
            [sys.executable, "-m", "gunicorn", "glo_act.wsgi:application", "--bind", f"127.0.0.1:{web_port}",
             "--workers", str(args.gunicorn_workers), "--threads", str(args.gunicorn_threads), "--timeout", "180",
             "--graceful-timeout", "30", "--max-requests", str(args.max_requests),
             "--max-requests-jitter", str(args.max_requests // 10),
             "--access-logfile", str(scratch / "gunicorn-access.log")],
            env, scratch,
        )  # fmt: skip

        def healthy():
            for process in processes.values():
                if not process.alive():
                    raise SystemExit(f"{process.name} exited:\n{process.output()[-3000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", web_port, timeout=2)
                conn.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
                return conn.getresponse().status == 200
            except OSError:
                return False

        wait_until(healthy, 60, interval=0.2, message="gunicorn's /healthz")
        wait_until(lambda: " ready." in processes["worker"].output(), 60, interval=0.2, message="the Celery worker")
        say(f"gunicorn on 127.0.0.1:{web_port}, Celery worker{' and beat' if not args.no_beat else ''} ready")

        # --- the load
        with connection.cursor() as cur:
            cur.execute("SELECT now()")
            run_start = cur.fetchone()[0]
        connection.close()
        load_before = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        seconds = int(args.minutes * 60)
        say(f"locust: {args.users} users for {seconds} s ...")
        locust_env = dict(env, GLO_ACT_LOAD_CONFIG=str(config_path))
        began = time.monotonic()
        processes["locust"] = Process(
            "locust",
            [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
             "--users", str(args.users), "--spawn-rate", str(args.spawn_rate), "--run-time", f"{seconds}s",
             "--host", f"http://127.0.0.1:{web_port}", "--csv", str(scratch / "locust"), "--only-summary",
             "--stop-timeout", "60", "--loglevel", "WARNING"],
            locust_env, scratch,
        )  # fmt: skip
        processes["locust"].popen.wait(seconds + 300)
        elapsed = time.monotonic() - began
        say(f"locust finished after {elapsed:.0f} s (exit {processes['locust'].popen.returncode})")

        # --- drain, then check
        drain_started = time.monotonic()
        broker = redis.Redis.from_url(f"{redis_base}/0")
        wait_until(
            lambda: outbox_open(run_start) == 0 and broker.llen("celery") == 0,
            args.drain_timeout,
            interval=0.5,
            message="the e-mail outbox to drain",
        )
        drain_seconds = round(time.monotonic() - drain_started, 1)
        time.sleep(2)  # a late duplicate would show here
        checks = check_notifications(run_start, smtp)

        record = json.loads(journeys_path.read_text()) if journeys_path.exists() else {}
        journeys, requests = record.get("journeys", []), record.get("requests", [])
        if not requests:
            sys.exit(f"locust recorded no request (exit {processes['locust'].popen.returncode}): see its log")
        # The measured window: from the first request sent to the last answer received.
        first = min((at - ms / 1000 for _n, ms, _ok, at, _e in requests), default=0)
        measured = max((at for _n, _ms, _ok, at, _e in requests), default=first + seconds) - first
        requests_stats = request_stats(requests, measured)
        failures = failures_of(requests, scratch / "locust")
        errors = sum(f["count"] for f in failures)
        result = {
            "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "run": {
                "users": args.users,
                "roles": counts,
                "seconds": round(measured, 1),
                "run_time": seconds,
                "spawn_rate": args.spawn_rate,
                "wait": wait,
                "gunicorn_workers": args.gunicorn_workers,
                "gunicorn_threads": args.gunicorn_threads,
                "gunicorn_max_requests": args.max_requests,
                "celery_concurrency": args.celery_concurrency,
                "beat": not args.no_beat,
                "locust_exit_code": processes["locust"].popen.returncode,
            },  # fmt: skip
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "postgresql": pg_version,
                "redis": redis_version,
                "load_before": load_before,
                "load_after": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
            },
            "data": data,
            "preparation_seconds": {k: round(v, 1) for k, v in prep.items()},
            "requests": requests_stats,
            "journeys": journey_stats(journeys, measured),
            "journeys_per_s": round(len(journeys) / measured, 2),
            "searches_with_results": search_hits(journeys),
            "errors": errors,
            "failures": failures,
            "notifications": checks,
            "drain_seconds": drain_seconds,
            "server": server_errors(processes["gunicorn"], processes["worker"]),
        }
        output = (
            Path(args.output) if args.output else ROOT / "bench" / "results" / f"load-{time.strftime('%Y-%m-%d')}.json"
        )
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        summary = markdown(result)
        output.with_suffix(".md").write_text(summary)
        print(summary)
        say(f"written: {output} and {output.with_suffix('.md')}")
        if errors or checks["lost"] or checks["emails_duplicated"] or checks["notifications_unexpected"]:
            exit_code = 1
        completed = True
    finally:
        for name in ("locust", "gunicorn", "beat", "worker"):
            if name in processes:
                processes[name].stop()
        smtp.stop()
        redis_server.stop()
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if args.keep_db:
            (scratch / "env").write_text("".join(f"{k}={v}\n" for k, v in os.environ.items() if k in (
                "DATABASE_URL", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "SECRET_KEY")))  # fmt: skip
            say(f"kept the database; its keys are in {scratch / 'env'} (delete it when done)")
            for path in scratch.iterdir():
                if path.name not in ("env",) and not path.name.endswith(".log"):
                    shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
        else:
            if created_db:
                drop_database(db_url)
            (scratch / "config.json").unlink(missing_ok=True)  # the accounts' password and keys
            if exit_code == 0 and completed and not args.keep_logs:
                shutil.rmtree(scratch, ignore_errors=True)
            else:
                say(f"the processes' logs are kept in {scratch}")
    sys.exit(exit_code)


if __name__ == "__main__":
    main()
