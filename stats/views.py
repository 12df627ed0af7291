"""The dashboard page (/stats/). Thin: the figures come from stats.selectors, the SVG from stats.charts."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from glo_act.calendars import SOLAR_HIJRI, localise_digits
from glo_act.vocabularies import ExploitationType

from . import charts
from .selectors import Dashboard, _month_end, dashboard_scope, month_input_value

CASELOAD_BARS = 25
EXPORTS = [
    ("glotip", "UNODC GLOTIP", ["date_from", "date_to", "country"]),  # names of standards: not translated
    ("ctdc", "CTDC", ["date_from", "date_to", "country"]),
    ("htcds", gettext_lazy("HTCDS case records"), ["date_from", "date_to", "country", "agency", "exploitation_type"]),
]


@login_required
def dashboard_view(request):
    scope = dashboard_scope(request.user)
    if scope is None:
        raise PermissionDenied(_("Dashboards are for programme managers, auditors and agency supervisors."))
    board = Dashboard(request.user, request.GET, scope=scope)
    figs = board.all_figures()
    t = board.threshold
    f = board.filters

    monthly = figs["identifications-by-month"]
    countries = monthly.columns()
    groups = [(charts.month_label(row["code"], short=True), row["cells"]) for row in monthly.rows()]
    language = translation.get_language() or "en"
    solar_hijri = board.calendar == SOLAR_HIJRI
    expl = figs["by-exploitation"]
    expl_items = [
        (expl.labels["exploitation_type"][c.keys["exploitation_type"]], c, c.link)
        for c in expl.cells if c.keys["group"] == "all"
    ]  # fmt: skip
    highlight = expl.labels["exploitation_type"].get(f.exploitation, "")
    caseload = figs["caseload"]
    caseload_items = [(c.keys["agency"], c, c.link) for c in caseload.cells if c.keys["measure"] == "opened"]
    caseload_more = max(len(caseload_items) - CASELOAD_BARS, 0)  # the table lists them all
    sexage = figs["by-sex-age"]
    flows = figs["cross-border-flows"]
    context = {
        "board": board,
        "filters": f,
        "solar_hijri": solar_hijri,
        "month_from_value": month_input_value(f.month_from, board.calendar, language),
        "month_to_value": month_input_value(f.month_to, board.calendar, language),
        "month_placeholder": localise_digits("1405/01", language),
        "period_start": _month_name(f.month_from, language),
        "period_end": _month_name(f.month_to, language),
        "flows_corner": _("From \\ To"),
        "figs": {slug.replace("-", "_"): fig for slug, fig in figs.items()},
        "monthly": monthly,
        "monthly_rows": _heat_rows(monthly),
        "monthly_chart": charts.grouped_columns(monthly.title, groups, [c["label"] for c in countries], threshold=t),
        "expl_chart": charts.hbar_chart(expl.title, expl_items, threshold=t, series=0, highlight=highlight),
        "expl_rows": _pairs(expl, "exploitation_type", "group"),
        "context_chart": charts.hbar_chart(
            figs["contexts"].title,
            [(figs["contexts"].labels["context"][c.keys["context"]], c, "") for c in figs["contexts"].cells],
            threshold=t,
            series=2,
        ),  # fmt: skip
        "funnel_chart": charts.hbar_chart(
            figs["referral-funnel"].title,
            [(figs["referral-funnel"].labels["stage"][c.keys["stage"]], c, "") for c in figs["referral-funnel"].cells],
            threshold=t,
            series=1,
        ),  # fmt: skip
        "caseload_chart": charts.hbar_chart(
            caseload.title, caseload_items[:CASELOAD_BARS], threshold=t, series=3, highlight=f.agency, width=1100
        ),
        "caseload_more": caseload_more,
        "caseload_rows": _pairs(caseload, "agency", "measure"),
        "services_chart": charts.hbar_chart(
            figs["services"].title,
            [(figs["services"].labels["service"][c.keys["service"]], c, "") for c in figs["services"].cells],
            threshold=t,
            series=4,
        ),  # fmt: skip
        "sexage_rows": _heat_rows(sexage),
        "flows_rows": _heat_rows(flows),
        "children_meter": charts.meter(monthly.measures["children_share"]),
        "smuggled_meter": charts.meter(monthly.measures["smuggled_share"]),
        "exploitation_choices": ExploitationType.choices,
        "exports": _export_links(board),
        "rollup_state": board.rollup_state,
    }
    return render(request, "stats/dashboard.html", context)


def _month_name(month, language) -> str:
    """A Gregorian month for the page's heading ("April 2026"), in the language and its digits. The
    figures count Gregorian months, so the heading names them also for a Solar Hijri reader."""
    return localise_digits(f"{MONTHS[month.month]} {month.year}", language)


def _pairs(fig, row_dim, col_dim):
    """Rows of a figure whose cells come in (row, column) pairs, for its table view."""
    by_row = {}
    for cell in fig.cells:
        by_row.setdefault(cell.keys[row_dim], {})[cell.keys[col_dim]] = cell
    return [
        {
            "label": fig.labels[row_dim].get(code, code),
            "code": code,
            "cells": [by_row[code].get(c) for c in fig.labels[col_dim]],
        }
        for code in fig.labels[row_dim]
        if code in by_row
    ]


def _heat_rows(fig):
    max_value = fig.max_value
    rows = []
    for row in fig.rows():
        rows.append({
            "label": row["label"],
            "cells": [(cell, charts.heat_class(cell, max_value)) for cell in row["cells"]],
            "total": row["total"],
        })  # fmt: skip
    return rows


def _export_links(board):
    f = board.filters
    values = {
        "date_from": f.month_from.isoformat(),
        "date_to": _month_end(f.month_to).isoformat(),
        "country": f.country,
        "agency": f.agency,
        "exploitation_type": f.exploitation,
    }
    from .exports import may_export

    links = []
    for kind, label, params in EXPORTS:
        if not may_export(board.user, kind):
            continue  # offer only what the user may download (HTCDS needs identity access)
        if kind == "htcds":  # identifying: requested, approved by another supervisor, downloaded encrypted
            links.append({"kind": kind, "label": label, "urls": [(_("Request"), reverse("export_request_new"))]})
            continue
        query = urlencode({k: values[k] for k in params if values[k]})
        try:
            urls = [(fmt.upper(), reverse("stats_export", kwargs={"kind": kind, "format": fmt}) + "?" + query)
                    for fmt in ("csv", "xlsx")]  # fmt: skip
        except NoReverseMatch:  # the exports are not installed
            return []
        links.append({"kind": kind, "label": label, "urls": urls})
    return links
