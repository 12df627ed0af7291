"""Case serializers. Thin: they check the shape of the input and render the output; every write is
a cases.services call made by the view, and server-set fields (agency, author, reference,
created_*) are read-only, so a client cannot set them.

Each output serializer is a PseudonymousSerializer: for a row the user sees pseudonymously it
drops cases.models.REDACTED_FIELDS for its model, and a case's person is the pseudonymous summary.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases.models import (
    BestInterestsDetermination,
    Case,
    CaseNote,
    Consent,
    Identification,
    ReflectionPeriod,
    RiskAssessment,
    ServiceDelivery,
    SupportPlan,
)
from glo_act.api import PseudonymousSerializer
from glo_act.vocabularies import CaseClosureReason, CaseStage, CaseStatus, ReflectionEndReason
from partners.models import Agency, User
from partners.selectors import user_scope
from victims.api.serializers import PersonSerializer, PseudonymousPersonSerializer
from victims.models import age_band

USERNAME = {"slug_field": "username", "read_only": True}
AGENCY = {"slug_field": "short_name", "read_only": True}


class CaseSerializer(PseudonymousSerializer, serializers.ModelSerializer):
    redacted_model = "cases.Case"

    person = PersonSerializer(
        read_only=True, help_text="The full record with identity access; otherwise only reference, gender, "
        "age_band, is_child and citizenships."
    )  # fmt: skip
    agency = serializers.SlugRelatedField(**AGENCY)
    assigned_to = serializers.SlugRelatedField(**USERNAME)
    created_by = serializers.SlugRelatedField(**USERNAME)
    country = serializers.CharField(source="country_id", read_only=True, help_text="ISO 3166-1 alpha-2")
    closure_reason = serializers.ChoiceField(
        choices=Case._meta.get_field("closure_reason").choices, allow_blank=True, read_only=True,
        help_text="Empty while the case is open.",
    )  # fmt: skip

    class Meta:
        model = Case
        fields = [
            "reference", "person", "agency", "assigned_to", "status", "stage", "opened_on", "closed_on",
            "closure_reason", "closure_notes", "country", "is_child", "exploitation_types", "trafficking_status",
            "is_smuggled_migrant", "created_by", "created_at", "updated_at", "pseudonymous",
        ]  # fmt: skip
        read_only_fields = fields

    def case_id_of(self, instance) -> int:
        return instance.id

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.shows_identity(instance):
            data["person"] = PseudonymousPersonSerializer(instance.person, context=self.context).data
        return data


class CaseUpdateSerializer(serializers.Serializer):
    """PATCH /cases/{reference}/: through services.case_update. Close with POST .../close/."""

    status = serializers.ChoiceField(choices=CaseStatus.choices, required=False)
    stage = serializers.ChoiceField(choices=CaseStage.choices, required=False)
    assigned_to = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.none(), required=False,
        help_text="Username of a member of the case's agency.",
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        case = self.context.get("case")
        if case is not None:
            # Only the case's agency's members can be named: other usernames read as unknown.
            self.fields["assigned_to"].queryset = User.objects.filter(
                is_active=True, memberships__agency_id=case.agency_id, memberships__is_active=True
            ).distinct()


class CaseCloseSerializer(serializers.Serializer):
    closure_reason = serializers.ChoiceField(choices=CaseClosureReason.choices)
    closure_notes = serializers.CharField(required=False, allow_blank=True, default="")
    referred = serializers.BooleanField(required=False, default=False, help_text="Closed by referral elsewhere.")
    closed_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Default: today.")

    def validate_closed_on(self, value):
        if value and value > timezone.localdate():
            raise serializers.ValidationError(_("A case cannot be closed in the future."))
        return value


class IdentificationSerializer(PseudonymousSerializer, serializers.ModelSerializer):
    redacted_model = "cases.Identification"
    # The exact age narrows down who the person is: pseudonymous rows get the band only.
    also_redacted = frozenset({"age_at_identification"})

    case = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    agency = serializers.SlugRelatedField(**AGENCY)
    caseworker = serializers.SlugRelatedField(**USERNAME)
    age_band_at_identification = serializers.SerializerMethodField()

    class Meta:
        model = Identification
        fields = [
            "id", "case", "identified_on", "country", "province", "place", "agency", "caseworker", "context",
            "acts", "means", "purposes", "exploitation_types", "forced_labour_industry", "sex_exploitation_types",
            "methods_of_control", "recruitment_methods", "relationship_to_recruiter", "ilo_indicators",
            "is_smuggled_migrant", "trafficking_status", "status_decided_by", "status_decided_on", "narrative",
            "age_at_identification", "age_band_at_identification", "is_child", "created_at", "pseudonymous",
        ]  # fmt: skip
        read_only_fields = ["id", "age_at_identification", "is_child", "created_at"]

    def get_age_band_at_identification(self, obj) -> str:
        return age_band(obj.age_at_identification)


class IdentificationLogSerializer(serializers.Serializer):
    """POST /identifications/: a new person, their first identification and the case, in one go."""

    agency = serializers.SlugRelatedField(
        slug_field="short_name", queryset=Agency.objects.filter(is_active=True),
        help_text="Short name of an agency the user may log identifications for.",
    )  # fmt: skip
    person = PersonSerializer()
    identification = IdentificationSerializer()
    assigned_to = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True), required=False,
        help_text="Username of a member of the agency; default: the user logging the identification.",
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Only colleagues can be named: other usernames read as unknown.
            agencies = user_scope(request.user).identify_agency_ids
            self.fields["assigned_to"].queryset = User.objects.filter(
                is_active=True, memberships__agency_id__in=agencies, memberships__is_active=True
            ).distinct()


class CaseNoteSerializer(PseudonymousSerializer, serializers.ModelSerializer):
    redacted_model = "cases.CaseNote"

    author = serializers.SlugRelatedField(**USERNAME)
    agency = serializers.SlugRelatedField(**AGENCY)

    class Meta:
        model = CaseNote
        fields = ["id", "text", "author", "agency", "created_at", "pseudonymous"]
        read_only_fields = ["id", "created_at"]


class ConsentSerializer(PseudonymousSerializer, serializers.ModelSerializer):
    redacted_model = "cases.Consent"

    recorded_by = serializers.SlugRelatedField(**USERNAME)
    is_valid = serializers.BooleanField(read_only=True, help_text="Granted and not withdrawn.")

    class Meta:
        model = Consent
        fields = [
            "id", "purpose", "granted", "given_by", "guardian_name", "given_on", "notes", "is_valid",
            "withdrawn_on", "withdrawal_reason", "recorded_by", "created_at", "pseudonymous",
        ]  # fmt: skip
        read_only_fields = ["id", "is_valid", "withdrawn_on", "withdrawal_reason", "created_at"]


class ConsentWithdrawSerializer(serializers.Serializer):
    withdrawal_reason = serializers.CharField(help_text="Why consent was withdrawn.")


class RiskAssessmentSerializer(PseudonymousSerializer, serializers.ModelSerializer):
    redacted_model = "cases.RiskAssessment"

    assessed_by = serializers.SlugRelatedField(**USERNAME)

    class Meta:
        model = RiskAssessment
        fields = [
            "id", "assessed_on", "assessed_by", "risk_level", "risk_factors", "is_return_assessment", "safety_plan",
            "next_review_on", "notes", "created_at", "pseudonymous",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at"]


class BestInterestsDeterminationSerializer(PseudonymousSerializer, serializers.ModelSerializer):
    redacted_model = "cases.BestInterestsDetermination"

    decided_by = serializers.SlugRelatedField(**USERNAME)

    class Meta:
        model = BestInterestsDetermination
        fields = [
            "id", "decided_on", "decided_by", "panel", "family_assessed", "recommends_return", "summary",
            "created_at", "pseudonymous",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at"]


class ReflectionPeriodSerializer(PseudonymousSerializer, serializers.ModelSerializer):
    redacted_model = "cases.ReflectionPeriod"

    recorded_by = serializers.SlugRelatedField(**USERNAME)
    planned_end = serializers.DateField(read_only=True)

    class Meta:
        model = ReflectionPeriod
        fields = [
            "id", "start_date", "days", "planned_end", "ended_on", "end_reason", "recorded_by", "created_at",
            "pseudonymous",
        ]  # fmt: skip
        read_only_fields = ["id", "ended_on", "end_reason", "created_at"]


class ReflectionPeriodEndSerializer(serializers.Serializer):
    end_reason = serializers.ChoiceField(choices=ReflectionEndReason.choices)
    ended_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Default: today.")


class SupportPlanSerializer(PseudonymousSerializer, serializers.ModelSerializer):
    redacted_model = "cases.SupportPlan"

    created_by = serializers.SlugRelatedField(**USERNAME)

    class Meta:
        model = SupportPlan
        fields = [
            "id", "type", "objectives", "action_plan", "planned_end_date", "actual_end_date", "created_by",
            "created_at", "pseudonymous",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at"]


class ServiceDeliverySerializer(PseudonymousSerializer, serializers.ModelSerializer):
    redacted_model = "cases.ServiceDelivery"

    provider = serializers.SlugRelatedField(
        slug_field="short_name", queryset=Agency.objects.filter(is_active=True), required=False,
        help_text="Short name of the agency that delivered it; default: the agency you act for.",
    )  # fmt: skip
    support_plan = serializers.PrimaryKeyRelatedField(
        queryset=SupportPlan.objects.none(), required=False, allow_null=True,
        help_text="Id of one of this case's support plans.",
    )  # fmt: skip
    recorded_by = serializers.SlugRelatedField(**USERNAME)
    recorded_by_agency = serializers.SlugRelatedField(**AGENCY)

    class Meta:
        model = ServiceDelivery
        fields = [
            "id", "service", "support_type", "provider", "support_plan", "started_on", "ended_on", "notes",
            "recorded_by", "recorded_by_agency", "created_at", "pseudonymous",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"support_type": {"required": False, "help_text": "Default: derived from the service."}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        case = self.context.get("case")
        if case is not None:
            self.fields["support_plan"].queryset = SupportPlan.objects.filter(case=case)


class CaseShareSerializer(serializers.Serializer):
    """An agency's explicit access to a case (read-only view of the guardian grants)."""

    agency = serializers.CharField(source="agency.short_name")
    agency_name = serializers.CharField(source="agency.name")
    include_identity = serializers.BooleanField(source="identity")
    allow_services = serializers.BooleanField(source="services")


class CaseShareCreateSerializer(serializers.Serializer):
    agency = serializers.SlugRelatedField(slug_field="short_name", queryset=Agency.objects.filter(is_active=True))
    include_identity = serializers.BooleanField(default=False)
    allow_services = serializers.BooleanField(default=True)
    reason = serializers.CharField(max_length=200)


class CaseUnshareSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)
