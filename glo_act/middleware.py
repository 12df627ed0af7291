"""Response headers that protect every answer (security headers, no caching of personal data), and the
language of each answer (issue 6)."""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class SecurityHeadersMiddleware:
    """Content-Security-Policy, Permissions-Policy, X-Frame-Options and Cross-Origin-Resource-Policy
    on every response, static files included.

    It sits right after Django's SecurityMiddleware and before WhiteNoise, which answers static
    files itself without calling the rest of the chain. The policy is one fixed string (no nonces:
    nothing inline is allowed), so this is a few lines rather than a dependency. A view that needs a
    different policy (the API docs page) sets its own Content-Security-Policy header, which is kept.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = settings.CONTENT_SECURITY_POLICY
        self.permissions_policy = settings.PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code in (404, 500) and _is_html(response):
            # Django's technical 404/500 pages (DEBUG only) are styled and scripted inline.
            return response
        headers = response.headers
        if self.csp:
            headers.setdefault("Content-Security-Policy", self.csp)
        if self.permissions_policy:
            headers.setdefault("Permissions-Policy", self.permissions_policy)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


def _is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


def csp_with(**directives: str) -> str:
    """The site's policy with some directives replaced, e.g. csp_with(img_src="'self' data:")."""
    policy = dict(settings.CONTENT_SECURITY_POLICY_DIRECTIVES)
    policy.update({name.replace("_", "-"): value for name, value in directives.items()})
    return "; ".join(f"{name} {value}" for name, value in policy.items())


class NoStoreMiddleware:
    """Every page and API answer may carry personal data: browsers and proxies must never store one.

    It covers every response that Django builds (pages, API, admin, errors, downloads, whoever is
    signed in or not: a half-signed-in user between password and code is anonymous to Django, and
    the token endpoint answers anonymous requests). Static files are answered by WhiteNoise before
    this runs and keep their long cache lifetime.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response


class UserLanguageMiddleware:
    """The language of every page, message and error of a request (issue 6).

    Sits right after AuthenticationMiddleware, in place of Django's LocaleMiddleware, which cannot
    see the user. A signed-in user (a session that still owes its second factor included) reads
    partners.selectors.user_language: their own choice on the account page, else the language of
    their agencies' country, else English; it needs no query of its own (it shares user_scope's,
    which the navigation makes anyway). Anyone else gets what LocaleMiddleware would give: the
    sign-in page's language choice (cookie), else the browser's Accept-Language, among
    settings.LANGUAGES; those answers carry `Vary: Accept-Language`. API calls with a token are
    anonymous at this point (the token is read by the view), so API clients choose with
    Accept-Language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from partners.selectors import user_language

        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        language = user_language(user) if signed_in else translation.get_language_from_request(request)
        previous = translation.get_language()
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if not signed_in:
            patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        if not response.streaming:
            # Not left active for whatever runs next in this thread (a test, the next request's
            # first middlewares). A streamed body is written after this returns: it keeps the language.
            translation.activate(previous)
        return response
