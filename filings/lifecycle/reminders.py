"""Deadline reminders to organizations and the reviewers' daily digest.

The schedule is a pure function of the deadline and the working-day calendar. Each open obligation
carries ``next_reminder_on``, the day the sweep should next look at it, so a sweep reads only what
is due. At each look it sends the single most urgent reminder that is due and still true (after
missed days, or for an obligation that appears close to its deadline, not the whole series), then
moves ``next_reminder_on`` to the next one. A reminder row with a unique key is the claim that
makes each reminder go out once.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from filings.calendar import calendars
from filings.calendar.workdays import WorkdayIndex
from filings.models import Filing, Membership, Obligation, Reminder, Reviewer, ReviewerDigest
from filings.review import handling
from filings.review.review_scope import filings_visible_to
from notifications import emails

DEFAULT_SCHEDULE = {"before": (10, 5, 1), "overdue_every": 5, "overdue_max": 6}
DIGEST_HORIZON = 5  # working days: a review due this soon belongs in the digest


@dataclass(frozen=True)
class Due:
    kind: str
    due_on: date


def configured_schedule() -> dict:
    return {**DEFAULT_SCHEDULE, **getattr(settings, "REMINDER_SCHEDULE", {})}


def schedule(deadline: date, index: WorkdayIndex, rules: dict | None = None) -> list[Due]:
    """Every reminder of a deadline, in date order: some working days before it, on the first
    working day after it, then every few working days while it stays overdue."""
    rules = rules or configured_schedule()
    entries = [
        Due(f"before_{days}", index.add_working_days(deadline, -days).date)
        for days in sorted(rules["before"], reverse=True)
    ]
    entries += [
        Due(
            f"overdue_{n}",
            index.add_working_days(deadline, 1 + rules["overdue_every"] * (n - 1)).date,
        )
        for n in range(1, rules["overdue_max"] + 1)
    ]
    return sorted(entries, key=lambda entry: entry.due_on)


def plan(entries: list[Due], today: date, sent_kinds: set[str]) -> tuple[Due | None, date | None]:
    """What to send today (the most urgent due reminder of a kind not sent yet), and when to look
    next. Reminders of a kind already sent, also for an earlier deadline, are not sent again."""
    waiting = [entry for entry in entries if entry.kind not in sent_kinds]
    due_now = [entry for entry in waiting if entry.due_on <= today]
    later = [entry.due_on for entry in waiting if entry.due_on > today]
    return (due_now[-1] if due_now else None), (later[0] if later else None)


def first_look(deadline: date, sent_kinds: set[str] = frozenset(), index=None) -> date | None:
    """``next_reminder_on`` for an obligation whose deadline was just set or moved."""
    index = index or calendars.current_index()
    waiting = [e.due_on for e in schedule(deadline, index) if e.kind not in sent_kinds]
    return min(waiting) if waiting else None


def sent_kinds_of(obligation: Obligation) -> set[str]:
    return set(obligation.reminders.values_list("kind", flat=True))


# --- The daily sweep -----------------------------------------------------------------------------

BATCH = 200


def sweep(today: date | None = None, limit: int = 5000) -> int:
    """Send what is due today; catches up after missed days. Returns the reminders sent.

    Works in batches of BATCH obligations, each in one transaction: three queries read the batch
    (the due obligations, locked, with their organization and office; the kinds already sent;
    the members to write to), one inserts its reminders, one moves every ``next_reminder_on``;
    then one insert per email. The cost follows what is due, never what is stored."""
    today = today or timezone.localdate()
    index = calendars.current_index()
    sent = looked = 0
    while looked < limit:
        batch = _sweep_batch(today, index, min(BATCH, limit - looked))
        if batch is None:
            break
        looked += batch[0]
        sent += batch[1]
    return sent


def _sweep_batch(today: date, index: WorkdayIndex, size: int) -> tuple[int, int] | None:
    """(obligations looked at, reminders sent), or None when nothing is due."""
    with transaction.atomic():
        # Locked rows are another sweep's (two beats, a retried task): skipped, not waited for.
        batch = list(
            Obligation.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("organization", "office")
            .filter(status=Obligation.Status.OPEN, next_reminder_on__lte=today)
            .order_by("next_reminder_on", "pk")[:size]
        )
        if not batch:
            return None
        sent_kinds: dict[int, set[str]] = defaultdict(set)
        for obligation_id, kind in Reminder.objects.filter(obligation__in=batch).values_list(
            "obligation_id", "kind"
        ):
            sent_kinds[obligation_id].add(kind)
        recipients = _recipients({obligation.organization_id for obligation in batch})

        due: list[tuple[Obligation, Reminder]] = []
        for obligation in batch:
            due_now, next_on = plan(
                schedule(obligation.deadline, index), today, sent_kinds[obligation.pk]
            )
            obligation.next_reminder_on = next_on
            if due_now is not None:
                reminder = Reminder(
                    obligation=obligation,
                    kind=due_now.kind,
                    deadline=obligation.deadline,
                    due_on=due_now.due_on,
                    sent_on=today,
                    recipients=len(recipients[obligation.organization_id]),
                )
                due.append((obligation, reminder))
        claimed = _claim([reminder for _obligation, reminder in due])
        for obligation, reminder in due:
            if reminder in claimed:
                notify(obligation, reminder, today, index, recipients[obligation.organization_id])
        Obligation.objects.bulk_update(batch, ["next_reminder_on"])
    return len(batch), len(claimed)


def _claim(reminders: list[Reminder]) -> list[Reminder]:
    """Insert the reminder rows, the claims that make each go out once. Their unique key
    (obligation, kind, deadline) refuses one already sent: then, one by one, those left out."""
    if not reminders:
        return []
    try:
        with transaction.atomic():
            Reminder.objects.bulk_create(reminders)
        return reminders
    except IntegrityError:
        claimed = []
        for reminder in reminders:
            try:
                with transaction.atomic():
                    reminder.save(force_insert=True)
            except IntegrityError:
                continue
            claimed.append(reminder)
        return claimed


def _recipients(organization_ids: set[int]) -> dict[int, list]:
    """The active administrators and editors of each organization, in one query."""
    recipients: dict[int, list] = defaultdict(list)
    members = Membership.objects.filter(
        organization_id__in=organization_ids,
        role__in=[Membership.Role.ADMIN, Membership.Role.EDITOR],
        user__is_active=True,
    ).select_related("user")
    for membership in members.order_by("pk"):
        recipients[membership.organization_id].append(membership.user)
    return recipients


def notify(obligation: Obligation, reminder: Reminder, today: date, index: WorkdayIndex, users):
    left = index.working_days_between(today, obligation.deadline)
    for user in users:
        emails.send(
            "deadline_reminder",
            to=user.email,
            language=user.language,
            context={
                "obligation": obligation,
                "user": user,
                "days_left": max(left, 0),
                "days_overdue": max(-left, 0),
                "overdue": left < 0,
                "reminder": reminder,
            },
        )
    return len(users)


# --- The reviewers' digest -----------------------------------------------------------------------


def send_digests(today: date | None = None) -> int:
    """One email a day to each reviewer whose share of the queue (``handling.digest_share``: their
    own filings; for the office lead also the unassigned and the overdue) holds filings near or
    past their review due date; nothing when there is nothing to say."""
    today = today or timezone.localdate()
    horizon = calendars.add_working_days(today, DIGEST_HORIZON).date
    sent = 0
    for reviewer in Reviewer.objects.select_related("user", "office").filter(user__is_active=True):
        filings = list(
            filings_visible_to(reviewer.user)
            .filter(
                handling.digest_share(reviewer.user, reviewer.office, today),
                status__in=[Filing.Status.SUBMITTED, Filing.Status.UNDER_REVIEW],
                review_due__lte=horizon,
            )
            .select_related("organization")
            .order_by("review_due", "pk")[:200]
        )
        if not filings:
            continue
        try:
            with transaction.atomic():
                ReviewerDigest.objects.create(
                    user=reviewer.user, day=today, filing_count=len(filings)
                )
                emails.send(
                    "review_digest",
                    to=reviewer.user.email,
                    language=reviewer.user.language,
                    context={
                        "user": reviewer.user,
                        "office": reviewer.office,
                        "filings": filings,
                        "today": today,
                        "overdue": [f for f in filings if f.review_due < today],
                        "near": [f for f in filings if f.review_due >= today],
                    },
                )
        except IntegrityError:
            continue  # already sent today
        sent += 1
    return sent


def describe_kind(kind: str) -> str:
    """Words for a reminder's kind, as ``schedule`` names them (``before_10``, ``overdue_2``)."""
    what, _sep, number = kind.partition("_")
    n = int(number) if number.isdigit() else 0
    if what == "before":
        return ngettext(
            "%(n)s working day before the deadline", "%(n)s working days before the deadline", n
        ) % {"n": n}
    return _("After the deadline (reminder %(n)s)") % {"n": n}
