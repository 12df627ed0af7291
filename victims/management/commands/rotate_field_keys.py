"""Re-encrypt every encrypted value under the current key (the first of FIELD_ENCRYPTION_KEYS).

    manage.py rotate_field_keys [--batch-size 2000] [--dry-run]

Run it after putting a new key first in FIELD_ENCRYPTION_KEYS (the old ones still listed after it);
when it reports 0 values left under other keys, the old keys can be removed. Batches commit one by
one: an interrupted run keeps its work, and running it again carries on (values already under the
current key are skipped).
"""

from django.core.management.base import BaseCommand
from django.db import connection

from glo_act.crypto import keyring
from glo_act.crypto_rows import ARRAY, encrypted_columns, reencrypt, transform_table


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field value with the current key (batched, resumable)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--dry-run", action="store_true", help="Only count the values under each key.")

    def handle(self, *args, batch_size, dry_run, verbosity, **options):
        ring = keyring()
        tables = encrypted_columns()
        self.stdout.write(f"Current key: {ring.current_id}; keys that still decrypt: {', '.join(sorted(ring.aeads))}")
        if not dry_run:
            for table, columns in sorted(tables.items()):
                counts = transform_table(
                    table, columns, reencrypt, batch_size=batch_size, commit_each_batch=True,
                    progress=self.stdout.write if verbosity > 1 else None,
                )  # fmt: skip
                rows, changed_rows, values, changed = counts.by_table.get(table, [0, 0, 0, 0])
                self.stdout.write(
                    f"  {table}: {rows:,} rows, {values:,} values, {changed:,} re-encrypted in {changed_rows:,} rows"
                )
        left = self._count_by_key(tables)
        stale = {k: n for k, n in left.items() if k != ring.current_id}
        self.stdout.write("Values by key id: " + (", ".join(f"{k}: {n:,}" for k, n in sorted(left.items())) or "none"))
        if stale:
            self.stdout.write(self.style.WARNING(f"{sum(stale.values()):,} values are still under older keys."))
        else:
            self.stdout.write(self.style.SUCCESS("Every value is under the current key: older keys can be removed."))

    def _count_by_key(self, tables) -> dict[str, int]:
        """How many values each key id seals, counted in SQL (the key id is the token's 2nd part)."""
        totals: dict[str, int] = {}
        with connection.cursor() as cur:
            for table, columns in tables.items():
                for col in columns:
                    values = f'unnest("{col.name}")' if col.kind == ARRAY else f'"{col.name}"'
                    cur.execute(
                        f"SELECT split_part(v, '.', 2), count(*) FROM (SELECT {values} AS v FROM \"{table}\") s "  # noqa: S608
                        "WHERE v <> '' GROUP BY 1"
                    )
                    for kid, n in cur.fetchall():
                        totals[kid] = totals.get(kid, 0) + n
        return totals
