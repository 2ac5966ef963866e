"""Figures for the review workspace's statistics page, and its monthly bar chart.

``summary`` takes a Filing queryset the caller has already scoped to the reviewer
(``review_scope.filings_visible_to``) and never looks at any other filing. It runs three queries
whatever the number of rows: one grouped by (status, kind) that also counts late and overdue
filings, one grouped by the organization's address division, one grouped by month of first
submission. Python only merges the few grouped rows.

Those three read every filing of the scope (30,000 in a large city's office: 300 ms).
``cached_summary`` keeps the figures until a filing of the scope's offices changes: a change moves
its ``updated_at``, and ``last_change`` finds the latest with one index probe per office.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db.models import Count, DateField, F, FilteredRelation, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from filings.models import Filing
from filings.registry.jurisdictions import (
    LEVEL_PREFECTURE,
    MUNICIPALITIES,
    PROVINCE_ADMINISTERED_PAIR,
    load_divisions,
)

# Months are calendar months in China, whatever the server's or the reviewer's time zone.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
OPEN_STATUSES = (Filing.Status.SUBMITTED, Filing.Status.UNDER_REVIEW)
NOT_COUNTED = (Filing.Status.DRAFT, Filing.Status.WITHDRAWN)
MONTHS = 12
# An organization that moves changes the cities' figures without touching its filings: the
# cached figures are kept no longer than this.
CACHED_FOR = 10 * 60


# --- Cities --------------------------------------------------------------------------------------


def city_of(address_division: str) -> str:
    """The prefecture-level city of an address division code, as a 6-digit code.

    A code in a municipality gives the municipality ('110105' -> '110000'); a province-administered
    county-level unit is its own city ('429004' -> '429004'); a county or district gives its
    prefecture ('440305' -> '440300'). A code the snapshot cannot place is returned unchanged, so a
    bad row shows up in the figures under its own code instead of breaking the page.
    """
    code = address_division or ""
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return code
    province = code[:2] + "0000"
    if province in MUNICIPALITIES:
        return province
    if code == province or code[2:4] == PROVINCE_ADMINISTERED_PAIR:
        return code
    prefecture = load_divisions().get(code[:4] + "00")
    if prefecture is not None and prefecture.level == LEVEL_PREFECTURE:
        return prefecture.code
    return code


def city_name(city_code: str) -> str:
    """Name of a city code from ``city_of`` in the current language (the code if unknown)."""
    division = load_divisions().get(city_code)
    if division is None:
        return city_code or "—"
    return division.name_en if get_language() == "en" else division.name


# --- Figures -------------------------------------------------------------------------------------


def month_keys(today: date, months: int = MONTHS) -> list[str]:
    """'YYYY-MM' of the ``months`` calendar months ending with today's, oldest first."""
    index = today.year * 12 + today.month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - months + 1, index + 1)]


def _month_start(key: str) -> datetime:
    year, month = key.split("-")
    return datetime(int(year), int(month), 1, tzinfo=LOCAL_TZ)


def _month_key(value) -> str:
    if isinstance(value, datetime):  # a backend that ignores output_field=DateField()
        value = value.astimezone(LOCAL_TZ) if value.tzinfo else value
    return f"{value.year:04d}-{value.month:02d}"


def cached_summary(filings, today: date, offices) -> dict:
    """``summary`` of ``filings``, reused while none of them changed (same scope, day, language
    and latest change among the ``offices``' filings: ``last_change``), for at most CACHED_FOR
    seconds. ``offices`` are those of the scope (``review_scope.offices_in_jurisdiction``)."""
    fingerprint = f"{filings.query}|{today}|{get_language()}|{last_change(offices)}"
    key = "statistics:" + hashlib.sha256(fingerprint.encode()).hexdigest()
    figures = cache.get(key)
    if figures is None:
        figures = summary(filings, today)
        cache.set(key, figures, CACHED_FOR)
    return figures


def last_change(offices) -> datetime | None:
    """The latest ``updated_at`` among the offices' filings, drafts aside: every change that moves
    the figures saves a filing (a submission, a decision, a withdrawal, which takes a filing out of
    the figures but not out of this), and filings are never deleted. A filing taken over by the
    province (``transfers``) moves the province's latest change, not its city's: the city's
    figures may count it until CACHED_FOR has passed.
    One probe of the index ``filing_office_last_change`` per office, however many filings each
    holds, where counting them took 9 ms for Shenzhen's 30,000."""
    latest = (
        Filing.objects.filter(office=OuterRef("pk"))
        .exclude(status=Filing.Status.DRAFT)
        .order_by("-updated_at")
        .values("updated_at")[:1]
    )
    return offices.annotate(latest=Subquery(latest)).aggregate(last=Max("latest"))["last"]


def summary(filings, today: date) -> dict:
    """The statistics of ``filings`` (a scoped Filing queryset) on ``today``, in three queries.

    Returns ``by_status`` and ``by_kind`` as [(value, label, count)] in the enums' order, zeros
    included (drafts left out: they are the organization's own); ``by_city`` as
    [(city code, name, count)] by count desc then code; ``overdue_reviews`` (submitted or under
    review, review due before today); ``late_filings``; ``per_month`` as [('YYYY-MM', count)] of
    the 12 months ending with today's, by month of first submission in China time, oldest first.
    """
    # A withdrawn filing went back to its organization, like a draft: the office does not count it.
    filings = filings.exclude(status__in=NOT_COUNTED).order_by()

    # 1. status x kind, with the late and overdue counts of each group.
    by_status = dict.fromkeys(Filing.Status.values, 0)
    by_kind = dict.fromkeys(Filing.Kind.values, 0)
    late = overdue = 0
    groups = filings.values("status", "kind").annotate(
        n=Count("pk"),
        late=Count("pk", filter=Q(late=True)),
        overdue=Count("pk", filter=Q(status__in=OPEN_STATUSES, review_due__lt=today)),
    )
    for group in groups:
        by_status[group["status"]] = by_status.get(group["status"], 0) + group["n"]
        by_kind[group["kind"]] = by_kind.get(group["kind"], 0) + group["n"]
        late += group["late"]
        overdue += group["overdue"]

    # 2. address divisions, merged into cities here (a few hundred rows at most).
    cities: dict[str, int] = {}
    divisions = filings.values_list("organization__address_division").annotate(n=Count("pk"))
    for division, n in divisions:
        city = city_of(division)
        cities[city] = cities.get(city, 0) + n
    by_city = [
        (code, city_name(code), n)
        for code, n in sorted(cities.items(), key=lambda item: (-item[1], item[0]))
    ]

    # 3. month of first submission. ``submitted_at`` is overwritten when a returned filing is
    # resubmitted; version 1 keeps the first submission. A filing without versions (imported or
    # made directly) falls back to ``submitted_at``. The first submission is never after the last,
    # so ``submitted_at >= start`` selects every candidate; the few groups of months before the
    # window that it lets through are dropped below. Version 1 comes in by a LEFT JOIN read in
    # the same pass (a hash join), not by a subquery run once per filing.
    keys = month_keys(today)
    first_submitted = Coalesce(F("first_version__submitted_at"), F("submitted_at"))
    per_month = dict.fromkeys(keys, 0)
    months = (
        filings.filter(submitted_at__gte=_month_start(keys[0]))
        .annotate(first_version=FilteredRelation("versions", condition=Q(versions__number=1)))
        .annotate(month=TruncMonth(first_submitted, output_field=DateField(), tzinfo=LOCAL_TZ))
        .values_list("month")
        .annotate(n=Count("pk"))
    )
    for month, n in months:
        key = _month_key(month)
        if key in per_month:
            per_month[key] += n

    return {
        "by_status": [
            (status.value, str(status.label), by_status[status.value])
            for status in Filing.Status
            if status not in NOT_COUNTED
        ],
        "by_kind": [(kind.value, str(kind.label), by_kind[kind.value]) for kind in Filing.Kind],
        "by_city": by_city,
        "overdue_reviews": overdue,
        "late_filings": late,
        "per_month": list(per_month.items()),
    }


# --- Chart ---------------------------------------------------------------------------------------

WIDTH, HEIGHT = 640, 240
TOP, BOTTOM, SIDE = 24, 28, 8  # room for the counts above and the month labels below
BAR_COLOUR = "#417690"  # the admin's primary colour; the text follows the page's (currentColor)


def monthly_chart_svg(
    per_month: list[tuple[str, int]], *, title: str, chart_id: str = "monthly-chart"
) -> str:
    """An accessible bar chart of ``per_month`` as inline SVG: no script, no external resource.

    One <rect> per month, scaled to the largest count (all-zero months give flat bars), the count
    above each bar and the month below. ``title`` is escaped; the <desc> repeats the figures as
    text for screen readers. ``chart_id`` keeps the ids unique when a page shows several charts.
    """
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - 2 * SIDE) / max(len(per_month), 1)
    bar = slot * 0.7
    largest = max((count for _, count in per_month), default=0)
    description = ", ".join(f"{month}: {count}" for month, count in per_month)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(chart_id)}" role="img" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" preserveAspectRatio="xMidYMid meet" '
        # Sized by static/css/admin.css (.stats-chart): no style attribute under the CSP.
        f'class="stats-chart" font-family="sans-serif" font-size="11">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>',
        f'<line x1="{SIDE}" y1="{TOP + plot_height}" x2="{WIDTH - SIDE}" '
        f'y2="{TOP + plot_height}" stroke="currentColor" stroke-opacity="0.4"/>',
    ]
    for index, (month, count) in enumerate(per_month):
        height = plot_height * count / largest if largest else 0
        x = SIDE + index * slot + (slot - bar) / 2
        y = TOP + plot_height - height
        centre = x + bar / 2
        parts.append(
            f'<g><rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{height:.1f}" '
            f'fill="{BAR_COLOUR}"/>'
            f'<text x="{centre:.1f}" y="{y - 5:.1f}" text-anchor="middle" '
            f'fill="currentColor">{count}</text>'
            f'<text x="{centre:.1f}" y="{HEIGHT - 10}" text-anchor="middle" '
            f'fill="currentColor" font-size="10">{escape(month)}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 -- every interpolated text is escaped above
