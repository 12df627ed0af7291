"""Encryption at rest of identifying fields, and the keyed blind index that keeps name search working.

Values are sealed with AES-256-GCM (authenticated: a changed byte fails to open) under the current
key of `FIELD_ENCRYPTION_KEYS`; every other key listed still opens what it sealed, so keys rotate
without downtime (`manage.py rotate_field_keys`). A sealed value reads

    e1.<key id>.<base64url(nonce || ciphertext || tag)>

where the key id is a fingerprint of the key (not the key), and the associated data binds the
token to its column ("victims.Person.given_name"): a ciphertext copied into another column does
not open. Nonces are 96 random bits, fresh for every value; nothing is ever sealed twice with one.

The blind index turns search terms ("g:rez", "w:reza", ...) into truncated HMAC-SHA256 values under
`BLIND_INDEX_KEY`, so the database can match names without holding them. The same term gives the
same value (that is what makes it searchable): the index reveals which rows share a term, never
the term itself without the key.

With DEBUG on (or in tests) and no keys set, development keys are derived from SECRET_KEY, and a
log line says so. With DEBUG off, missing or malformed keys stop the start (settings.py).
"""

import base64
import binascii
import hashlib
import hmac
import logging
import os
import threading

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "e1"
NONCE_BYTES = 12
KEY_BYTES = 32
INDEX_BITS = 32  # blind index values are signed 32-bit integers (PostgreSQL int4[])


class DecryptionError(ValueError):
    """A stored value did not open: tampered with, copied from another column, or sealed under a
    key that FIELD_ENCRYPTION_KEYS no longer lists."""


class KeyConfigurationError(ValueError):
    pass


def generate_key() -> str:
    """A new random key in the format FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY expect."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode()


def decode_key(text: str, name: str = "key") -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode() + b"=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError):
        raise KeyConfigurationError(f"{name} is not URL-safe base64.") from None
    if len(raw) != KEY_BYTES:
        raise KeyConfigurationError(f"{name} must decode to {KEY_BYTES} bytes, not {len(raw)}.")
    return raw


def key_id(key: bytes) -> str:
    """A short public fingerprint of a key, stored with each value to pick the key that opens it."""
    return hashlib.sha256(b"glo-act field key id\0" + key).hexdigest()[:8]


def key_setting_problems(field_keys: list[str], blind_index_key: str) -> list[str]:
    """What is wrong with the key settings, for the production refusal list in settings.py."""
    problems = []
    if not field_keys:
        problems.append("FIELD_ENCRYPTION_KEYS is not set (comma-separated keys, first = current).")
    for i, text in enumerate(field_keys):
        try:
            decode_key(text, f"FIELD_ENCRYPTION_KEYS key {i + 1}")
        except KeyConfigurationError as e:
            problems.append(
                str(e) + " Make one with: python -c 'from glo_act.crypto import generate_key; print(generate_key())'"
            )
    if not blind_index_key:
        problems.append("BLIND_INDEX_KEY is not set (the key of the name-search index).")
    else:
        try:
            decode_key(blind_index_key, "BLIND_INDEX_KEY")
        except KeyConfigurationError as e:
            problems.append(str(e))
        if blind_index_key.strip() in [k.strip() for k in field_keys]:
            problems.append("BLIND_INDEX_KEY must differ from every FIELD_ENCRYPTION_KEYS key.")
    return problems


class Keyring:
    """The keys in force: `current` seals, all of `keys` (by key id) open."""

    def __init__(self, field_keys: list[bytes], blind_index_key: bytes):
        if not field_keys:
            raise KeyConfigurationError("No field encryption key.")
        self.current_id = key_id(field_keys[0])
        self.aeads = {}
        for key in field_keys:
            self.aeads.setdefault(key_id(key), AESGCM(key))
        self.current = self.aeads[self.current_id]
        self.blind_index_key = blind_index_key
        self.blind_index_id = key_id(blind_index_key)
        self._mac = hmac.new(blind_index_key, digestmod=hashlib.sha256)
        self._cache: dict[str, int] = {}

    # ------------------------------------------------------------------ sealing

    def encrypt(self, plaintext: str, label: str) -> str:
        return self.encrypt_many([plaintext], label)[0]

    def encrypt_many(self, plaintexts: list[str], label: str) -> list[str]:
        """Seal each value on its own (fresh nonce each; the nonces are drawn in one call)."""
        kid = self.current_id
        aad = f"{TOKEN_PREFIX}.{kid}.{label}".encode()
        head = f"{TOKEN_PREFIX}.{kid}."
        seal = self.current.encrypt
        b64 = base64.urlsafe_b64encode
        nonces = os.urandom(NONCE_BYTES * len(plaintexts))
        out = []
        for i, text in enumerate(plaintexts):
            nonce = nonces[i * NONCE_BYTES : (i + 1) * NONCE_BYTES]
            out.append(head + b64(nonce + seal(nonce, text.encode(), aad)).rstrip(b"=").decode())
        return out

    def decrypt(self, token: str, label: str) -> str:
        try:
            prefix, kid, body = token.split(".", 2)
        except ValueError:
            raise DecryptionError(f"{label}: the stored value is not an encrypted value.") from None
        if prefix != TOKEN_PREFIX:
            raise DecryptionError(f"{label}: the stored value is not an encrypted value.")
        aead = self.aeads.get(kid)
        if aead is None:
            raise DecryptionError(
                f"{label}: sealed with key {kid}, which FIELD_ENCRYPTION_KEYS does not list "
                "(was an old key removed before `manage.py rotate_field_keys` ran?)."
            )
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], f"{prefix}.{kid}.{label}".encode()).decode()
        except (InvalidTag, ValueError, binascii.Error):
            raise DecryptionError(
                f"{label}: the encrypted value failed its integrity check (altered, truncated or moved "
                "from another column)."
            ) from None

    def token_key_id(self, token: str) -> str | None:
        parts = token.split(".", 2)
        return parts[1] if len(parts) == 3 and parts[0] == TOKEN_PREFIX else None

    # ------------------------------------------------------------------ blind index

    def index_value(self, term: str) -> int:
        """The blind index value of one search term: HMAC-SHA256, truncated to a signed int32.

        Deterministic by design, so a per-process cache is safe (and makes bulk loads fast: names
        repeat)."""
        value = self._cache.get(term)
        if value is None:
            value = _index_value(self._mac, term)
            if len(self._cache) < 200_000:
                self._cache[term] = value
        return value

    def index_values(self, terms) -> list[int]:
        """Sorted, distinct index values of the terms (what an int4[] column holds)."""
        index_value = self.index_value
        return sorted({index_value(t) for t in terms})


def _index_value(mac, term: str) -> int:
    m = mac.copy()
    m.update(term.encode())
    return int.from_bytes(m.digest()[:4], "big", signed=True)


_lock = threading.Lock()
_keyring: Keyring | None = None


def _dev_key(secret_key: str, purpose: str) -> bytes:
    return hashlib.sha256(f"glo-act development {purpose} key\0{secret_key}".encode()).digest()


def build_keyring(field_keys: list[str], blind_index_key: str, *, secret_key: str = "", dev: bool = False) -> Keyring:
    derived = []
    if field_keys:
        keys = [decode_key(k, f"FIELD_ENCRYPTION_KEYS key {i + 1}") for i, k in enumerate(field_keys)]
    elif dev:
        keys = [_dev_key(secret_key, "field encryption")]
        derived.append("FIELD_ENCRYPTION_KEYS")
    else:
        raise KeyConfigurationError("FIELD_ENCRYPTION_KEYS is not set.")
    if blind_index_key:
        index_key = decode_key(blind_index_key, "BLIND_INDEX_KEY")
    elif dev:
        index_key = _dev_key(secret_key, "blind index")
        derived.append("BLIND_INDEX_KEY")
    else:
        raise KeyConfigurationError("BLIND_INDEX_KEY is not set.")
    if derived:
        logger.warning(
            "%s not set: using development keys derived from SECRET_KEY (DEBUG or tests only; "
            "data sealed with them is only as secret as SECRET_KEY).",
            " and ".join(derived),
        )
    return Keyring(keys, index_key)


def keyring() -> Keyring:
    """The keys from the settings, built once per process (reset when tests change the settings)."""
    global _keyring
    ring = _keyring
    if ring is None:
        with _lock:
            if _keyring is None:
                from django.conf import settings

                _keyring = build_keyring(
                    list(getattr(settings, "FIELD_ENCRYPTION_KEYS", []) or []),
                    getattr(settings, "BLIND_INDEX_KEY", "") or "",
                    secret_key=settings.SECRET_KEY,
                    dev=bool(settings.DEBUG or getattr(settings, "TESTING", False)),
                )
            ring = _keyring
    return ring


def reset_keyring(**kwargs) -> None:
    global _keyring
    if kwargs.get("setting") in (None, "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "SECRET_KEY"):
        _keyring = None


def encrypt(plaintext: str, label: str) -> str:
    return keyring().encrypt(plaintext, label)


def decrypt(token: str, label: str) -> str:
    return keyring().decrypt(token, label)
