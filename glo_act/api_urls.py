"""The REST API, at /api/v1/ (namespace "api"). Records of a case hang under the case's reference."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from accounts.api import ObtainTokenView, TokenViewSet
from cases.api import views as cases
from documents.api.views import AttachmentViewSet
from glo_act.api_docs import ApiDocsView
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
router.register("auth/tokens", TokenViewSet, basename="api-token")  # sign-in (issue 5)

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
# --- audit trail (issue 5, audit/): auditors and administrators only ---
from audit import api as audit_api  # noqa: E402

router.register("audit/changes", audit_api.ChangeEventViewSet, basename="audit-change")
router.register("audit/access", audit_api.AccessEventViewSet, basename="audit-access")
router.register("audit/security", audit_api.SecurityEventViewSet, basename="audit-security")
# --- end audit ---
router.register(CASE + "attachments", AttachmentViewSet, basename="case-attachment")  # issue 5

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", ApiDocsView.as_view(url_name="api:schema"), name="docs"),  # no inline script (CSP)
    *[path(f"stats/{slug}/", view.as_view(), name=f"stats-{slug}") for slug, view in figure_views()],
    path("stats/exports/<slug:kind>.<slug:fmt>", ExportView.as_view(), name="stats-export"),
    *router.urls,
]
