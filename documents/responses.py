"""The download answer, the same for the pages and the API: always a download, never rendered."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from .models import Attachment


def download_response(attachment: Attachment, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=attachment.content_type)
    filename = attachment.display_name or f"attachment-{attachment.pk}"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Content-Length"] = str(len(content))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    # Were it ever rendered (a browser ignoring the disposition), it runs nothing and loads nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox; frame-ancestors 'none'"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["X-Frame-Options"] = "DENY"
    return response
