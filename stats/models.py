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

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="exports")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    format = models.CharField(max_length=5, choices=Format.choices)
    filters = models.JSONField(default=dict)
    row_count = models.PositiveIntegerField(default=0)
    suppressed_count = models.PositiveIntegerField(default=0, help_text=_("Cells or records withheld."))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
