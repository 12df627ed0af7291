"""Countries, partner agencies, users and their memberships.

A user's rights come from memberships: one row per (user, agency) with a role. Every scope in
the system (which cases a person sees, and how much of them) derives from these rows.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from glo_act.vocabularies import AgencyType, Service


class User(AbstractUser):
    """A person who signs in. `is_demo` accounts come from seed_demo and only work with DEBUG on."""

    is_demo = models.BooleanField(
        _("demo account"), default=False, help_text=_("Created by seed_demo; refused when DEBUG is off.")
    )
    # --- issue 6: language and calendar preferences; "" = automatic, from the countries of the user's
    # agencies. Effective values: partners.selectors.user_language and user_calendar. ---
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        default="",
        choices=[("", _("Automatic (the language of your agency's country)")), *settings.LANGUAGES],
        help_text=_("The language of the interface and of the e-mails the user receives."),
    )
    calendar = models.CharField(
        _("calendar"),
        max_length=12,
        blank=True,
        default="",
        choices=[
            ("", _("Automatic (Solar Hijri in Iran and Afghanistan)")),
            ("gregorian", _("Gregorian")),
            ("solar_hijri", _("Solar Hijri")),
        ],
        help_text=_("The calendar dates are shown and typed in. Dates are always stored Gregorian."),
    )


class Country(models.Model):
    """ISO 3166-1. The four programme countries sort first."""

    code = models.CharField(_("code"), max_length=2, primary_key=True, help_text="ISO 3166-1 alpha-2")
    alpha3 = models.CharField(_("three-letter code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_programme_country = models.BooleanField(_("programme country"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=100)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self):
        from .countries import country_label

        return country_label(self.code, self.name)


class Province(models.Model):
    """First-level administrative division (province / governorate / ostan / welayat)."""

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="provinces", verbose_name=_("country"))
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=10, blank=True, help_text=_("ISO 3166-2 where known"))

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["country__sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["country", "name"], name="uniq_province_per_country")]

    def __str__(self):
        return self.name


class Agency(models.Model):
    """A partner organisation. Its `group` is the target of django-guardian grants on cases."""

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=30, unique=True)
    type = models.CharField(_("type"), max_length=30, choices=AgencyType.choices)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="agencies", verbose_name=_("country"))
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("province")
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    services = ArrayField(
        models.CharField(max_length=30, choices=Service.choices), default=list, blank=True, verbose_name=_("services")
    )
    is_focal_point = models.BooleanField(
        _("national focal point"),
        default=False,
        help_text=_("National focal point of the referral mechanism for its country."),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="agency", editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["country__sort_order", "name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self):
        return f"{self.name} ({self.short_name})"


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Caseworker")
    SUPERVISOR = "supervisor", _("Agency supervisor")
    SERVICE_PROVIDER = "service_provider", _("Service provider")
    FOCAL_POINT = "focal_point", _("National focal point")
    PROGRAMME_MANAGER = "programme_manager", _("Programme manager")
    AUDITOR = "auditor", _("Auditor")
    ADMINISTRATOR = "administrator", _("Administrator")


# Roles that work on their own agency's cases with identifying data.
CASE_ROLES = {Role.CASEWORKER, Role.SUPERVISOR, Role.FOCAL_POINT}
# Roles that may see cases shared with their agency (guardian grants to the agency's group).
GRANTEE_ROLES = {Role.CASEWORKER, Role.SUPERVISOR, Role.FOCAL_POINT, Role.SERVICE_PROVIDER}
# Roles that see pseudonymous case data and aggregates across a country or the region.
OVERSIGHT_ROLES = {Role.PROGRAMME_MANAGER, Role.AUDITOR}
# Roles that may log a new identification.
IDENTIFYING_ROLES = {Role.CASEWORKER, Role.SUPERVISOR, Role.FOCAL_POINT}


class Scope(models.TextChoices):
    AGENCY = "agency", _("Own agency")
    COUNTRY = "country", _("Agency's country")
    REGION = "region", _("Whole region")


class Membership(models.Model):
    """A user's role in an agency. Oversight roles carry a country or regional scope."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("agency"))
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    scope = models.CharField(
        _("scope"),
        max_length=10,
        choices=Scope.choices,
        default=Scope.AGENCY,
        help_text=_("For programme managers and auditors: their agency's country or the whole region."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["agency__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "agency", "role"], name="uniq_membership_role"),
            models.CheckConstraint(
                condition=models.Q(scope="agency") | models.Q(role__in=["programme_manager", "auditor"]),
                name="scope_only_for_oversight_roles",
            ),
        ]

    def __str__(self):
        return _("%(user)s - %(role)s at %(agency)s") % {
            "user": self.user,
            "role": self.get_role_display(),
            "agency": self.agency.short_name,
        }
