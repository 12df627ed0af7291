"""Benchmark: notification e-mail from commit to delivery, with real Celery workers.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/glo_act .venv/bin/python bench/notifications.py --referrals 1000

It creates a scratch database (glo_act_bench on the DATABASE_URL server; dropped at the end),
starts its own redis-server on a spare port, a local SMTP server (aiosmtpd) and --workers Celery
workers (solo pool), and sends referrals with the services, as the application does: each send
commits the state change with its outbox rows and queues the e-mails after commit. Three phases:

- backlog: --backlog referrals sent before the workers start; then the workers drain the queue:
  the workers' capacity (e-mails/s), independent of how fast one process can commit;
- paced: --paced referrals one at a time, each waiting for its e-mails: the latency of an idle system;
- burst: --referrals sent back to back by one process: the latency under load and the throughput.

Latency is from the commit to the SMTP server's acceptance of the e-mail. Results: a Markdown
table on stdout and bench/results/notifications.json.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.celery_support import RedisServer, SmtpSink, Worker, wait_until  # noqa: E402

RECEIVERS_WITH_EMAIL = 2  # e-mails per referral: the shelter's service provider and supervisor


def scratch_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin(url: str, sql: str) -> None:
    import psycopg2

    parts = urlsplit(url)
    conn = psycopg2.connect(
        dbname="postgres", user=parts.username, password=parts.password, host=parts.hostname, port=parts.port or 5432
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
    conn.close()


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def setup_data(n_referrals: int, n_cases: int):
    from cases.services import consent_record
    from glo_act.vocabularies import ConsentPurpose
    from referrals.services import referral_create
    from tests.conftest import log_case, make_agency, make_user

    ngo = make_agency("IR-NGO", "IR", "NGO")
    caseworker = make_user("cw", ngo, "caseworker")
    shelter = make_agency("IR-SHELTER", "IR", "Shelter", services=["Shelter"])
    make_user("sp_shelter", shelter, "service_provider", email="sp@shelter.example")
    make_user("sup_shelter", shelter, "supervisor", email="sup@shelter.example")
    cases = []
    for _ in range(n_cases):
        case = log_case(caseworker, ngo)
        consent_record(user=caseworker, case=case, purpose=ConsentPurpose.NATIONAL_REFERRAL)
        cases.append(case)
    drafts = [
        referral_create(
            user=caseworker,
            case=cases[i % n_cases],
            services=["Shelter"],
            reason="AdditionalServicesRequired",
            to_agency=shelter,
        )  # fmt: skip
        for i in range(n_referrals)
    ]
    return caseworker, drafts


def send_all(caseworker, drafts, commits: dict, wait_each=None):
    """Send each draft; record the wall-clock time of its commit (before the e-mails are queued)."""
    from django.db import transaction

    from referrals.services import referral_send

    for referral in drafts:
        with transaction.atomic():
            # Registered first, so it runs first after the commit, before notify's queueing.
            transaction.on_commit(lambda pk=referral.pk: commits.__setitem__(pk, time.time()))
            referral_send(user=caseworker, referral=referral)
        if wait_each:
            wait_each()


def latencies(smtp: SmtpSink, commits: dict, referral_ids) -> tuple[list[float], float]:
    """Seconds from each referral's commit to each of its e-mails' acceptance; and the last acceptance."""
    from referrals.models import OutboxMessage

    referral_of = dict(
        OutboxMessage.objects.filter(notification__referral_id__in=referral_ids).values_list(
            "id", "notification__referral_id"
        )
    )
    accepted = {int(outbox_id): at for outbox_id, _rcpt, at in smtp.messages if int(outbox_id) in referral_of}
    return [at - commits[referral_of[i]] for i, at in accepted.items()], max(accepted.values())


def stats(values):
    return {
        "median_ms": round(statistics.median(values) * 1000, 1),
        "p95_ms": round(percentile(values, 95) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--referrals", type=int, default=1000, help="referrals sent in the burst")
    parser.add_argument("--paced", type=int, default=50, help="referrals sent one at a time first")
    parser.add_argument("--backlog", type=int, default=1000, help="referrals queued before the workers start")
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes (solo pool each)")
    parser.add_argument("--cases", type=int, default=100, help="cases the referrals are spread over")
    parser.add_argument("--database", default="glo_act_bench", help="scratch database, created and dropped")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for all e-mails")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results" / "notifications.json"))
    args = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/glo_act"
    db_url = scratch_database(base_url, args.database)
    admin(base_url, f'DROP DATABASE IF EXISTS "{args.database}"')
    admin(base_url, f'CREATE DATABASE "{args.database}"')

    redis_server, smtp, workers = RedisServer(), SmtpSink(), []
    try:
        redis_server.start()
        smtp.start()
        os.environ.update(
            DATABASE_URL=db_url, CELERY_BROKER_URL=redis_server.url, GLO_ACT_TESTING="1", DEBUG="0",
            DJANGO_SETTINGS_MODULE="glo_act.settings_test", LOG_LEVEL="WARNING",
        )  # fmt: skip
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from referrals.models import OutboxMessage

        started = time.time()
        total = args.backlog + args.paced + args.referrals
        caseworker, drafts = setup_data(total, min(args.cases, total))
        print(f"set-up: {len(drafts)} draft referrals in {time.time() - started:.1f} s", file=sys.stderr)
        commits = {}
        backlog, paced, burst = (
            drafts[: args.backlog],
            drafts[args.backlog : args.backlog + args.paced],
            drafts[args.backlog + args.paced :],
        )
        send_all(caseworker, backlog, commits)
        backlog_emails = len(backlog) * RECEIVERS_WITH_EMAIL

        workers = [
            Worker(broker_url=redis_server.url, database_url=db_url, smtp_port=smtp.port, name=f"bench{i}").launch()
            for i in range(args.workers)
        ]
        for worker in workers:
            worker.wait_ready(60)
        if backlog:
            wait_until(lambda: smtp.count >= backlog_emails, args.timeout, interval=0.01, message="the backlog")
            times = sorted(at for _id, _rcpt, at in smtp.messages)
            drain = times[-1] - times[0]

        def wait_for_emails():
            expected = len(commits) * RECEIVERS_WITH_EMAIL
            wait_until(lambda: smtp.count >= expected, 30, interval=0.002, message=f"{expected} e-mails")

        send_all(caseworker, paced, commits, wait_each=wait_for_emails)
        paced_latency, _ = latencies(smtp, commits, [r.pk for r in paced])

        first_commit = time.time()
        send_all(caseworker, burst, commits)
        sent_all = time.time()
        expected = total * RECEIVERS_WITH_EMAIL
        wait_until(lambda: smtp.count >= expected, args.timeout, interval=0.01, message=f"{expected} e-mails")
        burst_latency, last_accepted = latencies(smtp, commits, [r.pk for r in burst])
        time.sleep(1)  # a late duplicate would show here

        per_outbox = smtp.per_outbox()
        rows = OutboxMessage.objects.count()
        delivered = OutboxMessage.objects.filter(status=OutboxMessage.Status.DELIVERED).count()
        duration = last_accepted - first_commit
        result = {
            "referrals": args.referrals,
            "backlog_referrals": args.backlog,
            "backlog_drain_seconds": round(drain, 2) if backlog else None,
            "backlog_emails_per_s": round((backlog_emails - 1) / drain, 1) if backlog else None,
            "paced_referrals": args.paced,
            "workers": args.workers,
            "emails_per_referral": RECEIVERS_WITH_EMAIL,
            "paced_latency": stats(paced_latency),
            "burst_latency": stats(burst_latency),
            "burst_seconds": round(duration, 2),
            "send_seconds": round(sent_all - first_commit, 2),
            "commits_per_s": round(args.referrals / (sent_all - first_commit), 1),
            "referrals_per_s": round(args.referrals / duration, 1),
            "emails_per_s": round(len(burst_latency) / duration, 1),
            "outbox_rows": rows,
            "delivered_rows": delivered,
            "emails_accepted": smtp.count,
            "duplicates": sum(c - 1 for c in per_outbox.values() if c > 1),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "date": time.strftime("%Y-%m-%d"),
        }
    finally:
        for worker in workers:
            worker.stop()
        smtp.stop()
        redis_server.stop()
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        admin(base_url, f'DROP DATABASE IF EXISTS "{args.database}"')

    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n")
    p, b = result["paced_latency"], result["burst_latency"]
    lines = [
        f"{args.referrals} referrals ({result['emails_per_referral']} e-mails each), {args.workers} worker(s), "
        f"{result['machine']['cpus']} CPUs",
        "",
        "| commit to e-mail accepted by the SMTP server | median | p95 | max |",
        "| --- | --- | --- | --- |",
        f"| one referral at a time ({args.paced}) | {p['median_ms']} ms | {p['p95_ms']} ms | {p['max_ms']} ms |",
        f"| burst of {args.referrals} | {b['median_ms']} ms | {b['p95_ms']} ms | {b['max_ms']} ms |",
        "",
        "| throughput | value |",
        "| --- | --- |",
        f"| burst: referrals committed /s (one process) | {result['commits_per_s']} |",
        f"| burst: referrals delivered /s | {result['referrals_per_s']} |",
        f"| burst: e-mails delivered /s | {result['emails_per_s']} |",
    ]
    if args.backlog:
        lines.append(
            f"| workers draining a backlog of {args.backlog} referrals: e-mails /s | "
            f"{result['backlog_emails_per_s']} ({result['backlog_drain_seconds']} s) |"
        )
    lines += [
        f"| e-mails accepted / outbox rows / delivered rows | {result['emails_accepted']} / {rows} / {delivered} |",
        f"| duplicates | {result['duplicates']} |",
    ]
    print("\n" + "\n".join(lines))
    if result["duplicates"] or result["emails_accepted"] != rows or delivered != rows:
        sys.exit("Not delivered exactly once.")


if __name__ == "__main__":
    main()
