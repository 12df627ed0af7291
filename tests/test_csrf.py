"""CSRF: every browser POST needs the form's token; session-authenticated API writes need it too;
token-authenticated API calls do not (no cookie is involved, so there is nothing to forge).

Each refusal is checked against a control: the same request with the token goes through, so the
test fails if the token is not what stops it.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import Case, CaseNote
from referrals.models import Referral

from .api_support import API, client_for
from .conftest import PASSWORD, mfa_verify_session


def csrf_client(user=None) -> Client:
    """A browser that enforces CSRF like a real one, signed in past the second factor."""
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
        mfa_verify_session(client, user)
    return client


def token_from(client, url) -> str:
    html = client.get(url).content.decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, f"no CSRF token in the form at {url}"
    return match.group(1)


@pytest.mark.django_db
def test_the_login_form_refuses_a_post_without_its_token(world):
    client = csrf_client()
    data = {"username": "cw", "password": PASSWORD}
    response = client.post(reverse("login"), data)
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    data["csrfmiddlewaretoken"] = token_from(client, reverse("login"))
    response = client.post(reverse("login"), data)
    assert response.status_code == 302  # signed in (on to the second factor)
    assert "_auth_user_id" in client.session


@pytest.mark.django_db
def test_the_identification_form_refuses_a_post_without_its_token(world):
    from .test_ui_forms import identification_post

    client = csrf_client(world.cw)
    before = Case.objects.count()
    data = identification_post(world)
    response = client.post(reverse("identification_log"), data)
    assert response.status_code == 403
    assert Case.objects.count() == before
    data["csrfmiddlewaretoken"] = token_from(client, reverse("identification_log"))
    response = client.post(reverse("identification_log"), data)
    assert response.status_code == 302
    assert Case.objects.count() == before + 1


@pytest.mark.django_db
def test_a_case_note_form_refuses_a_post_without_its_token(world):
    client = csrf_client(world.cw)
    url = reverse("case_note_add", args=[world.case_ir.reference])
    assert client.post(url, {"text": "Forged"}).status_code == 403
    assert not CaseNote.objects.filter(case=world.case_ir).exists()
    token = token_from(client, reverse("case_detail", args=[world.case_ir.reference]))
    assert client.post(url, {"text": "Real", "csrfmiddlewaretoken": token}).status_code == 302
    assert CaseNote.objects.filter(case=world.case_ir).count() == 1


@pytest.mark.django_db
def test_referral_actions_refuse_a_post_without_their_token(world):
    from cases.services import consent_record
    from referrals import services

    consent_record(user=world.cw_police, case=world.case_police, purpose="NationalReferral", given_by="Person")
    referral = services.referral_create(
        user=world.cw_police, case=world.case_police, services=["Shelter"], reason="AdditionalServicesRequired",
        to_agency=world.ir_ngo,
    )  # fmt: skip
    services.referral_send(user=world.cw_police, referral=referral)
    client = csrf_client(world.sp_ir)
    url = reverse("referral_accept", args=[referral.reference])
    assert client.post(url).status_code == 403
    assert Referral.objects.get(pk=referral.pk).state == "sent"
    token = token_from(client, reverse("referral_detail", args=[referral.reference]))
    assert client.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    assert Referral.objects.get(pk=referral.pk).state == "accepted"


@pytest.mark.django_db
def test_logout_refuses_a_post_without_its_token(world):
    client = csrf_client(world.cw)
    token = token_from(client, reverse("case_list"))
    assert client.post(reverse("logout")).status_code == 403
    assert "_auth_user_id" in client.session  # a forged logout does not sign anyone out
    assert client.post(reverse("logout"), {"csrfmiddlewaretoken": token}).status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_session_authenticated_api_writes_need_the_token(world):
    client = csrf_client(world.cw)
    url = API + f"cases/{world.case_ir.reference}/notes/"
    response = client.post(url, {"text": "Forged"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.content.decode()
    assert not CaseNote.objects.filter(case=world.case_ir).exists()
    token = token_from(client, reverse("case_detail", args=[world.case_ir.reference]))
    response = client.post(url, {"text": "Real"}, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201, response.content
    assert CaseNote.objects.filter(case=world.case_ir).count() == 1


@pytest.mark.django_db
def test_token_authenticated_api_writes_need_no_csrf_token(world):
    client = client_for(world.cw)
    client.handler.enforce_csrf_checks = True
    response = client.post(API + f"cases/{world.case_ir.reference}/notes/", {"text": "By token"}, format="json")
    assert response.status_code == 201, response.content
