"""The slowest tests of CI's test runs together, from their JUnit XML reports.

    python scripts/slowest_tests.py 30 var/ci-reports/sqlite.xml var/ci-reports/postgresql.xml

Each line: seconds (setup, call and teardown together), the run (the report's name) and the test.
A report that is missing (a run that did not get that far) is named and skipped.
"""

import sys
from pathlib import Path
from xml.etree import ElementTree


def slowest(count: int, reports: list[Path]) -> list[tuple[float, str, str]]:
    timings = []
    for report in reports:
        if not report.exists():
            print(f"(no report {report})")
            continue
        for case in ElementTree.parse(report).iter("testcase"):  # noqa: S314 - our own file
            name = f"{case.get('classname', '')}::{case.get('name', '')}"
            timings.append((float(case.get("time") or 0), report.stem, name))
    return sorted(timings, reverse=True)[:count]


def main() -> None:
    count = int(sys.argv[1])
    rows = slowest(count, [Path(argument) for argument in sys.argv[2:]])
    print(f"\nThe {len(rows)} slowest tests (seconds, setup + call + teardown):")
    for seconds, run, name in rows:
        print(f"{seconds:8.2f}  {run:<10}  {name}")


if __name__ == "__main__":
    main()
