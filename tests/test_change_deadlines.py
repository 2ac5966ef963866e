"""A change filing whose deadline reached into an unannounced year (issue 25, point 2.4: "a change
filing still shows 2027-01-19 暂定 after the 2027 calendar is published"): once the year is
entered, the change's deadline is final wherever it is shown, whatever the change's state."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from filings.lifecycle import deadlines, services
from filings.models import CalendarPeriod, CalendarYear, Filing
from tests.test_filings import complete_draft

pytestmark = pytest.mark.django_db

CHANGED_ON = date(2026, 12, 7)  # 30 working days later: 2027-01-19, provisional until 2027 is in


def enter_2027():
    year = CalendarYear.objects.create(year=2027, published=True)
    CalendarPeriod.objects.create(
        calendar_year=year, kind="off", first_day=date(2027, 1, 1), last_day=date(2027, 1, 3)
    )
    # A Saturday worked: the deadline moves a day earlier.
    CalendarPeriod.objects.create(
        calendar_year=year, kind="work", first_day=date(2027, 1, 9), last_day=date(2027, 1, 9)
    )
    deadlines.recompute_for_year(2027)


def change_filed_on(member, reviewer, state: str) -> Filing:
    with time_machine.travel(date(2026, 12, 1), tick=False):
        original = complete_draft(member)
        services.submit_filing(original.pk, member.user)
        services.approve_filing(original.pk, reviewer)
    with time_machine.travel(date(2026, 12, 8), tick=False):
        change = services.start_follow_up(original, member.user, Filing.Kind.CHANGE)
        services.save_step(
            change,
            member.user,
            "change",
            {
                "description": "新增闸机",
                "effective_date": CHANGED_ON.isoformat(),
                "sections": ["purpose"],
            },
        )
        services.save_step(change, member.user, "declaration", {"truthful": True})
        if state != "draft":
            services.submit_filing(change.pk, member.user)
        if state in ("returned", "filed"):
            services.start_review(change.pk, reviewer)
        if state == "returned":
            services.return_filing(change.pk, reviewer, "1. 请补充说明")
        if state == "filed":
            services.approve_filing(change.pk, reviewer)
    change.refresh_from_db()
    return change


def deadline_cell(client, member, filing) -> str:
    page = reverse("filing_detail", args=[member.organization.pk, filing.pk])
    html = client.get(page).content.decode()
    return html.split("备案截止日期")[1].split("</dd>")[0]


@pytest.mark.parametrize("state", ["draft", "submitted", "returned", "filed"])
def test_a_change_is_provisional_no_longer_once_2027_is_entered(
    client, filer, city_reviewer, state
):
    change = change_filed_on(filer, city_reviewer, state)
    assert change.deadline == date(2027, 1, 19)
    client.force_login(filer.user)
    assert "暂定" in deadline_cell(client, filer, change)
    enter_2027()
    change.refresh_from_db()
    assert change.deadline == date(2027, 1, 18)
    assert change.duty.deadline_final is True
    cell = deadline_cell(client, filer, change)
    assert "2027-01-18" in cell
    assert "暂定" not in cell
