"""Database helpers of the audit trail that other apps call."""


def bulk_load_unaudited(cursor) -> bool:
    """Switch off row triggers for the rest of the current transaction, for the demo bulk loader.

    `SET LOCAL session_replication_role = replica` skips ordinary triggers (the change trail and
    foreign-key checks) until the transaction ends; the audit tables' append-only guard is
    ENABLE ALWAYS and still holds. Needs a superuser or, from PostgreSQL 15, `GRANT SET ON
    PARAMETER session_replication_role`; without that right the load runs with triggers (slower,
    but audited). Demo bulk data (seed_demo --cases) is therefore not in the audit trail.
    """
    cursor.execute(
        "SELECT current_setting('is_superuser') = 'on' "
        "OR (current_setting('server_version_num')::int >= 150000 "
        "AND has_parameter_privilege('session_replication_role', 'SET'))"
    )
    (allowed,) = cursor.fetchone()
    if allowed:
        cursor.execute("SET LOCAL session_replication_role = replica")
    return bool(allowed)
