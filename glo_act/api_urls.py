"""The REST API, at /api/v1/ (namespace "api"). Records of a case hang under the case's reference."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from cases.api import views as cases
from glo_act.api import TokenView
from partners.api.views import AgencyViewSet
from referrals.api.views import NotificationViewSet, ReferralViewSet
from stats.api.views import ExportRequestViewSet, ExportView, figure_views
from victims.api.views import PersonViewSet

app_name = "api"

router = SimpleRouter()
router.register("agencies", AgencyViewSet, basename="agency")
router.register("victims", PersonViewSet, basename="person")
router.register("cases", cases.CaseViewSet, basename="case")
router.register("identifications", cases.IdentificationViewSet, basename="identification")
router.register("referrals", ReferralViewSet, basename="referral")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("stats/export-requests", ExportRequestViewSet, basename="export-request")

CASE = r"cases/(?P<case_reference>[^/.]+)/"
router.register(CASE + "identifications", cases.CaseIdentificationViewSet, basename="case-identification")
router.register(CASE + "notes", cases.CaseNoteViewSet, basename="case-note")
router.register(CASE + "consents", cases.ConsentViewSet, basename="case-consent")
router.register(CASE + "risk-assessments", cases.RiskAssessmentViewSet, basename="case-risk-assessment")
router.register(
    CASE + "best-interests-determinations", cases.BestInterestsDeterminationViewSet,
    basename="case-best-interests-determination",
)  # fmt: skip
router.register(CASE + "reflection-periods", cases.ReflectionPeriodViewSet, basename="case-reflection-period")
router.register(CASE + "support-plans", cases.SupportPlanViewSet, basename="case-support-plan")
router.register(CASE + "services", cases.ServiceDeliveryViewSet, basename="case-service")
router.register(CASE + "shares", cases.CaseShareViewSet, basename="case-share")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    *[path(f"stats/{slug}/", view.as_view(), name=f"stats-{slug}") for slug, view in figure_views()],
    path("stats/exports/<slug:kind>.<slug:fmt>", ExportView.as_view(), name="stats-export"),
    *router.urls,
]
