"""Attachment pages: upload (from the case page's form), download and removal. Thin: reads through
documents.selectors, writes through documents.services. Out of scope, or a case seen only
pseudonymously: 404. A visible case the user may not change: 403 on a write."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from . import services
from .forms import AttachmentDeleteForm, AttachmentForm
from .responses import download_response
from .selectors import attachment_get, case_for_attachments
from .uploads import TOO_LARGE, TOO_MANY, upload_refusal
from .validation import too_large_message

logger = logging.getLogger(__name__)


def _case_anchor(case) -> str:
    return reverse("case_detail", args=[case.reference]) + "#attachments"


def _record_access(request, case, what: str) -> None:
    """Every download of an attachment goes to the access log (audit app)."""
    from audit.services import access_record

    access_record(user=request.user, request=request, case_ids=[case.id], what=what)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def attachment_upload_view(request, reference):
    case, access = case_for_attachments(request.user, reference)
    if not access.edit:
        raise PermissionDenied(_("Only staff of the case's agency can add attachments."))
    if request.method != "POST":
        form = AttachmentForm(auto_id="attachment-%s")
        return render(request, "documents/attachment_form.html", {"case": case, "access": access, "form": form})
    form = AttachmentForm(request.POST, request.FILES, auto_id="attachment-%s")
    refusal = upload_refusal(request)
    if refusal == TOO_LARGE:
        form.add_error("file", too_large_message())
    elif refusal == TOO_MANY:
        form.add_error("file", _("Attach one file at a time."))
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.attachment_add(
                user=request.user, case=case, upload=upload, filename=upload.name,
                kind=form.cleaned_data["kind"], description=form.cleaned_data["description"],
            )  # fmt: skip
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Attachment added."))
            return redirect(_case_anchor(case))
    messages.error(request, _("Not attached. Please see the message below."))
    return render(request, "documents/attachment_form.html", {"case": case, "access": access, "form": form})


@login_required
@require_safe
def attachment_download_view(request, reference, pk):
    case, _access, attachment = attachment_get(request.user, reference, pk)
    try:
        content = services.attachment_content(attachment=attachment)
    except FileNotFoundError:
        logger.error("Attachment %s has no file on disk.", attachment.pk)
        raise Http404("No such attachment.") from None
    _record_access(request, case, "attachment download")
    return download_response(attachment, content)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def attachment_delete_view(request, reference, pk):
    case, access, attachment = attachment_get(request.user, reference, pk)
    if not access.edit:
        raise PermissionDenied(_("Only staff of the case's agency can remove its attachments."))
    form = AttachmentDeleteForm(request.POST or None, auto_id="attachment-delete-%s")
    if request.method == "POST" and form.is_valid():
        try:
            services.attachment_delete(
                user=request.user, case=case, attachment=attachment, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Attachment removed."))
            return redirect(_case_anchor(case))
    context = {"case": case, "access": access, "attachment": attachment, "form": form}
    return render(request, "documents/attachment_delete.html", context)
