"""Reads of attachments, always through the case and the user's scope.

Attachments identify people (photos, identity documents), so only users who see the case WITH
identity see them: the owning agency's staff and agencies granted identity. Everyone else, the
pseudonymous oversight roles and grants without identity among them, gets 404 as if none existed.
"""

from django.db.models import QuerySet
from django.http import Http404

from cases.models import Case
from cases.selectors import CaseAccess, case_get

from .models import Attachment


def case_for_attachments(user, reference: str) -> tuple[Case, CaseAccess]:
    """The case if the user may see its attachments; 404 otherwise (out of scope or pseudonymous)."""
    case, access = case_get(user, reference)
    if not access.view_identity:
        raise Http404("No such case.")
    return case, access


def attachments_of(case: Case) -> QuerySet[Attachment]:
    """A case's current attachments (not deleted, not erased), newest first. The caller has checked access."""
    return (
        Attachment.objects.filter(case=case, deleted_at__isnull=True, erased_at__isnull=True)
        .select_related("uploaded_by", "uploaded_by_agency")
        .order_by("-created_at", "-id")
    )


def attachment_get(user, reference: str, pk) -> tuple[Case, CaseAccess, Attachment]:
    """One current attachment of a case the user may see with identity; 404 otherwise."""
    case, access = case_for_attachments(user, reference)
    try:
        attachment = attachments_of(case).get(pk=pk)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such attachment.") from None
    return case, access, attachment
