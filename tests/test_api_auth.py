"""Token and session sign-in, and what anonymous callers get on every endpoint."""

import pytest
from rest_framework.test import APIClient

from tests.api_support import API, NESTED, client_for
from tests.conftest import PASSWORD, make_user


def test_it_issues_a_token_for_good_credentials(world):
    response = APIClient().post(API + "auth/token/", {"username": "cw", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert set(response.json()) == {"token"}

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(API + "cases/").status_code == 200


def test_it_gives_the_same_error_for_unknown_user_and_wrong_password(world):
    wrong_password = APIClient().post(API + "auth/token/", {"username": "cw", "password": "nope"}, format="json")
    unknown_user = APIClient().post(API + "auth/token/", {"username": "ghost", "password": PASSWORD}, format="json")
    assert wrong_password.status_code == unknown_user.status_code == 400
    assert wrong_password.json() == unknown_user.json()
    assert "token" not in wrong_password.json()


def test_it_refuses_a_token_for_an_inactive_or_demo_account(world):
    make_user("gone", world.ir_ngo, is_active=False)
    make_user("demo", world.ir_ngo, is_demo=True)  # DEMO_LOGINS_ENABLED is off outside DEBUG
    reference = APIClient().post(API + "auth/token/", {"username": "ghost", "password": PASSWORD}, format="json")
    for username in ("gone", "demo"):
        response = APIClient().post(API + "auth/token/", {"username": username, "password": PASSWORD}, format="json")
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


def test_it_accepts_a_browser_session(world):
    client = APIClient()
    assert client.login(username="cw", password=PASSWORD)
    response = client.get(API + "cases/")
    assert response.status_code == 200
    assert [row["reference"] for row in response.json()["results"]] == [world.case_ir.reference]


def test_session_writes_need_the_csrf_token(world):
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username="cw", password=PASSWORD)
    response = client.post(API + f"cases/{world.case_ir.reference}/notes/", {"text": "Hello"}, format="json")
    assert response.status_code == 403
    assert world.case_ir.notes.count() == 0


def anonymous_endpoints(world):
    case = world.case_ir.reference
    person = world.case_ir.person.reference
    gets = ["agencies/", "agencies/IR-NGO/", "victims/", f"victims/{person}/", "cases/", f"cases/{case}/",
            "identifications/"]  # fmt: skip
    gets += [f"cases/{case}/{name}/" for name in NESTED]
    gets += [f"cases/{case}/{name}/1/" for name in NESTED]
    posts = ["identifications/", f"cases/{case}/close/", f"cases/{case}/consents/1/withdraw/",
             f"cases/{case}/reflection-periods/1/end/"]  # fmt: skip
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
