from django import template

from ..forms import AttachmentForm
from ..selectors import attachments_of

register = template.Library()


@register.simple_tag
def case_attachments(case, access):
    """The case page's attachment list, only for users who see the case with identity."""
    if not access.view_identity:
        return []
    return list(attachments_of(case))


@register.simple_tag
def attachment_form():
    return AttachmentForm(auto_id="attachment-%s")
