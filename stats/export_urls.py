"""Export downloads; the lead includes this at the site root (e.g. path("", include("stats.export_urls")))."""

from django.urls import path

from . import export_views

urlpatterns = [
    path("stats/exports/<slug:kind>.<slug:format>", export_views.stats_export, name="stats_export"),
]
