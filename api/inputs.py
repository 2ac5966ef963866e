"""A JSON body read strictly before the portal's form sees it.

The forms were written for HTML forms, where every value is text and a checkbox is ticked by any
value at all: given JSON they turned ``"no"`` into yes and ``123`` or ``["a"]`` into the text
``"123"`` and ``"['a']"``, and a number for a date crashed. A filing is a legal declaration, so
the API accepts each field only in its own JSON type (a boolean as ``true``/``false``, text as a
string, a date as an ISO 8601 string, a number as an integer, a multiple choice as a list of
strings) and answers 400 with the field's message otherwise. Only then does the form validate
the content, as on the web."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.exceptions import ErrorDetail

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

NOT_A_BOOLEAN = _("Give true or false (a JSON boolean), not %(given)s.")
NOT_TEXT = _("Give text (a JSON string), not %(given)s.")
NOT_A_NUMBER = _("Give a whole number (a JSON integer), not %(given)s.")
NOT_A_DATE = _("Give a date as a JSON string in ISO 8601 form, e.g. 2026-02-02.")
NOT_A_LIST = _("Give a JSON list of strings, not %(given)s.")


def json_type(value) -> str:
    """The JSON name of a value's type, for the message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _("a number")
    if isinstance(value, str):
        return _("a string")
    if isinstance(value, list):
        return _("a list")
    return _("an object")


def type_error(form_field, value):
    """The message for a value of the wrong JSON type for ``form_field``, or None when it fits."""
    if isinstance(form_field, forms.FileField):
        return None
    if isinstance(form_field, forms.BooleanField):
        if isinstance(value, bool):
            return None
        return NOT_A_BOOLEAN % {"given": json_type(value)}
    if isinstance(form_field, forms.MultipleChoiceField):
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return None
        return NOT_A_LIST % {"given": json_type(value)}
    if isinstance(form_field, forms.DateField):
        if isinstance(value, str) and ISO_DATE.fullmatch(value.strip()):
            return None
        return NOT_A_DATE
    if isinstance(form_field, forms.IntegerField):
        if isinstance(value, int) and not isinstance(value, bool):
            return None
        return NOT_A_NUMBER % {"given": json_type(value)}
    if isinstance(value, str):
        return None
    return NOT_TEXT % {"given": json_type(value)}


def check_types(form_class, body, prefix: str = "") -> dict:
    """``{field: [ErrorDetail]}`` for every field of the body whose JSON type does not fit the
    form's field; keys the form does not know are left for the form to ignore."""
    errors = {}
    for name, value in body.items():
        field = form_class.base_fields.get(name)
        if field is None:
            continue
        message = type_error(field, value)
        if message is not None:
            errors[f"{prefix}{name}"] = [ErrorDetail(str(message), code="invalid_type")]
    return errors


def strict_object(form_class, body) -> dict:
    """The body, when it is a JSON object whose fields have their types; else a 400."""
    if not isinstance(body, dict):
        raise exceptions.ValidationError(_("Send a JSON object."), code="invalid_type")
    errors = check_types(form_class, body)
    if errors:
        raise exceptions.ValidationError(errors)
    return body


def strict_list(form_class, body, name: str) -> list:
    """A JSON list of objects, each checked as ``strict_object``; errors name ``name[i].field``."""
    message = _("Send a JSON list of places.")
    if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
        raise exceptions.ValidationError(message, code="invalid_type")
    errors = {}
    for number, item in enumerate(body):
        errors.update(check_types(form_class, item, prefix=f"{name}[{number}]."))
    if errors:
        raise exceptions.ValidationError(errors)
    return body
