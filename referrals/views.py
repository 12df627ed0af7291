"""Server-rendered referral pages and the notification inbox. Thin: reads through
referrals.selectors, writes through referrals.services.

- a referral out of the user's scope answers 404 (referral_get), and so does every action URL below it;
- an action the user may not take answers 403 (the service raises PermissionDenied);
- a move the state machine refuses answers 409 with the service's message (InvalidTransition);
- bad input re-renders the page with the errors next to the fields, nothing written.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case as CaseWhen
from django.db.models import IntegerField, Q, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from audit.services import access_record  # audit (issue 5)
from cases.models import RiskAssessment
from cases.selectors import case_get, case_visible_to
from cases.services import valid_consent
from cases.views import person_names
from glo_act.vocabularies import ConsentPurpose, Language, Service
from victims.models import age_band

from . import services
from .emails import notification_text
from .forms import AssignForm, CompleteForm, DeclineForm, ReasonForm, ReferralForm, SendForm
from .models import Notification, Referral, State
from .selectors import referral_get, referral_list, referral_scope

PAGE_SIZE = 25
ACTION_LABELS = {
    "created": gettext_lazy("Draft created"),
    "sent": gettext_lazy("Sent"),
    "approved": gettext_lazy("Approved by the origin country's focal point"),
    "sent_back": gettext_lazy("Sent back to the sender"),
    "assigned": gettext_lazy("Assigned to a receiving agency"),
    "accepted": gettext_lazy("Accepted"),
    "declined": gettext_lazy("Declined"),
    "completed": gettext_lazy("Completed"),
    "withdrawn": gettext_lazy("Withdrawn"),
    "expired": gettext_lazy("Expired unanswered"),
}
WITHDRAWABLE = {State.ORIGIN_FOCAL, State.DESTINATION_FOCAL, State.SENT, State.ACCEPTED}


def service_labels(values) -> list[str]:
    return [str(Service(v).label) if v in Service.values else v for v in values]


# ---------------------------------------------------------------------------------------------
# Refer a case


def consent_status(case) -> dict:
    """Valid consent, per purpose, for the consent check shown before sending."""
    return {
        "national": valid_consent(case, ConsentPurpose.NATIONAL_REFERRAL),
        "cross_border": valid_consent(case, ConsentPurpose.CROSS_BORDER_REFERRAL),
    }


@login_required
def referral_new_view(request, reference):
    """The "Refer" form on a case. GET with the destination and services filters the agencies;
    POST creates the draft and, unless "Save draft" was pressed, sends it in the same transaction."""
    case, access = case_get(request.user, reference)
    if not access.edit:
        raise PermissionDenied(_("Only staff of the case's agency can refer it."))
    status = 200
    if request.method == "POST":
        form = ReferralForm(request.POST, case=case, can_override=access.supervise)
        send = request.POST.get("action") != "draft"
        if form.is_valid():
            try:
                with transaction.atomic():
                    referral = services.referral_create(user=request.user, case=case, **form.service_data())
                    if send:
                        override = form.cleaned_data.get("override_reason") or ""
                        referral = services.referral_send(
                            user=request.user, referral=referral, override_reason=override
                        )
            except ValidationError as error:
                form.add_service_errors(error)
            except services.InvalidTransition as error:
                messages.error(request, str(error))
                status = 409
            else:
                if not send:
                    text = _("Referral %(ref)s saved as a draft. It is not sent yet.")
                elif referral.state == State.ORIGIN_FOCAL:
                    text = _("Referral %(ref)s sent to your country's national focal point for approval.")
                else:
                    text = _("Referral %(ref)s sent to %(agency)s.")
                agency = referral.to_agency.short_name if referral.to_agency else ""
                messages.success(request, text % {"ref": referral.reference, "agency": agency})
                return redirect("referral_detail", reference=referral.reference)
        if status != 409:
            messages.error(request, _("The referral was not sent. Please correct the marked fields."))
    else:
        if "csrfmiddlewaretoken" in request.GET:
            # The no-script "Show matching agencies" button submits the whole form by GET: keep the
            # CSRF token out of the address bar and the logs.
            query = request.GET.copy()
            del query["csrfmiddlewaretoken"]
            return redirect(f"{request.path}?{query.urlencode()}")
        initial = {}
        if request.GET.get("to_country"):
            initial = {k: request.GET.get(k) for k in ("to_country", "to_agency", "reason", "urgency", "message")}
            initial["services"] = request.GET.getlist("services")
            initial["share_identity"] = request.GET.get("share_identity") == "on"
            initial = {k: v for k, v in initial.items() if v not in (None, "")}
        narrow = bool(request.GET.get("filter"))
        form = ReferralForm(initial=initial, case=case, can_override=access.supervise, narrow=narrow)
    person = case.person
    context = {
        "case": case,
        "access": access,
        "form": form,
        "names": person_names(person),
        "consent": consent_status(case),
        "home_country": case.agency.country_id,
        "cross_border": form.is_cross_border,
    }
    access_record(user=request.user, request=request, case_ids=[case.id], what="referral form")  # audit: names shown
    return render(request, "referrals/referral_form.html", context, status=status)


# ---------------------------------------------------------------------------------------------
# Lists


def _tabs(user) -> list[tuple[str, str]]:
    rs = referral_scope(user)
    tabs = []
    if rs.receiver_agency_ids:
        tabs.append(("incoming", _("Incoming")))
    if rs.sender_agency_ids:
        tabs.append(("outgoing", _("Outgoing")))
    if rs.focal_country_codes:
        tabs.append(("focal", _("Focal point queue")))
    if rs.oversight_country_codes:
        tabs.append(("all", _("All")))
    return tabs


def _tab_queryset(user, tab: str):
    rs = referral_scope(user)
    qs = referral_list(user)
    if tab == "incoming":
        waiting = When(state=State.SENT, then=Value(0))
        return (
            qs.filter(to_agency_id__in=sorted(rs.receiver_agency_ids), delivered_at__isnull=False)
            .annotate(
                _order=CaseWhen(
                    waiting, When(state=State.ACCEPTED, then=Value(1)), default=Value(2), output_field=IntegerField()
                )
            )
            .order_by("_order", "response_deadline", "-created_at", "-id")
        )
    if tab == "outgoing":
        return qs.filter(from_agency_id__in=sorted(rs.sender_agency_ids))
    if tab == "focal":
        countries = sorted(rs.focal_country_codes)
        return qs.filter(
            Q(state=State.ORIGIN_FOCAL, from_agency__country_id__in=countries)
            | Q(state=State.DESTINATION_FOCAL, to_country_id__in=countries),
            is_cross_border=True,
        ).order_by("response_deadline", "id")
    return qs


class Row:
    def __init__(self, referral: Referral, now):
        self.referral = referral
        self.services = service_labels(referral.services)
        self.overdue = bool(
            referral.response_deadline
            and referral.state in {State.ORIGIN_FOCAL, State.DESTINATION_FOCAL, State.SENT}
            and referral.response_deadline < now
        )


@login_required
def referral_list_view(request):
    tabs = _tabs(request.user)
    if not tabs:
        raise PermissionDenied(_("Your role has no referrals."))
    keys = [key for key, _label in tabs]
    counts = {}
    if "incoming" in keys:
        counts["incoming"] = _tab_queryset(request.user, "incoming").filter(state=State.SENT).count()
    if "focal" in keys:
        counts["focal"] = _tab_queryset(request.user, "focal").count()
    # By default, whatever waits for this user's answer; otherwise what they sent.
    waiting = [key for key in ("incoming", "focal") if counts.get(key)]
    default = waiting[0] if waiting else ("outgoing" if "outgoing" in keys else keys[0])
    tab = request.GET.get("tab") if request.GET.get("tab") in keys else default
    page = Paginator(_tab_queryset(request.user, tab), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(
        request,
        "referrals/referral_list.html",
        {
            "tabs": [(key, label, counts.get(key)) for key, label in tabs],
            "tab": tab,
            "page": page,
            "rows": [Row(r, now) for r in page.object_list],
            "query": f"tab={tab}",
        },
    )


# ---------------------------------------------------------------------------------------------
# One referral


def shared_data(referral: Referral, role) -> dict:
    """What the receiving side sees: the minimum always; identity only when shared and the viewer
    is the sender or the receiver."""
    case = referral.case
    person = case.person
    age = person.age()
    latest = RiskAssessment.objects.filter(case=case).order_by("-assessed_on", "-id").first()
    data = {
        "case_reference": case.reference,
        "sex": person.get_gender_display(),
        "age_band": age_band(age),
        "is_child": case.is_child,
        "services": service_labels(referral.services),
        "risk_level": latest.get_risk_level_display() if latest else None,
        "risk_to_life": bool(latest and "RiskToLife" in latest.risk_factors),
        "languages": [str(Language(v).label) if v in Language.values else v for v in person.languages],
        "identity": None,
    }
    if referral.share_identity and role.sees_shared_identity:
        original, latin = person_names(person)
        data["identity"] = {
            "name": original,
            "name_latin": latin,
            "father_name": person.father_name,
            "date_of_birth": person.date_of_birth,
            "phone": person.phone,
            "email": person.email,
        }
    return data


def _forms(referral: Referral, role, user) -> dict:
    forms = {}
    state = referral.state
    if role.sender and state == State.DRAFT:
        forms["send_form"] = SendForm(auto_id="send-%s")
    if role.receiver and state == State.SENT:
        forms["accept"] = True
        forms["decline_form"] = DeclineForm(auto_id="decline-%s")
    if role.receiver and state == State.ACCEPTED:
        forms["complete_form"] = CompleteForm(auto_id="complete-%s")
    if role.sender and state in WITHDRAWABLE:
        forms["withdraw_form"] = ReasonForm(auto_id="withdraw-%s")
    if role.origin_focal and state == State.ORIGIN_FOCAL:
        forms["approve"] = True
        forms["send_back_form"] = ReasonForm(auto_id="send-back-%s")
    if role.destination_focal and state == State.DESTINATION_FOCAL:
        forms["assign_form"] = AssignForm(referral=referral, auto_id="assign-%s")
        forms["decline_form"] = DeclineForm(auto_id="decline-%s")
    return forms


def _approval_checks(referral: Referral) -> list[tuple[str, bool]]:
    case = referral.case
    checks = [
        (
            _("Consent for a cross-border referral"),
            valid_consent(case, ConsentPurpose.CROSS_BORDER_REFERRAL) is not None or referral.consent_overridden,
        ),
        (
            _("Risk assessment of the return"),
            RiskAssessment.objects.filter(case=case, is_return_assessment=True).exists(),
        ),
    ]
    if case.is_child:
        checks.append((_("Best-interests determination (child)"), case.best_interests_determinations.exists()))
    return checks


def _render_referral(request, referral, role, bound=None, status=200):
    user = request.user
    visible = set(
        case_visible_to(user)
        .filter(pk__in=[referral.case_id, referral.linked_case_id or 0])
        .values_list("pk", flat=True)
    )
    # Free text (message, reasons, feedback) may name the person: only the two agencies see it,
    # as in the API; focal points and oversight work from the minimum shared data.
    parties = role.sender or role.receiver
    forms = _forms(referral, role, user)
    forms.update(bound or {})
    context = {
        "referral": referral,
        "role": role,
        "shared": shared_data(referral, role),
        "show_text": parties,
        "case_link": referral.case_id in visible,
        "linked_case_link": referral.linked_case_id in visible,
        "events": [
            (e, ACTION_LABELS.get(e.action, e.action)) for e in referral.events.select_related("actor", "actor_agency")
        ],
        "now": timezone.now(),
        "overdue": Row(referral, timezone.now()).overdue,
        **forms,
    }
    if role.sender and referral.state == State.DRAFT:
        context["consent_check"] = services.consent_check(referral)
        context["can_override"] = role.sender_supervisor
    if role.origin_focal and referral.state == State.ORIGIN_FOCAL:
        context["approval_checks"] = _approval_checks(referral)
    if context["shared"]["identity"]:  # audit (issue 5): the shared identity is on the page
        access_record(user=user, request=request, case_ids=[referral.case_id], what="referral")
    return render(request, "referrals/referral_detail.html", context, status=status)


@login_required
def referral_detail_view(request, reference):
    referral, role = referral_get(request.user, reference)
    return _render_referral(request, referral, role)


def _action(request, reference, *, who, form_class=None, form_name=None, call, success, form_kwargs=None):
    """Validate, call the service, redirect. 404 out of scope, 403 wrong actor, 409 illegal move,
    errors next to the fields otherwise. `who` turns away the wrong role before the input is
    looked at (the service checks it again, with the state, under the row lock)."""
    referral, role = referral_get(request.user, reference)
    if not who(role):
        raise PermissionDenied(_("Your role cannot do this on referral %(ref)s.") % {"ref": referral.reference})
    form = None
    data = {}
    if form_class is not None:
        form = form_class(
            request.POST,
            auto_id=f"{form_name.removesuffix('_form').replace('_', '-')}-%s",
            **(form_kwargs(referral) if form_kwargs else {}),
        )
        if not form.is_valid():
            messages.error(request, _("Not saved. Please correct the marked fields."))
            return _render_referral(request, referral, role, bound={form_name: form})
        data = form.cleaned_data
    try:
        call(referral, data)
    except services.InvalidTransition as error:
        messages.error(request, str(error))
        referral, role = referral_get(request.user, reference)
        return _render_referral(request, referral, role, status=409)
    except ValidationError as error:
        referral, role = referral_get(request.user, reference)
        if form is None:
            messages.error(request, " ".join(error.messages))
            return _render_referral(request, referral, role)
        form.add_service_errors(error)
        messages.error(request, _("Not saved. Please correct the marked fields."))
        return _render_referral(request, referral, role, bound={form_name: form})
    referral.refresh_from_db()
    text = success % {"ref": referral.reference}
    if referral.state == State.ACCEPTED and referral.linked_case_id:
        text += " " + _("Case %(case)s is open for your agency with what was shared.") % {
            "case": referral.linked_case.reference
        }
    elif referral.state == State.ACCEPTED and "accept" in request.path:
        text += " " + _("Your agency can now see the shared part of the case and record services.")
    messages.success(request, text)
    return redirect("referral_detail", reference=referral.reference)


@login_required
@require_POST
def referral_send_view(request, reference):
    return _action(
        request,
        reference,
        who=lambda r: r.sender,
        form_class=SendForm,
        form_name="send_form",
        call=lambda r, d: services.referral_send(
            user=request.user, referral=r, override_reason=d.get("override_reason", "")
        ),
        success=_("Referral %(ref)s sent."),
    )


@login_required
@require_POST
def referral_accept_view(request, reference):
    return _action(
        request,
        reference,
        who=lambda r: r.receiver,
        call=lambda r, d: services.referral_accept(user=request.user, referral=r),
        success=_("Referral %(ref)s accepted."),
    )


@login_required
@require_POST
def referral_decline_view(request, reference):
    return _action(
        request,
        reference,
        who=lambda r: r.receiver or r.destination_focal,
        form_class=DeclineForm,
        form_name="decline_form",
        call=lambda r, d: services.referral_decline(
            user=request.user, referral=r, reason=d["reason"], details=d["details"].strip()
        ),
        success=_("Referral %(ref)s declined."),
    )


@login_required
@require_POST
def referral_complete_view(request, reference):
    return _action(
        request,
        reference,
        who=lambda r: r.receiver,
        form_class=CompleteForm,
        form_name="complete_form",
        call=lambda r, d: services.referral_complete(
            user=request.user, referral=r, successful=d["successful"], reason=d["reason"], feedback=d["feedback"]
        ),
        success=_("Referral %(ref)s completed."),
    )


@login_required
@require_POST
def referral_withdraw_view(request, reference):
    return _action(
        request,
        reference,
        who=lambda r: r.sender,
        form_class=ReasonForm,
        form_name="withdraw_form",
        call=lambda r, d: services.referral_withdraw(user=request.user, referral=r, reason=d["reason"]),
        success=_("Referral %(ref)s withdrawn."),
    )


@login_required
@require_POST
def referral_approve_view(request, reference):
    return _action(
        request,
        reference,
        who=lambda r: r.origin_focal,
        call=lambda r, d: services.referral_approve(user=request.user, referral=r),
        success=_("Referral %(ref)s approved and passed to the destination country's focal point."),
    )


@login_required
@require_POST
def referral_send_back_view(request, reference):
    return _action(
        request,
        reference,
        who=lambda r: r.origin_focal,
        form_class=ReasonForm,
        form_name="send_back_form",
        call=lambda r, d: services.referral_send_back(user=request.user, referral=r, reason=d["reason"]),
        success=_("Referral %(ref)s sent back to the sending agency."),
    )


@login_required
@require_POST
def referral_assign_view(request, reference):
    return _action(
        request,
        reference,
        who=lambda r: r.destination_focal,
        form_class=AssignForm,
        form_name="assign_form",
        form_kwargs=lambda r: {"referral": r},
        call=lambda r, d: services.referral_assign(user=request.user, referral=r, to_agency=d["to_agency"]),
        success=_("Referral %(ref)s assigned."),
    )


# ---------------------------------------------------------------------------------------------
# Notifications


def unread_count(request) -> int:
    """The signed-in user's unread notifications: one query, remembered for the request."""
    user = request.user
    if not user.is_authenticated:
        return 0
    cached = getattr(request, "_glo_act_unread", None)
    if cached is None:
        cached = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        request._glo_act_unread = cached
    return cached


@login_required
def notification_list_view(request):
    qs = Notification.objects.filter(recipient=request.user).select_related("referral", "referral__case")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    items = [{"n": n, "text": notification_text(n)} for n in page.object_list]
    return render(request, "referrals/notification_list.html", {"page": page, "items": items, "query": ""})


@login_required
def notification_open_view(request, pk):
    """Open a notification: it is read now; go to its referral."""
    notification = get_object_or_404(Notification.objects.select_related("referral"), pk=pk, recipient=request.user)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("referral_detail", reference=notification.referral.reference)


@login_required
@require_POST
def notification_read_view(request, pk):
    Notification.objects.filter(pk=pk, recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
    get_object_or_404(Notification, pk=pk, recipient=request.user)
    return redirect(reverse("notification_list"))


@login_required
@require_POST
def notification_read_all_view(request):
    count = Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": count})
    return redirect("notification_list")
