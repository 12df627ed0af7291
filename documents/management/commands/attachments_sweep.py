"""Find files in PRIVATE_MEDIA_ROOT that no current attachment accounts for, and attachments whose
file is missing. With --delete, remove the unaccounted files (older than --min-age-minutes, so an
upload still being committed is left alone).

Unaccounted files appear only when a transaction around an upload rolled back after the file was
written, or when a removal's commit failed after the file was deleted; either way they are personal
data no record points to, so they should not stay.
"""

import time
import uuid

from django.core.management.base import BaseCommand

from documents import storage
from documents.models import Attachment


class Command(BaseCommand):
    help = "Report (and with --delete remove) attachment files that no current attachment accounts for."

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="Remove the unaccounted files.")
        parser.add_argument("--min-age-minutes", type=int, default=60)

    def handle(self, *args, delete=False, min_age_minutes=60, **options):
        live = {
            u.hex
            for u in Attachment.objects.filter(deleted_at__isnull=True, erased_at__isnull=True).values_list(
                "stored_name", flat=True
            )
        }
        cutoff = time.time() - min_age_minutes * 60
        root = storage.root()
        found = set()
        orphans = []
        for path in root.glob("*/*") if root.exists() else []:
            name = path.name.removesuffix(".part")
            found.add(name)
            if name not in live and path.stat().st_mtime < cutoff:
                orphans.append(path)
        for path in orphans:
            if delete:
                path.unlink(missing_ok=True)
        missing = sorted(live - found)
        verb = "removed" if delete else "found (run with --delete to remove)"
        self.stdout.write(
            f"{len(orphans)} unaccounted file(s) {verb}; {len(missing)} attachment(s) missing their file."
        )
        for name in missing:
            self.stdout.write(f"missing: {uuid.UUID(name)}")
