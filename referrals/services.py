"""The referral workflow. Every transition: lock the row, check the state and the actor, change,
write the timeline event and the notifications, all in one transaction.

States (see models.State):
    draft -> sent                       (national; consent for national referral)
    draft -> origin_focal               (cross-border; consent for cross-border referral)
    origin_focal -> destination_focal   (origin focal point approves: consent, return risk
                                         assessment and, for a child, a best-interests determination)
    origin_focal -> draft               (origin focal point sends it back, with a reason)
    destination_focal -> sent           (destination focal point assigns a receiving agency)
    destination_focal -> declined       (destination focal point declines)
    sent -> accepted | declined         (receiving agency staff; exactly one answer wins)
    accepted -> completed               (receiving agency staff, successful or not, with feedback)
    origin_focal | destination_focal | sent | accepted -> withdrawn   (sender, with a reason)
    origin_focal | destination_focal | sent -> expired                (the deadline passed: beat)
Any other move raises InvalidTransition (the API answers 409).
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.shortcuts import assign_perm, remove_perm

from cases.models import Case, CaseEvent, RiskAssessment
from cases.selectors import case_access
from cases.services import SHARE_PERMS, next_case_reference, valid_consent
from glo_act.exceptions import StateConflict
from glo_act.vocabularies import CaseStage, ConsentPurpose, Service
from partners.models import Agency
from victims.models import Person

from . import notifications as n
from .models import AWAITING_STATES, DeclineReason, NotificationKind, Referral, ReferralEvent, State
from .selectors import referral_role


class InvalidTransition(StateConflict):
    """A move the state machine does not allow from the referral's current state (HTTP 409)."""


def _not_offered(agency: Agency, missing) -> str:
    names = ", ".join(str(Service(v).label) if v in Service.values else v for v in missing)
    return _("%(agency)s does not offer: %(services)s.") % {"agency": agency.short_name, "services": names}


def _next_reference(year: int) -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT nextval('referral_reference_seq')")
        (number,) = cur.fetchone()
    return f"RF-{year}-{number:06d}"


def _deadline(urgency: str) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(hours=settings.REFERRAL_DEADLINE_HOURS[urgency])


def _lock(referral: Referral) -> Referral:
    """Re-read the row under a lock: two people answering at once are serialised here. Only the
    referral row is locked (`of`): PostgreSQL cannot lock the nullable side of the to_agency join."""
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("case", "from_agency", "to_agency")
        .get(pk=referral.pk)
    )


# One whole sentence per move, so that each language can word it (never a verb slotted into a sentence).
_CANNOT = {
    "send": gettext_lazy(
        "Cannot send referral %(ref)s: it is %(state)s, and only a referral that is %(allowed)s can be."
    ),
    "approve": gettext_lazy(
        "Cannot approve referral %(ref)s: it is %(state)s, and only a referral that is %(allowed)s can be."
    ),
    "send back": gettext_lazy(
        "Cannot send back referral %(ref)s: it is %(state)s, and only a referral that is %(allowed)s can be."
    ),
    "assign": gettext_lazy(
        "Cannot assign referral %(ref)s: it is %(state)s, and only a referral that is %(allowed)s can be."
    ),
    "decline": gettext_lazy(
        "Cannot decline referral %(ref)s: it is %(state)s, and only a referral that is %(allowed)s can be."
    ),
    "accept": gettext_lazy(
        "Cannot accept referral %(ref)s: it is %(state)s, and only a referral that is %(allowed)s can be."
    ),
    "complete": gettext_lazy(
        "Cannot complete referral %(ref)s: it is %(state)s, and only a referral that is %(allowed)s can be."
    ),
    "withdraw": gettext_lazy(
        "Cannot withdraw referral %(ref)s: it is %(state)s, and only a referral that is %(allowed)s can be."
    ),
}


def _expect(referral: Referral, *states: str, action: str) -> None:
    if referral.state not in states:
        allowed = ", ".join(str(State(s).label).lower() for s in states)
        raise InvalidTransition(
            str(_CANNOT[action])
            % {"ref": referral.reference, "state": str(referral.get_state_display()).lower(), "allowed": allowed}
        )


def _move(referral, *, user, to_state, action, note="", agency=None, fields=()) -> None:
    from_state = referral.state
    referral.state = to_state
    referral.save(update_fields=["state", "updated_at", *fields])
    ReferralEvent.objects.create(
        referral=referral, actor=user, actor_agency=agency, action=action, from_state=from_state, to_state=to_state,
        note=note,
    )  # fmt: skip


def _case_event(case: Case, user, action: str, summary: str) -> None:
    CaseEvent.objects.create(case=case, actor=user, action=action, summary=summary[:255])


def _focal_agency(user, country_code: str) -> Agency | None:
    """The focal-point agency the user acts for in this country (for the timeline)."""
    return Agency.objects.filter(
        is_focal_point=True, country_id=country_code, memberships__user=user, memberships__is_active=True
    ).first()


def _grant(referral: Referral, case: Case | None = None) -> None:
    """The receiving agency's staff see the shared part of the case while the referral is accepted.

    Across a border the grant is on the linked case instead: it is the receiving agency's own, but its
    service providers (no case role) would otherwise not see the case they accepted.
    """
    case = case or referral.case
    group = referral.to_agency.group
    assign_perm("cases.view_case", group, case)
    assign_perm("cases.record_case_service", group, case)
    if referral.share_identity:
        assign_perm("cases.view_case_identity", group, case)


def _revoke(referral: Referral) -> None:
    """End the access this referral gave, unless another accepted referral to the same agency needs it.
    Across a border the grant was on the linked case (the destination's own: its case staff keep it)."""
    if referral.to_agency_id is None:
        return
    if referral.is_cross_border:
        if referral.linked_case_id:
            for perm in SHARE_PERMS:
                remove_perm(f"cases.{perm}", referral.to_agency.group, referral.linked_case)
        return
    others = Referral.objects.filter(
        case=referral.case, to_agency=referral.to_agency, state=State.ACCEPTED, is_cross_border=False
    ).exclude(pk=referral.pk)
    if others.exists():
        if not others.filter(share_identity=True).exists():
            remove_perm("cases.view_case_identity", referral.to_agency.group, referral.case)
        return
    for perm in SHARE_PERMS:
        remove_perm(f"cases.{perm}", referral.to_agency.group, referral.case)


@transaction.atomic
def referral_create(
    *, user, case: Case, services: list[str], reason: str, urgency: str = "routine", message: str = "",
    to_agency: Agency | None = None, to_country=None, share_identity: bool = False,
) -> Referral:  # fmt: skip
    """A draft referral from the case's agency. Cross-border when the destination is another country."""
    if not case_access(user, case).edit:
        raise PermissionDenied(_("Only staff of the case's agency can refer it."))
    if case.is_closed:
        raise ValidationError(_("A closed case cannot be referred."))
    errors = {}
    to_country_id = getattr(to_country, "pk", to_country) or (to_agency.country_id if to_agency else None)
    if not to_country_id:
        errors["to_country"] = _("Choose the receiving agency or, across a border, the destination country.")
    cross_border = bool(to_country_id) and to_country_id != case.agency.country_id
    if to_agency is not None:
        if to_agency.id == case.agency_id:
            errors["to_agency"] = _("A case cannot be referred to its own agency.")
        elif not to_agency.is_active:
            errors["to_agency"] = _("This agency is no longer active.")
        elif to_country_id and to_agency.country_id != to_country_id:
            errors["to_agency"] = _("The receiving agency is not in the destination country.")
    elif not cross_border and to_country_id:
        errors["to_agency"] = _("Choose the receiving agency.")
    if not services:
        errors["services"] = _("Choose at least one service.")
    elif to_agency is not None and not set(services) <= set(to_agency.services):
        missing = sorted(set(services) - set(to_agency.services))
        errors["services"] = _not_offered(to_agency, missing)
    if errors:
        raise ValidationError(errors)
    referral = Referral(
        reference=_next_reference(timezone.localdate().year), case=case, from_agency=case.agency, to_agency=to_agency,
        to_country_id=to_country_id, is_cross_border=cross_border, services=list(services), reason=reason,
        urgency=urgency, message=message, share_identity=share_identity, created_by=user,
    )  # fmt: skip
    referral.full_clean()
    referral.save()
    ReferralEvent.objects.create(referral=referral, actor=user, actor_agency=case.agency, action="created",
                                 to_state=State.DRAFT)  # fmt: skip
    return referral


def consent_purpose(referral: Referral) -> str:
    return ConsentPurpose.CROSS_BORDER_REFERRAL if referral.is_cross_border else ConsentPurpose.NATIONAL_REFERRAL


def consent_check(referral: Referral) -> dict:
    """What the sender sees before sending: is there valid consent for this referral's purpose?"""
    consent = valid_consent(referral.case, consent_purpose(referral))
    return {"purpose": consent_purpose(referral), "consent": consent, "ok": consent is not None}


@transaction.atomic
def referral_send(*, user, referral: Referral, override_reason: str = "") -> Referral:
    """Send a draft. The consent gate is here, on the server; a supervisor may override it with a
    written reason (recorded), but identity is only ever shared with real consent."""
    referral = _lock(referral)
    role = referral_role(user, referral)
    if not role.sender:
        raise PermissionDenied(_("Only staff of the sending agency can send this referral."))
    _expect(referral, State.DRAFT, action="send")
    consent = valid_consent(referral.case, consent_purpose(referral))
    fields = ["sent_at", "response_deadline", "reminded_at"]
    if consent is None:
        if not override_reason.strip():
            raise ValidationError(
                {
                    "consent": _(
                        "There is no valid consent for this referral. Record the person's consent, or a "
                        "supervisor may override with a written reason."
                    )
                }  # fmt: skip
            )
        if not role.sender_supervisor:
            raise PermissionDenied(_("Only a supervisor can override the consent requirement."))
        if referral.share_identity:
            raise ValidationError(
                {"share_identity": _("Identifying data can only be shared with the person's consent.")}
            )
        referral.consent_overridden = True
        referral.override_reason = override_reason.strip()
        referral.overridden_by = user
    else:
        # Sent again after a focal point sent it back, now with consent: an earlier override no longer applies.
        referral.consent_overridden = False
        referral.override_reason = ""
        referral.overridden_by = None
    fields += ["consent_overridden", "override_reason", "overridden_by"]
    now = timezone.now()
    referral.sent_at = now
    referral.response_deadline = _deadline(referral.urgency)
    referral.reminded_at = None
    note = f"Consent overridden: {referral.override_reason}" if referral.consent_overridden else ""
    if referral.is_cross_border:
        _move(referral, user=user, to_state=State.ORIGIN_FOCAL, action="sent", note=note, agency=referral.from_agency,
              fields=fields)  # fmt: skip
        n.notify(referral=referral, kind=NotificationKind.AWAITING_FOCAL_POINT,
                 user_ids=n.focal_points(referral.from_agency.country_id))  # fmt: skip
    else:
        referral.delivered_at = now
        _move(referral, user=user, to_state=State.SENT, action="sent", note=note, agency=referral.from_agency,
              fields=[*fields, "delivered_at"])  # fmt: skip
        n.notify(referral=referral, kind=NotificationKind.RECEIVED, user_ids=n.receiving_staff(referral))
    _case_event(referral.case, user, "referral_sent", f"Referral {referral.reference} sent.")
    return referral


@transaction.atomic
def referral_approve(*, user, referral: Referral) -> Referral:
    """The origin country's focal point approves a cross-border referral."""
    referral = _lock(referral)
    if not referral_role(user, referral).origin_focal:
        raise PermissionDenied(_("Only a focal point of the origin country can approve this referral."))
    _expect(referral, State.ORIGIN_FOCAL, action="approve")
    case = referral.case
    errors = {}
    if valid_consent(case, ConsentPurpose.CROSS_BORDER_REFERRAL) is None and not referral.consent_overridden:
        errors["consent"] = _("There is no valid consent for a cross-border referral.")
    if not RiskAssessment.objects.filter(case=case, is_return_assessment=True).exists():
        errors["return_risk_assessment"] = _("Record a risk assessment of the return first.")
    if case.is_child and not case.best_interests_determinations.exists():
        errors["best_interests_determination"] = _("For a child, record a best-interests determination first.")
    if errors:
        raise ValidationError(errors)
    referral.response_deadline = _deadline(referral.urgency)
    referral.reminded_at = None
    _move(referral, user=user, to_state=State.DESTINATION_FOCAL, action="approved",
          agency=_focal_agency(user, referral.from_agency.country_id),
          fields=["response_deadline", "reminded_at"])  # fmt: skip
    n.notify(referral=referral, kind=NotificationKind.AWAITING_FOCAL_POINT,
             user_ids=n.focal_points(referral.to_country_id))  # fmt: skip
    return referral


@transaction.atomic
def referral_send_back(*, user, referral: Referral, reason: str) -> Referral:
    referral = _lock(referral)
    if not referral_role(user, referral).origin_focal:
        raise PermissionDenied(_("Only a focal point of the origin country can send this referral back."))
    _expect(referral, State.ORIGIN_FOCAL, action="send back")
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the referral goes back to the sender.")})
    referral.returned_reason = reason.strip()
    referral.response_deadline = None
    _move(referral, user=user, to_state=State.DRAFT, action="sent_back", note=reason.strip(),
          agency=_focal_agency(user, referral.from_agency.country_id),
          fields=["returned_reason", "response_deadline"])  # fmt: skip
    n.notify(referral=referral, kind=NotificationKind.RETURNED, user_ids=n.sending_staff(referral), exclude=user.id)
    return referral


@transaction.atomic
def referral_assign(*, user, referral: Referral, to_agency: Agency) -> Referral:
    """The destination country's focal point gives the referral to a receiving agency there."""
    referral = _lock(referral)
    if not referral_role(user, referral).destination_focal:
        raise PermissionDenied(_("Only a focal point of the destination country can assign this referral."))
    _expect(referral, State.DESTINATION_FOCAL, action="assign")
    if to_agency.country_id != referral.to_country_id or not to_agency.is_active:
        raise ValidationError({"to_agency": _("Choose an active agency in the destination country.")})
    missing = sorted(set(referral.services) - set(to_agency.services))
    if missing:
        raise ValidationError({"to_agency": _not_offered(to_agency, missing)})
    now = timezone.now()
    referral.to_agency = to_agency
    referral.delivered_at = now
    referral.response_deadline = _deadline(referral.urgency)
    referral.reminded_at = None
    _move(referral, user=user, to_state=State.SENT, action="assigned", note=to_agency.short_name,
          agency=_focal_agency(user, referral.to_country_id),
          fields=["to_agency", "delivered_at", "response_deadline", "reminded_at"])  # fmt: skip
    n.notify(referral=referral, kind=NotificationKind.RECEIVED, user_ids=n.receiving_staff(referral))
    return referral


@transaction.atomic
def referral_decline(*, user, referral: Referral, reason: str, details: str = "") -> Referral:
    """The receiving agency declines (or, before assignment, the destination focal point)."""
    referral = _lock(referral)
    role = referral_role(user, referral)
    # Who may decline is checked before the state, as in every other move: an outsider learns nothing.
    if not (role.receiver or role.destination_focal):
        raise PermissionDenied(_("Only staff of the receiving agency can decline this referral."))
    _expect(referral, State.SENT, State.DESTINATION_FOCAL, action="decline")
    if referral.state == State.DESTINATION_FOCAL and not role.destination_focal:
        raise PermissionDenied(_("Only the destination country's focal point can decline before assignment."))
    if referral.state == State.SENT and not role.receiver:
        raise PermissionDenied(_("Only staff of the receiving agency can decline this referral."))
    if not reason:
        raise ValidationError({"reason": _("Give the reason for declining.")})
    if reason not in DeclineReason.values:
        raise ValidationError({"reason": _("Unknown reason for declining: %(reason)s.") % {"reason": reason}})
    by_focal = referral.state == State.DESTINATION_FOCAL
    referral.decline_reason = reason
    referral.decline_details = details.strip()
    referral.responded_at = referral.closed_at = timezone.now()
    agency = _focal_agency(user, referral.to_country_id) if by_focal else referral.to_agency
    _move(referral, user=user, to_state=State.DECLINED, action="declined", note=referral.decline_details,
          agency=agency, fields=["decline_reason", "decline_details", "responded_at", "closed_at"])  # fmt: skip
    recipients = n.sending_staff(referral)
    if by_focal:
        recipients |= n.focal_points(referral.from_agency.country_id)
    n.notify(referral=referral, kind=NotificationKind.DECLINED, user_ids=recipients, exclude=user.id)
    _case_event(referral.case, user, "referral_declined", f"Referral {referral.reference} declined.")
    return referral


@transaction.atomic
def referral_accept(*, user, referral: Referral) -> Referral:
    """The receiving agency accepts: its staff get the shared part of the case (national), or a
    linked case opens in the destination country with the shared data (cross-border)."""
    referral = _lock(referral)
    if not referral_role(user, referral).receiver:
        raise PermissionDenied(_("Only staff of the receiving agency can accept this referral."))
    _expect(referral, State.SENT, action="accept")
    referral.responded_at = timezone.now()
    fields = ["responded_at"]
    if referral.is_cross_border:
        referral.linked_case = _open_linked_case(user=user, referral=referral)
        fields.append("linked_case")
        _grant(referral, referral.linked_case)
        case = referral.case
        if case.stage != CaseStage.RETURN:
            case.stage = CaseStage.RETURN
            case.save(update_fields=["stage", "updated_at"])
    else:
        _grant(referral)
    _move(referral, user=user, to_state=State.ACCEPTED, action="accepted", agency=referral.to_agency, fields=fields)
    n.notify(referral=referral, kind=NotificationKind.ACCEPTED, user_ids=n.sending_staff(referral))
    _case_event(referral.case, user, "referral_accepted",
                f"Referral {referral.reference} accepted by {referral.to_agency.short_name}.")  # fmt: skip
    return referral


# What a consented cross-border referral carries of the person's identity into the linked case.
SHARED_IDENTITY_FIELDS = (
    "given_name", "family_name", "given_name_latin", "family_name_latin", "aliases", "father_name",
    "date_of_birth", "document_type", "document_number", "document_country_id", "phone", "email",
)  # fmt: skip


def _open_linked_case(*, user, referral: Referral) -> Case:
    """The destination agency's own case, holding only what was shared."""
    source = referral.case.person
    agency = referral.to_agency
    person = Person(agency=agency, gender=source.gender, date_of_birth=None, citizenships=list(source.citizenships),
                    languages=list(source.languages), vulnerabilities=list(source.vulnerabilities))  # fmt: skip
    age = source.age()
    person.estimated_age = age
    person.age_estimated_on = timezone.localdate() if age is not None else None
    if referral.share_identity:
        for field in SHARED_IDENTITY_FIELDS:
            setattr(person, field, getattr(source, field))
        if person.date_of_birth:
            person.estimated_age = person.age_estimated_on = None
    else:
        person.aliases = [f"Referred under {referral.reference}"]
    person.save()
    linked = Case.objects.create(
        reference=next_case_reference(agency.country_id, timezone.localdate().year), person=person, agency=agency,
        country_id=agency.country_id, assigned_to=user, created_by=user, stage=CaseStage.RETURN,
        is_child=referral.case.is_child, exploitation_types=list(referral.case.exploitation_types),
        trafficking_status=referral.case.trafficking_status, is_smuggled_migrant=referral.case.is_smuggled_migrant,
    )  # fmt: skip
    summary = f"Opened from cross-border referral {referral.reference} ({referral.from_agency.country_id})."
    _case_event(linked, user, "opened_from_referral", summary)
    return linked


@transaction.atomic
def referral_complete(*, user, referral: Referral, successful: bool, reason: str = "", feedback: str = "") -> Referral:
    referral = _lock(referral)
    if not referral_role(user, referral).receiver:
        raise PermissionDenied(_("Only staff of the receiving agency can complete this referral."))
    _expect(referral, State.ACCEPTED, action="complete")
    if not successful and not reason.strip():
        raise ValidationError({"reason": _("Say why the referral did not succeed.")})
    referral.successful = successful
    referral.outcome_reason = reason.strip()
    referral.feedback = feedback.strip()
    referral.closed_at = timezone.now()
    _move(referral, user=user, to_state=State.COMPLETED, action="completed", note=referral.feedback,
          agency=referral.to_agency, fields=["successful", "outcome_reason", "feedback", "closed_at"])  # fmt: skip
    _revoke(referral)
    n.notify(referral=referral, kind=NotificationKind.COMPLETED, user_ids=n.sending_staff(referral))
    _case_event(referral.case, user, "referral_completed", f"Referral {referral.reference} completed.")
    return referral


@transaction.atomic
def referral_withdraw(*, user, referral: Referral, reason: str, system: bool = False) -> Referral:
    """The sender withdraws (or the system does, when consent is withdrawn)."""
    referral = _lock(referral)
    if not system and not referral_role(user, referral).sender:
        raise PermissionDenied(_("Only staff of the sending agency can withdraw this referral."))
    _expect(referral, State.ORIGIN_FOCAL, State.DESTINATION_FOCAL, State.SENT, State.ACCEPTED, action="withdraw")
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the referral is withdrawn.")})
    from_state = referral.state
    referral.withdraw_reason = reason.strip()
    referral.closed_at = timezone.now()
    _move(referral, user=user, to_state=State.WITHDRAWN, action="withdrawn", note=referral.withdraw_reason,
          agency=None if system else referral.from_agency, fields=["withdraw_reason", "closed_at"])  # fmt: skip
    if from_state == State.ACCEPTED:
        _revoke(referral)
    recipients = n.receiving_staff(referral) if referral.delivered_at else set()
    if referral.is_cross_border:
        # The focal points it passed through; the destination's only once the origin approved it.
        recipients |= n.focal_points(referral.from_agency.country_id)
        if from_state != State.ORIGIN_FOCAL:
            recipients |= n.focal_points(referral.to_country_id)
    n.notify(referral=referral, kind=NotificationKind.WITHDRAWN, user_ids=recipients, exclude=user.id if user else None)
    _case_event(referral.case, user, "referral_withdrawn", f"Referral {referral.reference} withdrawn.")
    return referral


def referrals_withdraw_for_consent(*, user, case: Case, purpose: str) -> int:
    """Consent withdrawn: withdraw the pending referrals that relied on it, ending shared access."""
    purposes = {ConsentPurpose.NATIONAL_REFERRAL: False, ConsentPurpose.CROSS_BORDER_REFERRAL: True}
    if purpose not in purposes and purpose != ConsentPurpose.DATA_PROCESSING:
        return 0
    pending = Referral.objects.filter(
        case=case, state__in=[State.ORIGIN_FOCAL, State.DESTINATION_FOCAL, State.SENT, State.ACCEPTED]
    )
    if purpose in purposes:
        pending = pending.filter(is_cross_border=purposes[purpose])
    count = 0
    for referral in pending:
        try:
            with transaction.atomic():
                referral_withdraw(user=user, referral=referral, reason="Consent withdrawn by the person.", system=True)
        except InvalidTransition:
            continue  # answered or closed meanwhile (completed, declined, expired): nothing left to withdraw
        count += 1
    return count


@transaction.atomic
def referral_expire(*, referral: Referral) -> bool:
    """The deadline passed with no answer: expire, and alert both supervisors. Idempotent."""
    referral = _lock(referral)
    if referral.state not in AWAITING_STATES or not referral.response_deadline:
        return False
    if referral.response_deadline > timezone.now():
        return False
    from_state = referral.state
    referral.closed_at = timezone.now()
    _move(referral, user=None, to_state=State.EXPIRED, action="expired", fields=["closed_at"])
    # Both supervisors: the sender's (in sending_staff) and, once it had the referral, the receiver's.
    recipients = n.sending_staff(referral) | (n.supervisors(referral) if referral.delivered_at else set())
    if referral.is_cross_border:
        recipients |= n.focal_points(referral.from_agency.country_id)
        if from_state != State.ORIGIN_FOCAL:
            recipients |= n.focal_points(referral.to_country_id)
    n.notify(referral=referral, kind=NotificationKind.EXPIRED, user_ids=recipients)
    _case_event(referral.case, None, "referral_expired", f"Referral {referral.reference} expired unanswered.")
    return True


def referrals_expire_overdue() -> int:
    overdue = Referral.objects.filter(state__in=list(AWAITING_STATES), response_deadline__lte=timezone.now())
    return sum(referral_expire(referral=r) for r in overdue.only("id")[:1000])


@transaction.atomic
def _remind(referral: Referral) -> bool:
    referral = _lock(referral)
    if referral.state not in AWAITING_STATES or referral.reminded_at is not None:
        return False
    referral.reminded_at = timezone.now()
    referral.save(update_fields=["reminded_at", "updated_at"])
    if referral.state == State.SENT:
        recipients = n.receiving_staff(referral)
    elif referral.state == State.ORIGIN_FOCAL:
        recipients = n.focal_points(referral.from_agency.country_id)
    else:
        recipients = n.focal_points(referral.to_country_id)
    n.notify(referral=referral, kind=NotificationKind.DEADLINE_NEAR, user_ids=recipients)
    return True


def referrals_remind_due() -> int:
    """Remind whoever must answer when only REFERRAL_REMINDER_FRACTION of the window is left."""
    now = timezone.now()
    count = 0
    candidates = Referral.objects.filter(
        state__in=list(AWAITING_STATES), reminded_at__isnull=True, response_deadline__gt=now
    ).only("id", "urgency", "response_deadline")
    for referral in candidates[:1000]:
        window = datetime.timedelta(hours=settings.REFERRAL_DEADLINE_HOURS[referral.urgency])
        if referral.response_deadline - now <= window * settings.REFERRAL_REMINDER_FRACTION:
            count += _remind(referral)
    return count
