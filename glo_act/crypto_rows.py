"""Batch work over encrypted columns in raw SQL: encrypt plain rows (data migrations), re-encrypt
under the current key (`manage.py rotate_field_keys`), decrypt (reverse migrations), and rebuild
the persons' blind index (`manage.py rotate_blind_index`).

Rows are taken in id order in batches; with `commit_each_batch` every batch is its own transaction,
so an interrupted run keeps what it did and the next run carries on (values already in the
wanted state are skipped).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from psycopg2.extras import execute_values

from glo_act.crypto import TOKEN_PREFIX, keyring

TEXT, ARRAY = "text", "array"


@dataclass
class Column:
    name: str
    label: str  # "victims.Person.given_name": the associated data of its tokens
    kind: str = TEXT


@dataclass
class Counts:
    rows: int = 0
    changed_rows: int = 0
    values: int = 0
    changed_values: int = 0
    by_table: dict = field(default_factory=dict)

    def add(self, table: str, rows: int, changed_rows: int, values: int, changed_values: int) -> None:
        self.rows += rows
        self.changed_rows += changed_rows
        self.values += values
        self.changed_values += changed_values
        t = self.by_table.setdefault(table, [0, 0, 0, 0])
        for i, n in enumerate((rows, changed_rows, values, changed_values)):
            t[i] += n


def is_token(value: str) -> bool:
    parts = value.split(".", 2)
    return len(parts) == 3 and parts[0] == TOKEN_PREFIX and len(parts[1]) == 8


# A value transform returns the new value, or None to leave the value as it is.
Transform = Callable[[str, str], str | None]


def encrypt_plain(value: str, label: str) -> str | None:
    return None if is_token(value) else keyring().encrypt(value, label)


def reencrypt(value: str, label: str) -> str | None:
    ring = keyring()
    if ring.token_key_id(value) == ring.current_id:
        return None
    return ring.encrypt(ring.decrypt(value, label), label)


def decrypt_token(value: str, label: str) -> str | None:
    return keyring().decrypt(value, label) if is_token(value) else None


def transform_table(
    table: str,
    columns: list[Column],
    transform: Transform,
    *,
    batch_size: int = 2000,
    commit_each_batch: bool = False,
    counts: Counts | None = None,
    progress: Callable[[str], None] | None = None,
) -> Counts:
    """Apply `transform` to every non-empty value of the columns, writing back only changed rows."""
    counts = counts or Counts()
    names = ", ".join(f'"{c.name}"' for c in columns)
    last_id = 0
    while True:
        with transaction.atomic() if commit_each_batch else _nullcontext(), connection.cursor() as cur:
            cur.execute(
                f'SELECT id, {names} FROM "{table}" WHERE id > %s ORDER BY id LIMIT %s',  # noqa: S608
                [last_id, batch_size],
            )
            rows = cur.fetchall()
            if not rows:
                break
            last_id = rows[-1][0]
            updates, values, changed_values = [], 0, 0
            for row in rows:
                new_row, changed = [row[0]], False
                for col, value in zip(columns, row[1:], strict=True):
                    if col.kind == ARRAY:
                        items = list(value or [])
                        out = []
                        for item in items:
                            values += 1
                            new = transform(item, col.label) if item else None
                            changed_values += new is not None
                            out.append(item if new is None else new)
                        changed |= out != items
                        new_row.append(out)
                    else:
                        if value is None or value == "":
                            new_row.append(value)
                            continue
                        values += 1
                        new = transform(value, col.label)
                        if new is not None:
                            changed, changed_values = True, changed_values + 1
                        new_row.append(value if new is None else new)
                if changed:
                    updates.append(tuple(new_row))
            if updates:
                _update(cur, table, columns, updates)
            counts.add(table, len(rows), len(updates), values, changed_values)
        if progress:
            progress(f"  {table}: up to id {last_id}, {counts.by_table[table][1]:,} rows changed")
    return counts


def _update(cur, table: str, columns: list[Column], rows: list[tuple]) -> None:
    sets = ", ".join(f'"{c.name}" = v."{c.name}"' for c in columns)
    casts = "(" + ", ".join(["%s::bigint"] + [("%s::text[]" if c.kind == ARRAY else "%s::text") for c in columns]) + ")"
    aliases = ", ".join(["id"] + [f'"{c.name}"' for c in columns])
    execute_values(
        cur,
        f'UPDATE "{table}" AS t SET {sets} FROM (VALUES %s) AS v({aliases}) WHERE t.id = v.id',  # noqa: S608
        rows,
        template=casts,
        page_size=len(rows),
    )


class _nullcontext:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


# ---------------------------------------------------------------------------- the blind index

PERSON_NAME_COLUMNS = ["given_name", "family_name", "given_name_latin", "family_name_latin", "father_name", "aliases"]


def rebuild_name_index(
    *,
    plain: bool = False,
    batch_size: int = 2000,
    commit_each_batch: bool = False,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Recompute `victims_person.name_index` from the names (decrypted unless `plain`, in a data
    migration that runs before they are encrypted). Returns the number of persons indexed."""
    from victims.models import person_index_terms

    ring = keyring()

    def opened(value, name):
        if value is None or value == "" or plain:
            return value or ""
        return ring.decrypt(value, f"victims.Person.{name}")

    cols = ", ".join(f'"{c}"' for c in PERSON_NAME_COLUMNS)
    last_id, done = 0, 0
    while True:
        with transaction.atomic() if commit_each_batch else _nullcontext(), connection.cursor() as cur:
            cur.execute(
                f"SELECT id, {cols} FROM victims_person WHERE id > %s ORDER BY id LIMIT %s",  # noqa: S608
                [last_id, batch_size],
            )
            rows = cur.fetchall()
            if not rows:
                break
            last_id = rows[-1][0]
            updates = []
            for pid, given, family, given_l, family_l, father, aliases in rows:
                terms = person_index_terms(
                    given=opened(given, "given_name"), family=opened(family, "family_name"),
                    given_latin=opened(given_l, "given_name_latin"), family_latin=opened(family_l, "family_name_latin"),
                    father=opened(father, "father_name"), aliases=[opened(a, "aliases") for a in (aliases or [])],
                )  # fmt: skip
                updates.append((pid, ring.index_values(terms)))
            execute_values(
                cur,
                "UPDATE victims_person AS t SET name_index = v.idx FROM (VALUES %s) AS v(id, idx) WHERE t.id = v.id",
                updates,
                template="(%s::bigint, %s::int4[])",
                page_size=len(updates),
            )
            done += len(rows)
        if progress:
            progress(f"  victims_person: {done:,} persons indexed")
    return done


def encrypted_columns() -> dict[str, list[Column]]:
    """Every encrypted column of every installed model, by table."""
    from django.apps import apps
    from django.contrib.postgres.fields import ArrayField

    from glo_act.crypto_fields import EncryptedMixin

    tables: dict[str, list[Column]] = {}
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, EncryptedMixin):
                tables.setdefault(model._meta.db_table, []).append(Column(f.column, f.encryption_label))
            elif isinstance(f, ArrayField) and isinstance(f.base_field, EncryptedMixin):
                tables.setdefault(model._meta.db_table, []).append(
                    Column(f.column, f.base_field.encryption_label, ARRAY)
                )
    return tables
