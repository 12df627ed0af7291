"""The case page's erasure notice: erased (when and why), or when a closed case will be."""

from django import template

from privacy.models import ErasureRecord
from privacy.services import erasure_due_on

register = template.Library()


@register.inclusion_tag("privacy/erasure_notice_body.html", takes_context=True)
def erasure_notice(context, case, access):
    records = ErasureRecord.objects.filter(case=case)
    done = (
        case.closed_on is not None
        and records.filter(kind=ErasureRecord.Kind.ANONYMISED, case_closed_on=case.closed_on).exists()
    )
    request = context.get("request")
    return {
        "erasure": records.order_by("-at", "-id").first(),
        "due_on": None if done else erasure_due_on(case),
        "access": access,
        "user": getattr(request, "user", None),  # dates in the reader's calendar
    }
