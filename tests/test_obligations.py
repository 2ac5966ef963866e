"""Whether an organization must file, with which office and by when, and what its dashboard says."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from filings.law.regimes import CAC_2023_DRAFT, CAC_2025_MEASURES
from filings.lifecycle import obligations
from filings.models import Obligation, RecognitionSystem, SystemDeclaration
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


class S:  # a declared system, for the pure rule
    def __init__(self, people, public=False, reached="2026-03-02", name="S"):
        self.people_stored, self.used_in_public_place, self.name = people, public, name
        self.count_reached_on = date.fromisoformat(reached)


def test_the_2023_draft_counts_more_than_ten_thousand_or_any_public_place():
    assert not obligations.assess([S(10_000)], CAC_2023_DRAFT).must_file
    assert obligations.assess([S(10_001)], CAC_2023_DRAFT).must_file
    assert obligations.assess([S(5, public=True)], CAC_2023_DRAFT).must_file


def test_the_2025_measures_count_a_hundred_thousand_reached_and_ignore_public_places():
    assert not obligations.assess([S(99_999)], CAC_2025_MEASURES).must_file
    assert obligations.assess([S(100_000)], CAC_2025_MEASURES).must_file
    assert not obligations.assess([S(5, public=True)], CAC_2025_MEASURES).must_file


def test_the_duty_dates_from_the_earliest_triggering_system():
    result = obligations.assess(
        [S(20_000, reached="2026-05-06", name="A"), S(9, reached="2026-01-05", name="B"),
         S(30_000, reached="2026-04-01", name="C")],
        CAC_2023_DRAFT,
    )  # fmt: skip
    assert result.since == date(2026, 4, 1)
    assert result.triggering == ("A", "C")


def declare(organization, user, people, reached="2026-03-02", public=False, system=None):
    return obligations.declare_system(
        organization,
        user,
        system=system,
        name="闸机",
        people_stored=people,
        used_in_public_place=public,
        count_reached_on=date.fromisoformat(reached),
    )


@pytest.mark.parametrize(
    ("division", "office_code", "office_name"),
    [
        ("440300", "440300", "深圳市网信办"),  # a city
        ("110000", "110000", "北京市网信办"),  # a municipality
        ("500000", "500000", "重庆市网信办"),
        ("429004", "420000", "湖北省网信办"),  # a province-administered county-level city
        ("441900", "441900", "东莞市网信办"),  # a city without counties
    ],
)
def test_the_office_follows_the_registered_address(division, office_code, office_name):
    membership = MembershipFactory(organization__address_division=division)
    declare(membership.organization, membership.user, 12_000)
    obligation = Obligation.objects.get(organization=membership.organization)
    assert (obligation.office.code, obligation.office.office_name) == (office_code, office_name)
    assert obligation.regime == "cac-2023-draft"


def test_under_the_2025_measures_every_filing_goes_to_the_province(settings):
    settings.FILING_REGIME = "cac-2025-measures"
    membership = MembershipFactory(organization__address_division="440300")
    declare(membership.organization, membership.user, 150_000, reached="2025-06-01")
    obligation = Obligation.objects.get(organization=membership.organization)
    assert obligation.office.office_name == "广东省网信办"
    assert obligation.regime == "cac-2025-measures"
    assert obligation.deadline == date(2025, 7, 14)
    assert obligation.deadline_final is True


def test_a_later_change_of_setting_does_not_rewrite_an_open_obligation(settings):
    membership = MembershipFactory()
    system = declare(membership.organization, membership.user, 12_000)
    settings.FILING_REGIME = "cac-2025-measures"
    declare(membership.organization, membership.user, 13_000, system=system)
    obligation = Obligation.objects.get(organization=membership.organization)
    assert obligation.regime == "cac-2023-draft"
    assert obligation.office.code == "440300"


def test_lowering_the_count_before_filing_lifts_the_obligation_and_keeps_the_history():
    membership = MembershipFactory()
    system = declare(membership.organization, membership.user, 12_000)
    declare(membership.organization, membership.user, 8_000, system=system)
    obligation = Obligation.objects.get(organization=membership.organization)
    assert obligation.status == Obligation.Status.LIFTED
    assert obligation.closed_at is not None
    assert list(
        SystemDeclaration.objects.filter(system=system).values_list("people_stored", flat=True)
    ) == [8_000, 12_000]
    # Rising again opens a new obligation; the lifted one stays as it was.
    declare(membership.organization, membership.user, 15_000, system=system)
    assert Obligation.objects.filter(organization=membership.organization).count() == 2


def test_an_earlier_date_moves_the_open_obligation_instead_of_adding_one():
    membership = MembershipFactory()
    system = declare(membership.organization, membership.user, 12_000, reached="2026-03-02")
    declare(membership.organization, membership.user, 12_000, reached="2026-02-02", system=system)
    obligation = Obligation.objects.get(organization=membership.organization)
    assert obligation.trigger_date == date(2026, 2, 2)
    # 30 working days from 2026-02-02 cross the Spring Festival (2/15-23 off, 2/14 and 2/28 worked).
    assert obligation.deadline == date(2026, 3, 20)


# --- The pages -----------------------------------------------------------------------------------


@time_machine.travel(date(2026, 2, 10), tick=False)
def test_dashboard_says_plainly_where_and_by_when_to_file(client):
    membership = MembershipFactory(user__language="zh-hans")
    declare(membership.organization, membership.user, 12_000, reached="2026-02-02")
    client.force_login(membership.user)
    html = client.get(reverse("dashboard", args=[membership.organization.pk])).content.decode()
    # (2026-02-10, 03-20] holds 24 working days: the Spring Festival off, Sat 2/14 and 2/28 worked.
    assert "请于 2026-03-20 前向深圳市网信办备案" in html
    assert "剩余 24 个工作日" in html


@time_machine.travel(date(2026, 2, 10), tick=False)
def test_dashboard_in_english(client):
    membership = MembershipFactory()
    declare(membership.organization, membership.user, 12_000, reached="2026-02-02")
    client.force_login(membership.user)
    client.cookies["portal_language"] = "en"
    html = client.get(reverse("dashboard", args=[membership.organization.pk])).content.decode()
    assert "File with Shenzhen Cyberspace Office by 2026-03-20" in html
    assert "24 working days left" in html


@time_machine.travel(date(2026, 12, 14), tick=False)
def test_dashboard_marks_a_provisional_deadline(client):
    membership = MembershipFactory()
    declare(membership.organization, membership.user, 12_000, reached="2026-12-10")
    client.force_login(membership.user)
    html = client.get(reverse("dashboard", args=[membership.organization.pk])).content.decode()
    assert "2027-01-22" in html
    assert "暂定" in html


def test_declaring_through_the_form_creates_the_obligation(client):
    membership = MembershipFactory(role="editor")
    client.force_login(membership.user)
    response = client.post(
        reverse("system_new", args=[membership.organization.pk]),
        {"name": "人脸门禁", "people_stored": "20000", "count_reached_on": "2026-03-02"},
    )
    assert response.status_code == 302
    assert Obligation.objects.filter(organization=membership.organization, status="open").exists()


@pytest.mark.parametrize(
    ("people", "reached", "message"),
    [
        ("-5", "2026-03-02", "不能为负数"),
        ("99999999999", "2026-03-02", "大于任何实际数量"),
        ("12,000", "2026-03-02", "请输入整数"),
        ("12000", "2099-01-01", "未来"),
    ],
)
def test_bad_declarations_get_a_message_on_the_field_and_keep_what_was_typed(
    client, people, reached, message
):
    membership = MembershipFactory()
    client.force_login(membership.user)
    long_name = "<script>alert(1)</script>" + "名" * 50
    response = client.post(
        reverse("system_new", args=[membership.organization.pk]),
        {"name": long_name, "people_stored": people, "count_reached_on": reached},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert not RecognitionSystem.objects.exists()


def test_a_ten_thousand_character_name_is_refused_politely(client):
    membership = MembershipFactory()
    client.force_login(membership.user)
    response = client.post(
        reverse("system_new", args=[membership.organization.pk]),
        {"name": "长" * 10_000, "people_stored": "1", "count_reached_on": "2026-03-02"},
    )
    assert response.status_code == 200
    assert "不超过 100" in response.content.decode()


def test_another_organizations_pages_do_not_exist_for_a_filer(client):
    mine = MembershipFactory()
    theirs = MembershipFactory()
    system = declare(theirs.organization, theirs.user, 12_000)
    client.force_login(mine.user)
    org = theirs.organization.pk
    for url in (
        reverse("dashboard", args=[org]),
        reverse("system_new", args=[org]),
        reverse("system_edit", args=[org, system.pk]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name": "x", "people_stored": "1"}).status_code == 404, url
    # Nor can a system of theirs be reached through my organization's URL.
    url = reverse("system_edit", args=[mine.organization.pk, system.pk])
    assert client.get(url).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client):
    organization = OrganizationFactory()
    response = client.get(reverse("dashboard", args=[organization.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_viewers_see_the_dashboard_but_cannot_declare(client):
    membership = MembershipFactory(role="viewer")
    client.force_login(membership.user)
    org = membership.organization.pk
    html = client.get(reverse("dashboard", args=[org])).content.decode()
    assert reverse("system_new", args=[org]) not in html
    assert client.get(reverse("system_new", args=[org])).status_code == 403
    response = client.post(
        reverse("system_new", args=[org]),
        {"name": "x", "people_stored": "20000", "count_reached_on": "2026-03-02"},
    )
    assert response.status_code == 403
    assert not RecognitionSystem.objects.exists()


def dashboard_queries(client, membership) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard", args=[membership.organization.pk]))
    assert response.status_code == 200
    return len(queries)


def test_dashboard_runs_a_fixed_number_of_queries(client):
    membership = MembershipFactory()
    client.force_login(membership.user)
    declare(membership.organization, membership.user, 12_000)
    few = dashboard_queries(client, membership)
    user = UserFactory()
    for i in range(15):
        system = declare(membership.organization, user, 20_000 + i, reached="2026-03-03")
        declare(membership.organization, membership.user, 8_000, system=system)
        declare(membership.organization, membership.user, 30_000, system=system)
    assert dashboard_queries(client, membership) == few


def test_my_dashboard_leads_to_the_organization_or_to_registration(client):
    membership = MembershipFactory()
    client.force_login(membership.user)
    response = client.get(reverse("my_dashboard"))
    assert response["Location"] == reverse("dashboard", args=[membership.organization.pk])
    client.force_login(UserFactory())
    assert client.get(reverse("my_dashboard"))["Location"] == reverse("register")


def test_the_dashboard_pages_through_many_duties_and_filings(client):
    membership = MembershipFactory()
    client.force_login(membership.user)
    declare(membership.organization, membership.user, 12_000)
    first = Obligation.objects.get(organization=membership.organization)
    Obligation.objects.bulk_create(
        Obligation(
            organization=membership.organization, kind="change", regime=first.regime,
            office=first.office, trigger_date=first.trigger_date, deadline=date(2027, 1, 1 + i),
            deadline_final=False, reason=f"变更{i:02d}",
        )
        for i in range(25)
    )  # fmt: skip
    url = reverse("dashboard", args=[membership.organization.pk])
    page_one = client.get(url).content.decode()
    assert "变更00" in page_one
    assert "变更24" not in page_one
    assert "?duties=2#next-step" in page_one
    page_two = client.get(url + "?duties=2").content.decode()
    assert "变更24" in page_two
    assert "变更00" not in page_two
    assert client.get(url + "?duties=999").status_code == 200  # the last page, not an error


def test_the_dashboard_counts_its_duties_in_the_query_that_reads_them(client):
    """The first page of duties is read once with their number (a window over the rows), not
    counted and then read: the same queries for 1, 31 or 131 duties, and the pages are right."""
    membership = MembershipFactory()
    client.force_login(membership.user)
    declare(membership.organization, membership.user, 12_000)
    first = Obligation.objects.get(organization=membership.organization)

    def more_duties(n: int, start: int) -> None:
        Obligation.objects.bulk_create(
            Obligation(
                organization=membership.organization, kind="change", regime=first.regime,
                office=first.office, trigger_date=first.trigger_date,
                deadline=date(2027, 1, 1) + timedelta(days=start + i), deadline_final=False,
            )
            for i in range(n)
        )  # fmt: skip

    def counts(queries) -> int:
        return sum(1 for q in queries if 'COUNT(*) AS "__count" FROM "filings_obligation"' in q)

    pages = []

    def dashboard() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("dashboard", args=[membership.organization.pk]))
            assert response.status_code == 200
        pages.append(response.content.decode())
        return [q["sql"] for q in captured.captured_queries]

    one_page = dashboard()
    assert counts(one_page) == 0
    assert "第 1 页" not in pages[-1]
    more_duties(30, 0)
    two_pages = dashboard()
    assert counts(two_pages) == 0
    assert len(two_pages) == len(one_page)
    assert "第 1 页，共 2 页" in pages[-1]
    more_duties(100, 30)
    assert len(dashboard()) == len(two_pages)
    assert "第 1 页，共 7 页" in pages[-1]
