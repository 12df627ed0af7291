"""The referral pages and the notification inbox: who sees what, who may do what, and what a
refused request writes (nothing)."""

import datetime

import pytest
from django.urls import reverse

from cases.models import BestInterestsDetermination
from cases.services import best_interests_determination_add, consent_record, risk_assessment_add
from referrals import services as rs
from referrals.models import Notification, Referral, ReferralEvent, State

from .conftest import fresh, make_agency, make_user

NAMES = ["Reza", "Ahmadi", "رضا", "احمدی"]


@pytest.fixture
def login(client):
    def _login(user):
        client.logout()
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def focal_af(world):
    world.af_commission = make_agency("AF-COM", "AF", "NationalCommission", services=[], is_focal_point=True)
    world.focal_af = make_user("focal_af", world.af_commission, "focal_point")
    return world.focal_af


def consent(world, case=None, purpose="NationalReferral"):
    return consent_record(user=world.cw, case=case or world.case_ir, purpose=purpose, given_by="Guardian",
                          guardian_name="Leila Moradi")  # fmt: skip


def national(world, *, send=True, share_identity=False, **kw):
    """A national referral of the street child from IR-NGO to the police unit (same country)."""
    consent(world)
    referral = rs.referral_create(
        user=world.cw, case=world.case_ir, to_agency=world.ir_police, services=["LawEnforcement"],
        reason="AdditionalServicesRequired", urgency=kw.pop("urgency", "urgent"), message="Needs a statement taken.",
        share_identity=share_identity,
    )  # fmt: skip
    if send:
        referral = rs.referral_send(user=world.cw, referral=referral)
    return referral


def cross_border(world, *, approve=False):
    consent(world, purpose="CrossBorderReferral")
    referral = rs.referral_create(
        user=world.cw, case=world.case_ir, to_country="AF", services=["Shelter"], reason="MigrationOrChangeOfLocation",
    )  # fmt: skip
    referral = rs.referral_send(user=world.cw, referral=referral)
    if approve:
        return_ready(world)
        referral = rs.referral_approve(user=world.focal_ir, referral=referral)
    return referral


def return_ready(world):
    today = datetime.date.today()
    risk_assessment_add(user=world.cw, case=world.case_ir, assessed_on=today, risk_level="Medium", risk_factors=[],
                        is_return_assessment=True, safety_plan="Escorted return.",
                        next_review_on=today + datetime.timedelta(days=30))  # fmt: skip
    best_interests_determination_add(user=world.cw, case=world.case_ir, panel="BID panel Tehran",
                                     family_assessed=True, recommends_return=True,
                                     summary="Mother traced in Herat; return in his best interests.")  # fmt: skip


def action_urls(reference):
    names = ["send", "accept", "decline", "complete", "withdraw", "approve", "send_back", "assign"]
    return [reverse(f"referral_{name}", args=[reference]) for name in names]


VALID_POST = {
    "referral_send": {},
    "referral_accept": {},
    "referral_decline": {"reason": "NoCapacity"},
    "referral_complete": {"successful": "yes"},
    "referral_withdraw": {"reason": "No longer needed"},
    "referral_approve": {},
    "referral_send_back": {"reason": "More detail"},
    "referral_assign": {},
}


# ---------------------------------------------------------------------------------------------
# Sign-in and scope


def test_anonymous_users_are_sent_to_sign_in(client, world):
    referral = national(world)
    pages = [reverse("referral_list"), reverse("referral_detail", args=[referral.reference]),
             reverse("referral_new", args=[world.case_ir.reference]), reverse("notification_list")]  # fmt: skip
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response.url, url
    for url in [*action_urls(referral.reference), reverse("notification_read_all")]:
        response = client.post(url)
        assert response.status_code == 302 and "/login/" in response.url, url
    assert Referral.objects.get().state == State.SENT


def test_another_agency_gets_404_on_the_referral_and_every_action(login, world):
    referral = national(world)
    before = ReferralEvent.objects.count()
    for user in (world.cw_af, world.sp_af, world.nobody, world.focal_ir):  # focal_ir: a national referral
        c = login(fresh(user))
        assert c.get(reverse("referral_detail", args=[referral.reference])).status_code == 404, user
        for url in action_urls(referral.reference):
            assert c.post(url, {"reason": "x"}).status_code == 404, (user, url)
    assert ReferralEvent.objects.count() == before
    assert Referral.objects.get().state == State.SENT


def test_refer_page_is_only_for_the_case_owner(login, world):
    url = reverse("referral_new", args=[world.case_ir.reference])
    assert login(world.cw_police).get(url).status_code == 404  # another agency: the case does not exist
    assert login(world.sp_ir).get(url).status_code == 404  # service provider: no case access
    assert login(world.pm_ir).get(url).status_code == 403  # oversight sees the case but cannot refer
    assert login(world.cw).get(url).status_code == 200


def test_the_wrong_role_gets_403_and_nothing_changes(login, world):
    referral = national(world)
    sender = login(world.cw)
    for name in ("referral_accept", "referral_decline", "referral_complete", "referral_approve", "referral_assign"):
        response = sender.post(reverse(name, args=[referral.reference]), VALID_POST[name])
        assert response.status_code == 403, name
    receiver = login(world.cw_police)
    for name in ("referral_withdraw", "referral_send", "referral_approve", "referral_send_back"):
        response = receiver.post(reverse(name, args=[referral.reference]), VALID_POST[name])
        assert response.status_code == 403, name
    referral.refresh_from_db()
    assert referral.state == State.SENT and referral.events.count() == 2


def test_oversight_sees_the_referral_without_names(login, world):
    referral = national(world, share_identity=True)
    html = login(world.pm_ir).get(reverse("referral_detail", args=[referral.reference])).content.decode()
    assert referral.reference in html and world.case_ir.reference in html
    for text in NAMES:
        assert text not in html
    assert "Needs a statement taken." not in html  # free text stays with the parties
    assert 'action="/referrals/' not in html  # no action forms


def test_identity_only_when_shared_and_only_for_the_parties(login, world):
    referral = national(world, share_identity=True)
    rs.referral_accept(user=world.cw_police, referral=referral)
    html = login(fresh(world.cw_police)).get(reverse("referral_detail", args=[referral.reference])).content.decode()
    assert "Reza Ahmadi" in html and "رضا احمدی" in html
    assert "Needs a statement taken." in html

    other = national(world, share_identity=False)
    html = login(fresh(world.cw_police)).get(reverse("referral_detail", args=[other.reference])).content.decode()
    for text in NAMES:
        assert text not in html
    assert "Only the minimum was shared" in html
    # The minimum: case reference, sex, age band, child, services, risk, languages.
    assert world.case_ir.reference in html and "9-17" in html and "Law enforcement" in html


def test_the_receiver_gets_a_case_link_only_once_it_can_see_the_case(login, world):
    referral = national(world)
    case_url = reverse("case_detail", args=[world.case_ir.reference])
    detail = reverse("referral_detail", args=[referral.reference])
    assert case_url not in login(world.cw_police).get(detail).content.decode()
    rs.referral_accept(user=world.cw_police, referral=referral)
    assert case_url in login(fresh(world.cw_police)).get(detail).content.decode()
    assert case_url in login(world.cw).get(detail).content.decode()


# ---------------------------------------------------------------------------------------------
# Referring from the case page


def refer_data(world, **overrides):
    data = {"to_country": "IR", "to_agency": world.ir_police.pk, "services": ["LawEnforcement"],
            "reason": "AdditionalServicesRequired", "urgency": "urgent", "message": "Please take his statement.",
            "action": "send"}  # fmt: skip
    data.update(overrides)
    return data


def test_the_consent_check_is_visible_before_sending(login, world):
    url = reverse("referral_new", args=[world.case_ir.reference])
    html = login(world.cw).get(url).content.decode()
    assert "No valid consent for a national referral" in html
    assert reverse("case_detail", args=[world.case_ir.reference]) + "#consents" in html
    assert "override_reason" not in html  # a caseworker cannot override
    assert 'name="override_reason"' in login(world.sup).get(url).content.decode()
    consent(world)
    html = login(world.cw).get(url).content.decode()
    assert "Consent for a national referral given" in html
    assert "No valid consent for a national referral" not in html


def test_refer_and_send_in_one_go(login, world):
    consent(world)
    c = login(world.cw)
    response = c.post(reverse("referral_new", args=[world.case_ir.reference]), refer_data(world))
    referral = Referral.objects.get()
    assert response.status_code == 302 and response.url == reverse("referral_detail", args=[referral.reference])
    assert referral.state == State.SENT and referral.to_agency == world.ir_police
    assert Notification.objects.filter(recipient=world.cw_police, referral=referral).exists()
    html = c.get(response.url).content.decode()
    assert "sent to IR-POL" in html


def test_save_draft_then_send_from_the_referral_page(login, world):
    consent(world)
    c = login(world.cw)
    c.post(reverse("referral_new", args=[world.case_ir.reference]), refer_data(world, action="draft"))
    referral = Referral.objects.get()
    assert referral.state == State.DRAFT
    assert not Notification.objects.exists()
    response = c.post(reverse("referral_send", args=[referral.reference]))
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.state == State.SENT


def test_bad_input_writes_nothing_and_keeps_the_input(login, world):
    consent(world)
    c = login(world.cw)
    url = reverse("referral_new", args=[world.case_ir.reference])
    response = c.post(url, refer_data(world, services=[], message="Keep this text"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose at least one service." in html and "Keep this text" in html
    # The agency does not offer the service: the service's message, next to the field.
    response = c.post(url, refer_data(world, services=["Shelter"]))
    assert "does not offer" in response.content.decode()
    assert not Referral.objects.exists() and not ReferralEvent.objects.exists()


def test_no_consent_refuses_to_send_and_writes_nothing(login, world):
    c = login(world.cw)
    response = c.post(reverse("referral_new", args=[world.case_ir.reference]), refer_data(world))
    assert response.status_code == 200
    assert "There is no valid consent for this referral" in response.content.decode()
    assert not Referral.objects.exists()  # the draft was rolled back with the refused send


def test_a_supervisor_overrides_consent_with_a_reason(login, world):
    c = login(world.sup)
    url = reverse("referral_new", args=[world.case_ir.reference])
    c.post(url, refer_data(world, override_reason="Life at risk tonight; guardian unreachable."))
    referral = Referral.objects.get()
    assert referral.state == State.SENT and referral.consent_overridden and referral.overridden_by == world.sup
    # A caseworker cannot: the field is not even read.
    login(world.cw).post(url, refer_data(world, override_reason="Trying anyway"))
    assert Referral.objects.count() == 1


def test_the_agency_filter_narrows_by_country_and_service(login, world):
    c = login(world.cw)
    url = reverse("referral_new", args=[world.case_ir.reference])
    response = c.get(url, {"to_country": "AF", "services": ["Reintegration"], "filter": "1"})
    html = response.content.decode()
    assert "AF-NGO agency" in html and "IR-POL agency" not in html
    assert "No valid consent for a cross-border referral" in html
    # The no-script button submits the whole form by GET: the CSRF token is taken out of the address.
    response = c.get(url, {"to_country": "AF", "filter": "1", "csrfmiddlewaretoken": "abc"})
    assert response.status_code == 302 and "csrfmiddlewaretoken" not in response.url


# ---------------------------------------------------------------------------------------------
# Answering


def test_accept_then_accept_again_is_409(login, world):
    referral = national(world)
    c = login(world.cw_police)
    response = c.post(reverse("referral_accept", args=[referral.reference]))
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.state == State.ACCEPTED
    response = login(fresh(world.cw_police)).post(reverse("referral_accept", args=[referral.reference]))
    assert response.status_code == 409
    assert "Cannot accept referral" in response.content.decode()
    assert referral.events.filter(action="accepted").count() == 1


def test_decline_needs_a_reason(login, world):
    referral = national(world)
    c = login(world.cw_police)
    response = c.post(reverse("referral_decline", args=[referral.reference]), {"details": "Full"})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    referral.refresh_from_db()
    assert referral.state == State.SENT
    c.post(reverse("referral_decline", args=[referral.reference]), {"reason": "NoCapacity", "details": "Full"})
    referral.refresh_from_db()
    assert referral.state == State.DECLINED and referral.decline_details == "Full"


def test_complete_unsuccessful_needs_a_reason(login, world):
    referral = national(world)
    rs.referral_accept(user=world.cw_police, referral=referral)
    c = login(fresh(world.cw_police))
    url = reverse("referral_complete", args=[referral.reference])
    response = c.post(url, {"successful": "no", "reason": " "})
    assert response.status_code == 200 and "did not succeed" in response.content.decode()
    c.post(url, {"successful": "no", "reason": "He left the city.", "feedback": "Statement not taken."})
    referral.refresh_from_db()
    assert referral.state == State.COMPLETED and referral.successful is False


def test_withdraw_by_the_sender(login, world):
    referral = national(world)
    c = login(world.cw)
    assert c.post(reverse("referral_withdraw", args=[referral.reference]), {"reason": ""}).status_code == 200
    c.post(reverse("referral_withdraw", args=[referral.reference]), {"reason": "Family found."})
    referral.refresh_from_db()
    assert referral.state == State.WITHDRAWN
    response = c.post(reverse("referral_withdraw", args=[referral.reference]), {"reason": "Again"})
    assert response.status_code == 409


def test_cross_border_through_both_focal_points(login, world, focal_af):
    referral = cross_border(world)
    assert referral.state == State.ORIGIN_FOCAL
    # Not yet approved: the destination focal point does not know of it.
    assert login(focal_af).get(reverse("referral_detail", args=[referral.reference])).status_code == 404
    c = login(world.focal_ir)
    page = c.get(reverse("referral_list") + "?tab=focal").content.decode()
    assert referral.reference in page
    html = c.get(reverse("referral_detail", args=[referral.reference])).content.decode()
    assert "Risk assessment of the return" in html and "Best-interests determination" in html
    for text in NAMES:
        assert text not in html
    # Approving without a return risk assessment: refused, explained, nothing written.
    response = c.post(reverse("referral_approve", args=[referral.reference]))
    assert response.status_code == 200 and "Record a risk assessment of the return first" in response.content.decode()
    referral.refresh_from_db()
    assert referral.state == State.ORIGIN_FOCAL
    return_ready(world)
    assert c.post(reverse("referral_approve", args=[referral.reference])).status_code == 302
    referral.refresh_from_db()
    assert referral.state == State.DESTINATION_FOCAL

    c = login(fresh(focal_af))
    assert referral.reference in c.get(reverse("referral_list") + "?tab=focal").content.decode()
    response = c.post(reverse("referral_assign", args=[referral.reference]), {"to_agency": world.ir_police.pk})
    assert response.status_code == 200  # not in the destination country
    c.post(reverse("referral_assign", args=[referral.reference]), {"to_agency": world.af_ngo.pk})
    referral.refresh_from_db()
    assert referral.state == State.SENT and referral.to_agency == world.af_ngo

    c = login(fresh(world.cw_af))
    assert referral.reference in c.get(reverse("referral_list")).content.decode()
    c.post(reverse("referral_accept", args=[referral.reference]))
    referral.refresh_from_db()
    assert referral.state == State.ACCEPTED and referral.linked_case.country_id == "AF"
    html = c.get(reverse("referral_detail", args=[referral.reference])).content.decode()
    assert reverse("case_detail", args=[referral.linked_case.reference]) in html
    assert reverse("case_detail", args=[world.case_ir.reference]) not in html  # not the Iranian case


def test_send_back_needs_a_reason(login, world):
    referral = cross_border(world)
    c = login(world.focal_ir)
    url = reverse("referral_send_back", args=[referral.reference])
    assert c.post(url, {"reason": ""}).status_code == 200
    c.post(url, {"reason": "Add the family tracing results."})
    referral.refresh_from_db()
    assert referral.state == State.DRAFT and referral.returned_reason == "Add the family tracing results."


# ---------------------------------------------------------------------------------------------
# Lists


def test_tabs_show_each_side_its_referrals(login, world):
    referral = national(world)
    outgoing = login(world.cw).get(reverse("referral_list")).content.decode()  # default: nothing waits for cw
    assert "Outgoing" in outgoing and referral.reference in outgoing and "Incoming" in outgoing
    incoming = login(world.cw_police).get(reverse("referral_list") + "?tab=incoming").content.decode()
    assert referral.reference in incoming and "is-waiting" in incoming
    assert referral.reference not in login(world.cw_af).get(reverse("referral_list")).content.decode()
    assert login(world.nobody).get(reverse("referral_list")).status_code == 403


def test_overdue_referrals_are_highlighted(login, world):
    referral = national(world)
    Referral.objects.filter(pk=referral.pk).update(response_deadline=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    html = login(world.cw_police).get(reverse("referral_list")).content.decode()
    assert "is-overdue" in html and "overdue" in html


# ---------------------------------------------------------------------------------------------
# Notifications


def test_the_inbox_shows_only_my_notifications(login, world):
    referral = national(world)
    mine = Notification.objects.get(recipient=world.cw_police)
    c = login(world.cw_police)
    html = c.get(reverse("notification_list")).content.decode()
    assert f"referral {referral.reference}" in html and "is-unread" in html
    assert 'data-unread="1"' in html  # the header badge
    for text in NAMES:
        assert text not in html
    # Nobody else's: sup receives the acceptance later, cw_af never.
    assert "is-unread" not in login(world.cw_af).get(reverse("notification_list")).content.decode()
    assert login(world.cw_af).get(reverse("notification_open", args=[mine.pk])).status_code == 404
    assert login(world.cw_af).post(reverse("notification_read", args=[mine.pk])).status_code == 404
    mine.refresh_from_db()
    assert mine.read_at is None


def test_opening_a_notification_marks_it_read(login, world):
    referral = national(world)
    note = Notification.objects.get(recipient=world.cw_police)
    c = login(world.cw_police)
    response = c.get(reverse("notification_open", args=[note.pk]))
    assert response.status_code == 302 and response.url == reverse("referral_detail", args=[referral.reference])
    note.refresh_from_db()
    assert note.read_at is not None
    assert "data-unread" not in c.get(reverse("home")).content.decode()


def test_mark_all_as_read(login, world, django_assert_max_num_queries):
    national(world)
    national(world)
    c = login(world.cw_police)
    assert 'data-unread="2"' in c.get(reverse("home")).content.decode()
    c.post(reverse("notification_read_all"))
    assert not Notification.objects.filter(recipient=world.cw_police, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=world.cw_police).count() == 2


def test_the_unread_count_is_one_query(rf, world, django_assert_num_queries):
    from referrals.views import unread_count

    national(world)
    request = rf.get("/")
    request.user = world.cw_police
    with django_assert_num_queries(1):
        assert unread_count(request) == 1
        assert unread_count(request) == 1


# ---------------------------------------------------------------------------------------------
# The case page


def test_case_page_lists_referrals_and_offers_refer(login, world):
    referral = national(world)
    html = login(world.cw).get(reverse("case_detail", args=[world.case_ir.reference])).content.decode()
    assert 'id="referrals"' in html and referral.reference in html
    assert reverse("referral_new", args=[world.case_ir.reference]) in html
    assert 'name="is_return_assessment"' in html
    html = login(world.pm_ir).get(reverse("case_detail", args=[world.case_ir.reference])).content.decode()
    assert reverse("referral_new", args=[world.case_ir.reference]) not in html


def test_best_interests_card_for_children(login, world):
    c = login(world.cw)
    url = reverse("case_best_interests_add", args=[world.case_ir.reference])
    response = c.post(url, {"decided_on": datetime.date.today().isoformat(), "panel": "", "summary": ""})
    assert response.status_code == 200 and not BestInterestsDetermination.objects.exists()
    c.post(url, {"decided_on": datetime.date.today().isoformat(), "panel": "Panel of Tehran Welfare",
                 "family_assessed": "on", "recommends_return": "on", "summary": "Mother traced; return advised."})  # fmt: skip
    bid = BestInterestsDetermination.objects.get()
    assert bid.recommends_return and bid.family_assessed
    html = c.get(reverse("case_detail", args=[world.case_ir.reference])).content.decode()
    assert "Panel of Tehran Welfare" in html and "Mother traced" in html
    html = login(world.pm_ir).get(reverse("case_detail", args=[world.case_ir.reference])).content.decode()
    assert 'id="best-interests"' in html
    assert "Panel of Tehran Welfare" not in html and "Mother traced" not in html
    # An adult's case has no such card.
    html = login(world.cw_af).get(reverse("case_detail", args=[world.case_af.reference])).content.decode()
    assert 'id="best-interests"' not in html
    assert login(world.cw_police).post(url, {"panel": "x", "summary": "y"}).status_code == 404


def test_focal_points_do_not_read_the_agencies_free_text(login, world, focal_af):
    consent(world, purpose="CrossBorderReferral")
    referral = rs.referral_create(
        user=world.cw, case=world.case_ir, to_country="AF", services=["Shelter"], reason="MigrationOrChangeOfLocation",
        message="Reza sleeps at the bus station",
    )  # fmt: skip
    referral = rs.referral_send(user=world.cw, referral=referral)
    page = login(world.focal_ir).get(reverse("referral_detail", args=[referral.reference])).content.decode()
    assert "bus station" not in page and "Reza" not in page
    assert "bus station" in login(world.cw).get(reverse("referral_detail", args=[referral.reference])).content.decode()
