"""Helpers for the sign-in tests: authenticator devices and their codes, sign-in through the forms."""

from django.test import Client
from django_otp.oath import TOTP

from tests.conftest import PASSWORD

IDENTITY_ROLES = ["cw", "sup", "sp_ir", "cw_police", "focal_ir", "admin_user"]
OVERSIGHT_ROLES = ["pm_ir", "auditor_ir", "pm_region"]


def device_of(user, *, confirmed=True):
    from accounts.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=confirmed).first()
    if device is None and confirmed:
        device = TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
    return device


def code(device, steps_ahead=0) -> str:
    """The code the app shows now (or `steps_ahead` 30-second steps later)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead)
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device) -> str:
    right = {code(device, n) for n in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def sign_in(client: Client, username, password=PASSWORD, **extra):
    return client.post("/login/", {"username": username, "password": password, "next": ""}, **extra)


def sign_in_fully(user, client=None) -> Client:
    """Password and code through the real forms; returns the client."""
    client = client or Client()
    response = sign_in(client, user.username)
    assert response.status_code == 302, response.content
    response = client.post("/account/mfa/verify/", {"otp": code(device_of(user))})
    assert response.status_code == 302, response.content
    return client
