"""Filters of the audit lists, shared by the pages and the API: user, record, dates, action."""

import datetime

import django_filters
from django import forms
from django.utils import timezone

from .models import AccessKind, Action, SecurityKind
from .selectors import case_filter_q

TRACKED_TABLES = [
    ("victims_person", "Person"),
    ("cases_case", "Case"),
    ("cases_identification", "Identification"),
    ("cases_consent", "Consent"),
    ("cases_casenote", "Case note"),
    ("referrals_referral", "Referral"),
    ("cases_casegroupobjectpermission", "Case share (agency)"),
    ("cases_caseuserobjectpermission", "Case share (user)"),
    ("partners_user", "User"),
    ("partners_membership", "Membership (role)"),
    ("partners_agency", "Agency"),
]


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class AuditFilterSet(django_filters.FilterSet):
    kind_for_case = ""

    user = django_filters.CharFilter(method="filter_user", label="User", help_text="User name or user id.")
    date_from = django_filters.DateFilter(
        method="filter_from", label="From", widget=forms.DateInput(attrs={"type": "date"}), help_text="First day."
    )
    date_to = django_filters.DateFilter(
        method="filter_to", label="To", widget=forms.DateInput(attrs={"type": "date"}), help_text="Last day."
    )

    def filter_user(self, queryset, name, value):
        value = value.strip()
        if value.isdigit():
            return queryset.filter(actor_id=int(value))
        return queryset.filter(username=value)

    @staticmethod
    def case_filter():
        return django_filters.CharFilter(method="filter_case", label="Case reference", help_text="e.g. IR-2026-000123")

    def filter_case(self, queryset, name, value):
        from cases.models import Case

        found = Case.objects.filter(reference=value.strip().upper()).values_list("id", "person_id").first()
        case_id, person_id = found if found else (None, None)
        return queryset.filter(case_filter_q(self.kind_for_case, case_id, person_id))

    def filter_from(self, queryset, name, value):
        return queryset.filter(at__gte=_day_start(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(at__lt=_day_start(value + datetime.timedelta(days=1)))


class ChangeFilterSet(AuditFilterSet):
    kind_for_case = "change"
    case = AuditFilterSet.case_filter()
    table = django_filters.ChoiceFilter(field_name="table_name", choices=TRACKED_TABLES, label="Record type")
    record = django_filters.CharFilter(field_name="row_id", label="Record id", help_text="With the record type.")
    action = django_filters.ChoiceFilter(choices=Action.choices, label="Action")
    field = django_filters.CharFilter(method="filter_field", label="Field changed")

    def filter_field(self, queryset, name, value):
        return queryset.filter(changed_fields__contains=[value.strip()])


class AccessFilterSet(AuditFilterSet):
    kind_for_case = "access"
    case = AuditFilterSet.case_filter()
    action = django_filters.ChoiceFilter(field_name="kind", choices=AccessKind.choices, label="Kind")
    person = django_filters.CharFilter(method="filter_person", label="Person reference", help_text="e.g. P-XXXXXXXX")

    def filter_person(self, queryset, name, value):
        from victims.models import Person

        person_id = Person.objects.filter(reference=value.strip().upper()).values_list("id", flat=True).first()
        return queryset.filter(person_ids__contains=[person_id]) if person_id else queryset.none()


class SecurityFilterSet(AuditFilterSet):
    action = django_filters.ChoiceFilter(field_name="kind", choices=SecurityKind.choices, label="Event")
