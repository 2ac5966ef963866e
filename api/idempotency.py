"""``Idempotency-Key`` on POSTs (the IETF draft's header): a client that did not hear the answer
sends the same request again with the same key, and gets the first answer instead of a second
system or a second attachment. The same key with another body is a 422; the same key while the
first request is still being answered is a 409. Keys are the organization's, kept
IDEMPOTENCY_HOURS (24)."""

import hashlib
import re
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.http.request import RawPostDataException
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status

from api.models import ApiToken, IdempotentRequest

HEADER = "Idempotency-Key"
KEY = re.compile(r"[\x21-\x7e]{1,255}")
# Answers that say nothing about the request itself: not kept, the key may be used again.
NOT_KEPT = {401, 403, 429}


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _(
        "This Idempotency-Key was used for another request; use a new key for a new request."
    )
    default_code = "idempotency_key_reused"


class KeyInFlight(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _(
        "A request with this Idempotency-Key is still being answered; ask again in a moment."
    )
    default_code = "idempotency_key_in_flight"


def _fingerprint(request) -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    django_request = request._request
    try:
        digest.update(django_request.body)
    except RawPostDataException:
        # A multipart body already read as fields and files: those, in order.
        for name, values in sorted(django_request.POST.lists()):
            digest.update(repr((name, values)).encode())
        for name, files in sorted(django_request.FILES.lists()):
            for upload in files:
                digest.update(repr((name, upload.name, upload.size)).encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    return digest.hexdigest()


def begin(request):
    """The kept answer to replay, or None to answer the request (then ``finish`` keeps it)."""
    key = request.headers.get(HEADER)
    token = request.auth
    if key is None or request.method != "POST" or not isinstance(token, ApiToken):
        return None
    if not KEY.fullmatch(key):
        raise exceptions.ValidationError(
            {
                HEADER: [
                    exceptions.ErrorDetail(
                        str(_("Give an Idempotency-Key of 1 to 255 visible ASCII characters.")),
                        code="invalid_idempotency_key",
                    )
                ]
            }
        )
    fingerprint = _fingerprint(request)
    expired = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_HOURS)
    IdempotentRequest.objects.filter(
        organization_id=token.organization_id, created_at__lt=expired
    ).delete()
    try:
        with transaction.atomic():
            row = IdempotentRequest.objects.create(
                organization_id=token.organization_id, key=key, fingerprint=fingerprint
            )
    except IntegrityError:
        row = IdempotentRequest.objects.filter(
            organization_id=token.organization_id, key=key
        ).first()
        if row is None:  # answered and dropped between the two queries: try once more
            raise KeyInFlight() from None
        if row.fingerprint != fingerprint:
            raise KeyReused() from None
        if row.status is None:
            raise KeyInFlight() from None
        replay = HttpResponse(
            bytes(row.body), status=row.status, content_type=row.content_type or None
        )
        if row.location:
            replay["Location"] = row.location
        replay["Idempotent-Replayed"] = "true"
        return replay
    request._idempotent_row = row
    return None


def finish(request, response) -> None:
    row = getattr(request, "_idempotent_row", None)
    if row is None:
        return
    if response.status_code in NOT_KEPT or response.status_code >= 500:
        IdempotentRequest.objects.filter(pk=row.pk).delete()
        return
    if hasattr(response, "render"):
        response.render()
    IdempotentRequest.objects.filter(pk=row.pk).update(
        status=response.status_code,
        content_type=response.get("Content-Type", "")[:100],
        location=response.get("Location", "")[:500],
        body=response.content,
    )
