"""Attachments of a case under /api/v1/cases/{reference}/attachments/: scoped like every case
sub-resource (the case through cases.selectors: 404 out of scope), and only for users who see the
case WITH identity (404 for pseudonymous readers). Writes go through documents.services (403 for a
visible case the user may not change)."""

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from glo_act.api import ScopedViewSet

from .. import services
from ..models import Attachment, AttachmentContentType
from ..responses import download_response
from ..selectors import attachments_of, case_for_attachments
from ..uploads import TOO_LARGE, TOO_MANY, upload_refusal
from ..validation import too_large_message
from . import serializers as s

logger = logging.getLogger(__name__)
FILE_RESPONSES = {(200, content_type): OpenApiTypes.BINARY for content_type in AttachmentContentType.values}


class AnyAccept(DefaultContentNegotiation):
    """The download answers with the file whatever the client's Accept header says (errors as JSON)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


@extend_schema(
    parameters=[
        OpenApiParameter("case_reference", OpenApiTypes.STR, OpenApiParameter.PATH, description="Case reference")
    ]
)
@extend_schema_view(
    list=extend_schema(summary="The case's documents and photos (identity access only)"),
    retrieve=extend_schema(summary="One attachment's details"),
)
class AttachmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = Attachment
    serializer_class = s.AttachmentSerializer
    parser_classes = [MultiPartParser]

    @cached_property
    def parent(self):
        return case_for_attachments(self.request.user, self.kwargs["case_reference"])

    def scoped_queryset(self, user):
        case, _access = self.parent
        return attachments_of(case).select_related("case")

    def get_serializer_class(self):
        if self.action == "create":
            return s.AttachmentUploadSerializer
        if self.action == "remove":
            return s.AttachmentDeleteSerializer
        return s.AttachmentSerializer

    @extend_schema(
        summary="Attach a document or photo (multipart/form-data)",
        request={"multipart/form-data": s.AttachmentUploadSerializer},
        responses={201: s.AttachmentSerializer},
    )
    def create(self, request, *args, **kwargs):
        case, access = self.parent
        if not access.edit:
            raise PermissionDenied("Only staff of the case's agency can add attachments.")
        request.data  # noqa: B018  (parsing runs the upload handler, which may refuse the file)
        refusal = upload_refusal(request)
        if refusal == TOO_LARGE:
            raise exceptions.ValidationError({"file": [too_large_message()]})
        if refusal == TOO_MANY:
            raise exceptions.ValidationError({"file": ["Attach one file at a time."]})
        serializer = s.AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = data["file"]
        attachment = services.attachment_add(
            user=request.user, case=case, upload=upload, filename=upload.name,
            kind=data.get("kind", ""), description=data.get("description", ""),
        )  # fmt: skip
        attachment.case = case
        output = s.AttachmentSerializer(attachment, context=self.get_serializer_context())
        return Response(output.data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Download the file (Content-Disposition: attachment)",
        responses={**FILE_RESPONSES, 404: OpenApiResponse(description="Out of scope, pseudonymous, or removed")},
    )
    @action(detail=True, methods=["get"], content_negotiation_class=AnyAccept)
    def download(self, request, *args, **kwargs):
        attachment = self.get_object()
        case, _access = self.parent
        try:
            content = services.attachment_content(attachment=attachment)
        except FileNotFoundError:
            logger.error("Attachment %s has no file on disk.", attachment.pk)
            raise Http404("No such attachment.") from None
        from audit.services import access_record

        access_record(user=request.user, request=request, case_ids=[case.id], what="api attachment download")
        return download_response(attachment, content)

    @extend_schema(
        summary="Remove an attachment (the file is deleted; the record keeps who, when and why)",
        request=s.AttachmentDeleteSerializer,
        responses={204: None},
    )
    @action(detail=True, methods=["post"], url_path="delete", url_name="delete", parser_classes=[JSONParser])
    def remove(self, request, *args, **kwargs):
        attachment = self.get_object()
        case, _access = self.parent
        serializer = s.AttachmentDeleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.attachment_delete(
            user=request.user, case=case, attachment=attachment, reason=serializer.validated_data["reason"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
