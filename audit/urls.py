from django.urls import path

from . import views

urlpatterns = [
    path("audit/", views.audit_home, name="audit_home"),
    path("audit/changes/", views.audit_changes, name="audit_changes"),
    path("audit/access/", views.audit_access, name="audit_access"),
    path("audit/security/", views.audit_security, name="audit_security"),
]
