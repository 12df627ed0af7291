"""User data inside a translated sentence: `{% load bidi %}`.

A name, agency or e-mail written left to right inside a right-to-left sentence (or the other way
round) must be isolated, or its neighbouring punctuation jumps to the wrong side. Wrap the value
before it goes into the sentence, so that the markup stays out of the message id:

    {% blocktranslate trimmed with name=user.first_name|bdi %}Welcome, {{ name }}{% endblocktranslate %}
"""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def bdi(value):
    """The value (escaped) in <bdi>...</bdi>; an empty value stays empty."""
    if value is None or value == "":
        return ""
    return format_html("<bdi>{}</bdi>", value)
