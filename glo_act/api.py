"""What every API view shares: the scoped base viewset, errors, pseudonymisation.

Scoping lives in the apps' selectors (partners.selectors, cases.selectors); the API never filters
by hand. `ScopedViewSet.get_queryset` is the only way a view reaches rows, so list and detail are
scoped the same way and an object out of scope answers 404, as if it did not exist.
Pagination is in glo_act.api_pagination (DRF imports it while its generics module loads).
"""

from collections.abc import Callable

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import exceptions, serializers, viewsets
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from cases.models import REDACTED_FIELDS
from glo_act.exceptions import StateConflict


def validation_error_detail(error: DjangoValidationError) -> dict:
    """A django ValidationError as DRF's error body: {field: [messages]}, `non_field_errors` else."""
    if hasattr(error, "error_dict"):
        detail = {}
        for field, messages in error.message_dict.items():
            key = api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field
            detail.setdefault(key, []).extend(messages)
        return detail
    return {api_settings.NON_FIELD_ERRORS_KEY: list(error.messages)}


class Conflict(exceptions.APIException):
    """The request does not fit the object's current state (glo_act.exceptions.StateConflict)."""

    status_code = 409
    default_detail = _("This change does not fit the current state.")
    default_code = "conflict"


def exception_handler(exc, context):
    """DRF's handler, taught the service layer's exceptions.

    Services raise django's ValidationError (400, naming the fields; the service is atomic, so
    nothing was written), PermissionDenied (403) and StateConflict (409, e.g. a referral's illegal
    transition, with the service's message saying why). Http404 from the selectors stays 404.
    """
    if isinstance(exc, StateConflict):
        exc = Conflict(str(exc) or None)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_error_detail(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)


class ScopedViewSet(viewsets.GenericViewSet):
    """Base of every API viewset: rows come only from the app's scoping selector.

    Set `selector` to a function user -> QuerySet (partners.selectors / cases.selectors), or
    override `scoped_queryset`. `model` names the model for schema generation, where there is no
    real user and no URL arguments.
    """

    selector: Callable | None = None
    model = None

    def scoped_queryset(self, user) -> QuerySet:
        if self.selector is None:
            raise NotImplementedError(f"{type(self).__name__} must set `selector` or override scoped_queryset.")
        return type(self).selector(user)

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular building the schema
            return self.model.objects.none()
        return self.scoped_queryset(self.request.user)


class WritesThroughServices:
    """Serializers only validate input: the view hands validated_data to a service."""

    def create(self, validated_data):
        raise NotImplementedError("API writes go through cases.services, never serializer.save().")

    def update(self, instance, validated_data):
        raise NotImplementedError("API writes go through cases.services, never serializer.save().")


class PseudonymousSerializer(WritesThroughServices, serializers.Serializer):
    """Base of serializers for case data: drops what pseudonymous viewers must never see.

    The fields dropped are cases.models.REDACTED_FIELDS[redacted_model]. Whether a row is shown
    with identity comes from the serializer context:
    - `identity_case_ids`: a set of case ids (one page's worth, from cases.selectors.identity_case_ids);
    - `view_identity`: one boolean for the whole response (a detail, or one case's nested list).
    With neither, the row is pseudonymous: redaction is the default, identity the exception.
    Mix in before ModelSerializer and list "pseudonymous" in Meta.fields.
    """

    redacted_model: str = ""
    also_redacted: frozenset[str] = frozenset()

    pseudonymous = serializers.SerializerMethodField(
        help_text="True when identifying fields and free text were left out for this user."
    )

    def case_id_of(self, instance) -> int:
        return instance.case_id

    def shows_identity(self, instance) -> bool:
        ids = self.context.get("identity_case_ids")
        if ids is not None:
            return self.case_id_of(instance) in ids
        return bool(self.context.get("view_identity", False))

    def get_pseudonymous(self, instance) -> bool:
        return not self.shows_identity(instance)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.shows_identity(instance):
            for name in REDACTED_FIELDS[self.redacted_model] | self.also_redacted:
                data.pop(name, None)
        return data


# The token view moved to accounts.api (tokens that expire, need the second factor; issue 5).


class PseudonymousSerializerSchema(OpenApiSerializerExtension):
    """In the schema, what a pseudonymous response leaves out is not `required`."""

    target_class = PseudonymousSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "response" and "required" in schema:
            target = self.target
            dropped = REDACTED_FIELDS[target.redacted_model] | target.also_redacted
            schema["required"] = [name for name in schema["required"] if name not in dropped]
            if not schema["required"]:
                del schema["required"]
        return schema
