"""Security events: sign-ins, failed sign-ins (the name typed, never the password), sign-outs,
lock-outs and every refusal (HTTP 403), in the pages and the API."""

import pytest
from django.test import Client

from audit.models import SecurityEvent
from audit.services import security_event_record
from tests.api_support import API, client_for
from tests.audit_support import IP, META, UA
from tests.conftest import PASSWORD

WRONG = "not-the-password-9f3k"


def events(kind):
    return list(SecurityEvent.objects.filter(kind=kind).order_by("id"))


def test_a_failed_sign_in_keeps_the_name_typed_and_never_the_password(world):
    response = Client().post("/login/", {"username": "cw", "password": WRONG}, **META)
    assert response.status_code == 200
    [event] = events("login_failed")
    assert event.username == "cw" and event.actor_id == world.cw.pk
    assert event.ip == IP and event.user_agent == UA and event.path == "/login/" and event.method == "POST"
    assert event.countries == ["IR"]
    for row in SecurityEvent.objects.values():
        assert WRONG not in str(row) and PASSWORD not in str(row)


def test_a_failed_sign_in_with_an_unknown_name_is_recorded_too(db):
    Client().post("/login/", {"username": "nobody-here", "password": WRONG})
    [event] = events("login_failed")
    assert event.username == "nobody-here" and event.actor_id is None and event.countries == []


def test_a_sign_in_and_a_sign_out_are_recorded(world):
    client = Client()
    response = client.post("/login/", {"username": "nobody", "password": PASSWORD}, **META)
    assert response.status_code == 302
    [login] = events("login")
    assert login.actor_id == world.nobody.pk and login.username == "nobody" and login.ip == IP
    client.post("/logout/", **META)
    [logout] = events("logout")
    assert logout.actor_id == world.nobody.pk


def test_a_lock_out_is_recorded(world, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        client.post("/login/", {"username": "cw", "password": WRONG}, **META)
    [locked, *_] = events("locked_out")
    assert locked.username == "cw" and locked.ip == IP and locked.countries == ["IR"]


def test_a_refused_page_is_recorded(client, world):
    client.force_login(world.pm_ir)
    assert client.get("/cases/new/", **META).status_code == 403
    [event] = events("permission_denied")
    assert event.actor_id == world.pm_ir.pk and event.path == "/cases/new/" and event.method == "GET"
    assert event.ip == IP and event.detail == {"status": 403} and event.countries == ["IR"]


def test_a_refused_api_write_is_recorded_with_the_token_user(world):
    response = client_for(world.auditor_ir).patch(
        API + f"cases/{world.case_ir.reference}/", {"stage": "FirstAssistance"}, format="json", **META
    )
    assert response.status_code == 403
    [event] = events("permission_denied")
    assert event.username == "auditor_ir" and event.method == "PATCH" and event.path.startswith("/api/v1/cases/")


def test_a_refused_audit_page_is_itself_recorded(client, world):
    client.force_login(world.cw)
    assert client.get("/audit/changes/").status_code == 403
    assert events("permission_denied")[0].path == "/audit/changes/"


@pytest.mark.parametrize("kind", ["mfa_verified", "mfa_failed", "token_revoked", "something_new"])
def test_other_parts_record_their_events_through_the_service(world, kind):
    event = security_event_record(kind=kind, user=world.cw, detail={"device": "totp"})
    assert event.kind == kind and event.countries == ["IR"] and event.detail == {"device": "totp"}
