"""Benchmark WorkdayIndex.add_working_days against chinese_calendar.find_workday.

Run: python bench/bench_workdays.py   (exits 1 if the two disagree, 0 otherwise)

find_workday(30, d) counts like us only when d is a working day. It first moves to the first
working day on or after d and counts 30 from *that* day, so from a day off it returns what we call
add_working_days(d, 31): it counts the first working day after the day off as day 0, where Civil
Code Art. 201 makes it day 1. (For negative n it agrees with us everywhere: the |n|-th working day
strictly before d.) The agreement check therefore compares against what find_workday actually
computes: add_working_days(d, 30) for working days, add_working_days(d, 31) for days off; and it
also checks our Art. 201 answer as find_workday(29, d + 1 day), which counts from the first working
day after d as day 1.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import chinese_calendar  # noqa: E402

from filings.calendar.workdays import WorkdayIndex, chinese_calendar_years  # noqa: E402

N = 30
SAMPLES = 2_000
REPEATS = 3  # passes over chinese_calendar.find_workday (about 2 s each)
OUR_REPEATS = 20  # per round; our passes take about 2 ms, so many are cheap and damp noise
SEED = 20260101
AIM = 1_000


def sample_starts(index: WorkdayIndex, first_year: int, last_year: int) -> list[dt.date]:
    """SAMPLES start dates spread over the covered years whose result stays inside them (so
    find_workday does not raise NotImplementedError)."""
    first = dt.date(first_year, 1, 1).toordinal()
    last = index.add_working_days(dt.date(last_year, 12, 31), -(N + 1)).date.toordinal()
    rng = random.Random(SEED)
    return [dt.date.fromordinal(o) for o in sorted(rng.sample(range(first, last), SAMPLES))]


def best_us_per_call(
    call: Callable[[dt.date], object], starts: list[dt.date], repeats: int
) -> float:
    """Best of `repeats` timed passes over all starts, in microseconds per call."""
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        for start in starts:
            call(start)
        best = min(best, time.perf_counter() - began)
    return best / len(starts) * 1e6


def main() -> int:
    years = chinese_calendar_years()
    index = WorkdayIndex(years)
    starts = sample_starts(index, years[0].year, years[-1].year)

    disagreements = []
    for start in starts:
        ours_n = N if index.is_working_day(start) else N + 1
        ours = index.add_working_days(start, ours_n).date
        theirs = chinese_calendar.find_workday(N, start)
        if ours != theirs:
            disagreements.append((start, ours, theirs))
        # The Art. 201 answer, checked independently of find_workday's day-0 convention.
        start_counted = index.add_working_days(start, N).date
        expected = chinese_calendar.find_workday(N - 1, start + dt.timedelta(days=1))
        if start_counted != expected:
            disagreements.append((start, start_counted, expected))

    # Interleave the two so a burst of load from elsewhere on the machine hits neither alone.
    ours_us = theirs_us = float("inf")
    for _ in range(REPEATS):
        ours = best_us_per_call(lambda d: index.add_working_days(d, N), starts, OUR_REPEATS)
        theirs = best_us_per_call(lambda d: chinese_calendar.find_workday(N, d), starts, 1)
        ours_us, theirs_us = min(ours_us, ours), min(theirs_us, theirs)
    ratio = theirs_us / ours_us
    print(
        f"add_working_days(d, {N}): {ours_us:.2f} us/call | "
        f"chinese_calendar.find_workday: {theirs_us:.1f} us/call | "
        f"ratio {ratio:.0f}x (aim >= {AIM}x) | "
        f"{len(starts)} starts {starts[0].isoformat()}..{starts[-1].isoformat()}"
    )
    if disagreements:
        for start, ours, theirs in disagreements[:10]:
            print(f"DISAGREE start={start} ours={ours} chinese_calendar={theirs}", file=sys.stderr)
        print(f"{len(disagreements)} disagreements", file=sys.stderr)
        return 1
    if ratio < AIM:
        print(f"bench_workdays: {ratio:.0f}x is under the aim of {AIM}x", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
