"""Cases and everything recorded on them.

A case belongs to one agency (its owner). Visibility is the owner agency's staff, plus explicit
django-guardian grants on the direct-foreign-key tables below (e.g. a case shared by a referral),
plus pseudonymous oversight by country. See cases/selectors.py.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from glo_act.crypto_fields import EncryptedCharField, EncryptedTextField
from glo_act.vocabularies import (
    CaseClosureReason,
    CaseStage,
    CaseStatus,
    ConsentGivenBy,
    ConsentPurpose,
    ExploitationType,
    ForcedLabourIndustry,
    IdentificationContext,
    IloIndicator,
    MethodOfControl,
    PalermoAct,
    PalermoMeans,
    PalermoPurpose,
    RecruitmentMethod,
    ReflectionEndReason,
    RelationshipToTrafficker,
    RiskFactor,
    RiskLevel,
    Service,
    SexExploitationType,
    StatusDecisionOrg,
    SupportType,
    TraffickingStatus,
)
from partners.models import Agency, Country, Province
from victims.models import IDENTIFYING_FIELDS, Person


def choice_array(choices, max_length=40, **kwargs):
    return ArrayField(models.CharField(max_length=max_length, choices=choices), default=list, blank=True, **kwargs)


class Case(models.Model):
    reference = models.CharField(max_length=20, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="cases", editable=False)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="assigned_cases"
    )
    status = models.CharField(max_length=20, choices=CaseStatus.choices, default=CaseStatus.ACTIVE)
    stage = models.CharField(max_length=30, choices=CaseStage.choices, default=CaseStage.IDENTIFICATION)
    opened_on = models.DateField(default=timezone.localdate)
    closed_on = models.DateField(null=True, blank=True)
    closure_reason = models.CharField(max_length=30, choices=CaseClosureReason.choices, blank=True)
    closure_notes = EncryptedTextField(blank=True)

    # A summary of the latest identification, kept by the services, so that lists filter
    # and dashboards count without joining through every identification.
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+", editable=False)
    is_child = models.BooleanField(default=True, editable=False)
    exploitation_types = choice_array(ExploitationType.choices, editable=False)
    trafficking_status = models.CharField(
        max_length=40, choices=TraffickingStatus.choices, default=TraffickingStatus.SCREENED, editable=False
    )
    is_smuggled_migrant = models.BooleanField(default=False, editable=False)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("view_case_identity", "Can view the identifying data of a case"),
            ("record_case_service", "Can record services delivered and feedback on a case"),
        ]
        indexes = [
            models.Index(fields=["agency", "-created_at"], name="case_agency_created"),
            models.Index(fields=["-created_at"], name="case_created"),
            models.Index(fields=["country", "-created_at"], name="case_country_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status__in=["Closed", "ClosedReferred"]) | models.Q(closed_on__isnull=False),
                name="closed_case_has_closed_on",
            )
        ]

    def __str__(self):
        return self.reference

    @property
    def is_closed(self) -> bool:
        return self.status in (CaseStatus.CLOSED, CaseStatus.CLOSEDREFERRED)


class CaseUserObjectPermission(UserObjectPermissionBase):
    """Guardian direct-FK grant of a case permission to one user."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    """Guardian direct-FK grant of a case permission to a group (an agency's group)."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class Identification(models.Model):
    """One identification event: who, where, how, and what the Palermo elements were."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="identifications")
    identified_on = models.DateField()
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey(Province, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    place = EncryptedCharField(_("place (exact location)"), max_length=200, blank=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="identifications", editable=False)
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="identifications", editable=False
    )
    context = models.CharField(max_length=30, choices=IdentificationContext.choices)

    acts = choice_array(PalermoAct.choices)
    means = choice_array(PalermoMeans.choices)
    purposes = choice_array(PalermoPurpose.choices)
    exploitation_types = choice_array(ExploitationType.choices)
    forced_labour_industry = models.CharField(max_length=60, choices=ForcedLabourIndustry.choices, blank=True)
    sex_exploitation_types = choice_array(SexExploitationType.choices)
    methods_of_control = choice_array(MethodOfControl.choices)
    recruitment_methods = choice_array(RecruitmentMethod.choices)
    relationship_to_recruiter = models.CharField(max_length=20, choices=RelationshipToTrafficker.choices, blank=True)
    ilo_indicators = choice_array(IloIndicator.choices)
    is_smuggled_migrant = models.BooleanField(
        default=False, help_text=_("Smuggled migrant (Smuggling Protocol); may also be a trafficking victim.")
    )

    trafficking_status = models.CharField(
        max_length=40, choices=TraffickingStatus.choices, default=TraffickingStatus.SCREENED
    )
    status_decided_by = models.CharField(max_length=40, choices=StatusDecisionOrg.choices, blank=True)
    status_decided_on = models.DateField(null=True, blank=True)

    narrative = EncryptedTextField(blank=True)
    # Age and child flag on the day of identification, derived by the service from the person.
    age_at_identification = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    is_child = models.BooleanField(default=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-identified_on", "-id"]

    def __str__(self):
        return f"{self.case.reference} identification {self.identified_on}"

    def clean(self):
        errors = {}
        if self.identified_on and self.identified_on > timezone.localdate():
            errors["identified_on"] = _("The identification date cannot be in the future.")
        if self.province_id and self.country_id and self.province.country_id != self.country_id:
            errors["province"] = _("This province is not in the selected country.")
        if self.forced_labour_industry and "ForcedLabour" not in self.exploitation_types:
            errors["forced_labour_industry"] = _("An industry is recorded only for forced labour.")
        if self.sex_exploitation_types and "SexualExploitation" not in self.exploitation_types:
            errors["sex_exploitation_types"] = _("A sexual exploitation type needs sexual exploitation.")
        decided = self.trafficking_status in (TraffickingStatus.ACTUAL, TraffickingStatus.NOT_VICTIM)
        if decided and not self.status_decided_by:
            errors["status_decided_by"] = _("Say who decided the trafficking status.")
        if self.trafficking_status == TraffickingStatus.ACTUAL:
            # Palermo Protocol Art. 3: act + means + purpose; for a child (3(c)) no means are needed.
            if not self.acts:
                errors["acts"] = _("An actual victim needs at least one act (Palermo Protocol, Art. 3).")
            if not self.purposes:
                errors["purposes"] = _("An actual victim needs a purpose of exploitation (Palermo Protocol, Art. 3).")
            if not self.is_child and not self.means:
                errors["means"] = _(
                    "An adult actual victim needs at least one means (Palermo Protocol, Art. 3); "
                    "only for a child are no means needed."
                )
        if errors:
            raise ValidationError(errors)


class CaseNote(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", editable=False)
    text = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]


class Consent(models.Model):
    """Informed consent for one purpose. Valid while given and not withdrawn."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=30, choices=ConsentPurpose.choices)
    granted = models.BooleanField(default=True, help_text=_("Untick to record a refusal."))
    given_by = models.CharField(max_length=30, choices=ConsentGivenBy.choices, default=ConsentGivenBy.PERSON)
    guardian_name = EncryptedCharField(max_length=150, blank=True)
    given_on = models.DateField(default=timezone.localdate)
    notes = EncryptedTextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    withdrawn_on = models.DateField(null=True, blank=True, editable=False)
    withdrawal_reason = EncryptedTextField(blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-given_on", "-id"]

    @property
    def is_valid(self) -> bool:
        return self.granted and self.withdrawn_on is None

    def clean(self):
        errors = {}
        if self.given_on and self.given_on > timezone.localdate():
            errors["given_on"] = _("Consent cannot be dated in the future.")
        if self.given_by != ConsentGivenBy.PERSON and not self.guardian_name:
            errors["guardian_name"] = _("Name the guardian who gave consent.")
        if errors:
            raise ValidationError(errors)


class RiskAssessment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="risk_assessments")
    assessed_on = models.DateField(default=timezone.localdate)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    risk_level = models.CharField(max_length=20, choices=RiskLevel.choices)
    risk_factors = choice_array(RiskFactor.choices)
    is_return_assessment = models.BooleanField(
        default=False, help_text=_("Assessment of the risks of return to the country of origin.")
    )
    safety_plan = EncryptedTextField()
    next_review_on = models.DateField()
    notes = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-assessed_on", "-id"]

    def clean(self):
        errors = {}
        if self.assessed_on and self.assessed_on > timezone.localdate():
            errors["assessed_on"] = _("An assessment cannot be dated in the future.")
        if self.assessed_on and self.next_review_on and self.next_review_on <= self.assessed_on:
            errors["next_review_on"] = _("The next review must come after the assessment.")
        if self.risk_level == RiskLevel.CRITICAL and "RiskToLife" not in self.risk_factors:
            self.risk_factors = [*self.risk_factors, "RiskToLife"]
        if errors:
            raise ValidationError(errors)


class BestInterestsDetermination(models.Model):
    """For a child: the formal decision on what is in the child's best interests (UNHCR/UNICEF
    practice), required before a cross-border referral or a return."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="best_interests_determinations")
    decided_on = models.DateField(default=timezone.localdate)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    panel = EncryptedCharField(_("panel or authority"), max_length=200)
    family_assessed = models.BooleanField(_("family assessment done"), default=False)
    recommends_return = models.BooleanField(_("return is in the child's best interests"), default=False)
    summary = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-decided_on", "-id"]

    def clean(self):
        if self.decided_on and self.decided_on > timezone.localdate():
            raise ValidationError({"decided_on": _("A determination cannot be dated in the future.")})


class ReflectionPeriod(models.Model):
    """Time to recover and decide, unconditionally (often 30 days)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reflection_periods")
    start_date = models.DateField(default=timezone.localdate)
    days = models.PositiveSmallIntegerField(default=30)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=30, choices=ReflectionEndReason.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-start_date", "-id"]

    @property
    def planned_end(self):
        import datetime

        return self.start_date + datetime.timedelta(days=self.days)

    def clean(self):
        errors = {}
        if not self.days or self.days > 365:
            errors["days"] = _("Give a period between 1 and 365 days.")
        if self.ended_on and self.start_date and self.ended_on < self.start_date:
            errors["ended_on"] = _("The period cannot end before it starts.")
        if self.ended_on and not self.end_reason:
            errors["end_reason"] = _("Say why the period ended.")
        if errors:
            raise ValidationError(errors)


class SupportPlan(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="support_plans")
    type = models.CharField(max_length=40, choices=SupportType.choices)
    objectives = EncryptedTextField()
    action_plan = EncryptedTextField(blank=True)
    planned_end_date = models.DateField(null=True, blank=True)
    actual_end_date = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_type_display()}: {self.objectives[:40]}"


class ServiceDelivery(models.Model):
    """A service actually delivered to the person, by whichever agency provided it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="services")
    support_plan = models.ForeignKey(
        SupportPlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="services"
    )
    service = models.CharField(max_length=30, choices=Service.choices)
    support_type = models.CharField(max_length=40, choices=SupportType.choices)
    provider = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="services_delivered")
    started_on = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)
    notes = EncryptedTextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    recorded_by_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name_plural = "service deliveries"

    def clean(self):
        errors = {}
        if self.started_on and self.started_on > timezone.localdate():
            errors["started_on"] = _("A delivered service cannot start in the future.")
        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            errors["ended_on"] = _("The service cannot end before it starts.")
        if self.support_plan_id and self.case_id and self.support_plan.case_id != self.case_id:
            errors["support_plan"] = _("This support plan belongs to another case.")
        if errors:
            raise ValidationError(errors)


class CaseEvent(models.Model):
    """The case's timeline: every change made through a service, in the same transaction."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    action = models.CharField(max_length=40)
    summary = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["case", "-created_at"], name="caseevent_case_created")]


# What pseudonymous viewers (programme managers, auditors, and grantees without identity access)
# must never see: the UI and the API both hide exactly these. Free text is here because people
# write names, places and stories into it. All of them but the Person's choice and foreign-key
# fields (document type and country, province) are also encrypted at rest.
REDACTED_FIELDS = {
    "victims.Person": set(IDENTIFYING_FIELDS),
    "cases.Case": {"closure_notes"},
    "cases.Identification": {"place", "narrative"},
    "cases.CaseNote": {"text"},
    "cases.Consent": {"guardian_name", "notes", "withdrawal_reason"},
    "cases.RiskAssessment": {"safety_plan", "notes"},
    "cases.SupportPlan": {"objectives", "action_plan"},
    "cases.ServiceDelivery": {"notes"},
    "cases.ReflectionPeriod": set(),
    "cases.BestInterestsDetermination": {"panel", "summary"},
}
