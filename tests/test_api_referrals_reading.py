"""What a referral shows to whom, the list's filters and cost, the notifications inbox and the schema."""

import datetime
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import test_api_referrals_support as support
from tests.api_support import API, assert_no_secrets, body, client_for, rows
from tests.test_api_referrals_support import (
    CROSS_BORDER,
    consent,
    cross_border_at,
    draft,
    get,
    national_sent,
    post,
    return_assessment,
)

cast = support.cast  # the fixture: world, plus IR-SHELTER (sp_shelter) and AF-COM (focal_af)

NAMES = ["Reza", "Ahmadi", "رضا", "احمدی"]
MINIMUM = {"case", "sex", "age_band", "is_child", "services", "risk_level", "risk_to_life", "languages"}


def has_names(response) -> bool:
    """Any of the person's names in the raw body, as UTF-8 or \\u-escaped."""
    text = body(response)
    return any(name in text or json.dumps(name)[1:-1] in text for name in NAMES)


def references(response) -> set[str]:
    return {row["reference"] for row in rows(response)}


# Identity


def test_the_receiver_sees_names_only_when_identity_is_shared(cast):
    w = cast
    shared = national_sent(w, share_identity=True)
    plain = national_sent(w)
    with_names = get(w.sp_shelter, f"referrals/{shared}/")
    assert with_names.json()["identity"]["given_name_latin"] == "Reza"
    assert with_names.json()["identity"]["family_name"] == "احمدی"
    assert with_names.json()["pseudonymous"] is False
    assert has_names(with_names)  # the detector works
    without = get(w.sp_shelter, f"referrals/{plain}/")
    assert without.json()["identity"] is None and without.json()["pseudonymous"] is True
    assert not has_names(without)
    # The list says the same row by row.
    listing = {row["reference"]: row for row in rows(get(w.sp_shelter, "referrals/"))}
    assert listing[shared]["identity"]["given_name_latin"] == "Reza"
    assert listing[plain]["identity"] is None
    # The sender sees what it shared.
    assert get(w.cw, f"referrals/{shared}/").json()["identity"]["given_name"] == "رضا"


def test_the_receiver_no_longer_sees_names_once_the_referral_is_closed(cast):
    w = cast
    ref = national_sent(w, share_identity=True)
    post(w.sp_shelter, f"referrals/{ref}/accept/")
    assert get(w.sp_shelter, f"referrals/{ref}/").json()["identity"] is not None
    post(w.sp_shelter, f"referrals/{ref}/complete/", {"successful": True})
    response = get(w.sp_shelter, f"referrals/{ref}/")
    assert response.status_code == 200
    assert response.json()["identity"] is None
    assert not has_names(response)


def test_a_referral_never_carries_the_narrative(cast):
    w = cast
    ref = national_sent(w, share_identity=True)
    for user in (w.cw, w.sp_shelter):
        response = get(user, f"referrals/{ref}/")
        assert "Street corner near the bazaar" not in body(response)
        assert "narrative" not in body(response)


@pytest.mark.parametrize("viewer", ["focal_ir", "focal_af", "pm_ir", "auditor_ir", "pm_region"])
def test_focal_points_and_oversight_never_see_names(cast, viewer):
    w = cast
    ref = cross_border_at(w, "sent", share_identity=True, message="Reza needs his uncle")
    user = getattr(w, viewer)
    detail = get(user, f"referrals/{ref}/")
    assert detail.status_code == 200, detail.content
    listing = get(user, "referrals/?page_size=100")
    events = get(user, f"referrals/{ref}/events/")
    data = detail.json()
    assert data["identity"] is None and data["pseudonymous"] is True
    for response in (detail, listing, events):
        assert_no_secrets(response)
        assert not has_names(response)
    # The minimum is there for everyone.
    shared = data["shared"]
    assert set(shared) == MINIMUM
    assert (shared["case"], shared["sex"], shared["age_band"], shared["is_child"]) == (
        w.case_ir.reference, "Masculine", "9-17", True)  # fmt: skip
    assert (shared["risk_level"], shared["risk_to_life"], shared["languages"]) == ("High", False, ["prs"])
    assert shared["services"] == ["Reintegration"]
    # Free text is for the two agencies: here the sender's message names the person.
    assert data["message"] == ""
    assert get(w.sp_af, f"referrals/{ref}/").json()["message"] == "Reza needs his uncle"


@pytest.mark.parametrize("viewer", ["pm_ir", "auditor_ir"])
def test_oversight_reads_no_free_text(cast, viewer):
    w = cast
    ref = national_sent(w)
    post(w.sp_shelter, f"referrals/{ref}/decline/", {"reason": "NoCapacity", "details": "Full until Friday"})
    data = get(getattr(w, viewer), f"referrals/{ref}/").json()
    assert data["state"] == "declined" and data["decline_reason"] == "NoCapacity"
    assert data["decline_details"] == "" and data["message"] == ""
    assert all(event["note"] == "" for event in data["timeline"])
    assert "Full until Friday" in body(get(w.cw, f"referrals/{ref}/"))
    assert "Full until Friday" in body(get(w.sp_shelter, f"referrals/{ref}/"))
    assert data["consent_check"] is None


def test_the_shared_data_follows_the_latest_risk_assessment(cast):
    from cases import services

    w = cast
    ref = national_sent(w)
    assert get(w.sp_shelter, f"referrals/{ref}/").json()["shared"]["risk_level"] is None
    return_assessment(w)
    services.risk_assessment_add(user=w.cw, case=w.case_ir, risk_level="Critical", safety_plan="Hide",
                                 next_review_on=datetime.date.today() + datetime.timedelta(days=1))  # fmt: skip
    shared = rows(get(w.sp_shelter, "referrals/"))[0]["shared"]
    assert (shared["risk_level"], shared["risk_to_life"]) == ("Critical", True)


# The list: scope, filters and cost


def test_the_list_filters_by_state_direction_urgency_case_and_overdue(cast):
    from referrals.models import Referral

    w = cast
    sent = national_sent(w, urgency="urgent")
    drafted = draft(w, urgency="life_threatening")
    cross = cross_border_at(w, "destination_focal")
    cw, sp = client_for(w.cw), client_for(w.sp_shelter)

    assert references(cw.get(API + "referrals/")) == {sent, drafted, cross}
    assert references(cw.get(API + "referrals/?state=draft")) == {drafted}
    assert references(cw.get(API + "referrals/?urgency=urgent")) == {sent}
    assert references(cw.get(API + "referrals/?direction=outgoing")) == {sent, drafted, cross}
    assert references(cw.get(API + "referrals/?direction=incoming")) == set()
    assert references(sp.get(API + "referrals/?direction=incoming")) == {sent}
    assert references(sp.get(API + "referrals/?direction=outgoing")) == set()
    assert references(cw.get(API + f"referrals/?case={w.case_ir.reference}")) == {sent, drafted, cross}
    assert references(cw.get(API + "referrals/?case=IR-1999-000001")) == set()
    assert references(cw.get(API + "referrals/?cross_border=true")) == {cross}
    assert references(client_for(w.focal_af).get(API + "referrals/?direction=focal")) == {cross}
    assert references(client_for(w.focal_ir).get(API + "referrals/?direction=focal")) == {cross}

    assert references(cw.get(API + "referrals/?overdue=true")) == set()
    Referral.objects.filter(reference=sent).update(response_deadline=timezone.now() - datetime.timedelta(hours=1))
    assert references(cw.get(API + "referrals/?overdue=true")) == {sent}
    assert references(cw.get(API + "referrals/?overdue=false")) == {drafted, cross}
    assert {row["reference"]: row["overdue"] for row in rows(cw.get(API + "referrals/"))}[sent] is True
    assert cw.get(API + "referrals/?state=nonsense").status_code == 400
    assert cw.get(API + "referrals/?direction=sideways").status_code == 400
    # The list's filters do not hide the detail.
    assert cw.get(API + f"referrals/{sent}/?state=draft").status_code == 200


def list_queries(user) -> tuple[int, int]:
    client = client_for(user)
    client.get(API + "referrals/")  # warm the process-wide permission-id cache
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(API + "referrals/?page_size=100")
    return len(ctx.captured_queries), len(rows(response))


@pytest.mark.parametrize("viewer", ["cw", "sp_shelter", "pm_ir"])
def test_the_referrals_list_costs_the_same_queries_for_5_or_30_referrals(cast, viewer):
    from cases import services
    from tests.conftest import log_case

    w = cast

    def add(n):
        for i in range(n):
            case = log_case(w.cw, w.ir_ngo)
            services.consent_record(user=w.cw, case=case, purpose="NationalReferral")
            if i % 2:
                return_assessment_of(w, case)
            ref = post(w.cw, "referrals/", {"case": case.reference, "to_agency": "IR-SHELTER",
                                            "services": ["Shelter"], "reason": "Other",
                                            "share_identity": bool(i % 3)}).json()["reference"]  # fmt: skip
            post(w.cw, f"referrals/{ref}/send/")

    add(5)
    small, small_rows = list_queries(getattr(w, viewer))
    add(25)
    large, large_rows = list_queries(getattr(w, viewer))
    assert (small_rows, large_rows) == (5, 30)
    assert small == large, (small, large)
    assert large <= 8


def return_assessment_of(w, case):
    from cases import services

    services.risk_assessment_add(user=w.cw, case=case, risk_level="Medium", safety_plan="x",
                                 next_review_on=datetime.date.today() + datetime.timedelta(days=3))  # fmt: skip


# Notifications


def test_notifications_are_the_users_own_and_can_be_marked_read(cast):
    w = cast
    ref = national_sent(w)
    inbox = client_for(w.sp_shelter)
    rows_ = rows(inbox.get(API + "notifications/"))
    assert [(n["kind"], n["referral"], n["is_read"]) for n in rows_] == [("referral_received", ref, False)]
    note = rows_[0]
    assert ref in note["text"] and w.case_ir.reference in note["text"]
    assert note["link"].endswith(f"/api/v1/referrals/{ref}/")
    assert note["page"] == f"/referrals/{ref}/"
    assert not has_names(inbox.get(API + "notifications/"))
    assert inbox.get(API + "notifications/unread-count/").json() == {"unread": 1}

    # Nobody else sees it, or can mark it.
    assert rows(client_for(w.cw).get(API + "notifications/")) == []
    assert client_for(w.cw).get(API + f"notifications/{note['id']}/").status_code == 404
    assert client_for(w.cw).post(API + f"notifications/{note['id']}/read/").status_code == 404
    assert inbox.get(API + "notifications/unread-count/").json() == {"unread": 1}

    read = inbox.post(API + f"notifications/{note['id']}/read/")
    assert read.status_code == 200 and read.json()["is_read"] is True
    first_read_at = read.json()["read_at"]
    assert inbox.post(API + f"notifications/{note['id']}/read/").json()["read_at"] == first_read_at  # idempotent
    assert inbox.get(API + "notifications/unread-count/").json() == {"unread": 0}
    assert rows(inbox.get(API + "notifications/?unread=true")) == []
    assert len(rows(inbox.get(API + "notifications/?unread=false"))) == 1


def test_read_all_marks_only_the_users_own(cast):
    w = cast
    ref = national_sent(w)
    post(w.sp_shelter, f"referrals/{ref}/decline/", {"reason": "NoCapacity"})
    cw = client_for(w.cw)
    assert cw.get(API + "notifications/unread-count/").json() == {"unread": 1}  # declined, to the author
    assert cw.post(API + "notifications/read-all/").json() == {"marked": 1}
    assert cw.get(API + "notifications/unread-count/").json() == {"unread": 0}
    assert client_for(w.sp_shelter).get(API + "notifications/unread-count/").json() == {"unread": 1}
    assert cw.post(API + "notifications/read-all/").json() == {"marked": 0}


def test_focal_points_are_notified_of_a_cross_border_referral(cast):
    w = cast
    consent(w, "CrossBorderReferral")
    ref = draft(w, to_agency=None, **CROSS_BORDER)
    post(w.cw, f"referrals/{ref}/send/")
    kinds = [(n["kind"], n["referral"]) for n in rows(client_for(w.focal_ir).get(API + "notifications/"))]
    assert kinds == [("awaiting_focal_point", ref)]
    assert rows(client_for(w.focal_af).get(API + "notifications/")) == []


# The schema


def test_the_schema_describes_the_referral_endpoints_without_warnings(cast, tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in ["/api/v1/referrals/", "/api/v1/referrals/{reference}/", "/api/v1/referrals/{reference}/send/",
                 "/api/v1/referrals/{reference}/accept/", "/api/v1/referrals/{reference}/decline/",
                 "/api/v1/referrals/{reference}/complete/", "/api/v1/referrals/{reference}/withdraw/",
                 "/api/v1/referrals/{reference}/approve/", "/api/v1/referrals/{reference}/send-back/",
                 "/api/v1/referrals/{reference}/assign/", "/api/v1/referrals/{reference}/events/",
                 "/api/v1/notifications/", "/api/v1/notifications/{id}/read/", "/api/v1/notifications/read-all/",
                 "/api/v1/notifications/unread-count/",
                 "/api/v1/cases/{case_reference}/best-interests-determinations/"]:  # fmt: skip
        assert f"  {path}:" in text, path
    assert "'409':" in text
