"""Attachment files at rest: encrypted under the field keys, and re-sealed when the keys rotate."""

import time
import uuid

import pytest
from django.core.management import call_command

from documents import storage
from documents.pdf_metadata import strip_pdf_metadata
from documents.services import attachment_add
from glo_act import crypto

from .documents_support import (
    pdf,
    private_media_fixture,  # noqa: F401  (autouse, named private_media)
)

OLD, NEW = crypto.generate_key(), crypto.generate_key()


@pytest.fixture
def keys(settings):
    def use(*field_keys):
        settings.FIELD_ENCRYPTION_KEYS = list(field_keys)
        settings.BLIND_INDEX_KEY = OLD
        crypto.reset_keyring()

    yield use
    crypto.reset_keyring()


def test_rotation_reseals_every_file_under_the_new_key(world, keys):
    keys(OLD)
    attachment = attachment_add(user=world.cw, case=world.case_ir, upload=pdf(), filename="a.pdf")
    old_id = crypto.key_id(crypto.decode_key(OLD))
    assert storage.key_id_of(attachment.stored_name) == old_id
    keys(NEW, OLD)
    assert storage.read(attachment.stored_name) == strip_pdf_metadata(pdf())  # the old key still opens it
    call_command("rotate_attachment_keys")
    assert storage.key_id_of(attachment.stored_name) == crypto.key_id(crypto.decode_key(NEW))
    keys(NEW)  # the old key is gone: the file still opens
    assert storage.read(attachment.stored_name) == strip_pdf_metadata(pdf())


def test_a_file_sealed_with_a_removed_key_does_not_open(world, keys):
    keys(OLD)
    attachment = attachment_add(user=world.cw, case=world.case_ir, upload=pdf(), filename="a.pdf")
    keys(NEW)
    with pytest.raises(RuntimeError, match="lacks"):
        storage.read(attachment.stored_name)


def test_the_sweep_removes_files_no_attachment_accounts_for(world, private_media):
    import io
    import os

    kept = attachment_add(user=world.cw, case=world.case_ir, upload=pdf(), filename="a.pdf")
    gone = attachment_add(user=world.cw, case=world.case_ir, upload=pdf(), filename="b.pdf")
    storage.path_for(gone.stored_name).unlink()  # a row without its file
    orphan = storage.path_for(uuid.uuid4())
    storage.write(uuid.UUID(orphan.name), b"left by a rolled-back upload")
    old = time.time() - 2 * 3600
    for path in (orphan, storage.path_for(kept.stored_name)):
        os.utime(path, (old, old))
    out = io.StringIO()
    call_command("attachments_sweep", stdout=out)
    assert "1 unaccounted file(s) found" in out.getvalue() and str(gone.stored_name) in out.getvalue()
    assert orphan.exists()
    call_command("attachments_sweep", "--delete", stdout=io.StringIO())
    assert not orphan.exists() and storage.path_for(kept.stored_name).exists()
