from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.i18n import set_language

from . import views

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", views.account, name="account"),
    path("account/preferences/", views.preferences, name="account_preferences"),  # language and calendar (issue 6)
    # The sign-in page's language choice (POST with CSRF token; a cookie for people not signed in).
    # Under /login/ so that a session still owing its second factor may use it too.
    path("login/language/", set_language, name="set_language"),
    path("account/mfa/verify/", views.mfa_verify, name="mfa_verify"),
    path("account/mfa/enrol/", views.mfa_enrol, name="mfa_enrol"),
    path("account/mfa/qr.svg", views.mfa_qr, name="mfa_qr"),
    path("account/authenticator/remove/", views.mfa_disable, name="mfa_disable"),
    path("account/recovery-codes/", views.recovery_codes_regenerate, name="recovery_codes_regenerate"),
    path("account/tokens/", views.token_create, name="token_create"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
]
