"""Filters of the referrals list (the API's; the browser pages may reuse them)."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from referrals.models import AWAITING_STATES, Referral, State, Urgency
from referrals.selectors import referral_scope


class Direction:
    INCOMING = "incoming"
    OUTGOING = "outgoing"
    FOCAL = "focal"
    CHOICES = [
        (INCOMING, _("Incoming: delivered to an agency where you receive referrals")),
        (OUTGOING, _("Outgoing: sent from your agency")),
        (FOCAL, _("Focal point: cross-border referrals from or to your country")),
    ]


def overdue_q() -> Q:
    """Still awaiting an answer with the response deadline passed (beat expires these shortly)."""
    return Q(state__in=sorted(AWAITING_STATES), response_deadline__lt=timezone.now())


class ReferralFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=State.choices)
    urgency = django_filters.ChoiceFilter(choices=Urgency.choices)
    direction = django_filters.ChoiceFilter(
        choices=Direction.CHOICES, method="filter_direction", label=_("Incoming, outgoing or focal point")
    )
    case = django_filters.CharFilter(field_name="case__reference", label=_("Case reference"))
    cross_border = django_filters.BooleanFilter(field_name="is_cross_border", label=_("Cross-border"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Awaiting an answer past the deadline"))

    class Meta:
        model = Referral
        fields = ["state", "urgency", "direction", "case", "cross_border", "overdue"]

    def filter_direction(self, queryset, name, value):
        rs = referral_scope(self.request.user)
        if value == Direction.OUTGOING:
            return queryset.filter(from_agency_id__in=sorted(rs.sender_agency_ids))
        if value == Direction.INCOMING:
            return queryset.filter(to_agency_id__in=sorted(rs.receiver_agency_ids), delivered_at__isnull=False)
        if value == Direction.FOCAL:
            countries = sorted(rs.focal_country_codes)
            return queryset.filter(
                Q(is_cross_border=True),
                ~Q(state=State.DRAFT),
                Q(from_agency__country_id__in=countries) | Q(to_country_id__in=countries),
            )
        return queryset

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())
