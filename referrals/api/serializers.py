"""Referral and notification serializers. Thin: input serializers check the shape and the view hands
the validated data to referrals.services; output serializers decide what the viewer may read.

What a referral shows (the rules of issue 3):
- to everyone who may see it: the minimum shared data (case reference, sex, age band, child flag,
  services, the latest risk level and risk to life, languages) and the referral's own fields;
- identifying data (names, documents, contacts: services.SHARED_IDENTITY_FIELDS) only when the
  sender chose to share identity and the viewer is the sender or the receiver (the receiver only
  while the referral is open to it: sent or accepted). Focal points and oversight never see it;
- never the case's narrative, notes or anything else of the case;
- free text (message, reasons, feedback, timeline notes) to the sending and receiving agencies only:
  whatever a sender writes there may name the person, and focal points and oversight read referrals
  pseudonymously (as pseudonymous case rows carry no free text). Focal points decide on the
  structured data: consent, the return risk assessment and the best-interests determination.
"""

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.models import Case
from cases.selectors import case_visible_to
from glo_act.api import WritesThroughServices
from glo_act.vocabularies import ConsentPurpose, Gender, Language, ReferralReason, RiskLevel, Service
from partners.models import Agency, Country
from referrals.emails import notification_text
from referrals.models import AWAITING_STATES, DeclineReason, Notification, Referral, ReferralEvent, State, Urgency
from referrals.selectors import ReferralRole, referral_role
from referrals.services import SHARED_IDENTITY_FIELDS, consent_check
from victims.models import age_band

USERNAME = {"slug_field": "username", "read_only": True}
AGENCY = {"slug_field": "short_name", "read_only": True}
# The receiving agency reads the shared identity only while the referral is open to it.
RECEIVER_IDENTITY_STATES = {State.SENT, State.ACCEPTED}
# Free text of the referral: for the sending and receiving agencies only.
FREE_TEXT_FIELDS = (
    "message", "decline_details", "withdraw_reason", "returned_reason", "outcome_reason", "feedback",
    "override_reason",
)  # fmt: skip


def role_of(user, referral: Referral) -> ReferralRole:
    """The viewer's role on the referral, computed once per row (no query: the scopes are cached)."""
    role = getattr(referral, "_api_role", None)
    if role is None:
        role = referral_role(user, referral)
        referral._api_role = role
    return role


def reads_free_text(role: ReferralRole) -> bool:
    return role.sender or role.receiver


def shows_identity(role: ReferralRole, referral: Referral) -> bool:
    if not referral.share_identity:
        return False
    return role.sender or (role.receiver and referral.state in RECEIVER_IDENTITY_STATES)


class SharedDataSerializer(serializers.Serializer):
    """The minimum every referral carries."""

    case = serializers.CharField(help_text="Reference of the referred case.")
    sex = serializers.ChoiceField(choices=Gender.choices)
    age_band = serializers.CharField(help_text="CTDC age band today, e.g. '9-17', or 'unknown'.")
    is_child = serializers.BooleanField(help_text="Under 18, or presumed a child while the age is unknown.")
    services = serializers.ListField(child=serializers.ChoiceField(choices=Service.choices))
    risk_level = serializers.ChoiceField(
        choices=RiskLevel.choices, allow_null=True, help_text="Of the latest risk assessment; null if none."
    )
    risk_to_life = serializers.BooleanField(help_text="The latest risk assessment found a risk to life.")
    languages = serializers.ListField(child=serializers.ChoiceField(choices=Language.choices))


class SharedIdentitySerializer(serializers.Serializer):
    """Identity and contact details, shared with the person's consent and the sender's choice."""

    given_name = serializers.CharField()
    family_name = serializers.CharField()
    given_name_latin = serializers.CharField()
    family_name_latin = serializers.CharField()
    aliases = serializers.ListField(child=serializers.CharField())
    father_name = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    document_type = serializers.CharField()
    document_number = serializers.CharField()
    document_country = serializers.CharField(allow_null=True, help_text="ISO 3166-1 alpha-2")
    phone = serializers.CharField()
    email = serializers.CharField()


class ConsentCheckSerializer(serializers.Serializer):
    """For the sender: is there valid consent for this referral's purpose?"""

    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    ok = serializers.BooleanField()
    consent_date = serializers.DateField(allow_null=True, help_text="When the valid consent was given.")


class ReferralEventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(**USERNAME)
    actor_agency = serializers.SlugRelatedField(**AGENCY)

    class Meta:
        model = ReferralEvent
        fields = ["action", "from_state", "to_state", "actor", "actor_agency", "note", "created_at"]
        read_only_fields = fields


def timeline(referral: Referral, free_text: bool) -> list:
    """The referral's events, oldest first; their notes (free text) only if `free_text`."""
    events = referral.events.select_related("actor", "actor_agency").order_by("created_at", "id")
    data = ReferralEventSerializer(events, many=True).data
    if not free_text:
        for row in data:
            row["note"] = ""
    return data


class ReferralSerializer(WritesThroughServices, serializers.ModelSerializer):
    """A referral as the viewer may read it (see the module's docstring)."""

    case = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    from_agency = serializers.SlugRelatedField(**AGENCY)
    from_country = serializers.CharField(source="from_agency.country_id", read_only=True, help_text="ISO code")
    to_agency = serializers.SlugRelatedField(**AGENCY)
    to_country = serializers.CharField(source="to_country_id", read_only=True, help_text="ISO code")
    created_by = serializers.SlugRelatedField(**USERNAME)
    overridden_by = serializers.SlugRelatedField(**USERNAME)
    linked_case = serializers.SlugRelatedField(
        slug_field="reference", read_only=True, help_text="The case opened in the destination country on acceptance."
    )
    shared = serializers.SerializerMethodField()
    identity = serializers.SerializerMethodField(
        help_text="Only with share_identity, for the sender and the receiving agency; null otherwise."
    )
    overdue = serializers.SerializerMethodField(help_text="Awaiting an answer and past the response deadline.")
    roles = serializers.SerializerMethodField(help_text="How you stand to this referral.")
    pseudonymous = serializers.SerializerMethodField(help_text="True when identity was left out for you.")

    class Meta:
        model = Referral
        fields = [
            "reference", "case", "state", "is_cross_border", "from_agency", "from_country", "to_agency", "to_country",
            "services", "reason", "urgency", "message", "share_identity", "shared", "identity", "response_deadline",
            "overdue", "consent_overridden", "override_reason", "overridden_by", "decline_reason", "decline_details",
            "withdraw_reason", "returned_reason", "successful", "outcome_reason", "feedback", "linked_case",
            "created_by", "sent_at", "delivered_at", "responded_at", "closed_at", "created_at", "updated_at", "roles",
            "pseudonymous",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(SharedDataSerializer)
    def get_shared(self, referral) -> dict:
        person = referral.case.person
        if hasattr(referral, "latest_risk_level"):
            level, factors = referral.latest_risk_level, referral.latest_risk_factors
        else:
            latest = referral.case.risk_assessments.order_by("-assessed_on", "-id").first()
            level, factors = (latest.risk_level, latest.risk_factors) if latest else (None, None)
        return {
            "case": referral.case.reference,
            "sex": person.gender,
            "age_band": age_band(person.age()),
            "is_child": person.is_child(),
            "services": list(referral.services),
            "risk_level": level,
            "risk_to_life": "RiskToLife" in (factors or []),
            "languages": list(person.languages),
        }

    @extend_schema_field(SharedIdentitySerializer(allow_null=True))
    def get_identity(self, referral) -> dict | None:
        if not shows_identity(role_of(self.context["request"].user, referral), referral):
            return None
        person = referral.case.person
        data = {name: getattr(person, name) for name in SHARED_IDENTITY_FIELDS}
        data["document_country"] = data.pop("document_country_id")
        return SharedIdentitySerializer(data).data

    def get_overdue(self, referral) -> bool:
        deadline = referral.response_deadline
        return referral.state in AWAITING_STATES and deadline is not None and deadline < timezone.now()

    @extend_schema_field(
        serializers.ListField(
            child=serializers.ChoiceField(
                choices=["sender", "receiver", "origin_focal", "destination_focal", "sender_supervisor"]
            )
        )
    )
    def get_roles(self, referral) -> list[str]:
        role = role_of(self.context["request"].user, referral)
        names = ["sender", "receiver", "origin_focal", "destination_focal", "sender_supervisor"]
        return [name for name in names if getattr(role, name)]

    def get_pseudonymous(self, referral) -> bool:
        return not shows_identity(role_of(self.context["request"].user, referral), referral)

    def to_representation(self, referral):
        data = super().to_representation(referral)
        if not reads_free_text(role_of(self.context["request"].user, referral)):
            for name in FREE_TEXT_FIELDS:
                data[name] = ""
        return data


class ReferralDetailSerializer(ReferralSerializer):
    """One referral: with its timeline and, for the sender, the consent check."""

    consent_check = serializers.SerializerMethodField(help_text="For the sending agency only; null for others.")
    timeline = serializers.SerializerMethodField()

    class Meta(ReferralSerializer.Meta):
        fields = [*ReferralSerializer.Meta.fields, "consent_check", "timeline"]
        read_only_fields = fields

    @extend_schema_field(ConsentCheckSerializer(allow_null=True))
    def get_consent_check(self, referral) -> dict | None:
        if not role_of(self.context["request"].user, referral).sender:
            return None
        check = consent_check(referral)
        consent = check["consent"]
        return {"purpose": check["purpose"], "ok": check["ok"], "consent_date": consent.given_on if consent else None}

    @extend_schema_field(ReferralEventSerializer(many=True))
    def get_timeline(self, referral) -> list:
        return timeline(referral, reads_free_text(role_of(self.context["request"].user, referral)))


# Input: the shape only. The services check the rights, the state and the rest.


class ReferralCreateSerializer(serializers.Serializer):
    """POST /referrals/: a draft (services.referral_create). Send it with POST .../send/."""

    case = serializers.SlugRelatedField(
        slug_field="reference", queryset=Case.objects.none(), help_text="Reference of a case of your agency."
    )
    to_agency = serializers.SlugRelatedField(
        slug_field="short_name", queryset=Agency.objects.all(), required=False, allow_null=True,
        help_text="Short name of the receiving agency; across a border, may be left to the focal points.",
    )  # fmt: skip
    to_country = serializers.PrimaryKeyRelatedField(
        queryset=Country.objects.all(), required=False, allow_null=True,
        help_text="ISO 3166-1 alpha-2; default: the receiving agency's country.",
    )  # fmt: skip
    services = serializers.ListField(child=serializers.ChoiceField(choices=Service.choices), allow_empty=True)
    reason = serializers.ChoiceField(choices=ReferralReason.choices)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.ROUTINE)
    message = serializers.CharField(required=False, allow_blank=True, default="")
    share_identity = serializers.BooleanField(
        default=False, help_text="Share identity and contact details (only with the person's consent)."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Cases out of the user's scope read as unknown, exactly like references that do not exist.
            self.fields["case"].queryset = case_visible_to(request.user)


class ReferralSendSerializer(serializers.Serializer):
    override_reason = serializers.CharField(
        required=False, allow_blank=True, default="",
        help_text="Supervisors only, when there is no valid consent: why the referral must go anyway.",
    )  # fmt: skip


class ReferralDeclineSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=DeclineReason.choices)
    details = serializers.CharField(required=False, allow_blank=True, default="")


class ReferralCompleteSerializer(serializers.Serializer):
    successful = serializers.BooleanField()
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required when not successful."
    )
    feedback = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ReferralAssignSerializer(serializers.Serializer):
    to_agency = serializers.SlugRelatedField(
        slug_field="short_name", queryset=Agency.objects.all(), help_text="An agency in the destination country."
    )


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class NotificationSerializer(serializers.ModelSerializer):
    """An in-app notice: no personal data, only the kind, the references and links."""

    text = serializers.SerializerMethodField()
    referral = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    case = serializers.CharField(source="referral.case.reference", read_only=True)
    is_read = serializers.SerializerMethodField()
    link = serializers.SerializerMethodField(help_text="The referral in the API.")
    page = serializers.SerializerMethodField(help_text="The referral's page in the browser.")

    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "referral", "case", "link", "page", "is_read", "read_at", "created_at"]
        read_only_fields = fields

    def get_text(self, notification) -> str:
        return notification_text(notification)

    def get_is_read(self, notification) -> bool:
        return notification.read_at is not None

    def get_link(self, notification) -> str:
        url = reverse("api:referral-detail", kwargs={"reference": notification.referral.reference})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    def get_page(self, notification) -> str:
        return f"/referrals/{notification.referral.reference}/"


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were marked as read.")
