from django.urls import path

from . import views

urlpatterns = [
    path("cases/<str:reference>/attachments/", views.attachment_upload_view, name="attachment_upload"),
    path(
        "cases/<str:reference>/attachments/<int:pk>/download",
        views.attachment_download_view,
        name="attachment_download",
    ),
    path(
        "cases/<str:reference>/attachments/<int:pk>/delete/",
        views.attachment_delete_view,
        name="attachment_delete",
    ),
]
