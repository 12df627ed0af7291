"""What an upload must be to be kept, decided from its bytes: never from its name or the client's
Content-Type.

The rule, in order (each refusal is a ValidationError on `file` with a message a caseworker can act on):
1. The first bytes must be a PDF, JPEG, PNG or WebP signature (the `filetype` package). Anything else
   is refused: plain text, HTML, SVG, XML, scripts, archives (zip, so no zip bombs), Office files.
2. No file may also be something else (a polyglot): none may contain HTML or script markup
   (`<script`, `<html`, `<svg`, `<iframe`, `javascript:` ...), none may also be a valid ZIP archive
   (GIFAR-style: an image with a jar/zip appended), and no image may contain a PDF header.
3. An image must decode completely with Pillow as the format its signature says, within
   ATTACHMENT_MAX_PIXELS (and ATTACHMENT_MAX_SIDE per side): a decompression bomb is refused from its
   header before any pixel is decoded. Only the pixels are kept: the image is RE-ENCODED from its
   decoded pixels (turned upright first), so EXIF, GPS, XMP, ICC, comments and anything appended
   after the image are gone. Animated images keep their first frame.
4. A PDF cannot be re-encoded, so it must be inert: it starts with `%PDF-`, has nothing but
   whitespace after its last `%%EOF`, is not encrypted (it could not be checked), and names none of
   the active features (JavaScript, JS, Launch, EmbeddedFile(s), FileAttachment, RichMedia, XFA,
   SubmitForm, ImportData, GoToE, GoToR, AA, an OpenAction that is an action rather than a page
   destination), neither in its raw bytes nor in any compressed stream (object streams hide
   dictionaries), with `#xx` escapes in names decoded first. Inflating is bounded: a PDF whose
   streams inflate past ATTACHMENT_PDF_INFLATE_BYTES is refused as too complex to check.
5. A PDF that passes is rewritten without its metadata (documents.pdf_metadata: document
   information, XMP, PieceInfo, file identifier) and the rewritten file is checked again.
"""

import io
import re
import unicodedata
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .models import AttachmentContentType
from .pdf_metadata import UnreadablePdf, strip_pdf_metadata

# Detected MIME type -> (file name extension, Pillow formats allowed to decode it).
ACCEPTED = {
    AttachmentContentType.PDF: ("pdf", ()),
    AttachmentContentType.JPEG: ("jpg", ("JPEG", "MPO")),
    AttachmentContentType.PNG: ("png", ("PNG",)),
    AttachmentContentType.WEBP: ("webp", ("WEBP",)),
}
EXTENSIONS = {
    AttachmentContentType.PDF: {"pdf"},
    AttachmentContentType.JPEG: {"jpg", "jpeg"},
    AttachmentContentType.PNG: {"png"},
    AttachmentContentType.WEBP: {"webp"},
}

# Markup that makes a file something a browser or viewer might run: searched, case-insensitively, in
# the raw bytes (a browser reads `<script` only with no space after `<`).
MARKUP = (
    b"<script", b"<html", b"<body", b"<iframe", b"<svg", b"<object", b"<embed", b"<frameset", b"<meta",
    b"<link", b"<!doctype", b"<?php", b"javascript:", b"vbscript:",
)  # fmt: skip
PDF_FORBIDDEN_NAMES = {
    b"JavaScript", b"JS", b"Launch", b"EmbeddedFile", b"EmbeddedFiles", b"FileAttachment", b"RichMedia",
    b"XFA", b"SubmitForm", b"ImportData", b"GoToE", b"GoToR", b"AA", b"Encrypt",
}  # fmt: skip
_DELIMITED = rb"(?=[\s/<>\[\]()%{}]|$)"
PDF_FORBIDDEN = re.compile(rb"/(" + b"|".join(sorted(PDF_FORBIDDEN_NAMES, key=len, reverse=True)) + rb")" + _DELIMITED)
# Names written with #xx escapes (/J#61vaScript): decoded, then compared.
PDF_ESCAPED_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]*#[0-9A-Fa-f]{2}[^\s/<>\[\]()%{}]*)")
# An OpenAction that is an action dictionary or a reference (a destination array `[` is harmless).
PDF_OPEN_ACTION = re.compile(rb"/OpenAction\s*(<<|\d+\s+\d+\s+R)")
PDF_STREAM = re.compile(rb"(?<!end)stream\r?\n")
PDF_SKIPPED_STREAMS = re.compile(rb"/Subtype\s*/Image|/FontFile|/Length1\b")
NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")

# Characters never kept in a display name: bidi overrides and isolates, marks, and other invisible
# format characters (ZWNJ and ZWJ stay: Persian words need them), plus what file systems refuse.
BIDI_AND_INVISIBLE = {chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]}
KEPT_FORMAT_CHARACTERS = {"\u200c", "\u200d"}
UNSAFE_IN_NAMES = set('<>:"/\\|?*')
DISPLAY_NAME_MAX = 120


@dataclass(frozen=True)
class CleanFile:
    content: bytes
    content_type: str
    extension: str
    width: int | None = None
    height: int | None = None

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


def refuse(message: str, code: str) -> ValidationError:
    return ValidationError({"file": ValidationError(message, code=code)})


def too_large_message() -> str:
    return _("The file is larger than %(size)s, the most an attachment may be.") % {
        "size": filesizeformat(settings.ATTACHMENT_MAX_BYTES)
    }


def check_upload(data: bytes) -> CleanFile:
    """The sanitised content to store, or a ValidationError saying why the file is refused."""
    if not data:
        raise refuse(_("The file is empty."), "empty")
    if len(data) > settings.ATTACHMENT_MAX_BYTES:
        raise refuse(too_large_message(), "too_large")
    guess = filetype.guess(data)
    content_type = guess.mime if guess else None
    if content_type not in ACCEPTED:
        if guess:
            message = _("This kind of file (%(type)s) is not accepted. Attach a PDF, JPEG, PNG or WebP file.")
            raise refuse(message % {"type": guess.mime}, "type")
        raise refuse(_("This kind of file is not accepted. Attach a PDF, JPEG, PNG or WebP file."), "type")
    lowered = data.lower()
    if any(marker in lowered for marker in MARKUP):
        raise refuse(_("The file contains web page or script code and is refused."), "polyglot")
    if zipfile.is_zipfile(io.BytesIO(data)):
        raise refuse(_("The file is also an archive (zip) and is refused."), "polyglot")
    if content_type == AttachmentContentType.PDF:
        _check_pdf(data)
        try:
            data = strip_pdf_metadata(data)
        except UnreadablePdf:
            raise refuse(_("The PDF could not be read."), "pdf_unreadable") from None
        _check_pdf(data)  # the rewritten file passes the same checks
        return CleanFile(content=data, content_type=content_type, extension="pdf")
    if b"%PDF-" in data:
        raise refuse(_("The image also contains a PDF document and is refused."), "polyglot")
    return _reencode_image(data, content_type)


def _check_pdf(data: bytes) -> None:
    end = data.rfind(b"%%EOF")
    if end < 0:
        raise refuse(_("The PDF is incomplete (no end marker)."), "pdf_incomplete")
    if data[end + 5 :].strip(b" \t\r\n\f\x00"):
        raise refuse(_("The PDF has data after its end and is refused."), "polyglot")
    _check_pdf_text(data)
    budget = settings.ATTACHMENT_PDF_INFLATE_BYTES
    for match in PDF_STREAM.finditer(data):
        start = match.end()
        header = data[max(0, match.start() - 600) : match.start()]
        if PDF_SKIPPED_STREAMS.search(header[header.rfind(b"obj") + 1 :]):
            continue  # images and fonts: pixels and glyphs, not dictionaries
        stop = data.find(b"endstream", start)
        if stop < 0:
            raise refuse(_("The PDF is damaged (a stream has no end)."), "pdf_incomplete")
        inflated, used = _inflate(data[start:stop], budget)
        budget -= used
        if budget <= 0:
            raise refuse(_("The PDF is too complex to check and is refused."), "pdf_too_complex")
        if inflated:
            _check_pdf_text(inflated)


def _check_pdf_text(text: bytes) -> None:
    if PDF_OPEN_ACTION.search(text):
        raise refuse(_("The PDF runs an action when opened and is refused."), "pdf_active")
    names = [m.group(1) for m in PDF_FORBIDDEN.finditer(text)]
    names += [NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw) for raw in PDF_ESCAPED_NAME.findall(text)]
    for name in names:
        if name == b"Encrypt":
            raise refuse(_("The PDF is encrypted or password-protected and cannot be checked."), "pdf_encrypted")
        if name in PDF_FORBIDDEN_NAMES:
            readable = name.decode("ascii", "replace")
            message = _("The PDF contains active content (/%(name)s) and is refused.") % {"name": readable}
            raise refuse(message, "pdf_active")


def _inflate(chunk: bytes, budget: int) -> tuple[bytes, int]:
    """Inflate a Flate stream, at most `budget` bytes; (b"", 0) when it is not Flate data."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(chunk, max(budget, 0) + 1)
    except zlib.error:
        return b"", 0
    return out, len(out)


def _reencode_image(data: bytes, content_type: str) -> CleanFile:
    extension, formats = ACCEPTED[content_type]
    max_pixels, max_side = settings.ATTACHMENT_MAX_PIXELS, settings.ATTACHMENT_MAX_SIDE
    limit = _("%(megapixels)s megapixels and %(side)s pixels a side") % {
        "megapixels": f"{max_pixels / 1_000_000:g}",
        "side": max_side,
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(formats)) as image:
                width, height = image.size
                if width * height > max_pixels or max(width, height) > max_side:
                    raise refuse(
                        _("The image is too large (%(width)s × %(height)s pixels); the limit is %(limit)s.")
                        % {"width": width, "height": height, "limit": limit},
                        "bomb",
                    )
                image.load()
                pixels = ImageOps.exif_transpose(image)
                pixels = _plain_mode(pixels, content_type)
                # A new image from the bare pixels: nothing of the original's metadata comes along.
                clean = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refuse(_("The image is too large; the limit is %(limit)s.") % {"limit": limit}, "bomb") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        message = _("The image is damaged or not what its content claims and cannot be read.")
        raise refuse(message, "bad_image") from None
    out = io.BytesIO()
    if content_type == AttachmentContentType.JPEG:
        clean.save(out, "JPEG", quality=90)
    elif content_type == AttachmentContentType.PNG:
        clean.save(out, "PNG", compress_level=1)  # level 6 takes seconds on a photo saved as PNG
    else:
        clean.save(out, "WEBP", quality=90)
    return CleanFile(
        content=out.getvalue(), content_type=content_type, extension=extension, width=clean.width, height=clean.height
    )


def _plain_mode(image: Image.Image, content_type: str) -> Image.Image:
    """A mode every encoder writes without a palette or profile: L or RGB, with alpha where it can."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if content_type == AttachmentContentType.JPEG:
        return image if image.mode in ("L", "RGB") else image.convert("RGB")
    if has_alpha:
        return image if image.mode == "RGBA" else image.convert("RGBA")
    return image if image.mode in ("L", "RGB") else image.convert("RGB")


def sanitise_display_name(name: str, content_type: str) -> str:
    """A file name fit to show and to offer as the download's name: the last path part only, no
    control, invisible or bidi-override characters, nothing a file system refuses, at most
    DISPLAY_NAME_MAX characters, ending in the extension of the type detected from the content."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = PurePosixPath(name.replace("\\", "/").replace("\x00", "/")).name
    kept = []
    for char in name:
        category = unicodedata.category(char)
        if char in BIDI_AND_INVISIBLE or char in UNSAFE_IN_NAMES:
            continue
        if category in ("Cc", "Cs", "Co", "Cn") or (category == "Cf" and char not in KEPT_FORMAT_CHARACTERS):
            continue
        kept.append(" " if category.startswith("Z") else char)
    name = " ".join("".join(kept).split()).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    allowed = EXTENSIONS[content_type]
    extension = ext.lower() if ext.lower() in allowed else ACCEPTED[content_type][0]
    if ext.lower() not in allowed and ext:
        stem = name  # keep what the uploader wrote, add the real extension
    stem = stem.strip(" .") or "attachment"
    stem = stem[: DISPLAY_NAME_MAX - len(extension) - 1].rstrip(" .") or "attachment"
    return f"{stem}.{extension}"
