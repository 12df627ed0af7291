from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("cases/", views.case_list_view, name="case_list"),
    path("cases/new/", views.identification_log_view, name="identification_log"),
    path("cases/new/duplicates/", views.identification_duplicates_view, name="identification_duplicates"),
    path("cases/<str:reference>/", views.case_detail, name="case_detail"),
    path("cases/<str:reference>/person/", views.person_edit_view, name="case_person_edit"),
    path("cases/<str:reference>/update/", views.case_update_view, name="case_update"),
    path("cases/<str:reference>/close/", views.case_close_view, name="case_close"),
    path("cases/<str:reference>/notes/", views.note_add_view, name="case_note_add"),
    path("cases/<str:reference>/identifications/", views.identification_add_view, name="case_identification_add"),
    path("cases/<str:reference>/consents/", views.consent_add_view, name="case_consent_add"),
    path(
        "cases/<str:reference>/consents/<int:pk>/withdraw/",
        views.consent_withdraw_view,
        name="case_consent_withdraw",
    ),
    path("cases/<str:reference>/risk-assessments/", views.risk_assessment_add_view, name="case_risk_add"),
    path("cases/<str:reference>/best-interests/", views.best_interests_add_view, name="case_best_interests_add"),
    path("cases/<str:reference>/reflection-periods/", views.reflection_start_view, name="case_reflection_start"),
    path(
        "cases/<str:reference>/reflection-periods/<int:pk>/end/",
        views.reflection_end_view,
        name="case_reflection_end",
    ),
    path("cases/<str:reference>/support-plans/", views.support_plan_add_view, name="case_support_add"),
    path("cases/<str:reference>/shares/", views.case_share_view, name="case_share"),
    path("cases/<str:reference>/shares/<str:agency>/end/", views.case_unshare_view, name="case_unshare"),
    path("cases/<str:reference>/services/", views.service_delivery_add_view, name="case_service_add"),
]
