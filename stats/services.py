"""Identifying exports (issue 5): request, approval by another supervisor, encrypted download.

An HTCDS export names every person in it, so it never leaves on one person's say-so:
- `export_request_create`: someone with identity access asks for it, with a reason, on behalf of
  one of their agencies; nothing is built yet.
- `export_request_decide`: a supervisor of that agency, never the requester, approves or declines;
  an approval is valid for EXPORT_APPROVAL_HOURS.
- `export_request_download`: the requester, while the approval is valid, types a password (at
  least EXPORT_PASSWORD_MIN_LENGTH characters); the file is built from the requester's scope, limited
  to the agency's own cases, and wrapped in an AES-256 zip with that password. The password is not
  stored anywhere; the request is then used up. Every download is an ExportRecord linked to it.
Every step writes its audit row through the database triggers (audit app) like any other change.
"""

import datetime
import io

import pyzipper
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from glo_act.exceptions import StateConflict
from partners.models import Agency, Membership, Role
from partners.selectors import user_scope

from .exports import export_file, parse_filters
from .models import ExportRecord, ExportRequest

IDENTIFYING_KINDS = {ExportRecord.Kind.HTCDS}


class InvalidState(StateConflict):
    """The request is not in a state that allows this step (answered 409 by the API)."""


def supervisors_of(agency: Agency):
    return Membership.objects.filter(agency=agency, role=Role.SUPERVISOR).values_list("user_id", flat=True)


def requestable_agencies(user) -> list[Agency]:
    """The agencies on whose cases the user may ask for an identifying export: those whose cases they
    see with identity as a member (not cases merely shared with them)."""
    ids = user_scope(user).case_agency_ids
    return list(Agency.objects.filter(id__in=sorted(ids)).order_by("short_name"))


@transaction.atomic
def export_request_create(*, user, agency: Agency, kind: str, fmt: str, filters: dict, reason: str) -> ExportRequest:
    if kind not in IDENTIFYING_KINDS:
        raise ValidationError({"kind": _("Only identifying exports need a request; the others download directly.")})
    if fmt not in ExportRecord.Format.values:
        raise ValidationError({"format": _("Choose CSV or XLSX.")})
    if agency.id not in {a.id for a in requestable_agencies(user)}:
        raise PermissionDenied(_("You may not export this agency's case records."))
    reason = (reason or "").strip()
    if len(reason) < 10:
        message = _("Say why the identifying data must leave the system (10 characters or more).")
        raise ValidationError({"reason": message})
    parsed = parse_filters({**{k: v for k, v in (filters or {}).items() if v}, "agency": str(agency.id)}, kind)
    return ExportRequest.objects.create(
        requested_by=user, agency=agency, kind=kind, format=fmt, filters=parsed.as_dict(), reason=reason[:2000]
    )


@transaction.atomic
def export_request_decide(*, user, request: ExportRequest, approve: bool, note: str = "") -> ExportRequest:
    request = ExportRequest.objects.select_for_update().get(pk=request.pk)
    if user.id not in set(supervisors_of(request.agency)):
        raise PermissionDenied(_("Only a supervisor of the agency may decide."))
    if user.id == request.requested_by_id:
        raise PermissionDenied(_("Someone else must approve your own request."))
    if request.state != ExportRequest.State.PENDING:
        raise InvalidState(_("This request has already been decided."))
    if not approve and not (note or "").strip():
        raise ValidationError({"note": _("Say why you decline.")})
    now = timezone.now()
    request.state = ExportRequest.State.APPROVED if approve else ExportRequest.State.DECLINED
    request.decided_by, request.decided_at, request.decision_note = user, now, (note or "").strip()[:2000]
    if approve:
        request.expires_at = now + datetime.timedelta(hours=settings.EXPORT_APPROVAL_HOURS)
    request.save(update_fields=["state", "decided_by", "decided_at", "decision_note", "expires_at"])
    return request


@transaction.atomic
def export_request_withdraw(*, user, request: ExportRequest) -> ExportRequest:
    request = ExportRequest.objects.select_for_update().get(pk=request.pk)
    if user.id != request.requested_by_id:
        raise PermissionDenied(_("Only the requester may withdraw a request."))
    if request.state not in (ExportRequest.State.PENDING, ExportRequest.State.APPROVED):
        raise InvalidState(_("This request can no longer be withdrawn."))
    request.state = ExportRequest.State.WITHDRAWN
    request.save(update_fields=["state"])
    return request


def _check_password(password: str) -> None:
    if len(password or "") < settings.EXPORT_PASSWORD_MIN_LENGTH:
        raise ValidationError(
            {"password": _("Choose a password of at least %(n)s characters: you will need it to open the file.")
             % {"n": settings.EXPORT_PASSWORD_MIN_LENGTH}}
        )  # fmt: skip


def export_request_download(*, user, request: ExportRequest, password: str) -> tuple[bytes, str, ExportRecord]:
    """Build the approved export and encrypt it: (zip bytes, file name, the ExportRecord)."""
    _check_password(password)
    with transaction.atomic():
        request = ExportRequest.objects.select_for_update().get(pk=request.pk)
        if user.id != request.requested_by_id:
            raise Http404
        if request.state != ExportRequest.State.APPROVED:
            raise InvalidState(_("This export is not approved (or has already been downloaded)."))
        if request.is_expired:
            raise InvalidState(_("The approval has expired: ask again."))
        if request.agency_id not in {a.id for a in requestable_agencies(user)}:
            raise PermissionDenied(_("You no longer have access to this agency's case records."))
        export = export_file(user, request.kind, request.format, request.filters, approved_request=request)
        inner = export.file.read()
        export.file.close()
        buffer = io.BytesIO()
        with pyzipper.AESZipFile(buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as zf:
            zf.setpassword(password.encode("utf-8"))
            zf.setencryption(pyzipper.WZ_AES, nbits=256)
            zf.writestr(export.filename, inner)
        request.state = ExportRequest.State.USED
        request.save(update_fields=["state"])
    return buffer.getvalue(), export.filename + ".zip", export.record


def export_requests_for(user):
    """Requests the user may see: their own, and those awaiting (or decided by) supervisors of
    their agencies."""
    from django.db.models import Q

    supervised = Membership.objects.filter(user=user, role=Role.SUPERVISOR).values_list("agency_id")
    return (
        ExportRequest.objects.filter(Q(requested_by=user) | Q(agency_id__in=supervised))
        .select_related("requested_by", "agency", "decided_by")
        .order_by("-created_at", "-id")
    )
