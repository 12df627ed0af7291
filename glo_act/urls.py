from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("glo_act.api_urls")),
    path("", include("cases.urls")),
    path("", include("partners.urls")),
]
