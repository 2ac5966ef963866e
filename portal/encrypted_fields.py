"""Model fields that keep personal data sealed in the database (portal.crypto) while the ORM reads
and writes plain values: forms, templates, the API and the admin see the number, the database a
sealed text. A value written before encryption (or with it off) reads as it is, so a database is
encrypted in place, by migration or ``manage.py rotate_keys``."""

from __future__ import annotations

from django import forms
from django.core.exceptions import FieldError
from django.db import models
from django.db.models.fields.json import KeyTransform

from portal import crypto


class EncryptedTextField(models.TextField):
    """Text sealed with the ring's newest key, with the field's name as associated data.

    A sealed value differs at every write, so the database cannot compare it: only ``isnull`` is
    allowed as a lookup. An exact lookup goes through a BlindIndexField beside it.
    """

    def from_db_value(self, value, expression, connection):
        return crypto.open_text(value, self.name)

    def formfield(self, **kwargs):
        # A number, not prose: one line, as the CharField it replaces (max_length checks forms).
        return super().formfield(**{"widget": forms.TextInput, **kwargs})

    def get_db_prep_save(self, value, connection):
        value = super().get_db_prep_save(value, connection)
        return crypto.seal_text(value, self.name) if isinstance(value, str) else value

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise FieldError(
                f"{self.name} is encrypted: the database cannot compare it "
                f"({lookup_name!r}); look it up through its blind index"
            )
        return super().get_lookup(lookup_name)


class EncryptedJSONField(models.JSONField):
    """A JSON document whose values under the ``sealed_keys`` (at any depth) are sealed, each with
    its key's name as associated data. The rest stays plain JSON: its structure, and lookups on
    keys that are not personal, work as before."""

    def __init__(self, *args, sealed_keys=(), **kwargs):
        self.sealed_keys = frozenset(sealed_keys)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["sealed_keys"] = sorted(self.sealed_keys)
        return name, path, args, kwargs

    def _walk(self, value, transform):
        if isinstance(value, dict):
            return {
                key: transform(item, key)
                if key in self.sealed_keys and isinstance(item, str)
                else self._walk(item, transform)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [self._walk(item, transform) for item in value]
        return value

    def from_db_value(self, value, expression, connection):
        value = super().from_db_value(value, expression, connection)
        if (
            isinstance(expression, KeyTransform)
            and expression.key_name in self.sealed_keys
            and isinstance(value, str)
        ):
            return crypto.open_text(value, expression.key_name)
        return self._walk(value, crypto.open_text)

    def get_db_prep_save(self, value, connection):
        if isinstance(value, dict | list):
            value = self._walk(value, crypto.seal_text)
        return super().get_db_prep_save(value, connection)

    def sealed_values(self, value):
        """Every sealed-or-sealable string of a stored document (for the rotation)."""
        found = []
        self._walk(value, lambda item, _key: found.append(item) or item)
        return found


class BlindIndexField(models.CharField):
    """The keyed hash (HMAC) of another field's plain value, kept up to date on every save: the
    column an exact lookup uses instead of decrypting every row (``lookup``)."""

    def __init__(self, *args, source: str = "", **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for default in ("max_length", "editable", "blank", "db_index"):
            kwargs.pop(default, None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = crypto.blind_index(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value

    def lookup(self, value: str) -> models.Q:
        """The condition that finds the rows whose source is ``value`` (exactly, once spaces and
        letter case are set aside), under any key of the ring."""
        return models.Q(**{f"{self.name}__in": crypto.blind_indexes(value)})
