"""The OpenAPI schema and the Swagger UI page (vendored assets only, no CDN)."""

import re

import yaml
from django.contrib.staticfiles import finders
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from tests.api_support import API, client_for


def schema_client(world):
    return client_for(world.cw)


def test_the_schema_and_docs_need_a_signed_in_user(db):
    assert APIClient().get(API + "schema/").status_code == 401
    assert APIClient().get(API + "docs/").status_code in (302, 401, 403)


def test_it_serves_a_valid_openapi_schema(world):
    response = schema_client(world).get(API + "schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # raises on an invalid document
    paths = schema["paths"]
    for path in ["/api/v1/auth/token/", "/api/v1/agencies/", "/api/v1/victims/{reference}/", "/api/v1/cases/",
                 "/api/v1/cases/{reference}/close/", "/api/v1/identifications/",
                 "/api/v1/cases/{case_reference}/consents/{id}/withdraw/", "/api/v1/cases/{case_reference}/services/"]:  # fmt: skip
        assert path in paths, path
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_the_schema_lists_the_ui_filters(world):
    schema = yaml.safe_load(schema_client(world).get(API + "schema/").content)
    names = {p["name"] for p in schema["paths"]["/api/v1/cases/"]["get"]["parameters"]}
    assert {"q", "status", "stage", "agency", "exploitation_type", "is_child", "country", "assigned_to_me",
            "page", "page_size"} <= names  # fmt: skip


def test_the_schema_does_not_require_what_pseudonymous_answers_leave_out(world):
    schemas = yaml.safe_load(schema_client(world).get(API + "schema/").content)["components"]["schemas"]
    assert "closure_notes" not in schemas["Case"]["required"]
    assert "text" not in schemas["CaseNote"]["required"]
    assert "place" not in schemas["Identification"].get("required", [])
    assert "text" in schemas["CaseNoteRequest"]["required"]


def test_the_docs_page_is_served_without_a_cdn(world):
    response = client_for(world.cw).get(API + "docs/")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert urls, html
    # The start-up script is a separate file (no inline script under the CSP): /api/v1/docs/?script=
    script_url = API + "docs/?script="
    assert script_url in urls
    for url in urls:
        if url != script_url:
            assert url.startswith("/static/"), url
            assert finders.find(url.removeprefix("/static/")), url
    assert "swagger-ui-bundle.js" in html
    script = client_for(world.cw).get(script_url).content.decode()
    assert "/api/v1/schema/" in script
    for cdn in ("cdn.jsdelivr", "unpkg.com", "cdnjs", "http://", "https://"):
        assert cdn not in html, cdn
        assert cdn not in script, cdn
