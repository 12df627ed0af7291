"""Form plumbing for dates typed in the user's calendar, with any digits. Values are Gregorian.

A browser's <input type="date"> only knows the Gregorian calendar, so this is a text input.
Set the calendar per form instance with `use_user_calendar(form, user)` (fields are copied per
form, so this never leaks between users).
"""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .calendars import GREGORIAN, SOLAR_HIJRI, DateInputError, format_date, localise_digits, parse_date


class CalendarDateInput(forms.TextInput):
    """Shows a stored date in the user's calendar and digits; left-to-right even in RTL pages."""

    def __init__(self, attrs=None):
        base = {"dir": "ltr", "autocomplete": "off", "spellcheck": "false", "class": "date-input"}
        super().__init__({**base, **(attrs or {})})
        self.calendar = GREGORIAN
        self.language = "en"

    def format_value(self, value):
        if isinstance(value, dt.date):
            return format_date(value, calendar=self.calendar, language=self.language, style="numeric")
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        example = "1405/09/06" if self.calendar == SOLAR_HIJRI else "2026-11-27"
        widget_attrs.setdefault("placeholder", localise_digits(example, self.language))
        widget_attrs["data-calendar"] = self.calendar
        return context


class SolarHijriOrGregorianDateField(forms.Field):
    """Always cleans to a `datetime.date` (Gregorian).

    Gregorian preference: "2026-11-27" (any digits). Solar Hijri preference: also "1405/09/06",
    "۱۴۰۵/۰۹/۰۶", "1405-9-6"; a four-digit year below 1700 is read as Solar Hijri.
    """

    widget = CalendarDateInput
    default_error_messages = {"invalid": _("Enter a valid date.")}

    def __init__(self, *, calendar=GREGORIAN, language="en", **kwargs):
        super().__init__(**kwargs)
        self.set_calendar(calendar, language)

    def set_calendar(self, calendar, language=None):
        if calendar not in (GREGORIAN, SOLAR_HIJRI):
            raise ValueError(f"unknown calendar {calendar!r}")
        self.calendar = calendar
        self.widget.calendar = calendar
        if language:
            self.language = language
            self.widget.language = language

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return parse_date(str(value), self.calendar)
        except DateInputError as e:
            raise ValidationError(str(e), code="invalid") from None


def use_user_calendar(form, user):
    """Point every calendar date field of this form instance at the user's calendar and language."""
    from partners.selectors import user_calendar, user_language

    calendar = user_calendar(user)
    language = user_language(user)
    for field in form.fields.values():
        if isinstance(field, SolarHijriOrGregorianDateField):
            field.set_calendar(calendar, language)
    return form
