"""Demo accounts get an authenticator with the published key, only on a development server."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings
from django_otp.oath import TOTP

from accounts.models import TOTPDevice
from accounts.services import DEMO_TOTP_SECRET, demo_totp_devices_ensure
from tests.conftest import make_user


@override_settings(DEBUG=True, DEMO_LOGINS_ENABLED=True)
def test_a_demo_user_signs_in_with_the_published_key(world):
    from base64 import b32decode

    demo = make_user("demo_cw", world.ir_ngo, "caseworker", is_demo=True)
    assert demo_totp_devices_ensure(users=[demo]) == 1
    assert demo_totp_devices_ensure(users=[demo]) == 0  # idempotent
    client = Client()
    from tests.conftest import PASSWORD

    assert client.post("/login/", {"username": "demo_cw", "password": PASSWORD})["Location"].startswith(
        "/account/mfa/verify/"
    )
    app = TOTP(b32decode(DEMO_TOTP_SECRET))  # what `oathtool --totp -b <key>` prints
    assert client.post("/account/mfa/verify/", {"otp": f"{app.token():06d}"}).status_code == 302
    assert client.get("/cases/").status_code == 200


def test_demo_authenticators_are_refused_with_debug_off(world):
    demo = make_user("demo_cw", world.ir_ngo, "caseworker", is_demo=True)
    with pytest.raises(PermissionDenied):
        demo_totp_devices_ensure(users=[demo])
    assert not TOTPDevice.objects.filter(user=demo).exists()


@override_settings(DEBUG=True, DEMO_LOGINS_ENABLED=True)
def test_real_accounts_never_get_the_demo_key(world):
    with pytest.raises(PermissionDenied):
        demo_totp_devices_ensure(users=[world.cw])
    assert not TOTPDevice.objects.filter(user=world.cw).exists()


def test_demo_code_refuses_with_debug_off():
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("demo_code")
