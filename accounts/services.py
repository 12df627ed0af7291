"""Writes for sign-in: second factors, recovery codes, API tokens, and the MFA step of a session."""

import datetime
import secrets

import django_otp
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import security_event_record

from . import selectors
from .models import ApiToken, RecoveryCode, RecoveryCodeDevice, TOTPDevice, normalise_recovery_code, secret_hash

RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: codes are read off paper.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _event(kind: str, *, user=None, request=None, detail=None) -> None:
    """A security event for the audit trail (never a code, a key or a password in `detail`)."""
    request = getattr(request, "_request", request)  # DRF's Request wraps the HttpRequest
    security_event_record(kind=kind, user=user, username=getattr(user, "username", ""), request=request, detail=detail)


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))  # ~49 bits
    return f"{raw[:5]}-{raw[5:]}"


# --- enrolment -------------------------------------------------------------------------------


@transaction.atomic
def totp_enrolment_start(*, user) -> TOTPDevice:
    """The unconfirmed device whose secret the enrolment page shows (the same one until confirmed)."""
    device = selectors.totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def totp_enrolment_confirm(*, request, user, token: str) -> list[str]:
    """Confirm the pending device with a code from the app; returns the new recovery codes.

    The session counts as verified with the new device. Any older device is replaced. A wrong
    code is recorded (outside the transaction) as a failed sign-in step.
    """
    device = selectors.totp_device(user, confirmed=False)
    if device is None:
        raise ValidationError({"otp": _("Start the enrolment again: no authenticator is waiting for a code.")})
    if not device.verify_token(_digits(token)):
        count_failure(request=request, user=user)
        _event("mfa_failed", user=user, request=request, detail={"step": "enrolment"})
        raise ValidationError({"otp": _("That code is not right. Check the app's clock and type the current code.")})
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_generate(user=user, request=request, _event_kind=None)
        _mark_verified(request=request, device=device)
        _event("mfa_enrolled", user=user, request=request, detail={"device": device.name})
    return codes


@transaction.atomic
def recovery_codes_generate(*, user, request=None, _event_kind="recovery_codes_regenerated") -> list[str]:
    """Ten new one-time recovery codes, returned once; the old ones stop working."""
    device, _created = RecoveryCodeDevice.objects.get_or_create(
        user=user, defaults={"name": "Recovery codes", "confirmed": True}
    )
    device.codes.all().delete()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, code_hash=secret_hash(normalise_recovery_code(code))) for code in codes
    )
    if _event_kind:
        _event(_event_kind, user=user, request=request)
    return codes


def mfa_disable(*, request, user, token: str) -> None:
    """Remove the authenticator and recovery codes; needs a current code (or a recovery code).

    A wrong code is recorded (outside any transaction) as a failed sign-in step.
    """
    if not selectors.mfa_enrolled(user):
        raise ValidationError({"otp": _("There is no authenticator to remove.")})
    if _match(user, token) is None:
        count_failure(request=request, user=user)
        _event("mfa_failed", user=user, request=request, detail={"step": "disable"})
        raise ValidationError({"otp": _("That code is not right.")})
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        RecoveryCodeDevice.objects.filter(user=user).delete()
        _event("mfa_disabled", user=user, request=request)


# --- the second step of a sign-in ------------------------------------------------------------


def mfa_verify(*, request, token: str) -> bool:
    """Check a code from the app or a recovery code for the signed-in user; mark the session.

    A wrong code counts as a failed sign-in for django-axes (same lock-out as wrong passwords).
    Not atomic on purpose: the failure must be recorded even though the request fails.
    """
    user = request.user
    device = _match(user, token)
    if device is None:
        count_failure(request=request, user=user)
        _event("mfa_failed", user=user, request=request, detail={"step": "sign-in"})
        return False
    if isinstance(device, RecoveryCodeDevice):
        _event("recovery_code_used", user=user, request=request, detail={"left": device.codes_left()})
    _mark_verified(request=request, device=device)
    _event("mfa_verified", user=user, request=request, detail={"device": device.name})
    return True


def _digits(token: str) -> str:
    return "".join(str(token).split())


def _match(user, token: str):
    """The user's confirmed device that accepts this code, if any (TOTP first, then recovery)."""
    token = str(token or "").strip()
    if not token:
        return None
    totp = selectors.totp_device(user)
    if totp is None:
        return None  # recovery codes only stand in for an enrolled authenticator
    with transaction.atomic():
        digits = _digits(token)
        if digits.isdigit() and len(digits) == totp.digits:
            locked = TOTPDevice.objects.select_for_update().get(pk=totp.pk)
            return locked if locked.verify_token(digits) else None
        recovery = selectors.recovery_device(user)
        if recovery is not None and recovery.verify_token(token):
            return recovery
    return None


def totp_valid_for_api(*, user, token: str) -> bool:
    """The token endpoint's check: a current code from the app or an unused recovery code."""
    device = _match(user, token)
    if device is not None and isinstance(device, RecoveryCodeDevice):
        _event("recovery_code_used", user=user, detail={"left": device.codes_left(), "via": "api"})
    return device is not None


def _mark_verified(*, request, device) -> None:
    """The session passed the second step: new session key (no fixation), lock-out counters reset."""
    from axes.handlers.proxy import AxesProxyHandler

    request.session.cycle_key()
    django_otp.login(request, device)
    AxesProxyHandler.reset_attempts(username=request.user.get_username(), ip_address=_ip(request))


def _ip(request):
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request)


def count_failure(*, request, user) -> None:
    """Tell django-axes (and the audit trail's listener) that a sign-in step failed."""
    if request is None:
        return
    user_login_failed.send(
        sender=__name__, credentials={"username": user.get_username()}, request=getattr(request, "_request", request)
    )


def password_changed(*, request) -> None:
    """Recorded for the audit trail (Django's PasswordChangeView did the change)."""
    _event("password_changed", user=request.user, request=request)


def sign_in_completed(*, request, user=None) -> None:
    """A sign-in that passed every step it needed: reset the lock-out counters of username+address."""
    from axes.handlers.proxy import AxesProxyHandler

    user = user or request.user
    AxesProxyHandler.reset_attempts(username=user.get_username(), ip_address=_ip(request))


# --- API tokens --------------------------------------------------------------------------------


@transaction.atomic
def api_token_create(*, user, name: str, request=None, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token; returns the row and the key, which is shown once and never stored."""
    name = (name or "").strip() or "API token"
    if len(name) > 100:
        raise ValidationError({"name": _("At most 100 characters.")})
    days = settings.API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= settings.API_TOKEN_DAYS:
        raise ValidationError({"days": _("Between 1 and %(days)s days.") % {"days": settings.API_TOKEN_DAYS}})
    while True:
        prefix = secrets.token_hex(ApiToken.PREFIX_LENGTH // 2)
        if not ApiToken.objects.filter(prefix=prefix).exists():
            break
    key = prefix + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, key_hash=secret_hash(key), created_at=now,
        expires_at=now + datetime.timedelta(days=days),
    )  # fmt: skip
    _event("token_created", user=user, request=request, detail={"token": prefix, "name": name})
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by, request=None) -> ApiToken:
    """Revoke a token: its owner or an administrator. Revoking twice changes nothing."""
    from partners.selectors import user_scope

    if token.user_id != by.pk and not user_scope(by).is_admin:
        raise PermissionDenied(_("Only the token's owner or an administrator may revoke it."))
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = by
        token.save(update_fields=["revoked_at", "revoked_by"])
        _event("token_revoked", user=by, request=request, detail={"token": token.prefix, "owner": token.user.username})
    return token


def api_token_touch(*, token: ApiToken) -> None:
    """Record use, at most once a minute per token (one UPDATE, no read-modify-write)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(seconds=60):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


# --- language and calendar (issue 6) -----------------------------------------------------------


@transaction.atomic
def preferences_update(*, user, language: str, calendar: str) -> list[str]:
    """Set the user's language and calendar ("" = automatic); returns the fields that changed.

    An unknown value is refused (ValidationError per field) and nothing is saved. The change is in
    the audit trail like every change to a user row (the partners_user trigger records who, from
    where, before and after); a preference is not a security event.
    """
    from partners.models import User

    values = {"language": language or "", "calendar": calendar or ""}
    errors = {}
    for field, value in values.items():
        allowed = {choice for choice, _label in User._meta.get_field(field).choices}
        if value not in allowed:
            errors[field] = _("“%(value)s” is not one of the choices.") % {"value": value}
    if errors:
        raise ValidationError(errors)
    changed = [field for field, value in values.items() if getattr(user, field) != value]
    if changed:
        for field in changed:
            setattr(user, field, values[field])
        user.save(update_fields=changed)
    return changed


# --- demo accounts (development only) ---------------------------------------------------------

# The authenticator key of every seed_demo user, published in the README so that a newcomer can
# sign in with any TOTP app or `oathtool --totp -b GLOACTDEMOTOTPSECRETFORDEVELOPRS`. Never used
# with DEBUG off, where demo accounts cannot sign in at all.
DEMO_TOTP_SECRET = "GLOACTDEMOTOTPSECRETFORDEVELOPRS"


@transaction.atomic
def demo_totp_devices_ensure(*, users) -> int:
    """Give each demo user without an authenticator one with the published demo key (DEBUG only)."""
    from base64 import b32decode

    if not settings.DEBUG or not settings.DEMO_LOGINS_ENABLED:
        raise PermissionDenied("Demo authenticators are for development only (DEBUG on).")
    key = b32decode(DEMO_TOTP_SECRET).hex()
    made = 0
    for user in users:
        if not getattr(user, "is_demo", False):
            raise PermissionDenied(f"{user.username} is not a demo account.")
        if selectors.mfa_enrolled(user):
            continue
        TOTPDevice.objects.filter(user=user).delete()
        TOTPDevice.objects.create(user=user, name="Demo authenticator (published key)", key=key, confirmed=True)
        made += 1
    return made
