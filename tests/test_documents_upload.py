"""Uploading attachments through the case page: what is kept, what is refused, and that a refusal
leaves nothing behind (no row, no file, no timeline event)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from cases.models import CaseEvent
from documents import storage
from documents.models import Attachment
from documents.pdf_metadata import strip_pdf_metadata
from documents.services import attachment_add
from documents.validation import DISPLAY_NAME_MAX, sanitise_display_name

from .documents_support import (
    gps_jpeg,
    jpeg,
    malicious_corpus,
    pdf,
    png,
    private_media_fixture,  # noqa: F401  (autouse, named private_media)
    stored_files,
    webp,
)

CORPUS = malicious_corpus()


def upload(client, case, name, content, **fields):
    url = reverse("attachment_upload", args=[case.reference])
    return client.post(url, {"file": SimpleUploadedFile(name, content), **fields})


def nothing_stored(case, root):
    assert not Attachment.objects.filter(case=case).exists()
    assert not CaseEvent.objects.filter(case=case, action__startswith="attachment").exists()
    assert stored_files(root) == []


@pytest.mark.parametrize(
    "name, content, content_type",
    [
        ("scan.pdf", pdf(), "application/pdf"),
        ("photo.jpg", jpeg(), "image/jpeg"),
        ("photo.png", png(), "image/png"),
        ("photo.webp", webp(), "image/webp"),
        ("pdf-with-page-destination.pdf", pdf(b"/OpenAction [3 0 R /Fit]"), "application/pdf"),
        (
            "pdf-with-link-and-escaped-font.pdf",
            pdf(b"/URI (https://example.org) /BaseFont /Arial#20Bold"),
            "application/pdf",
        ),
    ],
)
def test_it_keeps_pdf_jpeg_png_and_webp(client, world, private_media, name, content, content_type):
    client.force_login(world.cw)
    response = upload(client, world.case_ir, name, content, kind="document", description="Medical report")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"].endswith(f"/cases/{world.case_ir.reference}/#attachments")
    attachment = Attachment.objects.get(case=world.case_ir)
    assert attachment.content_type == content_type
    assert attachment.display_name == name
    assert attachment.uploaded_by == world.cw and attachment.uploaded_by_agency == world.ir_ngo
    assert attachment.description == "Medical report"
    assert [p.name for p in stored_files(private_media)] == [attachment.stored_name.hex]
    event = CaseEvent.objects.get(case=world.case_ir, action="attachment_added")
    assert name not in event.summary and "Medical" not in event.summary  # the timeline names no file


@pytest.mark.parametrize("label", list(CORPUS))
def test_it_refuses_the_malicious_corpus_and_keeps_nothing(client, world, private_media, label):
    name, content = CORPUS[label]
    client.force_login(world.cw)
    response = upload(client, world.case_ir, name, content)
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert errors and "Attachment added" not in response.content.decode()
    nothing_stored(world.case_ir, private_media)


def test_the_refusals_say_why(client, world):
    client.force_login(world.cw)
    cases = {
        "zip": "not accepted",
        "SVG with script": "not accepted",
        "JPEG with HTML appended": "script code",
        "JPEG with a zip appended (GIFAR-like)": "archive",
        "PDF with JavaScript on open": "action when opened",
        "PDF with JavaScript hidden in an object stream": "active content (/JavaScript)",
        "PDF with an escaped /J#61vaScript name": "active content (/JavaScript)",
        "encrypted PDF": "encrypted",
        "decompression bomb PNG (64 megapixels)": "too large (8000 × 8000 pixels)",
        "decompression bomb PNG header (10 gigapixels)": "too large",
    }
    for label, words in cases.items():
        name, content = CORPUS[label]
        response = upload(client, world.case_ir, name, content)
        assert words in " ".join(response.context["form"].errors["file"]), label


def test_a_gps_tagged_photo_is_stored_without_exif_gps_or_comment_and_upright(client, world, private_media):
    original = gps_jpeg()
    source = Image.open(io.BytesIO(original))
    assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo does carry a position
    assert source.size == (60, 30)
    client.force_login(world.cw)
    assert upload(client, world.case_ir, "IMG_0001.jpg", original).status_code == 302
    attachment = Attachment.objects.get(case=world.case_ir)
    stored = storage.read(attachment.stored_name)
    image = Image.open(io.BytesIO(stored))
    exif = image.getexif()
    assert len(exif) == 0 and not exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert "exif" not in image.info and "comment" not in image.info and "icc_profile" not in image.info
    assert b"GloCam" not in stored and b"safe house" not in stored and b"Exif" not in stored
    assert image.size == (30, 60)  # turned upright, as the EXIF orientation asked
    assert attachment.size == len(stored)


def test_an_oversized_file_is_refused_while_it_arrives(client, world, private_media, settings):
    settings.ATTACHMENT_MAX_BYTES = 200_000
    client.force_login(world.cw)
    response = upload(client, world.case_ir, "big.jpg", jpeg() + b"\0" * 300_000)
    assert response.status_code == 200
    assert "larger than 195.3" in " ".join(response.context["form"].errors["file"])
    nothing_stored(world.case_ir, private_media)


def multipart(boundary: str, parts: list[tuple[str, bytes]]) -> bytes:
    body = b""
    for headers, data in parts:
        body += f"--{boundary}\r\n{headers}\r\n\r\n".encode() + data + b"\r\n"
    return body + f"--{boundary}--\r\n".encode()


def test_a_file_part_that_lies_about_its_length_is_still_cut_off(client, world, private_media, settings):
    """The part says it is 100 bytes: the handler counts what actually arrives."""
    settings.ATTACHMENT_MAX_BYTES = 200_000
    client.force_login(world.cw)
    boundary = "glo-act-boundary"
    body = multipart(
        boundary,
        [
            (
                'Content-Disposition: form-data; name="file"; filename="big.jpg"\r\n'
                "Content-Type: image/jpeg\r\nContent-Length: 100",
                jpeg() + b"\0" * 300_000,
            ),
            ('Content-Disposition: form-data; name="kind"', b"photo"),
        ],
    )
    url = reverse("attachment_upload", args=[world.case_ir.reference])
    response = client.generic("POST", url, body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 200
    assert "larger than" in " ".join(response.context["form"].errors["file"])
    nothing_stored(world.case_ir, private_media)


def test_a_request_that_lies_about_its_length_stores_nothing(client, world, private_media):
    """Content-Length smaller than the body: the body is read only that far, the truncated file is refused."""
    client.force_login(world.cw)
    boundary = "glo-act-boundary"
    body = multipart(
        boundary, [('Content-Disposition: form-data; name="file"; filename="photo.jpg"', jpeg() + b"\0" * 50_000)]
    )
    url = reverse("attachment_upload", args=[world.case_ir.reference])
    response = client.generic(
        "POST", url, body, content_type=f"multipart/form-data; boundary={boundary}", CONTENT_LENGTH="2000"
    )
    assert response.status_code in (200, 400)
    nothing_stored(world.case_ir, private_media)


def test_the_upload_page_is_for_editors_only(client, world):
    url = reverse("attachment_upload", args=[world.case_ir.reference])
    client.force_login(world.cw)
    assert 'enctype="multipart/form-data"' in client.get(url).content.decode()
    client.force_login(world.pm_ir)
    assert client.get(url).status_code == 404


def test_only_one_file_is_taken_per_request(client, world, private_media):
    client.force_login(world.cw)
    url = reverse("attachment_upload", args=[world.case_ir.reference])
    response = client.post(url, {"file": [SimpleUploadedFile("a.jpg", jpeg()), SimpleUploadedFile("b.jpg", jpeg())]})
    assert response.status_code == 200
    assert "one file at a time" in " ".join(response.context["form"].errors["file"])


@pytest.mark.parametrize(
    "sent, shown",
    [
        ("../../etc/passwd", "passwd.jpg"),
        ("/etc/passwd", "passwd.jpg"),
        ("C:\\Windows\\System32\\evil.jpg", "evil.jpg"),
        ("photo.jpg\x00.html", "html.jpg"),
        ("photo\u202egpj.exe", "photogpj.exe.jpg"),
        ("\u2067رضا\u2069 passport.JPEG", "رضا passport.jpeg"),
        ("..", "attachment.jpg"),
        (".htaccess", "htaccess.jpg"),
        ('a"b<c>d|e?.jpg', "abcde.jpg"),
        ("photo.html", "photo.html.jpg"),
        ("", "attachment.jpg"),
    ],
)
def test_file_names_are_sanitised_for_display(sent, shown):
    assert sanitise_display_name(sent, "image/jpeg") == shown


def test_a_very_long_name_is_shortened_and_keeps_its_extension():
    name = sanitise_display_name("x" * 5000 + ".pdf", "application/pdf")
    assert len(name) == DISPLAY_NAME_MAX and name.endswith("xx.pdf")


@pytest.mark.parametrize(
    "sent",
    ["../../etc/passwd", "/etc/passwd", "..\\..\\boot.ini", "photo.jpg\x00.html", "photo\u202egpj.exe", "y" * 5000],
)
def test_path_names_never_reach_the_disk(world, private_media, sent):
    attachment = attachment_add(user=world.cw, case=world.case_ir, upload=jpeg(), filename=sent)
    files = stored_files(private_media)
    assert files == [storage.path_for(attachment.stored_name)]
    assert files[0].name == attachment.stored_name.hex
    assert files[0].resolve().is_relative_to(private_media.resolve())
    assert "/" not in attachment.display_name and "\\" not in attachment.display_name
    assert "\x00" not in attachment.display_name and "\u202e" not in attachment.display_name
    assert len(attachment.display_name) <= DISPLAY_NAME_MAX


def test_files_are_encrypted_at_rest_and_bound_to_their_name(world, private_media):
    content = pdf()
    first = attachment_add(user=world.cw, case=world.case_ir, upload=content, filename="a.pdf")
    second = attachment_add(user=world.cw, case=world.case_ir, upload=content, filename="b.pdf")
    raw = storage.path_for(first.stored_name).read_bytes()
    assert first.encrypted and raw.startswith(storage.ENCRYPTED_MAGIC)
    assert b"%PDF" not in raw and b"Medical report" not in raw
    assert storage.read(first.stored_name) == strip_pdf_metadata(content)  # what was stored, deterministic
    assert oct(storage.path_for(first.stored_name).stat().st_mode & 0o777) == "0o600"
    # A file copied over another one's name does not open.
    storage.path_for(second.stored_name).write_bytes(raw)
    with pytest.raises(Exception):  # noqa: B017,PT011  (cryptography's InvalidTag)
        storage.read(second.stored_name)


def test_an_upload_on_a_closed_case_is_refused(world, private_media):
    from django.core.exceptions import ValidationError

    from cases.services import case_close

    case_close(user=world.cw, case=world.case_ir, reason="LostContact")
    with pytest.raises(ValidationError):
        attachment_add(user=world.cw, case=world.case_ir, upload=jpeg(), filename="a.jpg")
    nothing_stored(world.case_ir, private_media)


def _pdf_with_metadata() -> bytes:
    import io

    import pikepdf

    document = pikepdf.new()
    document.add_blank_page()
    document.docinfo["/Author"] = "Zahra Karimi"
    document.docinfo["/Creator"] = "Scanner of the Herat office"
    with document.open_metadata() as meta:
        meta["dc:creator"] = ["Zahra Karimi"]
        meta["xmp:CreatorTool"] = "Phone model 9 at 34.35N 62.20E"
    document.pages[0].obj["/PieceInfo"] = pikepdf.Dictionary(
        {"/Editor": pikepdf.Dictionary({"/Private": pikepdf.String("caseworker notes")})}
    )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_it_strips_the_metadata_of_pdfs(world, private_media):
    import io

    import pikepdf

    upload = _pdf_with_metadata()
    assert b"Zahra Karimi" in upload and b"caseworker notes" in upload
    attachment = attachment_add(user=world.cw, case=world.case_ir, upload=upload, filename="statement.pdf")
    stored = storage.read(attachment.stored_name)
    for secret in (b"Zahra", b"Scanner", b"Phone model", b"34.35N", b"caseworker notes"):
        assert secret not in stored
    with pikepdf.open(io.BytesIO(stored)) as kept:
        assert len(kept.pages) == 1
        assert not dict(kept.docinfo)
        assert "/Metadata" not in kept.Root and "/PieceInfo" not in kept.pages[0].obj


def test_a_pdf_qpdf_cannot_read_is_refused_and_nothing_is_stored(world, private_media):
    from django.core.exceptions import ValidationError

    broken = b"%PDF-1.7\n" + b"\x00garbage that is not a PDF body\n" * 3 + b"%%EOF\n"
    with pytest.raises(ValidationError):
        attachment_add(user=world.cw, case=world.case_ir, upload=broken, filename="broken.pdf")
    assert stored_files(private_media) == []
