"""GET /api/v1/stats/<figure>/: the dashboard's figures, with the same filters, scope and suppression."""

import datetime

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from stats.selectors import FIGURES, Cell, Dashboard, dashboard_scope

from .serializers import FigureSerializer

FILTER_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.STR, description="First month, YYYY-MM (default: 11 months before `to`)."),
    OpenApiParameter("to", OpenApiTypes.STR, description="Last month, YYYY-MM (default: this month)."),
    OpenApiParameter("country", OpenApiTypes.STR, description="ISO 3166 alpha-2 code, within your scope."),
    OpenApiParameter("agency", OpenApiTypes.STR, description="Agency short name, within your scope."),
    OpenApiParameter("exploitation_type", OpenApiTypes.STR, description="An ExploitationType code."),
]


def _value(cell: Cell) -> dict:
    keys = {k: (v.strftime("%Y-%m") if isinstance(v, datetime.date) else str(v)) for k, v in cell.keys.items()}
    return {"keys": keys, "value": cell.number, "display": cell.display, "suppressed": cell.suppressed}


def figure_data(board: Dashboard, slug: str) -> dict:
    fig = board.figure(slug)
    labels = {
        dim: {
            (c.strftime("%Y-%m") if isinstance(c, datetime.date) else str(c)): str(label) for c, label in codes.items()
        }
        for dim, codes in fig.labels.items()
    }
    measures = {name: (_value(m) if isinstance(m, Cell) else m) for name, m in fig.measures.items()}
    return {
        "figure": fig.slug,
        "title": str(fig.title),
        "note": str(fig.note),
        "filters": board.filters.as_params(),
        "suppression_applied": board.suppress,
        "threshold": board.threshold,
        "dimensions": fig.dimensions,
        "labels": labels,
        "cells": [_value(c) for c in fig.cells],
        "totals": [_value(c) for c in fig.totals],
        "measures": measures,
    }


class StatsFigureView(APIView):
    """One dashboard figure. Programme managers and auditors (their country or the region) and agency
    supervisors (their agencies); anyone else gets 403. Counts are suppressed as on the dashboard."""

    figure = ""

    @extend_schema(parameters=FILTER_PARAMETERS, responses=FigureSerializer, tags=["stats"])
    def get(self, request, *args, **kwargs):
        scope = dashboard_scope(request.user)
        if scope is None:
            raise exceptions.PermissionDenied("Statistics are for programme managers, auditors and supervisors.")
        board = Dashboard(request.user, request.query_params, scope=scope)
        if board.filters.errors:
            raise exceptions.ValidationError({"filters": list(board.filters.errors)})
        return Response(figure_data(board, self.figure))


def figure_views():
    """One view class per figure, so that each has its own path and operation id in the schema."""
    views = []
    for slug in FIGURES:
        name = "Stats" + "".join(part.title() for part in slug.split("-")) + "View"
        doc = f"GET the `{slug}` figure of the dashboard (scoped, filtered, suppressed)."
        views.append((slug, type(name, (StatsFigureView,), {"figure": slug, "__doc__": doc})))
    return views


class ExportView(APIView):
    """GET /api/v1/stats/exports/<kind>.<format>: the same exports as the dashboard's links, with the
    same roles, scope, suppression and record (stats.exports). Filters: date_from, date_to (YYYY-MM-DD),
    country; HTCDS also agency and exploitation_type."""

    @extend_schema(
        parameters=[
            OpenApiParameter("date_from", OpenApiTypes.DATE),
            OpenApiParameter("date_to", OpenApiTypes.DATE),
            OpenApiParameter("country", OpenApiTypes.STR),
            OpenApiParameter("agency", OpenApiTypes.STR, description="HTCDS only."),
            OpenApiParameter("exploitation_type", OpenApiTypes.STR, description="HTCDS only."),
        ],
        responses={(200, "text/csv"): OpenApiTypes.BINARY, (200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    def get(self, request, kind: str, fmt: str):
        from stats.exports import export_response

        return export_response(request.user, kind, fmt, request.query_params)
