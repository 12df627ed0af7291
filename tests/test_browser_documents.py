"""A caseworker attaches a phone photo (with GPS in it) to a case, sees it listed, downloads it and
finds no location in the copy; a malicious file is refused with a message. Screenshots go to
test-artifacts/."""

import io
from pathlib import Path

import pytest
from PIL import ExifTags, Image

from .conftest import load_reference_geography, log_case, make_agency, make_user
from .documents_support import (
    HTML,
    gps_jpeg,
    private_media_fixture,  # noqa: F401  (autouse, named private_media)
)
from .test_browser_identification import ARTIFACTS, browser, browser_login, shot, totp_now  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_caseworker_attaches_a_photo_and_downloads_a_copy_without_gps(live_server, browser, private_media):  # noqa: F811
    load_reference_geography()
    agency = make_agency("IR-NGO", "IR", "NGO", name="Tehran Child Support Centre", city="Tehran")
    sara = make_user("sara", agency, "caseworker", last_name="Moradi")
    case = log_case(sara, agency)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page.set_default_timeout(10_000)
    totp_now(sara)  # her authenticator is enrolled already: sign-in asks for its code
    browser_login(page, live_server, sara)

    page.goto(f"{live_server.url}/cases/{case.reference}/")
    section = page.locator("#attachments")
    assert "No documents or photos attached." in section.inner_text()
    section.get_by_text("Attach a document or photo").click()
    photo = gps_jpeg()
    page.locator("#attachment-file").set_input_files(
        files=[{"name": "IMG_20260312_0931.jpg", "mimeType": "image/jpeg", "buffer": photo}]
    )
    page.locator("#attachment-kind").select_option("photo")
    page.locator("#attachment-description").fill("Bruise on the left arm, photographed at intake")
    section.screenshot(path=str(ARTIFACTS / "documents-01-upload-form.png"))
    section.get_by_role("button", name="Attach").click()
    page.wait_for_url(f"**/cases/{case.reference}/#attachments")
    assert "Attachment added." in page.locator(".messages").inner_text()
    row = page.locator("#attachments table tbody tr")
    assert row.count() == 1
    text = row.first.inner_text()
    assert "IMG_20260312_0931.jpg" in text and "Photo" in text and "Sara Moradi" in text and "IR-NGO" in text
    assert "Bruise on the left arm" in text
    page.locator("#attachments").scroll_into_view_if_needed()
    shot(page, "documents-02-listed", full_page=False)
    section.screenshot(path=str(ARTIFACTS / "documents-02-listed-section.png"))

    with page.expect_download() as info:
        row.first.get_by_role("link", name="IMG_20260312_0931.jpg").click()
    download = info.value
    assert download.suggested_filename == "IMG_20260312_0931.jpg"
    copy = Path(download.path()).read_bytes()
    image = Image.open(io.BytesIO(copy))
    assert image.format == "JPEG" and image.size == (30, 60)
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo) and b"GloCam" not in copy

    # A web page disguised as a PDF is refused, with the reason next to the field.
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    page.locator("#attachments").get_by_text("Attach a document or photo").click()
    page.locator("#attachment-file").set_input_files(
        files=[{"name": "report.pdf", "mimeType": "application/pdf", "buffer": HTML}]
    )
    page.locator("#attachments").get_by_role("button", name="Attach").click()
    page.wait_for_load_state()
    assert "is not accepted" in page.locator(".errors").inner_text()
    shot(page, "documents-03-refused")
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    assert page.locator("#attachments table tbody tr").count() == 1
