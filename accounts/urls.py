from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", views.account, name="account"),
    path("account/mfa/verify/", views.mfa_verify, name="mfa_verify"),
    path("account/mfa/enrol/", views.mfa_enrol, name="mfa_enrol"),
    path("account/mfa/qr.svg", views.mfa_qr, name="mfa_qr"),
    path("account/authenticator/remove/", views.mfa_disable, name="mfa_disable"),
    path("account/recovery-codes/", views.recovery_codes_regenerate, name="recovery_codes_regenerate"),
    path("account/tokens/", views.token_create, name="token_create"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
]
