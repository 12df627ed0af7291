"""Server-rendered pages. Thin: reads through cases.selectors, writes through cases.services.

Every page needs a signed-in user. A case out of the user's scope answers 404 (case_get), and so
does every URL below it; a write the user may not make answers 403 (the service refuses).
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.forms import NullBooleanSelect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.services import access_record  # audit (issue 5)
from glo_act.calendar_fields import use_user_calendar
from glo_act.vocabularies import CaseStage, CaseStatus, ExploitationType
from partners.models import Agency, Role
from partners.selectors import user_scope
from victims.models import age_band

from . import services
from .filtersets import CaseFilterSet
from .forms import (
    AgencyChoiceForm,
    BestInterestsForm,
    CaseCloseForm,
    CaseShareForm,
    CaseUnshareForm,
    CaseUpdateForm,
    ConsentForm,
    ConsentWithdrawForm,
    IdentificationForm,
    NoteForm,
    PersonForm,
    ReflectionEndForm,
    ReflectionStartForm,
    RiskAssessmentForm,
    ServiceDeliveryForm,
    SupportPlanForm,
)
from .models import RiskAssessment
from .selectors import case_get, case_list, case_shares, case_visible_to, identity_case_ids
from .timeline import event_text

PAGE_SIZE = 25
REVIEW_DUE_DAYS = 14
CLOSED = [CaseStatus.CLOSED, CaseStatus.CLOSEDREFERRED]


class CaseRow:
    """One case as list pages show it: the name only where the user may see this person's identity."""

    def __init__(self, case, show_identity: bool, countries: dict):
        self.case = case
        self.show_identity = show_identity
        person = case.person
        self.person_reference = person.reference
        self.name_original, self.name_latin = person_names(person) if show_identity else ("", "")
        self.gender = person.get_gender_display()
        self.age_band = age_band(person.age())
        self.citizenships = [countries.get(code, code) for code in person.citizenships]


def person_names(person) -> tuple[str, str]:
    """The name in its original script and in Latin letters, shown apart (mixed scripts reorder)."""
    original = " ".join(p for p in [person.given_name, person.family_name] if p)
    latin = " ".join(p for p in [person.given_name_latin, person.family_name_latin] if p)
    if not original and not latin and person.aliases:
        original = person.aliases[0]
    return original, ("" if latin == original else latin)


def friendly_filters(form):
    """Filter selects say "Any" rather than dashes; yes/no filters say Yes and No."""
    for field in form.fields.values():
        choices = getattr(field, "choices", None)
        if isinstance(field.widget, NullBooleanSelect):
            field.widget.choices = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]
        elif choices is not None:
            if hasattr(field, "empty_label"):
                field.empty_label = _("Any")
            field.widget.choices = [("", _("Any")) if value == "" else (value, label) for value, label in field.choices]
    return form


def _country_names() -> dict:
    from partners.countries import country_names

    return country_names()


def access_record_rows(request, what: str, *row_lists) -> None:
    """Audit: one access-log row for the names a page shows (none when it shows none)."""
    shown = [row.case.id for rows in row_lists for row in rows if row.show_identity]
    access_record(user=request.user, request=request, case_ids=shown, what=what)


def case_rows(user, cases) -> list[CaseRow]:
    """Rows for a page of cases, with one identity check for the whole page."""
    cases = list(cases)
    visible = identity_case_ids(user, [c.id for c in cases]) if cases else set()
    countries = _country_names() if cases else {}
    return [CaseRow(c, c.id in visible, countries) for c in cases]


@login_required
def home(request):
    user = request.user
    scope = user_scope(user)
    context = {"scope": scope, "role_labels": [Role(r).label for r in sorted(scope.roles)]}
    today = timezone.localdate()
    if scope.case_agency_ids:
        own = case_list(user).filter(agency_id__in=sorted(scope.case_agency_ids))
        context["my_cases"] = case_rows(user, own.filter(assigned_to=user).exclude(status__in=CLOSED)[:10])
        context["recent_cases"] = case_rows(user, own[:10])
        latest_review = RiskAssessment.objects.filter(case=OuterRef("pk")).order_by("-assessed_on", "-id")
        due = (
            own.exclude(status__in=CLOSED)
            .annotate(next_review=Subquery(latest_review.values("next_review_on")[:1]))
            .filter(next_review__lte=today + datetime.timedelta(days=REVIEW_DUE_DAYS))
            .order_by("next_review", "id")[:10]
        )
        context["reviews_due"] = case_rows(user, due)
        context["today"] = today
    if scope.grantee_group_ids and not scope.case_agency_ids:
        context["shared_cases"] = case_rows(user, case_list(user)[:25])
    if scope.is_oversight:
        context["counts"] = _oversight_counts(user)
    lists = ("my_cases", "recent_cases", "reviews_due", "shared_cases")
    access_record_rows(request, "home page", *[context.get(k, []) for k in lists])  # audit: names shown
    return render(request, "home.html", context)


def _oversight_counts(user) -> dict:
    """Counts over every case the user sees, in one query; pseudonymous by construction."""
    aggregates = {"total": Count("id"), "child": Count("id", filter=Q(is_child=True))}
    for value, _label in CaseStatus.choices:
        aggregates[f"status_{value}"] = Count("id", filter=Q(status=value))
    for value, _label in CaseStage.choices:
        aggregates[f"stage_{value}"] = Count("id", filter=Q(stage=value))
    for value, _label in ExploitationType.choices:
        aggregates[f"exploitation_{value}"] = Count("id", filter=Q(exploitation_types__contains=[value]))
    result = case_visible_to(user).aggregate(**aggregates)
    return {
        "total": result["total"],
        "child": result["child"],
        "adult": result["total"] - result["child"],
        "status": [(v, label, result[f"status_{v}"]) for v, label in CaseStatus.choices],
        "stage": [(v, label, result[f"stage_{v}"]) for v, label in CaseStage.choices],
        "exploitation": [
            (v, label, result[f"exploitation_{v}"])
            for v, label in ExploitationType.choices
            if result[f"exploitation_{v}"]
        ],
    }


@login_required
def case_list_view(request):
    filterset = CaseFilterSet(request.GET, queryset=case_list(request.user), request=request)
    friendly_filters(use_user_calendar(filterset.form, request.user))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    rows = case_rows(request.user, page.object_list)
    access_record_rows(request, "case list", rows)  # audit: names shown
    return render(
        request,
        "cases/case_list.html",
        {
            "filter": filterset,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
        },
    )


@login_required
def identification_log_view(request):
    """Log an identification: the person, the identification and a case, in one go.

    Likely duplicates (issue 6, cases/duplicates.py): when persons the user may see with identity
    look like the one typed, nothing is saved; the form comes back with the panel "Possible existing
    records" and a signed token of the candidates shown. The caseworker's button ("this is the same
    person" / "none of these") is honoured only when the token covers every candidate found now;
    otherwise, and when no button was pressed, the panel is shown again.
    """
    from . import duplicates

    user = request.user
    scope = user_scope(user)
    if not scope.identify_agency_ids:
        raise PermissionDenied(_("Your role does not log identifications."))
    data = request.POST if request.method == "POST" else None
    agency_form = AgencyChoiceForm(data, agency_ids=scope.identify_agency_ids)
    agencies = list(agency_form.fields["agency"].queryset)
    if not agencies:
        raise PermissionDenied(_("Your role does not log identifications."))
    person_form = PersonForm(data, user=user)
    ident_form = IdentificationForm(data, agency=agencies[0], user=user)
    check, kept = None, ""
    if request.method == "POST":
        valid = [f.is_valid() for f in (agency_form, person_form, ident_form)]
        identified_on = ident_form.cleaned_data.get("identified_on")
        if valid[1]:
            typed = duplicates.typed_person(person_form.cleaned_data, on=identified_on)
            check = duplicates.check(user, typed, request.POST)
        if all(valid) and check.resolved:
            try:
                case = services.identification_log(
                    user=user,
                    agency=agency_form.cleaned_data["agency"],
                    person=person_form.service_data(estimated_on=identified_on),
                    identification=ident_form.service_data(),
                    existing_person=check.chosen_person if check.decision.link_reference else None,
                    duplicates_shown=[d.person for d in check.found],
                )
            except ValidationError as error:
                _split_errors(error, person_form, ident_form)
            else:
                if getattr(case, "linked_to_open_case", False):
                    text = _("Identification added to the person's open case %(ref)s.")
                elif check.decision.link_reference:
                    text = _("Identification logged for the person already registered. Case %(ref)s is open.")
                else:
                    text = _("Identification logged. Case %(ref)s is open.")
                messages.success(request, text % {"ref": case.reference})
                return redirect("case_detail", reference=case.reference)
        if check is not None and check.stale_choice:
            person_form.add_error(
                None, _("The person you chose no longer matches the details typed: check them and choose again.")
            )
        elif check is not None and check.resolved and check.decision.made:
            kept = check.decision.value  # remembered while other fields are corrected
        waiting = all(valid) and check is not None and check.found and not check.resolved
        if not waiting:  # when only the choice is missing, the panel says why nothing was saved
            messages.error(request, _("The identification was not saved. Please correct the marked fields."))
    found = check.found if check is not None else []
    rows = duplicates.candidates(user, found, _typed_data(person_form), chosen=kept)
    if rows:  # audit: the candidates' identities are on the page
        access_record(user=user, request=request, person_ids=[c.person.id for c in rows], what="likely duplicates")
    return render(
        request,
        "cases/identification_form.html",
        {
            "agency_form": agency_form,
            "several_agencies": len(agencies) > 1,
            "person_form": person_form,
            "form": ident_form,
            "duplicates": rows,
            "duplicates_token": duplicates.issue_token(user, [c.person.id for c in rows]) if rows else "",
            "duplicate_kept": kept,
            "duplicate_new": duplicates.NEW,
        },
    )


def _typed_data(person_form) -> dict:
    """The person form's valid values, aliases as a list (for the panel's comparison)."""
    data = dict(getattr(person_form, "cleaned_data", None) or {})
    if isinstance(data.get("aliases"), str):
        data["aliases"] = [a.strip() for a in data["aliases"].split(",") if a.strip()]
    return data


def _split_errors(error: ValidationError, person_form, ident_form) -> None:
    """The service reports person and identification errors together; give each form its own."""
    if not hasattr(error, "error_dict"):
        person_form.add_error(None, error.messages)
        return
    person, ident = {}, {}
    for field, errors in error.error_dict.items():
        (ident if field in ident_form.fields else person)[field] = errors
    if person:
        person_form.add_service_errors(ValidationError(person))
    if ident:
        ident_form.add_service_errors(ValidationError(ident))


PERSON_FORM_FIELDS = list(PersonForm.base_fields)


@login_required
def person_edit_view(request, reference):
    """Correct the person's details; the service checks that the user's agency owns the case."""
    case, access = case_get(request.user, reference)
    if not access.edit:
        raise PermissionDenied(_("Only staff of the case's agency can change the person's details."))
    person = case.person
    if request.method == "POST":
        form = PersonForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.service_data()
            if data.get("estimated_age") == person.estimated_age:
                data["age_estimated_on"] = person.age_estimated_on  # the same estimate keeps its date
            changed = {k: v for k, v in data.items() if getattr(person, k) != v}
            try:
                if changed:
                    services.person_update(user=request.user, case=case, data=changed)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("Personal details saved.") if changed else _("Nothing was changed."))
                return redirect(reverse("case_detail", args=[case.reference]) + "#person")
        messages.error(request, _("Not saved. Please correct the marked fields."))
    else:
        initial = {name: getattr(person, name) for name in PERSON_FORM_FIELDS}
        initial["aliases"] = ", ".join(person.aliases)
        form = PersonForm(initial=initial, user=request.user)
    access_record(user=request.user, request=request, person_ids=[person.id], case_ids=[case.id], what="person edit")
    return render(request, "cases/person_form.html", {"case": case, "person_form": form})


# ---------------------------------------------------------------------------------------------
# Case detail and the forms that post to it


def _forms_for(case, access, user, bound: dict | None = None) -> dict:
    """Unbound forms for what this user may do on this case; `bound` replaces one after errors.

    Every date field reads and shows dates in the user's calendar (issue 6).
    """
    forms = {}
    if access.edit:
        forms.update(
            update_form=CaseUpdateForm(case=case, auto_id=_auto_id("update_form")),
            note_form=NoteForm(auto_id=_auto_id("note_form")),
            consent_form=ConsentForm(auto_id=_auto_id("consent_form")),
            risk_form=RiskAssessmentForm(
                initial={"next_review_on": timezone.localdate() + datetime.timedelta(days=30)},
                auto_id=_auto_id("risk_form"),
            ),
            reflection_form=ReflectionStartForm(auto_id=_auto_id("reflection_form")),
            reflection_end_form=ReflectionEndForm(),
            support_form=SupportPlanForm(auto_id=_auto_id("support_form")),
            identification_form=IdentificationForm(agency=case.agency, auto_id=_auto_id("identification_form")),
            withdraw_form=ConsentWithdrawForm(),
        )
        if case.is_child:
            forms["bid_form"] = BestInterestsForm(auto_id=_auto_id("bid_form"))
        if not case.is_closed:
            forms["close_form"] = CaseCloseForm(auto_id=_auto_id("close_form"))
    if access.supervise:
        forms["share_form"] = CaseShareForm(case=case, auto_id=_auto_id("share_form"))
        forms["unshare_form"] = CaseUnshareForm()
    if access.record_services:
        forms["service_form"] = ServiceDeliveryForm(case=case, auto_id=_auto_id("service_form"))
    for form in forms.values():
        use_user_calendar(form, user)
    forms.update(bound or {})
    return forms


def _auto_id(form_name: str) -> str:
    """Several forms share field names on the case page: give each its own element ids."""
    return form_name.removesuffix("_form").replace("_", "-") + "-%s"


def _timeline(case, access, user) -> list:
    """Each entry written in the reader's language and calendar (cases/timeline.py); a share's reason,
    free text, is left out for pseudonymous readers."""
    language = translation.get_language()
    events = []
    for event in case.events.select_related("actor"):
        text = event_text(event, user=user, language=language, pseudonymous=access.pseudonymous)
        events.append({"when": event.created_at, "actor": event.actor, "action": event.action, "text": text})
    return events


def _render_detail(request, case, access, bound=None, bound_pk=None, status=200):
    person = case.person
    countries = _country_names()
    context = {
        "names": person_names(person),
        "case": case,
        "access": access,
        "person": person,
        "age": person.age(),
        "age_band": age_band(person.age()),
        "citizenships": [countries.get(code, code) for code in person.citizenships],
        "identifications": case.identifications.select_related("country", "province", "agency", "caseworker"),
        "notes": case.notes.select_related("author", "agency"),
        "consents": case.consents.select_related("recorded_by"),
        "risk_assessments": case.risk_assessments.select_related("assessed_by"),
        "reflection_periods": case.reflection_periods.select_related("recorded_by"),
        "support_plans": case.support_plans.select_related("created_by"),
        "services_delivered": case.services.select_related("provider", "recorded_by", "support_plan"),
        "timeline": _timeline(case, access, request.user),
        "best_interests": list(case.best_interests_determinations.select_related("decided_by")),
        "referrals": _referral_rows(request.user, case),
        "shares": case_shares(case) if access.edit else [],
        "bound_pk": bound_pk,
        "today": timezone.localdate(),
    }
    if access.view_identity:
        context["languages"] = [
            label for value, label in PersonForm.base_fields["languages"].choices if value in person.languages
        ]
        context["vulnerabilities"] = [
            label
            for value, label in PersonForm.base_fields["vulnerabilities"].choices
            if value in person.vulnerabilities
        ]
    context.update(_forms_for(case, access, request.user, bound))
    if access.view_identity:  # audit: the person's identity is on the page
        access_record(user=request.user, request=request, person_ids=[person.id], case_ids=[case.id], what="case")
    return render(request, "cases/case_detail.html", context, status=status)


def _referral_rows(user, case) -> list:
    """The referrals of this case (and the one that opened it) that the user may see."""
    from referrals.selectors import referral_list

    rows = referral_list(user).filter(Q(case=case) | Q(linked_case=case))
    return list(rows)


@login_required
def case_detail(request, reference):
    case, access = case_get(request.user, reference)
    return _render_detail(request, case, access)


def _case_action(request, reference, *, form_name, form_class, service, success, anchor, form_kwargs=None, child=None):
    """Validate the form, call the service, then redirect; on errors re-render the case with the input."""
    case, access = case_get(request.user, reference)
    extra = child(case) if child else {}
    kwargs = (form_kwargs or (lambda c: {}))(case)
    form = use_user_calendar(form_class(request.POST, auto_id=_auto_id(form_name), **kwargs), request.user)
    if form.is_valid():
        try:
            service(user=request.user, case=case, **extra, **form.service_data())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, success)
            return redirect(reverse("case_detail", args=[case.reference]) + f"#{anchor}")
    messages.error(request, _("Not saved. Please correct the marked fields."))
    # The service may have changed nothing, but re-read so the page shows the stored state.
    case, access = case_get(request.user, reference)
    pk = next(iter(extra.values())).pk if extra else None
    return _render_detail(request, case, access, bound={form_name: form}, bound_pk=pk, status=200)


@login_required
@require_POST
def case_update_view(request, reference):
    return _case_action(
        request,
        reference,
        form_name="update_form",
        form_class=CaseUpdateForm,
        service=services.case_update,
        success=_("Case updated."),
        anchor="status",
        form_kwargs=lambda c: {"case": c},
    )


@login_required
@require_POST
def case_close_view(request, reference):
    return _case_action(
        request,
        reference,
        form_name="close_form",
        form_class=CaseCloseForm,
        service=services.case_close,
        success=_("Case closed."),
        anchor="status",
    )


@login_required
@require_POST
def note_add_view(request, reference):
    return _case_action(
        request,
        reference,
        form_name="note_form",
        form_class=NoteForm,
        service=services.case_note_add,
        success=_("Note added."),
        anchor="notes",
    )


@login_required
@require_POST
def identification_add_view(request, reference):
    def call(*, user, case, **data):
        return services.identification_add(user=user, case=case, data=data)

    return _case_action(
        request,
        reference,
        form_name="identification_form",
        form_class=IdentificationForm,
        service=call,
        success=_("Identification recorded."),
        anchor="identifications",
    )


@login_required
@require_POST
def consent_add_view(request, reference):
    return _case_action(
        request,
        reference,
        form_name="consent_form",
        form_class=ConsentForm,
        service=services.consent_record,
        success=_("Consent recorded."),
        anchor="consents",
    )


@login_required
@require_POST
def consent_withdraw_view(request, reference, pk):
    return _case_action(
        request,
        reference,
        form_name="withdraw_form",
        form_class=ConsentWithdrawForm,
        service=services.consent_withdraw,
        success=_("Consent withdrawn."),
        anchor="consents",
        child=lambda case: {"consent": get_object_or_404(case.consents, pk=pk)},
    )


@login_required
@require_POST
def risk_assessment_add_view(request, reference):
    return _case_action(
        request,
        reference,
        form_name="risk_form",
        form_class=RiskAssessmentForm,
        service=services.risk_assessment_add,
        success=_("Risk assessment added."),
        anchor="risk",
    )


@login_required
@require_POST
def best_interests_add_view(request, reference):
    return _case_action(
        request,
        reference,
        form_name="bid_form",
        form_class=BestInterestsForm,
        service=services.best_interests_determination_add,
        success=_("Best-interests determination recorded."),
        anchor="best-interests",
    )


@login_required
@require_POST
def reflection_start_view(request, reference):
    return _case_action(
        request,
        reference,
        form_name="reflection_form",
        form_class=ReflectionStartForm,
        service=services.reflection_period_start,
        success=_("Reflection period started."),
        anchor="reflection",
    )


@login_required
@require_POST
def reflection_end_view(request, reference, pk):
    return _case_action(
        request,
        reference,
        form_name="reflection_end_form",
        form_class=ReflectionEndForm,
        service=services.reflection_period_end,
        success=_("Reflection period ended."),
        anchor="reflection",
        child=lambda case: {"period": get_object_or_404(case.reflection_periods, pk=pk)},
    )


@login_required
@require_POST
def support_plan_add_view(request, reference):
    return _case_action(
        request,
        reference,
        form_name="support_form",
        form_class=SupportPlanForm,
        service=services.support_plan_add,
        success=_("Support plan added."),
        anchor="support",
    )


@login_required
@require_POST
def service_delivery_add_view(request, reference):
    return _case_action(
        request,
        reference,
        form_name="service_form",
        form_class=ServiceDeliveryForm,
        service=services.service_delivery_record,
        success=_("Service recorded."),
        anchor="services",
        form_kwargs=lambda c: {"case": c},
    )


@login_required
@require_POST
def case_share_view(request, reference):
    return _case_action(
        request,
        reference,
        form_name="share_form",
        form_class=CaseShareForm,
        service=services.case_share,
        success=_("Case shared."),
        anchor="shares",
        form_kwargs=lambda c: {"case": c},
    )


@login_required
@require_POST
def case_unshare_view(request, reference, agency):
    return _case_action(
        request,
        reference,
        form_name="unshare_form",
        form_class=CaseUnshareForm,
        service=services.case_unshare,
        success=_("Share ended."),
        anchor="shares",
        child=lambda case: {"agency": get_object_or_404(Agency, short_name=agency)},
    )


# ---------------------------------------------------------------------------------------------
# Likely duplicates while typing (issue 6): the identification form's script asks for the panel


@login_required
@require_POST
def identification_duplicates_view(request):
    """JSON for static/js/duplicates.js: the "Possible existing records" panel for what is typed.

    POST (the form's own fields and CSRF token: names never travel in a URL), session sign-in.
    Only persons the user may see with identity are looked at (cases.duplicates); others are neither
    shown nor counted. The answer carries the panel's HTML (translated, in the user's calendar) and a
    token of the candidates shown; the form's server-side check stays the authority.
    """
    from django.http import JsonResponse
    from django.template.loader import render_to_string

    from . import duplicates

    user = request.user
    scope = user_scope(user)
    if not scope.identify_agency_ids:
        raise PermissionDenied(_("Your role does not log identifications."))
    person_form = PersonForm(request.POST, user=user)
    ident_form = IdentificationForm(request.POST, user=user)
    person_form.is_valid()
    ident_form.is_valid()
    typed_data = _typed_data(person_form)
    typed = duplicates.typed_person(typed_data, on=ident_form.cleaned_data.get("identified_on"))
    rows = duplicates.candidates(user, duplicates.find(user, typed), typed_data)
    if not rows:
        response = JsonResponse({"count": 0, "candidates": [], "token": "", "html": ""})
    else:
        access_record(user=user, request=request, person_ids=[c.person.id for c in rows], what="likely duplicates")
        context = {"duplicates": rows, "duplicate_new": duplicates.NEW}
        html = render_to_string("cases/duplicates_panel.html", context, request=request)
        response = JsonResponse(
            {
                "count": len(rows),
                "candidates": [{"person": c.reference, "cases": c.case_references} for c in rows],
                "token": duplicates.issue_token(user, [c.person.id for c in rows]),
                "html": html,
            }
        )
    response["Cache-Control"] = "no-store"
    return response
