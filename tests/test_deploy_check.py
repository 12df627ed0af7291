"""Production settings pass Django's deployment checklist, and set the cookies and HTTPS headers.

Runs `manage.py check --deploy` in a subprocess with DEBUG off and the production environment
(the same variables tests/test_settings.py starts with), and expects no finding at all: no
warning, nothing silenced.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from .test_settings import GOOD

ROOT = Path(__file__).resolve().parents[1]


def production_env(**overrides) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("GLO_ACT_TESTING", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(GOOD)
    env.update({"DEBUG": "0", "DJANGO_SETTINGS_MODULE": "glo_act.settings", "SECRET_KEY": secrets.token_urlsafe(64)})
    env.update(overrides)
    return env


def run(args, **overrides):
    return subprocess.run(args, cwd=ROOT, env=production_env(**overrides), capture_output=True, text=True, timeout=120)


def test_check_deploy_reports_nothing_with_production_settings():
    result = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"])
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output, output


def test_check_deploy_would_complain_about_an_unsafe_setting():
    """The check is real: turning HTTPS off in production is reported."""
    result = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                 SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="0")  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "security.W008" in output and "security.W004" in output


PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
# No collectstatic here: plain static URLs instead of the manifest's hashed names.
override_settings(STORAGES=settings.STORAGES | {
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}).enable()
client = Client()
response = client.get("/login/", secure=True, HTTP_HOST="glo-act.example.org")
cookie = response.cookies[settings.CSRF_COOKIE_NAME]
plain = Client().get("/login/", HTTP_HOST="glo-act.example.org")
health = Client().get("/healthz", HTTP_HOST="glo-act.example.org")
print(json.dumps({
    "status": response.status_code,
    "hsts": response.get("Strict-Transport-Security"),
    "csp": response.get("Content-Security-Policy"),
    "plain_status": plain.status_code, "plain_location": plain.get("Location"),
    "health_status": health.status_code,
    "csrf_cookie": {"name": cookie.key, "secure": cookie["secure"], "httponly": cookie["httponly"],
                    "samesite": cookie["samesite"], "path": cookie["path"], "domain": cookie["domain"]},
    "session_cookie": settings.SESSION_COOKIE_NAME, "session_secure": settings.SESSION_COOKIE_SECURE,
    "session_httponly": settings.SESSION_COOKIE_HTTPONLY, "session_samesite": settings.SESSION_COOKIE_SAMESITE,
    "session_domain": settings.SESSION_COOKIE_DOMAIN, "session_path": settings.SESSION_COOKIE_PATH,
    "trusted": settings.CSRF_TRUSTED_ORIGINS,
}))
"""


def test_production_sends_hsts_redirects_to_https_and_sets_host_only_secure_cookies():
    result = run(
        [sys.executable, "-c", PROBE], CSRF_TRUSTED_ORIGINS="https://cases.example.org,https://glo-act.example.org"
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["status"] == 200
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "default-src 'none'" in seen["csp"]
    assert seen["plain_status"] == 301 and seen["plain_location"] == "https://glo-act.example.org/login/"
    assert seen["health_status"] in (200, 503)  # the load balancer's probe is not redirected
    # __Host- cookies: Secure, path /, no Domain (the browser enforces it); never readable by scripts.
    assert seen["csrf_cookie"] == {"name": "__Host-csrftoken", "secure": True, "httponly": True, "samesite": "Lax",
                                   "path": "/", "domain": ""}  # fmt: skip
    assert seen["session_cookie"] == "__Host-sessionid"
    assert seen["session_secure"] and seen["session_httponly"] and seen["session_samesite"] == "Lax"
    assert seen["session_domain"] is None and seen["session_path"] == "/"
    assert seen["trusted"] == ["https://cases.example.org", "https://glo-act.example.org"]
