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
    reference = models.CharField(max_length=20, unique=True, editable=False, verbose_name=_("reference"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases", verbose_name=_("person"))
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="cases", editable=False, verbose_name=_("agency")
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assigned to"),
    )
    status = models.CharField(
        max_length=20, choices=CaseStatus.choices, default=CaseStatus.ACTIVE, verbose_name=_("status")
    )
    stage = models.CharField(
        max_length=30, choices=CaseStage.choices, default=CaseStage.IDENTIFICATION, verbose_name=_("stage")
    )
    opened_on = models.DateField(default=timezone.localdate, verbose_name=_("opened on"))
    closed_on = models.DateField(null=True, blank=True, verbose_name=_("closed on"))
    closure_reason = models.CharField(
        max_length=30, choices=CaseClosureReason.choices, blank=True, verbose_name=_("reason for closing")
    )
    closure_notes = EncryptedTextField(blank=True, verbose_name=_("closing notes"))

    # A summary of the latest identification, kept by the services, so that lists filter
    # and dashboards count without joining through every identification.
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", editable=False, verbose_name=_("country")
    )
    is_child = models.BooleanField(default=True, editable=False, verbose_name=_("child"))
    exploitation_types = choice_array(ExploitationType.choices, editable=False, verbose_name=_("types of exploitation"))
    trafficking_status = models.CharField(
        max_length=40,
        choices=TraffickingStatus.choices,
        default=TraffickingStatus.SCREENED,
        editable=False,
        verbose_name=_("trafficking status"),
    )
    is_smuggled_migrant = models.BooleanField(default=False, editable=False, verbose_name=_("smuggled migrant"))

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

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

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="identifications", verbose_name=_("case"))
    identified_on = models.DateField(verbose_name=_("date of identification"))
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("country"))
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("province")
    )
    place = EncryptedCharField(_("place (exact location)"), max_length=200, blank=True)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="identifications", editable=False, verbose_name=_("agency")
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="identifications",
        editable=False,
        verbose_name=_("caseworker"),
    )
    context = models.CharField(
        max_length=30, choices=IdentificationContext.choices, verbose_name=_("how the person was met")
    )

    acts = choice_array(PalermoAct.choices, verbose_name=_("act"))
    means = choice_array(PalermoMeans.choices, verbose_name=_("means"))
    purposes = choice_array(PalermoPurpose.choices, verbose_name=_("purpose"))
    exploitation_types = choice_array(ExploitationType.choices, verbose_name=_("types of exploitation"))
    forced_labour_industry = models.CharField(
        max_length=60, choices=ForcedLabourIndustry.choices, blank=True, verbose_name=_("industry (forced labour only)")
    )
    sex_exploitation_types = choice_array(SexExploitationType.choices, verbose_name=_("types of sexual exploitation"))
    methods_of_control = choice_array(MethodOfControl.choices, verbose_name=_("methods of control"))
    recruitment_methods = choice_array(RecruitmentMethod.choices, verbose_name=_("how recruited"))
    relationship_to_recruiter = models.CharField(
        max_length=20,
        choices=RelationshipToTrafficker.choices,
        blank=True,
        verbose_name=_("relationship to the recruiter"),
    )
    ilo_indicators = choice_array(IloIndicator.choices, verbose_name=_("ILO indicators of forced labour"))
    is_smuggled_migrant = models.BooleanField(
        default=False,
        help_text=_("Smuggled migrant (Smuggling Protocol); may also be a trafficking victim."),
        verbose_name=_("smuggled migrant"),
    )

    trafficking_status = models.CharField(
        max_length=40,
        choices=TraffickingStatus.choices,
        default=TraffickingStatus.SCREENED,
        verbose_name=_("trafficking status"),
    )
    status_decided_by = models.CharField(
        max_length=40, choices=StatusDecisionOrg.choices, blank=True, verbose_name=_("status decided by")
    )
    status_decided_on = models.DateField(null=True, blank=True, verbose_name=_("status decided on"))

    narrative = EncryptedTextField(blank=True, verbose_name=_("what happened"))
    # Age and child flag on the day of identification, derived by the service from the person.
    age_at_identification = models.PositiveSmallIntegerField(
        null=True, blank=True, editable=False, verbose_name=_("age at identification")
    )
    is_child = models.BooleanField(default=True, editable=False, verbose_name=_("child at identification"))
    created_at = models.DateTimeField(default=timezone.now, editable=False, verbose_name=_("created at"))

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
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes", verbose_name=_("case"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False, verbose_name=_("author")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", editable=False, verbose_name=_("agency")
    )
    text = EncryptedTextField(verbose_name=_("note"))
    created_at = models.DateTimeField(default=timezone.now, editable=False, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at", "-id"]


class Consent(models.Model):
    """Informed consent for one purpose. Valid while given and not withdrawn."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents", verbose_name=_("case"))
    purpose = models.CharField(max_length=30, choices=ConsentPurpose.choices, verbose_name=_("consent to"))
    granted = models.BooleanField(default=True, help_text=_("Untick to record a refusal."), verbose_name=_("given"))
    given_by = models.CharField(
        max_length=30, choices=ConsentGivenBy.choices, default=ConsentGivenBy.PERSON, verbose_name=_("given by")
    )
    guardian_name = EncryptedCharField(max_length=150, blank=True, verbose_name=_("guardian's name"))
    given_on = models.DateField(default=timezone.localdate, verbose_name=_("date"))
    notes = EncryptedTextField(blank=True, verbose_name=_("notes"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("recorded by"),
    )
    withdrawn_on = models.DateField(null=True, blank=True, editable=False, verbose_name=_("withdrawn on"))
    withdrawal_reason = EncryptedTextField(blank=True, editable=False, verbose_name=_("reason for withdrawal"))
    created_at = models.DateTimeField(default=timezone.now, editable=False, verbose_name=_("created at"))

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
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="risk_assessments", verbose_name=_("case"))
    assessed_on = models.DateField(default=timezone.localdate, verbose_name=_("assessed on"))
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("assessed by"),
    )
    risk_level = models.CharField(max_length=20, choices=RiskLevel.choices, verbose_name=_("risk level"))
    risk_factors = choice_array(RiskFactor.choices, verbose_name=_("risk factors"))
    is_return_assessment = models.BooleanField(
        default=False,
        help_text=_("Assessment of the risks of return to the country of origin."),
        verbose_name=_("assessment of the risks of return"),
    )
    safety_plan = EncryptedTextField(verbose_name=_("safety plan"))
    next_review_on = models.DateField(verbose_name=_("next review on"))
    notes = EncryptedTextField(blank=True, verbose_name=_("notes"))
    created_at = models.DateTimeField(default=timezone.now, editable=False, verbose_name=_("created at"))

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

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="best_interests_determinations", verbose_name=_("case")
    )
    decided_on = models.DateField(default=timezone.localdate, verbose_name=_("decided on"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("decided by"),
    )
    panel = EncryptedCharField(_("panel or authority"), max_length=200)
    family_assessed = models.BooleanField(_("family assessment done"), default=False)
    recommends_return = models.BooleanField(_("return is in the child's best interests"), default=False)
    summary = EncryptedTextField(verbose_name=_("summary of the determination"))
    created_at = models.DateTimeField(default=timezone.now, editable=False, verbose_name=_("created at"))

    class Meta:
        ordering = ["-decided_on", "-id"]

    def clean(self):
        if self.decided_on and self.decided_on > timezone.localdate():
            raise ValidationError({"decided_on": _("A determination cannot be dated in the future.")})


class ReflectionPeriod(models.Model):
    """Time to recover and decide, unconditionally (often 30 days)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reflection_periods", verbose_name=_("case"))
    start_date = models.DateField(default=timezone.localdate, verbose_name=_("starts on"))
    days = models.PositiveSmallIntegerField(default=30, verbose_name=_("days"))
    ended_on = models.DateField(null=True, blank=True, verbose_name=_("ended on"))
    end_reason = models.CharField(
        max_length=30, choices=ReflectionEndReason.choices, blank=True, verbose_name=_("why it ended")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False, verbose_name=_("created at"))

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
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="support_plans", verbose_name=_("case"))
    type = models.CharField(max_length=40, choices=SupportType.choices, verbose_name=_("type of support"))
    objectives = EncryptedTextField(verbose_name=_("objectives"))
    action_plan = EncryptedTextField(blank=True, verbose_name=_("action plan"))
    planned_end_date = models.DateField(null=True, blank=True, verbose_name=_("planned end"))
    actual_end_date = models.DateField(null=True, blank=True, verbose_name=_("ended on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_type_display()}: {self.objectives[:40]}"


class ServiceDelivery(models.Model):
    """A service actually delivered to the person, by whichever agency provided it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="services", verbose_name=_("case"))
    support_plan = models.ForeignKey(
        SupportPlan,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="services",
        verbose_name=_("under support plan"),
    )
    service = models.CharField(max_length=30, choices=Service.choices, verbose_name=_("service"))
    support_type = models.CharField(max_length=40, choices=SupportType.choices, verbose_name=_("type of support"))
    provider = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="services_delivered", verbose_name=_("provided by")
    )
    started_on = models.DateField(default=timezone.localdate, verbose_name=_("started on"))
    ended_on = models.DateField(null=True, blank=True, verbose_name=_("ended on"))
    notes = EncryptedTextField(blank=True, verbose_name=_("notes"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("recorded by"),
    )
    recorded_by_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", editable=False, verbose_name=_("recorded by agency")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False, verbose_name=_("created at"))

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name = _("service delivered")
        verbose_name_plural = _("services delivered")

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

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("case"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("actor")
    )
    action = models.CharField(max_length=40, verbose_name=_("action"))
    # In English whatever the actor's language; the page writes the entry again from `params`.
    summary = models.CharField(max_length=255, verbose_name=_("summary"))
    # The facts of the summary (codes, references, short names, numbers, ISO dates), from which the
    # case page writes the entry in the reader's language (cases/timeline.py). Empty for older rows.
    params = models.JSONField(
        default=dict,
        blank=True,
        db_default=models.Value({}, output_field=models.JSONField()),
        verbose_name=_("details"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("when"))

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["case", "-created_at"], name="caseevent_case_created")]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")


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
