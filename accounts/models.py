"""Second factors we keep ourselves (recovery codes) and API tokens.

TOTP devices are ours (`TOTPDevice` below): django-otp's model keeps the shared secret in plain hex,
and a copy of the database would then let anyone make codes. Recovery codes and API tokens are stored
only as SHA-256 hashes: they are long random strings, so a fast hash is enough, and a copy of the
database does not let anyone sign in with them.
"""

import hashlib
import hmac
import time
from base64 import b32encode
from binascii import unhexlify
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from django_otp.util import hex_validator, random_hex

from glo_act.crypto_fields import EncryptedCharField


def secret_hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def normalise_recovery_code(code: str) -> str:
    """What the person typed, without spaces, dashes or case: `abcde-fghij` == `ABCDE FGHIJ`."""
    return "".join(ch for ch in code.lower() if ch.isalnum())


def totp_default_key() -> str:
    return random_hex(20)


def totp_key_validator(value):
    return hex_validator()(value)


class TOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """An authenticator app: django-otp's TOTP device with its secret sealed at rest.

    The same fields and verification as `django_otp.plugins.otp_totp` (RFC 6238, SHA-1, 30 s steps,
    one step of tolerance, drift, no token accepted twice), but `key` is an EncryptedCharField: the
    hex secret is sealed with the field keys (glo_act.crypto) and re-sealed by rotate_field_keys.
    """

    key = EncryptedCharField(
        max_length=80,
        validators=[totp_key_validator],
        default=totp_default_key,
        help_text=_("The shared secret, hex-encoded; stored encrypted."),
    )
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1, help_text=_("The time step of the last accepted code."))

    class Meta(Device.Meta):
        verbose_name = _("authenticator app")

    @property
    def bin_key(self) -> bytes:
        return unhexlify(self.key.encode())

    def verify_token(self, token) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        try:
            token = int(token)
        except (TypeError, ValueError):
            verified = False
        else:
            totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
            totp.time = time.time()
            verified = totp.verify(token, self.tolerance, self.last_t + 1)
            if verified:
                self.last_t = totp.t()
                if getattr(settings, "OTP_TOTP_SYNC", True):
                    self.drift = totp.drift
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified

    def get_throttle_factor(self):
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    @property
    def config_url(self) -> str:
        """The otpauth:// URI an authenticator app reads from the enrolment QR code."""
        issuer = str(getattr(settings, "OTP_TOTP_ISSUER", "") or "").replace(":", "")
        label = f"{issuer}:{self.user.get_username()}" if issuer else self.user.get_username()
        params = urlencode({"secret": b32encode(self.bin_key), "algorithm": "SHA1", "digits": self.digits,
                            "period": self.step})  # fmt: skip
        if issuer:
            params += f"&issuer={quote(issuer)}"
        return f"otpauth://totp/{quote(label)}?{params}"


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

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("starts with"), max_length=PREFIX_LENGTH, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("revoked by"),
    )  # fmt: skip

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

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
