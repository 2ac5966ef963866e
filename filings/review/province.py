"""A provincial office watching its cities: per city (each prefecture office of the province, and
the provincial office itself), the filings received and decided over a period, those pending and
past their review due date today, the median working days to a decision, and the refusals with
their reasons grouped. Also the chart (inline SVG) and the CSV of the same figures.

``city_figures`` runs three queries whatever the number of filings: the first submissions of the
period grouped by office, today's pending filings grouped by office, and the decisions of the
period (with the first submission of each filing and the refusals' reasons). Python merges them.
"""

from __future__ import annotations

import csv
import io
import statistics as stats
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import (
    Count,
    DateTimeField,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from filings.calendar import calendars
from filings.models import Filing, FilingEvent, FilingVersion, Jurisdiction
from filings.review.statistics import LOCAL_TZ, NOT_COUNTED, OPEN_STATUSES

DECISIONS = (FilingEvent.Action.APPROVED, FilingEvent.Action.REFUSED)
LONGEST_PERIOD = timedelta(days=366 * 5)


@dataclass
class CityFigures:
    office: Jurisdiction
    received: int = 0
    approved: int = 0
    refused: int = 0
    pending: int = 0
    past_due: int = 0
    days_to_decision: list[int] = field(default_factory=list)
    reasons: Counter = field(default_factory=Counter)

    @property
    def decided(self) -> int:
        return self.approved + self.refused

    @property
    def median_days(self) -> float | None:
        return stats.median(self.days_to_decision) if self.days_to_decision else None

    @property
    def refusal_reasons(self) -> list[tuple[str, int]]:
        """Each reason as written once, with how many refusals gave it, most frequent first."""
        return sorted(self.reasons.items(), key=lambda item: (-item[1], item[0]))


def province_offices(province: Jurisdiction) -> list[Jurisdiction]:
    """The provincial office and the prefecture offices under it, by code: one query."""
    return list(
        Jurisdiction.objects.filter(Q(pk=province.pk) | Q(province=province)).order_by("code")
    )


def _bounds(since: date, until: date) -> tuple[datetime, datetime]:
    """The period as instants in China time: from ``since`` 00:00 to the end of ``until``."""
    start = datetime.combine(since, time.min, tzinfo=LOCAL_TZ)
    return start, datetime.combine(until + timedelta(days=1), time.min, tzinfo=LOCAL_TZ)


def _same_reason(note: str) -> str:
    """Reasons grouped as written, whatever their spacing."""
    return " ".join((note or "").split()) or "—"


def city_figures(offices: list[Jurisdiction], since: date, until: date, today: date) -> list:
    """The figures of each of ``offices`` over the period [since, until] (received, decided, the
    days to decide, the refusals' reasons) and on ``today`` (pending, past due), in the order of
    ``offices``."""
    figures = {office.pk: CityFigures(office) for office in offices}
    start, end = _bounds(since, until)
    filings = Filing.objects.filter(office__in=list(figures)).exclude(status__in=NOT_COUNTED)

    # 1. Received: first submitted in the period (version 1; a filing without versions, its own
    # submitted_at). A LEFT JOIN on version 1 in the same pass, as statistics.summary does.
    first = Coalesce(F("first_version__submitted_at"), F("submitted_at"))
    received = (
        filings.filter(submitted_at__gte=start)
        .annotate(first_version=FilteredRelation("versions", condition=Q(versions__number=1)))
        .annotate(first=first)
        .filter(first__gte=start, first__lt=end)
        .order_by()
        .values_list("office")
        .annotate(n=Count("pk"))
    )
    for office_id, n in received:
        figures[office_id].received = n

    # 2. Pending today, and past their review due date.
    pending = (
        filings.filter(status__in=OPEN_STATUSES)
        .order_by()
        .values_list("office")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(review_due__lt=today)))
    )
    for office_id, n, late in pending:
        figures[office_id].pending, figures[office_id].past_due = n, late

    # 3. Decisions of the period, with the filing's first submission and the reasons given.
    first_submitted = FilingVersion.objects.filter(filing=OuterRef("filing"), number=1).values(
        "submitted_at"
    )[:1]
    decisions = (
        FilingEvent.objects.filter(
            action__in=DECISIONS,
            created_at__gte=start,
            created_at__lt=end,
            filing__office__in=list(figures),
        )
        .annotate(
            first=Coalesce(
                Subquery(first_submitted, output_field=DateTimeField()), F("filing__submitted_at")
            )
        )
        .order_by()
        .values_list("filing__office", "action", "created_at", "first", "note")
    )
    index = calendars.current_index()  # once: each module-level call reads its revision
    for office_id, action, decided_at, first_at, note in decisions:
        city = figures[office_id]
        if action == FilingEvent.Action.APPROVED:
            city.approved += 1
        else:
            city.refused += 1
            city.reasons[_same_reason(note)] += 1
        if first_at is not None:
            city.days_to_decision.append(
                max(
                    index.working_days_between(
                        first_at.astimezone(LOCAL_TZ).date(), decided_at.astimezone(LOCAL_TZ).date()
                    ),
                    0,
                )
            )
    return [figures[office.pk] for office in offices]


def totals(rows: list[CityFigures], province: Jurisdiction) -> CityFigures:
    """The province as a whole: the sums, and the median over every decision."""
    whole = CityFigures(province)
    for row in rows:
        whole.received += row.received
        whole.approved += row.approved
        whole.refused += row.refused
        whole.pending += row.pending
        whole.past_due += row.past_due
        whole.days_to_decision += row.days_to_decision
        whole.reasons.update(row.reasons)
    return whole


# --- CSV -----------------------------------------------------------------------------------------


def csv_text(rows: list[CityFigures], since: date, until: date) -> str:
    """The figures as CSV in the reader's language, with a byte-order mark for Excel."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Division code"),
            _("City"),
            _("Period from"),
            _("Period to"),
            _("Received"),
            _("Decided"),
            _("Approved"),
            _("Refused"),
            _("Pending today"),
            _("Past due today"),
            _("Median working days to decision"),
        ]
    )
    for row in rows:
        median = row.median_days
        writer.writerow(
            [
                row.office.code,
                row.office.display_name,
                since.isoformat(),
                until.isoformat(),
                row.received,
                row.decided,
                row.approved,
                row.refused,
                row.pending,
                row.past_due,
                "" if median is None else f"{median:g}",
            ]
        )
    return "\ufeff" + out.getvalue()


# --- Chart ---------------------------------------------------------------------------------------

SERIES = (
    ("received", "#417690"),
    ("decided", "#2e7d32"),
    ("pending", "#8a5300"),
    ("past_due", "#a4161a"),
)
ROW, BAR, LABEL_WIDTH, CHART_WIDTH, LEGEND = 44, 9, 130, 720, 28


def cities_chart_svg(rows: list[CityFigures], labels: dict[str, str], *, title: str) -> str:
    """Horizontal bars per city (received, decided, pending, past due) as inline SVG: no script,
    no external resource, every text escaped; the <desc> gives the figures as text."""
    height = LEGEND + ROW * max(len(rows), 1) + 8
    plot = CHART_WIDTH - LABEL_WIDTH - 40
    largest = max((getattr(row, name) for row in rows for name, _colour in SERIES), default=0) or 1
    description = "; ".join(
        f"{row.office.display_name}: "
        + ", ".join(f"{labels[name]} {getattr(row, name)}" for name, _colour in SERIES)
        for row in rows
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="cities-chart" role="img" '
        f'aria-labelledby="cities-chart-title cities-chart-desc" '
        f'viewBox="0 0 {CHART_WIDTH} {height}" width="100%" class="province-chart" '
        f'font-family="sans-serif" font-size="11">',
        f'<title id="cities-chart-title">{escape(title)}</title>',
        f'<desc id="cities-chart-desc">{escape(description)}</desc>',
    ]
    x = LABEL_WIDTH
    for name, colour in SERIES:
        parts.append(
            f'<rect x="{x}" y="8" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="17" fill="currentColor">{escape(labels[name])}</text>'
        )
        x += 20 + 12 * len(labels[name]) + 10
    for index, row in enumerate(rows):
        top = LEGEND + index * ROW
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{top + ROW / 2 + 4:.1f}" text-anchor="end" '
            f'fill="currentColor">{escape(row.office.display_name)}</text>'
        )
        for number, (name, colour) in enumerate(SERIES):
            value = getattr(row, name)
            width = plot * value / largest
            y = top + 3 + number * BAR
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR - 1}" '
                f'fill="{colour}"/><text x="{LABEL_WIDTH + width + 4:.1f}" y="{y + BAR - 2}" '
                f'fill="currentColor" font-size="9">{value}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 -- every interpolated text is escaped above
