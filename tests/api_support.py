"""Helpers for the API tests: token clients, the person's names, and a case with one of everything."""

import datetime
import json

from rest_framework.test import APIClient

from cases.models import REDACTED_FIELDS
from victims.models import IDENTIFYING_FIELDS

API = "/api/v1/"
TODAY = datetime.date.today()
# What world.case_ir's person and identification say: must never reach a pseudonymous reader.
SECRETS = ["Reza", "Ahmadi", "رضا", "احمدی", "Street corner near the bazaar", "Maryam", "مریم", "Ahmad", "احمد"]
NESTED = ["identifications", "notes", "consents", "risk-assessments", "reflection-periods", "support-plans", "services"]


def client_for(user=None) -> APIClient:
    """A client signed in with a new API token of the user (so every request loads the user afresh).

    The token is made by accounts.services, as the token endpoint makes it after password and code.
    """
    from accounts.services import api_token_create

    client = APIClient()
    if user is not None:
        _, key = api_token_create(user=user, name="test")
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def rows(response) -> list:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def body(response) -> str:
    return response.content.decode("utf-8")


def redacted_names(model_label: str) -> set[str]:
    return set(REDACTED_FIELDS[model_label])


def assert_pseudonymous_case(data: dict) -> None:
    assert data["pseudonymous"] is True
    assert not redacted_names("cases.Case") & set(data)
    person = data["person"]
    assert set(person) == {"reference", "gender", "age_band", "is_child", "citizenships"}
    assert not set(IDENTIFYING_FIELDS) & set(person)


def assert_no_secrets(response) -> None:
    """No name or place of the world's persons in the raw body, neither as UTF-8 nor \\u-escaped."""
    text = body(response)
    for secret in SECRETS:
        assert secret not in text, secret
        assert json.dumps(secret)[1:-1] not in text, secret


def fill_case(user, case):
    """One record of every kind on the case (by a user who may edit it); returns them by endpoint."""
    from cases import services
    from cases.models import Identification

    period = services.reflection_period_start(user=user, case=case, start_date=TODAY - datetime.timedelta(days=2))
    plan = services.support_plan_add(user=user, case=case, type="SocialCare", objectives="Safe housing for Reza",
                                     action_plan="Shelter near the bazaar")  # fmt: skip
    return {
        "identifications": Identification.objects.filter(case=case).first(),
        "notes": services.case_note_add(user=user, case=case, text="Reza told us about the bazaar."),
        "consents": services.consent_record(
            user=user,
            case=case,
            purpose="DataProcessing",
            given_by="Guardian",
            guardian_name="Uncle of Reza",
            notes="Signed",
        ),  # fmt: skip
        "risk-assessments": services.risk_assessment_add(
            user=user,
            case=case,
            risk_level="High",
            safety_plan="Keep Reza away from the bazaar",
            next_review_on=TODAY + datetime.timedelta(days=14),
            notes="Reza is afraid",
        ),
        "reflection-periods": period,
        "support-plans": plan,
        "services": services.service_delivery_record(
            user=user, case=case, service="Shelter", notes="Reza placed in shelter"
        ),  # fmt: skip
    }
