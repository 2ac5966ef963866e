"""Deadline reminders go out on the right working days, once, and only while still true."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from filings.calendar import calendars
from filings.lifecycle import deadlines, obligations, reminders, services
from filings.models import CalendarPeriod, CalendarYear, Jurisdiction, Obligation, Reminder
from notifications.models import Notification
from tests.factories import MembershipFactory, reviewer_of

pytestmark = pytest.mark.django_db

DEADLINE = date(2026, 3, 2)  # a Monday just after the 2026 Spring Festival
EXPECTED = {
    # Counting back from 3/2: Sat 2/28 and Sat 2/14 are make-up working days, 2/15-2/23 are off.
    date(2026, 2, 10): "before_10",
    date(2026, 2, 24): "before_5",
    date(2026, 2, 28): "before_1",  # the make-up Saturday is the last working day before
    date(2026, 3, 3): "overdue_1",  # the first working day after the deadline
    date(2026, 3, 10): "overdue_2",
    date(2026, 3, 17): "overdue_3",
    date(2026, 3, 24): "overdue_4",
    date(2026, 3, 31): "overdue_5",
    date(2026, 4, 8): "overdue_6",  # Qingming 4/4-4/6 skipped; then no more
}


@pytest.fixture
def organization():
    admin = MembershipFactory(role="admin", user__email="admin@org.example")
    MembershipFactory(organization=admin.organization, role="editor", user__email="ed@org.example")
    MembershipFactory(
        organization=admin.organization, role="viewer", user__email="view@org.example"
    )
    return admin.organization


def open_obligation(organization, deadline=DEADLINE, trigger=date(2026, 1, 16)) -> Obligation:
    return Obligation.objects.create(
        organization=organization,
        kind=Obligation.Kind.INITIAL,
        regime="cac-2023-draft",
        office=Jurisdiction.objects.get(code="440300"),
        trigger_date=trigger,
        deadline=deadline,
        deadline_final=True,
        next_reminder_on=reminders.first_look(deadline),
    )


def days(start, end):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def run_daily(start, end, capture):
    sent = {}
    for day in days(start, end):
        with time_machine.travel(day, tick=False), capture(execute=True):
            before = set(Reminder.objects.values_list("pk", flat=True))
            reminders.sweep(day)
        for reminder in Reminder.objects.exclude(pk__in=before):
            sent[day] = reminder.kind
    return sent


def test_the_schedule_across_the_2026_spring_festival(
    organization, django_capture_on_commit_callbacks
):
    open_obligation(organization)
    sent = run_daily(date(2026, 2, 1), date(2026, 4, 30), django_capture_on_commit_callbacks)
    assert sent == EXPECTED
    # Administrators and editors, not viewers; each reminder once.
    recipients = sorted({m.to[0] for m in mail.outbox})
    assert recipients == ["admin@org.example", "ed@org.example"]
    assert len(mail.outbox) == 2 * len(EXPECTED)


def test_a_sweep_that_did_not_run_catches_up_with_only_what_is_still_true(
    organization, django_capture_on_commit_callbacks
):
    open_obligation(organization)
    # Nothing ran from 2/1 until Saturday 2/28 (a working day): only the last reminder goes.
    sent = run_daily(date(2026, 2, 28), date(2026, 2, 28), django_capture_on_commit_callbacks)
    assert sent == {date(2026, 2, 28): "before_1"}
    # Nothing again until 3/5: the deadline passed, so the first overdue reminder, not a late
    # "one day left".
    sent = run_daily(date(2026, 3, 5), date(2026, 3, 12), django_capture_on_commit_callbacks)
    assert sent == {date(2026, 3, 5): "overdue_1", date(2026, 3, 10): "overdue_2"}


def test_an_obligation_that_appears_close_to_its_deadline_gets_the_most_urgent_reminder_only(
    organization, django_capture_on_commit_callbacks
):
    membership = organization.memberships.get(role="admin")
    reached = calendars.add_working_days(date(2026, 2, 27), -30).date  # 30 working days back
    with time_machine.travel(date(2026, 2, 25), tick=False):
        # Declared on 2/25, the deadline is 2/27: two working days away.
        obligations.declare_system(
            organization,
            membership.user,
            name="闸机",
            people_stored=20_000,
            used_in_public_place=False,
            count_reached_on=reached,
        )
    obligation = Obligation.objects.get(organization=organization)
    assert obligation.deadline == date(2026, 2, 27)
    sent = run_daily(date(2026, 2, 25), date(2026, 2, 27), django_capture_on_commit_callbacks)
    assert sent == {date(2026, 2, 25): "before_5", date(2026, 2, 26): "before_1"}


def test_nothing_is_sent_after_submission(organization, django_capture_on_commit_callbacks):
    obligation = open_obligation(organization)
    run_daily(date(2026, 2, 10), date(2026, 2, 10), django_capture_on_commit_callbacks)
    Obligation.objects.filter(pk=obligation.pk).update(status=Obligation.Status.FULFILLED)
    sent = run_daily(date(2026, 2, 11), date(2026, 4, 30), django_capture_on_commit_callbacks)
    assert sent == {}


def test_when_the_deadline_moves_the_reminders_follow_the_new_date(
    organization, django_capture_on_commit_callbacks
):
    obligation = open_obligation(
        organization, deadline=date(2027, 1, 21), trigger=date(2026, 12, 10)
    )
    Obligation.objects.filter(pk=obligation.pk).update(deadline_final=False)
    sent = run_daily(date(2027, 1, 6), date(2027, 1, 8), django_capture_on_commit_callbacks)
    assert sent == {date(2027, 1, 7): "before_10"}  # 2027 unpublished: weekends only
    # The 2027 notice is entered: New Year's Friday off moves the deadline to 1/22.
    year = CalendarYear.objects.create(year=2027, published=True)
    CalendarPeriod.objects.create(
        calendar_year=year, kind="off", first_day=date(2027, 1, 1), last_day=date(2027, 1, 3)
    )
    with django_capture_on_commit_callbacks(execute=True):
        deadlines.recompute_for_year(2027)
    obligation.refresh_from_db()
    assert obligation.deadline == date(2027, 1, 22)
    sent = run_daily(date(2027, 1, 9), date(2027, 1, 26), django_capture_on_commit_callbacks)
    # "5 days before" now counts from 1/22 (1/15, not 1/14); "10 days before" is not repeated.
    assert sent == {
        date(2027, 1, 15): "before_5",
        date(2027, 1, 21): "before_1",
        date(2027, 1, 25): "overdue_1",
    }


def test_a_second_sweep_the_same_day_sends_nothing(
    organization, django_capture_on_commit_callbacks
):
    open_obligation(organization)
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.sweep(date(2026, 2, 10)) == 1
        assert reminders.sweep(date(2026, 2, 10)) == 0
    assert Notification.objects.filter(kind="deadline_reminder").count() == 2


def test_the_sweep_reads_only_what_is_due(organization):
    office = Jurisdiction.objects.get(code="440300")

    def make(n, next_on):
        Obligation.objects.bulk_create(
            Obligation(
                organization=organization, kind="change", regime="cac-2023-draft", office=office,
                trigger_date=date(2026, 1, 5), deadline=date(2026, 6, 1), deadline_final=True,
                next_reminder_on=next_on,
            )
            for _ in range(n)
        )  # fmt: skip

    make(5, date(2026, 5, 18))  # due on the sweep day
    Obligation.objects.filter(next_reminder_on=date(2026, 5, 18)).update(status="fulfilled")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            reminders.sweep(date(2026, 5, 18))
        return len(captured)

    few = queries()
    make(2000, date(2026, 9, 1))  # open, not due
    assert queries() == few
    plan = str(
        Obligation.objects.filter(status="open", next_reminder_on__lte=date(2026, 5, 18)).query
    )
    assert "next_reminder_on" in plan


def test_the_sweep_costs_at_most_three_queries_per_reminder_plus_a_constant(organization):
    """Batched: the due rows, the kinds sent and the members are read once per batch, the
    reminders inserted and the next looks moved in one statement each; one insert per email
    (two here: the administrator and the editor)."""
    office = Jurisdiction.objects.get(code="440300")
    day = date(2026, 5, 18)

    def due(n):
        Obligation.objects.filter(next_reminder_on=day).update(next_reminder_on=None)
        Obligation.objects.bulk_create(
            Obligation(
                organization=organization, kind="change", regime="cac-2023-draft", office=office,
                trigger_date=date(2026, 4, 1), deadline=date(2026, 5, 25), deadline_final=True,
                next_reminder_on=day,
            )
            for _ in range(n)
        )  # fmt: skip
        with CaptureQueriesContext(connection) as captured:
            assert reminders.sweep(day) == n
        return len(captured)

    with_5, with_45 = due(5), due(45)
    assert (with_45 - with_5) / 40 <= 3, (with_5, with_45)
    assert Notification.objects.filter(kind="deadline_reminder").count() == 2 * 50


def test_a_reminder_already_claimed_is_not_sent_again_by_a_batch(
    organization, django_capture_on_commit_callbacks
):
    obligation = open_obligation(organization)
    Reminder.objects.create(
        obligation=obligation, kind="before_10", deadline=DEADLINE, due_on=date(2026, 2, 10),
        sent_on=date(2026, 2, 10),
    )  # fmt: skip
    other = open_obligation(MembershipFactory(role="admin").organization)
    # The claim exists but the look was not moved (a sweep died after its insert, say).
    Obligation.objects.filter(pk=obligation.pk).update(next_reminder_on=date(2026, 2, 10))
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.sweep(date(2026, 2, 10)) == 1
    assert Reminder.objects.filter(obligation=other, kind="before_10").exists()
    assert Reminder.objects.filter(obligation=obligation).count() == 1


# --- The reviewers' digest -----------------------------------------------------------------------


def test_the_digest_lists_near_and_overdue_reviews_once_a_day_and_nothing_when_quiet(
    django_capture_on_commit_callbacks,
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from filings.documents import attachments
    from tests.filing_data import complete_filing, mark_complete
    from tests.pdfs import pdf_bytes

    reviewer_of("440300", "busy@cac.example")
    reviewer_of("110000", "quiet@cac.example")
    membership = MembershipFactory(organization__name="深圳待审公司")
    filing = services.start_initial_filing(membership.organization, membership.user)
    filing.data = complete_filing()
    mark_complete(filing)
    attachments.store(
        filing, membership.user, "assessment_report", SimpleUploadedFile("r.pdf", pdf_bytes())
    )
    with time_machine.travel(date(2026, 3, 2), tick=False):
        services.submit_filing(filing.pk, membership.user)
    filing.refresh_from_db()
    assert filing.review_due == date(2026, 4, 14)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.send_digests(date(2026, 3, 20)) == 0  # not near yet
        assert reminders.send_digests(date(2026, 4, 8)) == 1
        assert reminders.send_digests(date(2026, 4, 8)) == 0  # once a day
        assert reminders.send_digests(date(2026, 4, 15)) == 1  # overdue now
    assert [m.to for m in mail.outbox] == [["busy@cac.example"], ["busy@cac.example"]]
    assert "深圳待审公司" in mail.outbox[0].body
    assert filing.receipt_number in mail.outbox[1].body
    assert "逾期" in mail.outbox[1].body


def test_the_beat_runs_the_sweep_at_nine_in_shanghai():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["send-reminders"]
    assert entry["task"] == "filings.tasks.send_reminders"
    assert entry["schedule"].hour == {9}
    assert entry["schedule"].minute == {0}
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
    assert calendars.add_working_days(date(2026, 2, 13), 1).date == date(2026, 2, 14)
