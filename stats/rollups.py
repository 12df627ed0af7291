"""The dashboards' pre-aggregated table, rebuilt in one transaction by one INSERT ... SELECT.

`rollups_rebuild()` replaces every row of `stats_caserollup` (grain and columns: stats/models.py)
from the raw tables: the case summary (agency, country, smuggled flag, status, exploitation
types), the person's gender, and the case's latest identification (context, age at
identification, the same identification the case summary mirrors). A child is a person under
18 at identification or of unknown age (CHILD_BANDS), as in the sex x age chart, so the children
headline is a selection of that chart's table (the case's own flag follows later edits of the
person's age, and two near-equal definitions on one page would be a differencing channel). The month is the month the
case was opened (its first identification), which is what the case list's "opened after/before"
filters use, so a drill-down lists the cases a figure counts.

It is kept current by Celery beat every five minutes (stats.tasks.rebuild_rollups) and run after
`seed_demo --cases N`. Rows are replaced with DELETE rather than TRUNCATE: TRUNCATE takes an
ACCESS EXCLUSIVE lock, which would make every dashboard request wait for the rebuild; with DELETE a
reader keeps seeing the previous figures until the new ones commit. An advisory lock serialises
two rebuilds that overlap.
"""

import time

from django.db import connection, transaction
from django.utils import timezone

from glo_act.vocabularies import IdentificationContext
from victims.models import CTDC_AGE_BANDS

from .models import (
    AGE_BANDS,
    ALL,
    CHILD_BANDS,
    NONE_RECORDED,
    SEX_GROUPS,
    CaseRollup,
    RollupState,
    context_column,
    sex_age_column,
)

ADVISORY_LOCK = 7_204_001  # any constant unique to this job
CLOSED_STATUSES = ("Closed", "ClosedReferred")


def _sex_sql() -> str:
    whens = " ".join(
        "WHEN p.gender IN ({}) THEN '{}'".format(", ".join(f"'{v}'" for v in values), key)
        for key, _label, values in SEX_GROUPS
    )
    return f"CASE {whens} ELSE 'u' END"


def _band_sql(age: str) -> str:
    parts = [f"WHEN {age} IS NULL THEN 'unknown'"]
    for low, high in CTDC_AGE_BANDS:
        parts.append(
            f"WHEN {age} >= {low} THEN '{low}+'" if high is None else f"WHEN {age} <= {high} THEN '{low}-{high}'"
        )
    return "CASE " + " ".join(parts) + " ELSE 'unknown' END"


def rebuild_sql() -> str:
    measures = ["n", "children", "smuggled", "active"]
    selects = [
        "count(*)",
        f"count(*) FILTER (WHERE f.band IN ({', '.join(repr(b) for b in CHILD_BANDS)}))",
        "count(*) FILTER (WHERE f.is_smuggled_migrant)",
        "count(*) FILTER (WHERE f.active)",
    ]
    for sex, _label, _values in SEX_GROUPS:
        for band in AGE_BANDS:
            measures.append(sex_age_column(sex, band))
            selects.append(f"count(*) FILTER (WHERE f.sex = '{sex}' AND f.band = '{band}')")
    for value, _label in IdentificationContext.choices:
        measures.append(context_column(value))
        selects.append(f"count(*) FILTER (WHERE f.context = '{value}')")
    closed = ", ".join(f"'{s}'" for s in CLOSED_STATUSES)
    return f"""
        INSERT INTO {CaseRollup._meta.db_table} (month, agency_id, country_id, exploitation, {", ".join(measures)})
        SELECT f.month, f.agency_id, f.country_id, e.exploitation, {", ".join(selects)}
        FROM (
            SELECT date_trunc('month', c.opened_on)::date AS month, c.agency_id, c.country_id,
                   c.is_smuggled_migrant, c.status NOT IN ({closed}) AS active, c.exploitation_types,
                   {_sex_sql()} AS sex, {_band_sql("i.age_at_identification")} AS band, i.context
            FROM cases_case c
            JOIN victims_person p ON p.id = c.person_id
            LEFT JOIN (
                SELECT DISTINCT ON (case_id) case_id, context, age_at_identification
                FROM cases_identification
                ORDER BY case_id, identified_on DESC, id DESC
            ) i ON i.case_id = c.id
        ) f
        CROSS JOIN LATERAL unnest(
            ARRAY['{ALL}']::varchar[] || CASE WHEN cardinality(f.exploitation_types) = 0
                THEN ARRAY['{NONE_RECORDED}']::varchar[] ELSE f.exploitation_types::varchar[] END
        ) AS e(exploitation)
        GROUP BY 1, 2, 3, 4
    """  # noqa: S608 - every interpolated value is a constant of this module


def rollups_rebuild() -> RollupState:
    """Rebuild the dashboard rollups from the raw tables, in one transaction; returns its state row."""
    started = time.monotonic()
    table = CaseRollup._meta.db_table
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])
        cur.execute("SET LOCAL work_mem = '64MB'")
        cur.execute("SET LOCAL jit = off")  # compiling 50 aggregates costs more than it saves here
        cur.execute(f"DELETE FROM {table}")  # noqa: S608
        cur.execute(rebuild_sql())
        rows = cur.rowcount
        cur.execute(f"SELECT coalesce(sum(n), 0) FROM {table} WHERE exploitation = %s", [ALL])  # noqa: S608
        (cases,) = cur.fetchone()
        cur.execute(f"ANALYZE {table}")
        state, _created = RollupState.objects.update_or_create(
            name="cases",
            defaults={
                "rebuilt_at": timezone.now(),
                "seconds": round(time.monotonic() - started, 3),
                "source_rows": cases,
                "rollup_rows": rows,
            },
        )
    return state
