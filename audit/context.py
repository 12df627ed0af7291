"""Who is acting, handed to the database so that its triggers can record it.

The application sets a context (a small dict: user, IP, request id, or a task or command name) for
the current request, task or command (a contextvar). Before a statement that may write, the
connection's session variable `glo_act.audit_context` is set to it, so the trigger
`audit_record_change` copies it into every change row, whether the write came from a service, a
queryset .update() or raw SQL. The variable is reset when the request ends: connections are
persistent and a later request on the same connection must not inherit it.

Reads (SELECT) never pay for this; writes pay one extra round trip. The extra statement runs on
the raw cursor, so it does not show in query counts (django's debug log).
"""

import contextlib
import contextvars
import json
import logging
import sys
import uuid

from django.db import connections
from django.db.backends.signals import connection_created

logger = logging.getLogger(__name__)
GUC = "glo_act.audit_context"
_SET_SQL = "SELECT set_config('glo_act.audit_context', %s, false)"

# A dict, or a callable returning one (a request: its user is known only once DRF authenticated it).
_current: contextvars.ContextVar = contextvars.ContextVar("glo_act_audit_context", default=None)
# A management command run as `manage.py <command>`: the process's context (see install()).
_process_default: dict | None = None
_WRITE_PREFIXES = ("select", "show", "savepoint", "release", "rollback", "begin", "commit", "set ")


def current() -> dict | None:
    """The context of the running request, task or command; None outside the application."""
    source = _current.get()
    if callable(source):
        source = source()
    return source or _process_default


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextlib.contextmanager
def audit_context(**facts):
    """Run a block under an audit context, e.g. audit_context(task="referrals.tasks.sweep_outbox")."""
    token = _current.set({k: v for k, v in facts.items() if v not in (None, "")})
    try:
        yield
    finally:
        _current.reset(token)
        reset_connections()


def set_current(source):
    """Set the context (a dict, or a callable returning one); returns the token for restore()."""
    return _current.set(source)


def restore(token) -> None:
    _current.reset(token)


def _may_write(sql: str) -> bool:
    head = sql.lstrip()[:10].lower()
    return not head.startswith(_WRITE_PREFIXES)


def _wrapper(execute, sql, params, many, context):
    """Before a statement that may write, make the session variable say who is acting."""
    if isinstance(sql, str) and _may_write(sql):
        connection = context["connection"]
        facts = current()
        wanted = json.dumps(facts, separators=(",", ":"), default=str) if facts else ""
        if wanted or getattr(connection, "_glo_act_audit_applied", ""):
            # On the raw cursor: inside the same transaction as the write (a rollback that undid an
            # earlier set_config cannot leave the write without its context).
            # A raw cursor of its own: the statement's cursor may be a server-side (named) cursor.
            with connection.connection.cursor() as raw:
                raw.execute(_SET_SQL, [wanted])
            connection._glo_act_audit_applied = wanted
    return execute(sql, params, many, context)


def reset_connections() -> None:
    """At the end of a request, task or command: no context lingers on a persistent connection."""
    for connection in connections.all(initialized_only=True):
        if getattr(connection, "_glo_act_audit_applied", "") and connection.connection is not None:
            try:
                if connection.needs_rollback or (connection.in_atomic_block and not connection.is_usable()):
                    continue
                with connection.connection.cursor() as cursor:
                    cursor.execute(_SET_SQL, [""])
                connection._glo_act_audit_applied = ""
            except Exception:  # noqa: BLE001 - a broken connection is closed by Django anyway
                logger.debug("audit context not reset on %s", connection.alias, exc_info=True)


def _on_connection_created(sender, connection, **kwargs):
    connection._glo_act_audit_applied = ""  # a new session has no context
    if _wrapper not in connection.execute_wrappers:
        # First, i.e. outermost; and never last, where `with connection.execute_wrapper()` pops.
        connection.execute_wrappers.insert(0, _wrapper)


def install() -> None:
    """Called once from AuditConfig.ready()."""
    global _process_default
    connection_created.connect(_on_connection_created, dispatch_uid="glo_act_audit_context")
    for connection in connections.all(initialized_only=True):
        _on_connection_created(None, connection)
    argv = sys.argv
    if len(argv) > 1 and argv[0].endswith("manage.py") and argv[1] not in ("runserver", "shell", "dbshell"):
        _process_default = {"command": argv[1]}
