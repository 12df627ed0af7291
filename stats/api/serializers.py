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
