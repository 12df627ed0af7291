"""The attachments API under /api/v1/cases/{reference}/attachments/: scoped like every case
sub-resource, identity access only, writes through the service, documented in the schema."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AccessEvent
from cases.services import case_share
from documents.models import Attachment
from documents.services import attachment_add

from .api_support import API, client_for
from .conftest import fresh
from .documents_support import (
    CORPUS_SAMPLE,
    gps_jpeg,
    jpeg,
    pdf,
    private_media_fixture,  # noqa: F401  (autouse, named private_media)
    stored_files,
)


def url(case, suffix=""):
    return f"{API}cases/{case.reference}/attachments/{suffix}"


@pytest.fixture
def attached(world):
    return attachment_add(user=world.cw, case=world.case_ir, upload=pdf(), filename="report.pdf")


def test_an_editor_uploads_lists_retrieves_downloads_and_removes(world, private_media):
    api = client_for(world.cw)
    response = api.post(
        url(world.case_ir),
        {"file": SimpleUploadedFile("IMG_1.jpg", gps_jpeg(), content_type="text/html"), "description": "Hand injury"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["content_type"] == "image/jpeg"  # by content, not the client's text/html
    assert data["kind"] == "photo" and data["display_name"] == "IMG_1.jpg"
    assert data["uploaded_by"] == "cw" and data["uploaded_by_agency"] == "IR-NGO"
    listed = api.get(url(world.case_ir)).json()["results"]
    assert [row["id"] for row in listed] == [data["id"]]
    assert api.get(url(world.case_ir, f"{data['id']}/")).json()["sha256"] == data["sha256"]
    download = api.get(data["download_url"], HTTP_ACCEPT="image/jpeg")
    assert download.status_code == 200 and download["Content-Type"] == "image/jpeg"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff" and "no-store" in download["Cache-Control"]
    assert b"Exif" not in download.content
    assert AccessEvent.objects.filter(what="api attachment download", actor=world.cw).count() == 1
    removed = api.post(url(world.case_ir, f"{data['id']}/delete/"), {"reason": "Duplicate"}, format="json")
    assert removed.status_code == 204
    assert api.get(url(world.case_ir)).json()["results"] == []
    assert api.get(data["download_url"]).status_code == 404
    assert stored_files(private_media) == []


def test_server_set_fields_cannot_be_set_by_the_client(world):
    api = client_for(world.cw)
    response = api.post(
        url(world.case_ir),
        {
            "file": SimpleUploadedFile("a.pdf", pdf()),
            "uploaded_by": world.sup.id, "uploaded_by_agency": world.af_ngo.id, "sha256": "0" * 64,
            "content_type": "text/html", "size": 1, "display_name": "../x", "case": world.case_af.id,
        },
        format="multipart",
    )  # fmt: skip
    assert response.status_code == 201
    row = Attachment.objects.get()
    assert row.uploaded_by == world.cw and row.uploaded_by_agency == world.ir_ngo and row.case == world.case_ir
    assert row.content_type == "application/pdf" and row.display_name == "a.pdf" and row.sha256 != "0" * 64


@pytest.mark.parametrize("label", list(CORPUS_SAMPLE))
def test_the_api_refuses_bad_files_with_400_naming_the_field(world, private_media, label):
    name, content = CORPUS_SAMPLE[label]
    response = client_for(world.cw).post(
        url(world.case_ir), {"file": SimpleUploadedFile(name, content)}, format="multipart"
    )
    assert response.status_code == 400
    assert "file" in response.json()
    assert not Attachment.objects.exists() and stored_files(private_media) == []


def test_the_api_refuses_an_oversized_file_clearly(world, settings, private_media):
    settings.ATTACHMENT_MAX_BYTES = 100_000
    response = client_for(world.cw).post(
        url(world.case_ir), {"file": SimpleUploadedFile("a.jpg", jpeg() + b"\0" * 200_000)}, format="multipart"
    )
    assert response.status_code == 400
    assert "larger than" in response.json()["file"][0]
    assert stored_files(private_media) == []


@pytest.mark.parametrize(
    "who",
    ["cw_police", "cw_af", "sp_ir", "sp_af", "focal_ir", "pm_ir", "auditor_ir", "pm_region", "admin_user", "nobody"],
)
def test_out_of_scope_and_pseudonymous_users_get_404_everywhere(world, attached, who):
    api = client_for(getattr(world, who))
    assert api.get(url(world.case_ir)).status_code == 404
    assert api.get(url(world.case_ir, f"{attached.pk}/")).status_code == 404
    assert api.get(url(world.case_ir, f"{attached.pk}/download/")).status_code == 404
    post = api.post(url(world.case_ir), {"file": SimpleUploadedFile("a.pdf", pdf())}, format="multipart")
    assert post.status_code == 404
    delete = api.post(url(world.case_ir, f"{attached.pk}/delete/"), {"reason": "x"}, format="json")
    assert delete.status_code == 404
    assert Attachment.objects.filter(deleted_at__isnull=True).count() == 1


def test_a_grantee_with_identity_reads_but_gets_403_on_writes(world, attached):
    case_share(user=world.sup, case=world.case_ir, agency=world.ir_police, include_identity=True, reason="x")
    api = client_for(fresh(world.cw_police))
    assert api.get(url(world.case_ir)).status_code == 200
    assert api.get(url(world.case_ir, f"{attached.pk}/download/")).status_code == 200
    post = api.post(url(world.case_ir), {"file": SimpleUploadedFile("a.pdf", pdf())}, format="multipart")
    assert post.status_code == 403
    delete = api.post(url(world.case_ir, f"{attached.pk}/delete/"), {"reason": "x"}, format="json")
    assert delete.status_code == 403


def test_a_grantee_without_identity_gets_404(world, attached):
    case_share(user=world.sup, case=world.case_ir, agency=world.ir_police, include_identity=False, reason="x")
    api = client_for(fresh(world.cw_police))
    assert api.get(f"{API}cases/{world.case_ir.reference}/").status_code == 200
    assert api.get(url(world.case_ir)).status_code == 404
    assert api.get(url(world.case_ir, f"{attached.pk}/download/")).status_code == 404


def test_anonymous_gets_401(world, attached):
    api = client_for(None)
    assert api.get(url(world.case_ir)).status_code == 401
    assert api.get(url(world.case_ir, f"{attached.pk}/download/")).status_code == 401
    assert (
        api.post(url(world.case_ir), {"file": SimpleUploadedFile("a.pdf", pdf())}, format="multipart").status_code
        == 401
    )


def test_removal_needs_a_reason(world, attached, private_media):
    response = client_for(world.cw).post(url(world.case_ir, f"{attached.pk}/delete/"), {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    assert len(stored_files(private_media)) == 1


def test_the_schema_documents_the_attachment_operations(world):
    schema = client_for(world.cw).get(f"{API}schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    base = "/api/v1/cases/{case_reference}/attachments/"
    assert set(schema["paths"][base]) >= {"get", "post"}
    assert "multipart/form-data" in schema["paths"][base]["post"]["requestBody"]["content"]
    download = schema["paths"][base + "{id}/download/"]["get"]["responses"]["200"]["content"]
    assert set(download) == {"application/pdf", "image/jpeg", "image/png", "image/webp"}
    assert "post" in schema["paths"][base + "{id}/delete/"]
