"""Template helpers: show code-list values (stored as codes in arrays) with their labels."""

from django import template
from django.utils.translation import pgettext

from glo_act import vocabularies
from victims.models import age_band

register = template.Library()


@register.filter
def labels(values, vocabulary: str) -> list:
    """`ident.acts|labels:"PalermoAct"` -> the human labels of the stored codes."""
    choices = dict(getattr(vocabularies, vocabulary).choices)
    return [choices.get(value, value) for value in values or ()]


@register.filter(name="age_band")
def age_band_filter(age):
    """`ident.age_at_identification|age_band` -> the CTDC band, e.g. '9-17'."""
    return age_band(age)


@register.filter
def band(value, user):
    """A CTDC age band for reading: '9-17' in the reader's digits, 'unknown' in their language."""
    if value in (None, "", "unknown"):
        return pgettext("age", "unknown")
    from glo_act.templatetags.calendars import local_digits

    return local_digits(value, user)


@register.filter
def widget_with_id(bound_field, element_id):
    """A form field's widget under an element id of the template's choosing (several copies of one
    form on a page), with the field's value shown as its widget shows it (e.g. in the user's calendar)."""
    return bound_field.as_widget(attrs={"id": element_id, "required": bound_field.field.required})
