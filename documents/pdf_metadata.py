"""Strip a PDF's metadata before it is stored.

A scanned statement or a passport copy carries, in its document information and XMP packets, the
author's name, the organisation, the scanner or phone model, the software and the times it was
made: enough to tie a file to a place and a person. Photos are re-encoded from their pixels for the
same reason (documents.validation); a PDF cannot be, so it is rewritten by qpdf (pikepdf) without:
- the trailer's /Info dictionary (Title, Author, Creator, Producer, dates, custom keys);
- every /Metadata stream (the document's XMP, and those of pages, images and fonts);
- every /PieceInfo dictionary (private data of the application that made the file);
- the file identifier, replaced by one derived from the content.
The pages, their text and images are untouched. The result is checked again by the caller.
"""

import io

import pikepdf

STRIPPED_KEYS = ("/Metadata", "/PieceInfo")


class UnreadablePdf(ValueError):
    """qpdf could not parse the file."""


def strip_pdf_metadata(data: bytes) -> bytes:
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PdfError as e:
        raise UnreadablePdf(str(e)) from None
    with pdf:
        if "/Info" in pdf.trailer:
            del pdf.trailer["/Info"]
        for obj in pdf.objects:
            dictionary = obj.stream_dict if isinstance(obj, pikepdf.Stream) else obj
            if isinstance(dictionary, pikepdf.Dictionary):
                for key in STRIPPED_KEYS:
                    if key in dictionary:
                        del dictionary[key]
        out = io.BytesIO()
        pdf.remove_unreferenced_resources()
        pdf.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()
