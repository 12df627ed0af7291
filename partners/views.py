"""The agency directory: open to every signed-in user (agencies are public partners)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from cases.views import friendly_filters
from glo_act.vocabularies import Service

from .filtersets import AgencyFilterSet
from .selectors import agency_list

SERVICE_LABELS = dict(Service.choices)


@login_required
def agency_directory(request):
    filterset = AgencyFilterSet(request.GET, queryset=agency_list(), request=request)
    friendly_filters(filterset.form)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    agencies = [{"agency": a, "services": [SERVICE_LABELS.get(s, s) for s in a.services]} for a in page.object_list]
    return render(
        request,
        "partners/agency_list.html",
        {"filter": filterset, "page": page, "agencies": agencies, "query": query.urlencode()},
    )
