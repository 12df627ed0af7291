"""The second factor: who must use it, enrolment, sign-in with a code or a recovery code.

These tests use a plain django.test.Client (not the `client` fixture, which passes the second
factor for the other tests) so that they see what a real browser sees.
"""

import pytest
from django.test import Client

from accounts.models import RecoveryCode, TOTPDevice, secret_hash
from tests.accounts_support import (
    IDENTITY_ROLES,
    OVERSIGHT_ROLES,
    code,
    device_of,
    sign_in,
    sign_in_fully,
    wrong_code,
)
from tests.conftest import PASSWORD


def case_urls(world):
    ref = world.case_ir.reference
    return ["/", "/cases/", f"/cases/{ref}/", "/cases/new/", "/referrals/", "/notifications/", "/agencies/",
            "/stats/", "/account/", "/admin/"]  # fmt: skip


@pytest.mark.parametrize("username", IDENTITY_ROLES)
def test_every_identity_role_is_sent_to_enrolment_before_any_page(world, username):
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    for url in case_urls(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/account/mfa/enrol/?next="), (url, response["Location"])
    api = client.get("/api/v1/cases/")
    assert api.status_code == 403
    assert "Multi-factor" in api.json()["detail"]
    assert "Reza" not in api.content.decode()
    assert client.post(f"/cases/{world.case_ir.reference}/notes/", {"text": "x"}).status_code == 302
    assert world.case_ir.notes.count() == 0


@pytest.mark.parametrize("username", IDENTITY_ROLES)
def test_an_enrolled_identity_role_is_sent_to_verification(world, username):
    user = getattr(world, username)
    device_of(user)
    client = Client()
    response = sign_in(client, username)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/mfa/verify/?next=")
    for url in case_urls(world):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/account/mfa/verify/"), url
    assert client.get("/api/v1/cases/").status_code == 403


@pytest.mark.parametrize("username", OVERSIGHT_ROLES)
def test_oversight_roles_are_not_forced_to_enrol(world, username):
    client = Client()
    response = sign_in(client, username)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/cases/").status_code == 200
    assert client.get("/api/v1/cases/").status_code == 200
    assert client.get("/account/").status_code == 200


def test_an_oversight_user_who_enrolled_must_verify(world):
    device_of(world.pm_ir)
    client = Client()
    response = sign_in(client, "pm_ir")
    assert response["Location"].startswith("/account/mfa/verify/")
    assert client.get("/cases/").status_code == 302
    assert client.get("/api/v1/cases/").status_code == 403


def test_a_user_without_membership_is_not_forced(world):
    client = Client()
    sign_in(client, "nobody")
    assert client.get("/agencies/").status_code == 200


def test_unverified_sessions_may_still_use_sign_in_pages_and_healthz(world):
    client = Client()
    client.login(username="cw", password=PASSWORD)
    assert client.get("/healthz").status_code in (200, 503)
    assert client.get("/account/mfa/enrol/").status_code == 200
    assert client.get("/account/mfa/qr.svg").status_code == 200
    assert client.post("/logout/").status_code == 302
    assert client.get("/cases/").status_code == 302  # now anonymous: to the sign-in page
    assert client.get("/cases/")["Location"].startswith("/login/")


def test_enrolment_confirms_the_device_and_shows_ten_recovery_codes_once(world):
    client = Client()
    sign_in(client, "cw")
    page = client.get("/account/mfa/enrol/?next=/cases/")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=world.cw, confirmed=False)
    qr = client.get("/account/mfa/qr.svg")
    assert qr["Content-Type"] == "image/svg+xml" and qr.content.lstrip().startswith(b"<svg")
    assert "<script" not in page.content.decode() or "src=" in page.content.decode()
    # The key is shown for typing by hand, and it is the device's key.
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    assert secret[:4] in page.content.decode()
    # The same pending device on a second visit (the QR code stays valid).
    client.get("/account/mfa/enrol/")
    assert TOTPDevice.objects.filter(user=world.cw).count() == 1

    wrong = client.post("/account/mfa/enrol/", {"otp": wrong_code(device), "next": "/cases/"})
    assert wrong.status_code == 200 and "That code is not right" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get("/cases/").status_code == 302

    done = client.post("/account/mfa/enrol/", {"otp": code(device), "next": "/cases/"})
    assert done.status_code == 200
    codes = list(done.context["codes"])
    assert len(codes) == 10 and len(set(codes)) == 10
    html = done.content.decode()
    assert all(c in html for c in codes)
    stored = set(RecoveryCode.objects.filter(device__user=world.cw).values_list("code_hash", flat=True))
    assert stored == {secret_hash(c.replace("-", "")) for c in codes}
    assert not stored & set(codes)  # hashes, never the codes
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/cases/").status_code == 200  # the session is verified
    # Shown once: the account page only counts them.
    account = client.get("/account/").content.decode()
    assert not any(c in account for c in codes)
    assert "data-codes-left>10<" in account


def test_sign_in_with_a_code_passes_and_the_same_code_cannot_be_replayed(world):
    device = device_of(world.cw)
    first = code(device)
    client = Client()
    sign_in(client, "cw")
    before = client.session.session_key
    response = client.post("/account/mfa/verify/", {"otp": first, "next": "/cases/"})
    assert response.status_code == 302 and response["Location"] == "/cases/"
    assert client.session.session_key != before  # a new session key after the second step
    assert client.get("/cases/").status_code == 200
    assert client.get("/api/v1/cases/").status_code == 200

    other = Client()
    sign_in(other, "cw")
    replay = other.post("/account/mfa/verify/", {"otp": first})
    assert replay.status_code == 200 and "That code is not right" in replay.content.decode()
    assert other.get("/cases/").status_code == 302


def test_a_recovery_code_signs_in_once(world):
    from accounts.services import recovery_codes_generate

    device_of(world.cw)
    codes = recovery_codes_generate(user=world.cw)
    client = Client()
    sign_in(client, "cw")
    assert client.post("/account/mfa/verify/", {"otp": codes[3].upper().replace("-", " ")}).status_code == 302
    assert client.get("/cases/").status_code == 200

    again = Client()
    sign_in(again, "cw")
    response = again.post("/account/mfa/verify/", {"otp": codes[3]})
    assert response.status_code == 200 and "That code is not right" in response.content.decode()
    assert again.get("/cases/").status_code == 302
    assert RecoveryCode.objects.filter(device__user=world.cw, used_at__isnull=False).count() == 1


def test_new_recovery_codes_replace_the_old_ones(world):
    device_of(world.cw)
    from accounts.services import recovery_codes_generate

    old = recovery_codes_generate(user=world.cw)
    client = sign_in_fully(world.cw)
    response = client.post("/account/recovery-codes/")
    new = response.context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    other = Client()
    sign_in(other, "cw")
    assert other.post("/account/mfa/verify/", {"otp": old[0]}).status_code == 200  # refused
    assert other.post("/account/mfa/verify/", {"otp": new[0]}).status_code == 302


def test_it_refuses_wrong_or_malformed_codes(world):
    device = device_of(world.cw)
    client = Client()
    sign_in(client, "cw")
    for bad in (wrong_code(device), "", "abc", "1234567", "' OR 1=1 --"):  # 4 failures: below the limit
        response = client.post("/account/mfa/verify/", {"otp": bad})
        assert response.status_code == 200, bad
        assert client.get("/cases/").status_code == 302


def test_next_must_stay_on_this_site(world):
    device = device_of(world.cw)
    client = Client()
    sign_in(client, "cw")
    response = client.post("/account/mfa/verify/", {"otp": code(device), "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_removing_the_authenticator_needs_a_current_code(world):
    device = device_of(world.pm_ir)  # optional for a programme manager
    client = Client()
    sign_in(client, "pm_ir")
    client.post("/account/mfa/verify/", {"otp": code(device)})
    response = client.post("/account/authenticator/remove/", {"otp": wrong_code(device)}, follow=True)
    assert "That code is not right" in response.content.decode()
    assert TOTPDevice.objects.filter(user=world.pm_ir).exists()
    client.post("/account/authenticator/remove/", {"otp": code(device, 1)})
    assert not TOTPDevice.objects.filter(user=world.pm_ir).exists()
    assert client.get("/cases/").status_code == 200  # optional for this role


def test_an_identity_role_that_removes_its_authenticator_must_enrol_again(world):
    device = device_of(world.cw)
    client = Client()
    sign_in(client, "cw")
    client.post("/account/mfa/verify/", {"otp": code(device)})
    client.post("/account/authenticator/remove/", {"otp": code(device, 1)})
    response = client.get("/cases/")
    assert response.status_code == 302 and response["Location"].startswith("/account/mfa/enrol/")


def test_second_factor_and_token_events_reach_the_audit_trail(world):
    from accounts.services import api_token_create, api_token_revoke, recovery_codes_generate
    from audit.models import SecurityEvent

    client = Client()
    sign_in(client, "cw")
    client.get("/account/mfa/enrol/")
    device = TOTPDevice.objects.get(user=world.cw, confirmed=False)
    client.post("/account/mfa/enrol/", {"otp": wrong_code(device)})
    client.post("/account/mfa/enrol/", {"otp": code(device)})
    other = Client()
    sign_in(other, "cw")
    other.post("/account/mfa/verify/", {"otp": wrong_code(device)})
    codes = recovery_codes_generate(user=world.cw)
    other.post("/account/mfa/verify/", {"otp": codes[0]})
    token, key = api_token_create(user=world.cw, name="x")
    api_token_revoke(token=token, by=world.cw)
    kinds = list(SecurityEvent.objects.filter(actor=world.cw).order_by("id").values_list("kind", flat=True))
    for kind in ("mfa_failed", "mfa_enrolled", "recovery_codes_regenerated", "recovery_code_used", "mfa_verified",
                 "token_created", "token_revoked"):  # fmt: skip
        assert kind in kinds, (kind, kinds)
    stored = " ".join(str(d) for d in SecurityEvent.objects.values_list("detail", flat=True))
    assert key not in stored and codes[0] not in stored and device.key not in stored


def test_authenticator_secrets_are_sealed_at_rest_and_still_verify(world):
    from django.db import connection
    from django_otp.oath import totp

    device = TOTPDevice.objects.create(user=world.cw, name="Authenticator app", confirmed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM accounts_totpdevice WHERE id = %s", [device.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("e1.") and device.key not in stored and device.key.upper() not in stored
    fresh = TOTPDevice.objects.get(pk=device.pk)
    assert fresh.key == device.key and len(fresh.bin_key) == 20
    assert fresh.verify_token(totp(fresh.bin_key))
    assert not fresh.verify_token(totp(fresh.bin_key))  # a code is accepted once
    assert fresh.config_url.startswith("otpauth://totp/glo_act%3A")


def test_django_otps_plain_table_is_gone(db):
    from django.db import connection

    assert "otp_totp_totpdevice" not in connection.introspection.table_names()
