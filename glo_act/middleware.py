"""Response headers that protect every answer: security headers and no caching of personal data."""

from django.conf import settings


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
