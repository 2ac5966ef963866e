"""Messages from an organization to its office are limited per filing and per organization: each
one emails the office's reviewers (issue 30: one organization sent 76 within minutes)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from filings.lifecycle import services
from filings.models import Filing, FilingEvent
from tests.factories import sign_in
from tests.test_outcomes import member_in, submitted, upload

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 10, 5, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def limits(settings):
    settings.FILING_MESSAGES_PER_FILING = 3
    settings.FILING_MESSAGES_PER_ORGANIZATION = 4
    return settings


@pytest.fixture
def member():
    return member_in()


def write(client, member, filing, body, capture):
    with capture(execute=True):
        return client.post(
            reverse("filing_message", args=[member.organization.pk, filing.pk]),
            {"body": body},
            follow=True,
        )


def from_organization(filing) -> int:
    return filing.events.filter(action=FilingEvent.Action.MESSAGE_FROM_ORGANIZATION).count()


def test_messages_on_one_filing_stop_at_the_limit_with_a_clear_message(
    client, member, limits, city_reviewer, django_capture_on_commit_callbacks
):
    filing = submitted(member, django_capture_on_commit_callbacks)
    sign_in(client, member.user)
    mail.outbox.clear()
    for n in range(3):
        response = write(client, member, filing, f"问题 {n}", django_capture_on_commit_callbacks)
        assert "消息已发送给网信部门" in response.content.decode()
    assert len(mail.outbox) == 3
    response = write(client, member, filing, "第四条", django_capture_on_commit_callbacks)
    html = response.content.decode()
    assert "消息过多" in html
    assert "每个备案每小时最多 3 条" in html
    assert "55 分钟后再试" in html
    assert from_organization(filing) == 3
    assert len(mail.outbox) == 3  # the office was not emailed again


def test_the_limit_message_is_in_english_for_an_english_reader(
    client, limits, django_capture_on_commit_callbacks
):
    member = member_in(language="en")
    filing = submitted(member, django_capture_on_commit_callbacks)
    sign_in(client, member.user)
    client.cookies["portal_language"] = "en"
    for n in range(4):
        response = write(client, member, filing, f"Q{n}", django_capture_on_commit_callbacks)
    html = response.content.decode()
    assert "Too many messages: at most 3 an hour on one filing" in html
    assert "Try again in 55 minutes" in html


def change_of(filing, member, capture):
    """A change filing of the filed ``filing``, submitted: a second filing of the organization."""
    change = services.start_follow_up(filing, member.user, Filing.Kind.CHANGE)
    values = {
        "description": "新增闸机",
        "effective_date": "2026-03-01",
        "sections": ["deployments"],
    }
    services.save_step(change, member.user, Filing.Kind.CHANGE, values)
    services.save_step(change, member.user, "declaration", {"truthful": True})
    upload(change, member.user)
    with capture(execute=True):
        services.submit_filing(change.pk, member.user)
    return change


def test_messages_from_one_organization_stop_at_its_limit_across_its_filings(
    member, limits, city_reviewer, django_capture_on_commit_callbacks
):
    first = submitted(member, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_filing(first.pk, city_reviewer)
    second = change_of(first, member, django_capture_on_commit_callbacks)
    for n in range(3):
        services.post_message(first.pk, member.user, f"一 {n}", from_office=False)
    services.post_message(second.pk, member.user, "二", from_office=False)
    with pytest.raises(services.MessageLimitReached) as refused:
        services.post_message(second.pk, member.user, "二 again", from_office=False)
    assert refused.value.retry_after == 55 * 60
    assert from_organization(second) == 1
    # Another organization is not held back by this one.
    other = member_in()
    services.post_message(
        submitted(other, django_capture_on_commit_callbacks).pk,
        other.user,
        "别的单位",
        from_office=False,
    )


def test_the_count_starts_again_the_next_hour_and_a_refused_try_is_not_counted(
    member, limits, clock, django_capture_on_commit_callbacks
):
    filing = submitted(member, django_capture_on_commit_callbacks)
    for n in range(3):
        services.post_message(filing.pk, member.user, f"问题 {n}", from_office=False)
    for _try in range(5):
        with pytest.raises(services.MessageLimitReached):
            services.post_message(filing.pk, member.user, "再问", from_office=False)
    clock.move_to(NOW + timedelta(hours=1))
    for n in range(3):
        services.post_message(filing.pk, member.user, f"下一小时 {n}", from_office=False)
    assert from_organization(filing) == 6


def test_the_office_is_not_limited_by_the_organizations_count(
    member, limits, city_reviewer, django_capture_on_commit_callbacks
):
    filing = submitted(member, django_capture_on_commit_callbacks)
    for n in range(3):
        services.post_message(filing.pk, member.user, f"问题 {n}", from_office=False)
    services.post_message(filing.pk, city_reviewer, "答复", from_office=True)
