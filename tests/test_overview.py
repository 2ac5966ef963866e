"""One page over all the organizations a person belongs to (issue 17)."""

import re
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from filings.lifecycle import obligations, services
from filings.models import Obligation, Reminder
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("my_overview")


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(date(2026, 3, 2), tick=False):
        yield


def declare(organization, user, name, people=12_000, reached="2026-02-02"):
    return obligations.declare_system(
        organization,
        user,
        name=name,
        people_stored=people,
        used_in_public_place=False,
        count_reached_on=date.fromisoformat(reached),
    )


def organization_with_duty(user, *, name, division, reached="2026-02-02", role="admin"):
    organization = OrganizationFactory(name=name, address_division=division)
    MembershipFactory(organization=organization, user=user, role=role)
    declare(organization, user, f"{name}闸机", reached=reached)
    return organization


@pytest.fixture
def person():
    return UserFactory(email="group@example.com", language="zh-hans")


@pytest.fixture
def group(person):
    """A in Shenzhen (due first), B in Guangzhou; C in Hangzhou, which the person is not in."""
    a = organization_with_duty(person, name="甲公司", division="440300", reached="2026-01-05")
    b = organization_with_duty(person, name="乙公司", division="440100", reached="2026-02-02")
    outsider = UserFactory(email="outsider@example.com")
    c = organization_with_duty(outsider, name="丙公司", division="330100")
    return a, b, c


def page(client, person, **params):
    client.force_login(person)
    response = client.get(OVERVIEW, params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_overview_shows_the_duties_filings_and_reminders_of_every_organization(
    client, person, group
):
    a, b, _c = group
    filing = services.start_initial_filing(b, person)
    obligation = a.obligations.get(status=Obligation.Status.OPEN)
    Reminder.objects.create(
        obligation=obligation,
        kind="before_10",
        deadline=obligation.deadline,
        due_on=date(2026, 2, 2),
        sent_on=date(2026, 2, 2),
    )
    html = page(client, person)
    assert "甲公司" in html
    assert "乙公司" in html
    # The dashboard's words: the office, the deadline and the working days left.
    assert "请于 2026-02-14 前向深圳市网信办备案" in html
    assert "向广州市网信办备案" in html
    assert "个工作日" in html
    assert reverse("filing_detail", args=[b.pk, filing.pk]) in html
    assert "截止日期前 10 个工作日" in html  # the reminder that went out


def duty_paragraphs(html) -> list[str]:
    """The duty's words as the partial renders them: the deadline line and the status line."""
    found = re.findall(
        r'<p class="(?:fs-5 mb-1|small text-body-secondary mb-3)">(.*?)</p>', html, re.S
    )
    return [" ".join(paragraph.split()) for paragraph in found]


def test_each_duty_reads_as_on_its_organizations_dashboard(client, person, group):
    a, b, _c = group
    overview = page(client, person)
    for organization in (a, b):
        dashboard = client.get(reverse("dashboard", args=[organization.pk])).content.decode()
        words = duty_paragraphs(dashboard)
        assert len(words) == 2
        assert all(paragraph in duty_paragraphs(overview) for paragraph in words)


def test_a_member_of_a_and_b_never_sees_c(client, person, group):
    _a, _b, c = group
    services.start_initial_filing(c, c.memberships.get().user)
    html = page(client, person)
    assert "丙公司" not in html
    assert "杭州" not in html
    assert reverse("dashboard", args=[c.pk]) not in html
    # Not even by asking for its city or office.
    html = page(client, person, city="330100", office="330100")
    assert "丙公司" not in html


def test_sorting_by_deadline_both_ways(client, person, group):
    html = page(client, person, sort="deadline")
    assert html.index("深圳市网信办备案") < html.index("广州市网信办备案")
    html = page(client, person, sort="-deadline")
    assert html.index("广州市网信办备案") < html.index("深圳市网信办备案")


def test_filtering_by_city_office_and_state(client, person, group):
    a, b, _c = group
    services.start_initial_filing(a, person)
    html = page(client, person, city="440100")
    assert "广州市网信办备案" in html
    assert "深圳市网信办备案" not in html
    html = page(client, person, office="440300")
    assert "深圳市网信办备案" in html
    assert "广州市网信办备案" not in html
    draft_of_a = reverse("filing_detail", args=[a.pk, a.filings.get().pk])
    assert draft_of_a in page(client, person, state="draft")
    assert draft_of_a not in page(client, person, state="filed")
    # Overdue: A's deadline (2026-02-14) has passed on 2026-03-02, B's has not.
    html = page(client, person, duty="overdue")
    assert "深圳市网信办备案" in html
    assert "广州市网信办备案" not in html
    # Due within 10 working days: neither (A is past its deadline, B has 14 working days left).
    assert "没有待履行的备案义务" in page(client, person, duty="due_soon")


@pytest.mark.parametrize(
    "params",
    [
        {"city": "999999"},
        {"office": "'; DROP TABLE x"},
        {"state": "nonsense"},
        {"sort": "password"},
        {"duty": "<script>"},
        {"duties": "-1", "filings": "abc", "organizations": "99999", "reminders": "1e9"},
        {"city": ["440100", "999999"]},
    ],
)
def test_bad_filter_values_are_ignored_with_a_message_never_a_500(client, person, group, params):
    html = page(client, person, **params)
    assert "乙公司" in html
    if set(params) & {"city", "office", "state", "sort", "duty"}:
        assert "筛选条件无法识别，已忽略" in html


def test_a_nul_character_in_a_filter_is_a_clean_400(client, person, group):
    client.force_login(person)
    assert client.get(OVERVIEW, {"duty": "\x00"}).status_code == 400


def test_the_overview_in_english(client, person, group):
    client.force_login(person)
    client.cookies["portal_language"] = "en"
    html = client.get(OVERVIEW).content.decode()
    assert "All my organizations" in html
    assert "File with Shenzhen Cyberspace Office by 2026-02-14" in html


def test_the_navigation_links_the_overview_only_for_several_organizations(client):
    single = MembershipFactory()
    client.force_login(single.user)
    assert (
        OVERVIEW
        not in client.get(reverse("dashboard", args=[single.organization_id])).content.decode()
    )
    MembershipFactory(user=single.user)
    assert (
        OVERVIEW in client.get(reverse("dashboard", args=[single.organization_id])).content.decode()
    )


def test_anonymous_visitors_log_in_and_people_without_organization_go_elsewhere(client):
    assert client.get(OVERVIEW).status_code == 302
    client.force_login(UserFactory())
    assert client.get(OVERVIEW).status_code == 302


def build_group(person, count):
    """``count`` organizations in three cities, each with a duty, a filing and a reminder."""
    cities = ["440300", "440100", "330100"]
    for n in range(count):
        organization = organization_with_duty(
            person, name=f"子公司{n:02d}", division=cities[n % 3], reached="2026-02-02"
        )
        services.start_initial_filing(organization, person)
        obligation = organization.obligations.get(status=Obligation.Status.OPEN)
        Reminder.objects.create(
            obligation=obligation,
            kind="before_10",
            deadline=obligation.deadline,
            due_on=date(2026, 2, 27),
            sent_on=date(2026, 2, 27),
        )


@pytest.mark.parametrize("organizations", [2, 30])
@pytest.mark.parametrize(
    "params", [{}, {"city": "440300", "sort": "-deadline", "state": "draft", "duties": "2"}]
)
def test_the_overview_runs_a_fixed_number_of_queries(
    client, person, organizations, params, django_assert_max_num_queries
):
    build_group(person, organizations)
    client.force_login(person)
    client.get(OVERVIEW)  # the working-day calendar is cached after the first request
    with django_assert_max_num_queries(16):
        response = client.get(OVERVIEW, params)
    assert response.status_code == 200
