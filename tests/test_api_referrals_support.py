"""Fixtures and helpers for the referral API tests (no tests here; the test modules import these).

The cast adds to `world` an Iranian shelter (receiving agency of national referrals, with a service
provider `sp_shelter`) and Afghanistan's national focal point `focal_af`.
"""

import datetime

import pytest

from tests.api_support import API, TODAY, client_for
from tests.conftest import make_agency, make_user

NATIONAL = {"to_agency": "IR-SHELTER", "services": ["Shelter"], "reason": "AdditionalServicesRequired"}
CROSS_BORDER = {"to_country": "AF", "services": ["Reintegration"], "reason": "MigrationOrChangeOfLocation"}


@pytest.fixture
def cast(world):
    world.ir_shelter = make_agency("IR-SHELTER", "IR", "Shelter", services=["Shelter", "Medical"])
    world.sp_shelter = make_user("sp_shelter", world.ir_shelter, "service_provider", email="sp@shelter.example")
    world.af_commission = make_agency("AF-COM", "AF", "NationalCommission", services=[], is_focal_point=True)
    world.focal_af = make_user("focal_af", world.af_commission, "focal_point")
    return world


def post(user, url, data=None):
    return client_for(user).post(API + url, data or {}, format="json")


def get(user, url):
    return client_for(user).get(API + url)


def consent(w, purpose="NationalReferral"):
    from cases import services

    return services.consent_record(user=w.cw, case=w.case_ir, purpose=purpose, given_by="Guardian",
                                   guardian_name="Uncle", given_on=TODAY - datetime.timedelta(days=1))  # fmt: skip


def return_assessment(w):
    from cases import services

    return services.risk_assessment_add(
        user=w.cw, case=w.case_ir, risk_level="High", risk_factors=["ReTrafficking"], is_return_assessment=True,
        safety_plan="Escort", next_review_on=TODAY + datetime.timedelta(days=7),
    )  # fmt: skip


def bid(w):
    """A best-interests determination, through the API."""
    response = post(w.cw, f"cases/{w.case_ir.reference}/best-interests-determinations/",
                    {"panel": "BID panel", "family_assessed": True, "recommends_return": True, "summary": "Return."})  # fmt: skip
    assert response.status_code == 201, response.content
    return response.json()


def draft(w, user=None, **data):
    """A draft referral of world.case_ir through the API; returns its reference."""
    payload = {"case": w.case_ir.reference, **NATIONAL, "message": "Needs a bed tonight", **data}
    response = post(user or w.cw, "referrals/", payload)
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "draft"
    return response.json()["reference"]


def national_sent(w, **data):
    consent(w)
    ref = draft(w, **data)
    assert post(w.cw, f"referrals/{ref}/send/").status_code == 200
    return ref


def cross_border_at(w, state: str, **data):
    """A cross-border referral of world.case_ir to Afghanistan, moved through the API to `state`."""
    consent(w, "CrossBorderReferral")
    ref = draft(w, **{"to_agency": None, **CROSS_BORDER, **data})
    steps = [
        ("origin_focal", w.cw, "send", {}),
        ("destination_focal", w.focal_ir, "approve", {}),
        ("sent", w.focal_af, "assign", {"to_agency": "AF-NGO"}),
        ("accepted", w.sp_af, "accept", {}),
    ]
    if state == "draft":
        return ref
    return_assessment(w)
    bid(w)
    for reached, user, action, body in steps:
        response = post(user, f"referrals/{ref}/{action}/", body)
        assert response.status_code == 200, (action, response.content)
        assert response.json()["state"] == reached
        if reached == state:
            return ref
    raise AssertionError(state)


def state_of(ref):
    from referrals.models import Referral

    return Referral.objects.get(reference=ref).state


def snapshot(ref):
    """Everything a refused request must leave as it was."""
    from referrals.models import Notification, OutboxMessage, Referral, ReferralEvent

    referral = Referral.objects.get(reference=ref)
    return (
        referral.state, referral.to_agency_id, referral.updated_at, ReferralEvent.objects.count(),
        Notification.objects.count(), OutboxMessage.objects.count(),
    )  # fmt: skip
