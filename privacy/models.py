"""What was erased, when, why and by whom: the register of erasures (retention and consent).

An ErasureRecord holds no identifying data: the case and the person by their ids, the kind, a reason
written by the system (never a user's free text), and which fields were emptied, as names and row
counts only. It is the proof, for a data-protection officer, that the erasure happened.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from victims.models import Person


class ErasureRecord(models.Model):
    class Kind(models.TextChoices):
        ANONYMISED = "anonymised", _("Anonymised after the retention period")
        CONSENT_WITHDRAWN = "consent_withdrawn", _("Erased on withdrawal of consent to data processing")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="erasures", verbose_name=_("case"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="erasures", verbose_name=_("person"))
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    reason = models.CharField(
        max_length=255, help_text=_("Written by the system; never free text."), verbose_name=_("reason")
    )
    person_erased = models.BooleanField(
        help_text=_("False when the person's identifying data was kept for another case that is not yet due."),
        verbose_name=_("person erased"),
    )
    # The closure the retention period ran from: a case reopened and closed again is due again.
    case_closed_on = models.DateField(null=True, blank=True, verbose_name=_("case closed on"))
    # Which fields were emptied: {"victims.Person": ["given_name", ...], "cases.CaseNote.text": 2}.
    erased = models.JSONField(default=dict, verbose_name=_("fields erased"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the system (the retention job) erased."),
        verbose_name=_("erased by"),
    )
    at = models.DateTimeField(default=timezone.now, verbose_name=_("when"))

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["case", "-at"], name="erasure_case_at")]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "case_closed_on"],
                condition=Q(kind="anonymised"),
                name="erasure_once_per_closure",
            ),
            models.CheckConstraint(
                condition=~Q(kind="anonymised") | Q(case_closed_on__isnull=False),
                name="erasure_anonymised_has_closed_on",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: case {self.case_id} at {self.at:%Y-%m-%d}"

    @property
    def by_system(self) -> bool:
        return self.actor_id is None
