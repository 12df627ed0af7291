"""Schemathesis against /api/v1/schema/, through the WSGI application (no server, no network).

For a caseworker and a regional programme manager (token from tests.api_support.client_for), every
operation of the schema gets EXAMPLES generated requests (fixed seed, derandomized: the same requests
on every run) and each answer is checked: no server error, the response matches the documented schema,
the status code and the content type are documented ones, and the operation refuses the request
without credentials (ignored_auth: schemathesis repeats it without, and with a wrong, token).
"""

import os

import pytest

EXAMPLES = 25
# About 4,300 generated requests (3 minutes): not in `make test` but in `make test-security`, which CI runs
# right after it (.ci/run). AUTHZ_FUZZ=1 runs it.
pytestmark = pytest.mark.skipif(os.environ.get("AUTHZ_FUZZ") != "1", reason="schemathesis fuzzing: set AUTHZ_FUZZ=1")
SEED = 20261128


@pytest.fixture
def wsgi_app():
    """The real WSGI handler; like Django's test client, it must not close the test's DB connection."""
    from django.core import signals
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def auth_header(user) -> dict:
    from .api_support import client_for

    return {"Authorization": client_for(user)._credentials["HTTP_AUTHORIZATION"]}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["cw", "pm_region"])
def test_the_api_keeps_to_its_schema_under_fuzzing(world, wsgi_app, who, settings):
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, seed
    from hypothesis import settings as hsettings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        ignored_auth,
        response_schema_conformance,
        status_code_conformance,
    )

    from .api_support import fill_case

    settings.ALLOWED_HOSTS = ["*"]
    fill_case(world.cw, world.case_ir)
    headers = auth_header(getattr(world, who))
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", wsgi_app, headers=headers)
    checks = [not_a_server_error, response_schema_conformance, status_code_conformance,
              content_type_conformance, ignored_auth]  # fmt: skip
    failures, calls, operations = [], 0, 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @seed(SEED)
        @hsettings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                   suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])  # fmt: skip
        @given(case=operation.as_strategy())
        def run(case):
            nonlocal calls
            calls += 1
            case.call_and_validate(headers=headers, checks=checks)

        try:
            run()
        except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - report every operation together
            failures.append(f"{operation.label}: {str(error)[:1500]}")
    print(f"FUZZ {who}: {operations} operations, {calls} generated requests")
    assert operations >= 40
    assert not failures, "\n\n".join(failures)
