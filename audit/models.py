"""The audit trail: changes (written by PostgreSQL triggers), views of identities, security events.

All three tables are append-only in the database: a trigger (migration 0002) refuses UPDATE and
DELETE for every role, so neither the application nor a mistaken query can rewrite the past.
Rows keep the user's id and name as they were (no foreign key: deleting a user must neither fail
nor erase their trail).
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class RequestFacts(models.Model):
    """Who, when and from where; copied from the request context (audit.context)."""

    at = models.DateTimeField(db_default=Now(), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    ip = models.GenericIPAddressField(null=True)
    user_agent = models.CharField(max_length=300, blank=True)
    method = models.CharField(max_length=10, blank=True)
    path = models.CharField(max_length=500, blank=True)
    request_id = models.CharField(max_length=40, blank=True)
    # Countries the event concerns (ISO alpha-2): what a country auditor may see.
    countries = ArrayField(models.CharField(max_length=2), default=list, blank=True)

    class Meta:
        abstract = True


class Action(models.TextChoices):
    INSERT = "INSERT", _("Created")
    UPDATE = "UPDATE", _("Changed")
    DELETE = "DELETE", _("Deleted")


class ChangeEvent(RequestFacts):
    """One row inserted, updated or deleted in a tracked table, written by the trigger
    `audit_record_change` (never by Python). Identifying values are replaced by "[redacted]" in the
    trigger itself: the trail proves that a name changed, not what it was (see audit/README)."""

    table_name = models.CharField(max_length=63)
    row_id = models.CharField(max_length=40)
    action = models.CharField(max_length=6, choices=Action.choices)
    changed_fields = ArrayField(models.CharField(max_length=63), default=list, blank=True)
    old = models.JSONField(null=True)
    new = models.JSONField(null=True)
    case_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    transaction_id = models.BigIntegerField(null=True)
    # The whole application context (user, request, task or command); null: outside the application.
    context = models.JSONField(null=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["table_name", "row_id"], name="audit_change_row"),
            models.Index(fields=["actor", "-at"], name="audit_change_actor"),
            GinIndex(fields=["case_ids"], name="audit_change_cases"),
            GinIndex(fields=["countries"], name="audit_change_countries"),
        ]


class AccessKind(models.TextChoices):
    IDENTITY = "identity", _("Identifying data shown")
    PSEUDONYMOUS = "pseudonymous", _("Pseudonymous data shown")


class AccessEvent(RequestFacts):
    """One page or API answer that showed persons' identifying data: one row per request."""

    kind = models.CharField(max_length=20, choices=AccessKind.choices, default=AccessKind.IDENTITY)
    what = models.CharField(max_length=100)
    person_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    case_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["actor", "-at"], name="audit_access_actor"),
            GinIndex(fields=["person_ids"], name="audit_access_persons"),
            GinIndex(fields=["case_ids"], name="audit_access_cases"),
            GinIndex(fields=["countries"], name="audit_access_countries"),
        ]


class SecurityKind(models.TextChoices):
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Sign-in failed")
    LOGOUT = "logout", _("Signed out")
    LOCKED_OUT = "locked_out", _("Locked out")
    PERMISSION_DENIED = "permission_denied", _("Permission refused")
    MFA_VERIFIED = "mfa_verified", _("Second factor verified")
    MFA_FAILED = "mfa_failed", _("Second factor refused")
    MFA_ENROLLED = "mfa_enrolled", _("Authenticator enrolled")
    MFA_DISABLED = "mfa_disabled", _("Authenticator removed")
    RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
    RECOVERY_CODES_REGENERATED = "recovery_codes_regenerated", _("Recovery codes regenerated")
    TOKEN_CREATED = "token_created", _("API token created")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    SESSION_EXPIRED = "session_expired", _("Session expired")
    PASSWORD_CHANGED = "password_changed", _("Password changed")


class SecurityEvent(RequestFacts):
    """A sign-in, failure, sign-out, lock-out, refusal or second-factor event. Never a password."""

    kind = models.CharField(max_length=30, choices=SecurityKind.choices)
    detail = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["actor", "-at"], name="audit_security_actor"),
            models.Index(fields=["kind", "-at"], name="audit_security_kind"),
            GinIndex(fields=["countries"], name="audit_security_countries"),
        ]
