"""Every write to a case goes through here: permission check, validation, the change and its
timeline event, in one transaction. Views, the API and seed code call these; nothing is hidden in
save() or signals.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from glo_act.vocabularies import SERVICE_TO_SUPPORT_TYPE, CaseStage, CaseStatus
from partners.models import Agency
from partners.selectors import user_scope
from victims.models import Person

from .models import (
    BestInterestsDetermination,
    Case,
    CaseEvent,
    CaseGroupObjectPermission,
    CaseNote,
    Consent,
    Identification,
    ReflectionPeriod,
    RiskAssessment,
    ServiceDelivery,
    SupportPlan,
)
from .selectors import case_access

PERSON_FIELDS = {
    "given_name", "family_name", "given_name_latin", "family_name_latin", "aliases", "father_name", "gender",
    "date_of_birth", "estimated_age", "age_estimated_on", "citizenships", "languages", "document_type",
    "document_number", "document_country", "phone", "email", "current_country", "current_province",
    "current_address", "vulnerabilities",
}  # fmt: skip
IDENTIFICATION_FIELDS = {
    "identified_on", "country", "province", "place", "context", "acts", "means", "purposes",
    "exploitation_types", "forced_labour_industry", "sex_exploitation_types", "methods_of_control",
    "recruitment_methods", "relationship_to_recruiter", "ilo_indicators", "is_smuggled_migrant",
    "trafficking_status", "status_decided_by", "status_decided_on", "narrative",
}  # fmt: skip


def _event(case: Case, actor, action: str, summary: str, **params) -> None:
    """A timeline entry: the summary in English, and the facts it is made of, from which the case page
    writes it in the reader's language (cases/timeline.py). No free text in params but a share's reason."""
    CaseEvent.objects.create(case=case, actor=actor, action=action, summary=summary[:255], params=params)


def _en(instance, field: str) -> str:
    """A choice's English label for a stored summary, whatever language the request speaks."""
    with translation.override("en"):
        return str(getattr(instance, f"get_{field}_display")())


def _check_fields(data: dict, allowed: set[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), _("This field cannot be set here.")))


def _require_edit(user, case: Case) -> None:
    if not case_access(user, case).edit:
        raise PermissionDenied(_("Only staff of the case's agency can change it."))


def _merge_errors(*errors: ValidationError) -> ValidationError:
    merged: dict = {}
    for error in errors:
        for field, messages in error.message_dict.items():
            merged.setdefault(field, []).extend(messages)
    return ValidationError(merged)


def next_case_reference(country_code: str, year: int) -> str:
    """IR-2026-000123: country and year of opening plus a sequence; says nothing about the person."""
    with connection.cursor() as cur:
        cur.execute("SELECT nextval('case_reference_seq')")
        (number,) = cur.fetchone()
    return f"{country_code}-{year}-{number:06d}"


def _apply_identification_summary(case: Case, identification: Identification) -> None:
    case.is_child = identification.is_child
    case.exploitation_types = list(identification.exploitation_types)
    case.trafficking_status = identification.trafficking_status
    case.is_smuggled_migrant = identification.is_smuggled_migrant


def _case_open(*, person, agency, ident, user, assigned_to, when) -> Case:
    """A new case of `agency` for `person`, opened by this identification (saved with it)."""
    case = Case(
        reference=next_case_reference(agency.country_id, when.year),
        person=person,
        agency=agency,
        country_id=agency.country_id,
        assigned_to=assigned_to or user,
        opened_on=when,
        created_by=user,
    )
    _apply_identification_summary(case, ident)
    case.save()
    ident.case = case
    ident.save()
    return case


@transaction.atomic
def identification_log(
    *,
    user,
    agency: Agency,
    person: dict,
    identification: dict,
    assigned_to=None,
    existing_person: Person | None = None,
    duplicates_shown=(),
) -> Case:
    """Create the person, the identification and the case in one transaction.

    Raises ValidationError with the errors of all three parts at once, so a form can show them
    together, and PermissionDenied if the user may not identify for this agency.

    `existing_person` (issue 6, likely duplicates): the caseworker said the person identified is one
    already registered. No person is created and the stored person is never overwritten: what was
    typed differently (or is missing from the record) is appended to the identification's narrative
    under a heading, so nothing typed is lost and the caseworker can correct the record through
    "Edit personal details". The identification goes to the open case of this agency for that person
    if there is one (a re-identification, as the case page's "Add identification" would record it:
    one agency follows a person in one open case); otherwise a new case of this agency is opened for
    the existing person (the person may have cases of other agencies, or only closed ones). The
    returned case has `linked_to_open_case` True in the first situation. The user must see the
    person's identity through one of their cases (PermissionDenied otherwise).

    `duplicates_shown`: the candidates (persons) the caseworker was shown. With `existing_person`,
    or with candidates and a new person ("none of these"), an explicit audit event records who
    decided, the typed names' keys (as blind-index values), the person chosen or created and the
    alternatives shown, in this transaction (see _record_duplicate_decision).
    """
    if agency.id not in user_scope(user).identify_agency_ids:
        raise PermissionDenied(_("You cannot log identifications for this agency."))
    _check_fields(person, PERSON_FIELDS)
    _check_fields(identification, IDENTIFICATION_FIELDS)
    shown = list(duplicates_shown or ())
    if existing_person is not None:
        return _identification_log_existing(
            user=user, agency=agency, person=person, identification=identification, assigned_to=assigned_to,
            existing=existing_person, shown=shown,
        )  # fmt: skip

    person_obj = Person(agency=agency, **person)
    ident = Identification(agency=agency, caseworker=user, **identification)
    errors = []
    try:
        person_obj.full_clean()
    except ValidationError as e:
        errors.append(e)
    when = ident.identified_on or timezone.localdate()
    ident.age_at_identification = person_obj.age(when)
    ident.is_child = person_obj.is_child(when)
    try:
        ident.full_clean(exclude=["case"])
    except ValidationError as e:
        errors.append(e)
    if assigned_to is not None and not assigned_to.memberships.filter(agency=agency, is_active=True).exists():
        errors.append(ValidationError({"assigned_to": _("The assigned caseworker must belong to the agency.")}))
    if errors:
        raise _merge_errors(*errors)

    person_obj.save()
    case = _case_open(person=person_obj, agency=agency, ident=ident, user=user, assigned_to=assigned_to, when=when)
    params = {"agency": agency.short_name}
    if shown:
        params["candidates_set_aside"] = len(shown)
    _event(case, user, "identification_logged", f"Identification logged by {agency.short_name}; case opened.", **params)
    if shown:
        _record_duplicate_decision(
            user=user, person_data=person, chosen=person_obj, case=case, shown=shown, linked=False
        )
    return case


@transaction.atomic
def identification_add(*, user, case: Case, data: dict) -> Identification:
    """A further identification of the same person (re-identification, or a status decision)."""
    _require_edit(user, case)
    _check_fields(data, IDENTIFICATION_FIELDS)
    agency = case.agency
    ident = Identification(case=case, agency=agency, caseworker=user, **data)
    when = ident.identified_on or timezone.localdate()
    ident.age_at_identification = case.person.age(when)
    ident.is_child = case.person.is_child(when)
    ident.full_clean()
    ident.save()
    latest = case.identifications.order_by("-identified_on", "-id").first()
    if latest.id == ident.id:
        _apply_identification_summary(case, ident)
        case.save(
            update_fields=["is_child", "exploitation_types", "trafficking_status", "is_smuggled_migrant", "updated_at"]
        )
    _event(case, user, "identification_added", f"Identification of {when:%Y-%m-%d} recorded.", date=when.isoformat())
    return ident


@transaction.atomic
def person_update(*, user, case: Case, data: dict) -> Person:
    """Correct the person's details. Only the owning agency may, through one of its cases."""
    _require_edit(user, case)
    _check_fields(data, PERSON_FIELDS)
    person = case.person
    from victims.models import IDENTIFYING_FIELDS

    erased = person.erasures.filter(kind="consent_withdrawn").exists()  # privacy.ErasureRecord
    if erased and set(data) & set(IDENTIFYING_FIELDS) and not valid_consent(case, "DataProcessing"):
        raise ValidationError(
            {"given_name": _("The person withdrew consent to data processing and their identifying data was erased: "
                             "record a new consent to data processing before entering it again.")}
        )  # fmt: skip
    for field, value in data.items():
        setattr(person, field, value)
    person.full_clean()
    person.save()
    child_now = person.is_child()
    if case.is_child != child_now and not case.is_closed:
        case.is_child = child_now
        case.save(update_fields=["is_child", "updated_at"])
    _event(case, user, "person_updated", "Personal details updated: " + ", ".join(sorted(data)), fields=sorted(data))
    return person


@transaction.atomic
def case_note_add(*, user, case: Case, text: str) -> CaseNote:
    _require_edit(user, case)
    if not text or not text.strip():
        raise ValidationError({"text": _("Write the note.")})
    note = CaseNote.objects.create(case=case, author=user, agency=case.agency, text=text.strip())
    _event(case, user, "note_added", "Note added.")
    return note


@transaction.atomic
def consent_record(
    *,
    user,
    case: Case,
    purpose: str,
    granted: bool = True,
    given_by: str = "Person",
    guardian_name: str = "",
    given_on: datetime.date | None = None,
    notes: str = "",
) -> Consent:
    _require_edit(user, case)
    consent = Consent(
        case=case,
        purpose=purpose,
        granted=granted,
        given_by=given_by,
        guardian_name=guardian_name,
        given_on=given_on or timezone.localdate(),
        notes=notes,
        recorded_by=user,
    )
    consent.full_clean()
    consent.save()
    verb = "given" if granted else "refused"
    _event(
        case,
        user,
        "consent_recorded",
        f"Consent {verb}: {_en(consent, 'purpose')}.",
        purpose=consent.purpose,
        granted=bool(granted),
    )
    return consent


@transaction.atomic
def consent_withdraw(*, user, case: Case, consent: Consent, reason: str) -> Consent:
    _require_edit(user, case)
    consent = Consent.objects.select_for_update().get(pk=consent.pk, case=case)
    if consent.withdrawn_on is not None:
        raise ValidationError(_("This consent was already withdrawn."))
    if not consent.granted:
        raise ValidationError(_("A refusal cannot be withdrawn; record a new consent instead."))
    if not reason or not reason.strip():
        raise ValidationError({"withdrawal_reason": _("Say why consent was withdrawn.")})
    consent.withdrawn_on = timezone.localdate()
    consent.withdrawal_reason = reason.strip()
    consent.save(update_fields=["withdrawn_on", "withdrawal_reason"])
    # --- privacy (issue 5): consent to data processing is one fact about the person; withdrawing it
    # withdraws every record of it on the case (a duplicate must not keep it looking valid). ---
    from glo_act.vocabularies import ConsentPurpose

    erase = consent.purpose == ConsentPurpose.DATA_PROCESSING
    if erase:
        case.consents.filter(purpose=consent.purpose, granted=True, withdrawn_on__isnull=True).update(
            withdrawn_on=consent.withdrawn_on
        )
    # --- end privacy ---
    _event(case, user, "consent_withdrawn", f"Consent withdrawn: {_en(consent, 'purpose')}.", purpose=consent.purpose)
    if valid_consent(case, consent.purpose) is None:
        # Without consent nothing may go on being shared for that purpose.
        from referrals.services import referrals_withdraw_for_consent

        referrals_withdraw_for_consent(user=user, case=case, purpose=consent.purpose)
    # --- privacy (issue 5): ... and erases the person's identifying data at once, leaving the case a
    # pseudonymous record (privacy/services.py; recorded in privacy.ErasureRecord and the timeline). ---
    if erase:
        from privacy.services import Kind, case_anonymise

        case_anonymise(
            case=case,
            actor=user,
            kind=Kind.CONSENT_WITHDRAWN,
            reason="Consent to the processing of personal data withdrawn.",
        )
        consent.refresh_from_db()
    # --- end privacy ---
    return consent


def valid_consent(case: Case, purpose: str) -> Consent | None:
    return case.consents.filter(purpose=purpose, granted=True, withdrawn_on__isnull=True).first()


@transaction.atomic
def risk_assessment_add(*, user, case: Case, **data) -> RiskAssessment:
    _require_edit(user, case)
    _check_fields(
        data,
        {"assessed_on", "risk_level", "risk_factors", "is_return_assessment", "safety_plan", "next_review_on", "notes"},
    )
    assessment = RiskAssessment(case=case, assessed_by=user, **data)
    assessment.full_clean()
    assessment.save()
    if case.stage == CaseStage.IDENTIFICATION:
        case.stage = CaseStage.FIRST_ASSISTANCE
        case.save(update_fields=["stage", "updated_at"])
    _event(
        case,
        user,
        "risk_assessed",
        f"Risk assessed as {_en(assessment, 'risk_level')}.",
        risk_level=assessment.risk_level,
    )
    return assessment


@transaction.atomic
def best_interests_determination_add(*, user, case: Case, **data) -> BestInterestsDetermination:
    """For a child, before a cross-border referral or a return."""
    _require_edit(user, case)
    _check_fields(data, {"decided_on", "panel", "family_assessed", "recommends_return", "summary"})
    determination = BestInterestsDetermination(case=case, decided_by=user, **data)
    determination.full_clean()
    determination.save()
    _event(case, user, "best_interests_determined", "Best-interests determination recorded.")
    return determination


@transaction.atomic
def reflection_period_start(*, user, case: Case, start_date=None, days: int = 30) -> ReflectionPeriod:
    _require_edit(user, case)
    if case.reflection_periods.filter(ended_on__isnull=True).exists():
        raise ValidationError(_("A reflection period is already running for this case."))
    period = ReflectionPeriod(case=case, start_date=start_date or timezone.localdate(), days=days, recorded_by=user)
    period.full_clean()
    period.save()
    _event(case, user, "reflection_started", f"Reflection period of {days} days started.", days=days)
    return period


@transaction.atomic
def reflection_period_end(*, user, case: Case, period: ReflectionPeriod, ended_on, end_reason: str):
    _require_edit(user, case)
    period = ReflectionPeriod.objects.select_for_update().get(pk=period.pk, case=case)
    if period.ended_on:
        raise ValidationError(_("This reflection period has already ended."))
    period.ended_on = ended_on or timezone.localdate()
    period.end_reason = end_reason
    period.full_clean()
    period.save(update_fields=["ended_on", "end_reason"])
    _event(
        case,
        user,
        "reflection_ended",
        f"Reflection period ended: {_en(period, 'end_reason')}.",
        end_reason=period.end_reason,
    )
    return period


@transaction.atomic
def support_plan_add(*, user, case: Case, **data) -> SupportPlan:
    _require_edit(user, case)
    _check_fields(data, {"type", "objectives", "action_plan", "planned_end_date", "actual_end_date"})
    plan = SupportPlan(case=case, created_by=user, **data)
    plan.full_clean()
    plan.save()
    if case.stage in (CaseStage.IDENTIFICATION, CaseStage.FIRST_ASSISTANCE):
        case.stage = CaseStage.LONG_TERM_ASSISTANCE
        case.save(update_fields=["stage", "updated_at"])
    _event(case, user, "support_plan_added", f"Support plan added: {_en(plan, 'type')}.", type=plan.type)
    return plan


@transaction.atomic
def service_delivery_record(*, user, case: Case, **data) -> ServiceDelivery:
    """Owner staff, or a receiving agency granted `record_case_service`, record a delivered service."""
    access = case_access(user, case)
    if not access.record_services:
        raise PermissionDenied(_("You cannot record services on this case."))
    _check_fields(data, {"service", "support_type", "provider", "support_plan", "started_on", "ended_on", "notes"})
    recorded_by_agency = _acting_agency(user, case)
    if not data.get("support_type") and data.get("service"):
        data["support_type"] = SERVICE_TO_SUPPORT_TYPE.get(data["service"], "SocialCare")
    if data.get("provider") is None:
        data["provider"] = recorded_by_agency
    delivery = ServiceDelivery(case=case, recorded_by=user, recorded_by_agency=recorded_by_agency, **data)
    delivery.full_clean()
    delivery.save()
    _event(
        case,
        user,
        "service_recorded",
        f"Service recorded: {_en(delivery, 'service')} by {delivery.provider.short_name}.",
        service=delivery.service,
        provider=delivery.provider.short_name,
    )
    return delivery


def _acting_agency(user, case: Case) -> Agency:
    """The agency on whose behalf the user acts on this case: the owner, or the grantee agency."""
    scope = user_scope(user)
    if case.agency_id in scope.case_agency_ids:
        return case.agency
    groups = CaseGroupObjectPermission.objects.filter(
        content_object=case, permission__codename="record_case_service", group_id__in=scope.grantee_group_ids
    ).values("group_id")
    return Agency.objects.filter(group_id__in=groups).order_by("id").first()


@transaction.atomic
def case_update(*, user, case: Case, status=None, stage=None, assigned_to=None) -> Case:
    """Change status, stage or assignee. Reassigning is for supervisors; closing uses case_close."""
    access = case_access(user, case)
    if not access.edit:
        raise PermissionDenied(_("Only staff of the case's agency can change it."))
    changes, facts = [], {}
    if status is not None and status != case.status:
        if status in (CaseStatus.CLOSED, CaseStatus.CLOSEDREFERRED):
            raise ValidationError({"status": _("Close a case with its closure reason (case_close).")})
        if case.is_closed and not access.supervise:
            raise ValidationError({"status": _("Only a supervisor can reopen a closed case.")})
        if case.is_closed:
            case.closed_on = None
            case.closure_reason = ""
        case.status = status
        changes.append(f"status {_en(case, 'status')}")
        facts["status"] = status
    if stage is not None and stage != case.stage:
        case.stage = stage
        changes.append(f"stage {_en(case, 'stage')}")
        facts["stage"] = stage
    if assigned_to is not None and assigned_to != case.assigned_to:
        if not access.supervise and assigned_to != user:
            raise PermissionDenied(_("Only a supervisor can assign a case to someone else."))
        if not assigned_to.memberships.filter(agency=case.agency, is_active=True).exists():
            raise ValidationError({"assigned_to": _("The assignee must belong to the case's agency.")})
        case.assigned_to = assigned_to
        facts["assigned_to"] = assigned_to.get_full_name() or assigned_to.username
        changes.append(f"assigned to {facts['assigned_to']}")
    if changes:
        case.full_clean(exclude=["person", "created_by"])
        case.save()
        _event(case, user, "case_updated", "Changed: " + "; ".join(changes) + ".", **facts)
    return case


@transaction.atomic
def case_close(*, user, case: Case, reason: str, notes: str = "", referred: bool = False, closed_on=None) -> Case:
    access = case_access(user, case)
    if not access.edit:
        raise PermissionDenied(_("Only staff of the case's agency can close it."))
    if case.is_closed:
        raise ValidationError(_("This case is already closed."))
    if not reason:
        raise ValidationError({"closure_reason": _("Give the reason for closing the case.")})
    case.status = CaseStatus.CLOSEDREFERRED if referred else CaseStatus.CLOSED
    case.closed_on = closed_on or timezone.localdate()
    case.closure_reason = reason
    case.closure_notes = notes
    case.full_clean(exclude=["person", "created_by"])
    case.save()
    _event(case, user, "case_closed", f"Case closed: {_en(case, 'closure_reason')}.", reason=reason)
    return case


SHARE_PERMS = ("view_case", "view_case_identity", "record_case_service")


@transaction.atomic
def case_share(
    *, user, case: Case, agency: Agency, include_identity: bool = False, allow_services: bool = True, reason: str = ""
) -> None:
    """Share one case with another agency's staff through a guardian grant to its group.

    Used by referrals on acceptance; a supervisor of the owning agency may also share directly.
    The minimum is view access to the pseudonymous case; identity only when asked for.
    """
    access = case_access(user, case)
    if not access.supervise:
        raise PermissionDenied(_("Only a supervisor of the case's agency can share it."))
    if agency.id == case.agency_id:
        raise ValidationError({"agency": _("The case already belongs to this agency.")})
    if not agency.is_active:
        raise ValidationError({"agency": _("This agency is no longer active.")})
    assign_perm("cases.view_case", agency.group, case)
    if include_identity:
        assign_perm("cases.view_case_identity", agency.group, case)
    else:
        remove_perm("cases.view_case_identity", agency.group, case)
    if allow_services:
        assign_perm("cases.record_case_service", agency.group, case)
    what = "with identifying data" if include_identity else "without identifying data"
    _event(
        case,
        user,
        "case_shared",
        f"Shared with {agency.short_name} {what}. {reason}".strip(),
        agency=agency.short_name,
        identity=bool(include_identity),
        reason=(reason or "").strip(),
    )


@transaction.atomic
def case_unshare(*, user, case: Case, agency: Agency, reason: str = "") -> None:
    access = case_access(user, case)
    if not access.supervise:
        raise PermissionDenied(_("Only a supervisor of the case's agency can end a share."))
    for perm in SHARE_PERMS:
        remove_perm(f"cases.{perm}", agency.group, case)
    _event(
        case,
        user,
        "case_unshared",
        f"Access of {agency.short_name} ended. {reason}".strip(),
        agency=agency.short_name,
        reason=(reason or "").strip(),
    )


# ------------------------------------------------------------------ likely duplicates (issue 6)


def _identification_log_existing(*, user, agency, person, identification, assigned_to, existing, shown) -> Case:
    """identification_log for a person already registered (see its docstring)."""
    from .duplicates import differences, differences_note
    from .selectors import identity_q

    allowed = identity_q(user)
    if allowed is None or not Case.objects.filter(allowed, person_id=existing.pk).exists():
        raise PermissionDenied(_("You cannot add an identification to this person's record."))
    existing = Person.objects.get(pk=existing.pk)
    typed = Person(agency=agency, **person)  # validated like a new person, never saved
    ident = Identification(agency=agency, caseworker=user, **identification)
    errors = []
    try:
        typed.full_clean()
    except ValidationError as e:
        errors.append(e)
    when = ident.identified_on or timezone.localdate()
    ident.age_at_identification = existing.age(when)
    ident.is_child = existing.is_child(when)
    note = differences_note(differences(existing, person))
    if note:
        ident.narrative = f"{(ident.narrative or '').rstrip()}\n\n{note}".strip()
    try:
        ident.full_clean(exclude=["case"])
    except ValidationError as e:
        errors.append(e)
    if assigned_to is not None and not assigned_to.memberships.filter(agency=agency, is_active=True).exists():
        errors.append(ValidationError({"assigned_to": _("The assigned caseworker must belong to the agency.")}))
    if errors:
        raise _merge_errors(*errors)

    open_case = (
        Case.objects.select_for_update()
        .filter(person=existing, agency=agency)
        .exclude(status__in=[CaseStatus.CLOSED, CaseStatus.CLOSEDREFERRED])
        .order_by("-opened_on", "-id")
        .first()
    )
    params = {"existing_person": existing.reference, "candidates": len(shown)}
    if open_case is not None:
        case = open_case
        ident.case = case
        ident.save()
        latest = case.identifications.order_by("-identified_on", "-id").first()
        if latest.id == ident.id:
            _apply_identification_summary(case, ident)
            case.save(
                update_fields=[
                    "is_child", "exploitation_types", "trafficking_status", "is_smuggled_migrant", "updated_at",
                ]
            )  # fmt: skip
        summary = f"Identification of {when:%Y-%m-%d} recorded."
        _event(case, user, "identification_added", summary, date=when.isoformat(), **params)
        case.linked_to_open_case = True
    else:
        case = _case_open(person=existing, agency=agency, ident=ident, user=user, assigned_to=assigned_to, when=when)
        summary = f"Identification logged by {agency.short_name}; case opened."
        _event(case, user, "identification_logged", summary, agency=agency.short_name, **params)
        case.linked_to_open_case = False
    _record_duplicate_decision(user=user, person_data=person, chosen=existing, case=case, shown=shown, linked=True)
    return case


def _record_duplicate_decision(*, user, person_data: dict, chosen: Person, case: Case, shown, linked: bool) -> None:
    """The audit trail's explicit record of a caseworker's answer to the likely-duplicates panel.

    A security event (audit.services.security_event_record, kind "duplicate_linked" or
    "duplicate_not_linked"), in the caller's transaction, with who and when (the event's facts), the
    typed names' phonetic keys as blind-index values (cases.duplicates.typed_name_index: no name in
    clear in the audit trail), the person chosen (or created), the case, and every candidate shown.
    """
    from audit.services import security_event_record

    from .duplicates import typed_name_index

    security_event_record(
        kind="duplicate_linked" if linked else "duplicate_not_linked",
        user=user,
        detail={
            "decision": "same_person" if linked else "new_person",
            "typed_name_index": typed_name_index(person_data),
            "person": chosen.reference,
            "person_id": chosen.pk,
            "case": case.reference,
            "case_id": case.pk,
            "agency": case.agency.short_name,
            "shown": [{"person": p.reference, "person_id": p.pk} for p in shown],
        },
    )
