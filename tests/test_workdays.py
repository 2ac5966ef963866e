"""filings.calendar.workdays: exhaustive against chinese_calendar, plus the domain's facts."""

from __future__ import annotations

import datetime as dt
from datetime import date, timedelta

import chinese_calendar
import pytest

from filings.calendar.workdays import (
    MAX_YEAR,
    MIN_YEAR,
    Deadline,
    WorkdayIndex,
    YearCalendar,
    chinese_calendar_years,
)

MAX_N = 60


@pytest.fixture(scope="module")
def cc_years() -> list[YearCalendar]:
    return chinese_calendar_years()


@pytest.fixture(scope="module")
def index(cc_years: list[YearCalendar]) -> WorkdayIndex:
    return WorkdayIndex(cc_years)


@pytest.fixture(scope="module")
def covered_days(cc_years: list[YearCalendar]) -> list[date]:
    """Every day of every year chinese_calendar covers, in order."""
    first = date(cc_years[0].year, 1, 1)
    last = date(cc_years[-1].year, 12, 31)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@pytest.fixture(scope="module")
def naive_is_workday(covered_days: list[date]) -> list[bool]:
    """chinese_calendar.is_workday for each covered day, computed once."""
    return [chinese_calendar.is_workday(d) for d in covered_days]


def d(iso: str) -> date:
    return date.fromisoformat(iso)


# -- exhaustive agreement with chinese_calendar ---------------------------------------------------


def test_chinese_calendar_years_cover_its_range(cc_years: list[YearCalendar]) -> None:
    years = [c.year for c in cc_years]
    assert years == list(range(2004, years[-1] + 1))
    assert years[-1] >= 2026
    assert all(c.published for c in cc_years)
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(years[-1] + 1, 1, 1))


def test_is_working_day_matches_chinese_calendar_every_day(
    index: WorkdayIndex, covered_days: list[date], naive_is_workday: list[bool]
) -> None:
    mismatches = [
        day
        for day, naive in zip(covered_days, naive_is_workday, strict=True)
        if index.is_working_day(day) != naive
    ]
    assert mismatches == []


def test_add_working_days_forward_exhaustive(
    index: WorkdayIndex, covered_days: list[date], naive_is_workday: list[bool]
) -> None:
    """Every covered start date, n = 1..60, against a day-by-day walk over is_workday."""
    checked = 0
    mismatches: list[tuple[date, int, Deadline, date]] = []
    for start_i, start in enumerate(covered_days):
        n = 0
        for j in range(start_i + 1, len(covered_days)):  # the start day is not counted
            if not naive_is_workday[j]:
                continue
            n += 1
            got = index.add_working_days(start, n)
            if got.date != covered_days[j] or not got.final:
                mismatches.append((start, n, got, covered_days[j]))
            checked += 1
            if n == MAX_N:
                break
    assert mismatches[:10] == []
    assert checked > 60 * 8000


def test_add_working_days_backward_exhaustive(
    index: WorkdayIndex, covered_days: list[date], naive_is_workday: list[bool]
) -> None:
    """Every covered start date, n = -1..-60, against a backward day-by-day walk."""
    mismatches: list[tuple[date, int, Deadline, date]] = []
    for start_i, start in enumerate(covered_days):
        n = 0
        for j in range(start_i - 1, -1, -1):
            if not naive_is_workday[j]:
                continue
            n -= 1
            got = index.add_working_days(start, n)
            if got.date != covered_days[j] or not got.final:
                mismatches.append((start, n, got, covered_days[j]))
            if n == -MAX_N:
                break
    assert mismatches[:10] == []


def test_working_days_between_inverts_add_working_days(
    index: WorkdayIndex, covered_days: list[date]
) -> None:
    for start in covered_days[::7]:
        for n in (1, 2, 10, 30, 60):
            end = index.add_working_days(start, n).date
            if end.year > covered_days[-1].year:
                continue
            assert index.working_days_between(start, end) == n
            assert index.working_days_between(start, end - timedelta(days=1)) == n - 1
            assert index.working_days_between(end, start) == -n


def test_find_workday_agrees_where_start_is_a_working_day(index: WorkdayIndex) -> None:
    """chinese_calendar.find_workday(n, d) counts like us only when d is a working day: from a day
    off it first moves to the next working day and counts from there (one more than Art. 201)."""
    for start in (d("2025-06-03"), d("2026-09-30"), d("2026-02-13")):
        assert index.add_working_days(start, 30).date == chinese_calendar.find_workday(30, start)
    holiday = d("2026-10-03")
    assert index.add_working_days(holiday, 31).date == chinese_calendar.find_workday(30, holiday)
    assert index.add_working_days(holiday, -5).date == chinese_calendar.find_workday(-5, holiday)


# -- facts ----------------------------------------------------------------------------------------


def test_2025_06_01_plus_30(index: WorkdayIndex) -> None:
    assert index.add_working_days(d("2025-06-01"), 30) == Deadline(d("2025-07-14"), final=True)


@pytest.mark.parametrize(
    ("iso", "working"),
    [
        ("2026-01-01", False),
        ("2026-01-04", True),  # Sunday make-up
        ("2026-02-13", True),
        ("2026-02-14", True),  # Saturday make-up
        ("2026-02-15", False),
        ("2026-02-16", False),
        ("2026-02-23", False),  # Monday, last day of the Spring Festival block
        ("2026-02-24", True),
        ("2026-02-28", True),  # Saturday make-up
        ("2026-03-01", False),
        ("2026-05-09", True),
        ("2026-09-20", True),  # Sunday make-up
        ("2026-10-01", False),
        ("2026-10-07", False),
        ("2026-10-08", True),
        ("2026-10-10", True),  # Saturday make-up
        ("2026-10-11", False),
    ],
)
def test_2026_published_arrangement(index: WorkdayIndex, iso: str, working: bool) -> None:
    assert index.is_working_day(d(iso)) is working


def test_2026_spring_festival_block(index: WorkdayIndex) -> None:
    block = [d("2026-02-15") + timedelta(days=i) for i in range(9)]
    assert [index.is_working_day(day) for day in block] == [False] * 9


def test_into_unpublished_year_is_provisional(cc_years: list[YearCalendar]) -> None:
    assert not any(c.year == 2027 for c in cc_years), "chinese_calendar now has 2027: update test"
    provisional = WorkdayIndex(cc_years).add_working_days(d("2026-12-10"), 30)
    # 2027 not announced: weekends and the statutory holidays off, Jan 1 (Friday) among them.
    assert provisional == Deadline(d("2027-01-22"), final=False)
    assert provisional.provisional

    published_2027 = YearCalendar(2027, published=True, days_off=frozenset({d("2027-01-01")}))
    final = WorkdayIndex([*cc_years, published_2027]).add_working_days(d("2026-12-10"), 30)
    assert final == Deadline(d("2027-01-22"), final=True)
    assert not final.provisional


def test_unpublished_record_uses_its_dates_but_stays_provisional(
    cc_years: list[YearCalendar],
) -> None:
    draft_2027 = YearCalendar(2027, published=False, days_off=frozenset({d("2027-01-01")}))
    index = WorkdayIndex([*cc_years, draft_2027])
    assert index.add_working_days(d("2026-12-10"), 30) == Deadline(d("2027-01-22"), final=False)
    assert not index.is_working_day(d("2027-01-01"))


def test_final_when_result_stays_in_published_year(cc_years: list[YearCalendar]) -> None:
    index = WorkdayIndex(cc_years)
    assert index.add_working_days(d("2026-12-10"), 15) == Deadline(d("2026-12-31"), final=True)
    assert index.add_working_days(d("2026-12-10"), 16).provisional
    # Backward from an unpublished year into a published one: the start day is not examined.
    assert index.add_working_days(d("2027-01-01"), -1) == Deadline(d("2026-12-31"), final=True)
    assert index.add_working_days(d("2027-01-05"), -3).provisional


# -- start day not counted ------------------------------------------------------------------------


def test_friday_plus_one_is_monday(index: WorkdayIndex) -> None:
    assert index.add_working_days(d("2025-03-14"), 1).date == d("2025-03-17")
    assert index.add_working_days(d("2025-03-17"), -1).date == d("2025-03-14")


def test_weekend_start_counts_from_next_working_day(index: WorkdayIndex) -> None:
    assert index.add_working_days(d("2025-03-15"), 1).date == d("2025-03-17")
    assert index.add_working_days(d("2025-03-16"), 5).date == d("2025-03-21")


def test_day_before_holiday_block(index: WorkdayIndex) -> None:
    start = d("2026-09-30")
    got = [index.add_working_days(start, n).date for n in range(1, 5)]
    assert got == [d("2026-10-08"), d("2026-10-09"), d("2026-10-10"), d("2026-10-12")]
    assert index.add_working_days(d("2026-02-13"), 1).date == d("2026-02-14")
    assert index.add_working_days(d("2026-02-14"), 1).date == d("2026-02-24")
    assert index.add_working_days(d("2026-10-08"), -1).date == d("2026-09-30")


def test_start_inside_holiday_block(index: WorkdayIndex) -> None:
    assert index.add_working_days(d("2026-10-03"), 1).date == d("2026-10-08")
    assert index.add_working_days(d("2026-10-03"), -1).date == d("2026-09-30")


def test_ten_working_days_before_deadline(index: WorkdayIndex) -> None:
    deadline = d("2026-10-12")
    reminder = index.add_working_days(deadline, -10)
    assert reminder == Deadline(d("2026-09-21"), final=True)
    assert index.working_days_between(reminder.date, deadline) == 10


# -- working_days_between ------------------------------------------------------------------------


def test_working_days_between_basics(index: WorkdayIndex) -> None:
    assert index.working_days_between(d("2026-09-30"), d("2026-10-10")) == 3
    assert index.working_days_between(d("2026-10-10"), d("2026-09-30")) == -3
    assert index.working_days_between(d("2026-09-30"), d("2026-09-30")) == 0
    assert index.working_days_between(d("2026-10-01"), d("2026-10-07")) == 0
    assert index.working_days_between(d("2025-03-14"), d("2025-03-17")) == 1  # Fri -> Mon
    assert index.working_days_between(d("2025-03-17"), d("2025-03-14")) == -1
    assert index.working_days_between(d("2025-06-01"), d("2025-07-14")) == 30


def test_is_final(cc_years: list[YearCalendar]) -> None:
    index = WorkdayIndex(cc_years)
    assert index.is_final(d("2026-01-01"), d("2026-12-31"))
    assert index.is_final(d("2026-12-31"), d("2026-12-31"))
    assert index.is_final(d("2026-12-31"), d("2026-01-01"))
    assert not index.is_final(d("2026-12-31"), d("2027-01-01"))
    assert not index.is_final(d("2027-01-01"), d("2026-12-31"))
    assert index.is_final(d("2003-12-31"), d("2004-01-05"))  # 2003-12-31 itself is not examined
    assert not index.is_final(d("2003-12-30"), d("2004-01-05"))
    published_2027 = YearCalendar(2027, published=True)
    assert WorkdayIndex([*cc_years, published_2027]).is_final(d("2026-12-31"), d("2027-01-01"))


# -- errors, span growth, validation --------------------------------------------------------------


def test_zero_is_rejected(index: WorkdayIndex) -> None:
    with pytest.raises(ValueError, match="must not be 0"):
        index.add_working_days(d("2026-01-05"), 0)


def test_span_grows_for_far_dates(cc_years: list[YearCalendar]) -> None:
    index = WorkdayIndex(cc_years, first_year=2020, last_year=2021)
    assert index.is_working_day(d("1990-01-02"))  # Tuesday, no record: not a statutory holiday
    assert not index.is_working_day(d("1990-01-01"))  # 元旦, a statutory holiday
    assert index.first_year <= 1990
    # 2101-01-01 is a Saturday: 元旦 is made up on Monday the 3rd (补假).
    assert index.add_working_days(d("2100-12-31"), 1) == Deadline(d("2101-01-04"), final=False)
    assert index.last_year >= 2101
    # The rebuilt index still knows the published years.
    assert index.add_working_days(d("2025-06-01"), 30) == Deadline(d("2025-07-14"), final=True)
    # A count that outruns the span grows it too.
    far = index.add_working_days(d("2026-01-05"), 10_000)
    assert far.provisional
    assert index.working_days_between(d("2026-01-05"), far.date) == 10_000
    back = index.add_working_days(d("2026-01-05"), -10_000)
    assert index.working_days_between(back.date, d("2026-01-04")) == 10_000 - 1


def test_span_limit_is_a_clear_error() -> None:
    index = WorkdayIndex([], first_year=MAX_YEAR - 5, last_year=MAX_YEAR)
    with pytest.raises(ValueError, match="not supported"):
        index.add_working_days(date(MAX_YEAR, 12, 31), 1)
    with pytest.raises(ValueError, match="not supported"):
        index.add_working_days(date(MAX_YEAR, 1, 1), 1_000)
    with pytest.raises(ValueError, match="not supported"):
        index.is_working_day(date(9999, 12, 31))
    with pytest.raises(ValueError, match="not supported"):
        index.add_working_days(date(MIN_YEAR - 1, 12, 31), 1)
    with pytest.raises(ValueError, match="not supported"):
        index.working_days_between(date(2026, 1, 1), date(MAX_YEAR + 1, 1, 1))
    assert index.last_year == MAX_YEAR
    with pytest.raises(ValueError, match="not supported"):
        WorkdayIndex([], first_year=1800)
    # Realistic dates at the edges still work.
    assert WorkdayIndex([]).add_working_days(date(MIN_YEAR, 1, 1), 1).date == date(1900, 1, 2)


def test_empty_index_is_weekends_only() -> None:
    index = WorkdayIndex([])
    assert index.add_working_days(d("2030-01-04"), 1) == Deadline(d("2030-01-07"), final=False)


def test_year_calendar_validation() -> None:
    with pytest.raises(ValueError, match="outside the year"):
        YearCalendar(2027, published=True, days_off=frozenset({d("2026-12-31")}))
    with pytest.raises(ValueError, match="both"):
        YearCalendar(
            2027,
            published=True,
            days_off=frozenset({d("2027-01-02")}),
            makeup_workdays=frozenset({d("2027-01-02")}),
        )
    with pytest.raises(TypeError):
        YearCalendar(2027, published=True, days_off=frozenset({dt.datetime(2027, 1, 1)}))
    with pytest.raises(ValueError, match="two calendars"):
        WorkdayIndex([YearCalendar(2027, published=True), YearCalendar(2027, published=False)])


def test_weekend_days_off_are_harmless() -> None:
    calendar = YearCalendar(2030, published=True, days_off=frozenset({d("2030-01-05")}))  # Sat
    index = WorkdayIndex([calendar])
    assert index.add_working_days(d("2030-01-04"), 1) == Deadline(d("2030-01-07"), final=True)


# -- years without a notice: the statutory holidays (《全国年节及纪念日放假办法》, amended 2024) --


def test_statutory_holidays_of_a_year_without_a_notice() -> None:
    from filings.calendar.holidays import statutory_days_off

    days = statutory_days_off(2027)
    # Art. 2: 元旦 1 day; 春节 4 days from 除夕 (2027-02-05) to 初三; 清明 1; 劳动节 2; 端午 1;
    # 中秋 1; 国庆 3.
    assert d("2027-01-01") in days
    assert {d("2027-02-05"), d("2027-02-06"), d("2027-02-07"), d("2027-02-08")} <= days
    assert d("2027-02-04") not in days
    assert d("2027-02-11") not in days
    assert d("2027-04-05") in days  # 清明 solar term
    assert {d("2027-05-01"), d("2027-05-02")} <= days
    assert d("2027-05-05") not in days
    assert d("2027-06-09") in days  # 端午, 五月初五
    assert d("2027-09-15") in days  # 中秋, 八月十五
    assert {d("2027-10-01"), d("2027-10-02"), d("2027-10-03")} <= days
    # Art. 6 (补假): 春节's 2/6-2/7, 劳动节's 5/1-5/2 and 国庆's 10/2-10/3 fall on a weekend and are
    # made up on the working days right after each holiday.
    assert {d("2027-02-09"), d("2027-02-10")} <= days
    assert {d("2027-05-03"), d("2027-05-04")} <= days
    assert {d("2027-10-04"), d("2027-10-05")} <= days
    assert len(days) == 13 + 6


def test_a_make_up_day_skips_the_other_days_of_its_holiday() -> None:
    from filings.calendar.holidays import make_up_days, statutory_holidays

    # 2028: 元旦 is a Saturday (made up Monday 1/3); 端午 (5/28) a Sunday; 国庆 1 October a Sunday,
    # made up after 10/2-10/3, which are holidays themselves.
    assert make_up_days(statutory_holidays(2028)) == {
        d("2028-01-03"),
        d("2028-05-29"),
        d("2028-10-04"),
    }


def test_a_trigger_on_new_years_eve_2026_is_provisionally_due_on_2027_02_18(
    cc_years: list[YearCalendar],
) -> None:
    # Without 补假 the 30th working day would be 2027-02-16, two working days early.
    deadline = WorkdayIndex(cc_years).add_working_days(d("2026-12-31"), 30)
    assert deadline == Deadline(d("2027-02-18"), final=False)


def test_statutory_holidays_agree_with_the_published_2026_notice(index: WorkdayIndex) -> None:
    from filings.calendar.holidays import statutory_days_off

    # Every statutory holiday is a day off in the State Council's 2026 arrangement.
    assert all(not index.is_working_day(day) for day in statutory_days_off(2026))


def test_a_duty_triggered_2026_11_20_does_not_end_on_new_years_day(
    cc_years: list[YearCalendar],
) -> None:
    deadline = WorkdayIndex(cc_years).add_working_days(d("2026-11-20"), 30)
    assert deadline.date != d("2027-01-01")
    assert deadline == Deadline(d("2027-01-04"), final=False)  # provisional until 2027 is entered


def test_a_provisional_spring_festival_is_skipped(cc_years: list[YearCalendar]) -> None:
    index = WorkdayIndex(cc_years)
    # 2027-02-04 (Thu) + 1 working day: 除夕 Fri 5th and 初一..初三 (to Mon 8th) are off, and the
    # make-up days of the weekend's 初一 and 初二 (Tue 9th, Wed 10th).
    assert index.add_working_days(d("2027-02-04"), 1) == Deadline(d("2027-02-11"), final=False)
