"""Administrators: revoke API tokens, remove a lost authenticator, see and lift lock-outs.

Permissions come from the administrator role (partners.admin.AdministratorOnly). Secrets are never
shown: no TOTP key, no token hash.
"""

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from partners.admin import AdministratorOnly

from . import services
from .models import ApiToken, TOTPDevice


class ReadAndDelete(AdministratorOnly):
    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self._is_admin(request)


@admin.register(ApiToken)
class ApiTokenAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["user__username", "name", "prefix"]
    fields = ["user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at", "revoked_by"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request, *args):
        return False  # tokens are made by their owner, after the second factor

    def has_change_permission(self, request, obj=None):
        return self._is_admin(request) and obj is None  # the list and its action only

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset:
            services.api_token_revoke(token=token, by=request.user, request=request)
        count = queryset.count()
        messages.success(
            request, ngettext("%(count)s token revoked.", "%(count)s tokens revoked.", count) % {"count": count}
        )


if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class AuthenticatorAdmin(ReadAndDelete, admin.ModelAdmin):
    """Delete a lost authenticator: its owner sets up a new one at the next sign-in."""

    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    search_fields = ["user__username"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at"]
    readonly_fields = fields


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LockoutAdmin(ReadAndDelete, AxesAccessAttemptAdmin):
    """Failed sign-ins per username and address; deleting a row lifts its lock-out."""
