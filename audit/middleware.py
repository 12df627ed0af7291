"""The request's audit context, and every refusal (HTTP 403) recorded as a security event."""

from . import context
from .request_facts import request_facts


class AuditContextMiddleware:
    """Give the database triggers the request's who and from where; reset it when the request ends.

    Put it right after AuthenticationMiddleware. The user is read when a statement writes, so an
    API call authenticated by token (inside the view) is attributed to its user too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.audit_request_id = context.new_request_id()
        token = context.set_current(lambda: request_facts(request))
        try:
            response = self.get_response(request)
            if response.status_code == 403:
                from .models import SecurityKind
                from .services import security_event_record

                security_event_record(kind=SecurityKind.PERMISSION_DENIED, request=request, detail={"status": 403})
            response["X-Request-ID"] = request.audit_request_id
            return response
        finally:
            context.restore(token)
            context.reset_connections()
