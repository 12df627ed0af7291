"""Case endpoints. Reads come through cases.selectors (via ScopedViewSet), writes through
cases.services; a case out of the user's scope answers 404 here and on everything nested under it.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from audit.services import access_record  # audit (issue 5)
from cases import services
from cases.filtersets import CaseFilterSet
from cases.models import (
    BestInterestsDetermination,
    Case,
    CaseNote,
    Consent,
    Identification,
    ReflectionPeriod,
    RiskAssessment,
    ServiceDelivery,
    SupportPlan,
)
from cases.selectors import case_access, case_get, case_list, case_shares, identification_list, identity_case_ids
from glo_act.api import ScopedViewSet, validation_error_detail
from partners.models import Agency

from . import serializers as s


class PageRedactionMixin:
    """Lists whose rows belong to different cases: one identity_case_ids() call per page."""

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        ids = identity_case_ids(request.user, {self.case_id_of(row) for row in page})
        access_record(user=request.user, request=request, case_ids=ids, what=f"api {self.basename} list")  # audit
        context = {**self.get_serializer_context(), "identity_case_ids": ids}
        serializer = self.get_serializer(page, many=True, context=context)
        return self.get_paginated_response(serializer.data)


class CaseViewSet(PageRedactionMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Cases the user may see: their agency's, those shared with it, and (pseudonymously) those in the
    countries they oversee. Pseudonymous rows carry no identifying field and no free text."""

    model = Case
    serializer_class = s.CaseSerializer
    filterset_class = CaseFilterSet
    lookup_field = "reference"
    http_method_names = ["get", "patch", "post", "head", "options"]

    def scoped_queryset(self, user):
        return case_list(user).select_related("created_by")

    def case_id_of(self, case):
        return case.id

    def get_serializer_class(self):
        if self.action == "partial_update":
            return s.CaseUpdateSerializer
        if self.action == "close":
            return s.CaseCloseSerializer
        return s.CaseSerializer

    def case_response(self, case, status_code=status.HTTP_200_OK):
        context = {**self.get_serializer_context(), "view_identity": case_access(self.request.user, case).view_identity}
        if context["view_identity"]:  # audit: the answer carries the person's identity
            access_record(user=self.request.user, request=self.request, case_ids=[case.id], what="api case")
        return Response(s.CaseSerializer(case, context=context).data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        return self.case_response(self.get_object())

    @extend_schema(request=s.CaseUpdateSerializer, responses=s.CaseSerializer)
    def partial_update(self, request, *args, **kwargs):
        case = self.get_object()
        serializer = s.CaseUpdateSerializer(data=request.data, context={**self.get_serializer_context(), "case": case})
        serializer.is_valid(raise_exception=True)
        case = services.case_update(user=request.user, case=case, **serializer.validated_data)
        return self.case_response(case)

    @extend_schema(request=s.CaseCloseSerializer, responses=s.CaseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        case = self.get_object()
        serializer = s.CaseCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = services.case_close(
            user=request.user, case=case, reason=data["closure_reason"], notes=data["closure_notes"],
            referred=data["referred"], closed_on=data["closed_on"],
        )  # fmt: skip
        return self.case_response(case)


@extend_schema_view(
    list=extend_schema(summary="Identifications on the cases you may see"),
    create=extend_schema(
        summary="Log an identification: creates the person, the identification and the case",
        request=s.IdentificationLogSerializer,
        responses={201: s.CaseSerializer},
    ),
)
class IdentificationViewSet(PageRedactionMixin, mixins.ListModelMixin, ScopedViewSet):
    model = Identification
    selector = identification_list
    serializer_class = s.IdentificationSerializer

    def case_id_of(self, identification):
        return identification.case_id

    def get_serializer_class(self):
        return s.IdentificationLogSerializer if self.action == "create" else s.IdentificationSerializer

    def create(self, request, *args, **kwargs):
        serializer = s.IdentificationLogSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            case = services.identification_log(
                user=request.user, agency=data["agency"], person=dict(data["person"]),
                identification=dict(data["identification"]), assigned_to=data.get("assigned_to"),
            )  # fmt: skip
        except DjangoValidationError as error:
            raise exceptions.ValidationError(self.nest_errors(validation_error_detail(error))) from error
        context = {**self.get_serializer_context(), "view_identity": case_access(request.user, case).view_identity}
        return Response(s.CaseSerializer(case, context=context).data, status=status.HTTP_201_CREATED)

    @staticmethod
    def nest_errors(detail: dict) -> dict:
        """The service reports person and identification errors together; file them as the input is."""
        nested: dict = {}
        for field, messages in detail.items():
            if field in services.PERSON_FIELDS:
                nested.setdefault("person", {})[field] = messages
            elif field in services.IDENTIFICATION_FIELDS:
                nested.setdefault("identification", {})[field] = messages
            else:
                nested[field] = messages
        return nested


@extend_schema(
    parameters=[
        OpenApiParameter("case_reference", OpenApiTypes.STR, OpenApiParameter.PATH, description="Case reference")
    ]
)
class CaseChildViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Records of one case, reached only through the case: case_get() scopes it (404 when out of
    scope) and rows are filtered by that case, never looked up by a global id alone."""

    related: tuple[str, ...] = ()

    @cached_property
    def parent(self):
        return case_get(self.request.user, self.kwargs["case_reference"])

    def scoped_queryset(self, user):
        case, _access = self.parent
        return self.model.objects.filter(case=case).select_related(*self.related)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False) and "case_reference" in self.kwargs:
            case, access = self.parent
            context.update(case=case, view_identity=access.view_identity)
        return context

    def perform_service(self, case, data):
        raise NotImplementedError

    # --- audit (issue 5): reading a case's records with identity is recorded in the access log ---
    def list(self, request, *args, **kwargs):
        self._access_record("list")
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        self._access_record("detail")
        return super().retrieve(request, *args, **kwargs)

    def _access_record(self, what):
        case, access = self.parent
        if access.view_identity:
            what = f"api {self.basename} {what}"
            access_record(user=self.request.user, request=self.request, case_ids=[case.id], what=what)

    # --- end audit ---

    # Who may POST here: the case's own staff; ServiceDeliveryViewSet widens it to shares that
    # record services. Checked before the body, so a reader without the right gets 403, not a 400
    # about fields they could never write (the service checks again).
    write_access = "edit"

    def create(self, request, *args, **kwargs):
        """POST: check the right, validate the shape, then the service checks, validates and writes."""
        case, access = self.parent
        if not (access.edit or getattr(access, self.write_access)):
            raise exceptions.PermissionDenied(_("You may not add records to this case."))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = self.perform_service(case, dict(serializer.validated_data))
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)


class CaseIdentificationViewSet(CaseChildViewSet):
    """A case's identifications; POST records a further one (services.identification_add)."""

    model = Identification
    serializer_class = s.IdentificationSerializer
    related = ("case", "agency", "caseworker")

    def perform_service(self, case, data):
        return services.identification_add(user=self.request.user, case=case, data=data)


class CaseNoteViewSet(CaseChildViewSet):
    model = CaseNote
    serializer_class = s.CaseNoteSerializer
    related = ("author", "agency")

    def perform_service(self, case, data):
        return services.case_note_add(user=self.request.user, case=case, text=data["text"])


class ConsentViewSet(CaseChildViewSet):
    model = Consent
    serializer_class = s.ConsentSerializer
    related = ("recorded_by",)

    def perform_service(self, case, data):
        return services.consent_record(user=self.request.user, case=case, **data)

    @extend_schema(request=s.ConsentWithdrawSerializer, responses=s.ConsentSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.ConsentWithdrawSerializer)
    def withdraw(self, request, *args, **kwargs):
        case, _access = self.parent
        consent = self.get_object()
        serializer = s.ConsentWithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        consent = services.consent_withdraw(
            user=request.user, case=case, consent=consent, reason=serializer.validated_data["withdrawal_reason"]
        )
        return Response(s.ConsentSerializer(consent, context=self.get_serializer_context()).data)


class RiskAssessmentViewSet(CaseChildViewSet):
    model = RiskAssessment
    serializer_class = s.RiskAssessmentSerializer
    related = ("assessed_by",)

    def perform_service(self, case, data):
        return services.risk_assessment_add(user=self.request.user, case=case, **data)


@extend_schema_view(create=extend_schema(summary="Record a best-interests determination (for a child)"))
class BestInterestsDeterminationViewSet(CaseChildViewSet):
    """For a child: required before the origin focal point approves a cross-border referral."""

    model = BestInterestsDetermination
    serializer_class = s.BestInterestsDeterminationSerializer
    related = ("decided_by",)

    def perform_service(self, case, data):
        return services.best_interests_determination_add(user=self.request.user, case=case, **data)


@extend_schema_view(create=extend_schema(summary="Start a reflection period"))
class ReflectionPeriodViewSet(CaseChildViewSet):
    model = ReflectionPeriod
    serializer_class = s.ReflectionPeriodSerializer
    related = ("recorded_by",)

    def perform_service(self, case, data):
        return services.reflection_period_start(user=self.request.user, case=case, **data)

    @extend_schema(request=s.ReflectionPeriodEndSerializer, responses=s.ReflectionPeriodSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.ReflectionPeriodEndSerializer)
    def end(self, request, *args, **kwargs):
        case, _access = self.parent
        period = self.get_object()
        serializer = s.ReflectionPeriodEndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        period = services.reflection_period_end(
            user=request.user, case=case, period=period, **serializer.validated_data
        )
        return Response(s.ReflectionPeriodSerializer(period, context=self.get_serializer_context()).data)


class SupportPlanViewSet(CaseChildViewSet):
    model = SupportPlan
    serializer_class = s.SupportPlanSerializer
    related = ("created_by",)

    def perform_service(self, case, data):
        return services.support_plan_add(user=self.request.user, case=case, **data)


@extend_schema_view(create=extend_schema(summary="Record a service delivered"))
class ServiceDeliveryViewSet(CaseChildViewSet):
    write_access = "record_services"
    model = ServiceDelivery
    serializer_class = s.ServiceDeliverySerializer
    related = ("provider", "recorded_by", "recorded_by_agency")

    def perform_service(self, case, data):
        return services.service_delivery_record(user=self.request.user, case=case, **data)


@extend_schema(
    parameters=[
        OpenApiParameter("case_reference", OpenApiTypes.STR, OpenApiParameter.PATH, description="Case reference")
    ]
)
class CaseShareViewSet(viewsets.ViewSet):
    """Which agencies a case is shared with (owner staff), and sharing it (supervisors of the owner).

    A share is a guardian grant to the receiving agency's group; services.case_share/case_unshare
    make and end it and record it on the timeline.
    """

    lookup_field = "agency"
    lookup_value_regex = "[^/]+"

    def _case(self, request):
        case, access = case_get(request.user, self.kwargs["case_reference"])
        if not access.edit:
            raise exceptions.PermissionDenied(_("Only staff of the case's agency see its shares."))
        return case

    @extend_schema(responses=s.CaseShareSerializer(many=True))
    def list(self, request, *args, **kwargs):
        case = self._case(request)
        return Response(s.CaseShareSerializer(case_shares(case), many=True).data)

    @extend_schema(request=s.CaseShareCreateSerializer, responses={201: s.CaseShareSerializer(many=True)})
    def create(self, request, *args, **kwargs):
        case = self._case(request)
        serializer = s.CaseShareCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.case_share(user=request.user, case=case, **serializer.validated_data)
        return Response(s.CaseShareSerializer(case_shares(case), many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.CaseUnshareSerializer, responses=s.CaseShareSerializer(many=True))
    @action(detail=True, methods=["post"])
    def end(self, request, *args, **kwargs):
        case = self._case(request)
        agency = Agency.objects.filter(short_name=self.kwargs["agency"]).first()
        if agency is None or agency.id not in {share.agency.id for share in case_shares(case)}:
            raise exceptions.NotFound(_("This case is not shared with that agency."))
        serializer = s.CaseUnshareSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.case_unshare(user=request.user, case=case, agency=agency, **serializer.validated_data)
        return Response(s.CaseShareSerializer(case_shares(case), many=True).data)
