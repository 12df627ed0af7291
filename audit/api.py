"""The audit trail in the API: /api/v1/audit/changes/, /access/, /security/ (read-only).

The same selectors and filters as the pages. Anyone but an auditor or an administrator gets 403
before any query about audit rows runs, so nothing (not even a count) leaks.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, permissions, serializers

from glo_act.api import ScopedViewSet

from .display import field_changes
from .filtersets import AccessFilterSet, ChangeFilterSet, SecurityFilterSet
from .models import AccessEvent, ChangeEvent, SecurityEvent
from .selectors import access_list, audit_scope, change_list, security_list

COMMON = ["id", "at", "actor", "username", "ip", "user_agent", "method", "path", "request_id", "countries"]


class IsAuditor(permissions.BasePermission):
    message = _("The audit trail is for auditors and administrators.")

    def has_permission(self, request, view):
        return audit_scope(request.user).allowed


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True, help_text='Before; "(changed)" for identifying data.')
    new = serializers.JSONField(allow_null=True, help_text='After; "(changed)" for identifying data.')
    hidden = serializers.BooleanField(help_text="True when the values are identifying and not shown.")


class ChangeEventSerializer(serializers.ModelSerializer):
    changes = serializers.SerializerMethodField(help_text="Field by field, before and after.")
    context = serializers.SerializerMethodField(
        help_text="Where the change came from: a request, a Celery task or a management command; null when "
        "it was made in the database outside the application."
    )

    class Meta:
        model = ChangeEvent
        fields = [*COMMON, "table_name", "row_id", "action", "changed_fields", "case_ids", "transaction_id",
                  "context", "changes"]  # fmt: skip

    @extend_schema_field(FieldChangeSerializer(many=True))
    def get_changes(self, event):
        return field_changes(event)

    @extend_schema_field(serializers.JSONField(allow_null=True))
    def get_context(self, event):
        return event.context


class AccessEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccessEvent
        fields = [*COMMON, "kind", "what", "person_ids", "case_ids"]


class SecurityEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = SecurityEvent
        fields = [*COMMON, "kind", "detail"]


class AuditViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    permission_classes = [permissions.IsAuthenticated, IsAuditor]


@extend_schema_view(
    list=extend_schema(summary="Changes to tracked records (auditors)", tags=["audit"]),
    retrieve=extend_schema(summary="One change", tags=["audit"]),
)
class ChangeEventViewSet(AuditViewSet):
    """Every insert, update and delete of persons, cases, identifications, consents, notes, referrals,
    case shares, users, memberships and agencies, written by database triggers."""

    model = ChangeEvent
    selector = change_list
    serializer_class = ChangeEventSerializer
    filterset_class = ChangeFilterSet


@extend_schema_view(
    list=extend_schema(summary="Views of persons' identifying data (auditors)", tags=["audit"]),
    retrieve=extend_schema(summary="One view of identifying data", tags=["audit"]),
)
class AccessEventViewSet(AuditViewSet):
    """One row per page or API answer that showed identifying data, with the persons shown."""

    model = AccessEvent
    selector = access_list
    serializer_class = AccessEventSerializer
    filterset_class = AccessFilterSet


@extend_schema_view(
    list=extend_schema(summary="Sign-ins, failures, lock-outs, refusals (auditors)", tags=["audit"]),
    retrieve=extend_schema(summary="One security event", tags=["audit"]),
)
class SecurityEventViewSet(AuditViewSet):
    model = SecurityEvent
    selector = security_list
    serializer_class = SecurityEventSerializer
    filterset_class = SecurityFilterSet
