"""The review queue stays cheap at regulator scale: what each of its queries reads and does not.

bench/bench_pages.py measures the pages on 100,000 filings; these tests pin the reasons: the count
does not sort, the list does not read the filings' content, the city filter does not run a
DISTINCT over the filings, a search by number is an exact lookup, and on PostgreSQL the queue's
order and the name search are served by their indexes.
"""

from datetime import date

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from filings.lifecycle import services
from filings.models import Filing
from filings.models.filings import review_urgency
from tests.factories import UserFactory, login_with_second_factor, reviewer_of
from tests.test_review import submitted

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


def queries_seen_again(client, url) -> list[str]:
    """The queries of a page seen a second time: the queue's "held by" choices are read on the
    first page and kept between pages (filings/review/holders.py)."""
    client.get(url)
    return queries_of(client, url)


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


def test_the_queue_counts_without_sorting_and_lists_without_the_content(
    client, queue, city_reviewer
):
    login_with_second_factor(client, city_reviewer)
    sql = queries_of(client, QUEUE)
    counts = [query for query in sql if "COUNT(" in query and "filings_filing" in query]
    assert counts, sql
    assert all("ORDER BY" not in query for query in counts), counts
    listing = [q for q in sql if q.startswith("SELECT") and "LIMIT" in q and "urgency" in q]
    assert listing, sql
    assert all('"filings_filing"."data"' not in query for query in listing)
    # Only what a row shows (QUEUE_ROW_FIELDS): no address, no contact, no sealed column.
    for unread in ("street_address", "contact_email", "contact_mobile", "responsible_person"):
        assert all(f'"filings_organization"."{unread}"' not in query for query in listing)
    assert all('"accounts_user"."password"' not in query for query in listing)


def test_the_filing_page_still_reads_the_content(client, queue, city_reviewer):
    login_with_second_factor(client, city_reviewer)
    response = client.get(reverse("admin:filings_filing_change", args=[queue["shenzhen"].pk]))
    assert response.status_code == 200
    assert "深圳甲公司" in response.content.decode()


def test_the_review_page_reads_the_filing_and_its_organization_once_without_sealed_values(
    client, queue, city_reviewer
):
    """The page shows the submitted version's content: the filing's own is not read, nor the
    organization's sealed columns; the organization comes with the filing."""
    login_with_second_factor(client, city_reviewer)
    url = reverse("admin:filings_filing_change", args=[queue["shenzhen"].pk])
    sql = queries_of(client, url)
    filings = [q for q in sql if q.startswith('SELECT "filings_filing"."id"')]
    assert len(filings) == 1, filings
    assert '"filings_filing"."data"' not in filings[0]
    assert '"filings_organization"."name"' in filings[0]
    assert not [q for q in sql if 'FROM "filings_organization"' in q]
    assert "contact_mobile" not in filings[0]
    assert "responsible_person_id_number" not in filings[0]


def test_the_city_filter_offers_the_reviewers_offices_without_a_distinct_over_filings(
    client, queue, provincial_reviewer
):
    login_with_second_factor(client, provincial_reviewer)
    sql = queries_of(client, QUEUE)
    assert not [query for query in sql if "DISTINCT" in query and "filings_filing" in query]
    page = client.get(QUEUE).content.decode()
    assert "office=440300" in page
    assert "office=440100" in page
    assert shown(client, QUEUE + "?office=440100") == {queue["guangzhou"].receipt_number}


def test_a_reviewers_office_is_read_with_the_appointment_once_a_request(
    client, queue, city_reviewer, django_assert_num_queries
):
    from accounts.models import User
    from filings.review.review_scope import filings_visible_to, office_of

    user = User.objects.get(pk=city_reviewer.pk)  # nothing read yet
    with django_assert_num_queries(1):
        assert office_of(user).code == "440300"
        filings_visible_to(user)
        assert office_of(user).code == "440300"
    staff = User.objects.get(pk=UserFactory(is_staff=True).pk)
    with django_assert_num_queries(1):
        assert office_of(staff) is None
        assert office_of(staff) is None
        assert filings_visible_to(staff).query.is_empty()

    login_with_second_factor(client, city_reviewer)
    sql = queries_of(client, QUEUE)
    assert not [query for query in sql if query.startswith('SELECT "filings_jurisdiction"."id"')]
    # A signed-in user is read with the appointment and its office (portal/auth_backend.py): no
    # query of its own. The "handled by" filter lists the office's reviewers in a query of its
    # own (issue 28), which is not a look-up of the user's office.
    appointment = [q for q in sql if 'FROM "filings_reviewer"' in q and "LIMIT 100" not in q]
    assert appointment == []
    (user_query,) = [q for q in sql if 'FROM "accounts_user"' in q and "LIMIT 21" in q]
    assert 'LEFT OUTER JOIN "filings_reviewer"' in user_query


def test_a_city_reviewer_is_offered_its_own_office_only(client, queue, city_reviewer):
    login_with_second_factor(client, city_reviewer)
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
def test_search_by_number_is_exact_and_by_name_finds_a_part(
    client, queue, term, expected, city_reviewer
):
    login_with_second_factor(client, city_reviewer)
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


def test_the_statistics_count_by_month_in_one_pass_without_a_subquery(client, queue, city_reviewer):
    login_with_second_factor(client, city_reviewer)
    sql = queries_of(client, reverse("admin:filings_filing_statistics"))
    grouped = [query for query in sql if "GROUP BY" in query and "filings_filing" in query]
    assert len(grouped) == 3, grouped
    assert all(query.count("SELECT") == 1 for query in grouped), grouped


def filed_count(client, url) -> str:
    after = client.get(url).content.decode().split("<td>已备案</td>", 1)[1]
    return after.split('<td class="number">', 1)[1].split("<", 1)[0]


def test_the_statistics_are_reused_until_a_filing_of_the_office_changes(
    client, queue, city_reviewer
):
    login_with_second_factor(client, city_reviewer)
    url = reverse("admin:filings_filing_statistics")
    first = queries_of(client, url)
    again = queries_of(client, url)
    assert [q for q in again if "GROUP BY" in q] == []
    assert len(again) == len(first) - 3
    # A decision shows at once: the filing's updated_at moved, so the figures are counted again.
    assert filed_count(client, url) == "1"
    approver = UserFactory(is_staff=True, is_superuser=True)
    services.approve_filing(queue["shenzhen"].pk, approver)
    recounted = queries_of(client, url)
    assert len([q for q in recounted if "GROUP BY" in q]) == 3
    assert filed_count(client, url) == "2"


def test_a_withdrawal_counts_the_statistics_again_and_a_draft_being_written_does_not(
    client, queue, city_reviewer
):
    from tests.factories import MembershipFactory

    login_with_second_factor(client, city_reviewer)
    url = reverse("admin:filings_filing_statistics")
    queries_of(client, url)
    writer = MembershipFactory(organization__address_division="440300")
    draft = services.start_initial_filing(writer.organization, writer.user)
    draft.save()  # a draft of the office, saved again: not in the figures
    assert [q for q in queries_of(client, url) if "GROUP BY" in q] == []

    shenzhen = queue["shenzhen"]
    services.withdraw_filing(shenzhen.pk, shenzhen.created_by, "撤回重报")
    assert len([q for q in queries_of(client, url) if "GROUP BY" in q]) == 3


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("query", ["", "?status__exact=under_review&o=2"])
def test_the_queue_draws_its_rows_as_djangos_admin_would(rf, queue, language, query):
    """The queue draws its rows itself (filings/templatetags/review_queue.py); they must be what
    Django's generic ``result_list`` draws, links with the queue's filters included."""
    from django.contrib.admin import site
    from django.contrib.admin.templatetags.admin_list import results
    from django.utils import translation

    from filings.templatetags.review_queue import review_queue_results

    services.start_review(queue["shenzhen"].pk, UserFactory(is_staff=True, is_superuser=True))
    request = rf.get(QUEUE + query)
    request.user = UserFactory(is_staff=True, is_superuser=True)
    with translation.override(language):
        changelist = site._registry[Filing].get_changelist_instance(request)
        changelist.formset = None  # as changelist_view sets it for a list with no editable column
        ours = [str(row) for row in review_queue_results(changelist)["rows"]]
        djangos = [
            "<tr>" + "".join(str(cell) for cell in row) + "</tr>" for row in results(changelist)
        ]
    assert ours
    assert ours == djangos


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(
    "query", ["", "?status__exact=under_review&holder=mine&kind__exact=initial"]
)
def test_the_queue_draws_its_filters_as_djangos_admin_would(
    rf, queue, city_reviewer, provincial_reviewer, language, query
):
    """The filters are drawn in one pass (review_queue_filters): the same links, titles and
    selections as Django's ``admin_list_filter`` draws with admin/filter.html."""
    from django.contrib.admin import site
    from django.contrib.admin.templatetags.admin_list import admin_list_filter
    from django.utils import translation

    from filings.templatetags.review_queue import review_queue_filters

    for user in (city_reviewer, provincial_reviewer, UserFactory(is_staff=True, is_superuser=True)):
        request = rf.get(QUEUE + query)
        request.user = user
        with translation.override(language):
            changelist = site._registry[Filing].get_changelist_instance(request)
            ours = str(review_queue_filters(changelist))
            djangos = "".join(
                str(admin_list_filter(changelist, spec)) for spec in changelist.filter_specs
            )
        assert len(changelist.filter_specs) == 8
        assert 'class="selected"' in ours
        assert ours.split() == djangos.split()


# --- On PostgreSQL, the indexes answer ------------------------------------------------------------

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the indexes are PostgreSQL's"
)
# On PostgreSQL, outside a transaction, so that plan_of can vacuum the tables first; SQLite plans
# nothing here, and its tests keep their faster rollback.
vacuumable = pytest.mark.django_db(
    transaction=connection.vendor == "postgresql", serialized_rollback=True
)
PLANNED_TABLES = "filings_filing, filings_organization"


def plan_of(sql: str, params=(), *, bitmaps: bool = True) -> str:
    """PostgreSQL's plan for the query on the tables as a portal in use has them: vacuumed and
    analyzed. In a test's transaction no page is all-visible (an index-only scan then costs what
    an index scan costs), and the rows that earlier tests rolled back leave their tables and
    indexes swollen unevenly: the planner's choice would turn on what ran before."""
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM FULL {PLANNED_TABLES}")
        cursor.execute(f"VACUUM ANALYZE {PLANNED_TABLES}")
    with transaction.atomic(), connection.cursor() as cursor:
        # Tiny test tables make a sequential scan cheapest; forbid it to see which index fits.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        if not bitmaps:  # they would read the table even where the index has every column
            cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@postgresql_only
@vacuumable
def test_a_page_of_the_queue_reads_the_review_queue_index_in_order(client, queue, city_reviewer):
    login_with_second_factor(client, city_reviewer)
    with CaptureQueriesContext(connection) as captured:
        client.get(QUEUE + "?p=1")
    listing = next(
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith('SELECT "filings_filing"."id"') and "CASE" in q["sql"]
    )
    plan = plan_of(listing)
    assert "filing_review_queue" in plan, plan
    assert "Sort" not in plan, plan


@postgresql_only
@vacuumable
def test_the_queue_filtered_to_one_status_reads_its_own_index_in_order(
    client, queue, city_reviewer
):
    login_with_second_factor(client, city_reviewer)
    sql = queries_of(client, QUEUE + "?status__exact=submitted&p=1")
    listing = next(q for q in sql if q.startswith('SELECT "filings_filing"."id"'))
    assert "CASE" not in listing.split("ORDER BY", 1)[1], listing
    plan = plan_of(listing, bitmaps=False)
    assert "filing_queue_by_status" in plan, plan
    assert "Sort" not in plan, plan


@postgresql_only
@vacuumable
def test_the_queues_count_reads_only_an_index(client, queue, city_reviewer):
    login_with_second_factor(client, city_reviewer)
    count = next(q for q in queries_of(client, QUEUE) if q.startswith("SELECT COUNT(*)"))
    assert "Index Only Scan using filing_" in plan_of(count, bitmaps=False)


@postgresql_only
@vacuumable
def test_the_statistics_fingerprint_probes_one_index_entry_per_office(client, queue, city_reviewer):
    """The latest change of each office's filings: the first entry of its range of the index
    filing_office_last_change (a Limit over an index scan), not a count of its filings."""
    login_with_second_factor(client, city_reviewer)
    statistics = queries_of(client, reverse("admin:filings_filing_statistics"))
    fingerprint = next(q for q in statistics if "MAX(" in q and "updated_at" in q)
    assert "COUNT(" not in fingerprint
    plan = plan_of(fingerprint, bitmaps=False)
    assert "Limit" in plan, plan
    assert "filing_office_last_change" in plan, plan
    assert "Sort" not in plan, plan


@postgresql_only
@vacuumable
def test_the_name_search_of_the_queue_can_read_the_trigram_index(queue):
    # The admin's search writes the organization's name condition exactly as this lookup does.
    from filings.models import Organization

    names = Organization.objects.filter(name__icontains="甲公司").values("pk")
    sql, params = names.query.sql_with_params()
    assert "organization_name_trigram" in plan_of(sql, params)


def add_filings(n: int, start: int, office_code: str = "440300", status: str = "submitted") -> None:
    """n more filings of one office in one status, with their organizations, in bulk."""
    from filings.models import Jurisdiction, Organization

    office = Jurisdiction.objects.get(code=office_code)
    organizations = Organization.objects.bulk_create(
        Organization(
            name=f"批量科技{start + i}", uscc=f"9144030088{start + i:08d}"[:18],
            address_division=office_code, street_address="x", legal_representative="x",
            responsible_person="x", responsible_person_id_number="11010519491231002X",
            contact_name="x", contact_mobile="13800138000", contact_email=f"b{start + i}@x.cn",
        )
        for i in range(n)
    )  # fmt: skip
    Filing.objects.bulk_create(
        Filing(
            organization=organization, kind="initial", status=status, office=office,
            regime="cac-2023-draft", receipt_number=f"FR2026010{start + i:09d}",
            review_due=date(2026, 12, 31),
        )
        for i, organization in enumerate(organizations)
    )  # fmt: skip


@pytest.mark.parametrize(
    "tail",
    [
        "?q=批量科技",
        "?q=914403008800000001",
        "?status__exact=submitted",
        "?office=440300",
        "?p=2",
        "statistics/",
        "review",
    ],
)
def test_every_page_of_the_workspace_runs_as_many_queries_with_300_more_filings(
    client, queue, tail, city_reviewer
):
    login_with_second_factor(client, city_reviewer)
    url = (
        reverse("admin:filings_filing_change", args=[queue["shenzhen"].pk])
        if tail == "review"
        else QUEUE + tail
    )
    add_filings(60, 0)  # enough for a second page
    few = len(queries_seen_again(client, url))
    add_filings(300, 60)
    assert len(queries_seen_again(client, url)) == few


def test_the_queue_is_titled_review_queue_and_writes_iso_dates(client, queue, city_reviewer):
    login_with_second_factor(client, city_reviewer)
    html = client.get(QUEUE).content.decode()
    assert "<title>审核队列 |" in html
    assert "选择" not in html.split("<h1>", 1)[1].split("</h1>", 1)[0]
    submitted = timezone.localtime(queue["shenzhen"].submitted_at)
    assert submitted.strftime("%Y-%m-%d %H:%M") in html
    assert "年" not in html.split('id="result_list"', 1)[1].split("</table>", 1)[0]


def test_the_review_page_follows_a_notice_being_written_without_a_reload(
    client, queue, city_reviewer, other_city_reviewer
):
    """The documents list polls while a PDF is pending (htmx), as the filer's page does."""
    from filings.documents import documents
    from filings.models import Document

    login_with_second_factor(client, city_reviewer)
    filing = queue["shenzhen_other"]  # approved: its notice requested, not yet written
    notice = Document.objects.get(filing=filing, kind="notice")
    assert notice.status == "pending"
    page = client.get(reverse("admin:filings_filing_change", args=[filing.pk])).content.decode()
    panel = reverse("admin:filings_filing_documents_panel", args=[filing.pk])
    assert f'hx-get="{panel}"' in page
    assert "vendor/htmx/htmx" in page
    documents.generate(notice.pk)  # what the worker does
    fragment = client.get(panel).content.decode()
    assert "hx-get" not in fragment  # ready: the polling stops
    assert reverse("admin:filings_filing_document", args=[filing.pk, notice.pk]) in fragment
    # Another office's reviewer does not get the panel.
    client.logout()
    login_with_second_factor(client, other_city_reviewer)
    assert client.get(panel).status_code == 404


def test_history_notes_are_shown_in_the_readers_language(client, queue, city_reviewer):
    """A download by a reviewer in Chinese reads "Filing notice v1" to a reader in English."""
    from filings.documents import documents
    from filings.models import Document, FilingEvent

    reviewer = city_reviewer
    login_with_second_factor(client, reviewer)
    filing = queue["shenzhen_other"]
    notice = Document.objects.get(filing=filing, kind="notice")
    documents.generate(notice.pk)
    download = client.get(reverse("admin:filings_filing_document", args=[filing.pk, notice.pk]))
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    event = FilingEvent.objects.get(filing=filing, action="document_downloaded")
    assert event.note == ""
    assert event.facts == {"document": "notice", "version": 1}
    page = client.get(reverse("admin:filings_filing_change", args=[filing.pk])).content.decode()
    assert "备案通知书 v1" in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("admin:filings_filing_change", args=[filing.pk])).content.decode()
    assert "Filing notice v1" in page
    assert "备案通知书 v1" not in page


@vacuumable
def test_a_deep_page_is_found_by_its_keys_and_holds_what_djangos_slice_would(queue, city_reviewer):
    from filings.admin.review import BoundedCountPaginator, FilingAdmin
    from filings.review.review_scope import filings_visible_to

    add_filings(130, 0)
    ordered = filings_visible_to(
        city_reviewer, Filing.objects.annotate(urgency=review_urgency())
    ).order_by(*FilingAdmin.get_ordering(None, _Request()))
    paginator = BoundedCountPaginator(ordered, 50)
    for number in (1, 2, 3):
        expected = [filing.pk for filing in ordered[(number - 1) * 50 : number * 50]]
        assert [filing.pk for filing in paginator.page(number)] == expected
    with CaptureQueriesContext(connection) as captured:
        list(paginator.page(3))
    keys = next(q["sql"] for q in captured.captured_queries if '"id" AS "pk"' in q["sql"])
    if connection.vendor == "postgresql":  # the rows skipped are read from the index alone
        assert "Index Only Scan using filing_review_queue" in plan_of(keys, bitmaps=False)


class _Request:
    GET = {}


@postgresql_only
def test_the_planner_knows_how_many_filings_of_an_office_are_in_a_status():
    """Shenzhen holds one submitted filing and Guangzhou two hundred: taken as independent, office
    and status made the planner expect a hundred rows for Shenzhen's (and join every organization
    by hash to find them, 13 ms at 100,000 filings); the statistics on the pair say one."""
    import json

    add_filings(200, 0, "440300", "under_review")
    add_filings(1, 200, "440300", "submitted")
    add_filings(200, 201, "440100", "submitted")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE filings_filing")
    office_id = Filing.objects.filter(office__code="440300").values_list("office_id", flat=True)[0]
    sql, params = (
        Filing.objects.filter(office_id=office_id, status="submitted")
        .values("pk")
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    assert plan[0]["Plan"]["Plan Rows"] <= 10, plan


def test_the_queue_opens_no_sealed_value(client, monkeypatch):
    """The organization's sealed columns (the ID and mobile numbers) are not read for the list:
    opening them cost two decryptions a row for nothing shown."""
    from portal import crypto

    reviewer = reviewer_of("440300")
    login_with_second_factor(client, reviewer)
    add_filings(30, 0)
    opened = []
    real = crypto.open_text
    monkeypatch.setattr(crypto, "open_text", lambda *a, **k: opened.append(1) or real(*a, **k))
    assert len(queries_of(client, "/admin/filings/filing/?view=all")) > 0
    assert opened == []
