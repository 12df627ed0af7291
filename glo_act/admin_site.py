from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class GloActAdminSite(admin.AdminSite):
    """Django admin for administrators: agencies, users, memberships. No case or person data."""

    site_header = _("glo_act administration")
    site_title = _("glo_act admin")
    index_title = _("Agencies, users and memberships")

    def has_permission(self, request):
        from partners.selectors import user_scope

        return request.user.is_active and user_scope(request.user).is_admin


class GloActAdminConfig(AdminConfig):
    default_site = "glo_act.admin_site.GloActAdminSite"
