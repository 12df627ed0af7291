"""Sign-in pages: password, second factor, enrolment, the account page and the lock-out answer."""

import io

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import EnrolForm, OTPForm, PreferencesForm, TokenCreateForm
from .models import ApiToken


def locked_text() -> str:
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    return translation.ngettext(
        "Too many failed attempts to sign in with this username from this address. "
        "Signing in is blocked for %(minutes)s minute. If this was not you, tell your administrator.",
        "Too many failed attempts to sign in with this username from this address. "
        "Signing in is blocked for %(minutes)s minutes. If this was not you, tell your administrator.",
        minutes,
    ) % {"minutes": minutes}


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked username+address: the same for every username, known or not."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": locked_text()}, status=429)
    return render(request, "accounts/locked_out.html", {"text": locked_text()}, status=429)


def _next_url(request, default="home") -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse(default)


def _with_next(name: str, next_url: str) -> str:
    from urllib.parse import urlencode

    return reverse(name) + "?" + urlencode({"next": next_url})


class SignInView(auth_views.LoginView):
    """The password step. Users who owe a second factor go on to it; others are signed in."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)  # django's login(): a new session key
        user = self.request.user
        if selectors.mfa_enforced(user):
            step = "mfa_verify" if selectors.mfa_enrolled(user) else "mfa_enrol"
            return redirect(_with_next(step, self.get_success_url()))
        services.sign_in_completed(request=self.request)
        return response


def _locked(request) -> bool:
    return AxesProxyHandler.is_locked(request, {"username": request.user.get_username()})


def _end_locked_session(request):
    logout(request)
    return locked_out(request)


@login_required
def mfa_verify(request):
    """The second step: a code from the app, or a recovery code."""
    if not selectors.mfa_enrolled(request.user):
        return redirect(_with_next("mfa_enrol", _next_url(request)))
    if request.user.is_verified():
        return redirect(_next_url(request))
    if _locked(request):
        return _end_locked_session(request)
    form = OTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.mfa_verify(request=request, token=form.cleaned_data["otp"]):
            return redirect(_next_url(request))
        if _locked(request):
            return _end_locked_session(request)
        form.add_error("otp", _("That code is not right. Type the code the app shows now, or a recovery code."))
    return render(request, "accounts/mfa_verify.html", {"form": form, "next": _next_url(request)})


@login_required
def mfa_enrol(request):
    """Add an authenticator app: scan the QR code (or type the key), confirm with a code."""
    if selectors.mfa_enrolled(request.user):
        if not request.user.is_verified():
            return redirect(_with_next("mfa_verify", _next_url(request)))
        messages.info(request, _("You already use an authenticator app. Remove it first to set up another one."))
        return redirect("account")
    if _locked(request):
        return _end_locked_session(request)
    device = services.totp_enrolment_start(user=request.user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.totp_enrolment_confirm(request=request, user=request.user, token=form.cleaned_data["otp"])
        except ValidationError as error:
            if _locked(request):
                return _end_locked_session(request)
            form.add_error("otp", error.message_dict["otp"])
        else:
            return render(
                request, "accounts/recovery_codes.html",
                {"codes": codes, "next": _next_url(request), "enrolled": True},
            )  # fmt: skip
    secret = _base32(device)
    return render(
        request, "accounts/mfa_enrol.html",
        {"form": form, "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
         "next": _next_url(request), "required": selectors.mfa_required(request.user)},
    )  # fmt: skip


def _base32(device) -> str:
    from base64 import b32encode

    return b32encode(device.bin_key).decode("ascii").rstrip("=")


@login_required
def mfa_qr(request):
    """The pending authenticator's QR code as an SVG image (no inline script or style)."""
    device = selectors.totp_device(request.user, confirmed=False)
    if device is None:
        raise Http404
    buffer = io.BytesIO()
    segno.make(device.config_url, error="m").save(buffer, kind="svg", scale=5, border=2, xmldecl=False)
    return HttpResponse(buffer.getvalue(), content_type="image/svg+xml")


def _preferences_form(user, data=None) -> PreferencesForm:
    from partners.selectors import automatic_calendar, automatic_language

    return PreferencesForm(
        data, initial={"language": user.language, "calendar": user.calendar},
        automatic_language=automatic_language(user), automatic_calendar=automatic_calendar(user),
    )  # fmt: skip


@login_required
def account(request, preferences_form=None, status=200):
    tokens = selectors.api_tokens_of(request.user)
    recovery = selectors.recovery_device(request.user)
    return render(
        request, "accounts/account.html",
        {"enrolled": selectors.mfa_enrolled(request.user), "required": selectors.mfa_required(request.user),
         "codes_left": recovery.codes_left() if recovery else 0, "tokens": tokens,
         "token_form": TokenCreateForm(), "token_days": settings.API_TOKEN_DAYS, "otp_form": OTPForm(),
         "preferences_form": preferences_form or _preferences_form(request.user)},
        status=status,
    )  # fmt: skip


@login_required
@require_POST
def preferences(request):
    """Language and calendar (issue 6). The next page, and this message, are in the new language."""
    from partners.selectors import user_language

    form = _preferences_form(request.user, request.POST)
    if form.is_valid():
        try:
            changed = services.preferences_update(
                user=request.user, language=form.cleaned_data["language"], calendar=form.cleaned_data["calendar"]
            )
        except ValidationError as error:
            for field, texts in error.message_dict.items():
                form.add_error(field, texts)
        else:
            with translation.override(user_language(request.user)):
                if changed:
                    messages.success(request, _("Your language and calendar were saved."))
                else:
                    messages.info(request, _("Nothing was changed."))
            return redirect(reverse("account") + "#preferences")
    return account(request, preferences_form=form, status=400)


@login_required
@require_POST
def recovery_codes_regenerate(request):
    if not selectors.mfa_enrolled(request.user):
        messages.error(request, _("Set up an authenticator app first."))
        return redirect("account")
    codes = services.recovery_codes_generate(user=request.user, request=request)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": reverse("account")})


@login_required
@require_POST
def mfa_disable(request):
    form = OTPForm(request.POST)
    if form.is_valid():
        try:
            services.mfa_disable(request=request, user=request.user, token=form.cleaned_data["otp"])
        except ValidationError as error:
            if _locked(request):
                return _end_locked_session(request)
            messages.error(request, " ".join(error.message_dict["otp"]))
            return redirect("account")
        messages.success(request, _("The authenticator app and the recovery codes were removed."))
    else:
        messages.error(request, _("Type a current code to remove the authenticator app."))
    return redirect("account")


@login_required
@require_POST
def token_create(request):
    form = TokenCreateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the token a name (at most 100 characters)."))
        return redirect("account")
    token, key = services.api_token_create(user=request.user, name=form.cleaned_data["name"], request=request)
    return render(request, "accounts/token_created.html", {"token": token, "key": key})


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)  # others' tokens: 404
    services.api_token_revoke(token=token, by=request.user, request=request)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("account")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("account")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed(request=self.request)
        messages.success(self.request, _("Your password was changed."))
        return response
