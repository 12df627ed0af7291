from rest_framework import serializers

from partners.models import Agency


class AgencySerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country_id", read_only=True, help_text="ISO 3166-1 alpha-2")
    province = serializers.StringRelatedField(read_only=True, allow_null=True)
    # Agencies may have no e-mail: "" is a valid answer, which the schema's format "email" would deny.
    email = serializers.CharField(read_only=True)

    class Meta:
        model = Agency
        fields = [
            "short_name",
            "name",
            "type",
            "country",
            "province",
            "city",
            "services",
            "is_focal_point",
            "email",
            "phone",
        ]
        read_only_fields = fields
