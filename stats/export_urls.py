"""Export downloads and identifying-export requests, included at the site root."""

from django.urls import path

from . import export_views

urlpatterns = [
    path("stats/exports/requests/", export_views.export_request_list, name="export_request_list"),
    path("stats/exports/requests/new", export_views.export_request_new, name="export_request_new"),
    path("stats/exports/requests/<int:pk>/", export_views.export_request_detail, name="export_request_detail"),
    path("stats/exports/<slug:kind>.<slug:format>", export_views.stats_export, name="stats_export"),
]
