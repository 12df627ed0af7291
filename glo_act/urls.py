from django.contrib import admin
from django.urls import include, path

from .views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("glo_act.api_urls")),
    path("", include("accounts.urls")),  # sign-in, second factor, account page (issue 5)
    path("", include("cases.urls")),
    path("", include("documents.urls")),  # attachments (issue 5)
    path("", include("referrals.urls")),
    path("", include("partners.urls")),
    path("", include("stats.urls")),
    path("", include("stats.export_urls")),
    path("", include("audit.urls")),  # audit trail (issue 5)
]

# Error pages with DEBUG off (issue 5, headers): never a traceback; JSON under /api/; a standalone
# page when the database is down (glo_act/errors.py).
handler400 = "glo_act.errors.bad_request"
handler403 = "glo_act.errors.permission_denied"
handler404 = "glo_act.errors.page_not_found"
handler500 = "glo_act.errors.server_error"
