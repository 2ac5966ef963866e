"""The one reading of a date or a moment given in a query parameter (``updated_since``, the
pagination cursor): ISO 8601 strictly, and a 400 in the API's error shape for anything else,
impossible days and hours and offsets, and moments that no clock can hold once turned to UTC
(year 1 east of Greenwich, 9999-12-31 west of it) included. Django's own parsers raise
``ValueError`` or ``OverflowError`` on some of those, which were 500s."""

import re
from datetime import UTC, date, datetime, time, timedelta, timezone

from django.utils import timezone as django_timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.exceptions import ErrorDetail

MOMENT = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,6}))?)?"
    r"(?P<zone>Z|[+-]\d{2}:?\d{2})?)?"
)
BAD_MOMENT = _("Give a date and time in ISO 8601, e.g. 2026-12-01T08:00:00+08:00.")


def _offset(text: str) -> timezone:
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise ValueError("offset out of range")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_moment(raw: str) -> datetime:
    """An aware datetime in UTC from ``raw`` (a date means its start in the portal's time zone;
    a moment without an offset is in the portal's time zone). ValueError when it is none."""
    if not isinstance(raw, str):
        raise ValueError("not text")
    match = MOMENT.fullmatch(raw.strip())
    if match is None:
        raise ValueError("not ISO 8601")
    parts = match.groupdict()
    day = date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    if parts["hour"] is None:
        moment = datetime.combine(day, time.min)
    else:
        fraction = (parts["fraction"] or "0").ljust(6, "0")
        moment = datetime.combine(
            day,
            time(
                int(parts["hour"]),
                int(parts["minute"]),
                int(parts["second"] or 0),
                int(fraction),
            ),
        )
    try:
        if parts["zone"]:
            moment = moment.replace(tzinfo=_offset(parts["zone"]))
        else:
            moment = django_timezone.make_aware(moment)
        return moment.astimezone(UTC)
    except (OverflowError, OSError) as error:
        raise ValueError("out of range") from error


def moment_param(request, name: str) -> datetime | None:
    """The query parameter ``name`` as a moment, None when absent; a 400 naming it when it is
    not one."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        return parse_moment(raw)
    except ValueError:
        raise exceptions.ValidationError(
            {name: [ErrorDetail(str(BAD_MOMENT), code="invalid_datetime")]}
        ) from None
