"""Browser downloads of the statistics exports (see stats/exports.py for what each contains)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .exports import export_response


@require_GET
@never_cache
@login_required
def stats_export(request, kind: str, format: str):  # noqa: A002 (the URL's own name)
    """GET /stats/exports/<kind>.<format>?date_from=&date_to=&country=[&agency=&exploitation_type=]"""
    try:
        return export_response(request.user, kind, format, request.GET)
    except ValidationError as e:
        lines = [f"{field}: {' '.join(messages)}" for field, messages in e.message_dict.items()]
        return HttpResponseBadRequest("\n".join(lines), content_type="text/plain; charset=utf-8")
