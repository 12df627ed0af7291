"""Reads of the audit trail, scoped to the auditor. Every audit page and API call comes through here.

Who may read: auditors and administrators (memberships), and superusers. A regional auditor and
administrators read everything; a country auditor reads the events that concern their country
(the `countries` stored on each row). Everyone else reads nothing.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from partners.models import Membership, Role, Scope

from .models import AccessEvent, ChangeEvent, SecurityEvent


@dataclass(frozen=True)
class AuditScope:
    allowed: bool
    everything: bool
    countries: frozenset[str]


NO_AUDIT = AuditScope(False, False, frozenset())


def audit_scope(user) -> AuditScope:
    """One query, cached on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_AUDIT
    cached = getattr(user, "_glo_act_audit_scope", None)
    if cached is not None:
        return cached
    rows = Membership.objects.filter(
        user=user, is_active=True, agency__is_active=True, role__in=[Role.AUDITOR, Role.ADMINISTRATOR]
    ).values_list("role", "scope", "agency__country_id")
    everything, countries = user.is_superuser, set()
    for role, scope, country in rows:
        if role == Role.ADMINISTRATOR or scope == Scope.REGION:
            everything = True
        else:
            countries.add(country)
    scope = AuditScope(everything or bool(countries), everything, frozenset(countries))
    user._glo_act_audit_scope = scope
    return scope


def _scoped(queryset: QuerySet, user) -> QuerySet:
    scope = audit_scope(user)
    if not scope.allowed:
        return queryset.none()
    if scope.everything:
        return queryset
    return queryset.filter(countries__overlap=sorted(scope.countries))


def change_list(user) -> QuerySet[ChangeEvent]:
    return _scoped(ChangeEvent.objects.all(), user)


def access_list(user) -> QuerySet[AccessEvent]:
    return _scoped(AccessEvent.objects.all(), user)


def security_list(user) -> QuerySet[SecurityEvent]:
    return _scoped(SecurityEvent.objects.all(), user)


def case_filter_q(kind: str, case_id: int | None, person_id: int | None) -> Q:
    """Rows about one case: the case's own rows and, for its person, the person's rows."""
    if case_id is None:
        return Q(pk__in=[])
    q = Q(case_ids__contains=[case_id])
    if kind == "change" and person_id is not None:
        q |= Q(table_name="victims_person", row_id=str(person_id))
    if kind == "access" and person_id is not None:
        q |= Q(person_ids__contains=[person_id])
    return q
