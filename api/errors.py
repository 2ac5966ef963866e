"""Every error of the API in one shape:
``{"errors": [{"code": "...", "message": "...", "field": "..." or null}]}``, the message in the
language the client asked for (Accept-Language: zh-hans by default, or en)."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.signals import got_request_exception
from django.http import Http404, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from portal.middleware import stored_file_refused
from portal.storage import FileDamaged, FileMissing

NOT_FOUND = _("Not found: no such object in your organization.")
logger = logging.getLogger("django.request")


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


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = _("The request is larger than the portal accepts.")
    default_code = "too_large"


class StoredFileRefused(exceptions.APIException):
    """A download whose stored file is damaged (its SHA-256 no longer matches) or gone from
    storage: refused, with what happened, in the error shape. Not a 5xx: the file will not come
    back by asking again, and portal.storage has logged it for the operator."""

    status_code = 409
    default_code = "file_damaged"


class ServerError(exceptions.APIException):
    status_code = 500
    default_detail = _("Something went wrong on the portal's side; it has been logged.")
    default_code = "server_error"


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, MultiPartParserError | TooManyFieldsSent | TooManyFilesSent):
        exc = exceptions.ParseError(_("The multipart body cannot be read."), code="parse_error")
    elif isinstance(exc, UnreadablePostError):
        exc = exceptions.ParseError(_("The body cannot be read."), code="parse_error")
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(NOT_FOUND, code="not_found")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.messages)
    elif isinstance(exc, FileDamaged):
        exc = StoredFileRefused(
            stored_file_refused(exc),
            code="file_missing" if isinstance(exc, FileMissing) else "file_damaged",
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        request = context.get("request")
        django_request = getattr(request, "_request", request)
        # Django's own record of a 500 (the log, the admins' email, the test client's re-raise).
        got_request_exception.send(sender=None, request=django_request)
        logger.error(
            "Internal Server Error: %s",
            getattr(django_request, "path", "?"),
            exc_info=(type(exc), exc, exc.__traceback__),
            extra={"status_code": 500, "request": django_request},
        )
        exc = ServerError()
        response = drf_exception_handler(exc, context)
    if isinstance(exc, exceptions.NotAuthenticated):
        rows = [error("not_authenticated", exc.detail)]
    else:
        rows = flatten(exc.detail, default_code=getattr(exc, "default_code", "error"))
    response.data = {"errors": rows}
    if getattr(exc, "location", None):
        response["Location"] = exc.location
    return response


# --- Answers Django gives before or outside the API's views (portal/urls.py's handlers) ---------


def api_error_response(request, status, code, message):
    """The API's error shape for an answer Django gives outside the API's views, or None for a
    request outside ``/api/``."""
    if not request.path.startswith("/api/"):
        return None
    from api.views import activate_language

    activate_language(request)
    return JsonResponse({"errors": [error(code, message)]}, status=status)


def bad_request(request, exception=None):
    from django.views import defaults

    return api_error_response(
        request, 400, "bad_request", _("The request cannot be read.")
    ) or defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    from django.views import defaults

    return api_error_response(
        request, 403, "permission_denied", exceptions.PermissionDenied.default_detail
    ) or defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    from django.views import defaults

    return api_error_response(request, 404, "not_found", NOT_FOUND) or defaults.page_not_found(
        request, exception
    )


def server_error(request):
    from django.views import defaults

    return api_error_response(
        request, 500, ServerError.default_code, ServerError.default_detail
    ) or defaults.server_error(request)
