"""Which referrals a user sees, and in what role. Every referral page and API call comes through here.

- the sending agency's case staff see the referrals of their agency;
- the receiving agency's staff see a referral once it was delivered to them;
- national focal points see the cross-border referrals from their country (not drafts), and those to
  their country once the origin country's focal point approved them;
- programme managers and auditors see the referrals from or to the countries they oversee (to
  them, across a border, once approved at origin), pseudonymously.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from partners.models import Agency, Membership, Role
from partners.selectors import user_scope

from .models import Referral, ReferralEvent, State

RECEIVING_ROLES = {Role.SERVICE_PROVIDER, Role.CASEWORKER, Role.SUPERVISOR}


@dataclass(frozen=True)
class ReferralScope:
    sender_agency_ids: frozenset[int]
    receiver_agency_ids: frozenset[int]
    focal_country_codes: frozenset[str]
    oversight_country_codes: frozenset[str]


def referral_scope(user) -> ReferralScope:
    if not user.is_authenticated or not user.is_active:
        return ReferralScope(frozenset(), frozenset(), frozenset(), frozenset())
    cached = getattr(user, "_glo_act_referral_scope", None)
    if cached is not None:
        return cached
    scope = user_scope(user)
    rows = Membership.objects.filter(user=user, is_active=True, agency__is_active=True).values_list(
        "role", "agency_id", "agency__country_id", "agency__is_focal_point"
    )
    receivers, focal = set(), set()
    for role, agency_id, country_id, is_focal_agency in rows:
        if role in RECEIVING_ROLES:
            receivers.add(agency_id)
        if role == Role.FOCAL_POINT and is_focal_agency:
            focal.add(country_id)
    result = ReferralScope(
        sender_agency_ids=scope.case_agency_ids,
        receiver_agency_ids=frozenset(receivers),
        focal_country_codes=frozenset(focal),
        oversight_country_codes=scope.oversight_country_codes,
    )
    user._glo_act_referral_scope = result
    return result


def referral_visible_to(user) -> QuerySet[Referral]:
    rs = referral_scope(user)
    parts = []
    if rs.sender_agency_ids:
        parts.append(Q(from_agency_id__in=sorted(rs.sender_agency_ids)))
    if rs.receiver_agency_ids:
        parts.append(Q(to_agency_id__in=sorted(rs.receiver_agency_ids), delivered_at__isnull=False))
    # Until the origin's focal point approves, the destination country has no business knowing of the case.
    approved = Exists(ReferralEvent.objects.filter(referral=OuterRef("pk"), action="approved"))
    countries = sorted(rs.focal_country_codes)
    if countries:
        parts.append(
            Q(is_cross_border=True)
            & ~Q(state=State.DRAFT)
            & (Q(from_agency__country_id__in=countries) | (Q(to_country_id__in=countries) & approved))
        )
    oversight = sorted(rs.oversight_country_codes)
    if oversight:
        parts.append(
            ~Q(state=State.DRAFT)
            & (
                Q(from_agency__country_id__in=oversight)
                | (Q(to_country_id__in=oversight) & (Q(is_cross_border=False) | approved))
            )
        )
    if not parts:
        return Referral.objects.none()
    q = parts[0]
    for part in parts[1:]:
        q |= part
    return Referral.objects.filter(q)


def referral_list(user) -> QuerySet[Referral]:
    return (
        referral_visible_to(user)
        .select_related("case", "from_agency", "from_agency__country", "to_agency", "to_country", "created_by")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class ReferralRole:
    """How the user stands to one referral."""

    sender: bool  # staff of the sending agency (owner of the case)
    receiver: bool  # staff of the receiving agency in a receiving role
    origin_focal: bool  # focal point of the sending country (cross-border)
    destination_focal: bool  # focal point of the destination country (cross-border)
    sender_supervisor: bool

    @property
    def sees_shared_identity(self) -> bool:
        return self.sender or self.receiver


def referral_role(user, referral: Referral) -> ReferralRole:
    rs = referral_scope(user)
    scope = user_scope(user)
    cross = referral.is_cross_border
    return ReferralRole(
        sender=referral.from_agency_id in rs.sender_agency_ids,
        receiver=referral.to_agency_id is not None and referral.to_agency_id in rs.receiver_agency_ids,
        origin_focal=cross and referral.from_agency.country_id in rs.focal_country_codes,
        destination_focal=cross and referral.to_country_id in rs.focal_country_codes,
        sender_supervisor=referral.from_agency_id in scope.supervisor_agency_ids,
    )


def referral_get(user, reference: str) -> tuple[Referral, ReferralRole]:
    try:
        referral = referral_list(user).get(reference=reference)
    except Referral.DoesNotExist:
        raise Http404("No such referral.") from None
    return referral, referral_role(user, referral)


def receiving_agencies(*, country: str | None = None, service: str | None = None, exclude: int | None = None):
    """Agencies a referral may go to, filtered by country and service."""
    qs = Agency.objects.filter(is_active=True).select_related("country").order_by("country__sort_order", "name")
    if country:
        qs = qs.filter(country_id=country)
    if service:
        qs = qs.filter(services__contains=[service])
    if exclude:
        qs = qs.exclude(pk=exclude)
    return qs
