"""The person identified as a presumed victim (or a vulnerable or smuggled migrant).

Identifying fields (names, aliases, birth date, documents, contacts, exact location) are listed
in IDENTIFYING_FIELDS: serializers and templates hide them from anyone without identity access.
They are encrypted at rest (glo_act/crypto_fields.py); names are searched through the blind index
`name_index` (victims/names.py).
"""

import datetime
import secrets

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from glo_act.crypto_fields import (
    BlindIndexField,
    EncryptedCharField,
    EncryptedDateField,
    EncryptedEmailField,
)
from glo_act.vocabularies import DocumentType, Gender, Language, Vulnerability
from partners.models import Agency, Country, Province

from .names import index_terms, normalise_name  # noqa: F401 - normalise_name is imported from here

CHILD_AGE = 18
# Crockford's base32 without look-alike letters: easy to read out over a phone.
_REF_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_person_reference() -> str:
    """A pseudonymous reference that says nothing about the person (no name, date or place)."""
    return "P-" + "".join(secrets.choice(_REF_ALPHABET) for _ in range(8))


def age_on(*, date_of_birth, estimated_age, estimated_on, on: datetime.date) -> int | None:
    """Age in whole years on `on`, from the birth date or else the estimate; None if unknown."""
    if date_of_birth:
        years = on.year - date_of_birth.year
        if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
            years -= 1
        return years if years >= 0 else None
    if estimated_age is not None:
        base = estimated_on or on
        return estimated_age + max(0, on.year - base.year - ((on.month, on.day) < (base.month, base.day)))
    return None


# CTDC codebook `ageBroad` bands (age at assistance).
CTDC_AGE_BANDS = [(0, 8), (9, 17), (18, 20), (21, 23), (24, 26), (27, 29), (30, 38), (39, 47), (48, None)]


def age_band(age: int | None) -> str:
    """CTDC age band for an age, e.g. 14 -> '9-17'; 'unknown' when the age is not known."""
    if age is None:
        return "unknown"
    for low, high in CTDC_AGE_BANDS:
        if high is None:
            return f"{low}+"
        if low <= age <= high:
            return f"{low}-{high}"
    return "unknown"


class Person(models.Model):
    reference = models.CharField(
        max_length=12, unique=True, default=new_person_reference, editable=False, verbose_name=_("person reference")
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="persons",
        help_text=_("Agency that registered the person."),
        verbose_name=_("agency"),
    )

    given_name = EncryptedCharField(_("given name (original script)"), max_length=100, blank=True)
    family_name = EncryptedCharField(_("family name (original script)"), max_length=100, blank=True)
    given_name_latin = EncryptedCharField(_("given name (Latin letters)"), max_length=100, blank=True)
    family_name_latin = EncryptedCharField(_("family name (Latin letters)"), max_length=100, blank=True)
    aliases = ArrayField(
        EncryptedCharField(max_length=100), default=list, blank=True, verbose_name=_("other names or aliases")
    )
    father_name = EncryptedCharField(_("father's name"), max_length=100, blank=True)

    gender = models.CharField(
        max_length=30, choices=Gender.choices, default=Gender.NONSPECIFIEDUNKNOWN, verbose_name=_("gender")
    )
    date_of_birth = EncryptedDateField(null=True, blank=True, verbose_name=_("date of birth"))
    estimated_age = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("estimated age (years)"))
    age_estimated_on = models.DateField(null=True, blank=True, verbose_name=_("age estimated on"))

    citizenships = ArrayField(
        models.CharField(max_length=2),
        default=list,
        blank=True,
        help_text="ISO 3166 alpha-2",
        verbose_name=_("citizenship"),
    )
    languages = ArrayField(
        models.CharField(max_length=10, choices=Language.choices),
        default=list,
        blank=True,
        verbose_name=_("languages spoken"),
    )

    document_type = models.CharField(
        max_length=30, choices=DocumentType.choices, blank=True, verbose_name=_("identity document")
    )
    document_number = EncryptedCharField(max_length=60, blank=True, verbose_name=_("document number"))
    document_country = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("document issued by")
    )

    phone = EncryptedCharField(max_length=30, blank=True, verbose_name=_("phone"))
    email = EncryptedEmailField(blank=True, verbose_name=_("email"))
    current_country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("currently in (country)"),
    )
    current_province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("currently in (province)"),
    )
    current_address = EncryptedCharField(_("current address or exact location"), max_length=255, blank=True)

    vulnerabilities = ArrayField(
        models.CharField(max_length=40, choices=Vulnerability.choices),
        default=list,
        blank=True,
        verbose_name=_("vulnerabilities"),
    )

    # Blind index of the names (HMAC values of their terms, victims/names.py), for search;
    # recomputed from the names on every save.
    name_index = BlindIndexField(terms="name_index_terms")
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            GinIndex(name="person_name_index", fields=["name_index"]),
            models.Index(fields=["agency", "-created_at"], name="person_agency_created"),
        ]

    def __str__(self):
        return self.reference

    def clean(self):
        errors = {}
        today = timezone.localdate()
        if self.date_of_birth and self.date_of_birth > today:
            errors["date_of_birth"] = _("The date of birth cannot be in the future.")
        elif self.date_of_birth and self.date_of_birth.year < 1900:
            errors["date_of_birth"] = _("The date of birth is too far in the past.")
        if self.estimated_age is not None and self.estimated_age > 120:
            errors["estimated_age"] = _("An age above 120 is not plausible.")
        if not any([self.given_name, self.family_name, self.given_name_latin, self.family_name_latin, self.aliases]):
            errors["given_name"] = _("Give at least one name or alias (original script or Latin letters).")
        unknown = sorted(set(self.citizenships) - set(Country.objects.values_list("code", flat=True)))
        if unknown:
            errors["citizenships"] = _("Unknown country codes: %s") % ", ".join(unknown)
        if errors:
            raise ValidationError(errors)

    @property
    def display_name(self) -> str:
        original = " ".join(p for p in [self.given_name, self.family_name] if p)
        latin = " ".join(p for p in [self.given_name_latin, self.family_name_latin] if p)
        if original and latin and original != latin:
            return f"{original} ({latin})"
        return original or latin or (self.aliases[0] if self.aliases else "")

    def age(self, on: datetime.date | None = None) -> int | None:
        return age_on(
            date_of_birth=self.date_of_birth,
            estimated_age=self.estimated_age,
            estimated_on=self.age_estimated_on,
            on=on or timezone.localdate(),
        )

    def is_child(self, on: datetime.date | None = None) -> bool:
        """Under 18, or presumed a child while the age is unknown (Palermo Protocol practice)."""
        age = self.age(on)
        return age is None or age < CHILD_AGE

    def save(self, *args, update_fields=None, **kwargs):
        # A save of some name fields only must still refresh the index built from them.
        if update_fields is not None and set(update_fields) & set(NAME_FIELDS):
            update_fields = {*update_fields, "name_index"}
        super().save(*args, update_fields=update_fields, **kwargs)

    def name_index_terms(self) -> set[str]:
        return person_index_terms(
            given=self.given_name, family=self.family_name, given_latin=self.given_name_latin,
            family_latin=self.family_name_latin, father=self.father_name, aliases=self.aliases,
        )  # fmt: skip


# The fields the blind index is built from.
NAME_FIELDS = ("given_name", "family_name", "given_name_latin", "family_name_latin", "father_name", "aliases")


def person_index_terms(*, given="", family="", given_latin="", family_latin="", father="", aliases=()) -> set[str]:
    """The blind-index terms of a person's names (also used by the bulk loader and rotation)."""
    return index_terms(
        names=[given, family, given_latin, family_latin, father, *(aliases or ())],
        full_names=[f"{given or ''} {family or ''}", f"{given_latin or ''} {family_latin or ''}"],
    )


# Fields that identify the person: hidden from oversight roles and from grants without identity.
IDENTIFYING_FIELDS = (
    "given_name",
    "family_name",
    "given_name_latin",
    "family_name_latin",
    "aliases",
    "father_name",
    "date_of_birth",
    "document_type",
    "document_number",
    "document_country",
    "phone",
    "email",
    "current_province",
    "current_address",
)
