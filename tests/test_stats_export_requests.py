"""Identifying exports (issue 5): HTCDS case records leave only on another supervisor's approval,
once, before the approval expires, as an AES-256 zip with the requester's password."""

import datetime
import io

import pytest
import pyzipper
from django.utils import timezone

from stats.models import ExportRecord, ExportRequest

from .api_support import API, client_for
from .conftest import make_user

PASSWORD = "a long export password"


def _request(client, agency, **extra):
    data = {"agency": agency.id, "format": "csv", "reason": "Court case file for the prosecutor", **extra}
    return client.post("/stats/exports/requests/new", data)


def _open_zip(content, password=PASSWORD):
    with pyzipper.AESZipFile(io.BytesIO(content)) as zf:
        zf.setpassword(password.encode())
        (name,) = zf.namelist()
        return name, zf.read(name).decode("utf-8-sig")


def test_it_takes_a_request_an_approval_and_a_password(client, world):
    w = world
    client.force_login(w.cw)
    response = _request(client, w.ir_ngo)
    req = ExportRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/stats/exports/requests/{req.pk}/"
    assert (req.state, req.requested_by, req.agency, req.filters) == (
        "pending",
        w.cw,
        w.ir_ngo,
        {"agency": w.ir_ngo.id},
    )
    # Nothing to download yet.
    response = client.post(f"/stats/exports/requests/{req.pk}/", {"action": "download", "password": PASSWORD})
    assert response.status_code == 302 and not ExportRecord.objects.filter(outcome="delivered").exists()

    client.force_login(w.sup)
    page = client.get(f"/stats/exports/requests/{req.pk}/").content.decode()
    assert "Court case file" in page and 'value="approve"' in page
    assert client.post(f"/stats/exports/requests/{req.pk}/", {"action": "approve"}).status_code == 302
    req.refresh_from_db()
    assert req.state == "approved" and req.decided_by == w.sup
    assert datetime.timedelta(hours=23) < req.expires_at - timezone.now() <= datetime.timedelta(hours=24)

    client.force_login(w.cw)
    short = client.post(f"/stats/exports/requests/{req.pk}/", {"action": "download", "password": "short"})
    assert short.status_code == 400 and "at least 12 characters" in short.content.decode()
    response = client.post(f"/stats/exports/requests/{req.pk}/", {"action": "download", "password": PASSWORD})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    assert "رضا".encode() not in response.content and b"Reza" not in response.content  # encrypted
    name, text = _open_zip(response.content)
    assert name.endswith(".csv") and "رضا" in text and "احمدی" in text
    assert "Karimi" not in text  # IR-POL's case: not the agency's
    with pytest.raises(RuntimeError):
        _open_zip(response.content, password="the wrong password!")
    record = ExportRecord.objects.get(outcome="delivered")
    assert (record.user, record.kind, record.request, record.row_count) == (w.cw, "htcds", req, 1)
    # Once only.
    req.refresh_from_db()
    assert req.state == "used"
    again = client.post(f"/stats/exports/requests/{req.pk}/", {"action": "download", "password": PASSWORD})
    assert again.status_code == 302 and ExportRecord.objects.filter(outcome="delivered").count() == 1


def test_it_refuses_self_approval_and_approvers_from_elsewhere(client, world):
    w = world
    other_sup = make_user("sup_police", w.ir_police, "supervisor")
    client.force_login(w.sup)
    _request(client, w.ir_ngo)
    req = ExportRequest.objects.get()
    page = client.get(f"/stats/exports/requests/{req.pk}/").content.decode()
    assert 'value="approve"' not in page
    client.post(f"/stats/exports/requests/{req.pk}/", {"action": "approve"})
    req.refresh_from_db()
    assert req.state == "pending"  # a supervisor may not approve their own request
    for user in (other_sup, w.cw_police, w.cw_af, w.pm_region, w.auditor_ir, w.admin_user, w.nobody):
        client.force_login(user)
        assert client.get(f"/stats/exports/requests/{req.pk}/").status_code == 404, user
        assert client.post(f"/stats/exports/requests/{req.pk}/", {"action": "approve"}).status_code == 404, user
    # A caseworker of the same agency sees only their own requests, and cannot decide.
    client.force_login(w.cw)
    assert client.get(f"/stats/exports/requests/{req.pk}/").status_code == 404
    req.refresh_from_db()
    assert req.state == "pending"


def test_a_decline_needs_a_reason_and_ends_the_request(client, world):
    w = world
    client.force_login(w.cw)
    _request(client, w.ir_ngo)
    req = ExportRequest.objects.get()
    client.force_login(w.sup)
    response = client.post(f"/stats/exports/requests/{req.pk}/", {"action": "decline", "note": ""})
    assert response.status_code == 400 and "Say why you decline" in response.content.decode()
    client.post(f"/stats/exports/requests/{req.pk}/", {"action": "decline", "note": "Use the court's own file"})
    req.refresh_from_db()
    assert req.state == "declined" and req.decision_note == "Use the court's own file"
    client.force_login(w.cw)
    client.post(f"/stats/exports/requests/{req.pk}/", {"action": "download", "password": PASSWORD})
    assert not ExportRecord.objects.filter(outcome="delivered").exists()


def test_an_approval_expires(client, world, settings):
    w = world
    client.force_login(w.cw)
    _request(client, w.ir_ngo)
    req = ExportRequest.objects.get()
    client.force_login(w.sup)
    client.post(f"/stats/exports/requests/{req.pk}/", {"action": "approve"})
    ExportRequest.objects.filter(pk=req.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    client.force_login(w.cw)
    page = client.get(f"/stats/exports/requests/{req.pk}/").content.decode()
    assert 'data-state="expired"' in page and 'value="download"' not in page
    response = client.post(f"/stats/exports/requests/{req.pk}/", {"action": "download", "password": PASSWORD})
    assert response.status_code == 302 and not ExportRecord.objects.filter(outcome="delivered").exists()


def test_bad_requests_change_nothing(client, world):
    w = world
    client.force_login(w.cw)
    assert _request(client, w.ir_ngo, reason="short").status_code == 200
    assert _request(client, w.ir_police).status_code == 200  # not an agency of the user: not a choice
    assert _request(client, w.ir_ngo, date_from="2026-02-30").status_code == 200
    assert not ExportRequest.objects.exists()
    for user in (w.pm_region, w.auditor_ir, w.nobody):  # no identity access: nothing to request
        client.force_login(user)
        assert client.get("/stats/exports/requests/new").status_code == 403
    client.logout()
    assert client.get("/stats/exports/requests/").status_code == 302


def test_the_api_does_the_same(world):
    w = world
    cw, sup = client_for(w.cw), client_for(w.sup)
    created = cw.post(API + "stats/export-requests/", {"agency": w.ir_ngo.id, "format": "xlsx",
                                                         "reason": "Court case file"}, format="json")  # fmt: skip
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert cw.post(API + f"stats/export-requests/{pk}/approve/").status_code == 403  # the requester
    assert client_for(w.cw_police).get(API + f"stats/export-requests/{pk}/").status_code == 404
    assert cw.post(API + f"stats/export-requests/{pk}/download/", {"password": PASSWORD}).status_code == 409
    approved = sup.post(API + f"stats/export-requests/{pk}/approve/", {"note": "ok"}, format="json")
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    assert sup.post(API + f"stats/export-requests/{pk}/approve/").status_code == 409  # already decided
    short = cw.post(API + f"stats/export-requests/{pk}/download/", {"password": "short"}, format="json")
    assert short.status_code == 400
    response = cw.post(API + f"stats/export-requests/{pk}/download/", {"password": PASSWORD}, format="json")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    with pyzipper.AESZipFile(io.BytesIO(response.content)) as zf:
        zf.setpassword(PASSWORD.encode())
        (name,) = zf.namelist()
        assert name.endswith(".xlsx") and zf.read(name)[:2] == b"PK"
    listed = cw.get(API + "stats/export-requests/").json()["results"]
    assert [r["state"] for r in listed] == ["used"]
    assert client_for(w.pm_region).get(API + "stats/export-requests/").json()["results"] == []
    # The direct HTCDS download is refused, for everyone.
    assert cw.get(API + "stats/exports/htcds.csv").status_code == 403
