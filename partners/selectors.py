"""Reads about partners, and the one place that turns memberships into a user's scope."""

from dataclasses import dataclass

from django.db.models import QuerySet

from .models import (
    CASE_ROLES,
    GRANTEE_ROLES,
    IDENTIFYING_ROLES,
    OVERSIGHT_ROLES,
    Agency,
    Country,
    Membership,
    Role,
    Scope,
)


@dataclass(frozen=True)
class UserScope:
    """What a user may see, as literal id lists (cheap to apply, see shared/reference/performance.md)."""

    roles: frozenset[str]
    # Agencies whose cases the user works on with identifying data.
    case_agency_ids: frozenset[int]
    # Agencies where the user may log identifications.
    identify_agency_ids: frozenset[int]
    # Agencies where the user supervises.
    supervisor_agency_ids: frozenset[int]
    # Groups (of the user's agencies) whose guardian grants on cases apply to the user.
    grantee_group_ids: frozenset[int]
    # Countries whose cases the user sees pseudonymously (programme managers, auditors).
    oversight_country_codes: frozenset[str]
    is_admin: bool
    # Countries of the agencies the user is an active member of (issue 6: default language and calendar).
    membership_country_codes: frozenset[str] = frozenset()

    @property
    def has_case_access(self) -> bool:
        return bool(self.case_agency_ids or self.grantee_group_ids)

    @property
    def is_oversight(self) -> bool:
        return bool(self.oversight_country_codes)

    @property
    def sees_anything(self) -> bool:
        return self.has_case_access or self.is_oversight


EMPTY_SCOPE = UserScope(frozenset(), frozenset(), frozenset(), frozenset(), frozenset(), frozenset(), False)


def user_scope(user) -> UserScope:
    """The user's scope, computed once per user object (one query) and cached on it."""
    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY_SCOPE
    cached = getattr(user, "_glo_act_scope", None)
    if cached is not None:
        return cached
    memberships = list(
        Membership.objects.filter(user=user, is_active=True, agency__is_active=True).values_list(
            "role", "scope", "agency_id", "agency__group_id", "agency__country_id"
        )
    )
    programme_countries = None
    roles, case_agencies, identify, supervise, groups, countries = set(), set(), set(), set(), set(), set()
    member_countries = set()
    for role, scope, agency_id, group_id, country_id in memberships:
        roles.add(role)
        member_countries.add(country_id)
        if role in CASE_ROLES:
            case_agencies.add(agency_id)
        if role in IDENTIFYING_ROLES:
            identify.add(agency_id)
        if role == Role.SUPERVISOR:
            supervise.add(agency_id)
        if role in GRANTEE_ROLES:
            groups.add(group_id)
        if role in OVERSIGHT_ROLES:
            if scope == Scope.REGION:
                if programme_countries is None:
                    programme_countries = set(
                        Country.objects.filter(is_programme_country=True).values_list("code", flat=True)
                    )
                countries |= programme_countries
            else:
                countries.add(country_id)
    scope = UserScope(
        roles=frozenset(roles),
        case_agency_ids=frozenset(case_agencies),
        identify_agency_ids=frozenset(identify),
        supervisor_agency_ids=frozenset(supervise),
        grantee_group_ids=frozenset(groups),
        oversight_country_codes=frozenset(countries),
        is_admin=Role.ADMINISTRATOR in roles or user.is_superuser,
        membership_country_codes=frozenset(member_countries),
    )
    user._glo_act_scope = scope
    return scope


def agency_list() -> QuerySet:
    """The agency directory is open to every signed-in user: agencies are public partners."""
    return Agency.objects.filter(is_active=True).select_related("country", "province")


# --- issue 6: calendar and language preferences ---
SOLAR_HIJRI_COUNTRIES = frozenset({"IR", "AF"})
# The language of each programme country's partners, for users who have not chosen one.
COUNTRY_LANGUAGES = {"IR": "fa", "AF": "fa-af", "IQ": "ar", "PK": "ur"}


def _membership_countries(user) -> frozenset[str]:
    """Countries of the user's active memberships (of active agencies): the scope's query, cached."""
    return user_scope(user).membership_country_codes


def user_calendar(user) -> str:
    """The calendar a user sees and types dates in: "gregorian" or "solar_hijri".

    An explicit choice on the user wins. Otherwise Solar Hijri when every agency the user is an
    active member of is in Iran or Afghanistan (where it is the official calendar), else Gregorian:
    a regional or UN user working across borders keeps the Gregorian calendar. No query of its
    own: the memberships come with user_scope's (cached on the user object).
    """
    from glo_act.calendars import GREGORIAN, SOLAR_HIJRI

    if user is None or not getattr(user, "is_authenticated", False):
        return GREGORIAN
    chosen = getattr(user, "calendar", "")
    if chosen in (GREGORIAN, SOLAR_HIJRI):
        return chosen
    return automatic_calendar(user)


def automatic_calendar(user) -> str:
    """The calendar a user gets without a choice of their own (see user_calendar)."""
    from glo_act.calendars import GREGORIAN, SOLAR_HIJRI

    countries = _membership_countries(user)
    return SOLAR_HIJRI if countries and countries <= SOLAR_HIJRI_COUNTRIES else GREGORIAN


def user_language(user) -> str:
    """The language a user reads the interface and their e-mails in (a code of settings.LANGUAGES).

    An explicit choice on the user (User.language) wins. Otherwise ("" = automatic) the language of
    the programme country when all the user's active memberships are in that one country (Iran:
    Persian, Afghanistan: Dari, Iraq: Arabic, Pakistan: Urdu), else English: regional and UN staff
    working across borders keep English until they choose. Anonymous users get LANGUAGE_CODE (the
    middleware reads their browser's Accept-Language instead). Same cached query as user_scope.
    """
    from django.conf import settings

    if user is None or not getattr(user, "is_authenticated", False):
        return settings.LANGUAGE_CODE
    chosen = getattr(user, "language", "")
    if chosen and chosen in dict(settings.LANGUAGES):
        return chosen
    return automatic_language(user)


def automatic_language(user) -> str:
    """The language a user gets without a choice of their own (see user_language)."""
    from django.conf import settings

    countries = _membership_countries(user)
    if len(countries) == 1:
        (country,) = countries
        return COUNTRY_LANGUAGES.get(country, settings.LANGUAGE_CODE)
    return settings.LANGUAGE_CODE
