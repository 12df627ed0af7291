"""Rebuild the persons' blind name index under the current BLIND_INDEX_KEY.

    manage.py rotate_blind_index [--batch-size 2000]

Needed when BLIND_INDEX_KEY changes, and when the kinds of search terms change (victims/names.py).
The names are decrypted in memory and never written in plain. Until the run ends, persons not yet
re-indexed are not found by name (reference search keeps working). Batches commit one by one; run
it again after an interruption.
"""

import time

from django.core.management.base import BaseCommand

from glo_act.crypto import keyring
from glo_act.crypto_rows import rebuild_name_index


class Command(BaseCommand):
    help = "Rebuild the blind name index of every person with the current BLIND_INDEX_KEY."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, batch_size, verbosity, **options):
        started = time.monotonic()
        self.stdout.write(f"Blind index key: {keyring().blind_index_id}")
        done = rebuild_name_index(
            batch_size=batch_size, commit_each_batch=True, progress=self.stdout.write if verbosity > 1 else None
        )
        self.stdout.write(self.style.SUCCESS(f"{done:,} persons re-indexed in {time.monotonic() - started:.1f} s."))
