"""The office's review period, in working days, and how it pauses while a filing is returned.

The rule sets name no review period for this filing (``regimes.Regime.review_days`` follows the
CAC's algorithm filing), and neither text says what happens to it when the office returns a
filing for correction: the source is silent. The rule chosen here, stated in the README and in
``filings/law/rules_text.REVIEW_PERIOD``:

- A first submission is due ``review_days`` working days after the day it was submitted (the day
  itself not counted, Civil Code Art. 201).
- Returning a filing pauses the period: the working days left after the day of the return, up to
  and including the due date, are kept (zero or fewer when it was returned on or after its due
  date).
- The resubmission continues the period: it is due that many working days after the day it was
  resubmitted; with none left, on the day of the resubmission itself; past due by some days when
  returned, as many working days before it (the delay does not vanish with the correction).
"""

from datetime import date

from filings.calendar import calendars
from filings.calendar.workdays import Deadline


def due_after(submitted_on: date, period_days: int, index=None) -> Deadline:
    """The review due date of a submission made on ``submitted_on`` with ``period_days`` working
    days of review (zero or negative: on or before the day of the submission)."""
    add = index.add_working_days if index is not None else calendars.add_working_days
    if period_days == 0:
        # No working day left: due the day it came back. Final when the day lies in a published
        # year, as add_working_days would say of a period of one day.
        return Deadline(submitted_on, add(submitted_on, 1).final)
    return add(submitted_on, period_days)


def days_left(review_due: date | None, returned_on: date, review_days: int) -> int:
    """The working days of review a filing returned on ``returned_on`` keeps for its
    resubmission: those after the return up to its due date (negative when already past it)."""
    if review_due is None:
        return review_days
    return calendars.working_days_between(returned_on, review_due)
