"""Brute-force lock-out (django-axes): 5 failures for one username from one address lock it for 15 minutes.

Failures count alike on the sign-in form, the second step (wrong codes) and the API token endpoint;
the lock-out answer is the same whether the username exists or not.
"""

import datetime

from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.accounts_support import code, device_of, sign_in, wrong_code
from tests.conftest import PASSWORD

LOCKED = "Too many failed attempts to sign in"


def fail_five_times(client, username):
    """Four failures answer "wrong"; the fifth locks (and says so)."""
    for _ in range(4):
        response = sign_in(client, username, "wrong password 123")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    response = sign_in(client, username, "wrong password 123")
    assert response.status_code == 429 and LOCKED in response.content.decode()


def test_it_locks_out_after_5_failures(world):
    client = Client()
    fail_five_times(client, "cw")
    response = sign_in(client, "cw")  # the right password, too late
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert "15 minutes" in response.content.decode()
    assert client.get("/cases/").status_code == 302  # not signed in
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_username_and_address(world):
    fail_five_times(Client(), "cw")
    other_address = Client(REMOTE_ADDR="10.0.0.7")
    assert sign_in(other_address, "cw").status_code == 302
    assert sign_in(Client(), "sup").status_code == 302  # another user from the same address


def test_the_lock_out_answer_is_the_same_for_unknown_users(world):
    known, unknown = Client(), Client()
    fail_five_times(known, "cw")
    fail_five_times(unknown, "no-such-user")
    a, b = sign_in(known, "cw"), sign_in(unknown, "no-such-user")
    assert a.status_code == b.status_code == 429
    assert a.content == b.content


def test_it_unlocks_after_the_cool_off_period(world):
    client = Client()
    fail_five_times(client, "cw")
    assert sign_in(client, "cw").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    response = sign_in(client, "cw")
    assert response.status_code == 302


def test_wrong_authenticator_codes_count_and_end_the_session(world):
    device = device_of(world.cw)
    client = Client()
    sign_in(client, "cw")
    for _ in range(4):
        response = client.post("/account/mfa/verify/", {"otp": wrong_code(device)})
        assert response.status_code == 200
    response = client.post("/account/mfa/verify/", {"otp": wrong_code(device)})
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session  # the half-signed-in session is ended
    # The right password and the right code do not help while locked.
    assert sign_in(client, "cw").status_code == 429
    assert client.post("/account/mfa/verify/", {"otp": code(device)}).status_code == 302  # to sign-in
    assert client.get("/cases/").status_code == 302


def test_password_failures_and_code_failures_add_up(world):
    device = device_of(world.cw)
    client = Client()
    for _ in range(3):
        sign_in(client, "cw", "wrong password 123")
    sign_in(client, "cw")
    client.post("/account/mfa/verify/", {"otp": wrong_code(device)})
    response = client.post("/account/mfa/verify/", {"otp": wrong_code(device)})
    assert response.status_code == 429


def test_a_full_sign_in_resets_the_counter(world):
    device = device_of(world.cw)
    client = Client()
    for _ in range(4):
        sign_in(client, "cw", "wrong password 123")
    sign_in(client, "cw")
    assert client.post("/account/mfa/verify/", {"otp": code(device)}).status_code == 302
    client.post("/logout/")
    for _ in range(4):
        assert sign_in(client, "cw", "wrong password 123").status_code == 200
    assert sign_in(client, "cw").status_code == 302


def test_the_password_alone_does_not_reset_the_counter(world):
    """Otherwise someone with the password could guess codes four at a time for ever."""
    device = device_of(world.cw)
    client = Client()
    for _ in range(4):
        assert sign_in(client, "cw").status_code == 302
        assert client.post("/account/mfa/verify/", {"otp": wrong_code(device)}).status_code == 200
        client.post("/logout/")
    assert sign_in(client, "cw").status_code == 302
    assert client.post("/account/mfa/verify/", {"otp": wrong_code(device)}).status_code == 429
    assert sign_in(client, "cw").status_code == 429


def test_the_token_endpoint_locks_out_too(world):
    device = device_of(world.cw)
    api = APIClient()
    for attempt in range(5):
        response = api.post("/api/v1/auth/token/", {"username": "cw", "password": "nope nope nope"}, format="json")
        assert response.status_code == (400 if attempt < 4 else 429)
    response = api.post(
        "/api/v1/auth/token/", {"username": "cw", "password": PASSWORD, "otp": code(device)}, format="json"
    )
    assert response.status_code == 429
    assert LOCKED in response.json()["detail"]
    assert "token" not in response.json()


def test_wrong_codes_on_the_token_endpoint_count(world):
    device = device_of(world.cw)
    api = APIClient()
    for _ in range(4):
        response = api.post(
            "/api/v1/auth/token/", {"username": "cw", "password": PASSWORD, "otp": wrong_code(device)}, format="json"
        )
        assert response.status_code == 400
    response = api.post(
        "/api/v1/auth/token/", {"username": "cw", "password": PASSWORD, "otp": wrong_code(device)}, format="json"
    )
    assert response.status_code == 429
    response = api.post(
        "/api/v1/auth/token/", {"username": "cw", "password": PASSWORD, "otp": code(device)}, format="json"
    )
    assert response.status_code == 429
    assert not world.cw.api_tokens.exists()


def test_behind_a_trusted_proxy_the_lock_counts_per_client_not_per_proxy(world, settings):
    settings.AUDIT_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.AUDIT_PROXY_COUNT = 1
    proxy = "10.0.0.1"
    fail_five_times(Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.5"), "cw")
    assert AccessAttempt.objects.get(username="cw").ip_address == "203.0.113.5"
    # Another client through the same proxy is not locked out; a forged left-most entry changes nothing.
    other = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.9")
    assert sign_in(other, "cw").status_code == 302
    forged = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.77, 203.0.113.5")
    assert sign_in(forged, "cw").status_code == 429
