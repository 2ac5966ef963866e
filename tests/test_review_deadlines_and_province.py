"""Issue 28, points 3-5: the review period that pauses while a filing is returned, the queue that
opens on what needs action (overdue first, in red), the lead's overdue reviews and the escalation
on the day a review is missed, the province's page of its cities, and the take-over of a city's
filing by the provincial lead."""

import csv
import io
from contextlib import nullcontext
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from filings.calendar import calendars
from filings.lifecycle import escalation, services, transfers
from filings.models import (
    AuditEntry,
    Filing,
    FilingEvent,
    FilingVersion,
    Jurisdiction,
    Organization,
    ReviewEscalation,
)
from filings.review.reviewer_group import LEAD_GROUP, ensure_role_groups
from notifications.models import Notification
from tests.factories import UserFactory, login_with_second_factor, reviewer_of
from tests.filing_data import complete_filing
from tests.test_review import submitted

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
QUEUE = "/admin/filings/filing/"


def at(*args):
    return time_machine.travel(datetime(*args, 10, 0, tzinfo=SHANGHAI), tick=False)


def lead_of(code: str, email: str):
    user = reviewer_of(code, email)
    user.groups.add(ensure_role_groups()[LEAD_GROUP])
    return user


def submitted_filing(address: str, name: str) -> Filing:
    """A filing submitted through the verb; its emails and PDFs stay uncommitted (not rendered)."""
    return submitted(address, lambda execute: nullcontext(), name)


def resubmit(filing: Filing) -> None:
    """The organization declares again (a corrected filing is declared afresh) and resubmits."""
    filing.refresh_from_db()
    filing.data = {**filing.data, "declaration": complete_filing()["declaration"]}
    filing.save(update_fields=["data"])
    services.submit_filing(filing.pk, filing.organization.memberships.first().user)


def shown_receipts(client, url) -> list[str]:
    html = client.get(url).content.decode()
    table = (
        html.split('id="result_list"', 1)[1].split("</table>", 1)[0]
        if "result_list" in html
        else ""
    )
    receipts = Filing.objects.exclude(receipt_number=None).values_list("receipt_number", flat=True)
    return sorted((r for r in receipts if r in table), key=table.index)


# --- 3. The review period pauses while a filing is returned ------------------------------------


def test_a_resubmission_gets_the_working_days_left_at_the_return_not_a_new_period():
    with at(2026, 3, 2):  # a Monday
        filing = submitted_filing("440300", "深圳暂停公司")
        assert filing.review_due == calendars.add_working_days(date(2026, 3, 2), 30).date
        assert filing.review_period_days == 30
    reviewer = reviewer_of("440300", "sz-pause@cac.example")
    with at(2026, 3, 16):  # 10 working days used: 3/3-3/16
        services.return_filing(filing.pk, reviewer, "补充影响评估报告")
    filing.refresh_from_db()
    assert filing.review_period_days == 20
    with at(2026, 4, 13):  # four weeks with the organization do not count
        resubmit(filing)
    filing.refresh_from_db()
    assert filing.review_period_days == 20
    assert filing.review_due == calendars.add_working_days(date(2026, 4, 13), 20).date
    assert filing.review_due < calendars.add_working_days(date(2026, 4, 13), 30).date


def test_a_filing_returned_past_its_due_date_comes_back_as_late_as_it_left():
    with at(2026, 3, 2):
        filing = submitted_filing("440300", "深圳逾期退回公司")
    due = filing.review_due
    reviewer = reviewer_of("440300", "sz-late@cac.example")
    returned_on = calendars.add_working_days(due, 3).date  # 3 working days overdue
    with at(returned_on.year, returned_on.month, returned_on.day):
        services.return_filing(filing.pk, reviewer, "材料不全")
    filing.refresh_from_db()
    assert filing.review_period_days == -3
    with at(2026, 6, 1):
        resubmit(filing)
    filing.refresh_from_db()
    assert filing.review_due == calendars.add_working_days(date(2026, 6, 1), -3).date
    assert filing.review_due < date(2026, 6, 1)  # still overdue: the delay did not vanish


def test_the_rule_and_the_silence_of_the_source_are_written_where_the_rules_are(client):
    from django.utils import translation

    from filings.law import rules_text

    with translation.override("en"):
        assert "The source is silent" in str(rules_text.REVIEW_PERIOD)
    with translation.override("zh-hans"):
        assert "未作规定" in str(rules_text.REVIEW_PERIOD)
    page = client.get("/rules/").content.decode()
    assert 'id="review-period"' in page
    assert "暂停" in page


# --- 5. The queue ------------------------------------------------------------------------------


def bulk_filings(specs, office_code="440300"):
    """Filings made in bulk: (status, review_due) each, with their organizations."""
    office = Jurisdiction.objects.get(code=office_code)
    base = Organization.objects.count()
    organizations = Organization.objects.bulk_create(
        Organization(
            name=f"队列单位{base + i}", uscc=f"91440300770{base + i:07d}"[:18],
            address_division=office_code, street_address="x", legal_representative="x",
            responsible_person="x", responsible_person_id_number="11010519491231002X",
            contact_name="x", contact_mobile="13800138000", contact_email=f"q{base + i}@x.cn",
        )
        for i in range(len(specs))
    )  # fmt: skip
    now = timezone.now()
    return Filing.objects.bulk_create(
        Filing(
            organization=organization, kind="initial", status=status, office=office,
            regime="cac-2023-draft", receipt_number=f"FR2026{office_code[:4]}{base + i:06d}",
            filing_number=f"网信人脸备{office_code}{base + i:06d}" if status == "filed" else None,
            review_due=due, submitted_at=now,
        )
        for i, ((status, due), organization) in enumerate(zip(specs, organizations, strict=True))
    )  # fmt: skip


def test_the_queue_opens_on_what_needs_action_the_overdue_first_and_red(client, city_reviewer):
    today = timezone.localdate()
    soon, late, filed, returned, later = bulk_filings(
        [
            ("submitted", today + timedelta(days=3)),
            ("under_review", today - timedelta(days=2)),
            ("filed", today - timedelta(days=40)),
            ("returned", today - timedelta(days=30)),
            ("submitted", today + timedelta(days=20)),
        ]
    )
    login_with_second_factor(client, city_reviewer)
    assert shown_receipts(client, QUEUE) == [
        late.receipt_number,
        soon.receipt_number,
        later.receipt_number,
    ]
    html = client.get(QUEUE).content.decode()
    row = html.split(late.receipt_number, 1)[0].rsplit("<tr", 1)[1]
    assert 'class="review-overdue"' in row
    assert 'class="review-overdue"' not in html.split(soon.receipt_number, 1)[0].rsplit("<tr", 1)[1]
    # The whole queue is a view away, and a search or a status looks through all of it.
    assert filed.receipt_number in shown_receipts(client, QUEUE + "?view=all")
    assert returned.receipt_number in shown_receipts(client, QUEUE + "?view=all")
    assert shown_receipts(client, QUEUE + "?status__exact=filed") == [filed.receipt_number]
    assert shown_receipts(client, QUEUE + f"?q={filed.receipt_number}") == [filed.receipt_number]


def test_due_this_week_lists_the_reviews_due_by_sunday(client, city_reviewer):
    with at(2026, 12, 9):  # a Wednesday; Sunday is 12-13
        overdue, sunday, monday = bulk_filings(
            [
                ("submitted", date(2026, 12, 1)),
                ("under_review", date(2026, 12, 13)),
                ("submitted", date(2026, 12, 14)),
            ]
        )
        login_with_second_factor(client, city_reviewer)
        found = shown_receipts(client, QUEUE + "?view=due_this_week")
    assert found == [overdue.receipt_number, sunday.receipt_number]
    assert monday.receipt_number not in found


def test_the_status_filter_offers_only_what_a_queue_can_hold(client, city_reviewer):
    login_with_second_factor(client, city_reviewer)
    html = client.get(QUEUE).content.decode()
    for status in ("submitted", "under_review", "returned", "refused", "filed", "revoked"):
        assert f"status__exact={status}" in html, status
    assert "status__exact=draft" not in html
    assert "status__exact=withdrawn" not in html
    assert "view=needs_action" in html
    assert "view=due_this_week" in html


def test_the_queue_runs_as_many_queries_in_each_view_with_more_filings(client, city_reviewer):
    login_with_second_factor(client, city_reviewer)
    today = timezone.localdate()
    for url in (QUEUE, QUEUE + "?view=due_this_week", QUEUE + "?view=all"):
        bulk_filings([("submitted", today - timedelta(days=1))] * 3)
        client.get(url)  # the "held by" choices are read once, then kept between pages
        with CaptureQueriesContext(connection) as few:
            client.get(url)
        bulk_filings([("submitted", today + timedelta(days=2))] * 120)
        with CaptureQueriesContext(connection) as many:
            client.get(url)
        assert len(many) == len(few), url


def test_the_decision_buttons_have_keys(client, city_reviewer):
    filing = bulk_filings([("submitted", timezone.localdate())])[0]
    login_with_second_factor(client, city_reviewer)
    html = client.get(reverse("admin:filings_filing_change", args=[filing.pk])).content.decode()
    for key, verb in (("s", "start_review"), ("r", "return"), ("f", "refuse")):
        assert f'data-key="{key}"' in html, verb
    assert 'data-key="a"' in html
    assert 'data-key="w"' in html
    assert 'id="decision-keys"' in html


# --- 3. The lead: overdue reviews, and the escalation ---------------------------------------------


def test_the_lead_group_exists_with_its_permission():
    group = Group.objects.get(name=LEAD_GROUP)
    assert group.permissions.filter(codename="lead_office").exists()


def test_a_missed_review_is_told_to_the_lead_once_on_the_day_it_is_missed(city_reviewer):
    lead = lead_of("440300", "lead-sz@cac.example")
    lead_gz = lead_of("440100", "lead-gz@cac.example")
    today = date(2026, 12, 9)
    missed, due_today = bulk_filings(
        [("submitted", today - timedelta(days=1)), ("under_review", today)]
    )
    bulk_filings([("submitted", today - timedelta(days=1))], office_code="440100")
    bulk_filings([("returned", today - timedelta(days=5))])  # waiting for the organization

    assert escalation.escalate_missed_reviews(today - timedelta(days=1)) == 0  # not yet missed
    assert escalation.escalate_missed_reviews(today) == 2  # Shenzhen's lead, Guangzhou's lead
    sent = Notification.objects.get(kind="review_escalation", recipient=lead.email)
    assert missed.receipt_number in sent.body_text
    assert due_today.receipt_number not in sent.body_text
    assert "已超过审核截止日期" in sent.body_text
    assert Notification.objects.filter(recipient=lead_gz.email).count() == 1
    assert not Notification.objects.filter(recipient=city_reviewer.email).exists()
    # Told once: the same day again, or the next day, says nothing new.
    assert escalation.escalate_missed_reviews(today) == 0
    assert escalation.escalate_missed_reviews(today + timedelta(days=1)) == 1  # due_today now
    assert ReviewEscalation.objects.filter(filing=missed).count() == 1


def test_the_daily_task_escalates_after_the_digests():
    from filings import tasks

    lead_of("440300", "lead-task@cac.example")
    bulk_filings([("submitted", timezone.localdate() - timedelta(days=1))])
    result = tasks.send_reminders()
    assert result["escalations"] == 1


def test_the_lead_lists_the_overdue_reviews_and_a_reviewer_has_no_such_page(client, city_reviewer):
    lead = lead_of("440300", "lead-page@cac.example")
    today = timezone.localdate()
    late, fine = bulk_filings([("submitted", today - timedelta(days=9)), ("submitted", today)])
    url = reverse("admin:filings_filing_overdue_reviews")
    login_with_second_factor(client, city_reviewer)
    assert client.get(url).status_code == 404
    assert url not in client.get(QUEUE).content.decode()
    login_with_second_factor(client, lead)
    html = client.get(url).content.decode()
    assert late.receipt_number in html
    assert fine.receipt_number not in html
    assert url in client.get(QUEUE).content.decode()


# --- 4. The province and its cities ---------------------------------------------------------------


def province_world(n: int):
    """n filings per city of Guangdong's two cities, a third of them decided (half refused, with
    two distinct reasons), in bulk, with their first versions and decision events."""
    specs = []
    for i in range(n):
        status = ("submitted", "filed", "refused", "under_review", "submitted", "returned")[i % 6]
        specs.append((status, date(2026, 3, 1) if i % 4 == 0 else date(2026, 12, 31)))
    made = bulk_filings(specs, "440300") + bulk_filings(specs, "440100")
    first = datetime(2026, 2, 2, 10, tzinfo=SHANGHAI)
    FilingVersion.objects.bulk_create(
        FilingVersion(filing=f, number=1, data={}, on_time=True, submitted_at=first) for f in made
    )
    decided_at = datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)
    decided = [f for f in made if f.status in ("filed", "refused")]
    events = FilingEvent.objects.bulk_create(
        FilingEvent(
            filing=f,
            action="approved" if f.status == "filed" else "refused",
            from_status="under_review",
            to_status=f.status,
            note="" if f.status == "filed" else ("材料不全" if i % 4 == 1 else "超出  必要范围"),
        )
        for i, f in enumerate(decided)
    )
    FilingEvent.objects.filter(pk__in=[e.pk for e in events]).update(created_at=decided_at)
    return made


PERIOD = "?since=2026-01-01&until=2026-06-30"


def test_the_province_sees_each_city_with_its_figures(client, provincial_reviewer):
    province_world(12)
    with at(2026, 12, 9):
        login_with_second_factor(client, provincial_reviewer)
        response = client.get(reverse("admin:filings_filing_province") + PERIOD)
    html = response.content.decode()
    assert response.status_code == 200
    row = html.split('id="province-cities"', 1)[1].split("深圳市", 1)[1].split("</tr>", 1)[0]
    numbers = [cell.split("<", 1)[0] for cell in row.split('class="number')[1:]]
    numbers = [n.split(">", 1)[1] for n in numbers]
    # received 12, decided 4 (2 approved, 2 refused), pending 6 (4 submitted, 2 under review),
    # past due 2 (the pending ones due 2026-03-01), median: the working days from 2/2 to 3/2
    assert numbers[:6] == ["12", "4", "2", "2", "6", "2"], numbers
    expected_days = calendars.working_days_between(date(2026, 2, 2), date(2026, 3, 2))
    assert numbers[6] == str(expected_days)
    assert "<svg" in html
    assert 'role="img"' in html
    assert "广州市" in html
    assert "<script" not in html.split('id="cities-chart"', 1)[1].split("</svg>", 1)[0]


def test_the_province_page_runs_as_many_queries_at_10_and_1000_filings(client, provincial_reviewer):
    login_with_second_factor(client, provincial_reviewer)
    urls = [
        reverse("admin:filings_filing_province") + PERIOD,
        reverse("admin:filings_filing_province_city", args=["440300"]) + PERIOD,
        reverse("admin:filings_filing_province_csv") + PERIOD,
    ]
    province_world(5)  # 10 filings
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts[url] = len(captured)
    province_world(495)  # 1,000 filings
    assert Filing.objects.count() == 1000
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        assert len(captured) == counts[url], url


def test_the_city_page_groups_the_refusals_by_reason(client, provincial_reviewer):
    province_world(12)
    login_with_second_factor(client, provincial_reviewer)
    html = client.get(
        reverse("admin:filings_filing_province_city", args=["440300"]) + PERIOD
    ).content.decode()
    table = html.split('id="refusal-reasons"', 1)[1].split("</table>", 1)[0]
    assert "材料不全" in table
    assert "超出 必要范围" in table
    assert table.count("<tr>") == 3  # the header and the two reasons


def test_the_csv_has_a_row_per_city_in_the_readers_language(client, provincial_reviewer):
    province_world(6)
    login_with_second_factor(client, provincial_reviewer)
    response = client.get(reverse("admin:filings_filing_province_csv") + PERIOD)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["行政区划代码", "城市"]
    by_code = {row[0]: row for row in rows[1:]}
    assert by_code["440300"][4] == "6"
    assert by_code["440100"][4] == "6"
    assert "440000" in by_code  # the provincial office itself


@pytest.mark.parametrize(
    "query", ["?since=2026-13-01&until=x", "?since=2026-06-01&until=2026-01-01"]
)
def test_a_bad_period_is_said_in_the_readers_language_not_a_500(client, provincial_reviewer, query):
    login_with_second_factor(client, provincial_reviewer)
    response = client.get(reverse("admin:filings_filing_province") + query)
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()


def test_only_a_provincial_office_has_the_province_page(client, city_reviewer):
    login_with_second_factor(client, city_reviewer)
    assert client.get(reverse("admin:filings_filing_province")).status_code == 404
    city = reverse("admin:filings_filing_province_city", args=["440300"])
    assert client.get(city).status_code == 404


# --- 4. The provincial lead takes a city's filing over --------------------------------------------


def test_the_provincial_lead_takes_a_citys_filing_with_its_history(
    client, city_reviewer, provincial_reviewer
):
    filing = submitted_filing("440300", "深圳移交公司")
    events_before = list(filing.events.values_list("pk", flat=True))
    lead = lead_of("440000", "lead-gd@cac.example")
    login_with_second_factor(client, lead)
    city_page = reverse("admin:filings_filing_province_city", args=["440300"])
    assert (
        reverse("admin:filings_filing_take_over", args=[filing.pk])
        in client.get(city_page).content.decode()
    )
    response = client.post(reverse("admin:filings_filing_take_over", args=[filing.pk]))
    assert response.status_code == 302
    filing.refresh_from_db()
    assert filing.office.code == "440000"
    assert filing.status == Filing.Status.SUBMITTED
    assert set(events_before) < set(filing.events.values_list("pk", flat=True))
    event = filing.events.get(action=FilingEvent.Action.TRANSFERRED)
    assert event.actor == lead
    assert event.facts == {"from_office": "440300", "to_office": "440000"}
    entry = AuditEntry.objects.get(action=AuditEntry.Action.FILING_TRANSFERRED)
    assert entry.before == {"office": "440300"}
    assert entry.after == {"office": "440000"}
    # The city no longer sees it; the province does, with its history in words.
    login_with_second_factor(client, city_reviewer)
    assert client.get(reverse("admin:filings_filing_change", args=[filing.pk])).status_code == 404
    login_with_second_factor(client, provincial_reviewer)
    page = client.get(reverse("admin:filings_filing_change", args=[filing.pk])).content.decode()
    assert "从深圳市到广东省" in page


def test_only_the_provincial_lead_may_take_over_and_only_an_undecided_filing(
    provincial_reviewer,
):
    filing = submitted_filing("440300", "深圳不可移交公司")
    city_lead = lead_of("440300", "lead-city@cac.example")
    other_lead = lead_of("420000", "lead-hb@cac.example")
    for actor in (provincial_reviewer, city_lead, other_lead):
        with pytest.raises(services.FilingError):
            transfers.transfer_to_province(filing.pk, actor)
    services.approve_filing(filing.pk, UserFactory(is_staff=True, is_superuser=True))
    with pytest.raises(services.TransitionNotAllowed):
        transfers.transfer_to_province(filing.pk, lead_of("440000", "lead-gd2@cac.example"))
    filing.refresh_from_db()
    assert filing.office.code == "440300"
    assert not filing.events.filter(action=FilingEvent.Action.TRANSFERRED).exists()
