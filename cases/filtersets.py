"""One FilterSet per list, serving both the browser UI and the API (NetBox style)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from glo_act.calendar_fields import SolarHijriOrGregorianDateField
from glo_act.calendars import normalise_digits
from glo_act.vocabularies import CaseStage, CaseStatus, ExploitationType, TraffickingStatus
from partners.models import Agency
from victims.models import Person
from victims.names import name_rank, name_search_q

from .models import Case
from .selectors import identity_q


class CalendarDateFilter(django_filters.DateFilter):
    """A date typed in the user's calendar, any digits (the view calls use_user_calendar on the form);
    through the API, without a user calendar, an ISO date."""

    field_class = SolarHijriOrGregorianDateField


class CaseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Reference or name"))
    status = django_filters.ChoiceFilter(choices=CaseStatus.choices, label=_("Status"))
    stage = django_filters.ChoiceFilter(choices=CaseStage.choices, label=_("Stage"))
    agency = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.filter(is_active=True).order_by("short_name"),
        to_field_name="short_name",
        label=_("Agency"),
    )
    exploitation_type = django_filters.ChoiceFilter(
        choices=ExploitationType.choices, method="filter_exploitation", label=_("Exploitation type")
    )
    is_child = django_filters.BooleanFilter(label=_("Child"))
    is_smuggled_migrant = django_filters.BooleanFilter(label=_("Smuggled migrant"))
    trafficking_status = django_filters.ChoiceFilter(choices=TraffickingStatus.choices, label=_("Trafficking status"))
    country = django_filters.CharFilter(field_name="country_id", label=_("Country (ISO code)"))
    assigned_to_me = django_filters.BooleanFilter(method="filter_mine", label=_("Assigned to me"))
    opened_after = CalendarDateFilter(field_name="opened_on", lookup_expr="gte", label=_("Opened on or after"))
    opened_before = CalendarDateFilter(field_name="opened_on", lookup_expr="lte", label=_("Opened on or before"))

    class Meta:
        model = Case
        fields = [
            "q",
            "status",
            "stage",
            "agency",
            "exploitation_type",
            "is_child",
            "is_smuggled_migrant",
            "trafficking_status",
            "country",
            "assigned_to_me",
            "opened_after",
            "opened_before",
        ]

    def search(self, queryset, name, value):
        """Reference for everyone; names only within the cases whose identity the user may see.

        Name search over pseudonymous cases would let an oversight user test whether a named
        person is in the system, so it is confined to identity scope.
        """
        # Persian or Arabic-Indic digits in a reference or a year match the stored Latin digits.
        value = normalise_digits(value).strip()
        if not value:
            return queryset
        person_ref = Person.objects.filter(reference=value.upper()).values("id")  # references are upper-case
        condition = Q(reference__iexact=value) | Q(reference__icontains=value) | Q(person_id__in=person_ref)
        user = getattr(self.request, "user", None)
        allowed = identity_q(user) if user is not None else None
        names = name_search_q(value) if allowed is not None else None
        if names is None:
            return queryset.filter(condition)
        # Names are matched in the blind index (victims/names.py), through its GIN index as a
        # semi-join; whole words and the full name typed rank first, then the list's own order.
        named = Q(person_id__in=Person.objects.filter(names).values("id"))
        rank = name_rank(value, field="person__name_index", within=allowed)
        queryset = queryset.filter(condition | (named & allowed)).annotate(name_rank=rank)
        return queryset.order_by("-name_rank", *(queryset.query.order_by or queryset.model._meta.ordering))

    def filter_exploitation(self, queryset, name, value):
        return queryset.filter(exploitation_types__contains=[value]) if value else queryset

    def filter_mine(self, queryset, name, value):
        if value and self.request is not None and self.request.user.is_authenticated:
            return queryset.filter(assigned_to=self.request.user)
        return queryset
