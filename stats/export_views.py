"""Browser downloads of the statistics exports (see stats/exports.py for what each contains), and the
request / approval / encrypted download of identifying exports (stats/services.py)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from . import services
from .exports import export_response
from .forms import DecisionForm, DownloadForm, ExportRequestForm


@require_GET
@never_cache
@login_required
def stats_export(request, kind: str, format: str):  # noqa: A002 (the URL's own name)
    """GET /stats/exports/<kind>.<format>?date_from=&date_to=&country=[&agency=&exploitation_type=]"""
    try:
        return export_response(request.user, kind, format, request.GET)
    except ValidationError as e:
        lines = [f"{field}: {' '.join(messages)}" for field, messages in e.message_dict.items()]
        return HttpResponseBadRequest("\n".join(lines), content_type="text/plain; charset=utf-8")


@login_required
def export_request_list(request):
    agencies = services.requestable_agencies(request.user)
    requests_ = list(services.export_requests_for(request.user)[:200])
    if not agencies and not requests_:
        raise PermissionDenied(_("Identifying exports are for staff who work on their agency's cases."))
    return render(request, "stats/export_requests.html", {
        "requests": requests_, "can_request": bool(agencies), "settings_hours": settings.EXPORT_APPROVAL_HOURS,
    })  # fmt: skip


@require_http_methods(["GET", "POST"])
@login_required
def export_request_new(request):
    agencies = services.requestable_agencies(request.user)
    if not agencies:
        raise PermissionDenied(_("Identifying exports are for staff who work on their agency's cases."))
    form = ExportRequestForm(request.POST or None, agencies=agencies, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.export_request_create(
                user=request.user, agency=form.cleaned_data["agency"], kind="htcds",
                fmt=form.cleaned_data["format"], filters=form.filters(), reason=form.cleaned_data["reason"],
            )  # fmt: skip
        except ValidationError as e:
            for field, errors in e.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Request sent: a supervisor of %(agency)s must approve it.")
                             % {"agency": created.agency.short_name})  # fmt: skip
            return redirect("export_request_detail", pk=created.pk)
    return render(request, "stats/export_request_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def export_request_detail(request, pk: int):
    """The request; its approval (other supervisors of the agency), withdrawal and download (the
    requester). Looked up among the requests the user may see: anything else is a 404."""
    req = get_object_or_404(services.export_requests_for(request.user), pk=pk)
    is_requester = req.requested_by_id == request.user.id
    may_decide = not is_requester and request.user.id in set(services.supervisors_of(req.agency))
    decision, download = DecisionForm(), DownloadForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in ("approve", "decline") and may_decide:
                decision = DecisionForm(request.POST)
                if decision.is_valid():
                    services.export_request_decide(user=request.user, request=req, approve=action == "approve",
                                                   note=decision.cleaned_data["note"])  # fmt: skip
                    return redirect("export_request_detail", pk=req.pk)
            elif action == "withdraw" and is_requester:
                services.export_request_withdraw(user=request.user, request=req)
                return redirect("export_request_detail", pk=req.pk)
            elif action == "download" and is_requester:
                download = DownloadForm(request.POST)
                if download.is_valid():
                    content, filename, _record = services.export_request_download(
                        user=request.user, request=req, password=download.cleaned_data["password"]
                    )
                    response = HttpResponse(content, content_type="application/zip")
                    response["Content-Disposition"] = f'attachment; filename="{filename}"'
                    response["Cache-Control"] = "no-store"
                    response["X-Content-Type-Options"] = "nosniff"
                    return response
            else:
                raise Http404
        except ValidationError as e:
            target = download if action == "download" else decision
            for field, errors in e.message_dict.items():
                target.add_error(field if field in target.fields else None, errors)
        except services.InvalidState as e:
            messages.error(request, str(e))
            return redirect("export_request_detail", pk=req.pk)
        req.refresh_from_db()
    return render(
        request, "stats/export_request_detail.html",
        {"req": req, "is_requester": is_requester, "may_decide": may_decide and req.state == "pending",
         "decision_form": decision, "download_form": download, "filter_items": _filter_items(req, request.user)},
        status=400 if (decision.errors or download.errors) else 200,
    )  # fmt: skip


def _filter_items(req, user) -> list[tuple[str, str]]:
    """The request's filters as the user reads them: labels in their language, dates in their calendar."""
    import datetime

    from django.utils import translation

    from glo_act.calendars import format_date
    from glo_act.vocabularies import ExploitationType
    from partners.selectors import user_calendar

    labels = {
        "date_from": _("Cases opened from"),
        "date_to": _("Cases opened until"),
        "country": _("Country"),
        "exploitation_type": _("Exploitation type"),
    }
    items = []
    for key, value in (req.filters or {}).items():
        if key == "agency":
            continue  # said with the agency's name
        if key in ("date_from", "date_to"):
            try:
                day = datetime.date.fromisoformat(str(value))
            except ValueError:
                pass
            else:
                value = format_date(day, calendar=user_calendar(user), language=translation.get_language())
        elif key == "exploitation_type" and value in ExploitationType.values:
            value = ExploitationType(value).label
        items.append((labels.get(key, key), value))
    return items
