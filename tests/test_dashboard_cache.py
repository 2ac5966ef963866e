"""The filer's dashboard is kept rendered under a fingerprint of what it shows (issue 29): every
service verb that changes the page shows on the very next request, never late; the member's
role, the language and the day are the page's own; the forms carry the request's CSRF token; and
the page costs a fixed number of queries, fewer when nothing changed.

Each test asks for the page twice before the verb (the second answer comes from the cache: it
runs the few queries of a cached page), calls the verb as the portal does, and asks again."""

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from filings.lifecycle import memberships, obligations, services
from filings.models import Filing, Obligation
from tests.factories import MembershipFactory
from tests.test_change_deadlines import enter_2027
from tests.test_filings import complete_draft

pytestmark = pytest.mark.django_db

# A cached page: the user, the membership with its organization and the fingerprint (one query),
# and the navigation's "several organizations?" count (base.html). A page rendered afresh reads
# the calendar's revision, the duties with their count, the past duties and where their filings
# stand, the filings and their events, the initial filing, the systems, the declared totals, the
# orders to correct and the declarations' history on top of those.
CACHED_PAGE_QUERIES = 3
FRESH_PAGE_QUERIES = 14


def dashboard(client, member) -> str:
    response = client.get(reverse("dashboard", args=[member.organization_id]))
    assert response.status_code == 200
    return response.content.decode()


def queries_of(client, member) -> int:
    with CaptureQueriesContext(connection) as captured:
        dashboard(client, member)
    return len(captured.captured_queries)


def cached(client, member) -> str:
    """The page as it is kept: asked for once to render it, then served from the cache."""
    dashboard(client, member)
    assert queries_of(client, member) == CACHED_PAGE_QUERIES
    return dashboard(client, member)


def declare(member, people, *, reached="2026-01-05", system=None, name="闸机"):
    return obligations.declare_system(
        member.organization,
        member.user,
        system=system,
        name=name,
        people_stored=people,
        used_in_public_place=False,
        count_reached_on=date.fromisoformat(reached),
    )


@pytest.fixture
def member(client, filer):
    client.force_login(filer.user)
    return filer


def submitted(member) -> Filing:
    filing = complete_draft(member)
    services.submit_filing(filing.pk, member.user)
    filing.refresh_from_db()
    return filing


# --- Declarations and duties ---------------------------------------------------------------------


def test_a_declared_system_and_the_duty_it_opens_show_at_once(client, member):
    before = cached(client, member)
    assert "人脸识别门禁" not in before
    declare(member, 12_000, name="人脸识别门禁")
    after = dashboard(client, member)
    assert "人脸识别门禁" in after
    assert "前向深圳市网信办备案" in after


def test_a_retired_system_shows_at_once(client, member):
    system = declare(member, 12_000)
    assert "已于 2026-03-02 停止使用" not in cached(client, member)
    obligations.retire_system(member.organization, member.user, system, retired_on=date(2026, 3, 2))
    assert "已于 2026-03-02 停止使用" in dashboard(client, member)


def test_a_duty_lifted_by_a_smaller_number_goes_at_once(client, member):
    system = declare(member, 12_000)
    assert "前向深圳市网信办备案" in cached(client, member)
    declare(member, 8_000, system=system)
    assert not Obligation.objects.filter(organization=member.organization, status="open").exists()
    assert "前向深圳市网信办备案" not in dashboard(client, member)


def test_a_declared_total_shows_at_once(client, member):
    declare(member, 9_000, name="东门")
    declare(member, 8_000, name="西门")
    cached(client, member)
    obligations.declare_total(
        member.organization, member.user, people_total=15_000, reached_on=date(2026, 1, 6)
    )
    assert "全部系统合计（去重）人数：15,000" in dashboard(client, member)


def test_a_deadline_recomputed_when_the_calendar_is_entered_shows_at_once(client, member):
    declare(member, 12_000, reached="2026-12-07")
    before = cached(client, member)
    assert "2027-01-19" in before
    assert "暂定" in before
    enter_2027()
    after = dashboard(client, member)
    assert "2027-01-18" in after
    assert "暂定" not in after


def test_an_order_to_correct_shows_at_once(client, member, city_reviewer):
    declare(member, 12_000)  # due in February 2026: overdue since
    duty = Obligation.objects.get(organization=member.organization, status="open")
    cached(client, member)
    services.order_correction(duty.pk, city_reviewer, date(2099, 1, 1), note="请于期限内备案。")
    assert "请于期限内备案。" in dashboard(client, member)


# --- Filings -------------------------------------------------------------------------------------


def test_a_submission_shows_at_once(client, member):
    declare(member, 12_000)
    filing = complete_draft(member)
    assert "开始备案" not in cached(client, member)  # the draft is there to continue
    services.submit_filing(filing.pk, member.user)
    filing.refresh_from_db()
    after = dashboard(client, member)
    assert filing.receipt_number in after
    assert "已提交，待网信办审核" in after


def test_a_return_for_correction_shows_at_once(client, member, city_reviewer):
    declare(member, 12_000)
    filing = submitted(member)
    services.start_review(filing.pk, city_reviewer)
    cached(client, member)
    services.return_filing(filing.pk, city_reviewer, "1. 请补充评估报告的签字页。")
    filing.refresh_from_db()
    assert filing.correction_deadline.isoformat() in dashboard(client, member)


def test_an_approval_shows_at_once(client, member, city_reviewer):
    declare(member, 12_000)
    filing = submitted(member)
    cached(client, member)
    services.approve_filing(filing.pk, city_reviewer)
    filing.refresh_from_db()
    assert filing.filing_number
    assert filing.filing_number in dashboard(client, member)


def test_a_refusal_shows_at_once(client, member, city_reviewer):
    declare(member, 12_000)
    filing = submitted(member)
    cached(client, member)
    services.refuse_filing(filing.pk, city_reviewer, "所报人数与现场核查不符。")
    assert "所报人数与现场核查不符。" in dashboard(client, member)


def test_a_withdrawal_shows_at_once(client, member):
    declare(member, 12_000)
    filing = submitted(member)
    cached(client, member)
    services.withdraw_filing(filing.pk, member.user, "评估报告附错了版本。")
    assert "评估报告附错了版本。" in dashboard(client, member)


def test_a_revocation_shows_at_once(client, member, city_reviewer):
    declare(member, 12_000)
    filing = submitted(member)
    services.approve_filing(filing.pk, city_reviewer)
    cached(client, member)
    services.revoke_filing(filing.pk, city_reviewer, "备案材料经核查系伪造。")
    assert "备案材料经核查系伪造。" in dashboard(client, member)


def test_a_deleted_draft_goes_at_once(client, member):
    declare(member, 12_000)
    filing = complete_draft(member)
    link = reverse("filing_detail", args=[member.organization_id, filing.pk])
    assert link in cached(client, member)
    services.delete_draft(filing.pk, member.user)
    assert link not in dashboard(client, member)


# --- Whose page, in which language, on which day -------------------------------------------------


def test_each_role_sees_its_own_page_and_a_new_role_at_once(client, member):
    declare(member, 12_000)
    viewer = MembershipFactory(organization=member.organization, role="viewer")
    declare_link = reverse("system_new", args=[member.organization_id])
    assert declare_link in cached(client, member)
    viewers_client = Client()
    viewers_client.force_login(viewer.user)
    assert declare_link not in cached(viewers_client, viewer)
    memberships.change_role(
        organization=member.organization, actor=member.user, membership=viewer, role="editor"
    )
    assert declare_link in dashboard(viewers_client, viewer)


def test_the_language_switch_shows_the_page_in_english_at_once(client, member):
    declare(member, 12_000)
    assert "前向深圳市网信办备案" in cached(client, member)
    client.cookies["portal_language"] = "en"
    assert "File with Shenzhen Cyberspace Office by" in dashboard(client, member)


def test_the_working_days_left_count_down_with_the_day(client, member):
    declare(member, 12_000, reached="2026-02-02")
    with time_machine.travel(date(2026, 2, 10), tick=False):
        assert "剩余 24 个工作日" in cached(client, member)
    with time_machine.travel(date(2026, 2, 11), tick=False):
        assert "剩余 23 个工作日" in dashboard(client, member)


def test_the_organizations_new_name_shows_at_once(client, member):
    declare(member, 12_000)
    cached(client, member)
    memberships.update_organization(
        organization=member.organization, actor=member.user, changes={"name": "深圳新名称有限公司"}
    )
    assert "深圳新名称有限公司" in dashboard(client, member)


# --- The forms and the queries -------------------------------------------------------------------


def test_a_cached_page_carries_each_requests_own_csrf_token(member):
    declare(member, 12_000)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for browser in (first, second):
        browser.force_login(member.user)
    dashboard(first, member)
    html = dashboard(second, member)  # from the cache the first one filled
    assert "csrf-token-of-the-request" not in html
    start = reverse("filing_start", args=[member.organization_id])
    form = html.split(f'action="{start}"')[1].split("</form>")[0]
    token = form.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert second.post(start, {"csrfmiddlewaretoken": token}).status_code == 302
    assert Filing.objects.filter(organization=member.organization).count() == 1


def test_the_page_costs_the_same_queries_for_2_and_50_duties_and_fewer_cached(client, member):
    declare(member, 12_000)
    first = Obligation.objects.get(organization=member.organization)
    counts = {}
    for duties in (2, 50):
        missing = duties - Obligation.objects.filter(organization=member.organization).count()
        Obligation.objects.bulk_create(
            Obligation(
                organization=member.organization, kind="change", regime=first.regime,
                office=first.office, trigger_date=first.trigger_date,
                deadline=date(2027, 1, 1).replace(day=1 + n % 28), deadline_final=False,
            )
            for n in range(missing)
        )  # fmt: skip
        counts[duties] = (queries_of(client, member), queries_of(client, member))
    assert counts[2] == counts[50] == (FRESH_PAGE_QUERIES, CACHED_PAGE_QUERIES)
