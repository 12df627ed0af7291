"""Re-seal every stored attachment under the current key of FIELD_ENCRYPTION_KEYS.

Run after putting a new key first in FIELD_ENCRYPTION_KEYS (old keys still listed) and before
removing an old key: afterwards no file needs the old key. Files stored before encryption was
available are encrypted too. Idempotent; safe to interrupt and run again (each file is replaced
atomically).
"""

from django.core.management.base import BaseCommand

from documents import storage
from documents.models import Attachment


class Command(BaseCommand):
    help = "Re-encrypt attachment files under the current field encryption key."

    def handle(self, *args, **options):
        from glo_act.crypto import keyring

        current = keyring().current_id
        resealed = missing = 0
        rows = Attachment.objects.filter(deleted_at__isnull=True, erased_at__isnull=True).only("id", "stored_name")
        for attachment in rows.iterator():
            try:
                if storage.key_id_of(attachment.stored_name) == current:
                    continue
                content = storage.read(attachment.stored_name)
            except FileNotFoundError:
                missing += 1
                continue
            storage.replace(attachment.stored_name, content)
            Attachment.objects.filter(pk=attachment.pk).update(encrypted=True)
            resealed += 1
        self.stdout.write(f"{resealed} attachment file(s) re-sealed under key {current}; {missing} missing on disk.")
