"""Working-day arithmetic for filing deadlines: the State Council's yearly holiday notice, entered
per year (filings/calendar/calendars.py), and the statutory holidays of a year not entered yet
(filings/calendar/holidays.py).

Deadlines are counted in Chinese working days: Monday to Friday, minus the days off the State
Council announces each year, plus the weekend days it turns into working days (调休上班). The
notice for a year appears in October or November of the year before, so a deadline that reaches
into a year without a published notice is *provisional* and has to be recomputed once the notice
is entered.

This module is pure (stdlib only; ``chinese_calendar`` is imported inside ``chinese_calendar_years``
alone) so it can be used from models, forms, Celery tasks and tests without Django.

Design:

* ``WorkdayIndex`` walks the calendar once and keeps a sorted list of the ordinals of every working
  day in its span; every query is then a couple of ``bisect`` calls, never a day-by-day walk.
* The span grows by itself (a rebuild) when a query falls outside it, so any date in
  MIN_YEAR..MAX_YEAR (1900-2200) works. Outside that, ValueError: a mistyped 9999-12-31 must not
  make the index build eight thousand years (hundreds of MB).
* A year with no ``YearCalendar`` is provisional: Saturdays, Sundays and the statutory holidays
  of 《全国年节及纪念日放假办法》 (``filings.calendar.holidays``) are off, without the State
  Council's rearrangement, which is not known yet.
* A year whose ``YearCalendar`` has ``published=False`` (e.g. a draft or an expected arrangement
  entered ahead of the notice) *does* use its dates, but stays provisional: results touching it are
  never final. Entering the dates early gives the best guess; ``published`` alone says whether the
  guess is law.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "Deadline",
    "WorkdayIndex",
    "YearCalendar",
    "chinese_calendar_years",
]

MIN_YEAR = 1900  # earliest year the index will cover (dates, results and spans)
MAX_YEAR = 2200  # latest year the index will cover
_GROWTH_YEARS = 10  # how far past a missing date the span grows, so rebuilds stay rare


@dataclass(frozen=True)
class YearCalendar:
    """One year's holiday arrangement, as published by the State Council (or a draft of it)."""

    year: int
    published: bool
    days_off: frozenset[dt.date] = frozenset()
    makeup_workdays: frozenset[dt.date] = frozenset()

    def __post_init__(self) -> None:
        # Accept any iterable of dates, but store frozensets so the record stays hashable.
        days_off = frozenset(self.days_off)
        makeup_workdays = frozenset(self.makeup_workdays)
        object.__setattr__(self, "days_off", days_off)
        object.__setattr__(self, "makeup_workdays", makeup_workdays)
        for d in days_off | makeup_workdays:
            if not isinstance(d, dt.date) or isinstance(d, dt.datetime):
                raise TypeError(f"{self.year}: expected datetime.date, got {d!r}")
            if d.year != self.year:
                raise ValueError(f"{self.year}: {d.isoformat()} lies outside the year")
        both = days_off & makeup_workdays
        if both:
            listed = ", ".join(sorted(d.isoformat() for d in both))
            raise ValueError(f"{self.year}: both a day off and a make-up working day: {listed}")


@dataclass(frozen=True, slots=True)
class Deadline:
    """A computed date, and whether every day it depends on lies in a published year."""

    date: dt.date
    final: bool

    @property
    def provisional(self) -> bool:
        """True when a year without a published notice was used; recompute once it is entered."""
        return not self.final


@dataclass(frozen=True)
class _Span:
    """The precomputed index for first_year..last_year; replaced whole, so readers never see a
    half-built one."""

    first_year: int
    last_year: int
    first_ordinal: int  # ordinal of first_year-01-01
    last_ordinal: int  # ordinal of last_year-12-31
    working_ordinals: list[int]  # sorted ordinals of every working day in the span
    # Runs of consecutive unpublished years in the span, as first/last day ordinals (sorted).
    unpublished_firsts: list[int]
    unpublished_lasts: list[int]
    # The answers themselves, per working-day position, final and provisional: building a frozen
    # dataclass costs about as much as the whole lookup, and a Deadline is immutable, so they are
    # built once with the index and shared.
    final_deadlines: list[Deadline]
    provisional_deadlines: list[Deadline]

    def all_published(self, first_ordinal: int, last_ordinal: int) -> bool:
        """Whether every day of the closed ordinal range (inside the span) lies in a published
        year; True for an empty range."""
        i = bisect_left(self.unpublished_lasts, first_ordinal)
        return (
            first_ordinal > last_ordinal
            or i == len(self.unpublished_lasts)
            or self.unpublished_firsts[i] > last_ordinal
        )


class WorkdayIndex:
    """Answers working-day questions with bisect over a sorted list of working-day ordinals."""

    def __init__(
        self,
        years: Iterable[YearCalendar],
        first_year: int | None = None,
        last_year: int | None = None,
        provisional_days_off: Callable[[int], frozenset[dt.date]] | None = None,
    ) -> None:
        """``provisional_days_off(year)`` gives the days off of a year without a calendar; by
        default the statutory holidays (``filings.calendar.holidays.statutory_days_off``)."""
        if provisional_days_off is None:
            from filings.calendar.holidays import statutory_days_off as provisional_days_off
        self._provisional_days_off = provisional_days_off
        calendars: dict[int, YearCalendar] = {}
        for calendar in years:
            if calendar.year in calendars:
                raise ValueError(f"two calendars for {calendar.year}")
            calendars[calendar.year] = calendar
        self._calendars = calendars

        this_year = dt.date.today().year
        if first_year is None:
            first_year = min(calendars, default=this_year)
        if last_year is None:
            last_year = max(max(calendars, default=this_year), this_year) + _GROWTH_YEARS
            last_year = min(last_year, MAX_YEAR)
        if first_year > last_year:
            raise ValueError(f"first_year {first_year} is after last_year {last_year}")
        _check_supported(first_year, last_year)
        self._span = self._build_span(first_year, last_year)

    # -- public API ------------------------------------------------------------------------------

    @property
    def first_year(self) -> int:
        """First year of the current index span (it grows on demand)."""
        return self._span.first_year

    @property
    def last_year(self) -> int:
        """Last year of the current index span (it grows on demand)."""
        return self._span.last_year

    def is_working_day(self, d: dt.date) -> bool:
        """Whether ``d`` is a working day (make-up weekend days included, days off excluded)."""
        ordinal = d.toordinal()
        working = self._span_covering(ordinal, ordinal).working_ordinals
        i = bisect_left(working, ordinal)
        return i < len(working) and working[i] == ordinal

    def add_working_days(self, start: dt.date, n: int) -> Deadline:
        """The n-th working day strictly after ``start`` (n >= 1), or the |n|-th strictly before it
        (n <= -1).

        The start day itself is never counted (Civil Code Art. 201), whether or not it is a working
        day: an event on Saturday + 1 is the following Monday. The result is final iff every day
        from the day after ``start`` to the result (or from the result to the day before ``start``)
        lies in a published year.
        """
        if n == 0:
            raise ValueError("n must not be 0: the start day itself is never counted")
        ordinal = start.toordinal()
        span = self._span
        if not span.first_ordinal <= ordinal <= span.last_ordinal:
            span = self._span_covering(ordinal, ordinal)
        if n > 0:
            i = bisect_right(span.working_ordinals, ordinal) + n - 1
            while i >= len(span.working_ordinals):  # not enough working days left: grow forward
                span = self._grown(span, last_year=span.last_year + _years_for(n))
                i = bisect_right(span.working_ordinals, ordinal) + n - 1
            first, last = ordinal + 1, span.working_ordinals[i]
        else:
            i = bisect_left(span.working_ordinals, ordinal) + n
            while i < 0:  # not enough working days before: grow backward
                span = self._grown(span, first_year=span.first_year - _years_for(n))
                i = bisect_left(span.working_ordinals, ordinal) + n
            first, last = span.working_ordinals[i], ordinal - 1
        # span.all_published(first, last) inlined (first <= last here): this is the hot path.
        j = bisect_left(span.unpublished_lasts, first)
        final = j == len(span.unpublished_lasts) or span.unpublished_firsts[j] > last
        return span.final_deadlines[i] if final else span.provisional_deadlines[i]

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days d with start < d <= end; negative when end < start.

        For end >= start this counts the working days after ``start`` up to and including ``end``
        (0 when end == start), so ``working_days_between(today, deadline)`` is "working days
        left". For end < start it is -(working days d with end < d <= start), so the same call
        after the deadline gives a negative "overdue by" count. Antisymmetric:
        ``working_days_between(a, b) == -working_days_between(b, a)``.
        """
        start_ordinal, end_ordinal = start.toordinal(), end.toordinal()
        working = self._span_covering(
            min(start_ordinal, end_ordinal), max(start_ordinal, end_ordinal)
        ).working_ordinals
        return bisect_right(working, end_ordinal) - bisect_right(working, start_ordinal)

    def is_final(self, start: dt.date, end: dt.date) -> bool:
        """Whether ``working_days_between(start, end)`` is final: every day it examines (those
        after the earlier date, up to and including the later one) lies in a published year."""
        lo, hi = sorted((start.toordinal(), end.toordinal()))
        return self._span_covering(lo, hi).all_published(lo + 1, hi)

    # -- internals -------------------------------------------------------------------------------

    def _span_covering(self, first_ordinal: int, last_ordinal: int) -> _Span:
        """The current span, grown (with some margin) if it does not cover both ordinals."""
        span = self._span
        if span.first_ordinal <= first_ordinal and last_ordinal <= span.last_ordinal:
            return span
        first_year = dt.date.fromordinal(first_ordinal).year
        last_year = dt.date.fromordinal(last_ordinal).year
        _check_supported(first_year, last_year)
        return self._grown(
            span,
            first_year=first_year - _GROWTH_YEARS if first_year < span.first_year else None,
            last_year=last_year + _GROWTH_YEARS if last_year > span.last_year else None,
        )

    def _grown(
        self, span: _Span, first_year: int | None = None, last_year: int | None = None
    ) -> _Span:
        """Rebuild the index over a wider span and install it; ValueError when it cannot grow
        (already at MIN_YEAR or MAX_YEAR)."""
        wanted_first = span.first_year if first_year is None else min(first_year, span.first_year)
        wanted_last = span.last_year if last_year is None else max(last_year, span.last_year)
        new_first = max(wanted_first, MIN_YEAR)
        new_last = min(wanted_last, MAX_YEAR)
        if (new_first, new_last) == (span.first_year, span.last_year):
            raise ValueError(f"working days outside {MIN_YEAR}-{MAX_YEAR} are not supported")
        new_span = self._build_span(new_first, new_last)
        self._span = new_span
        return new_span

    def _build_span(self, first_year: int, last_year: int) -> _Span:
        """Walk every day of first_year..last_year once, collecting the working days."""
        first_ordinal = dt.date(first_year, 1, 1).toordinal()
        last_ordinal = dt.date(last_year, 12, 31).toordinal()
        working: list[int] = []
        for year in range(first_year, last_year + 1):
            calendar = self._calendars.get(year)
            days_off = {
                d.toordinal()
                for d in (calendar.days_off if calendar else self._provisional_days_off(year))
            }
            makeup = {d.toordinal() for d in calendar.makeup_workdays} if calendar else set()
            year_first = dt.date(year, 1, 1).toordinal()
            year_last = dt.date(year, 12, 31).toordinal()
            for ordinal in range(year_first, year_last + 1):
                # Ordinal 1 (0001-01-01) is a Monday, so (ordinal - 1) % 7 is date.weekday().
                weekday = (ordinal - 1) % 7
                if ordinal in makeup or (weekday < 5 and ordinal not in days_off):
                    working.append(ordinal)
        working_dates = [dt.date.fromordinal(ordinal) for ordinal in working]
        unpublished_firsts: list[int] = []
        unpublished_lasts: list[int] = []
        for year in range(first_year, last_year + 1):
            calendar = self._calendars.get(year)
            if calendar is not None and calendar.published:
                continue
            year_first = dt.date(year, 1, 1).toordinal()
            year_last = dt.date(year, 12, 31).toordinal()
            if unpublished_lasts and unpublished_lasts[-1] == year_first - 1:
                unpublished_lasts[-1] = year_last  # extend the run
            else:
                unpublished_firsts.append(year_first)
                unpublished_lasts.append(year_last)
        return _Span(
            first_year=first_year,
            last_year=last_year,
            first_ordinal=first_ordinal,
            last_ordinal=last_ordinal,
            working_ordinals=working,
            unpublished_firsts=unpublished_firsts,
            unpublished_lasts=unpublished_lasts,
            final_deadlines=[Deadline(d, True) for d in working_dates],
            provisional_deadlines=[Deadline(d, False) for d in working_dates],
        )


def _check_supported(first_year: int, last_year: int) -> None:
    """Refuse years the index will not cover, with a clear message."""
    for year in (first_year, last_year):
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(
                f"year {year} is outside {MIN_YEAR}-{MAX_YEAR}, which is not supported"
            )


def _years_for(n: int) -> int:
    """Enough years to hold |n| more working days (>= 200 a year), plus the usual margin."""
    return abs(n) // 200 + 1 + _GROWTH_YEARS


def chinese_calendar_years() -> list[YearCalendar]:
    """One published YearCalendar per year the ``chinese_calendar`` package covers.

    The package's own range check uses the years of its ``holidays`` dict, so that is the range
    used here; ``workdays`` holds the make-up working days (调休上班).
    """
    from chinese_calendar.constants import holidays, workdays

    first_year = min(holidays).year
    last_year = max(holidays).year
    return [
        YearCalendar(
            year=year,
            published=True,
            days_off=frozenset(d for d in holidays if d.year == year),
            makeup_workdays=frozenset(d for d in workdays if d.year == year),
        )
        for year in range(first_year, last_year + 1)
    ]
