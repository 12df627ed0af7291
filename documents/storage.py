"""Where attachment files live: PRIVATE_MEDIA_ROOT/attachments/<2 hex>/<uuid hex>, outside the static
files and any media URL, readable only by the application's user (directories 0700, files 0600).

Nothing here is reachable by a URL: files are read only by documents.views / documents.api after the
permission checks. Names are random uuids (the uploader's file name is kept only as a display name
in the database). Contents are encrypted at rest with AES-256-GCM under the current key of FIELD_ENCRYPTION_KEYS
(glo_act.crypto's keyring), the associated data binding each ciphertext to its file name; any key
still listed opens what it sealed, so keys rotate (`manage.py rotate_attachment_keys`).
"""

import os
import uuid
from pathlib import Path

from django.conf import settings

ENCRYPTED_MAGIC = b"GLOACT-ATT1\n"
NONCE_BYTES = 12


def root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / "attachments"


def path_for(stored_name: uuid.UUID) -> Path:
    name = uuid.UUID(str(stored_name)).hex  # never a path from outside: a uuid, re-parsed
    return root() / name[:2] / name


def _keyring():
    """The field-encryption keyring of glo_act.crypto (AES-256-GCM, rotating keys), or None."""
    try:
        from glo_act import crypto
    except ImportError:
        return None
    return crypto.keyring()


def _aad(stored_name: uuid.UUID, kid: str) -> bytes:
    # Binds the ciphertext to its file name: a file copied over another one does not open.
    return f"documents.Attachment.{uuid.UUID(str(stored_name)).hex}.{kid}".encode()


def seal(stored_name: uuid.UUID, content: bytes) -> bytes | None:
    """MAGIC || key id || nonce || AES-GCM(content), under the current field key; None without keys."""
    ring = _keyring()
    if ring is None:
        return None
    kid = ring.current_id
    nonce = os.urandom(NONCE_BYTES)
    return ENCRYPTED_MAGIC + kid.encode() + b"\n" + nonce + ring.current.encrypt(nonce, content, _aad(stored_name, kid))


def unseal(stored_name: uuid.UUID, data: bytes) -> bytes:
    ring = _keyring()
    body = data[len(ENCRYPTED_MAGIC) :]
    kid, _, rest = body.partition(b"\n")
    kid = kid.decode("ascii", "replace")
    if ring is None or kid not in ring.aeads:
        raise RuntimeError(f"Attachment {stored_name} is sealed with key {kid}, which FIELD_ENCRYPTION_KEYS lacks.")
    return ring.aeads[kid].decrypt(rest[:NONCE_BYTES], rest[NONCE_BYTES:], _aad(stored_name, kid))


def key_id_of(stored_name: uuid.UUID) -> str | None:
    """The key a stored file is sealed with (None: not encrypted), for key rotation."""
    with path_for(stored_name).open("rb") as f:
        head = f.read(len(ENCRYPTED_MAGIC) + 64)
    if not head.startswith(ENCRYPTED_MAGIC):
        return None
    return head[len(ENCRYPTED_MAGIC) :].partition(b"\n")[0].decode("ascii", "replace")


def write(stored_name: uuid.UUID, content: bytes) -> bool:
    """Write a new file (atomically, owner-only); True when it was encrypted at rest."""
    return replace(stored_name, content)


def replace(stored_name: uuid.UUID, content: bytes) -> bool:
    """Write or overwrite the file atomically (readers see the old or the new file, never half)."""
    path = path_for(stored_name)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    sealed = seal(stored_name, content)
    data = content if sealed is None else sealed
    partial = path.with_name(path.name + ".part")
    partial.unlink(missing_ok=True)  # left by a crash mid-write
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return sealed is not None


def read(stored_name: uuid.UUID) -> bytes:
    """The stored content, decrypted. FileNotFoundError when it is gone."""
    data = path_for(stored_name).read_bytes()
    if data.startswith(ENCRYPTED_MAGIC):
        return unseal(stored_name, data)
    return data


def remove(stored_name: uuid.UUID) -> bool:
    """Delete the file; True if there was one."""
    path = path_for(stored_name)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
