"""Reads of cases, scoped to the user. Every list and detail, UI and API, comes through here.

Visibility is the union of three literal id lists (see shared/reference/performance.md):
- cases owned by the agencies where the user has a case role (full, identifying access);
- cases granted by django-guardian to the user or to their agencies' groups (explicit shares);
- cases in the countries the user oversees (pseudonymous: no identifying fields).
"""

from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from partners.models import Agency
from partners.selectors import UserScope, user_scope
from victims.models import Person

from .models import Case, CaseGroupObjectPermission, CaseUserObjectPermission, Identification

_perm_ids: dict[str, int] = {}


def _permission_id(codename: str) -> int:
    if codename not in _perm_ids:
        _perm_ids[codename] = Permission.objects.get(content_type__app_label="cases", codename=codename).id
    return _perm_ids[codename]


def granted_case_ids(user, codename: str = "view_case", *, case_ids=None) -> set[int]:
    """Case ids granted to the user or their agencies' groups for a permission, as a small list."""
    scope = user_scope(user)
    if not user.is_authenticated:
        return set()
    cache = user.__dict__.setdefault("_glo_act_grants", {})
    key = (codename, None if case_ids is None else frozenset(case_ids))
    if key in cache:
        return cache[key]
    perm = _permission_id(codename)
    by_group = CaseGroupObjectPermission.objects.filter(permission_id=perm, group_id__in=scope.grantee_group_ids)
    by_user = CaseUserObjectPermission.objects.filter(permission_id=perm, user_id=user.id)
    if case_ids is not None:
        by_group = by_group.filter(content_object_id__in=case_ids)
        by_user = by_user.filter(content_object_id__in=case_ids)
    ids = set(by_group.values_list("content_object_id", flat=True)) if scope.grantee_group_ids else set()
    ids |= set(by_user.values_list("content_object_id", flat=True))
    cache[key] = ids
    return ids


def _scope_q(scope: UserScope, shared_ids: set[int]) -> Q | None:
    parts = []
    if scope.case_agency_ids:
        parts.append(Q(agency_id__in=sorted(scope.case_agency_ids)))
    if shared_ids:
        parts.append(Q(id__in=sorted(shared_ids)))
    if scope.oversight_country_codes:
        parts.append(Q(country_id__in=sorted(scope.oversight_country_codes)))
    if not parts:
        return None
    q = parts[0]
    for part in parts[1:]:
        q |= part
    return q


def case_visible_to(user) -> QuerySet[Case]:
    """All cases the user may see in any form (identifying or pseudonymous)."""
    scope = user_scope(user)
    q = _scope_q(scope, granted_case_ids(user) if user.is_authenticated else set())
    if q is None:
        return Case.objects.none()
    return Case.objects.filter(q)


def identity_q(user) -> Q | None:
    """The cases whose identifying data the user may see, as a filter (None: none at all)."""
    scope = user_scope(user)
    parts = []
    if scope.case_agency_ids:
        parts.append(Q(agency_id__in=sorted(scope.case_agency_ids)))
    ids = granted_case_ids(user, "view_case_identity") if user.is_authenticated else set()
    if ids:
        parts.append(Q(id__in=sorted(ids)))
    if not parts:
        return None
    return parts[0] | parts[1] if len(parts) == 2 else parts[0]


@dataclass(frozen=True)
class CaseAccess:
    """What one user may do with one case."""

    view_identity: bool
    edit: bool  # record notes, consents, assessments, plans; change status
    record_services: bool
    supervise: bool
    shared: bool  # seen through an explicit grant, not as the owner

    @property
    def pseudonymous(self) -> bool:
        return not self.view_identity


def case_access(user, case: Case) -> CaseAccess:
    scope = user_scope(user)
    owner = case.agency_id in scope.case_agency_ids
    identity = owner or case.id in granted_case_ids(user, "view_case_identity", case_ids=[case.id])
    services = owner or case.id in granted_case_ids(user, "record_case_service", case_ids=[case.id])
    return CaseAccess(
        view_identity=identity,
        edit=owner,
        record_services=services,
        supervise=case.agency_id in scope.supervisor_agency_ids,
        shared=not owner and case.id in granted_case_ids(user),
    )


def identity_case_ids(user, case_ids) -> set[int]:
    """Of the given cases, those whose identifying data the user may see (for list pages)."""
    scope = user_scope(user)
    case_ids = list(case_ids)
    owned = (
        set(Case.objects.filter(id__in=case_ids, agency_id__in=scope.case_agency_ids).values_list("id", flat=True))
        if scope.case_agency_ids
        else set()
    )
    return owned | granted_case_ids(user, "view_case_identity", case_ids=case_ids)


def case_get(user, reference: str) -> tuple[Case, CaseAccess]:
    """The case with this reference if the user may see it; otherwise 404, as if it did not exist."""
    try:
        case = (
            case_visible_to(user)
            .select_related("person", "agency", "agency__country", "assigned_to", "country", "created_by")
            .get(reference=reference)
        )
    except Case.DoesNotExist:
        raise Http404("No such case.") from None
    return case, case_access(user, case)


def case_list(user) -> QuerySet[Case]:
    """The scoped list, newest first, with what list pages show joined in one query."""
    return (
        case_visible_to(user)
        .select_related("person", "agency", "assigned_to", "country")
        .order_by("-created_at", "-id")
    )


def identification_list(user) -> QuerySet[Identification]:
    """Identifications on the cases the user may see (pseudonymous rows are redacted by the caller)."""
    return (
        Identification.objects.filter(case__in=case_visible_to(user))
        .select_related("case", "agency", "caseworker")
        .order_by("-identified_on", "-id")
    )


def person_list(user) -> QuerySet[Person]:
    """Persons with a case whose identifying data the user may see; never through a pseudonymous case.

    Each person carries `identity_cases`: those of their cases, only, that the user sees with identity
    (listing their other cases would tie a pseudonymous case to a named person).
    """
    allowed = identity_q(user)
    if allowed is None:
        return Person.objects.none()
    cases = case_visible_to(user).filter(allowed)
    return (
        Person.objects.filter(id__in=cases.values("person_id"))
        .prefetch_related(
            Prefetch(
                "cases",
                queryset=cases.only("id", "reference", "person_id", "agency_id").order_by("-created_at", "-id"),
                to_attr="identity_cases",
            )
        )
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class CaseShare:
    """One agency's explicit access to a case (a guardian grant to the agency's group)."""

    agency: Agency
    identity: bool
    services: bool


def case_shares(case: Case) -> list[CaseShare]:
    """The agencies a case is shared with, and what each may do: for the owner's staff to review."""
    rows = CaseGroupObjectPermission.objects.filter(content_object=case).values_list("group_id", "permission__codename")
    by_group: dict[int, set[str]] = {}
    for group_id, codename in rows:
        by_group.setdefault(group_id, set()).add(codename)
    agencies = Agency.objects.filter(group_id__in=by_group).select_related("country").order_by("name")
    return [
        CaseShare(
            agency=a,
            identity="view_case_identity" in by_group[a.group_id],
            services="record_case_service" in by_group[a.group_id],
        )
        for a in agencies
        if "view_case" in by_group[a.group_id]
    ]
