"""Idle timeout and absolute session limit, enforced on the server (no sleeping: the session's
timestamps are moved back)."""

import time

from django.test import override_settings

from accounts.middleware import SESSION_SEEN, SESSION_STARTED


def shift(client, **seconds_ago):
    session = client.session
    now = time.time()
    if "seen" in seconds_ago:
        session[SESSION_SEEN] = now - seconds_ago["seen"]
    if "started" in seconds_ago:
        session[SESSION_STARTED] = now - seconds_ago["started"]
    session.save()


def signed_in(client, user):
    client.force_login(user)
    assert client.get("/cases/").status_code == 200  # stamps the session
    return client


def test_it_signs_out_after_30_idle_minutes(world, client):
    signed_in(client, world.cw)
    shift(client, seen=1801)
    response = client.get("/cases/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Fcases%2F"
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    assert "signed out after a period without activity" in page.content.decode()
    assert client.get("/cases/").status_code == 302  # still signed out


def test_activity_keeps_the_session_alive(world, client):
    signed_in(client, world.cw)
    shift(client, seen=1700)
    assert client.get("/cases/").status_code == 200
    shift(client, seen=1700)  # measured from the last request, not from sign-in
    assert client.get("/cases/").status_code == 200


def test_it_ends_the_session_after_12_hours_whatever_the_activity(world, client):
    signed_in(client, world.cw)
    shift(client, started=12 * 3600 + 1, seen=5)
    response = client.get("/cases/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert "time limit" in client.get(response["Location"]).content.decode()


def test_an_expired_api_session_gets_401_json(world, client):
    signed_in(client, world.cw)
    assert client.get("/api/v1/cases/").status_code == 200
    shift(client, seen=1801)
    response = client.get("/api/v1/cases/")
    assert response.status_code == 401
    assert "signed out" in response.json()["detail"]
    assert "Reza" not in response.content.decode()


@override_settings(SESSION_IDLE_SECONDS=60, SESSION_ABSOLUTE_SECONDS=600)
def test_the_limits_come_from_settings(world, client):
    signed_in(client, world.cw)
    shift(client, seen=59)
    assert client.get("/cases/").status_code == 200
    shift(client, seen=61)
    assert client.get("/cases/").status_code == 302
    signed_in(client, world.cw)
    shift(client, started=601, seen=1)
    assert client.get("/cases/").status_code == 302


def test_a_post_after_expiry_changes_nothing(world, client):
    signed_in(client, world.cw)
    shift(client, seen=1801)
    response = client.post(f"/cases/{world.case_ir.reference}/notes/", {"text": "late note"})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert world.case_ir.notes.count() == 0
    import datetime

    from django.conf import settings
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from accounts.tasks import clear_expired_sessions

    now = timezone.now()
    Session.objects.create(session_key="e" * 32, session_data="x", expire_date=now - datetime.timedelta(minutes=1))
    Session.objects.create(session_key="l" * 32, session_data="x", expire_date=now + datetime.timedelta(hours=1))
    clear_expired_sessions.delay()  # eager without a broker, as in tests
    assert list(Session.objects.values_list("session_key", flat=True)) == ["l" * 32]
    assert settings.CELERY_BEAT_SCHEDULE["expired-sessions"]["task"] == "accounts.tasks.clear_expired_sessions"
