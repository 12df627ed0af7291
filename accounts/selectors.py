"""Reads for sign-in: who must use a second factor, their devices, their API tokens."""

from django.db.models import QuerySet

from partners.selectors import user_scope

from .models import ApiToken, RecoveryCodeDevice, TOTPDevice


def mfa_required(user) -> bool:
    """Anyone who may see a person's identity, and administrators, must use a second factor.

    That is every membership that gives case access (caseworker, supervisor, service provider,
    focal point: `user_scope(user).has_case_access`), administrators and Django staff. Programme
    managers and auditors see pseudonymous data only: for them a second factor is optional, but
    once they enrol it is required at every sign-in (see mfa_enforced).
    """
    if not user.is_authenticated:
        return False
    scope = user_scope(user)
    return scope.has_case_access or scope.is_admin or user.is_staff or user.is_superuser


def totp_device(user, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("-id").first()


def recovery_device(user) -> RecoveryCodeDevice | None:
    return RecoveryCodeDevice.objects.filter(user=user, confirmed=True).first()


def mfa_enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def mfa_enforced(user) -> bool:
    """Must this signed-in user pass the second step before using the site?"""
    return mfa_required(user) or mfa_enrolled(user)


def api_tokens_of(user) -> QuerySet:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def api_tokens_visible_to(user) -> QuerySet:
    """Own tokens; administrators see everyone's (to revoke them)."""
    if user_scope(user).is_admin:
        return ApiToken.objects.select_related("user").order_by("-created_at")
    return api_tokens_of(user).select_related("user")
