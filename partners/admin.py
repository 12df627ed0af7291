"""Administrators manage agencies, users and memberships here; writes go through the services."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Agency, Country, Membership, Province, User
from .selectors import user_scope
from .services import agency_create


class AdministratorOnly:
    """Every permission in this admin comes from the administrator role, not model permissions."""

    def _is_admin(self, request):
        return request.user.is_active and user_scope(request.user).is_admin

    def has_module_permission(self, request):
        return self._is_admin(request)

    def has_view_permission(self, request, obj=None):
        return self._is_admin(request)

    def has_add_permission(self, request, *args):
        return self._is_admin(request)

    def has_change_permission(self, request, obj=None):
        return self._is_admin(request)

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: history and grants refer to these rows


class MembershipInline(AdministratorOnly, admin.TabularInline):
    model = Membership
    extra = 1
    fields = ("agency", "role", "scope", "is_active")
    autocomplete_fields = ("agency",)
    fk_name = "user"


@admin.register(User)
class UserAdmin(AdministratorOnly, BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = ("username", "first_name", "last_name", "email", "is_active", "is_demo", "last_login")
    list_filter = ("is_active", "is_demo", "memberships__role", "memberships__agency__country")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "email", "language", "calendar")}),  # calendar: issue 6
        (_("Status"), {"fields": ("is_active", "is_demo", "last_login", "date_joined")}),
    )
    readonly_fields = ("is_demo", "last_login", "date_joined")


@admin.register(Agency)
class AgencyAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ("name", "short_name", "type", "country", "is_focal_point", "is_active")
    list_filter = ("country", "type", "is_focal_point", "is_active")
    search_fields = ("name", "short_name", "city")
    fields = (
        "name",
        "short_name",
        "type",
        "country",
        "province",
        "city",
        "services",
        "is_focal_point",
        "email",
        "phone",
        "is_active",
    )

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = {f: form.cleaned_data[f] for f in self.fields if f in form.cleaned_data}
        created = agency_create(**data)
        obj.pk, obj.group_id = created.pk, created.group_id


@admin.register(Membership)
class MembershipAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ("user", "agency", "role", "scope", "is_active", "created_at")
    list_filter = ("role", "scope", "is_active", "agency__country")
    search_fields = ("user__username", "agency__short_name", "agency__name")
    autocomplete_fields = ("user", "agency")


@admin.register(Country)
class CountryAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ("name", "code", "alpha3", "is_programme_country")
    search_fields = ("name", "code")


@admin.register(Province)
class ProvinceAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ("name", "country", "code")
    list_filter = ("country",)
    search_fields = ("name",)
