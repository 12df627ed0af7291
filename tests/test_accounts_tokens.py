"""API tokens: obtained with password and code, stored hashed, expire, can be revoked, record their use."""

import datetime

from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, secret_hash
from accounts.services import api_token_create
from tests.accounts_support import code, device_of, sign_in_fully, wrong_code
from tests.conftest import PASSWORD

API = "/api/v1/"


def obtain(username, otp=None, password=PASSWORD, **extra):
    data = {"username": username, "password": password, **extra}
    if otp is not None:
        data["otp"] = otp
    return APIClient().post(API + "auth/token/", data, format="json")


def with_key(key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_obtaining_a_token_needs_the_code_for_identity_roles(world):
    device = device_of(world.cw)
    assert obtain("cw").status_code == 400
    assert obtain("cw", otp=wrong_code(device)).status_code == 400
    assert not ApiToken.objects.exists()
    response = obtain("cw", otp=code(device), name="nightly export")
    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert token.user == world.cw and token.name == "nightly export"
    assert with_key(response.json()["token"]).get(API + "cases/").status_code == 200


def test_an_identity_role_without_an_authenticator_gets_no_token(world):
    assert obtain("cw", otp="").status_code == 400
    assert not ApiToken.objects.exists()


def test_a_recovery_code_can_stand_in_for_the_app_once(world):
    from accounts.services import recovery_codes_generate

    device_of(world.cw)
    codes = recovery_codes_generate(user=world.cw)
    assert obtain("cw", otp=codes[0]).status_code == 200
    assert obtain("cw", otp=codes[0]).status_code == 400


def test_oversight_roles_without_an_authenticator_need_no_code(world):
    response = obtain("pm_ir")
    assert response.status_code == 200
    assert with_key(response.json()["token"]).get(API + "cases/").status_code == 200


def test_the_key_is_stored_only_as_a_hash(world):
    token, key = api_token_create(user=world.cw, name="x")
    assert token.key_hash == secret_hash(key) and key.startswith(token.prefix)
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in [str(value) for value in row.values()]


def test_tokens_expire_after_30_days_by_default(world):
    token, key = api_token_create(user=world.cw, name="x")
    assert abs(token.expires_at - (timezone.now() + datetime.timedelta(days=30))) < datetime.timedelta(minutes=1)
    assert with_key(key).get(API + "cases/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = with_key(key).get(API + "cases/")
    assert response.status_code == 401
    assert "Reza" not in response.content.decode()


def test_a_revoked_token_stops_working(world):
    token, key = api_token_create(user=world.cw, name="x")
    client = with_key(key)
    response = client.post(API + f"auth/tokens/{token.pk}/revoke/")
    assert response.status_code == 200 and response.json()["state"] == "revoked"
    assert client.get(API + "cases/").status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == world.cw


def test_a_wrong_or_mangled_key_is_refused(world):
    _, key = api_token_create(user=world.cw, name="x")
    for bad in (key[:-1] + ("A" if key[-1] != "A" else "B"), key[:8], key + "x", "é" * 40, key[:8] + "x" * 300):
        assert with_key(bad).get(API + "cases/").status_code == 401, bad
    assert with_key(key).get(API + "cases/").status_code == 200


def test_a_token_of_a_deactivated_user_is_refused(world):
    _, key = api_token_create(user=world.cw, name="x")
    world.cw.is_active = False
    world.cw.save()
    assert with_key(key).get(API + "cases/").status_code == 401


def test_use_is_recorded(world):
    token, key = api_token_create(user=world.cw, name="x")
    assert token.last_used_at is None
    with_key(key).get(API + "cases/")
    token.refresh_from_db()
    assert token.last_used_at is not None and timezone.now() - token.last_used_at < datetime.timedelta(minutes=1)


def test_users_list_and_revoke_only_their_own_tokens(world):
    mine, key = api_token_create(user=world.cw, name="mine")
    theirs, _ = api_token_create(user=world.sup, name="theirs")
    client = with_key(key)
    listed = client.get(API + "auth/tokens/").json()["results"]
    assert [row["name"] for row in listed] == ["mine"]
    assert set(listed[0]) == {"id", "name", "prefix", "username", "created_at", "expires_at", "last_used_at",
                              "revoked_at", "state"}  # fmt: skip
    assert client.get(API + f"auth/tokens/{theirs.pk}/").status_code == 404
    assert client.post(API + f"auth/tokens/{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_an_administrator_can_revoke_anyones_token(world):
    theirs, their_key = api_token_create(user=world.cw, name="theirs")
    _, admin_key = api_token_create(user=world.admin_user, name="admin")
    admin = with_key(admin_key)
    assert theirs.prefix in [row["prefix"] for row in admin.get(API + "auth/tokens/").json()["results"]]
    assert admin.post(API + f"auth/tokens/{theirs.pk}/revoke/").status_code == 200
    assert with_key(their_key).get(API + "cases/").status_code == 401


def test_the_account_page_creates_a_token_shown_once_and_revokes_it(world):
    client = sign_in_fully(world.cw)
    response = client.post("/account/tokens/", {"name": "reporting script"})
    assert response.status_code == 200
    key = response.context["key"]
    assert key in response.content.decode()
    token = ApiToken.objects.get(user=world.cw)
    assert token.name == "reporting script"
    account = client.get("/account/").content.decode()
    assert "reporting script" in account and token.prefix in account and key not in account
    assert with_key(key).get(API + "cases/").status_code == 200
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    assert with_key(key).get(API + "cases/").status_code == 401


def test_the_account_page_cannot_revoke_someone_elses_token(world):
    theirs, key = api_token_create(user=world.sup, name="theirs")
    client = sign_in_fully(world.cw)
    assert client.post(f"/account/tokens/{theirs.pk}/revoke/").status_code == 404
    assert with_key(key).get(API + "cases/").status_code == 200


def test_the_account_page_needs_the_second_factor(world):
    client = Client()
    client.login(username="cw", password=PASSWORD)
    assert client.post("/account/tokens/", {"name": "sneaky"}).status_code == 302
    assert not ApiToken.objects.exists()
