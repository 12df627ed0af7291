"""Dates and numbers in the viewer's calendar and digits: `{% load calendars %}`.

{{ case.opened_on|user_date:request.user }}          6 Azar 1405 / ۶ آذر ۱۴۰۵ / 27 Nov 2026
{{ referral.sent_at|user_datetime:request.user }}    ... , 14:05 (in the current time zone)
{{ person.date_of_birth|user_date_numeric:request.user }}   1405/09/06 / 2026-11-27
{{ count|local_digits:request.user }}                ۱۲ for a Persian reader
"""

from django import template

from glo_act.calendars import format_date, localise_digits

register = template.Library()


def _language(user):
    """The user's effective language (their choice, else their agencies' country); for a user who is
    not signed in (or none), the language active for this request."""
    from django.utils import translation

    from partners.selectors import user_language

    if user is None or not getattr(user, "is_authenticated", False):
        return translation.get_language() or "en"
    return user_language(user)


def _format(value, user, style):
    from partners.selectors import user_calendar

    return format_date(value, calendar=user_calendar(user), language=_language(user), style=style)


@register.filter
def user_date(value, user):
    return _format(value, user, "long")


@register.filter
def user_datetime(value, user):
    return _format(value, user, "datetime")


@register.filter
def user_date_numeric(value, user):
    return _format(value, user, "numeric")


@register.filter
def local_digits(value, user_or_language):
    """Numbers for display; the argument is a user or a language code."""
    if value is None:
        return ""
    language = user_or_language if isinstance(user_or_language, str) else _language(user_or_language)
    return localise_digits(value, language)
