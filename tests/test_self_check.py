"""The public self-check (issue 25): whether, where and by when, before registering, under the rule
set in force; the answers are carried over to the registration and the first system."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from filings.law.regimes import get_regime
from filings.lifecycle import self_check
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

DRAFT, MEASURES = "cac-2023-draft", "cac-2025-measures"


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(date(2026, 3, 2), tick=False):
        yield


def verdict(regime, people, *, research_only=False, public=False, division="440300"):
    answers = self_check.Answers(
        people_stored=people,
        used_in_public_place=public,
        research_only=research_only,
        reached_on=date(2026, 2, 2),
        address_division=division,
    )
    return self_check.check(answers, get_regime(regime))


@pytest.mark.parametrize(
    ("people", "research_only", "draft", "measures"),
    [
        (10_001, False, True, False),  # more than 10,000: the draft only
        (100_000, False, True, True),  # 100,000 reached: both
        (150_000, True, True, False),  # R&D only: outside the measures (Art. 2 ¶2)
        (10_000, False, False, False),  # "more than" 10,000: not 10,000 itself
    ],
)
def test_the_public_check_answers_under_both_rule_sets(people, research_only, draft, measures):
    assert verdict(DRAFT, people, research_only=research_only).must_file is draft
    assert verdict(MEASURES, people, research_only=research_only).must_file is measures


def test_the_answer_names_the_office_and_the_deadline_of_each_rule_set():
    from filings.calendar import calendars

    draft = verdict(DRAFT, 20_000)
    assert draft.office_code == "440300"  # municipal level
    assert draft.deadline == calendars.add_working_days(date(2026, 2, 2), 30).date
    measures = verdict(MEASURES, 120_000)
    assert measures.office_code == "440000"  # provincial level
    assert verdict(DRAFT, 500, public=True).must_file  # the draft's public-place trigger
    assert not verdict(MEASURES, 500, public=True).must_file


@pytest.mark.parametrize(("regime", "must"), [(DRAFT, "必须备案"), (MEASURES, "无需备案")])
def test_the_page_answers_without_an_account(client, settings, regime, must):
    settings.FILING_REGIME = regime
    client.cookies["portal_language"] = "zh-hans"
    response = client.get(
        reverse("self_check"),
        {"people_stored": "10001", "reached_on": "2026-02-02", "address_division": "440300"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert must in html
    if regime == DRAFT:
        assert "前向深圳市网信办备案" in html  # the office and the deadline
        assert "2026-03-20" in html  # 30 working days after 2026-02-02, 春节 skipped
    assert reverse("rules") in html


@pytest.mark.parametrize(
    "query",
    [
        {"people_stored": "-1", "reached_on": "2026-02-02", "address_division": "440300"},
        {"people_stored": "many", "reached_on": "2026-02-30", "address_division": "999999"},
        {"people_stored": "10001", "reached_on": "1900-01-01", "address_division": "440300"},
        {"people_stored": "10001", "reached_on": "2026-02-02", "address_division": "\x00"},
        {"people_stored": ""},
    ],
)
def test_bad_answers_get_messages_not_errors(client, query):
    response = client.get(reverse("self_check"), query)
    assert response.status_code in (200, 400)
    assert "self-check-verdict" not in response.content.decode()


def test_the_answers_are_carried_over_to_the_registration_and_the_first_system(client):
    client.cookies["portal_language"] = "zh-hans"
    client.get(
        reverse("self_check"),
        {
            "people_stored": "12000",
            "reached_on": "2026-02-02",
            "used_in_public_place": "on",
            "address_division": "440300",
        },
    )
    register = client.get(reverse("register")).content.decode()
    assert 'value="440300" selected' in register  # the city chosen in the check
    membership = MembershipFactory()
    client.force_login(membership.user)
    client.cookies["portal_language"] = "zh-hans"
    # Logging in starts a new session: the answers of the same browser's check are carried by
    # checking again, as a person would before registering.
    client.get(
        reverse("self_check"),
        {"people_stored": "12000", "reached_on": "2026-02-02", "address_division": "440300"},
    )
    form = client.get(reverse("system_new", args=[membership.organization.pk])).content.decode()
    assert 'value="12000"' in form
    assert 'value="2026-02-02"' in form
