"""Filters of the audit lists, shared by the pages and the API: user, record, dates, action."""

import datetime

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from glo_act.calendar_fields import SolarHijriOrGregorianDateField
from glo_act.calendars import normalise_digits

from .models import AccessKind, Action, SecurityKind
from .selectors import case_filter_q

TRACKED_TABLES = [
    ("victims_person", _("Person")),
    ("cases_case", _("Case")),
    ("cases_identification", _("Identification")),
    ("cases_consent", _("Consent")),
    ("cases_casenote", _("Case note")),
    ("referrals_referral", _("Referral")),
    ("cases_casegroupobjectpermission", _("Case share (agency)")),
    ("cases_caseuserobjectpermission", _("Case share (user)")),
    ("partners_user", _("User")),
    ("partners_membership", _("Membership (role)")),
    ("partners_agency", _("Agency")),
]


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class CalendarDateFilter(django_filters.DateFilter):
    """A day typed in the user's calendar with any digits (the view calls use_user_calendar on the
    form); through the API, without a user calendar, an ISO date."""

    field_class = SolarHijriOrGregorianDateField


class AuditFilterSet(django_filters.FilterSet):
    kind_for_case = ""

    user = django_filters.CharFilter(method="filter_user", label=_("User"), help_text=_("User name or user id."))
    date_from = CalendarDateFilter(method="filter_from", label=_("From"), help_text=_("First day."))
    date_to = CalendarDateFilter(method="filter_to", label=_("To"), help_text=_("Last day."))

    def filter_user(self, queryset, name, value):
        value = normalise_digits(value).strip()
        if value.isdigit():
            return queryset.filter(actor_id=int(value))
        return queryset.filter(username=value)

    @staticmethod
    def case_filter():
        return django_filters.CharFilter(
            method="filter_case", label=_("Case reference"), help_text=_("e.g. IR-2026-000123")
        )

    def filter_case(self, queryset, name, value):
        from cases.models import Case

        reference = normalise_digits(value).strip().upper()
        found = Case.objects.filter(reference=reference).values_list("id", "person_id").first()
        case_id, person_id = found if found else (None, None)
        return queryset.filter(case_filter_q(self.kind_for_case, case_id, person_id))

    def filter_from(self, queryset, name, value):
        return queryset.filter(at__gte=_day_start(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(at__lt=_day_start(value + datetime.timedelta(days=1)))


class ChangeFilterSet(AuditFilterSet):
    kind_for_case = "change"
    case = AuditFilterSet.case_filter()
    table = django_filters.ChoiceFilter(field_name="table_name", choices=TRACKED_TABLES, label=_("Record type"))
    record = django_filters.CharFilter(
        method="filter_record", label=_("Record id"), help_text=_("With the record type.")
    )
    action = django_filters.ChoiceFilter(choices=Action.choices, label=_("Action"))
    field = django_filters.CharFilter(method="filter_field", label=_("Field changed"))

    def filter_record(self, queryset, name, value):
        return queryset.filter(row_id=normalise_digits(value).strip())

    def filter_field(self, queryset, name, value):
        return queryset.filter(changed_fields__contains=[value.strip()])


class AccessFilterSet(AuditFilterSet):
    kind_for_case = "access"
    case = AuditFilterSet.case_filter()
    action = django_filters.ChoiceFilter(field_name="kind", choices=AccessKind.choices, label=_("Kind"))
    person = django_filters.CharFilter(
        method="filter_person", label=_("Person reference"), help_text=_("e.g. P-XXXXXXXX")
    )

    def filter_person(self, queryset, name, value):
        from victims.models import Person

        reference = normalise_digits(value).strip().upper()
        person_id = Person.objects.filter(reference=reference).values_list("id", flat=True).first()
        return queryset.filter(person_ids__contains=[person_id]) if person_id else queryset.none()


class SecurityFilterSet(AuditFilterSet):
    action = django_filters.ChoiceFilter(field_name="kind", choices=SecurityKind.choices, label=_("Event"))
