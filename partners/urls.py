from django.urls import path

from . import views

urlpatterns = [
    # login/ and logout/ moved to accounts.urls (sign-in with a second factor, issue 5)
    path("agencies/", views.agency_directory, name="agency_list"),
]
