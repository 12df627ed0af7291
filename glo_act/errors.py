"""Error pages for DEBUG off: never a traceback, JSON under /api/, and a page even with the database down.

The 400, 403 and 404 pages extend base.html (the navigation needs the database through the
context processors and the unread-notifications tag); if that rendering fails for any reason,
they fall back to 500.html, which needs neither the database, nor a request, nor a context
processor. If even that fails, the answer is a line of plain text. Wired in glo_act/urls.py.
"""

import logging

from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

# In the language of the request (glo_act.middleware.UserLanguageMiddleware ran before any error).
MESSAGES = {
    400: (_("Bad request"), _("The request could not be understood.")),
    403: (_("Not allowed"), _("Your role does not allow this.")),
    404: (_("Not found"), _("There is no such page, or it is not open to your account.")),
    500: (_("Something went wrong"), _("The error has been logged. Nothing you entered was saved. "
          "Please try again, and tell your administrator if it happens again.")),
}  # fmt: skip
API_DETAIL = {400: _("Bad request."), 403: _("You do not have permission to perform this action."),
              404: _("Not found."), 500: _("Server error.")}  # fmt: skip


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def standalone_page(status: int, message: str | None = None) -> HttpResponse:
    """500.html with no request and no context processors; plain text if even that fails."""
    title, default = MESSAGES[status]
    try:
        body = loader.render_to_string("500.html", {"title": title, "message": message or default})
        return HttpResponse(body, status=status)
    except Exception:  # noqa: BLE001 - the last resort must not fail
        logger.exception("The standalone error page could not be rendered")
        return HttpResponse(f"{title}.\n", status=status, content_type="text/plain; charset=utf-8")


def _page(request, status: int, template: str, context: dict | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": API_DETAIL[status]}, status=status)
    try:
        return HttpResponse(loader.render_to_string(template, context or {}, request=request), status=status)
    except Exception:  # noqa: BLE001 - e.g. the database is down: the navigation cannot be drawn
        logger.exception("Error page %s could not be rendered; serving the standalone page", template)
        return standalone_page(status)


@requires_csrf_token
def bad_request(request, exception=None):
    return _page(request, 400, "400.html")


@requires_csrf_token
def permission_denied(request, exception=None):
    return _page(request, 403, "403.html", {"exception": str(exception or "")})


@requires_csrf_token
def page_not_found(request, exception=None):
    return _page(request, 404, "404.html")


@requires_csrf_token
def server_error(request):
    if _is_api(request):
        return JsonResponse({"detail": API_DETAIL[500]}, status=500)
    return standalone_page(500)


def csrf_failure(request, reason=""):
    """Django's own CSRF page is styled inline (CSP refuses it) and talks to developers."""
    return _page(
        request, 403, "403.html",
        {"exception": _("This form has expired or was sent from another site. "
                        "Go back, reload the page and try again.")},
    )  # fmt: skip
