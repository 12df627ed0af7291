"""Attachment serializers: the input's shape only (documents.services decides by content); server-set
fields (names, type, size, checksum, uploader, agency, dates) are read-only."""

from rest_framework import serializers
from rest_framework.reverse import reverse

from glo_act.api import WritesThroughServices

from ..models import Attachment, AttachmentKind
from ..services import DESCRIPTION_MAX, REASON_MAX

USERNAME = {"slug_field": "username", "read_only": True}


class AttachmentSerializer(serializers.ModelSerializer):
    """A document or photo on a case; the file itself only through `download_url`."""

    uploaded_by = serializers.SlugRelatedField(**USERNAME)
    uploaded_by_agency = serializers.SlugRelatedField(slug_field="short_name", read_only=True)
    download_url = serializers.SerializerMethodField(help_text="GET it for the file, as a download.")

    class Meta:
        model = Attachment
        fields = [
            "id", "kind", "display_name", "content_type", "size", "sha256", "description", "uploaded_by",
            "uploaded_by_agency", "created_at", "download_url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_download_url(self, attachment) -> str:
        return reverse(
            "api:case-attachment-download",
            kwargs={"case_reference": attachment.case.reference, "pk": attachment.pk},
            request=self.context.get("request"),
        )


class AttachmentUploadSerializer(WritesThroughServices, serializers.Serializer):
    """multipart/form-data: one file, its kind and a description. The server decides the type from the
    content, and sets the name, size, checksum, uploader and agency."""

    file = serializers.FileField(
        help_text="A PDF, JPEG, PNG or WebP file, checked by its content. Images are re-encoded: EXIF and GPS "
        "data are removed. Larger than ATTACHMENT_MAX_BYTES (10 MB by default) is refused."
    )
    kind = serializers.ChoiceField(
        choices=AttachmentKind.choices, required=False, help_text="Decided from the file when left out."
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=DESCRIPTION_MAX)


class AttachmentDeleteSerializer(WritesThroughServices, serializers.Serializer):
    """Why the attachment is removed; the file is deleted, the record kept."""

    reason = serializers.CharField(max_length=REASON_MAX, help_text="Why the attachment is removed (kept on record).")
