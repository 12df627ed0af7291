"""Session limits and the second factor, enforced on the server before any view runs."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from audit.services import security_event_record

from . import selectors

SESSION_STARTED = "accounts_started"
SESSION_SEEN = "accounts_seen"

# Paths a signed-in but unverified user may still use.
MFA_EXEMPT_PREFIXES = ("/login/", "/logout/", "/account/mfa/", "/healthz")


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def _login_redirect(request):
    query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
    return redirect(reverse("login") + ("?" + query if query else ""))


class SessionLimitMiddleware:
    """Idle timeout (SESSION_IDLE_SECONDS) and absolute limit (SESSION_ABSOLUTE_SECONDS).

    The session stores when it started and when it was last used; past either limit it is ended
    on the server (the cookie's own age is only a hint to the browser). A page request then goes
    to the sign-in page with a message, an API request gets 401.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and request.user.is_authenticated:
            now = time.time()
            started = session.get(SESSION_STARTED)
            seen = session.get(SESSION_SEEN)
            if started is None or seen is None:
                session[SESSION_STARTED] = session[SESSION_SEEN] = now
            elif now - seen > settings.SESSION_IDLE_SECONDS or now - started > settings.SESSION_ABSOLUTE_SECONDS:
                idle = now - seen > settings.SESSION_IDLE_SECONDS
                user = request.user
                security_event_record(
                    kind="session_expired", user=user, username=user.get_username(), request=request,
                    detail={"reason": "idle" if idle else "absolute"},
                )  # fmt: skip
                logout(request)
                text = (
                    _("You were signed out after a period without activity. Please sign in again.")
                    if idle
                    else _("Your session reached its time limit. Please sign in again.")
                )
                if is_api(request):
                    return JsonResponse({"detail": text}, status=401, headers={"WWW-Authenticate": "Token"})
                messages.info(request, text)
                return _login_redirect(request)
            else:
                # Every request (like SESSION_SAVE_EVERY_REQUEST): the same queries on every page,
                # and the idle time measured to the second.
                session[SESSION_SEEN] = now
        return self.get_response(request)


class MFARequiredMiddleware:
    """No page or API answer for a session that still owes its second factor.

    Applies to users for whom accounts.selectors.mfa_enforced is true (identity roles,
    administrators, and anyone who enrolled). HTML requests go to enrolment (no device yet) or to
    verification; API requests on such a session get 403. Token-authenticated API calls are not
    affected here: a token is only issued after the second factor (accounts.api).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
            and not request.path.startswith("/" + settings.STATIC_URL.lstrip("/"))
            and selectors.mfa_enforced(user)
        ):
            if is_api(request):
                return JsonResponse(
                    {"detail": _("Multi-factor authentication required: finish signing in in the browser.")}, status=403
                )
            enrolled = selectors.mfa_enrolled(user)
            target = reverse("mfa_verify" if enrolled else "mfa_enrol")
            query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
            return redirect(target + ("?" + query if query else ""))
        return self.get_response(request)
