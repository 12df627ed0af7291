"""The referral workflow through /api/v1/referrals/: every transition by the right actor, the wrong
actor (403), out of scope (404), illegal moves (409), bad input (400) and the consent gate."""

import pytest
from rest_framework.test import APIClient

from tests import test_api_referrals_support as support
from tests.api_support import API, client_for
from tests.test_api_referrals_support import (
    CROSS_BORDER,
    NATIONAL,
    bid,
    consent,
    cross_border_at,
    draft,
    get,
    national_sent,
    post,
    return_assessment,
    snapshot,
    state_of,
)

cast = support.cast  # the fixture: world, plus IR-SHELTER (sp_shelter) and AF-COM (focal_af)


def actions(response) -> list[str]:
    return [event["action"] for event in response.json()["timeline"]]


# The whole journeys


def test_it_takes_a_national_referral_from_draft_to_completion(cast):
    w = cast
    consent(w)
    ref = draft(w, urgency="urgent", share_identity=True)
    # The receiver does not see a draft.
    assert get(w.sp_shelter, f"referrals/{ref}/").status_code == 404

    sent = post(w.cw, f"referrals/{ref}/send/")
    assert sent.status_code == 200, sent.content
    assert sent.json()["state"] == "sent"
    assert sent.json()["response_deadline"] is not None
    assert get(w.sp_shelter, f"cases/{w.case_ir.reference}/").status_code == 404  # no access before accepting

    accepted = post(w.sp_shelter, f"referrals/{ref}/accept/")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["state"] == "accepted"
    assert get(w.sp_shelter, f"cases/{w.case_ir.reference}/").status_code == 200  # access follows the referral

    done = post(w.sp_shelter, f"referrals/{ref}/complete/", {"successful": True, "feedback": "Placed for 3 months"})
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "completed"
    assert done.json()["successful"] is True
    assert done.json()["feedback"] == "Placed for 3 months"
    assert actions(done) == ["created", "sent", "accepted", "completed"]
    assert get(w.sp_shelter, f"cases/{w.case_ir.reference}/").status_code == 404  # and ends with it

    detail = get(w.cw, f"referrals/{ref}/").json()
    assert detail["state"] == "completed"
    assert [e["to_state"] for e in detail["timeline"]] == ["draft", "sent", "accepted", "completed"]
    assert [e["action"] for e in get(w.cw, f"referrals/{ref}/events/").json()] == actions(done)


def test_it_records_an_unsuccessful_completion_with_its_reason(cast):
    w = cast
    ref = national_sent(w)
    post(w.sp_shelter, f"referrals/{ref}/accept/")
    response = post(w.sp_shelter, f"referrals/{ref}/complete/",
                    {"successful": False, "reason": "Left the shelter", "feedback": "Ran away"})  # fmt: skip
    assert response.status_code == 200, response.content
    assert (response.json()["successful"], response.json()["outcome_reason"]) == (False, "Left the shelter")


def test_the_receiver_declines_with_a_reason(cast):
    w = cast
    ref = national_sent(w)
    response = post(w.sp_shelter, f"referrals/{ref}/decline/", {"reason": "NoCapacity", "details": "Full"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["state"], data["decline_reason"], data["decline_details"]) == ("declined", "NoCapacity", "Full")
    assert get(w.cw, f"referrals/{ref}/").json()["state"] == "declined"


@pytest.mark.parametrize("accepted", [False, True])
def test_the_sender_withdraws_a_sent_or_accepted_referral(cast, accepted):
    w = cast
    ref = national_sent(w)
    if accepted:
        assert post(w.sp_shelter, f"referrals/{ref}/accept/").status_code == 200
    response = post(w.cw, f"referrals/{ref}/withdraw/", {"reason": "The family took him home"})
    assert response.status_code == 200, response.content
    assert (response.json()["state"], response.json()["withdraw_reason"]) == ("withdrawn", "The family took him home")
    assert get(w.sp_shelter, f"cases/{w.case_ir.reference}/").status_code == 404


def test_it_takes_a_cross_border_referral_through_both_focal_points(cast):
    w = cast
    consent(w, "CrossBorderReferral")
    ref = draft(w, to_agency=None, **CROSS_BORDER)
    sent = post(w.cw, f"referrals/{ref}/send/")
    assert sent.json()["state"] == "origin_focal"
    assert sent.json()["is_cross_border"] is True
    # Until the origin's focal point approves, the destination country does not know of the case.
    assert get(w.focal_af, f"referrals/{ref}/").status_code == 404
    assert get(w.focal_ir, f"referrals/{ref}/").status_code == 200

    # The origin focal point cannot approve before the return is assessed and (a child) the BID recorded.
    refused = post(w.focal_ir, f"referrals/{ref}/approve/")
    assert refused.status_code == 400, refused.content
    errors = refused.json()
    assert set(errors) == {"return_risk_assessment", "best_interests_determination"}
    assert "risk assessment of the return" in errors["return_risk_assessment"][0]
    assert state_of(ref) == "origin_focal"

    return_assessment(w)
    bid(w)
    approved = post(w.focal_ir, f"referrals/{ref}/approve/")
    assert approved.status_code == 200, approved.content
    assert approved.json()["state"] == "destination_focal"
    assert get(w.focal_af, f"referrals/{ref}/").json()["state"] == "destination_focal"  # both countries see it

    assigned = post(w.focal_af, f"referrals/{ref}/assign/", {"to_agency": "AF-NGO"})
    assert assigned.status_code == 200, assigned.content
    assert (assigned.json()["state"], assigned.json()["to_agency"]) == ("sent", "AF-NGO")

    accepted = post(w.sp_af, f"referrals/{ref}/accept/")
    assert accepted.status_code == 200, accepted.content
    linked = accepted.json()["linked_case"]
    assert linked and linked.startswith("AF")
    w.case_ir.refresh_from_db()
    assert w.case_ir.stage == "ReturnAndSocialInclusion"
    assert get(w.cw_af, f"cases/{linked}/").status_code == 200  # AF-NGO's own linked case

    done = post(w.cw_af, f"referrals/{ref}/complete/", {"successful": True, "feedback": "Reunited"})
    assert done.status_code == 200, done.content
    assert actions(done) == ["created", "sent", "approved", "assigned", "accepted", "completed"]
    for user in (w.cw, w.focal_ir, w.focal_af, w.sp_af):
        assert get(user, f"referrals/{ref}/").json()["state"] == "completed"


def test_the_origin_focal_point_sends_a_referral_back_and_the_sender_sends_it_again(cast):
    w = cast
    ref = cross_border_at(w, "origin_focal")
    response = post(w.focal_ir, f"referrals/{ref}/send-back/", {"reason": "Attach the family tracing report"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "draft"
    assert get(w.cw, f"referrals/{ref}/").json()["returned_reason"] == "Attach the family tracing report"
    assert get(w.focal_ir, f"referrals/{ref}/").status_code == 404  # back in the sender's drafts
    assert post(w.cw, f"referrals/{ref}/send/").json()["state"] == "origin_focal"


def test_the_destination_focal_point_declines_before_assignment(cast):
    w = cast
    ref = cross_border_at(w, "destination_focal")
    response = post(w.focal_af, f"referrals/{ref}/decline/", {"reason": "ServiceNotOffered"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "declined"


def test_the_sender_withdraws_a_cross_border_referral_at_a_focal_point(cast):
    w = cast
    ref = cross_border_at(w, "destination_focal")
    response = post(w.cw, f"referrals/{ref}/withdraw/", {"reason": "Returned by other means"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "withdrawn"


# The wrong actor: 403, nothing changes


@pytest.mark.parametrize(
    "state, actor, action, body",
    [
        ("sent", "cw", "accept", {}),  # the sender cannot accept its own referral
        ("sent", "sup", "decline", {"reason": "NoCapacity"}),
        ("sent", "sp_shelter", "withdraw", {"reason": "x"}),  # only the sender withdraws
        ("sent", "sp_shelter", "send", {}),
        ("accepted", "cw", "complete", {"successful": True}),
    ],
)
def test_it_refuses_the_wrong_actor_of_a_national_referral_with_403(cast, state, actor, action, body):
    w = cast
    ref = national_sent(w)
    if state == "accepted":
        post(w.sp_shelter, f"referrals/{ref}/accept/")
    before = snapshot(ref)
    response = post(getattr(w, actor), f"referrals/{ref}/{action}/", body)
    assert response.status_code == 403, response.content
    assert response.json()["detail"]
    assert snapshot(ref) == before


@pytest.mark.parametrize(
    "state, actor, action, body",
    [
        ("origin_focal", "cw", "approve", {}),
        ("destination_focal", "focal_af", "approve", {}),  # the destination's focal point cannot approve
        ("destination_focal", "focal_af", "send-back", {"reason": "x"}),
        ("destination_focal", "focal_ir", "assign", {"to_agency": "AF-NGO"}),  # the origin's cannot assign
        ("destination_focal", "focal_ir", "decline", {"reason": "NoCapacity"}),
        ("destination_focal", "focal_af", "withdraw", {"reason": "x"}),
        ("sent", "focal_af", "accept", {}),  # a focal point is not the receiving agency
        ("origin_focal", "focal_ir", "send", {}),
    ],
)
def test_it_refuses_the_wrong_actor_of_a_cross_border_referral_with_403(cast, state, actor, action, body):
    w = cast
    ref = cross_border_at(w, state)
    before = snapshot(ref)
    response = post(getattr(w, actor), f"referrals/{ref}/{action}/", body)
    assert response.status_code == 403, response.content
    assert snapshot(ref) == before


def test_only_the_case_agency_may_draft_a_referral(cast):
    w = cast
    from referrals.models import Referral

    payload = {"case": w.case_ir.reference, **NATIONAL}
    assert post(w.pm_ir, "referrals/", payload).status_code == 403  # sees the case, pseudonymously
    unknown = post(w.cw_police, "referrals/", payload)  # does not see it at all
    assert unknown.status_code == 400 and "case" in unknown.json()
    assert APIClient().post(API + "referrals/", payload, format="json").status_code == 401
    assert Referral.objects.count() == 0


# Out of scope: 404 (and 401 for anonymous), nothing changes

ENDPOINTS = [
    ("get", ""), ("get", "events/"), ("post", "send/"), ("post", "accept/"), ("post", "decline/"),
    ("post", "complete/"), ("post", "withdraw/"), ("post", "approve/"), ("post", "send-back/"), ("post", "assign/"),
]  # fmt: skip
BODY = {"reason": "NoCapacity", "details": "x", "successful": True, "to_agency": "AF-NGO"}


@pytest.mark.parametrize("outsider", ["cw_police", "cw_af", "sp_af", "sp_ir", "focal_af", "focal_ir", "nobody"])
def test_a_national_referral_is_not_found_out_of_scope(cast, outsider):
    """A third agency, another country, the focal points (national referrals are not theirs), nobody."""
    w = cast
    ref = national_sent(w)
    before = snapshot(ref)
    client = client_for(getattr(w, outsider))
    for method, suffix in ENDPOINTS:
        url = API + f"referrals/{ref}/{suffix}"
        response = client.get(url) if method == "get" else client.post(url, BODY, format="json")
        assert response.status_code == 404, (outsider, suffix, response.status_code)
    assert ref not in {row["reference"] for row in client.get(API + "referrals/").json()["results"]}
    assert snapshot(ref) == before


@pytest.mark.parametrize(
    "state, outsider",
    [
        ("draft", "cw_police"), ("draft", "sp_shelter"), ("draft", "pm_ir"), ("draft", "focal_ir"),
        ("draft", "nobody"), ("origin_focal", "focal_af"), ("origin_focal", "sp_af"), ("origin_focal", "cw_police"),
        ("destination_focal", "sp_af"), ("destination_focal", "cw_af"), ("sent", "cw_police"),
    ],
)  # fmt: skip
def test_a_cross_border_referral_is_not_found_out_of_scope(cast, state, outsider):
    """No one but the sender sees a draft; the destination country's focal point sees it only once
    approved at origin; the receiving agency only once assigned; another agency never."""
    w = cast
    ref = cross_border_at(w, state)
    client = client_for(getattr(w, outsider))
    for method, suffix in ENDPOINTS:
        url = API + f"referrals/{ref}/{suffix}"
        response = client.get(url) if method == "get" else client.post(url, BODY, format="json")
        assert response.status_code == 404, (outsider, suffix, response.status_code)


def test_the_receiving_agency_sees_a_cross_border_referral_only_once_assigned(cast):
    w = cast
    ref = cross_border_at(w, "destination_focal")
    assert get(w.sp_af, f"referrals/{ref}/").status_code == 404
    assert post(w.sp_af, f"referrals/{ref}/accept/").status_code == 404
    post(w.focal_af, f"referrals/{ref}/assign/", {"to_agency": "AF-NGO"})
    assert get(w.sp_af, f"referrals/{ref}/").status_code == 200


def test_anonymous_requests_get_401(cast):
    w = cast
    ref = national_sent(w)
    before = snapshot(ref)
    client = APIClient()
    assert client.get(API + "referrals/").status_code == 401
    for method, suffix in ENDPOINTS:
        url = API + f"referrals/{ref}/{suffix}"
        response = client.get(url) if method == "get" else client.post(url, BODY, format="json")
        assert response.status_code == 401, suffix
    assert client.get(API + "notifications/").status_code == 401
    assert snapshot(ref) == before


# Illegal transitions: 409 with the service's message, nothing changes


def test_it_refuses_a_second_acceptance_with_409(cast):
    w = cast
    ref = national_sent(w)
    assert post(w.sp_shelter, f"referrals/{ref}/accept/").status_code == 200
    before = snapshot(ref)
    response = post(w.sp_shelter, f"referrals/{ref}/accept/")
    assert response.status_code == 409, response.content
    assert response.json() == {
        "detail": f"Cannot accept referral {ref}: it is accepted, and only a referral that is "
        "sent, awaiting the receiving agency can be."
    }
    assert snapshot(ref) == before


@pytest.mark.parametrize(
    "setup, actor, action, body",
    [
        ("draft", "sp_shelter", "accept", {}),  # not even delivered: 404, see below
        ("sent", "cw", "send", {}),
        ("sent", "sp_shelter", "complete", {"successful": True}),
        ("declined", "sp_shelter", "accept", {}),
        ("declined", "sp_shelter", "decline", {"reason": "NoCapacity"}),
        ("declined", "cw", "withdraw", {"reason": "x"}),
        ("completed", "cw", "withdraw", {"reason": "x"}),
        ("completed", "sp_shelter", "complete", {"successful": True}),
        ("withdrawn", "sp_shelter", "accept", {}),
        ("withdrawn", "cw", "send", {}),
    ],
)
def test_it_refuses_illegal_national_transitions_with_409(cast, setup, actor, action, body):
    w = cast
    if setup == "draft":
        consent(w)
        ref = draft(w)
    else:
        ref = national_sent(w)
    if setup == "declined":
        post(w.sp_shelter, f"referrals/{ref}/decline/", {"reason": "NoCapacity"})
    if setup == "completed":
        post(w.sp_shelter, f"referrals/{ref}/accept/")
        post(w.sp_shelter, f"referrals/{ref}/complete/", {"successful": True})
    if setup == "withdrawn":
        post(w.cw, f"referrals/{ref}/withdraw/", {"reason": "x"})
    assert state_of(ref) == setup
    before = snapshot(ref)
    response = post(getattr(w, actor), f"referrals/{ref}/{action}/", body)
    expected = 404 if setup == "draft" else 409
    assert response.status_code == expected, response.content
    if expected == 409:
        assert response.json()["detail"].startswith(f"Cannot {action} referral {ref}: it is {setup}")
    assert snapshot(ref) == before


@pytest.mark.parametrize(
    "state, actor, action, body",
    [
        ("destination_focal", "focal_ir", "send-back", {"reason": "x"}),  # approved: too late to send back
        ("destination_focal", "cw", "send", {}),
        ("sent", "focal_af", "assign", {"to_agency": "AF-NGO"}),  # already assigned
        ("accepted", "focal_af", "decline", {"reason": "NoCapacity"}),
        ("accepted", "sp_af", "accept", {}),
    ],
)
def test_it_refuses_illegal_cross_border_transitions_with_409(cast, state, actor, action, body):
    w = cast
    ref = cross_border_at(w, state)
    before = snapshot(ref)
    response = post(getattr(w, actor), f"referrals/{ref}/{action}/", body)
    assert response.status_code == 409, response.content
    assert ref in response.json()["detail"]
    assert snapshot(ref) == before


def test_it_refuses_to_approve_twice_with_409(cast):
    w = cast
    ref = cross_border_at(w, "destination_focal")
    response = post(w.focal_ir, f"referrals/{ref}/approve/")
    assert response.status_code == 409
    assert "Cannot approve" in response.json()["detail"]


# Bad input: 400 naming the fields, nothing written


@pytest.mark.parametrize(
    "payload, fields",
    [
        ({}, {"case", "services", "reason"}),
        ({"services": ["Teleportation"], "reason": "Whim"}, {"services", "reason"}),
        ({"to_agency": "NO-SUCH"}, {"to_agency"}),
        ({"to_agency": "IR-NGO"}, {"to_agency"}),  # its own agency
        ({"services": ["LegalAid"]}, {"services"}),  # the shelter does not offer it
        ({"services": []}, {"services"}),
        ({"to_agency": "AF-NGO", "to_country": "IR"}, {"to_agency"}),  # not in the destination country
        ({"to_agency": None}, {"to_country"}),  # neither agency nor country
        ({"to_agency": None, "to_country": "IR"}, {"to_agency"}),  # national: the receiving agency is needed
        ({"to_country": "XX"}, {"to_country"}),
        ({"urgency": "whenever"}, {"urgency"}),
        ({"case": "IR-2020-99999"}, {"case"}),
    ],
)
def test_it_refuses_a_bad_draft_with_400_naming_the_fields(cast, payload, fields):
    from referrals.models import Referral, ReferralEvent

    w = cast
    base = {"case": w.case_ir.reference, **NATIONAL}
    data = {**base, **payload} if payload else {}
    response = post(w.cw, "referrals/", data)
    assert response.status_code == 400, response.content
    assert set(response.json()) == fields, response.json()
    assert Referral.objects.count() == ReferralEvent.objects.count() == 0


def test_it_refuses_a_draft_of_a_closed_case(cast):
    from cases import services
    from referrals.models import Referral

    w = cast
    services.case_close(user=w.sup, case=w.case_ir, reason="Other", notes="", referred=False, closed_on=None)
    response = post(w.cw, "referrals/", {"case": w.case_ir.reference, **NATIONAL})
    assert response.status_code == 400
    assert "closed case" in response.json()["non_field_errors"][0]
    assert Referral.objects.count() == 0


@pytest.mark.parametrize(
    "state, actor, action, body, fields",
    [
        ("sent", "sp_shelter", "decline", {}, {"reason"}),
        ("sent", "sp_shelter", "decline", {"reason": "Bored"}, {"reason"}),
        ("accepted", "sp_shelter", "complete", {}, {"successful"}),
        ("accepted", "sp_shelter", "complete", {"successful": False, "reason": "  "}, {"reason"}),
        ("sent", "cw", "withdraw", {}, {"reason"}),
        ("sent", "cw", "withdraw", {"reason": "   "}, {"reason"}),
    ],
)
def test_it_refuses_bad_national_action_input_with_400(cast, state, actor, action, body, fields):
    w = cast
    ref = national_sent(w)
    if state == "accepted":
        post(w.sp_shelter, f"referrals/{ref}/accept/")
    before = snapshot(ref)
    response = post(getattr(w, actor), f"referrals/{ref}/{action}/", body)
    assert response.status_code == 400, response.content
    assert set(response.json()) == fields
    assert snapshot(ref) == before


@pytest.mark.parametrize(
    "state, actor, action, body",
    [
        ("origin_focal", "focal_ir", "send-back", {}),
        ("origin_focal", "focal_ir", "send-back", {"reason": " "}),
        ("destination_focal", "focal_af", "assign", {}),
        ("destination_focal", "focal_af", "assign", {"to_agency": "IR-SHELTER"}),  # not in Afghanistan
        ("destination_focal", "focal_af", "assign", {"to_agency": "NO-SUCH"}),
    ],
)
def test_it_refuses_bad_cross_border_action_input_with_400(cast, state, actor, action, body):
    w = cast
    ref = cross_border_at(w, state)
    before = snapshot(ref)
    response = post(getattr(w, actor), f"referrals/{ref}/{action}/", body)
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"reason" if action == "send-back" else "to_agency"}
    assert snapshot(ref) == before


# The consent gate, on the server


def test_it_will_not_send_without_consent(cast):
    w = cast
    ref = draft(w)
    before = snapshot(ref)
    response = post(w.cw, f"referrals/{ref}/send/")
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"consent"}
    assert snapshot(ref) == before
    # Consent for another purpose does not count.
    consent(w, "DataProcessing")
    assert post(w.cw, f"referrals/{ref}/send/").status_code == 400
    # Nor does national consent for a cross-border referral.
    consent(w, "NationalReferral")
    cross = draft(w, to_agency=None, **CROSS_BORDER)
    assert set(post(w.cw, f"referrals/{cross}/send/").json()) == {"consent"}
    assert state_of(cross) == "draft"


def test_only_a_supervisor_may_override_the_consent_gate(cast):
    w = cast
    ref = draft(w)
    before = snapshot(ref)
    response = post(w.cw, f"referrals/{ref}/send/", {"override_reason": "Life at risk tonight"})
    assert response.status_code == 403
    assert snapshot(ref) == before

    response = post(w.sup, f"referrals/{ref}/send/", {"override_reason": "Life at risk tonight"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["state"] == "sent"
    assert (data["consent_overridden"], data["override_reason"], data["overridden_by"]) == (
        True, "Life at risk tonight", "sup")  # fmt: skip
    assert data["timeline"][-1]["note"] == "Consent overridden: Life at risk tonight"
    assert data["consent_check"] == {"purpose": "NationalReferral", "ok": False, "consent_date": None}


def test_an_override_never_shares_identity(cast):
    w = cast
    ref = draft(w, share_identity=True)
    response = post(w.sup, f"referrals/{ref}/send/", {"override_reason": "Urgent"})
    assert response.status_code == 400
    assert set(response.json()) == {"share_identity"}
    assert state_of(ref) == "draft"


def test_the_sender_sees_the_consent_check(cast):
    w = cast
    ref = draft(w)
    check = get(w.cw, f"referrals/{ref}/").json()["consent_check"]
    assert check == {"purpose": "NationalReferral", "ok": False, "consent_date": None}
    given = consent(w)
    check = get(w.cw, f"referrals/{ref}/").json()["consent_check"]
    assert check == {"purpose": "NationalReferral", "ok": True, "consent_date": given.given_on.isoformat()}
    post(w.cw, f"referrals/{ref}/send/")
    assert get(w.sp_shelter, f"referrals/{ref}/").json()["consent_check"] is None


# Best-interests determinations (nested under the case)


def test_best_interests_determinations_are_recorded_and_read_through_the_case(cast):
    w = cast
    url = f"cases/{w.case_ir.reference}/best-interests-determinations/"
    created = bid(w)
    assert created["decided_by"] == "cw" and created["panel"] == "BID panel" and created["pseudonymous"] is False
    assert get(w.cw, url).json()["results"][0]["summary"] == "Return."
    oversight = get(w.pm_ir, url + f"{created['id']}/").json()
    assert oversight["pseudonymous"] is True
    assert not {"panel", "summary"} & set(oversight)
    assert oversight["recommends_return"] is True
    assert get(w.cw_police, url).status_code == 404
    assert post(w.cw_police, url, {"panel": "x", "summary": "y"}).status_code == 404
    assert post(w.pm_ir, url, {"panel": "x", "summary": "y"}).status_code == 403
    bad = post(w.cw, url, {"panel": ""})
    assert bad.status_code == 400
    assert set(bad.json()) == {"panel", "summary"}
    future = post(w.cw, url, {"panel": "BID panel", "summary": "x", "decided_on": "2999-01-01"})
    assert future.status_code == 400
    assert set(future.json()) == {"decided_on"}
    assert len(get(w.cw, url).json()["results"]) == 1
