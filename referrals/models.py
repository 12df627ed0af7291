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
    reference = models.CharField(max_length=24, unique=True, editable=False, verbose_name=_("reference"))
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("case"))
    from_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="referrals_sent", verbose_name=_("from agency")
    )
    to_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_received",
        verbose_name=_("receiving agency"),
    )
    to_country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("destination country")
    )
    is_cross_border = models.BooleanField(default=False, verbose_name=_("cross-border"))

    services = ArrayField(models.CharField(max_length=30, choices=Service.choices), verbose_name=_("services needed"))
    reason = models.CharField(max_length=40, choices=ReferralReason.choices, verbose_name=_("reason for referral"))
    urgency = models.CharField(
        max_length=20, choices=Urgency.choices, default=Urgency.ROUTINE, verbose_name=_("urgency")
    )
    # crypto (issue 5): free text is encrypted at rest
    message = EncryptedTextField(blank=True, verbose_name=_("message to the receiving agency"))
    # The minimum (case reference, sex, age band, child flag, needs, risk level, language) is always
    # shared; identity and contact details only with consent and when the sender chooses to.
    share_identity = models.BooleanField(default=False, verbose_name=_("identity shared"))

    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT, verbose_name=_("state"))
    response_deadline = models.DateTimeField(null=True, blank=True, verbose_name=_("response deadline"))
    reminded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reminded at"))

    consent_overridden = models.BooleanField(default=False, verbose_name=_("consent overridden"))
    override_reason = EncryptedTextField(blank=True, verbose_name=_("reason for the override"))
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("overridden by"),
    )

    decline_reason = models.CharField(
        max_length=30, choices=DeclineReason.choices, blank=True, verbose_name=_("reason for declining")
    )
    decline_details = EncryptedTextField(blank=True, verbose_name=_("details of the decline"))
    withdraw_reason = EncryptedTextField(blank=True, verbose_name=_("reason for withdrawing"))
    returned_reason = EncryptedTextField(
        blank=True,
        help_text=_("Why a focal point sent it back to the sender."),
        verbose_name=_("reason for sending back"),
    )
    successful = models.BooleanField(null=True, blank=True, verbose_name=_("successful"))
    outcome_reason = EncryptedTextField(blank=True, verbose_name=_("why it did not succeed"))
    feedback = EncryptedTextField(blank=True, verbose_name=_("feedback"))

    linked_case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="incoming_referrals",
        help_text=_("The case opened in the destination country when a cross-border referral is accepted."),
        verbose_name=_("linked case"),
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    # When the receiving agency was given the referral (national: on sending; cross-border: on assignment).
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))
    responded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("answered at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    created_at = models.DateTimeField(default=timezone.now, editable=False, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["to_agency", "state"], name="referral_to_state"),
            models.Index(fields=["from_agency", "-created_at"], name="referral_from_created"),
            models.Index(fields=["state", "response_deadline"], name="referral_deadline"),
        ]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

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

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events", verbose_name=_("referral"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("by")
    )
    actor_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("agency")
    )
    action = models.CharField(max_length=30, verbose_name=_("action"))
    from_state = models.CharField(max_length=20, choices=State.choices, blank=True, verbose_name=_("from state"))
    to_state = models.CharField(max_length=20, choices=State.choices, verbose_name=_("to state"))
    note = EncryptedTextField(blank=True, verbose_name=_("note"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("referral event")
        verbose_name_plural = _("referral events")


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

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices, verbose_name=_("kind"))
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("referral")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("read at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox")]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")


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

    notification = models.OneToOneField(
        Notification, on_delete=models.CASCADE, related_name="email", verbose_name=_("notification")
    )
    to_address = models.EmailField(verbose_name=_("to"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name=_("status"))
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    claimed_until = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed until"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"], name="outbox_status_created")]
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
