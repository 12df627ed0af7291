"""The shape of a dashboard figure in the API. A withheld count is {"value": null, "display": "<11",
"suppressed": true}: null never means zero."""

from rest_framework import serializers


class FigureValueSerializer(serializers.Serializer):
    keys = serializers.DictField(
        child=serializers.CharField(), help_text="The cell's coordinates: dimension name -> code ({} = grand total)."
    )
    value = serializers.IntegerField(
        allow_null=True, help_text="The count; null when it is withheld (small-cell suppression), never for zero."
    )
    display = serializers.CharField(help_text='The count as shown on the dashboard: "1,234", or "<11" when withheld.')
    suppressed = serializers.BooleanField()


class FigureFiltersSerializer(serializers.Serializer):
    locals()["from"] = serializers.CharField(help_text="First month counted, YYYY-MM.")  # a Python keyword
    to = serializers.CharField(help_text="Last month counted, YYYY-MM.")
    country = serializers.CharField(required=False)
    agency = serializers.CharField(required=False)
    exploitation_type = serializers.CharField(required=False)


class FigureSerializer(serializers.Serializer):
    figure = serializers.CharField()
    title = serializers.CharField()
    note = serializers.CharField(allow_blank=True)
    filters = FigureFiltersSerializer()
    suppression_applied = serializers.BooleanField(
        help_text="True when counts below the threshold (and the counts that would reveal them) are withheld."
    )
    threshold = serializers.IntegerField(help_text="Counts below this are withheld (STATS_MIN_CELL, CTDC's k = 11).")
    dimensions = serializers.ListField(child=serializers.CharField())
    labels = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField()),
        help_text="For each dimension, code -> human-readable label, in display order.",
    )
    cells = FigureValueSerializer(many=True)
    totals = FigureValueSerializer(many=True, help_text="Row, column and grand totals (keys: a subset of dimensions).")
    measures = serializers.DictField(
        child=serializers.JSONField(),
        help_text="Headline figures of this chart: a value object like a cell's, or a plain number "
        "(median_days_to_acceptance, null when withheld or unknown).",
    )


class ExportRequestSerializer(serializers.Serializer):
    """An identifying-export request (stats.services). Writes: agency (id), format, filters, reason."""

    id = serializers.IntegerField(read_only=True)
    agency = serializers.IntegerField(source="agency_id", help_text="Id of the agency whose case records to export.")
    agency_short_name = serializers.CharField(source="agency.short_name", read_only=True)
    kind = serializers.CharField(read_only=True)
    format = serializers.ChoiceField(choices=["csv", "xlsx"])
    filters = serializers.DictField(
        child=serializers.CharField(), required=False,
        help_text="date_from, date_to (YYYY-MM-DD), exploitation_type.",
    )  # fmt: skip
    reason = serializers.CharField(min_length=10, max_length=2000)
    state = serializers.CharField(read_only=True)
    expired = serializers.BooleanField(source="is_expired", read_only=True)
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, allow_null=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    decision_note = serializers.CharField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class ExportDecisionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ExportDownloadSerializer(serializers.Serializer):
    password = serializers.CharField(min_length=12, max_length=200, write_only=True)
