"""Every error of the API in one shape:
``{"errors": [{"code": "...", "message": "...", "field": "..." or null}]}``, the message in the
language the client asked for (Accept-Language: zh-hans by default, or en)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

NOT_FOUND = _("Not found: no such object in your organization.")


def error(code, message, field=None) -> dict:
    return {"code": str(code), "message": str(message), "field": field}


def flatten(detail, field=None, default_code="invalid") -> list[dict]:
    if isinstance(detail, dict):
        rows = []
        for key, value in detail.items():
            name = None if key in ("non_field_errors", "__all__") else key
            rows += flatten(value, _join(field, name), default_code)
        return rows
    if isinstance(detail, list):
        rows = []
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                rows += flatten(value, f"{field}[{index}]" if field else f"[{index}]", default_code)
            else:
                rows += flatten(value, field, default_code)
        return rows
    return [error(getattr(detail, "code", None) or default_code, detail, field)]


def _join(prefix, name):
    if name is None:
        return prefix
    return f"{prefix}.{name}" if prefix else name


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(NOT_FOUND, code="not_found")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.messages)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.NotAuthenticated):
        rows = [error("not_authenticated", exc.detail)]
    else:
        rows = flatten(exc.detail, default_code=getattr(exc, "default_code", "error"))
    response.data = {"errors": rows}
    if getattr(exc, "location", None):
        response["Location"] = exc.location
    return response
