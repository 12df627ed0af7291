"""An attachment on a case. The file itself lives under PRIVATE_MEDIA_ROOT, named by a random uuid;
the row keeps what the case page shows and what is needed to serve and verify the file."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AttachmentKind(models.TextChoices):
    DOCUMENT = "document", _("Document")
    PHOTO = "photo", _("Photo")
    OTHER = "other", _("Other")


class AttachmentContentType(models.TextChoices):
    """The only types kept, as detected from the bytes (documents.validation)."""

    PDF = "application/pdf", "PDF"
    JPEG = "image/jpeg", _("JPEG image")
    PNG = "image/png", _("PNG image")
    WEBP = "image/webp", _("WebP image")


class Attachment(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="attachments", verbose_name=_("case"))
    kind = models.CharField(max_length=20, choices=AttachmentKind.choices, verbose_name=_("kind"))
    # The uploader's file name, sanitised (no path, no control or bidi-override characters), for display
    # and the download's file name only; the stored file is named by `stored_name`.
    display_name = models.CharField(max_length=120, blank=True, verbose_name=_("name"))
    stored_name = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    content_type = models.CharField(max_length=40, choices=AttachmentContentType.choices, verbose_name=_("file type"))
    size = models.PositiveBigIntegerField(
        help_text=_("Bytes of the stored (sanitised) content."), verbose_name=_("size")
    )
    sha256 = models.CharField(
        max_length=64, blank=True, help_text=_("Of the stored content, before encryption."), verbose_name=_("SHA-256")
    )
    encrypted = models.BooleanField(
        default=False, help_text=_("Whether the file on disk is encrypted at rest."), verbose_name=_("encrypted")
    )
    description = models.CharField(max_length=500, blank=True, verbose_name=_("description"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("added by")
    )
    uploaded_by_agency = models.ForeignKey(
        "partners.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("added at"))
    # Soft deletion by an editor: the file is removed from disk, the row stays for accountability.
    deleted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("removed at"))
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("removed by"),
    )
    deletion_reason = models.CharField(max_length=300, blank=True, verbose_name=_("why removed"))
    # Erasure (retention or withdrawn consent): file removed and identifying metadata blanked.
    erased_at = models.DateTimeField(null=True, blank=True, verbose_name=_("erased at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["case", "-created_at"], name="attachment_case_created")]

    def __str__(self):
        return f"Attachment {self.pk} on case {self.case_id}"

    @property
    def is_available(self) -> bool:
        return self.deleted_at is None and self.erased_at is None
