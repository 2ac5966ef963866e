"""The review queue stays cheap at regulator scale: what each of its queries reads and does not.

bench/bench_pages.py measures the pages on 100,000 filings; these tests pin the reasons: the count
does not sort, the list does not read the filings' content, the city filter does not run a
DISTINCT over the filings, a search by number is an exact lookup, and on PostgreSQL the queue's
order and the name search are served by their indexes.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from filings import services
from filings.models import Filing
from tests.factories import UserFactory, login_with_second_factor
from tests.test_review import reviewer_of, submitted

pytestmark = pytest.mark.django_db
QUEUE = "/admin/filings/filing/"


@pytest.fixture
def queue(django_capture_on_commit_callbacks):
    filings = {
        "shenzhen": submitted("440300", django_capture_on_commit_callbacks, "深圳甲公司"),
        "shenzhen_other": submitted("440300", django_capture_on_commit_callbacks, "深圳乙科技"),
        "guangzhou": submitted("440100", django_capture_on_commit_callbacks, "广州丙公司"),
    }
    approver = UserFactory(is_staff=True, is_superuser=True)
    services.approve_filing(filings["shenzhen_other"].pk, approver)
    filings["shenzhen_other"].refresh_from_db()
    return filings


def queries_of(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def shown(client, url) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    return {
        receipt
        for receipt in Filing.objects.exclude(receipt_number=None).values_list(
            "receipt_number", flat=True
        )
        if receipt in response.content.decode()
    }


def test_the_queue_counts_without_sorting_and_lists_without_the_content(client, queue):
    login_with_second_factor(client, reviewer_of("440300", "sz@cac.example"))
    sql = queries_of(client, QUEUE)
    counts = [query for query in sql if "COUNT(" in query and "filings_filing" in query]
    assert counts, sql
    assert all("ORDER BY" not in query for query in counts), counts
    listing = [q for q in sql if q.startswith("SELECT") and "LIMIT" in q and "urgency" in q]
    assert listing, sql
    assert all('"filings_filing"."data"' not in query for query in listing)


def test_the_filing_page_still_reads_the_content(client, queue):
    login_with_second_factor(client, reviewer_of("440300", "sz@cac.example"))
    response = client.get(reverse("admin:filings_filing_change", args=[queue["shenzhen"].pk]))
    assert response.status_code == 200
    assert "深圳甲公司" in response.content.decode()


def test_the_city_filter_offers_the_reviewers_offices_without_a_distinct_over_filings(
    client, queue
):
    login_with_second_factor(client, reviewer_of("440000", "gd@cac.example"))
    sql = queries_of(client, QUEUE)
    assert not [query for query in sql if "DISTINCT" in query and "filings_filing" in query]
    page = client.get(QUEUE).content.decode()
    assert "office=440300" in page
    assert "office=440100" in page
    assert shown(client, QUEUE + "?office=440100") == {queue["guangzhou"].receipt_number}


def test_a_city_reviewer_is_offered_its_own_office_only(client, queue):
    login_with_second_factor(client, reviewer_of("440300", "sz@cac.example"))
    page = client.get(QUEUE).content.decode()
    assert "office=440300" in page
    assert "office=440100" not in page


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("uscc", {"shenzhen"}),
        ("receipt", {"shenzhen"}),
        ("filing_number", {"shenzhen_other"}),
        ("甲公司", {"shenzhen"}),
        ("深圳", {"shenzhen", "shenzhen_other"}),
        ("  深圳   甲公司 ", {"shenzhen"}),  # each word a part of the name
        ("广州", set()),  # another office's filing is not found by its name
    ],
)
def test_search_by_number_is_exact_and_by_name_finds_a_part(client, queue, term, expected):
    login_with_second_factor(client, reviewer_of("440300", "sz@cac.example"))
    values = {
        "uscc": queue["shenzhen"].organization.uscc.lower(),
        "receipt": queue["shenzhen"].receipt_number,
        "filing_number": queue["shenzhen_other"].filing_number,
    }
    found = shown(client, QUEUE + "?" + _query(values.get(term, term)))
    assert found == {queue[key].receipt_number for key in expected}


def _query(term: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"q": term})


def test_the_statistics_count_by_month_in_one_pass_without_a_subquery(client, queue):
    login_with_second_factor(client, reviewer_of("440300", "sz@cac.example"))
    sql = queries_of(client, reverse("admin:filings_filing_statistics"))
    grouped = [query for query in sql if "GROUP BY" in query and "filings_filing" in query]
    assert len(grouped) == 3, grouped
    assert all(query.count("SELECT") == 1 for query in grouped), grouped


# --- On PostgreSQL, the indexes answer ------------------------------------------------------------

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the indexes are PostgreSQL's"
)


def plan_of(sql: str, params=()) -> str:
    with connection.cursor() as cursor:
        # Tiny test tables make a sequential scan cheapest; forbid it to see which index fits.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@postgresql_only
def test_a_page_of_the_queue_reads_the_review_queue_index_in_order(client, queue):
    login_with_second_factor(client, reviewer_of("440300", "sz@cac.example"))
    with CaptureQueriesContext(connection) as captured:
        client.get(QUEUE + "?p=1")
    listing = next(
        q["sql"] for q in captured.captured_queries if "LIMIT" in q["sql"] and "CASE" in q["sql"]
    )
    plan = plan_of(listing)
    assert "filing_review_queue" in plan, plan
    assert "Sort" not in plan, plan


@postgresql_only
def test_the_name_search_of_the_queue_can_read_the_trigram_index(queue):
    # The admin's search writes the organization's name condition exactly as this lookup does.
    from filings.models import Organization

    names = Organization.objects.filter(name__icontains="甲公司").values("pk")
    sql, params = names.query.sql_with_params()
    assert "organization_name_trigram" in plan_of(sql, params)
