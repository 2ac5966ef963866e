"""The deadline engine as stored: the seeded calendar, the command, entering a new year, and the
recompute that follows it."""

from datetime import date

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from filings.calendar import calendars
from filings.lifecycle import deadlines, obligations
from filings.models import CalendarPeriod, CalendarYear, DeadlineChange, Obligation
from notifications.models import Notification
from tests.factories import MembershipFactory, login_with_second_factor

pytestmark = pytest.mark.django_db


def run_command(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("deadline", *args, stdout=out)
    return out.getvalue().strip()


def test_every_year_chinese_calendar_covers_is_seeded_and_published():
    import chinese_calendar.constants as cc

    years = {day.year for day in cc.holidays}
    seeded = set(CalendarYear.objects.filter(published=True).values_list("year", flat=True))
    assert years <= seeded


def test_2026_is_seeded_as_the_state_council_published_it():
    periods = {
        (p.kind, p.first_day.isoformat(), p.last_day.isoformat())
        for p in CalendarPeriod.objects.filter(calendar_year__year=2026)
    }
    assert ("off", "2026-02-15", "2026-02-23") in periods
    assert ("work", "2026-02-14", "2026-02-14") in periods
    assert ("work", "2026-02-28", "2026-02-28") in periods
    assert ("off", "2026-10-01", "2026-10-07") in periods
    assert ("work", "2026-09-20", "2026-09-20") in periods
    assert ("work", "2026-10-10", "2026-10-10") in periods


def test_deadline_command_gives_the_cac_published_date():
    assert run_command("2025-06-01") == "2025-07-14 final"


def test_deadline_command_options_and_provisional_years():
    # 2027 is not announced: its statutory New Year's Day (a Friday) is off provisionally.
    assert run_command("2026-12-10") == "2027-01-22 provisional"
    assert run_command("2026-02-01", "--days", "10") == "2026-02-13 final"
    assert run_command("2026-02-13", "--days", "1") == "2026-02-14 final"  # a make-up Saturday
    assert run_command("2025-06-01", "--regime", "cac-2025-measures") == "2025-07-14 final"


def test_deadline_command_rejects_a_bad_date():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="not a date"):
        run_command("2026-13-01")


def test_the_index_is_rebuilt_when_a_year_changes():
    before = calendars.current_index()
    assert calendars.current_index() is before
    year = CalendarYear.objects.create(year=2027, published=True)
    CalendarPeriod.objects.create(
        calendar_year=year, kind="off", first_day=date(2027, 1, 1), last_day=date(2027, 1, 1)
    )
    year.save()
    after = calendars.current_index()
    assert after is not before
    assert not after.is_working_day(date(2027, 1, 1))


# --- What the admin form accepts ------------------------------------------------------------------


def P(kind, first, last):
    return calendars.Period(kind, date.fromisoformat(first), date.fromisoformat(last))


def test_period_errors_names_overlaps_out_of_year_dates_and_weekday_makeup_days():
    assert calendars.period_errors(2027, [P("off", "2027-01-01", "2027-01-03")]) == []
    overlap = calendars.period_errors(
        2027, [P("off", "2027-02-05", "2027-02-12"), P("off", "2027-02-10", "2027-02-15")]
    )
    assert len(overlap) == 1
    assert "2027-02-05" in overlap[0]
    assert "2027-02-10" in overlap[0]
    outside = calendars.period_errors(2027, [P("off", "2026-12-31", "2027-01-02")])
    assert "2027" in outside[0]
    weekday = calendars.period_errors(2027, [P("work", "2027-02-08", "2027-02-08")])  # a Monday
    assert "2027-02-08" in weekday[0]
    backwards = calendars.period_errors(2027, [P("off", "2027-05-05", "2027-05-01")])
    assert backwards


def test_csv_import_parses_both_spellings_and_reports_the_bad_line():
    periods = calendars.parse_csv(
        "kind,first_day,last_day,label\n休,2027-01-01,2027-01-01,元旦\nwork,2027-02-06,2027-02-06,\n".encode()
    )
    assert [p.kind for p in periods] == ["off", "work"]
    with pytest.raises(calendars.CalendarCSVError, match="第 2 行"):
        calendars.parse_csv(b"off,2027-01-01,2027-01-01\nholiday,2027-01-02,2027-01-02\n")
    with pytest.raises(calendars.CalendarCSVError, match="第 1 行"):
        calendars.parse_csv(b"off,2027/01/01,2027-01-01\n")
    with pytest.raises(calendars.CalendarCSVError):
        calendars.parse_csv("\ufffe".encode("utf-16"))


def calendar_year_post(year, periods, published=True):
    data = {
        "year": year,
        "published": "on" if published else "",
        "notice": f"国务院办公厅关于{year}年部分节假日安排的通知",
        "periods-TOTAL_FORMS": len(periods),
        "periods-INITIAL_FORMS": 0,
        "periods-MIN_NUM_FORMS": 0,
        "periods-MAX_NUM_FORMS": 1000,
    }
    for i, (kind, first, last, label) in enumerate(periods):
        data.update(
            {
                f"periods-{i}-kind": kind,
                f"periods-{i}-first_day": first,
                f"periods-{i}-last_day": last,
                f"periods-{i}-label": label,
            }
        )
    return data


def test_admin_rejects_overlapping_and_out_of_year_periods_with_a_clear_message(
    client, administrator
):
    login_with_second_factor(client, administrator)
    response = client.post(
        reverse("admin:filings_calendaryear_add"),
        calendar_year_post(
            2027,
            [
                ("off", "2027-02-05", "2027-02-12", "春节"),
                ("off", "2027-02-10", "2027-02-15", ""),
                ("off", "2028-01-01", "2028-01-01", ""),
            ],
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "重叠" in html or "overlap" in html
    assert not CalendarYear.objects.filter(year=2027).exists()


# --- A December trigger, a provisional deadline, and the 2027 notice arriving ---------------------


@pytest.fixture
def december_obligation(db):
    membership = MembershipFactory(role="admin", user__language="zh-hans")
    MembershipFactory(organization=membership.organization, role="editor")
    with time_machine.travel(date(2026, 12, 14)):
        obligations.declare_system(
            membership.organization,
            membership.user,
            name="门禁系统",
            people_stored=12_000,
            used_in_public_place=False,
            count_reached_on=date(2026, 12, 10),
        )
    return Obligation.objects.get(organization=membership.organization, status="open")


def test_a_december_trigger_gives_a_provisional_2027_deadline(december_obligation):
    # 《全国年节及纪念日放假办法》 Art. 2: 1 January is a holiday every year, announced or not.
    assert december_obligation.deadline == date(2027, 1, 22)
    assert december_obligation.deadline_final is False


def test_entering_2027_makes_the_deadline_final_moves_it_and_emails_once(
    client, december_obligation, django_capture_on_commit_callbacks, administrator
):
    login_with_second_factor(client, administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:filings_calendaryear_add"),
            calendar_year_post(
                2027,
                [
                    ("off", "2027-01-01", "2027-01-03", "元旦"),
                    ("work", "2027-01-09", "2027-01-09", ""),
                ],
            ),
        )
    assert response.status_code == 302, response.content.decode()[:2000]

    december_obligation.refresh_from_db()
    assert december_obligation.deadline == date(2027, 1, 21)  # a make-up Saturday, 9 January
    assert december_obligation.deadline_final is True
    change = DeadlineChange.objects.get(obligation=december_obligation)
    assert (change.old_deadline, change.new_deadline) == (date(2027, 1, 22), date(2027, 1, 21))
    assert (change.old_final, change.new_final) == (False, True)

    moved = Notification.objects.filter(kind="deadline_moved")
    assert moved.count() == 1  # the administrator, not the editor
    assert len([m for m in mail.outbox if "2027-01-21" in m.body]) == 1

    # Idempotent: running the recompute again changes and sends nothing.
    assert deadlines.recompute_for_year(2027) == []
    assert DeadlineChange.objects.count() == 1
    assert Notification.objects.filter(kind="deadline_moved").count() == 1


def test_a_published_year_that_does_not_move_the_date_only_makes_it_final(
    december_obligation, django_capture_on_commit_callbacks
):
    year = CalendarYear.objects.create(year=2027, published=True)
    for first, last in (
        (date(2027, 1, 1), date(2027, 1, 3)),
        (date(2027, 2, 5), date(2027, 2, 11)),
    ):
        CalendarPeriod.objects.create(
            calendar_year=year, kind="off", first_day=first, last_day=last
        )
    changes = deadlines.recompute_for_year(2027)
    assert len(changes) == 1
    december_obligation.refresh_from_db()
    assert (december_obligation.deadline, december_obligation.deadline_final) == (
        date(2027, 1, 22),
        True,
    )
    assert not Notification.objects.filter(kind="deadline_moved").exists()


def test_csv_upload_in_the_admin_replaces_the_periods_and_recomputes(
    client, december_obligation, django_capture_on_commit_callbacks, administrator
):
    login_with_second_factor(client, administrator)
    year = CalendarYear.objects.create(year=2027, published=True)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "2027.csv", "off,2027-01-01,2027-01-03,元旦\nwork,2027-01-09,2027-01-09,\n".encode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:filings_calendaryear_import", args=[year.pk]), {"file": upload}
        )
    assert response.status_code == 302
    assert year.periods.count() == 2
    december_obligation.refresh_from_db()
    assert december_obligation.deadline == date(2027, 1, 21)


def test_csv_upload_with_errors_keeps_the_old_periods(client, administrator):
    login_with_second_factor(client, administrator)
    year = CalendarYear.objects.get(year=2026)
    before = year.periods.count()
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "bad.csv", b"off,2026-01-01,2026-01-05\noff,2026-01-03,2026-01-09\n"
    )
    response = client.post(
        reverse("admin:filings_calendaryear_import", args=[year.pk]), {"file": upload}
    )
    assert response.status_code == 200
    assert "2026-01-03" in response.content.decode()
    assert year.periods.count() == before


def test_a_new_year_moves_the_filings_deadline_and_review_due_date_too(
    december_obligation, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from filings.documents import attachments
    from filings.lifecycle import services
    from filings.models import Filing
    from tests.filing_data import complete_filing, mark_complete
    from tests.pdfs import pdf_bytes

    organization = december_obligation.organization
    user = organization.memberships.get(role="admin").user
    with time_machine.travel(date(2026, 12, 14), tick=False):
        filing = services.start_initial_filing(organization, user)
        filing.data = complete_filing()
        mark_complete(filing)
        draft = services.start_initial_filing(organization, user)
        assert draft.deadline == date(2027, 1, 22)
    other = MembershipFactory()
    with time_machine.travel(date(2026, 12, 14), tick=False):
        submitted = services.start_initial_filing(other.organization, other.user)
        submitted.data = complete_filing()
        mark_complete(submitted)
        attachments.store(
            submitted, other.user, "assessment_report", SimpleUploadedFile("r.pdf", pdf_bytes())
        )
        services.submit_filing(submitted.pk, other.user)
    submitted.refresh_from_db()
    # 30 working days; 2027 provisional: weekends and its statutory holidays (1 January) off
    assert submitted.review_due == date(2027, 1, 26)
    year = CalendarYear.objects.create(year=2027, published=True)
    CalendarPeriod.objects.create(
        calendar_year=year, kind="off", first_day=date(2027, 1, 1), last_day=date(2027, 1, 3)
    )
    CalendarPeriod.objects.create(
        calendar_year=year, kind="work", first_day=date(2027, 1, 9), last_day=date(2027, 1, 9)
    )
    deadlines.recompute_for_year(2027)
    assert Filing.objects.get(pk=filing.pk).deadline == date(2027, 1, 21)
    assert Filing.objects.get(pk=submitted.pk).review_due == date(2027, 1, 25)


def test_a_new_years_eve_trigger_is_due_after_the_make_up_days_then_moves_with_the_notice():
    """2027 without its notice: 春节's 2/6-2/7 fall on a weekend and are made up on 2/9-2/10 (补假,
    《全国年节及纪念日放假办法》 Art. 6), so a trigger on 2026-12-31 is provisionally due on
    2027-02-18, not 2027-02-16. When the notice is entered the deadline is final, moves to the
    notice's days, and the organization is told once."""
    membership = MembershipFactory(role="admin", user__language="zh-hans")
    with time_machine.travel(date(2026, 12, 31)):
        obligations.declare_system(
            membership.organization,
            membership.user,
            name="门禁系统",
            people_stored=12_000,
            used_in_public_place=False,
            count_reached_on=date(2026, 12, 31),
        )
    duty = Obligation.objects.get(organization=membership.organization, status="open")
    assert (duty.deadline, duty.deadline_final) == (date(2027, 2, 18), False)

    # A notice as the State Council might publish it: 春节 2/5-2/13 off, Sat 2/20 worked.
    year = CalendarYear.objects.create(year=2027, published=True)
    for kind, first, last in (
        ("off", date(2027, 1, 1), date(2027, 1, 3)),
        ("off", date(2027, 2, 5), date(2027, 2, 13)),
        ("work", date(2027, 2, 20), date(2027, 2, 20)),
    ):
        CalendarPeriod.objects.create(calendar_year=year, kind=kind, first_day=first, last_day=last)
    changes = deadlines.recompute_for_year(2027)
    assert len(changes) == 1
    duty.refresh_from_db()
    assert duty.deadline_final is True
    assert duty.deadline == calendars.add_working_days(date(2026, 12, 31), 30).date
    assert duty.deadline != date(2027, 2, 18)
    assert Notification.objects.filter(kind="deadline_moved").count() == 1
    assert deadlines.recompute_for_year(2027) == []  # once


def test_an_answered_duty_is_provisional_no_longer_once_its_year_is_entered(client):
    """A change filed while its deadline reached into an unannounced year: once the year is
    entered, its page shows the date without "provisional"."""
    from filings.lifecycle import services
    from tests.filing_data import complete_filing, mark_complete

    membership = MembershipFactory(role="admin", user__language="zh-hans")
    with time_machine.travel(date(2026, 12, 14)):
        obligations.declare_system(
            membership.organization,
            membership.user,
            name="门禁系统",
            people_stored=12_000,
            used_in_public_place=False,
            count_reached_on=date(2026, 12, 10),
        )
        filing = services.start_initial_filing(membership.organization, membership.user)
        filing.data = complete_filing()
        mark_complete(filing)
        from django.core.files.uploadedfile import SimpleUploadedFile

        from filings.documents import attachments
        from tests.pdfs import pdf_bytes

        attachments.store(
            filing, membership.user, "assessment_report", SimpleUploadedFile("r.pdf", pdf_bytes())
        )
        services.submit_filing(filing.pk, membership.user)
    duty = Obligation.objects.get(organization=membership.organization, kind="initial")
    assert duty.status == Obligation.Status.FULFILLED
    assert duty.deadline_final is False
    client.force_login(membership.user)
    client.cookies["portal_language"] = "zh-hans"
    page = reverse("filing_detail", args=[membership.organization.pk, filing.pk])
    assert "暂定" in client.get(page).content.decode().split("备案截止日期")[1].split("</dd>")[0]

    year = CalendarYear.objects.create(year=2027, published=True)
    CalendarPeriod.objects.create(
        calendar_year=year, kind="off", first_day=date(2027, 1, 1), last_day=date(2027, 1, 3)
    )
    deadlines.recompute_for_year(2027)
    duty.refresh_from_db()
    assert duty.deadline_final is True
    deadline_cell = client.get(page).content.decode().split("备案截止日期")[1].split("</dd>")[0]
    assert "暂定" not in deadline_cell
    assert not Notification.objects.filter(kind="deadline_moved").exists()  # nothing to remind
