"""Token and session sign-in, and what anonymous callers get on every endpoint.

Tokens come from accounts (issue 5): password plus a code from the authenticator app for every
role that sees identifying data; they expire and can be revoked (tests/test_accounts_tokens.py).
"""

import pytest
from django_otp.oath import TOTP
from rest_framework.test import APIClient

from tests.api_support import API, NESTED, client_for
from tests.conftest import PASSWORD, make_user


def current_code(user) -> str:
    from accounts.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="Test authenticator", confirmed=True
    )
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def obtain(username, password=PASSWORD, otp=None):
    data = {"username": username, "password": password}
    if otp is not None:
        data["otp"] = otp
    return APIClient().post(API + "auth/token/", data, format="json")


def test_it_issues_a_token_for_good_credentials_and_a_current_code(world):
    response = obtain("cw", otp=current_code(world.cw))
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"token", "name", "expires_at"}
    token = response.json()["token"]

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(API + "cases/").status_code == 200


def test_it_gives_the_same_error_for_unknown_user_and_wrong_password(world):
    wrong_password = obtain("cw", password="nope", otp=current_code(world.cw))
    unknown_user = obtain("ghost", otp="123456")
    assert wrong_password.status_code == unknown_user.status_code == 400
    assert wrong_password.json() == unknown_user.json()
    assert "token" not in wrong_password.json()


def test_it_refuses_a_token_for_an_inactive_or_demo_account(world):
    make_user("gone", world.ir_ngo, is_active=False)
    make_user("demo", world.ir_ngo, is_demo=True)  # DEMO_LOGINS_ENABLED is off outside DEBUG
    reference = obtain("ghost", otp="123456")
    for username in ("gone", "demo"):
        response = obtain(username, otp="123456")
        assert response.status_code == 400
        assert response.json() == reference.json()


def test_it_requires_both_credentials(world):
    response = APIClient().post(API + "auth/token/", {"username": "cw"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()


def test_it_refuses_a_bad_token(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get(API + "cases/").status_code == 401


def test_it_accepts_a_browser_session_that_passed_the_second_factor(world, api_session_client):
    assert api_session_client.login(username="cw", password=PASSWORD)
    response = api_session_client.get(API + "cases/")
    assert response.status_code == 200
    assert [row["reference"] for row in response.json()["results"]] == [world.case_ir.reference]


def test_it_refuses_a_browser_session_without_the_second_factor(world):
    client = APIClient()
    assert client.login(username="cw", password=PASSWORD)
    response = client.get(API + "cases/")
    assert response.status_code == 403
    assert "Reza" not in response.content.decode()


def test_session_writes_need_the_csrf_token(world):
    from tests.conftest import MFAClient

    client = type("C", (MFAClient, APIClient), {})(enforce_csrf_checks=True)
    assert client.login(username="cw", password=PASSWORD)
    response = client.post(API + f"cases/{world.case_ir.reference}/notes/", {"text": "Hello"}, format="json")
    assert response.status_code == 403
    assert world.case_ir.notes.count() == 0


def anonymous_endpoints(world):
    case = world.case_ir.reference
    person = world.case_ir.person.reference
    gets = ["agencies/", "agencies/IR-NGO/", "victims/", f"victims/{person}/", "cases/", f"cases/{case}/",
            "identifications/", "auth/tokens/"]  # fmt: skip
    gets += [f"cases/{case}/{name}/" for name in NESTED]
    gets += [f"cases/{case}/{name}/1/" for name in NESTED]
    posts = ["identifications/", f"cases/{case}/close/", f"cases/{case}/consents/1/withdraw/",
             f"cases/{case}/reflection-periods/1/end/", "auth/tokens/1/revoke/"]  # fmt: skip
    posts += [f"cases/{case}/{name}/" for name in NESTED]
    return gets, posts


@pytest.mark.django_db
def test_it_refuses_anonymous_callers_on_every_endpoint(world):
    from cases.models import CaseNote

    gets, posts = anonymous_endpoints(world)
    client = APIClient()
    for url in gets:
        response = client.get(API + url)
        assert response.status_code == 401, url
        assert response["WWW-Authenticate"] == "Token"
        assert "Reza" not in response.content.decode()
    for url in posts:
        assert client.post(API + url, {"text": "x"}, format="json").status_code == 401, url
    assert client.patch(API + f"cases/{world.case_ir.reference}/", {"status": "FollowUp"}).status_code == 401
    assert client.patch(API + f"victims/{world.case_ir.person.reference}/", {"gender": "Feminine"}).status_code == 401
    assert CaseNote.objects.count() == 0


def test_tokens_are_per_user(world):
    assert client_for(world.cw).get(API + f"cases/{world.case_ir.reference}/").status_code == 200
    assert client_for(world.cw_police).get(API + f"cases/{world.case_ir.reference}/").status_code == 404
