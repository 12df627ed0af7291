"""Second factors we keep ourselves (recovery codes) and API tokens.

TOTP devices are django-otp's (`otp_totp.TOTPDevice`). Recovery codes and API tokens are stored
only as SHA-256 hashes: they are long random strings, so a fast hash is enough, and a copy of the
database does not let anyone sign in with them.
"""

import hashlib
import hmac

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_otp.models import Device


def secret_hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def normalise_recovery_code(code: str) -> str:
    """What the person typed, without spaces, dashes or case: `abcde-fghij` == `ABCDE FGHIJ`."""
    return "".join(ch for ch in code.lower() if ch.isalnum())


class RecoveryCodeDevice(Device):
    """One per user: the set of one-time recovery codes, as a django-otp device.

    Being a Device, a session verified with a recovery code is "verified" like one verified with
    the authenticator app. django-otp's static plugin would keep the codes in plain text.
    """

    def verify_token(self, token) -> bool:
        digest = secret_hash(normalise_recovery_code(str(token)))
        # One UPDATE marks the code used: two requests with the same code cannot both succeed.
        for code in self.codes.filter(used_at__isnull=True):
            if hmac.compare_digest(code.code_hash, digest):
                return RecoveryCode.objects.filter(pk=code.pk, used_at__isnull=True).update(used_at=timezone.now()) == 1
        return False

    def codes_left(self) -> int:
        return self.codes.filter(used_at__isnull=True).count()


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)


class ApiToken(models.Model):
    """An API key: shown once when made, kept as a hash; expires, can be revoked.

    The key is `prefix` (8 characters, stored in clear to find the row) followed by the secret.
    """

    PREFIX_LENGTH = 8

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=PREFIX_LENGTH, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.expires_at > timezone.now() else "expired"
