"""Who may upload, see, download and remove attachments, through the pages; the download's headers;
that no public URL serves a stored file; removal and erasure."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from audit.models import AccessEvent
from cases.models import CaseEvent
from cases.services import case_share
from documents import storage
from documents.models import Attachment
from documents.pdf_metadata import strip_pdf_metadata
from documents.services import attachment_add, attachments_erase_for_case

from .conftest import fresh
from .documents_support import (
    jpeg,
    pdf,
    private_media_fixture,  # noqa: F401  (autouse, named private_media)
    stored_files,
)


@pytest.fixture
def attached(world):
    """A PDF on world.case_ir (IR-NGO's), uploaded by its caseworker."""
    return attachment_add(
        user=world.cw, case=world.case_ir, upload=pdf(), filename="medical report.pdf", description="Clinic visit"
    )


def download_url(attachment):
    return reverse("attachment_download", args=[attachment.case.reference, attachment.pk])


def upload(client, case):
    url = reverse("attachment_upload", args=[case.reference])
    return client.post(url, {"file": SimpleUploadedFile("photo.jpg", jpeg())})


def share(world, agency, identity):
    case_share(user=world.sup, case=world.case_ir, agency=agency, include_identity=identity, reason="Referral")


# --- who sees and downloads -------------------------------------------------------------------


@pytest.mark.parametrize("who", ["cw", "sup", "focal_ir_own"])
def test_the_owning_agencys_staff_download(client, world, attached, who):
    user = {"cw": world.cw, "sup": world.sup}.get(who)
    if who == "focal_ir_own":  # a focal point works on their own agency's cases like a caseworker
        from .conftest import log_case

        case = log_case(world.focal_ir, world.ir_commission)
        attached = attachment_add(user=world.focal_ir, case=case, upload=pdf(), filename="f.pdf")
        user = world.focal_ir
    client.force_login(user)
    response = client.get(download_url(attached))
    assert response.status_code == 200
    assert response.content == strip_pdf_metadata(pdf())


@pytest.mark.parametrize(
    "who",
    ["cw_police", "cw_af", "sp_af", "sp_ir", "focal_ir", "pm_ir", "auditor_ir", "pm_region", "admin_user", "nobody"],
)
def test_everyone_outside_the_case_or_pseudonymous_gets_404(client, world, attached, who):
    client.force_login(getattr(world, who))
    assert client.get(download_url(attached)).status_code == 404
    assert upload(client, world.case_ir).status_code == 404
    delete = reverse("attachment_delete", args=[world.case_ir.reference, attached.pk])
    assert client.post(delete, {"reason": "x"}).status_code == 404
    assert Attachment.objects.filter(case=world.case_ir).count() == 1
    assert not AccessEvent.objects.filter(what="attachment download").exists()


def test_oversight_sees_the_case_but_no_attachment_section(client, world, attached):
    client.force_login(world.pm_ir)
    page = client.get(reverse("case_detail", args=[world.case_ir.reference]))
    assert page.status_code == 200  # the pseudonymous case is visible
    body = page.content.decode()
    assert 'id="attachments"' not in body and "medical report" not in body and "/attachments/" not in body


def test_a_share_without_identity_gives_no_attachments(client, world, attached):
    share(world, world.ir_police, identity=False)
    client.force_login(fresh(world.cw_police))
    assert client.get(reverse("case_detail", args=[world.case_ir.reference])).status_code == 200
    assert client.get(download_url(attached)).status_code == 404
    assert upload(client, world.case_ir).status_code == 404


def test_a_share_with_identity_may_download_but_not_upload_or_remove(client, world, attached, private_media):
    share(world, world.af_ngo, identity=True)
    client.force_login(fresh(world.sp_af))  # a service provider of the receiving agency
    page = client.get(reverse("case_detail", args=[world.case_ir.reference]))
    assert "medical report.pdf" in page.content.decode()
    assert client.get(download_url(attached)).status_code == 200
    assert upload(client, world.case_ir).status_code == 403
    delete = reverse("attachment_delete", args=[world.case_ir.reference, attached.pk])
    assert client.post(delete, {"reason": "x"}).status_code == 403
    assert len(stored_files(private_media)) == 1


def test_anonymous_users_are_sent_to_sign_in(world, attached, private_media):
    anonymous = Client()
    response = anonymous.get(download_url(attached))
    assert response.status_code == 302 and "/login/" in response["Location"]
    response = upload(anonymous, world.case_ir)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert Attachment.objects.count() == 1 and len(stored_files(private_media)) == 1


def test_an_attachment_of_another_case_is_not_reachable_through_mine(client, world, attached):
    mine = attachment_add(user=world.cw_af, case=world.case_af, upload=jpeg(), filename="a.jpg")
    client.force_login(world.cw_af)
    wrong = reverse("attachment_download", args=[world.case_af.reference, attached.pk])
    assert client.get(wrong).status_code == 404
    assert client.get(download_url(mine)).status_code == 200


def test_the_case_page_lists_attachments_with_a_form_for_editors(client, world, attached):
    client.force_login(world.cw)
    body = client.get(reverse("case_detail", args=[world.case_ir.reference])).content.decode()
    assert 'id="attachments"' in body
    assert "medical report.pdf" in body and "Clinic visit" in body and "Cw" in body
    assert download_url(attached) in body
    assert 'enctype="multipart/form-data"' in body
    assert "<script" not in body.split('id="attachments"')[1].split("</section>")[0]
    assert "style=" not in body.split('id="attachments"')[1].split("</section>")[0]


# --- the download -----------------------------------------------------------------------------


def test_the_download_is_an_attachment_that_is_never_rendered_or_cached(client, world, attached):
    client.force_login(world.cw)
    response = client.get(download_url(attached))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="medical report.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox; frame-ancestors 'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Length"] == str(len(strip_pdf_metadata(pdf())))
    head = client.head(download_url(attached))
    assert head.status_code == 200 and head.content == b"" and head["Content-Type"] == "application/pdf"


def test_a_non_ascii_file_name_is_offered_safely(client, world):
    attachment = attachment_add(
        user=world.cw, case=world.case_ir, upload=jpeg(), filename='گذرنامه "رضا"\r\nSet-Cookie: x=1.jpg'
    )
    client.force_login(world.cw)
    disposition = client.get(download_url(attachment))["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert "\r" not in disposition and "\n" not in disposition and '"' not in disposition.split("''", 1)[1]


def test_each_download_is_recorded_in_the_access_log(client, world, attached):
    client.force_login(world.cw)
    client.get(download_url(attached))
    event = AccessEvent.objects.get(what="attachment download")
    assert event.actor_id == world.cw.id
    assert event.case_ids == [world.case_ir.id]
    assert event.person_ids == [world.case_ir.person_id]


def test_no_public_url_serves_a_stored_file(client, world, attached, settings, private_media):
    assert not settings.MEDIA_URL or settings.MEDIA_URL == "/"  # no media URL is configured
    assert not getattr(settings, "MEDIA_ROOT", "")
    path = storage.path_for(attached.stored_name)
    relative = path.relative_to(private_media)
    static = "/" + settings.STATIC_URL.strip("/") + "/"
    client.force_login(world.cw)
    for url in [
        f"/{relative}",
        f"/private_media/{relative}",
        f"/media/{relative}",
        f"{static}{relative}",
        f"{static}../private_media/{relative}",
        f"/{attached.stored_name.hex}",
        f"/attachments/{attached.stored_name.hex}",
        f"/cases/{world.case_ir.reference}/attachments/{attached.stored_name.hex}/download",
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert pdf() not in response.content


def test_the_storage_may_not_overlap_a_public_directory(settings):
    from documents.checks import private_media_is_private

    settings.PRIVATE_MEDIA_ROOT = settings.BASE_DIR / "static" / "private"
    assert [e.id for e in private_media_is_private(None)] == ["documents.E001"]
    settings.PRIVATE_MEDIA_ROOT = settings.BASE_DIR / "private_media"
    assert private_media_is_private(None) == []


# --- removal and erasure ----------------------------------------------------------------------


def test_an_editor_removes_an_attachment_with_a_reason(client, world, attached, private_media):
    client.force_login(world.sup)
    url = reverse("attachment_delete", args=[world.case_ir.reference, attached.pk])
    assert client.get(url).status_code == 200
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 200 and refused.context["form"].errors["reason"]
    assert len(stored_files(private_media)) == 1
    response = client.post(url, {"reason": "Uploaded to the wrong case"})
    assert response.status_code == 302
    attached.refresh_from_db()
    assert attached.deleted_by == world.sup and attached.deletion_reason == "Uploaded to the wrong case"
    assert stored_files(private_media) == []
    event = CaseEvent.objects.get(case=world.case_ir, action="attachment_deleted")
    assert "wrong case" not in event.summary
    assert client.get(download_url(attached)).status_code == 404
    assert "medical report" not in client.get(reverse("case_detail", args=[world.case_ir.reference])).content.decode()


def test_erasure_removes_every_file_and_keeps_a_record_without_identity(world, attached, private_media):
    attachment_add(user=world.cw, case=world.case_ir, upload=jpeg(), filename="Reza Ahmadi passport.jpg")
    assert len(stored_files(private_media)) == 2
    assert attachments_erase_for_case(case=world.case_ir) == 2
    assert stored_files(private_media) == []
    for row in Attachment.objects.filter(case=world.case_ir):
        assert row.erased_at and row.display_name == "" and row.description == "" and row.sha256 == ""
        assert row.size > 0 and row.content_type and row.uploaded_by_agency == world.ir_ngo
    assert CaseEvent.objects.filter(case=world.case_ir, action="attachments_erased").count() == 1
    assert attachments_erase_for_case(case=world.case_ir) == 0  # idempotent
