"""Person serializers: the full record (identity access only) and the pseudonymous summary.

The pseudonymous variant is what oversight roles and grants without identity get inside a case:
reference, gender, age band, child flag and citizenships; never a field of IDENTIFYING_FIELDS.
"""

from django.core.validators import EmailValidator
from rest_framework import serializers

from glo_act.api import WritesThroughServices
from partners.models import Country, Province
from victims.models import Person, age_band

PSEUDONYMOUS_PERSON_FIELDS = ["reference", "gender", "age_band", "is_child", "citizenships"]


class PseudonymousPersonSerializer(WritesThroughServices, serializers.ModelSerializer):
    age_band = serializers.SerializerMethodField(help_text="CTDC age band today, e.g. '9-17', or 'unknown'.")
    is_child = serializers.SerializerMethodField(help_text="Under 18, or presumed a child while the age is unknown.")

    class Meta:
        model = Person
        fields = PSEUDONYMOUS_PERSON_FIELDS
        read_only_fields = fields

    def get_age_band(self, person) -> str:
        return age_band(person.age())

    def get_is_child(self, person) -> bool:
        return person.is_child()


class PersonSerializer(PseudonymousPersonSerializer):
    """The full record, for users who may see the person's identity. Writable fields: services.PERSON_FIELDS."""

    document_country = serializers.PrimaryKeyRelatedField(
        queryset=Country.objects.all(), required=False, allow_null=True, help_text="ISO 3166-1 alpha-2"
    )
    current_country = serializers.PrimaryKeyRelatedField(
        queryset=Country.objects.all(), required=False, allow_null=True, help_text="ISO 3166-1 alpha-2"
    )
    current_province = serializers.PrimaryKeyRelatedField(
        queryset=Province.objects.all(), required=False, allow_null=True
    )
    citizenships = serializers.ListField(
        child=serializers.CharField(max_length=2), required=False, help_text="ISO 3166-1 alpha-2 codes"
    )
    # A plain string in the schema: an unknown address is "" (the model still validates what is written).
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)

    def validate_email(self, value):
        """Checked here rather than by a validator on the field, which the schema would turn into
        format "email" and so forbid the "" of an unknown address."""
        if value:
            EmailValidator()(value)
        return value

    class Meta:
        model = Person
        fields = [
            *PSEUDONYMOUS_PERSON_FIELDS,
            "given_name", "family_name", "given_name_latin", "family_name_latin", "aliases", "father_name",
            "date_of_birth", "estimated_age", "age_estimated_on", "languages", "document_type",
            "document_number", "document_country", "phone", "email", "current_country", "current_province",
            "current_address", "vulnerabilities",
        ]  # fmt: skip
        read_only_fields = ["reference"]


class PersonDetailSerializer(PersonSerializer):
    """A person in /victims/: with the references of the cases the user sees them through."""

    cases = serializers.SerializerMethodField(help_text="References of this person's cases visible with identity.")

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "cases", "created_at", "updated_at"]
        read_only_fields = ["reference", "created_at", "updated_at"]

    def get_cases(self, person) -> list[str]:
        return [case.reference for case in getattr(person, "identity_cases", [])]
