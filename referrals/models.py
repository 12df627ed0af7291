"""Referrals between agencies and across borders (National and Transnational Referral Mechanisms).

A referral moves a case's person towards a service at another agency. Its state changes only
through referrals.services; each change writes a ReferralEvent (the timeline) and its
notifications in the same transaction. Cross-border referrals pass through the national focal
points of both countries before a receiving agency sees them.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from glo_act.crypto_fields import EncryptedTextField
from glo_act.vocabularies import ReferralReason, Service
from partners.models import Agency, Country


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    URGENT = "urgent", _("Urgent")
    LIFE_THREATENING = "life_threatening", _("Life-threatening")


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ORIGIN_FOCAL = "origin_focal", _("Awaiting the origin country's focal point")
    DESTINATION_FOCAL = "destination_focal", _("Awaiting the destination country's focal point")
    SENT = "sent", _("Sent, awaiting the receiving agency")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


OPEN_STATES = {State.DRAFT, State.ORIGIN_FOCAL, State.DESTINATION_FOCAL, State.SENT, State.ACCEPTED}
# States in which someone must answer before the response deadline.
AWAITING_STATES = {State.ORIGIN_FOCAL, State.DESTINATION_FOCAL, State.SENT}
FINAL_STATES = {State.DECLINED, State.COMPLETED, State.WITHDRAWN, State.EXPIRED}


class DeclineReason(models.TextChoices):
    NO_CAPACITY = "NoCapacity", _("No capacity at the moment")
    SERVICE_NOT_OFFERED = "ServiceNotOffered", _("The service is not offered")
    NOT_ELIGIBLE = "NotEligible", _("The person is not eligible")
    SECURITY = "SecurityConcerns", _("Security concerns")
    OTHER = "Other", _("Other")


class Referral(models.Model):
    reference = models.CharField(max_length=24, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals")
    from_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals_sent")
    to_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals_received"
    )
    to_country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+")
    is_cross_border = models.BooleanField(default=False)

    services = ArrayField(models.CharField(max_length=30, choices=Service.choices))
    reason = models.CharField(max_length=40, choices=ReferralReason.choices)
    urgency = models.CharField(max_length=20, choices=Urgency.choices, default=Urgency.ROUTINE)
    message = EncryptedTextField(blank=True)  # crypto (issue 5): free text is encrypted at rest
    # The minimum (case reference, sex, age band, child flag, needs, risk level, language) is always
    # shared; identity and contact details only with consent and when the sender chooses to.
    share_identity = models.BooleanField(default=False)

    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    response_deadline = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    consent_overridden = models.BooleanField(default=False)
    override_reason = EncryptedTextField(blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    decline_reason = models.CharField(max_length=30, choices=DeclineReason.choices, blank=True)
    decline_details = EncryptedTextField(blank=True)
    withdraw_reason = EncryptedTextField(blank=True)
    returned_reason = EncryptedTextField(blank=True, help_text=_("Why a focal point sent it back to the sender."))
    successful = models.BooleanField(null=True, blank=True)
    outcome_reason = EncryptedTextField(blank=True)
    feedback = EncryptedTextField(blank=True)

    linked_case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="incoming_referrals",
        help_text=_("The case opened in the destination country when a cross-border referral is accepted."),
    )  # fmt: skip
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)
    # When the receiving agency was given the referral (national: on sending; cross-border: on assignment).
    delivered_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["to_agency", "state"], name="referral_to_state"),
            models.Index(fields=["from_agency", "-created_at"], name="referral_from_created"),
            models.Index(fields=["state", "response_deadline"], name="referral_deadline"),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def from_country_id(self) -> str:
        return self.from_agency.country_id


class ReferralEvent(models.Model):
    """The referral's timeline: one row per transition, written with it."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    actor_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, related_name="+")
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=State.choices)
    note = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]


class NotificationKind(models.TextChoices):
    RECEIVED = "referral_received", _("Referral received")
    ACCEPTED = "referral_accepted", _("Referral accepted")
    DECLINED = "referral_declined", _("Referral declined")
    COMPLETED = "referral_completed", _("Referral completed")
    WITHDRAWN = "referral_withdrawn", _("Referral withdrawn")
    RETURNED = "referral_returned", _("Referral sent back by a focal point")
    DEADLINE_NEAR = "deadline_near", _("Response deadline near")
    EXPIRED = "referral_expired", _("Referral expired")
    AWAITING_FOCAL_POINT = "awaiting_focal_point", _("Referral awaiting a focal point")


class Notification(models.Model):
    """An in-app notice. It carries no personal data of the victim: the kind, the referral's and
    case's references and a link are all it says."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox")]


class OutboxMessage(models.Model):
    """An e-mail to send, written in the same transaction as the change it reports (outbox pattern).

    A Celery task delivers it after commit; a periodic sweeper re-sends what is still pending, and
    a claim with a lease keeps two workers from sending the same message.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    notification = models.OneToOneField(Notification, on_delete=models.CASCADE, related_name="email")
    to_address = models.EmailField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"], name="outbox_status_created")]
