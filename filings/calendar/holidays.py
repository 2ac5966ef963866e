"""The holidays the law itself fixes, for a year whose State Council notice is not out yet.

《全国年节及纪念日放假办法》 as amended by the State Council on 2024-11-10 (in force 2025-01-01),
Art. 2: 元旦 one day (1 January); 春节 four days (除夕 to 正月初三); 清明节 one day (the day of the
清明 solar term); 劳动节 two days (1-2 May); 端午节 one day (五月初五); 中秋节 one day (八月十五);
国庆节 three days (1-3 October). Before 2025 (the 2013 text): 春节 three days from 正月初一 and
劳动节 one day.

Art. 6: a holiday of all citizens (every one listed above) that falls on a Saturday or Sunday is
made up on a working day (补假): the working days right after the holiday, one for each weekend day
it covered (2027: 春节 2/6-2/7 gives 2/9-2/10, 劳动节 5/1-5/2 gives 5/3-5/4, 国庆 10/2-10/3 gives
10/4-10/5).

These are the days off without the State Council's rearrangement (调休, revised Art. 7: it cannot
be known in advance): a deadline counted with them is a better guess than one with weekends alone,
and stays provisional until the year's notice is entered. Lunar dates come from ``lunardate``
(1900-2099); the 清明 term from the solar-term formula of ``chinese_calendar``. Outside those
years only the fixed-date holidays are known.
"""

from datetime import date, timedelta
from functools import lru_cache

AMENDED_2024_FROM = 2025  # the year the 2024 amendment first applies to
LUNAR_YEARS = range(1901, 2099)  # years whose lunar dates lunardate converts


def _days(first: date, count: int) -> list[date]:
    return [first + timedelta(days=i) for i in range(count)]


def _lunar(year: int, month: int, day: int) -> date:
    from lunardate import LunarDate

    return LunarDate(year, month, day).to_solar_date()


def _qingming(year: int) -> date:
    from chinese_calendar import get_solar_terms

    for day, name in get_solar_terms(date(year, 4, 3), date(year, 4, 6)):
        if name == "清明":
            return day
    return date(year, 4, 5)  # the formula's years are 1901-2100; 4 or 5 April in practice


@lru_cache(maxsize=512)
def statutory_days_off(year: int) -> frozenset[date]:
    """The statutory days off of ``year``: its holidays and their make-up days (补假, Art. 6);
    Saturdays and Sundays are rest days besides."""
    holidays = statutory_holidays(year)
    return frozenset(holidays | make_up_days(holidays))


def make_up_days(holidays: frozenset[date]) -> frozenset[date]:
    """Art. 6: each holiday on a Saturday or Sunday is made up on the first working day after its
    holiday (a weekday that is neither a holiday nor another make-up day)."""
    made_up: set[date] = set()
    for day in sorted(holidays):
        if day.weekday() < 5:
            continue
        candidate = day + timedelta(days=1)
        while candidate.weekday() >= 5 or candidate in holidays or candidate in made_up:
            candidate += timedelta(days=1)
        made_up.add(candidate)
    return frozenset(made_up)


@lru_cache(maxsize=512)
def statutory_holidays(year: int) -> frozenset[date]:
    """The holidays of ``year`` that 《全国年节及纪念日放假办法》 Art. 2 lists for all citizens."""
    amended = year >= AMENDED_2024_FROM
    days = [date(year, 1, 1)]
    days += _days(date(year, 5, 1), 2 if amended else 1)
    days += _days(date(year, 10, 1), 3)
    if year in LUNAR_YEARS:
        new_year = _lunar(year, 1, 1)
        if amended:
            days += _days(new_year - timedelta(days=1), 4)  # 除夕 to 初三
        else:
            days += _days(new_year, 3)
        days.append(_qingming(year))
        days.append(_lunar(year, 5, 5))
        days.append(_lunar(year, 8, 15))
    return frozenset(days)  # 除夕 is never before 20 January: every day lies in the year
