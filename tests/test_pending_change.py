"""办理变更备案 while a change waits for the office (issue 25, point 2.4): not the pending change's
check page without a word, but its page saying it waits, with the way to withdraw it; the filed
filing's page says the same instead of offering a change it cannot start."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from filings.lifecycle import services
from filings.models import Filing
from tests.test_filings import complete_draft, filed, member  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(date(2026, 3, 2), tick=False):
        yield


def pending_change(member, reviewer) -> tuple[Filing, Filing]:  # noqa: F811
    original = filed(member, reviewer)
    change = services.start_follow_up(original, member.user, Filing.Kind.CHANGE)
    services.save_step(
        change,
        member.user,
        "change",
        {"description": "新增闸机", "effective_date": "2026-02-16", "sections": ["purpose"]},
    )
    services.save_step(change, member.user, "declaration", {"truthful": True})
    services.submit_filing(change.pk, member.user)
    return original, change


def test_a_change_while_one_waits_leads_to_it_and_says_why(client, member, city_reviewer):  # noqa: F811
    original, change = pending_change(member, city_reviewer)
    client.force_login(member.user)
    org = member.organization.pk
    response = client.post(reverse("filing_follow_up", args=[org, original.pk, "change"]))
    assert response["Location"] == reverse("filing_detail", args=[org, change.pk])
    html = client.get(response["Location"]).content.decode()
    assert "本备案的变更备案已于 2026-03-02 提交，正在等待网信办审核" in html
    assert 'id="withdraw"' in html  # no reviewer has opened it: it can be taken back
    assert Filing.objects.filter(kind="change").count() == 1


def test_the_filed_filing_shows_the_waiting_change_instead_of_the_button(
    client,
    member,  # noqa: F811
    city_reviewer,
):
    original, change = pending_change(member, city_reviewer)
    client.force_login(member.user)
    org = member.organization.pk
    html = client.get(reverse("filing_detail", args=[org, original.pk])).content.decode()
    assert 'id="pending-follow-up"' in html
    assert reverse("filing_detail", args=[org, change.pk]) + "#withdraw" in html
    assert "查看该变更备案" in html
    assert reverse("filing_follow_up", args=[org, original.pk, "change"]) not in html


def test_a_change_draft_is_still_continued(client, member, city_reviewer):  # noqa: F811
    original = filed(member, city_reviewer)
    client.force_login(member.user)
    org = member.organization.pk
    first = client.post(reverse("filing_follow_up", args=[org, original.pk, "change"]))
    again = client.post(reverse("filing_follow_up", args=[org, original.pk, "change"]))
    assert first["Location"] == again["Location"]
    assert "/steps/" in again["Location"]
