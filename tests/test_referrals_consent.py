"""The consent gate, on the server: no referral leaves without valid consent for its purpose, unless a
supervisor overrides with a written reason; withdrawing consent withdraws what relied on it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from guardian.shortcuts import get_perms

from cases.models import Consent
from cases.selectors import case_visible_to
from cases.services import consent_record, consent_withdraw
from referrals import services as s
from referrals.models import Notification, Referral, ReferralEvent
from tests.conftest import fresh
from tests.test_referrals_support import (
    CROSS_BORDER_CONSENT,
    NATIONAL_CONSENT,
    best_interests,
    consent,
    cross,
    national,
    referral_world,
    return_assessment,
    walk,
)


@pytest.fixture
def w(world):
    return referral_world(world)


def unchanged(referral):
    fresh_row = Referral.objects.get(pk=referral.pk)
    return fresh_row.state == "draft" and fresh_row.sent_at is None and not fresh_row.consent_overridden


def assert_refused_for_consent(call, referral):
    events = ReferralEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        call()
    assert "consent" in error.value.message_dict
    assert "consent" in " ".join(error.value.message_dict["consent"])
    assert unchanged(referral) and ReferralEvent.objects.count() == events
    assert not Notification.objects.exists()


def test_it_refuses_to_send_without_consent(w):
    referral = national(w)
    assert s.consent_check(referral)["ok"] is False
    assert_refused_for_consent(lambda: s.referral_send(user=w.cw, referral=referral), referral)


@pytest.mark.parametrize(("kind", "wrong"), [("national", CROSS_BORDER_CONSENT), ("cross", NATIONAL_CONSENT),
                                             ("national", "DataProcessing")])  # fmt: skip
def test_it_refuses_consent_given_for_another_purpose(w, kind, wrong):
    consent(w, wrong)
    referral = national(w) if kind == "national" else cross(w)
    assert s.consent_check(referral)["ok"] is False
    assert_refused_for_consent(lambda: s.referral_send(user=w.cw, referral=referral), referral)


def test_it_refuses_a_refused_or_withdrawn_consent(w):
    consent_record(user=w.cw, case=w.case_ir, purpose=NATIONAL_CONSENT, granted=False)
    given = consent(w, NATIONAL_CONSENT)
    consent_withdraw(user=w.cw, case=w.case_ir, consent=given, reason="She changed her mind.")
    referral = national(w)
    assert_refused_for_consent(lambda: s.referral_send(user=w.sup, referral=referral), referral)


@pytest.mark.parametrize(("kind", "purpose"), [("national", NATIONAL_CONSENT), ("cross", CROSS_BORDER_CONSENT)])
def test_it_sends_with_consent_of_the_right_purpose(w, kind, purpose):
    consent(w, purpose)
    referral = national(w, share_identity=True) if kind == "national" else cross(w, share_identity=True)
    assert s.consent_check(referral)["ok"] is True and s.consent_check(referral)["purpose"] == purpose
    s.referral_send(user=w.cw, referral=referral)
    referral.refresh_from_db()
    assert referral.state in ("sent", "origin_focal") and not referral.consent_overridden


@pytest.mark.parametrize("kind", ["national", "cross"])
def test_a_supervisor_overrides_the_consent_gate_with_a_written_reason(w, kind):
    referral = national(w) if kind == "national" else cross(w)
    s.referral_send(user=w.sup, referral=referral, override_reason="  Life at risk; the person is unconscious.  ")
    referral.refresh_from_db()
    assert referral.state == ("sent" if kind == "national" else "origin_focal")
    assert referral.consent_overridden is True
    assert referral.override_reason == "Life at risk; the person is unconscious."
    assert referral.overridden_by == w.sup
    event = referral.events.get(action="sent")
    assert event.note == "Consent overridden: Life at risk; the person is unconscious."
    assert event.actor == w.sup


def test_an_override_needs_a_reason(w):
    referral = national(w)
    assert_refused_for_consent(lambda: s.referral_send(user=w.sup, referral=referral, override_reason="   "), referral)


def test_a_caseworker_cannot_override_the_consent_gate(w):
    referral = national(w)
    with pytest.raises(PermissionDenied, match="supervisor"):
        s.referral_send(user=w.cw, referral=referral, override_reason="Urgent.")
    assert unchanged(referral) and referral.events.count() == 1


def test_an_override_never_shares_identity(w):
    referral = national(w, share_identity=True)
    with pytest.raises(ValidationError) as error:
        s.referral_send(user=w.sup, referral=referral, override_reason="Urgent.")
    assert "share_identity" in error.value.message_dict
    assert unchanged(referral)


def test_an_override_is_forgotten_when_the_referral_is_sent_again_with_consent(w):
    referral = cross(w)
    s.referral_send(user=w.sup, referral=referral, override_reason="Urgent.")
    s.referral_send_back(user=w.focal_ir, referral=referral, reason="Get the person's consent first.")
    consent(w, CROSS_BORDER_CONSENT)
    s.referral_send(user=w.cw, referral=referral)
    referral.refresh_from_db()
    assert referral.state == "origin_focal"
    assert not referral.consent_overridden and referral.override_reason == "" and referral.overridden_by is None
    assert referral.events.filter(action="sent").last().note == ""


def test_the_origin_focal_point_accepts_a_recorded_override(w):
    """The focal point sees the override on the timeline; it stands in for consent at approval too."""
    return_assessment(w)
    best_interests(w)
    referral = cross(w)
    s.referral_send(user=w.sup, referral=referral, override_reason="Trafficker located in Tehran.")
    s.referral_approve(user=w.focal_ir, referral=referral)
    assert Referral.objects.get(pk=referral.pk).state == "destination_focal"


# --- withdrawing consent -----------------------------------------------------------------------------


def test_withdrawing_consent_withdraws_pending_referrals_and_ends_shared_access(w):
    sent = walk(w, national(w), "sent")
    accepted = walk(w, national(w, services=["Medical"]), "accepted")
    completed = walk(w, national(w), "completed")
    draft = national(w)
    x_pending = walk(w, cross(w), "destination_focal")
    assert w.case_ir in case_visible_to(fresh(w.sp_shelter))
    assert get_perms(w.ir_shelter.group, w.case_ir)

    given = w.case_ir.consents.get(purpose=NATIONAL_CONSENT)
    consent_withdraw(user=w.cw, case=w.case_ir, consent=given, reason="She no longer wants the shelter.")

    state = dict(Referral.objects.values_list("pk", "state"))
    assert state[sent.pk] == state[accepted.pk] == "withdrawn"
    assert state[completed.pk] == "completed" and state[draft.pk] == "draft"
    assert state[x_pending.pk] == "destination_focal"  # relies on the other (cross-border) consent
    for referral in (sent, accepted):
        event = referral.events.last()
        assert (event.action, event.actor, event.note) == ("withdrawn", w.cw, "Consent withdrawn by the person.")
    assert get_perms(w.ir_shelter.group, w.case_ir) == []
    assert w.case_ir not in case_visible_to(fresh(w.sp_shelter))
    assert w.case_ir not in case_visible_to(fresh(w.sup_shelter))
    told = set(Notification.objects.filter(kind="referral_withdrawn").values_list("recipient__username", flat=True))
    assert told == {"sp_shelter", "sup_shelter"}
    # and the draft cannot go out any more
    with pytest.raises(ValidationError):
        s.referral_send(user=w.cw, referral=draft)


def test_withdrawing_cross_border_consent_withdraws_only_cross_border_referrals(w):
    national_one = walk(w, national(w), "sent")
    x_one = walk(w, cross(w), "origin_focal")
    x_two = walk(w, cross(w), "accepted")
    given = w.case_ir.consents.get(purpose=CROSS_BORDER_CONSENT)
    consent_withdraw(user=w.sup, case=w.case_ir, consent=given, reason="Withdrawn at interview.")
    state = dict(Referral.objects.values_list("pk", "state"))
    assert state[national_one.pk] == "sent"
    assert state[x_one.pk] == state[x_two.pk] == "withdrawn"


def test_it_keeps_referrals_while_another_consent_for_the_purpose_stands(w):
    referral = walk(w, national(w), "sent")
    second = consent(w, NATIONAL_CONSENT)
    consent_withdraw(user=w.cw, case=w.case_ir, consent=second, reason="Duplicate.")
    assert Referral.objects.get(pk=referral.pk).state == "sent"


def test_withdrawing_consent_to_data_processing_withdraws_every_pending_referral(w):
    national_one = walk(w, national(w), "accepted")
    x_one = walk(w, cross(w), "sent")
    processing = consent(w, "DataProcessing")
    consent_withdraw(user=w.cw, case=w.case_ir, consent=processing, reason="No processing any more.")
    assert set(Referral.objects.filter(pk__in=[national_one.pk, x_one.pk]).values_list("state", flat=True)) == {
        "withdrawn"
    }
    assert w.case_ir not in case_visible_to(fresh(w.sp_shelter))


def test_a_referral_answered_meanwhile_does_not_block_the_withdrawal_of_consent(w, monkeypatch):
    """Between listing the pending referrals and withdrawing each, the receiver may complete one."""
    raced = walk(w, national(w), "accepted")
    other = walk(w, national(w), "sent")
    real = s.referral_withdraw

    def completed_first(*, user, referral, reason, system=False):
        # The newer referral comes first; while it is withdrawn, the receiver completes the older one.
        if referral.pk == other.pk:
            s.referral_complete(user=w.sp_shelter, referral=raced, successful=True)
        return real(user=user, referral=referral, reason=reason, system=system)

    monkeypatch.setattr(s, "referral_withdraw", completed_first)
    given = w.case_ir.consents.get(purpose=NATIONAL_CONSENT)
    consent_withdraw(user=w.cw, case=w.case_ir, consent=given, reason="Withdrawn.")
    assert Consent.objects.get(pk=given.pk).withdrawn_on is not None
    state = dict(Referral.objects.values_list("pk", "state"))
    assert state[raced.pk] == "completed" and state[other.pk] == "withdrawn"
