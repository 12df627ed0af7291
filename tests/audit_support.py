"""Helpers for the audit tests: the latest change rows of a table, and a browser-like request."""

from audit.models import ChangeEvent

IP = "203.0.113.7"
UA = "AuditTest/1.0"
META = {"REMOTE_ADDR": IP, "HTTP_USER_AGENT": UA}


def changes(table, row_id=None, action=None):
    qs = ChangeEvent.objects.filter(table_name=table)
    if row_id is not None:
        qs = qs.filter(row_id=str(row_id))
    if action is not None:
        qs = qs.filter(action=action)
    return list(qs.order_by("id"))


def latest(table, row_id=None, action=None) -> ChangeEvent:
    rows = changes(table, row_id, action)
    assert rows, f"no {action or ''} change row for {table} {row_id or ''}"
    return rows[-1]


def assert_from_request(event: ChangeEvent, user, method="POST", path_start="/"):
    """Who (the user), when (set by the database) and from where (IP, agent, method, path, request id)."""
    assert event.actor_id == user.pk and event.username == user.username
    assert event.at is not None
    assert event.ip == IP and event.user_agent == UA
    assert event.method == method and event.path.startswith(path_start), event.path
    assert len(event.request_id) == 32
    assert event.context["user_id"] == user.pk
