"""Deadlines move when a calendar year is entered or edited: recompute the open ones it touches,
record each change, and tell the organization's administrators when a date moved."""

from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from filings.calendar import calendars
from filings.law.regimes import get_regime
from filings.lifecycle import reminders, review_period
from filings.lifecycle.obligations import days_to_file
from filings.models import DeadlineChange, Filing, Membership, Obligation
from notifications import emails
from portal.queueing import queue_after_commit


def calendar_changed(year: int) -> None:
    """Called when a calendar year was saved: recompute after commit, in a worker. With the
    broker away, the daily sweep (``recompute_current_deadlines``) does it."""
    queue_after_commit("filings.tasks.recompute_deadlines", year)


def affected_by(year: int):
    """Open obligations whose counting interval may touch the year, and every provisional one."""
    return Obligation.objects.filter(status=Obligation.Status.OPEN).filter(
        Q(trigger_date__lte=date(year, 12, 31), deadline__gte=date(year, 1, 1))
        | Q(deadline_final=False)
    )


@transaction.atomic
def recompute_for_year(year: int) -> list[DeadlineChange]:
    index = calendars.current_index()
    changes = []
    for obligation in affected_by(year).select_for_update().select_related("organization"):
        regime = get_regime(obligation.regime)
        new = regime.deadline(
            obligation.trigger_date,
            days_to_file(obligation.kind, regime),
            index.add_working_days,
        )
        if (new.date, new.final) == (obligation.deadline, obligation.deadline_final):
            continue
        change = DeadlineChange.objects.create(
            obligation=obligation,
            old_deadline=obligation.deadline,
            old_final=obligation.deadline_final,
            new_deadline=new.date,
            new_final=new.final,
            calendar_year=year,
        )
        obligation.deadline, obligation.deadline_final = new.date, new.final
        fields = ["deadline", "deadline_final", "updated_at"]
        if change.old_deadline != change.new_deadline:  # reminders follow the new date
            sent = reminders.sent_kinds_of(obligation)
            obligation.next_reminder_on = reminders.first_look(new.date, sent, index)
            fields.append("next_reminder_on")
        obligation.save(update_fields=fields)
        _follow_on_filings(obligation)
        if change.old_deadline != change.new_deadline:
            notify_deadline_moved(obligation, change)
        changes.append(change)
    _settle_answered(year, index)
    _recompute_review_due(year, index)
    return changes


def _settle_answered(year: int, index) -> None:
    """A duty answered (or lifted) while its deadline was provisional keeps the date it was
    shown, but is provisional no longer once the year is entered: its date is recomputed,
    silently (nothing is left to remind of), so that no page shows "provisional" forever."""
    settled = (
        Obligation.objects.exclude(status=Obligation.Status.OPEN)
        .filter(deadline_final=False, trigger_date__lte=date(year, 12, 31))
        .select_for_update()
    )
    for obligation in settled:
        regime = get_regime(obligation.regime)
        new = regime.deadline(
            obligation.trigger_date,
            days_to_file(obligation.kind, regime),
            index.add_working_days,
        )
        if (new.date, new.final) == (obligation.deadline, obligation.deadline_final):
            continue
        obligation.deadline, obligation.deadline_final = new.date, new.final
        obligation.save(update_fields=["deadline", "deadline_final", "updated_at"])
        _follow_on_filings(obligation)


def _follow_on_filings(obligation: Obligation) -> None:
    """A filing keeps a copy of the deadline it answers: the filing or the correction deadline.
    The filing deadline is its duty's (``duty``), which a return does not replace: a change being
    corrected answers the correction duty as ``obligation``, its change duty still as ``duty``."""
    if obligation.kind == Obligation.Kind.CORRECTION:
        answering = Filing.objects.filter(obligation=obligation)
        answering.update(correction_deadline=obligation.deadline)
        return
    answering = Filing.objects.filter(
        Q(duty=obligation) | Q(duty__isnull=True, obligation=obligation)
    )
    answering.update(deadline=obligation.deadline)


def _recompute_review_due(year: int, index) -> None:
    """The office's review period is counted in working days too: filings awaiting a decision
    whose period touches the year get their due date again."""
    waiting = (
        Filing.objects.filter(
            status__in=[Filing.Status.SUBMITTED, Filing.Status.UNDER_REVIEW],
        )
        .filter(
            Q(submitted_at__date__lte=date(year, 12, 31), review_due__gte=date(year, 1, 1))
            | Q(review_due_final=False)
        )
        .select_for_update(of=("self",))
    )
    for filing in waiting:
        submitted_on = timezone.localdate(filing.submitted_at)
        period = filing.review_period_days
        if period is None:
            period = get_regime(filing.regime).review_days
        due = review_period.due_after(submitted_on, period, index)
        if (due.date, due.final) != (filing.review_due, filing.review_due_final):
            Filing.objects.filter(pk=filing.pk).update(
                review_due=due.date, review_due_final=due.final
            )


def notify_deadline_moved(obligation: Obligation, change: DeadlineChange) -> None:
    admins = Membership.objects.filter(
        organization=obligation.organization, role=Membership.Role.ADMIN, user__is_active=True
    ).select_related("user")
    for membership in admins:
        emails.send(
            "deadline_moved",
            to=membership.user.email,
            language=membership.user.language,
            context={"obligation": obligation, "change": change, "user": membership.user},
        )
