"""Statistics: the record of every export (and, with the dashboards, the pre-aggregated rollups)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportRecord(models.Model):
    """Who exported what, when, with which filters: every export leaves one row, even a refused one."""

    class Kind(models.TextChoices):
        CTDC = "ctdc", _("CTDC (27 variables, de-identified)")
        GLOTIP = "glotip", _("UNODC GLOTIP (detected victims)")
        HTCDS = "htcds", _("HTCDS case records")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    class Outcome(models.TextChoices):
        DELIVERED = "delivered", _("Delivered")
        REFUSED = "refused", _("Refused (the user may not have this export)")
        INVALID = "invalid", _("Invalid filters (nothing was built)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="exports", verbose_name=_("user")
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("kind"))
    format = models.CharField(max_length=5, choices=Format.choices, verbose_name=_("format"))
    filters = models.JSONField(default=dict, verbose_name=_("filters"))
    outcome = models.CharField(
        max_length=10, choices=Outcome.choices, default=Outcome.DELIVERED, verbose_name=_("outcome")
    )
    reason = models.CharField(
        max_length=300, blank=True, help_text=_("Why it was refused, or what was invalid."), verbose_name=_("reason")
    )
    row_count = models.PositiveIntegerField(default=0, verbose_name=_("rows"))
    suppressed_count = models.PositiveIntegerField(
        default=0, help_text=_("Cells or records withheld."), verbose_name=_("withheld")
    )
    duration_ms = models.PositiveIntegerField(
        default=0, help_text=_("Time to build the file."), verbose_name=_("duration (ms)")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    request = models.ForeignKey(
        "ExportRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="downloads",
        help_text=_("The approved request an identifying export was downloaded under."),
        verbose_name=_("request"),
    )  # fmt: skip

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export record")
        verbose_name_plural = _("export records")


class ExportRequest(models.Model):
    """An export that holds identifying data (HTCDS case records): asked for with a reason, approved
    by another supervisor of the agency, downloaded by the requester before it expires, as an
    AES-256 encrypted zip whose password the requester types at download time (never stored)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        USED = "used", _("Downloaded")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("asked by")
    )
    agency = models.ForeignKey(
        "partners.Agency", on_delete=models.PROTECT, related_name="+",
        help_text=_("The agency whose supervisors approve it, and whose cases it may hold."),
        verbose_name=_("agency"),
    )  # fmt: skip
    kind = models.CharField(
        max_length=10, choices=ExportRecord.Kind.choices, default=ExportRecord.Kind.HTCDS, verbose_name=_("kind")
    )
    format = models.CharField(max_length=5, choices=ExportRecord.Format.choices, verbose_name=_("format"))
    filters = models.JSONField(default=dict, verbose_name=_("filters"))
    reason = models.TextField(help_text=_("Why the identifying data must leave the system."), verbose_name=_("reason"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, verbose_name=_("state"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decision_note = models.TextField(blank=True, verbose_name=_("note on the decision"))
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Set at approval."), verbose_name=_("valid until")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["agency", "state"], name="exportrequest_agency_state")]
        verbose_name = _("identifying export request")
        verbose_name_plural = _("identifying export requests")

    def __str__(self):
        return self.reference

    @property
    def reference(self) -> str:
        """How people name a request (a reference: never translated)."""
        return f"EXP-{self.pk}"

    @property
    def is_expired(self) -> bool:
        return self.state == self.State.APPROVED and self.expires_at is not None and self.expires_at <= timezone.now()


# --------------------------------------------------------------------------------------------
# Pre-aggregated rollups for the dashboards (see stats/rollups.py for how they are built).
#
# Grain: one row per (month the case was opened, owning agency, country of identification,
# exploitation value), where the exploitation value is "*" (every case once: totals never
# double-count a case with several types), "-" (cases with no type recorded) or one row per type
# the case has. Everything else the charts need is a measure column on that row, not a dimension:
# children, smuggled migrants, open cases, sex x CTDC age band (40 columns) and context of
# identification (12 columns). That keeps the table at about months x agencies x ~7 rows (tens of
# thousands at a million cases) instead of one row per combination of every attribute.
# --------------------------------------------------------------------------------------------

ALL = "*"
NONE_RECORDED = "-"

# Sex groups of the sex x age chart: the HTCDS genders, with the rare ones grouped (they would be
# suppressed one by one anyway, and the group keeps some of them visible).
SEX_GROUPS = [
    ("f", _("Feminine"), ["Feminine"]),
    ("m", _("Masculine"), ["Masculine"]),
    ("x", _("Transgender or non-conforming"), ["TransgenderFeminine", "TransgenderMasculine", "NonConforming"]),
    ("u", _("Not specified or unknown"), ["NonSpecifiedUnknown"]),
]


def _age_band_labels() -> list[str]:
    from victims.models import CTDC_AGE_BANDS

    return [f"{low}+" if high is None else f"{low}-{high}" for low, high in CTDC_AGE_BANDS] + ["unknown"]


AGE_BANDS = _age_band_labels()
# Bands of children: under 18 at identification, and an unknown age (presumed a child).
CHILD_BANDS = [b for b in AGE_BANDS if b == "unknown" or not b.endswith("+") and int(b.split("-")[1]) < 18]


def sex_age_column(sex: str, band: str) -> str:
    return "sa_{}_{}".format(sex, band.replace("-", "_").replace("+", "plus"))


def context_column(context: str) -> str:
    return f"ctx_{context.lower()}"


class CaseRollup(models.Model):
    """Cases counted by month opened, agency, country and exploitation type (see the grain above)."""

    month = models.DateField(help_text=_("First day of the month the case was opened."))
    agency = models.ForeignKey("partners.Agency", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    country = models.ForeignKey("partners.Country", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    exploitation = models.CharField(max_length=40, help_text=_('"*" all cases, "-" none recorded, or a type.'))
    n = models.PositiveIntegerField(default=0)
    children = models.PositiveIntegerField(default=0)
    smuggled = models.PositiveIntegerField(default=0)
    active = models.PositiveIntegerField(default=0, help_text=_("Of them, not closed when the rollup was built."))

    class Meta:
        indexes = [
            models.Index(fields=["exploitation", "month"], name="caserollup_expl_month"),
            models.Index(fields=["agency", "month"], name="caserollup_agency_month"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["month", "agency", "country", "exploitation"], name="caserollup_grain")
        ]


def _add_measure_columns():
    from glo_act.vocabularies import IdentificationContext

    for sex, _label, _values in SEX_GROUPS:
        for band in AGE_BANDS:
            CaseRollup.add_to_class(sex_age_column(sex, band), models.PositiveIntegerField(default=0))
    for value, _label in IdentificationContext.choices:
        CaseRollup.add_to_class(context_column(value), models.PositiveIntegerField(default=0))


_add_measure_columns()


class RollupState(models.Model):
    """When the rollups were last rebuilt (one row), shown on the dashboard."""

    name = models.CharField(max_length=30, unique=True)
    rebuilt_at = models.DateTimeField(verbose_name=_("rebuilt at"))
    seconds = models.FloatField(default=0)
    source_rows = models.PositiveIntegerField(default=0)
    rollup_rows = models.PositiveIntegerField(default=0)
