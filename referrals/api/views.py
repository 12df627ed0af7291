"""Referral and notification endpoints.

Reads come through referrals.selectors.referral_list (via ScopedViewSet), so a referral out of the
user's scope answers 404, here and on every action. Every write is a referrals.services call: the
service checks the actor (403), the state (409, glo_act.api.exception_handler maps InvalidTransition)
and the input (400 naming the fields; the service is atomic, so nothing was written).
"""

from django.contrib.postgres.fields import ArrayField
from django.db.models import CharField, OuterRef, Subquery
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from audit.services import access_record  # audit (issue 5)
from cases.models import Case, RiskAssessment
from glo_act.api import ScopedViewSet
from referrals import services
from referrals.models import Notification, Referral
from referrals.selectors import referral_list

from . import serializers as s
from .filtersets import ReferralFilterSet

ERRORS = {
    400: OpenApiResponse(description="Invalid input: the body names the fields. Nothing was written."),
    403: OpenApiResponse(s.ErrorSerializer, description="You may see the referral, but not do this to it."),
    404: OpenApiResponse(s.ErrorSerializer, description="No such referral in your scope."),
    409: OpenApiResponse(s.ErrorSerializer, description="The referral's state does not allow this; `detail` says why."),
}


def with_shared_data(queryset):
    """What every referral row shows, joined or annotated, so a page costs a fixed number of queries."""
    latest = RiskAssessment.objects.filter(case=OuterRef("case")).order_by("-assessed_on", "-id")
    return queryset.select_related("case__person", "overridden_by", "linked_case").annotate(
        latest_risk_level=Subquery(latest.values("risk_level")[:1]),
        latest_risk_factors=Subquery(latest.values("risk_factors")[:1], output_field=ArrayField(CharField())),
    )


def transition(summary: str, request=None):
    return extend_schema(summary=summary, request=request, responses={200: s.ReferralDetailSerializer, **ERRORS})


@extend_schema_view(
    list=extend_schema(summary="Referrals you may see: your agency's, those delivered to it, your focal-point "
                       "country's cross-border ones, or (pseudonymously) your oversight countries'."),
    retrieve=extend_schema(summary="One referral with its timeline", responses={200: s.ReferralDetailSerializer}),
    create=extend_schema(
        summary="Draft a referral from one of your agency's cases",
        request=s.ReferralCreateSerializer,
        responses={201: s.ReferralDetailSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    ),
)  # fmt: skip
class ReferralViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = Referral
    serializer_class = s.ReferralSerializer
    filterset_class = ReferralFilterSet
    lookup_field = "reference"
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "head", "options"]

    def scoped_queryset(self, user):
        return with_shared_data(referral_list(user))

    def get_serializer_class(self):
        return s.ReferralSerializer if self.action == "list" else s.ReferralDetailSerializer

    # --- audit (issue 5): answers that carry a shared identity are recorded in the access log ---
    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        self._access_record(response.data.get("results", []), "api referral list")
        return response

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        self._access_record([response.data], "api referral")
        return response

    def _access_record(self, rows, what):
        refs = [row["case"] for row in rows if row.get("identity")]
        if refs:
            cases = Case.objects.filter(reference__in=refs)
            access_record(user=self.request.user, request=self.request, case_queryset=cases, what=what)

    # --- end audit ---

    def filter_queryset(self, queryset):
        # The list's filters apply to the list only: the detail and the actions look the referral up
        # in the whole scope, whatever query string came with them.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def respond(self, referral: Referral, status_code=status.HTTP_200_OK) -> Response:
        """The referral after a change, as the user reads it. Re-read by id, not through the scope:
        the user just acted on it, and a focal point who sent it back to draft no longer sees it."""
        fresh = with_shared_data(
            Referral.objects.select_related(
                "case", "from_agency", "from_agency__country", "to_agency", "to_country", "created_by"
            )
        ).get(pk=referral.pk)
        serializer = s.ReferralDetailSerializer(fresh, context=self.get_serializer_context())
        return Response(serializer.data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = s.ReferralCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        referral = services.referral_create(user=request.user, **serializer.validated_data)
        return self.respond(referral, status.HTTP_201_CREATED)

    def _body(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @transition("Send a draft (the consent gate; a supervisor may override it)", s.ReferralSendSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request, *args, **kwargs):
        referral = self.get_object()
        data = self._body(s.ReferralSendSerializer)
        return self.respond(services.referral_send(user=request.user, referral=referral, **data))

    @transition("Accept (staff of the receiving agency)")
    @action(detail=True, methods=["post"])
    def accept(self, request, *args, **kwargs):
        referral = self.get_object()
        return self.respond(services.referral_accept(user=request.user, referral=referral))

    @transition("Decline (the receiving agency; before assignment, the destination focal point)",
                s.ReferralDeclineSerializer)  # fmt: skip
    @action(detail=True, methods=["post"])
    def decline(self, request, *args, **kwargs):
        referral = self.get_object()
        data = self._body(s.ReferralDeclineSerializer)
        return self.respond(services.referral_decline(user=request.user, referral=referral, **data))

    @transition("Complete, successfully or not (the receiving agency)", s.ReferralCompleteSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, *args, **kwargs):
        referral = self.get_object()
        data = self._body(s.ReferralCompleteSerializer)
        return self.respond(services.referral_complete(user=request.user, referral=referral, **data))

    @transition("Withdraw (the sending agency)", s.ReasonSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        referral = self.get_object()
        data = self._body(s.ReasonSerializer)
        return self.respond(services.referral_withdraw(user=request.user, referral=referral, reason=data["reason"]))

    @transition("Approve a cross-border referral (the origin country's focal point)")
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        referral = self.get_object()
        return self.respond(services.referral_approve(user=request.user, referral=referral))

    @transition("Send a cross-border referral back to the sender (the origin country's focal point)",
                s.ReasonSerializer)  # fmt: skip
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, *args, **kwargs):
        referral = self.get_object()
        data = self._body(s.ReasonSerializer)
        return self.respond(services.referral_send_back(user=request.user, referral=referral, reason=data["reason"]))

    @transition("Assign to a receiving agency (the destination country's focal point)", s.ReferralAssignSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, *args, **kwargs):
        referral = self.get_object()
        data = self._body(s.ReferralAssignSerializer)
        return self.respond(services.referral_assign(user=request.user, referral=referral, **data))

    @extend_schema(
        summary="The referral's timeline", responses={200: s.ReferralEventSerializer(many=True), 404: ERRORS[404]}
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def events(self, request, *args, **kwargs):
        referral = self.get_object()
        return Response(s.timeline(referral, s.reads_free_text(s.role_of(self.request.user, referral))))


@extend_schema_view(
    list=extend_schema(
        summary="Your notifications, newest first",
        parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL, description="Only unread (true) or read (false).")],
    ),
    retrieve=extend_schema(summary="One of your notifications"),
)
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The in-app inbox: only the user's own notifications, ever."""

    model = Notification
    serializer_class = s.NotificationSerializer
    filterset_class = None
    filter_backends = []

    def scoped_queryset(self, user):
        return (
            Notification.objects.filter(recipient=user).select_related("referral__case").order_by("-created_at", "-id")
        )

    def filter_queryset(self, queryset):
        unread = self.request.query_params.get("unread", "").lower()
        if self.action == "list" and unread in ("true", "1"):
            return queryset.filter(read_at__isnull=True)
        if self.action == "list" and unread in ("false", "0"):
            return queryset.filter(read_at__isnull=False)
        return queryset

    @extend_schema(summary="Mark one notification as read", request=None, responses=s.NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, *args, **kwargs):
        notification = self.get_object()
        if notification.read_at is None:
            notification.read_at = timezone.now()
            Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
        return Response(s.NotificationSerializer(notification, context=self.get_serializer_context()).data)

    @extend_schema(summary="Mark all your notifications as read", request=None, responses=s.MarkedSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request, *args, **kwargs):
        marked = self.get_queryset().filter(read_at__isnull=True).update(read_at=timezone.now())
        return Response({"marked": marked})

    @extend_schema(summary="How many of your notifications are unread", responses=s.UnreadCountSerializer)
    @action(detail=False, methods=["get"], url_path="unread-count", pagination_class=None)
    def unread_count(self, request, *args, **kwargs):
        return Response({"unread": self.get_queryset().filter(read_at__isnull=True).count()})
