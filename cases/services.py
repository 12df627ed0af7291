"""Every write to a case goes through here: permission check, validation, the change and its
timeline event, in one transaction. Views, the API and seed code call these; nothing is hidden in
save() or signals.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
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


def _event(case: Case, actor, action: str, summary: str) -> None:
    CaseEvent.objects.create(case=case, actor=actor, action=action, summary=summary[:255])


def _check_fields(data: dict, allowed: set[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be set here."))


def _require_edit(user, case: Case) -> None:
    if not case_access(user, case).edit:
        raise PermissionDenied("Only staff of the case's agency can change it.")


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


@transaction.atomic
def identification_log(*, user, agency: Agency, person: dict, identification: dict, assigned_to=None) -> Case:
    """Create the person, the identification and the case in one transaction.

    Raises ValidationError with the errors of all three parts at once, so a form can show them
    together, and PermissionDenied if the user may not identify for this agency.
    """
    if agency.id not in user_scope(user).identify_agency_ids:
        raise PermissionDenied("You cannot log identifications for this agency.")
    _check_fields(person, PERSON_FIELDS)
    _check_fields(identification, IDENTIFICATION_FIELDS)

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
        errors.append(ValidationError({"assigned_to": "The assigned caseworker must belong to the agency."}))
    if errors:
        raise _merge_errors(*errors)

    person_obj.save()
    case = Case(
        reference=next_case_reference(agency.country_id, when.year),
        person=person_obj,
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
    _event(case, user, "identification_logged", f"Identification logged by {agency.short_name}; case opened.")
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
    _event(case, user, "identification_added", f"Identification of {when:%Y-%m-%d} recorded.")
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
            {"given_name": "The person withdrew consent to data processing and their identifying data was erased: "
                           "record a new consent to data processing before entering it again."}
        )  # fmt: skip
    for field, value in data.items():
        setattr(person, field, value)
    person.full_clean()
    person.save()
    child_now = person.is_child()
    if case.is_child != child_now and not case.is_closed:
        case.is_child = child_now
        case.save(update_fields=["is_child", "updated_at"])
    _event(case, user, "person_updated", "Personal details updated: " + ", ".join(sorted(data)))
    return person


@transaction.atomic
def case_note_add(*, user, case: Case, text: str) -> CaseNote:
    _require_edit(user, case)
    if not text or not text.strip():
        raise ValidationError({"text": "Write the note."})
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
    _event(case, user, "consent_recorded", f"Consent {verb}: {consent.get_purpose_display()}.")
    return consent


@transaction.atomic
def consent_withdraw(*, user, case: Case, consent: Consent, reason: str) -> Consent:
    _require_edit(user, case)
    consent = Consent.objects.select_for_update().get(pk=consent.pk, case=case)
    if consent.withdrawn_on is not None:
        raise ValidationError("This consent was already withdrawn.")
    if not consent.granted:
        raise ValidationError("A refusal cannot be withdrawn; record a new consent instead.")
    if not reason or not reason.strip():
        raise ValidationError({"withdrawal_reason": "Say why consent was withdrawn."})
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
    _event(case, user, "consent_withdrawn", f"Consent withdrawn: {consent.get_purpose_display()}.")
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
    _event(case, user, "risk_assessed", f"Risk assessed as {assessment.get_risk_level_display()}.")
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
        raise ValidationError("A reflection period is already running for this case.")
    period = ReflectionPeriod(case=case, start_date=start_date or timezone.localdate(), days=days, recorded_by=user)
    period.full_clean()
    period.save()
    _event(case, user, "reflection_started", f"Reflection period of {days} days started.")
    return period


@transaction.atomic
def reflection_period_end(*, user, case: Case, period: ReflectionPeriod, ended_on, end_reason: str):
    _require_edit(user, case)
    period = ReflectionPeriod.objects.select_for_update().get(pk=period.pk, case=case)
    if period.ended_on:
        raise ValidationError("This reflection period has already ended.")
    period.ended_on = ended_on or timezone.localdate()
    period.end_reason = end_reason
    period.full_clean()
    period.save(update_fields=["ended_on", "end_reason"])
    _event(case, user, "reflection_ended", f"Reflection period ended: {period.get_end_reason_display()}.")
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
    _event(case, user, "support_plan_added", f"Support plan added: {plan.get_type_display()}.")
    return plan


@transaction.atomic
def service_delivery_record(*, user, case: Case, **data) -> ServiceDelivery:
    """Owner staff, or a receiving agency granted `record_case_service`, record a delivered service."""
    access = case_access(user, case)
    if not access.record_services:
        raise PermissionDenied("You cannot record services on this case.")
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
        f"Service recorded: {delivery.get_service_display()} by {delivery.provider.short_name}.",
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
        raise PermissionDenied("Only staff of the case's agency can change it.")
    changes = []
    if status is not None and status != case.status:
        if status in (CaseStatus.CLOSED, CaseStatus.CLOSEDREFERRED):
            raise ValidationError({"status": "Close a case with its closure reason (case_close)."})
        if case.is_closed and not access.supervise:
            raise ValidationError({"status": "Only a supervisor can reopen a closed case."})
        if case.is_closed:
            case.closed_on = None
            case.closure_reason = ""
        case.status = status
        changes.append(f"status {case.get_status_display()}")
    if stage is not None and stage != case.stage:
        case.stage = stage
        changes.append(f"stage {case.get_stage_display()}")
    if assigned_to is not None and assigned_to != case.assigned_to:
        if not access.supervise and assigned_to != user:
            raise PermissionDenied("Only a supervisor can assign a case to someone else.")
        if not assigned_to.memberships.filter(agency=case.agency, is_active=True).exists():
            raise ValidationError({"assigned_to": "The assignee must belong to the case's agency."})
        case.assigned_to = assigned_to
        changes.append(f"assigned to {assigned_to.get_full_name() or assigned_to.username}")
    if changes:
        case.full_clean(exclude=["person", "created_by"])
        case.save()
        _event(case, user, "case_updated", "Changed: " + "; ".join(changes) + ".")
    return case


@transaction.atomic
def case_close(*, user, case: Case, reason: str, notes: str = "", referred: bool = False, closed_on=None) -> Case:
    access = case_access(user, case)
    if not access.edit:
        raise PermissionDenied("Only staff of the case's agency can close it.")
    if case.is_closed:
        raise ValidationError("This case is already closed.")
    if not reason:
        raise ValidationError({"closure_reason": "Give the reason for closing the case."})
    case.status = CaseStatus.CLOSEDREFERRED if referred else CaseStatus.CLOSED
    case.closed_on = closed_on or timezone.localdate()
    case.closure_reason = reason
    case.closure_notes = notes
    case.full_clean(exclude=["person", "created_by"])
    case.save()
    _event(case, user, "case_closed", f"Case closed: {case.get_closure_reason_display()}.")
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
        raise PermissionDenied("Only a supervisor of the case's agency can share it.")
    if agency.id == case.agency_id:
        raise ValidationError({"agency": "The case already belongs to this agency."})
    if not agency.is_active:
        raise ValidationError({"agency": "This agency is no longer active."})
    assign_perm("cases.view_case", agency.group, case)
    if include_identity:
        assign_perm("cases.view_case_identity", agency.group, case)
    else:
        remove_perm("cases.view_case_identity", agency.group, case)
    if allow_services:
        assign_perm("cases.record_case_service", agency.group, case)
    what = "with identifying data" if include_identity else "without identifying data"
    _event(case, user, "case_shared", f"Shared with {agency.short_name} {what}. {reason}".strip())


@transaction.atomic
def case_unshare(*, user, case: Case, agency: Agency, reason: str = "") -> None:
    access = case_access(user, case)
    if not access.supervise:
        raise PermissionDenied("Only a supervisor of the case's agency can end a share.")
    for perm in SHARE_PERMS:
        remove_perm(f"cases.{perm}", agency.group, case)
    _event(case, user, "case_unshared", f"Access of {agency.short_name} ended. {reason}".strip())
