"""The only file upload handler (settings.FILE_UPLOAD_HANDLERS): uploads stay in memory, never in a
temporary file on disk, and an upload is cut off as soon as the bytes actually received pass
ATTACHMENT_MAX_BYTES. The request's Content-Length and a part's own Content-Length header are not
trusted: only counted bytes are. One file per request.

A refused file is skipped (the rest of the form still parses) and the reason is left on the request
for the view to report (`upload_refusal`).
"""

import io

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

REFUSAL_ATTRIBUTE = "_glo_act_upload_refusal"
TOO_LARGE = "too_large"
TOO_MANY = "too_many"


def upload_refusal(request) -> str | None:
    """Why the handler dropped an uploaded file of this request (a Django or DRF request), if it did."""
    django_request = getattr(request, "_request", request)
    return getattr(django_request, REFUSAL_ATTRIBUTE, None)


class BoundedMemoryUploadHandler(FileUploadHandler):
    chunk_size = 64 * 1024

    def __init__(self, request=None):
        super().__init__(request)
        self.buffer = None
        self.received = 0
        self.files_seen = 0

    def _refuse(self, reason: str):
        self.buffer = None
        if self.request is not None and getattr(self.request, REFUSAL_ATTRIBUTE, None) is None:
            setattr(self.request, REFUSAL_ATTRIBUTE, reason)
        raise SkipFile()

    def new_file(self, field_name, file_name, content_type, content_length, charset=None, content_type_extra=None):
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)
        self.files_seen += 1
        self.received = 0
        self.buffer = io.BytesIO()
        if self.files_seen > 1:
            self._refuse(TOO_MANY)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.ATTACHMENT_MAX_BYTES:
            self._refuse(TOO_LARGE)
        self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size):
        if self.buffer is None:
            return None
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
