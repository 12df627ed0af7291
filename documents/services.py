"""Writes of attachments: permission check, content check, the file, the row and the case's timeline
event together. Timeline summaries name no file and carry no free text (pseudonymous viewers see the
timeline); the uploader's name and description stay on the attachment row.
"""

import hashlib
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.models import Case, CaseEvent
from cases.selectors import case_access

from . import storage
from .models import Attachment, AttachmentKind
from .validation import check_upload, sanitise_display_name, too_large_message

logger = logging.getLogger(__name__)
DESCRIPTION_MAX = 500
REASON_MAX = 300


def _event(case: Case, actor, action: str, summary: str, **params) -> None:
    """The summary in English; the case page writes it in the reader's language from params (cases/timeline.py)."""
    CaseEvent.objects.create(case=case, actor=actor, action=action, summary=summary[:255], params=params)


def _require_edit(user, case: Case) -> None:
    if not case_access(user, case).edit:
        raise PermissionDenied(_("Only staff of the case's agency can change its attachments."))


def _at_most(limit: int) -> str:
    return ngettext("At most %(limit)s character.", "At most %(limit)s characters.", limit) % {"limit": limit}


def _read_bounded(upload) -> bytes:
    """Read at most ATTACHMENT_MAX_BYTES + 1 bytes, whatever the upload claims its size is."""
    from django.conf import settings

    if isinstance(upload, bytes):
        data = upload
    else:
        upload.seek(0)
        data = upload.read(settings.ATTACHMENT_MAX_BYTES + 1)
    if len(data) > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError({"file": ValidationError(too_large_message(), code="too_large")})
    return data


@transaction.atomic
def attachment_add(*, user, case: Case, upload, filename: str, kind: str = "", description: str = "") -> Attachment:
    """Check the file by its content, store a sanitised copy under a random name, record it.

    Images are re-encoded from their pixels (no EXIF, GPS or appended data survives); PDFs must be
    inert (documents.validation). Nothing is written when anything is refused.
    """
    _require_edit(user, case)
    if case.is_closed:
        raise ValidationError({"file": _("The case is closed: reopen it to add attachments.")})
    if kind and kind not in AttachmentKind.values:
        raise ValidationError({"kind": _("Choose one of: %(kinds)s.") % {"kinds": ", ".join(AttachmentKind.values)}})
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise ValidationError({"description": _at_most(DESCRIPTION_MAX)})
    clean = check_upload(_read_bounded(upload))
    attachment = Attachment(
        case=case,
        kind=kind or (AttachmentKind.PHOTO if clean.is_image else AttachmentKind.DOCUMENT),
        display_name=sanitise_display_name(filename, clean.content_type),
        content_type=clean.content_type,
        size=len(clean.content),
        sha256=hashlib.sha256(clean.content).hexdigest(),
        description=description,
        uploaded_by=user,
        uploaded_by_agency=case.agency,
    )
    attachment.encrypted = storage.write(attachment.stored_name, clean.content)
    try:
        attachment.full_clean()
        attachment.save()
        with translation.override("en"):
            summary = (
                f"{attachment.get_kind_display()} attached ({attachment.get_content_type_display()}, "
                f"attachment {attachment.pk})."
            )
        _event(
            case, user, "attachment_added", summary,
            kind=attachment.kind, content_type=attachment.content_type, id=attachment.pk,
        )  # fmt: skip
    except BaseException:
        storage.remove(attachment.stored_name)
        raise
    return attachment


def attachment_content(*, attachment: Attachment) -> bytes:
    """The stored bytes (decrypted). The caller has checked access (selectors.attachment_get)."""
    return storage.read(attachment.stored_name)


@transaction.atomic
def attachment_delete(*, user, case: Case, attachment: Attachment, reason: str) -> Attachment:
    """Soft-delete: the file leaves the disk at once, the row stays with who, when and why."""
    _require_edit(user, case)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the attachment is removed.")})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _at_most(REASON_MAX)})
    attachment = Attachment.objects.select_for_update().get(pk=attachment.pk, case=case)
    if not attachment.is_available:
        raise ValidationError({"reason": _("This attachment was already removed.")})
    attachment.deleted_at = timezone.now()
    attachment.deleted_by = user
    attachment.deletion_reason = reason
    attachment.save(update_fields=["deleted_at", "deleted_by", "deletion_reason"])
    _event(case, user, "attachment_deleted", f"Attachment {attachment.pk} removed.", id=attachment.pk)
    # Last, so that a refused change above leaves the file. Erring towards erasure: should the
    # commit itself fail, the row still lists a file that is gone (its download answers 404).
    storage.remove(attachment.stored_name)
    return attachment


@transaction.atomic
def attachments_erase_for_case(*, case: Case, actor=None) -> int:
    """Remove every file of the case from disk and blank what could identify anyone (file name,
    description, checksum); keep a non-identifying record (kind, type, size, agency, dates).
    For retention and erasure (helper "privacy"). Idempotent; returns how many were erased now."""
    now = timezone.now()
    rows = list(Attachment.objects.select_for_update().filter(case=case, erased_at__isnull=True))
    for attachment in rows:
        attachment.display_name = ""
        attachment.description = ""
        attachment.sha256 = ""
        attachment.deletion_reason = ""
        attachment.erased_at = now
        attachment.save(update_fields=["display_name", "description", "sha256", "deletion_reason", "erased_at"])
    if rows:
        _event(case, actor, "attachments_erased", f"{len(rows)} attachment file(s) erased.", count=len(rows))
    for attachment in rows:
        storage.remove(attachment.stored_name)
    return len(rows)
