"""Audit rows cannot be changed or removed by the application: the database refuses UPDATE and
DELETE on the audit tables, through the ORM and through raw SQL, even with triggers switched off
for replication."""

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AccessEvent, ChangeEvent, SecurityEvent
from audit.services import access_record, security_event_record

TABLES = [
    ("audit_changeevent", ChangeEvent),
    ("audit_accessevent", AccessEvent),
    ("audit_securityevent", SecurityEvent),
]


@pytest.fixture
def rows(world):
    access_record(user=world.cw, request=None, case_ids=[world.case_ir.pk], what="test")
    security_event_record(kind="login", user=world.cw)
    assert ChangeEvent.objects.exists() and AccessEvent.objects.exists() and SecurityEvent.objects.exists()
    return world


def refused(sql, params=()):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(("table", "model"), TABLES, ids=[t[0] for t in TABLES])
def test_raw_sql_cannot_update_or_delete_audit_rows(rows, table, model):
    before = list(model.objects.order_by("id").values())
    refused(f"UPDATE {table} SET username = 'someone else'")  # noqa: S608
    refused(f"DELETE FROM {table}")  # noqa: S608
    refused(f"DELETE FROM {table} WHERE id = %s", [before[0]["id"]])  # noqa: S608
    assert list(model.objects.order_by("id").values()) == before


@pytest.mark.parametrize(("table", "model"), TABLES, ids=[t[0] for t in TABLES])
def test_the_orm_cannot_update_or_delete_audit_rows(rows, table, model):
    before = list(model.objects.order_by("id").values())
    row = model.objects.first()
    for attempt in (
        lambda: model.objects.update(username="someone else"),
        lambda: model.objects.filter(pk=row.pk).delete(),
        lambda: row.delete(),
        lambda: (setattr(row, "username", "x"), row.save()),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    assert list(model.objects.order_by("id").values()) == before


def test_switching_triggers_off_for_replication_does_not_lift_the_guard(rows):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM audit_changeevent")
    assert ChangeEvent.objects.exists()


def test_inserting_still_works(rows):
    count = SecurityEvent.objects.count()
    security_event_record(kind="logout", user=rows.cw)
    assert SecurityEvent.objects.count() == count + 1
