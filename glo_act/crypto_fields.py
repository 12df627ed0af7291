"""Model fields that encrypt on write and decrypt on read (glo_act/crypto.py), and the blind index.

Services, forms, serializers and templates see plain values; the database column holds only
`e1.<key id>.<...>` tokens, in a `text` column whatever the plain field's type. An empty value
("" or NULL) is stored as it is, so erasing a field leaves no ciphertext behind.

Encrypted columns cannot be searched, sorted or compared in SQL: every lookup but `isnull` and
`= ''` raises, so a filter that would silently match nothing fails loudly instead. Names are
searched through the blind index (`BlindIndexField`, victims/names.py).
"""

import datetime

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact, IsNull

from glo_act.crypto import keyring


class _EmptyOnlyExact(Exact):
    """`field = ''` (erased values) works; any other equality cannot match a ciphertext."""

    def __init__(self, lhs, rhs):
        if rhs not in ("", None):
            raise FieldError(_no_lookup_message(lhs.output_field, "exact"))
        super().__init__(lhs, rhs)


def _no_lookup_message(field, lookup_name):
    return (
        f"{field.model._meta.label}.{field.name} is encrypted: the database cannot filter, sort or compare it "
        f"('{lookup_name}'). Search names through the blind index (victims.names.name_search_q)."
    )


class EncryptedMixin:
    """Seal on the way into the database, open on the way out; the column is always `text`."""

    encrypted = True

    @property
    def encryption_label(self) -> str:
        return f"{self.model._meta.label}.{self.name}"

    def db_type(self, connection):
        return "text"

    def rel_db_type(self, connection):
        return "text"

    def cast_db_type(self, connection):
        return "text"

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return IsNull
        if lookup_name == "exact":
            return _EmptyOnlyExact
        raise FieldError(_no_lookup_message(self, lookup_name))

    def get_transform(self, lookup_name):
        raise FieldError(_no_lookup_message(self, lookup_name))

    def to_plain_text(self, value) -> str:
        return str(value)

    def from_plain_text(self, text: str):
        return text

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        if value is None or value == "":
            return value
        return keyring().encrypt(self.to_plain_text(value), self.encryption_label)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return self.from_plain_text(keyring().decrypt(value, self.encryption_label))


class EncryptedCharField(EncryptedMixin, models.CharField):
    """A CharField (max_length checked on the plain value) stored encrypted."""


class EncryptedTextField(EncryptedMixin, models.TextField):
    pass


class EncryptedEmailField(EncryptedMixin, models.EmailField):
    pass


class EncryptedDateField(EncryptedMixin, models.DateField):
    """A date stored encrypted as its ISO text: no age or range query in SQL (ages are computed in
    Python, and the case keeps its own child flag and age at identification)."""

    def to_plain_text(self, value) -> str:
        return value.isoformat()

    def from_plain_text(self, text: str):
        return datetime.date.fromisoformat(text)


class BlindIndexField(ArrayField):
    """int4[] of blind index values of the terms returned by the model method named in `terms`,
    recomputed whenever the row is saved (like auto_now): the index can never describe names the
    row no longer holds, and erasing the names empties it."""

    def __init__(self, *args, terms: str = "", **kwargs):
        kwargs.setdefault("base_field", models.IntegerField())
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        self.terms = terms
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["terms"] = self.terms
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        terms = getattr(model_instance, self.terms, None)
        if terms is None:  # a historical model in a migration: it writes the index itself
            return getattr(model_instance, self.attname)
        value = keyring().index_values(terms())
        setattr(model_instance, self.attname, value)
        return value
