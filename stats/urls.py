from django.urls import path

from . import views

urlpatterns = [
    path("stats/", views.dashboard_view, name="stats_dashboard"),
]
