"""The auditors' pages: changes, views of identities, security events (server-rendered, no script)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from glo_act.calendar_fields import use_user_calendar

from .display import TABLE_MODELS, field_changes, what_label
from .filtersets import TRACKED_TABLES, AccessFilterSet, ChangeFilterSet, SecurityFilterSet
from .selectors import access_list, audit_scope, change_list, security_list

TABS = {
    "changes": (gettext_lazy("Changes"), ChangeFilterSet, change_list),
    "access": (gettext_lazy("Identity access"), AccessFilterSet, access_list),
    "security": (gettext_lazy("Security"), SecurityFilterSet, security_list),
}
RECORD_LABELS = dict(TRACKED_TABLES)


@login_required
def audit_home(request):
    if not audit_scope(request.user).allowed:
        raise PermissionDenied(_("The audit trail is for auditors and administrators."))
    return redirect("audit_changes")


def _tab(request, tab: str):
    scope = audit_scope(request.user)
    if not scope.allowed:
        raise PermissionDenied(_("The audit trail is for auditors and administrators."))
    title, filterset_class, selector = TABS[tab]
    filterset = filterset_class(request.GET or None, queryset=selector(request.user))
    use_user_calendar(filterset.form, request.user)  # dates typed in the user's calendar, any digits
    queryset = filterset.qs if filterset.is_bound else filterset.queryset
    page = Paginator(queryset, settings.AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    references = _case_references(rows)
    for row in rows:
        row.case_references = [references[i] for i in getattr(row, "case_ids", ()) if i in references]
        if tab == "changes":
            row.changes = field_changes(row)
            model = TABLE_MODELS.get(row.table_name, row.table_name).split(".")[-1]
            row.record_label = RECORD_LABELS.get(row.table_name, model)
        elif tab == "access":
            row.what_label = what_label(row.what)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        f"audit/{tab}.html",
        {
            "tab": tab,
            "tabs": [(key, label) for key, (label, _f, _s) in TABS.items()],
            "title": title,
            "filter": filterset,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
            "audit_scope": scope,
        },
    )


def _case_references(rows) -> dict[int, str]:
    """Case references for the page's rows, in one query (none for security events)."""
    from cases.models import Case

    ids = {i for row in rows for i in getattr(row, "case_ids", ())}
    return dict(Case.objects.filter(id__in=ids).values_list("id", "reference")) if ids else {}


@login_required
def audit_changes(request):
    return _tab(request, "changes")


@login_required
def audit_access(request):
    return _tab(request, "access")


@login_required
def audit_security(request):
    return _tab(request, "security")
