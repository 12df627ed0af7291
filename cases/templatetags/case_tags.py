"""Template helpers: show code-list values (stored as codes in arrays) with their labels."""

from django import template

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
