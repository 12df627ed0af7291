"""Services: each write checks who may do it, validates, and records its timeline event atomically."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import services
from cases.models import Case, CaseEvent, Identification
from cases.selectors import case_access, case_visible_to
from tests.conftest import fresh, log_case
from victims.models import Person
from victims.names import name_search_q

TODAY = datetime.date.today()


def counts():
    return Person.objects.count(), Case.objects.count(), Identification.objects.count(), CaseEvent.objects.count()


def test_logging_an_identification_creates_person_identification_and_case(world):
    before = counts()
    case = log_case(world.cw, world.ir_ngo)
    assert counts() == tuple(n + 1 for n in before)
    assert re.fullmatch(r"IR-\d{4}-\d{6}", case.reference)
    assert case.agency == world.ir_ngo and case.assigned_to == world.cw and case.country_id == "IR"
    named = Person.objects.filter(pk=case.person.pk)
    assert named.filter(name_search_q("reza")).exists() and named.filter(name_search_q("رضا")).exists()
    assert case.events.get().action == "identification_logged"


def test_bad_input_writes_nothing_and_reports_every_part(world):
    before = counts()
    with pytest.raises(ValidationError) as info:
        log_case(world.cw, world.ir_ngo,
                 person={"given_name": "", "family_name": "", "given_name_latin": "", "family_name_latin": "",
                         "date_of_birth": TODAY + datetime.timedelta(days=5), "citizenships": ["ZZ"]},
                 identification={"identified_on": TODAY + datetime.timedelta(days=1)})  # fmt: skip
    errors = info.value.message_dict
    assert {"date_of_birth", "citizenships", "identified_on"} <= set(errors)
    assert counts() == before


def test_unknown_fields_are_refused(world):
    with pytest.raises(ValidationError) as info:
        log_case(world.cw, world.ir_ngo, person={"agency": world.af_ngo})
    assert "agency" in info.value.message_dict


@pytest.mark.parametrize("who", ["cw_police", "pm_ir", "auditor_ir", "sp_ir", "admin_user", "nobody"])
def test_only_case_roles_of_the_agency_may_log_for_it(world, who):
    with pytest.raises(PermissionDenied):
        log_case(getattr(world, who), world.ir_ngo)


def test_a_caseworker_of_another_agency_cannot_write_to_a_case(world):
    for user in (world.cw_police, world.cw_af, world.pm_ir, world.sp_ir):
        with pytest.raises(PermissionDenied):
            services.case_note_add(user=user, case=world.case_ir, text="x")
        with pytest.raises(PermissionDenied):
            services.consent_record(user=user, case=world.case_ir, purpose="DataProcessing")
    assert world.case_ir.notes.count() == 0


def test_consent_is_recorded_and_withdrawn_with_a_reason(world):
    consent = services.consent_record(user=world.cw, case=world.case_ir, purpose="NationalReferral")
    assert services.valid_consent(world.case_ir, "NationalReferral") == consent
    with pytest.raises(ValidationError):
        services.consent_withdraw(user=world.cw, case=world.case_ir, consent=consent, reason="  ")
    services.consent_withdraw(user=world.cw, case=world.case_ir, consent=consent, reason="Changed her mind")
    assert services.valid_consent(world.case_ir, "NationalReferral") is None
    with pytest.raises(ValidationError):
        services.consent_withdraw(user=world.cw, case=world.case_ir, consent=consent, reason="again")


def test_a_guardian_consent_names_the_guardian(world):
    with pytest.raises(ValidationError) as info:
        services.consent_record(user=world.cw, case=world.case_ir, purpose="DataProcessing", given_by="Guardian")
    assert "guardian_name" in info.value.message_dict


def test_a_risk_assessment_moves_the_case_to_first_assistance(world):
    services.risk_assessment_add(
        user=world.cw,
        case=world.case_ir,
        risk_level="High",
        risk_factors=["ReTrafficking"],
        safety_plan="Stay at shelter",
        next_review_on=TODAY + datetime.timedelta(days=7),
    )
    world.case_ir.refresh_from_db()
    assert world.case_ir.stage == "FirstAssistance"
    with pytest.raises(ValidationError) as info:
        services.risk_assessment_add(
            user=world.cw,
            case=world.case_ir,
            risk_level="Low",
            safety_plan="x",
            next_review_on=TODAY - datetime.timedelta(days=1),
        )
    assert "next_review_on" in info.value.message_dict


def test_only_one_reflection_period_runs_at_a_time(world):
    period = services.reflection_period_start(user=world.cw, case=world.case_ir, days=30)
    with pytest.raises(ValidationError):
        services.reflection_period_start(user=world.cw, case=world.case_ir)
    services.reflection_period_end(
        user=world.cw, case=world.case_ir, period=period, ended_on=TODAY, end_reason="Completed"
    )
    services.reflection_period_start(user=world.cw, case=world.case_ir)


def test_only_a_supervisor_reassigns_a_case_to_someone_else(world):
    with pytest.raises(PermissionDenied):
        services.case_update(user=world.cw, case=world.case_ir, assigned_to=world.sup)
    services.case_update(user=world.sup, case=world.case_ir, assigned_to=world.sup)
    assert Case.objects.get(pk=world.case_ir.pk).assigned_to == world.sup
    with pytest.raises(ValidationError):
        services.case_update(user=world.sup, case=world.case_ir, assigned_to=world.cw_police)


def test_closing_needs_a_reason_and_reopening_a_supervisor(world):
    with pytest.raises(ValidationError):
        services.case_close(user=world.cw, case=world.case_ir, reason="")
    services.case_close(user=world.cw, case=world.case_ir, reason="SupportGoalsMet")
    case = Case.objects.get(pk=world.case_ir.pk)
    assert case.status == "Closed" and case.closed_on == TODAY
    with pytest.raises(ValidationError):
        services.case_update(user=world.cw, case=case, status="Active")
    services.case_update(user=world.sup, case=case, status="Active")
    case.refresh_from_db()
    assert case.status == "Active" and case.closed_on is None


def test_sharing_a_case_grants_its_receiving_agency_through_guardian(world):
    sp_af = fresh(world.sp_af)
    assert world.case_ir not in case_visible_to(sp_af)
    with pytest.raises(PermissionDenied):
        services.case_share(user=world.cw, case=world.case_ir, agency=world.af_ngo)  # not a supervisor
    services.case_share(user=world.sup, case=world.case_ir, agency=world.af_ngo, include_identity=False)
    sp_af = fresh(world.sp_af)
    assert world.case_ir in case_visible_to(sp_af)
    access = case_access(sp_af, world.case_ir)
    assert not access.view_identity and access.record_services and not access.edit and access.shared
    services.case_share(user=world.sup, case=world.case_ir, agency=world.af_ngo, include_identity=True)
    assert case_access(fresh(world.sp_af), world.case_ir).view_identity
    delivery = services.service_delivery_record(user=fresh(world.sp_af), case=world.case_ir, service="Shelter")
    assert delivery.provider == world.af_ngo and delivery.recorded_by_agency == world.af_ngo
    assert delivery.support_type == "SocialCare"
    services.case_unshare(user=world.sup, case=world.case_ir, agency=world.af_ngo)
    assert world.case_ir not in case_visible_to(fresh(world.sp_af))


def test_nobody_holds_model_wide_view_permission_on_cases(world):
    from django.contrib.auth.models import Permission

    perms = Permission.objects.filter(content_type__app_label="cases")
    assert not perms.filter(user__isnull=False).exists()
    assert not perms.filter(group__isnull=False).exists()
    for user in (world.cw, world.sup, world.pm_region, world.admin_user):
        assert not user.has_perm("cases.view_case")


def test_a_later_identification_updates_the_case_summary(world):
    services.identification_add(user=world.cw, case=world.case_ir, data={
        "identified_on": TODAY, "country": world.ir_ngo.country, "context": "Shelter",
        "exploitation_types": ["ForcedBegging", "ForcedCriminality"], "trafficking_status": "ActualVictimOfTrafficking",
        "status_decided_by": "Police", "acts": ["Recruitment"], "purposes": ["ForcedLabourOrServices"]})  # fmt: skip
    case = Case.objects.get(pk=world.case_ir.pk)
    assert case.trafficking_status == "ActualVictimOfTrafficking"
    assert case.exploitation_types == ["ForcedBegging", "ForcedCriminality"]
