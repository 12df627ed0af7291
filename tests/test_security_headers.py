"""Every answer carries the security headers, and no error ever shows a traceback.

Pages, API answers, admin pages, redirects, 404s, 500s and static files: the Content-Security-Policy
without 'unsafe-inline' or 'unsafe-eval', nosniff, the referrer policy, no framing, the
cross-origin isolation headers and the Permissions-Policy; `Cache-Control: no-store` on everything
that Django builds (pages and API answers carry personal data), never on static files.
"""

import json

import pytest
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.test import Client
from django.urls import path
from rest_framework.test import APIClient

from glo_act import urls as root_urls

SECRET = "boom-3f9c-never-shown"  # raised by the failing views: must never reach the client


def _boom(request):
    raise RuntimeError(f"{SECRET} {request.path}")


def _fine(request):
    return HttpResponse("fine")


# A URLconf with failing views (tests marked `urls(__name__)`), otherwise the real one.
urlpatterns = [
    path("boom/", _boom),
    path("api/v1/boom/", _boom),
    path("fine/", _fine),
    *root_urls.urlpatterns,
]
handler400, handler403 = root_urls.handler400, root_urls.handler403
handler404, handler500 = root_urls.handler404, root_urls.handler500
with_failing_views = pytest.mark.urls(__name__)

CSP = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "object-src": "'none'",
}
FIXED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
DENIED_FEATURES = ["camera", "microphone", "geolocation", "payment", "usb", "display-capture"]


def parse_csp(value: str) -> dict:
    directives = {}
    for part in value.split(";"):
        name, _, sources = part.strip().partition(" ")
        assert name not in directives, f"{name} twice in {value!r}"
        directives[name] = sources.strip()
    return directives


def assert_security_headers(response, *, cached=False, csp=CSP):
    where = f"{response.status_code} {response.get('Content-Type')}"
    assert "Content-Security-Policy" in response, where
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "*" not in policy, policy
    assert parse_csp(policy) == csp, where
    for name, value in FIXED.items():
        assert response.get(name) == value, f"{name} on {where}: {response.get(name)!r}"
    permissions = {item.strip() for item in response["Permissions-Policy"].split(",")}
    for feature in DENIED_FEATURES:
        assert f"{feature}=()" in permissions, feature
    if cached:
        assert "no-store" not in response.get("Cache-Control", ""), where
    else:
        assert response["Cache-Control"] == "no-store", where
        assert response["Pragma"] == "no-cache", where


def assert_no_traceback(response):
    text = response.content.decode("utf-8", "replace")
    for leak in [SECRET, "Traceback", "RuntimeError", 'File "', "site-packages", "DisallowedHost", "Invalid HTTP_HOST"]:
        assert leak not in text, f"{leak!r} in a {response.status_code} answer"


def client_for(user=None) -> APIClient:
    """An API client; the headers do not depend on how the user signed in."""
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def signed_in(client, world):
    """A programme manager: pseudonymous data, no second factor required, so pages answer directly."""
    client.force_login(world.pm_region)
    return client


def test_the_sign_in_page_carries_every_header(client, db):
    response = client.get("/login/")
    assert response.status_code == 200
    assert_security_headers(response)


def test_signed_in_pages_carry_every_header_and_are_never_stored(signed_in, world):
    for url in ["/", "/cases/", f"/cases/{world.case_ir.reference}/", "/referrals/", "/agencies/", "/stats/",
                "/notifications/"]:  # fmt: skip
        response = signed_in.get(url)
        assert response.status_code == 200, url
        assert_security_headers(response)


def test_a_redirect_to_sign_in_carries_every_header(client, db):
    response = client.get("/cases/")
    assert response.status_code == 302
    assert_security_headers(response)


def test_api_answers_carry_every_header_and_are_never_stored(world):
    response = client_for(world.pm_region).get("/api/v1/cases/")
    assert response.status_code == 200
    assert_security_headers(response)
    anonymous = client_for().get("/api/v1/cases/")
    assert anonymous.status_code == 401
    assert_security_headers(anonymous)
    token = client_for().post("/api/v1/auth/token/", {"username": "nobody", "password": "wrong"}, format="json")
    assert token.status_code in (400, 401, 403, 429)
    assert_security_headers(token)


def test_the_admin_carries_every_header(client, world):
    client.force_login(world.admin_user)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 200
    assert_security_headers(response)


def test_a_404_carries_every_header(signed_in, client, world):
    for response in [signed_in.get("/no-such-page/"), signed_in.get("/cases/XX-0000-000000/"),
                     Client().get("/no-such-page/")]:  # fmt: skip
        assert response.status_code == 404
        assert_security_headers(response)
        assert "Not found" in response.content.decode()


def test_an_api_404_is_json(world):
    for url in ["/api/v1/no-such-thing/", "/api/v1/cases/XX-0000-000000/"]:
        response = client_for(world.pm_region).get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json", url
        assert "detail" in response.json()
        assert_security_headers(response)


def test_static_files_carry_the_headers_and_may_be_cached(settings, db):
    settings.WHITENOISE_USE_FINDERS = True  # no collectstatic in tests: serve from static/
    settings.WHITENOISE_AUTOREFRESH = True
    client = Client()  # a new handler reads the settings above
    for url, kind in [("/static/css/app.css", "text/css"), ("/static/js/app.js", "javascript"),
                      ("/static/img/favicon.svg", "image/svg+xml")]:  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
        assert kind in response["Content-Type"], url
        assert_security_headers(response, cached=True)


def test_the_api_docs_page_allows_only_data_images_on_top_of_the_policy(signed_in):
    response = signed_in.get("/api/v1/docs/")
    assert response.status_code == 200
    assert_security_headers(response, csp=CSP | {"img-src": "'self' data:"})
    html = response.content.decode()
    assert "<style" not in html and "<script>" not in html
    script = signed_in.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()


@with_failing_views
def test_a_500_shows_the_error_page_without_a_traceback(client, db):
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert_no_traceback(response)
    assert_security_headers(response)


@with_failing_views
def test_a_500_in_the_api_is_json_without_a_traceback(world):
    client = client_for(world.pm_region)
    client.raise_request_exception = False
    response = client.get("/api/v1/boom/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Server error."}
    assert_no_traceback(response)
    assert_security_headers(response)


@with_failing_views
def test_a_signed_in_page_with_the_database_down_shows_the_standalone_page(signed_in):
    def database_down(execute, sql, params, many, context):
        raise OperationalError(f"{SECRET}: could not connect to server")

    signed_in.raise_request_exception = False
    with connection.execute_wrapper(database_down):
        response = signed_in.get("/cases/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert_no_traceback(response)
    assert_security_headers(response)


def test_a_404_whose_page_cannot_be_drawn_falls_back_to_the_standalone_page(signed_in):
    """The navigation of base.html needs the database (roles, unread count); the 404 still answers."""

    def notifications_down(execute, sql, params, many, context):
        if "notification" in sql:
            raise OperationalError(f"{SECRET}: relation is locked")
        return execute(sql, params, many, context)

    assert 'class="topbar"' in signed_in.get("/no-such-page/").content.decode()  # normally: base.html
    signed_in.raise_request_exception = False
    with connection.execute_wrapper(notifications_down):
        response = signed_in.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Not found" in html
    assert 'class="topbar"' not in html  # the standalone page, not base.html
    assert_no_traceback(response)
    assert_security_headers(response)


def test_a_bad_host_header_answers_400_without_details(client, db):
    client.raise_request_exception = False
    for url in ["/", "/api/v1/cases/"]:
        response = client.get(url, HTTP_HOST="evil.example.org")
        assert response.status_code == 400, url
        assert_no_traceback(response)
        assert_security_headers(response)
    assert json.loads(client.get("/api/v1/cases/", HTTP_HOST="evil.example.org").content) == {"detail": "Bad request."}


def test_a_csrf_failure_shows_our_page_not_djangos(db):
    client = Client(enforce_csrf_checks=True)
    client.raise_request_exception = False
    response = client.post("/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "This form has expired" in html
    assert "CSRF" not in html and "<style" not in html
    assert_security_headers(response)


def test_in_debug_only_djangos_technical_error_pages_go_without_the_policy(settings, client, db):
    """Django's DEBUG 404/500 pages are styled inline; everything else keeps the policy in development too."""
    settings.DEBUG = True
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert "Content-Security-Policy" not in missing
    assert missing["Cache-Control"] == "no-store"
    assert_security_headers(client.get("/login/"))


@with_failing_views
def test_when_no_template_can_be_drawn_the_500_is_one_line_of_text(client, db, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError(f"{SECRET}: templates unreadable")

    monkeypatch.setattr("glo_act.errors.loader.render_to_string", broken)
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == "Something went wrong.\n"
    assert_security_headers(response)
