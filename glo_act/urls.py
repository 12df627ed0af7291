from django.contrib import admin
from django.urls import include, path

from .views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("glo_act.api_urls")),
    path("", include("cases.urls")),
    path("", include("referrals.urls")),
    path("", include("partners.urls")),
    path("", include("stats.urls")),
    path("", include("stats.export_urls")),
]
