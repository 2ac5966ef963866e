"""The review workspace's statistics: each figure on a known set of filings, months in China time,
a fixed number of queries whatever the number of filings, and the accessible SVG chart."""

import re
from datetime import date, datetime
from itertools import count
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from filings.lifecycle import obligations, services
from filings.models import Filing, FilingVersion, Jurisdiction
from filings.review import statistics
from filings.review.review_scope import filings_visible_to
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory, reviewer_of
from tests.test_filings import complete_draft

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")
TODAY = date(2026, 3, 15)
S = Filing.Status
K = Filing.Kind
_numbers = count(1)


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(datetime(2026, 3, 15, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def make(organization, status, *, kind=K.INITIAL, office="440300", original=None, **fields):
    """A filing as the services would leave it (receipt and filing numbers as the status needs)."""
    n = next(_numbers)
    return Filing.objects.create(
        organization=organization,
        kind=kind,
        status=status,
        regime=settings.FILING_REGIME,
        office=Jurisdiction.objects.get(code=office),
        original=original,
        receipt_number=None if status == S.DRAFT else f"FR-T{n:06d}",
        filing_number=f"FN-T{n:06d}" if status in (S.FILED, S.CANCELLED) else None,
        **fields,
    )


@pytest.fixture
def world():
    """Two Guangdong cities (Shenzhen, with a Nanshan district address, and Guangzhou), Beijing,
    Xiantao (a province-administered county unit of Hubei) and a draft."""
    shenzhen = OrganizationFactory(name="深圳甲公司", address_division="440300")
    nanshan = OrganizationFactory(name="南山乙公司", address_division="440305")
    guangzhou = OrganizationFactory(name="广州丙公司", address_division="440100")
    beijing = OrganizationFactory(name="北京丁公司", address_division="110000")
    xiantao = OrganizationFactory(name="仙桃戊公司", address_division="429004")
    f = {}
    f["sz_filed"] = make(shenzhen, S.FILED, submitted_at=local(2026, 1, 10, 9))
    f["sz_change"] = make(
        shenzhen,
        S.SUBMITTED,
        kind=K.CHANGE,
        original=f["sz_filed"],
        submitted_at=local(2026, 3, 1, 9),
        review_due=TODAY,  # due today: not overdue yet
    )
    # Resubmitted in February after a return: first submitted in November.
    f["nanshan"] = make(
        nanshan,
        S.UNDER_REVIEW,
        submitted_at=local(2026, 2, 1, 9),
        review_due=date(2026, 3, 10),
        late=True,
    )
    for number, when in ((1, local(2025, 11, 20, 9)), (2, local(2026, 2, 1, 9))):
        FilingVersion.objects.create(
            filing=f["nanshan"], number=number, data={}, on_time=False, submitted_at=when
        )
    # 00:30 on 1 April in China is still 31 March in UTC.
    f["gz_old"] = make(
        guangzhou,
        S.SUBMITTED,
        office="440100",
        submitted_at=datetime(2025, 3, 31, 16, 30, tzinfo=UTC),
        review_due=date(2025, 4, 20),
        late=True,
    )
    f["gz_returned"] = make(
        guangzhou,
        S.RETURNED,
        office="440100",
        submitted_at=local(2025, 3, 15, 9),  # before the twelve months
        review_due=date(2025, 4, 1),  # returned: not an overdue review
    )
    # 00:30 on 1 January 2026 in China is 31 December 2025 in UTC.
    f["beijing"] = make(
        beijing, S.REFUSED, office="110000", submitted_at=datetime(2025, 12, 31, 16, 30, tzinfo=UTC)
    )
    f["xt_cancelled"] = make(
        xiantao, S.CANCELLED, office="420000", submitted_at=local(2025, 6, 5, 9)
    )
    f["xt_cancellation"] = make(
        xiantao,
        S.SUBMITTED,
        kind=K.CANCELLATION,
        office="420000",
        original=f["xt_cancelled"],
        submitted_at=local(2026, 3, 2, 9),
        review_due=date(2026, 3, 14),
    )
    f["draft"] = make(shenzhen, S.DRAFT)
    return f


def test_each_figure_on_a_known_set_of_filings(world, administrator):
    with translation.override("en"):
        figures = statistics.summary(filings_visible_to(administrator), TODAY)
    assert figures["by_status"] == [
        ("submitted", "Submitted", 3),
        ("under_review", "Under review", 1),
        ("returned", "Returned for correction", 1),
        ("refused", "Refused", 1),
        ("filed", "Filed", 1),
        ("cancelled", "Cancelled", 1),
        ("revoked", "Revoked", 0),
    ]
    assert figures["by_kind"] == [
        ("initial", "Initial filing", 6),
        ("change", "Change", 1),
        ("cancellation", "Cancellation", 1),
    ]
    # Nanshan (440305) counts for Shenzhen; Xiantao is its own city; ties by code.
    assert figures["by_city"] == [
        ("440300", "Shenzhen", 3),
        ("429004", "Xiantao", 2),
        ("440100", "Guangzhou", 2),
        ("110000", "Beijing", 1),
    ]
    assert figures["overdue_reviews"] == 3  # nanshan, gz_old, xt_cancellation
    assert figures["late_filings"] == 2
    assert figures["per_month"] == [
        ("2025-04", 1),  # gz_old, in China time
        ("2025-05", 0),
        ("2025-06", 1),
        ("2025-07", 0),
        ("2025-08", 0),
        ("2025-09", 0),
        ("2025-10", 0),
        ("2025-11", 1),  # nanshan's first submission, not its resubmission
        ("2025-12", 0),
        ("2026-01", 2),  # sz_filed and beijing (31 December in UTC)
        ("2026-02", 0),
        ("2026-03", 2),
    ]


def test_names_follow_the_language_and_drafts_never_count(world):
    # Filing.objects.all() holds the draft: the summary leaves it out even so.
    figures = statistics.summary(Filing.objects.all(), TODAY)
    assert [name for _code, name, _n in figures["by_city"]] == [
        "深圳市",
        "仙桃市",
        "广州市",
        "北京市",
    ]
    assert sum(n for _v, _l, n in figures["by_status"]) == 8
    assert sum(n for _v, _l, n in figures["by_kind"]) == 8
    assert "draft" not in [value for value, _l, _n in figures["by_status"]]


def test_a_reviewer_gets_the_figures_of_its_office_only(world, provincial_reviewer):
    figures = statistics.summary(filings_visible_to(provincial_reviewer), TODAY)
    assert [(code, n) for code, _name, n in figures["by_city"]] == [("440300", 3), ("440100", 2)]
    assert figures["overdue_reviews"] == 2
    assert sum(n for _month, n in figures["per_month"]) == 4

    nobody = statistics.summary(filings_visible_to(reviewer_of("310000")), TODAY)
    assert nobody["by_city"] == []
    assert [n for _v, _l, n in nobody["by_status"]] == [0] * 7
    assert [n for _m, n in nobody["per_month"]] == [0] * 12
    assert nobody["overdue_reviews"] == nobody["late_filings"] == 0


def test_a_filing_returned_and_resubmitted_counts_in_the_month_it_was_first_submitted():
    membership = MembershipFactory(role="admin")
    reviewer = UserFactory(email="reviewer@cac.example", is_staff=True)
    with time_machine.travel(local(2026, 1, 20, 10), tick=False):
        obligations.declare_system(
            membership.organization,
            membership.user,
            name="门禁",
            people_stored=12_000,
            used_in_public_place=False,
            count_reached_on=date(2026, 1, 5),
        )
        filing = complete_draft(membership)
        services.submit_filing(filing.pk, membership.user)
        services.return_filing(filing.pk, reviewer, "请补充说明。")
    with time_machine.travel(local(2026, 2, 10, 10), tick=False):
        services.save_step(filing, membership.user, "declaration", {"truthful": True})
        services.submit_filing(filing.pk, membership.user)
    filing.refresh_from_db()
    assert filing.submitted_at.astimezone(SHANGHAI).month == 2
    per_month = dict(statistics.summary(Filing.objects.all(), TODAY)["per_month"])
    assert per_month["2026-01"] == 1
    assert per_month["2026-02"] == 0


def test_city_of_maps_divisions_to_prefecture_level_cities():
    assert statistics.city_of("440305") == "440300"
    assert statistics.city_of("440300") == "440300"
    assert statistics.city_of("110105") == "110000"
    assert statistics.city_of("500235") == "500000"
    assert statistics.city_of("429004") == "429004"
    assert statistics.city_of("440000") == "440000"
    assert statistics.city_of("999999") == "999999"  # unplaceable: kept, never an error
    assert statistics.city_of("") == ""


def test_the_twelve_months_cross_the_year():
    keys = statistics.month_keys(date(2026, 1, 31))
    assert keys[0] == "2025-02"
    assert keys[-1] == "2026-01"
    assert len(keys) == 12


# --- Bounded queries -----------------------------------------------------------------------------


def many(n: int) -> None:
    organizations = [
        OrganizationFactory(address_division=code)
        for code in ("440300", "440305", "440100", "110000", "429004")
    ]
    statuses = [s for s in S.values if s not in (S.DRAFT, S.WITHDRAWN)]
    start = next(_numbers) * 10_000
    shenzhen = Jurisdiction.objects.get(code="440300")
    Filing.objects.bulk_create(
        Filing(
            organization=organizations[i % 5],
            kind=K.INITIAL,
            status=statuses[i % len(statuses)],
            regime=settings.FILING_REGIME,
            office=shenzhen,
            receipt_number=f"FR-B{start + i}",
            filing_number=f"FN-B{start + i}",
            submitted_at=local(2025, 4 + i % 12, 1, 9)
            if i % 12 < 9
            else local(2026, i % 12 - 8, 1),
            review_due=date(2026, 3, 1 + i % 28),
            late=i % 3 == 0,
        )
        for i in range(n)
    )


def queries_of_summary(administrator) -> int:
    filings = filings_visible_to(administrator)
    with CaptureQueriesContext(connection) as queries:
        figures = statistics.summary(filings, TODAY)
    assert len(figures["per_month"]) == 12
    return len(queries)


def test_the_summary_runs_the_same_queries_with_5_or_500_filings(administrator):
    many(5)
    with_5 = queries_of_summary(administrator)
    Filing.objects.all().delete()
    many(500)
    with_500 = queries_of_summary(administrator)
    assert with_5 == with_500 == 3
    per_month = statistics.summary(Filing.objects.all(), TODAY)["per_month"]
    assert sum(n for _month, n in per_month) == 500


# --- Chart ---------------------------------------------------------------------------------------


PER_MONTH = [(f"2025-{m:02d}", m * 3) for m in range(1, 13)]


def test_the_chart_has_a_bar_a_label_and_a_count_per_month():
    svg = statistics.monthly_chart_svg(PER_MONTH, title="Filings submitted per month")
    assert svg.startswith("<svg")
    assert 'role="img"' in svg
    assert 'aria-labelledby="monthly-chart-title monthly-chart-desc"' in svg
    assert '<title id="monthly-chart-title">Filings submitted per month</title>' in svg
    assert 'viewBox="0 0 640 240"' in svg
    assert svg.count("<rect") == 12
    for month, n in PER_MONTH:
        assert f">{month}</text>" in svg
        assert f">{n}</text>" in svg
    assert "<script" not in svg
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([0-9.]+)"', svg)]
    assert heights == sorted(heights)  # the counts grow month by month
    assert max(heights) == 240 - statistics.TOP - statistics.BOTTOM  # scaled to the largest


def test_the_chart_of_nothing_and_a_hostile_title():
    zeros = [(f"2025-{m:02d}", 0) for m in range(1, 13)]
    svg = statistics.monthly_chart_svg(zeros, title='<script>alert("x")</script>')
    assert "<script>" not in svg
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in svg
    assert svg.count("<rect") == 12
    assert set(re.findall(r'<rect [^>]*height="([0-9.]+)"', svg)) == {"0.0"}
    assert "nan" not in svg.lower()
