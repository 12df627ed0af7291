"""Benchmark: the dashboard figures from the rollup vs the bare SQL over the raw tables.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/glo_act_dash_bench \
        .venv/bin/python bench/dashboards.py --cases 100000 [--reuse] [--repeats 15]

Against the database named by DATABASE_URL (a scratch one: with --cases N and without --reuse it
is migrated and seeded with `seed_demo --cases N --agencies 200`, which also rebuilds the rollups;
with --reuse the data already there is used and the rollups are rebuilt once). For the regional
programme manager (`manager` from seed_demo), it times, median and 95th percentile over --repeats:

- each figure as the dashboard computes it (stats.selectors.Dashboard, suppression included);
- the bare SQL that computes the same numbers from the raw tables (cases, persons, identifications);
- the whole page, GET /stats/ through Django's test client (rendering included), and its queries;
- the rollup rebuild;
- each export (stats.exports.export_file: scope, k-anonymity or suppression, writing the file) next
  to the bare SQL that reads the same rows or counts from the raw tables: GLOTIP and CTDC for the
  regional manager, HTCDS for the `supervisor` (cases opened in the last 12 months).

It checks that every figure equals its bare SQL (exits non-zero otherwise), prints a Markdown
table with the ratios, and writes bench/results/dashboards.json.
"""

# ruff: noqa: S608 - the bare SQL interpolates only constants of this project (CASE expressions)
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "glo_act.settings")


def timed(fn, repeats):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return {"median_ms": round(statistics.median(times), 2), "p95_ms": round(p95, 2)}, result


def bare_sql(board):  # noqa: C901
    """Each figure's numbers from the raw rows, written as one would by hand (constants only interpolated)."""
    from django.db import connection

    from stats.models import CHILD_BANDS
    from stats.rollups import _band_sql, _sex_sql

    f, s = board.filters, board.scope
    countries = sorted(s.countries)
    start, end = f.month_from, f.month_to.replace(day=28)
    cases_where = (
        "c.country_id = ANY(%s) AND c.opened_on >= %s"
        " AND c.opened_on < (date_trunc('month', %s::date) + interval '1 month')"
    )
    params = [countries, start, end]

    def run(sql, p=params):
        with connection.cursor() as cur:
            cur.execute(sql, p)
            return cur.fetchall()

    child = ", ".join(f"'{b}'" for b in CHILD_BANDS)  # under 18 at identification, or age unknown
    latest = """LEFT JOIN LATERAL (SELECT context, age_at_identification FROM cases_identification i
                 WHERE i.case_id = c.id ORDER BY identified_on DESC, id DESC LIMIT 1) i ON true"""
    return {
        "identifications-by-month": lambda: run(
            f"SELECT date_trunc('month', c.opened_on)::date, c.country_id, count(*) FROM cases_case c "
            f"WHERE {cases_where} GROUP BY 1, 2"
        ),
        "by-exploitation": lambda: run(
            f"SELECT t, count(*), count(*) FILTER (WHERE {_band_sql('i.age_at_identification')} IN ({child})) "
            f"FROM cases_case c {latest}, unnest(CASE WHEN cardinality(c.exploitation_types) = 0 "
            f"THEN ARRAY['-']::varchar[] ELSE c.exploitation_types END) t WHERE {cases_where} GROUP BY t"
        ),
        "by-sex-age": lambda: run(
            f"SELECT {_sex_sql()}, {_band_sql('i.age_at_identification')}, count(*) FROM cases_case c "
            f"JOIN victims_person p ON p.id = c.person_id {latest} WHERE {cases_where} GROUP BY 1, 2"
        ),
        "contexts": lambda: run(
            f"SELECT i.context, count(*) FROM cases_case c {latest} WHERE {cases_where} GROUP BY 1"
        ),
        "caseload": lambda: run(
            "SELECT a.short_name, count(*), count(*) FILTER (WHERE c.status NOT IN ('Closed', 'ClosedReferred')) "
            f"FROM cases_case c JOIN partners_agency a ON a.id = c.agency_id WHERE {cases_where} GROUP BY 1"
        ),
    }


def as_comparable(slug, fig, rows):
    """(figure's numbers, bare SQL's numbers) as two equal-shaped dicts."""
    if slug == "identifications-by-month":
        return {(c.keys["month"], c.keys["country"]): c.value for c in fig.cells if c.value}, {
            (m, c): n for m, c, n in rows
        }
    if slug == "by-exploitation":
        mine = {(c.keys["exploitation_type"], c.keys["group"]): c.value for c in fig.cells if c.value}
        return mine, {k: v for t, n, ch in rows for k, v in (((t, "all"), n), ((t, "children"), ch)) if v}
    if slug == "by-sex-age":
        return {(c.keys["sex"], c.keys["age_band"]): c.value for c in fig.cells if c.value}, {
            (s, b): n for s, b, n in rows
        }
    if slug == "contexts":
        return {c.keys["context"]: c.value for c in fig.cells}, {k or "-": n for k, n in rows}
    if slug == "caseload":
        mine = {(c.keys["agency"], c.keys["measure"]): c.value for c in fig.cells if c.value}
        return mine, {k: v for a, n, o in rows for k, v in (((a, "opened"), n), ((a, "open"), o)) if v}
    raise KeyError(slug)


def time_exports(repeats):
    """Each export as a download builds it, next to the bare SQL reading the same rows."""
    import datetime

    from django.db import connection

    from partners.models import User
    from stats.exports import export_file

    today = datetime.date.today()
    since = today.replace(year=today.year - 1) + datetime.timedelta(days=1)
    manager, supervisor = User.objects.get(username="manager"), User.objects.get(username="supervisor")
    countries = ["AF", "IR", "IQ", "PK"]
    agencies = list(supervisor.memberships.values_list("agency_id", flat=True))
    latest = """LEFT JOIN LATERAL (SELECT * FROM cases_identification i WHERE i.case_id = c.id
                 ORDER BY identified_on DESC, id DESC LIMIT 1) i ON true"""
    bare = {
        "glotip": ("SELECT p.gender, c.is_child, t, p.citizenships, c.country_id, "
                   "extract(year FROM c.opened_on), count(*) FROM cases_case c JOIN victims_person p "
                   "ON p.id = c.person_id, unnest(c.exploitation_types) t WHERE c.country_id = ANY(%s) "
                   "AND c.opened_on >= %s GROUP BY 1, 2, 3, 4, 5, 6", [countries, since]),
        "ctdc": (f"SELECT c.*, p.gender, p.citizenships, i.* FROM cases_case c JOIN victims_person p "
                 f"ON p.id = c.person_id {latest} WHERE c.country_id = ANY(%s) AND c.opened_on >= %s",
                 [countries, since]),
        "htcds": (f"SELECT c.*, p.*, i.* FROM cases_case c JOIN victims_person p ON p.id = c.person_id "
                  f"{latest} WHERE c.agency_id = ANY(%s) AND c.opened_on >= %s", [agencies, since]),
    }  # fmt: skip
    runs = [("glotip", "csv", manager), ("glotip", "xlsx", manager), ("ctdc", "csv", manager),
            ("ctdc", "xlsx", manager), ("htcds", "csv", supervisor), ("htcds", "xlsx", supervisor)]  # fmt: skip
    out = {}
    for kind, fmt, user in runs:

        def build(kind=kind, fmt=fmt, user=user):
            approval = None
            if kind == "htcds":  # identifying: built only under an approved request
                from stats.models import ExportRequest

                approval = ExportRequest.objects.create(
                    requested_by=user, agency_id=agencies[0], format=fmt, reason="benchmark",
                    state=ExportRequest.State.APPROVED,
                )  # fmt: skip
            export = export_file(user, kind, fmt, {"date_from": since.isoformat()}, approved_request=approval)
            size = len(export.file.read())
            export.file.close()
            return export.record.row_count, size

        def read(kind=kind):
            sql, params = bare[kind]
            with connection.cursor() as cur:
                cur.execute(sql, params)
                return len(cur.fetchall())

        export_t, (rows, size) = timed(build, max(1, repeats // 5))
        bare_t, _n = timed(read, max(1, repeats // 5))
        out[f"{kind}.{fmt}"] = {
            "rows": rows, "mb": round(size / 1e6, 1), "export": export_t, "bare_sql": bare_t,
            "ratio": round(bare_t["median_ms"] / export_t["median_ms"], 2),
        }  # fmt: skip
        print(f"{kind}.{fmt}: {rows:,} rows in {export_t['median_ms']:.0f} ms", file=sys.stderr)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="Use the data already in the database.")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--no-exports", action="store_true", help="Time the dashboard figures only.")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results" / "dashboards.json"))
    args = parser.parse_args()
    if not args.reuse:
        env = {**os.environ, "DEBUG": "1"}
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], check=True, env=env)
        subprocess.run(
            [*manage, "seed_demo", "--cases", str(args.cases), "--agencies", "200", "-v0"], check=True, env=env
        )

    import django

    django.setup()
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cases.models import Case
    from partners.models import User
    from stats.models import CaseRollup
    from stats.rollups import rollups_rebuild
    from stats.selectors import FIGURES, Dashboard

    rebuild, state = timed(rollups_rebuild, 1)
    n_cases = Case.objects.count()
    user = User.objects.get(username="manager")
    results = {"cases": n_cases, "rollup_rows": CaseRollup.objects.count(), "rollup_rebuild_ms": rebuild["median_ms"]}
    with connection.cursor() as cur:
        cur.execute("SELECT pg_total_relation_size('stats_caserollup')")
        results["rollup_bytes"] = cur.fetchone()[0]
    results["machine"] = f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.python_version()}"
    with connection.cursor() as cur:
        cur.execute("SELECT version()")
        results["postgres"] = cur.fetchone()[0].split(",")[0]

    raw_board = Dashboard(user, {})
    raw_board.suppress = False  # the equality check compares exact counts
    bare = bare_sql(raw_board)
    figures, failures = {}, []
    for slug in FIGURES:

        def compute(slug=slug):
            return Dashboard(user, {}).figure(slug)  # as a request computes it: scope, names, suppression

        stats_t, _fig = timed(compute, args.repeats)
        row = {"dashboard": stats_t}
        if slug in bare:
            bare_t, rows = timed(bare[slug], max(3, args.repeats // 3))
            mine, theirs = as_comparable(slug, raw_board.figure(slug), rows)
            row["bare_sql"] = bare_t
            row["ratio"] = round(bare_t["median_ms"] / stats_t["median_ms"], 1)
            row["equal"] = mine == theirs
            if not row["equal"]:
                failures.append(slug)
                diff = Counter(mine)
                diff.subtract(theirs)
                print(f"MISMATCH {slug}: {[(k, v) for k, v in diff.items() if v][:10]}", file=sys.stderr)
        else:
            row["note"] = "live from its own (small) table: the dashboard runs the bare SQL itself"
        figures[slug] = row
    results["figures"] = figures

    client = Client()
    client.force_login(user)

    def page():
        response = client.get("/stats/", HTTP_HOST="localhost")
        assert response.status_code == 200, response.status_code
        return response

    page()
    reset_queries()  # the request clears the log itself (request_started): start from an empty one
    with CaptureQueriesContext(connection) as ctx:
        page()
    page_t, _r = timed(page, args.repeats)
    bare_total = sum(f["bare_sql"]["median_ms"] for f in figures.values() if "bare_sql" in f)
    results["page"] = {
        **page_t,
        "queries": len(ctx.captured_queries),
        "bare_sql_of_case_figures_ms": round(bare_total, 1),
        "ratio": round(bare_total / page_t["median_ms"], 1),
    }

    results["exports"] = {} if args.no_exports else time_exports(args.repeats)

    print(f"\n{n_cases:,} cases; rollup {results['rollup_rows']:,} rows, {results['rollup_bytes'] / 1e6:.1f} MB, "
          f"rebuilt in {rebuild['median_ms'] / 1000:.2f} s. {results['machine']}; {results['postgres']}\n")  # fmt: skip
    print("| figure | dashboard median / p95 ms | bare SQL median / p95 ms | ratio | equal |")
    print("| --- | --- | --- | --- | --- |")
    for slug, row in figures.items():
        d = row["dashboard"]
        if "bare_sql" in row:
            b = row["bare_sql"]
            print(f"| {slug} | {d['median_ms']} / {d['p95_ms']} | {b['median_ms']} / {b['p95_ms']} | "
                  f"{row['ratio']}x | {'yes' if row['equal'] else 'NO'} |")  # fmt: skip
        else:
            print(f"| {slug} | {d['median_ms']} / {d['p95_ms']} | (live, same SQL) | - | - |")
    p = results["page"]
    print(f"| whole page GET /stats/ ({p['queries']} queries) | {p['median_ms']} / {p['p95_ms']} | "
          f"{p['bare_sql_of_case_figures_ms']} (case figures only) | {p['ratio']}x | |")  # fmt: skip
    print("\n| export | rows | file MB | export median ms | bare SQL median ms | bare / export |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, row in results["exports"].items():
        print(f"| {name} | {row['rows']:,} | {row['mb']} | {row['export']['median_ms']} | "
              f"{row['bare_sql']['median_ms']} | {row['ratio']}x |")  # fmt: skip
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    runs = {}
    if Path(args.output).exists():
        try:
            runs = json.loads(Path(args.output).read_text())
        except ValueError:
            runs = {}
    runs[str(n_cases)] = results
    Path(args.output).write_text(json.dumps(runs, indent=2, default=str) + "\n")
    if failures:
        print(f"Figures differ from the bare SQL: {failures}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
