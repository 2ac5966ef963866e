"""The working-day calendar as stored: periods checked before saving, CSV import, and the shared
WorkdayIndex that every deadline in the portal is computed with.

The index is rebuilt whenever a calendar year changes: each call to ``current_index`` compares a
cheap revision (one aggregate query) with the one the cached index was built from, so a year saved
in the admin is seen by the web processes and the workers alike.
"""

import csv
import io
import threading
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from filings.calendar.workdays import Deadline, WorkdayIndex, YearCalendar
from filings.models import AuditEntry, CalendarPeriod, CalendarYear
from filings.registry import audit

_lock = threading.Lock()
_cache: tuple[tuple, WorkdayIndex] | None = None


@dataclass(frozen=True)
class Period:
    kind: str  # CalendarPeriod.Kind value
    first_day: date
    last_day: date
    label: str = ""

    def days(self):
        day = self.first_day
        while day <= self.last_day:
            yield day
            day += timedelta(days=1)


def period_errors(year: int, periods: list[Period]) -> list[str]:
    """What is wrong with a year's periods, in the user's language; empty when they can be saved."""
    errors = []
    for period in periods:
        span = f"{period.first_day:%Y-%m-%d} – {period.last_day:%Y-%m-%d}"
        if period.last_day < period.first_day:
            errors.append(_("%(span)s: the last day is before the first day.") % {"span": span})
            continue
        if period.first_day.year != year or period.last_day.year != year:
            errors.append(
                _("%(span)s: every date must lie in %(year)s.") % {"span": span, "year": year}
            )
        if period.kind == CalendarPeriod.Kind.WORKING_DAYS:
            weekdays = [day for day in period.days() if day.weekday() < 5]
            if weekdays:
                errors.append(
                    _(
                        "%(span)s: make-up working days are Saturdays or Sundays; "
                        "%(day)s is a weekday."
                    )
                    % {"span": span, "day": f"{weekdays[0]:%Y-%m-%d}"}
                )
    ordered = sorted((p for p in periods if p.last_day >= p.first_day), key=lambda p: p.first_day)
    for previous, current in zip(ordered, ordered[1:], strict=False):
        if current.first_day <= previous.last_day:
            errors.append(
                _("%(a)s and %(b)s overlap.")
                % {
                    "a": f"{previous.first_day:%Y-%m-%d} – {previous.last_day:%Y-%m-%d}",
                    "b": f"{current.first_day:%Y-%m-%d} – {current.last_day:%Y-%m-%d}",
                }
            )
    return errors


CSV_KINDS = {
    "off": CalendarPeriod.Kind.DAYS_OFF,
    "休": CalendarPeriod.Kind.DAYS_OFF,
    "work": CalendarPeriod.Kind.WORKING_DAYS,
    "班": CalendarPeriod.Kind.WORKING_DAYS,
}


class CalendarCSVError(ValueError):
    pass


def parse_csv(content: bytes) -> list[Period]:
    """Rows of ``kind,first_day,last_day,label`` (kind: off/休 or work/班; dates YYYY-MM-DD).

    A header row is allowed. Raises CalendarCSVError naming the first bad line.
    """
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CalendarCSVError(_("The file is not UTF-8 text. Save it as CSV (UTF-8).")) from None
    periods = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or (number == 1 and cells[0].lower() == "kind"):
            continue
        if len(cells) < 3:
            raise CalendarCSVError(
                _("Line %(n)d: expected kind, first day, last day and an optional label.")
                % {"n": number}
            )
        kind = CSV_KINDS.get(cells[0].lower())
        if kind is None:
            raise CalendarCSVError(
                _("Line %(n)d: the kind must be off (休) or work (班), not %(value)s.")
                % {"n": number, "value": cells[0][:20]}
            )
        try:
            first, last = date.fromisoformat(cells[1]), date.fromisoformat(cells[2])
        except ValueError:
            raise CalendarCSVError(
                _("Line %(n)d: dates are written YYYY-MM-DD.") % {"n": number}
            ) from None
        label = cells[3][:50] if len(cells) > 3 else ""
        periods.append(Period(kind, first, last, label))
    if not periods:
        raise CalendarCSVError(_("The file has no periods."))
    return periods


@transaction.atomic
def replace_periods(calendar_year: CalendarYear, periods: list[Period], actor=None) -> None:
    """Replace a year's periods with validated ones (from a CSV upload)."""
    errors = period_errors(calendar_year.year, periods)
    if errors:
        raise CalendarCSVError(" ".join(errors))
    before = audit.period_facts(calendar_year.periods.order_by("first_day", "pk"))
    calendar_year.periods.all().delete()
    CalendarPeriod.objects.bulk_create(
        CalendarPeriod(
            calendar_year=calendar_year,
            kind=p.kind,
            first_day=p.first_day,
            last_day=p.last_day,
            label=p.label,
        )
        for p in periods
    )
    calendar_year.save(update_fields=["updated_at"])
    after = audit.period_facts(sorted(periods, key=lambda p: p.first_day))
    audit.record(
        AuditEntry.Action.CALENDAR_IMPORTED,
        actor=actor,
        obj=calendar_year,
        before={"periods": before},
        after={"periods": after},
    )


def year_calendars() -> list[YearCalendar]:
    days: dict[int, dict[str, set]] = {}
    for period in CalendarPeriod.objects.all():
        per_kind = days.setdefault(period.calendar_year_id, {"off": set(), "work": set()})
        per_kind[period.kind].update(Period(period.kind, period.first_day, period.last_day).days())
    calendars = []
    for calendar_year in CalendarYear.objects.all():
        per_kind = days.get(calendar_year.pk, {"off": set(), "work": set()})
        calendars.append(
            YearCalendar(
                year=calendar_year.year,
                published=calendar_year.published,
                days_off=frozenset(d for d in per_kind["off"] if d.year == calendar_year.year),
                makeup_workdays=frozenset(
                    d for d in per_kind["work"] if d.year == calendar_year.year
                ),
            )
        )
    return calendars


def _revision() -> tuple:
    aggregate = CalendarYear.objects.aggregate(count=Count("pk"), latest=Max("updated_at"))
    return (aggregate["count"], aggregate["latest"])


def current_index() -> WorkdayIndex:
    """The index built from the calendar as stored now (rebuilt only when a year changed)."""
    global _cache
    revision = _revision()
    cached = _cache
    if cached is not None and cached[0] == revision:
        return cached[1]
    with _lock:
        if _cache is not None and _cache[0] == revision:
            return _cache[1]
        index = WorkdayIndex(year_calendars())
        _cache = (revision, index)
        return index


def add_working_days(start: date, n: int) -> Deadline:
    return current_index().add_working_days(start, n)


def working_days_between(start: date, end: date) -> int:
    return current_index().working_days_between(start, end)
