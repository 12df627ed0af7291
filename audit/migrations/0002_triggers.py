"""The change trail and the append-only guard, in PostgreSQL.

One generic trigger function, `audit_record_change`, is attached AFTER INSERT/UPDATE/DELETE FOR EACH
ROW to every tracked table. It writes one `audit_changeevent` row with the row's values before and
after (`to_jsonb(OLD)`, `to_jsonb(NEW)`), the changed columns, the countries and cases the row
concerns, the transaction id and the application's context (session variable
`glo_act.audit_context`, set by audit.context; NULL when the write came from outside the
application, e.g. psql). Because it is a trigger, bulk updates, queryset .update() and raw SQL are
recorded like any other write.

Trigger arguments, per table:
  0. keep:   columns whose values are stored ('*' for all). Every other column is stored as
             "[redacted]" (or as it is when null or empty): identifying data never enters the trail,
             and a column added later is redacted until a migration lists it here;
  1. redact: columns redacted even when `keep` is '*' (the password hash);
  2. ignore: columns whose change alone is not worth a row (last_login, updated_at).

`audit_refuse_change` refuses UPDATE and DELETE on the audit tables for every role, even with
session_replication_role = replica (ENABLE ALWAYS). TRUNCATE is left to privileges (see the README:
production revokes it from the application's role); the test suite's flush needs it.
"""

from django.db import migrations

TRACKED = {
    # table: (keep, redact, ignore)
    "victims_person": (
        "id,reference,agency_id,gender,estimated_age,age_estimated_on,citizenships,languages,"
        "current_country_id,vulnerabilities,created_at,updated_at",
        "",
        "updated_at",
    ),
    "cases_case": (
        "id,reference,person_id,agency_id,assigned_to_id,status,stage,opened_on,closed_on,closure_reason,"
        "country_id,is_child,exploitation_types,trafficking_status,is_smuggled_migrant,created_by_id,"
        "created_at,updated_at",
        "",
        "updated_at",
    ),
    "cases_identification": (
        "id,case_id,identified_on,country_id,province_id,agency_id,caseworker_id,context,acts,means,purposes,"
        "exploitation_types,forced_labour_industry,sex_exploitation_types,methods_of_control,"
        "recruitment_methods,relationship_to_recruiter,ilo_indicators,is_smuggled_migrant,trafficking_status,"
        "status_decided_by,status_decided_on,age_at_identification,is_child,created_at",
        "",
        "",
    ),
    "cases_consent": (
        "id,case_id,purpose,granted,given_by,given_on,recorded_by_id,withdrawn_on,created_at",
        "",
        "",
    ),
    "cases_casenote": ("id,case_id,author_id,agency_id,created_at", "", ""),
    "referrals_referral": (
        "id,reference,case_id,from_agency_id,to_agency_id,to_country_id,is_cross_border,services,reason,urgency,"
        "share_identity,state,response_deadline,reminded_at,consent_overridden,overridden_by_id,decline_reason,"
        "successful,linked_case_id,created_by_id,sent_at,delivered_at,responded_at,closed_at,created_at,"
        "updated_at",
        "",
        "updated_at",
    ),
    "partners_membership": ("*", "", ""),
    "partners_user": ("*", "password", "last_login"),
    "partners_agency": ("*", "", ""),
    "cases_casegroupobjectpermission": ("*", "", ""),
    "cases_caseuserobjectpermission": ("*", "", ""),
}

AUDIT_TABLES = ["audit_changeevent", "audit_accessevent", "audit_securityevent"]

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION audit_redact(r jsonb, keep text[], redact text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT coalesce(jsonb_object_agg(key,
        CASE WHEN ('*' = ANY(keep) OR key = ANY(keep)) AND NOT key = ANY(redact) THEN value
             WHEN value IN ('null'::jsonb, '""'::jsonb, '[]'::jsonb) THEN value
             ELSE '"[redacted]"'::jsonb END), '{}'::jsonb)
    FROM jsonb_each(r)
$$;

CREATE OR REPLACE FUNCTION audit_related(tbl text, r jsonb, OUT countries varchar[], OUT case_ids bigint[])
LANGUAGE plpgsql STABLE AS $$
DECLARE
    case_id bigint;
BEGIN
    countries := '{}';
    case_ids := '{}';
    IF tbl = 'victims_person' THEN
        SELECT coalesce(array_agg(c.id ORDER BY c.id), '{}') INTO case_ids
          FROM cases_case c WHERE c.person_id = (r->>'id')::bigint;
        SELECT coalesce(array_agg(DISTINCT x), '{}') INTO countries FROM (
            SELECT c.country_id AS x FROM cases_case c WHERE c.person_id = (r->>'id')::bigint
            UNION SELECT a.country_id FROM partners_agency a WHERE a.id = (r->>'agency_id')::bigint) s;
    ELSIF tbl = 'cases_case' THEN
        case_ids := ARRAY[(r->>'id')::bigint];
        SELECT coalesce(array_agg(DISTINCT x), '{}') INTO countries FROM (
            SELECT r->>'country_id' AS x
            UNION SELECT a.country_id FROM partners_agency a WHERE a.id = (r->>'agency_id')::bigint) s;
    ELSIF tbl IN ('cases_identification', 'cases_consent', 'cases_casenote') THEN
        case_ids := ARRAY[(r->>'case_id')::bigint];
        SELECT coalesce(array_agg(DISTINCT x), '{}') INTO countries FROM (
            SELECT c.country_id AS x FROM cases_case c WHERE c.id = (r->>'case_id')::bigint
            UNION SELECT r->>'country_id') s;
    ELSIF tbl = 'referrals_referral' THEN
        case_ids := array_remove(ARRAY[(r->>'case_id')::bigint, (r->>'linked_case_id')::bigint], NULL);
        SELECT coalesce(array_agg(DISTINCT x), '{}') INTO countries FROM (
            SELECT c.country_id AS x FROM cases_case c WHERE c.id = ANY(case_ids)
            UNION SELECT r->>'to_country_id'
            UNION SELECT a.country_id FROM partners_agency a
             WHERE a.id IN ((r->>'from_agency_id')::bigint, (r->>'to_agency_id')::bigint)) s;
    ELSIF tbl IN ('cases_casegroupobjectpermission', 'cases_caseuserobjectpermission') THEN
        case_id := (r->>'content_object_id')::bigint;
        case_ids := ARRAY[case_id];
        SELECT coalesce(array_agg(DISTINCT x), '{}') INTO countries FROM (
            SELECT c.country_id AS x FROM cases_case c WHERE c.id = case_id
            UNION SELECT a.country_id FROM partners_agency a WHERE a.group_id = (r->>'group_id')::bigint
            UNION SELECT a.country_id FROM partners_membership m JOIN partners_agency a ON a.id = m.agency_id
             WHERE m.user_id = (r->>'user_id')::bigint) s;
    ELSIF tbl = 'partners_membership' THEN
        SELECT coalesce(array_agg(a.country_id), '{}') INTO countries
          FROM partners_agency a WHERE a.id = (r->>'agency_id')::bigint;
    ELSIF tbl = 'partners_user' THEN
        SELECT coalesce(array_agg(DISTINCT a.country_id), '{}') INTO countries
          FROM partners_membership m JOIN partners_agency a ON a.id = m.agency_id
         WHERE m.user_id = (r->>'id')::bigint;
    ELSIF tbl = 'partners_agency' THEN
        countries := ARRAY[r->>'country_id'];
    END IF;
    countries := array_remove(countries, NULL);
END
$$;

CREATE OR REPLACE FUNCTION audit_record_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    keep text[] := string_to_array(TG_ARGV[0], ',');
    redact text[] := coalesce(string_to_array(nullif(TG_ARGV[1], ''), ','), '{}');
    ignored text[] := coalesce(string_to_array(nullif(TG_ARGV[2], ''), ','), '{}');
    o jsonb;
    n jsonb;
    changed text[];
    raw text;
    ctx jsonb;
    rel record;
BEGIN
    IF TG_OP <> 'INSERT' THEN o := to_jsonb(OLD); END IF;
    IF TG_OP <> 'DELETE' THEN n := to_jsonb(NEW); END IF;
    IF TG_OP = 'UPDATE' THEN
        SELECT coalesce(array_agg(key ORDER BY key), '{}') INTO changed
          FROM jsonb_each(n) WHERE n->key IS DISTINCT FROM o->key;
        IF NOT EXISTS (SELECT 1 FROM unnest(changed) AS k WHERE k <> ALL(ignored)) THEN
            RETURN NULL;  -- nothing but a timestamp changed
        END IF;
    ELSE
        SELECT coalesce(array_agg(key ORDER BY key), '{}') INTO changed
          FROM jsonb_each(coalesce(n, o)) WHERE value <> 'null'::jsonb;
    END IF;
    raw := current_setting('glo_act.audit_context', true);
    IF raw IS NOT NULL AND raw <> '' THEN
        ctx := raw::jsonb;
    END IF;
    rel := audit_related(TG_TABLE_NAME, coalesce(n, o));
    INSERT INTO audit_changeevent (
        at, actor_id, username, ip, user_agent, method, path, request_id, countries,
        table_name, row_id, action, changed_fields, old, new, case_ids, transaction_id, context
    ) VALUES (
        clock_timestamp(), (ctx->>'user_id')::bigint, coalesce(ctx->>'username', ''), (ctx->>'ip')::inet,
        left(coalesce(ctx->>'user_agent', ''), 300), coalesce(ctx->>'method', ''),
        left(coalesce(ctx->>'path', ''), 500), coalesce(ctx->>'request_id', ''), rel.countries,
        TG_TABLE_NAME, coalesce(n, o)->>'id', TG_OP, changed,
        audit_redact(o, keep, redact), audit_redact(n, keep, redact), rel.case_ids, txid_current(), ctx
    );
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'The audit trail is append-only: % on % is refused.', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""

DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS audit_refuse_change();
DROP FUNCTION IF EXISTS audit_record_change();
DROP FUNCTION IF EXISTS audit_related(text, jsonb);
DROP FUNCTION IF EXISTS audit_redact(jsonb, text[], text[]);
"""


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def create_triggers() -> str:
    sql = []
    for table, (keep, redact, ignore) in TRACKED.items():
        args = ", ".join(_quote(a) for a in (keep, redact, ignore))
        sql.append(
            f"CREATE TRIGGER audit_change AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION audit_record_change({args});"
        )
    for table in AUDIT_TABLES:
        sql.append(
            f"CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();"
        )
        sql.append(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER audit_append_only;")
    return "\n".join(sql)


def drop_triggers() -> str:
    sql = [f"DROP TRIGGER IF EXISTS audit_change ON {table};" for table in TRACKED]
    sql += [f"DROP TRIGGER IF EXISTS audit_append_only ON {table};" for table in AUDIT_TABLES]
    return "\n".join(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_audit_tables"),
        ("victims", "0001_initial"),
        ("cases", "0004_bestinterestsdetermination"),
        ("referrals", "0002_reference_sequence"),
        ("partners", "0003_user_language"),
    ]

    operations = [
        migrations.RunSQL(FUNCTIONS, reverse_sql=DROP_FUNCTIONS),
        migrations.RunSQL(create_triggers(), reverse_sql=drop_triggers()),
    ]
