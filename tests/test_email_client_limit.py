"""Past EMAIL_RATE_PER_CLIENT, the pages that send email say so instead of claiming they sent it
(issue 25, section 3): "too many requests from your network, try again in N minutes". The limit
per address stays silent: it would tell an address with an account from one without."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from filings.models import Organization
from tests.factories import UserFactory
from tests.test_registration import registration

pytestmark = pytest.mark.django_db

AT_MINUTE_5 = datetime(2026, 3, 2, 10, 5, tzinfo=ZoneInfo("Asia/Shanghai"))
WORDS = "来自您所在网络的请求过多，请在 55 分钟后重试。"


@pytest.fixture
def one_email_per_client(settings):
    settings.EMAIL_RATE_PER_CLIENT = 1
    settings.EMAIL_RATE_PER_ADDRESS = 5


def reset(client, email, capture, address="10.0.0.1"):
    with capture(execute=True):
        return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


def test_password_reset_past_the_client_limit_says_so_and_when(
    client, django_capture_on_commit_callbacks, one_email_per_client
):
    UserFactory(email="a@example.com")
    UserFactory(email="b@example.com")
    with time_machine.travel(AT_MINUTE_5, tick=False):
        first = reset(client, "a@example.com", django_capture_on_commit_callbacks)
        assert first.status_code == 302
        refused = reset(client, "b@example.com", django_capture_on_commit_callbacks)
        assert refused.status_code == 200
        assert WORDS in refused.content.decode()
        # Another network is not held back.
        other = reset(client, "b@example.com", django_capture_on_commit_callbacks, "10.0.0.2")
        assert other.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.com", "b@example.com"]


def test_the_per_address_limit_stays_silent(client, django_capture_on_commit_callbacks, settings):
    settings.EMAIL_RATE_PER_ADDRESS = 1
    UserFactory(email="a@example.com")
    answers = [
        reset(client, "a@example.com", django_capture_on_commit_callbacks, f"10.0.0.{n}")
        for n in range(3)
    ]
    assert {(r.status_code, r["Location"]) for r in answers} == {
        (302, reverse("password_reset_done"))
    }
    assert len(mail.outbox) == 1


def test_registration_past_the_client_limit_registers_nothing_and_says_so(
    client, django_capture_on_commit_callbacks, one_email_per_client
):
    UserFactory(email="a@example.com")
    with time_machine.travel(AT_MINUTE_5, tick=False):
        reset(client, "a@example.com", django_capture_on_commit_callbacks)
        response = client.post(reverse("register"), registration(), REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 200
    html = response.content.decode()
    assert WORDS in html
    assert "data-error-summary" in html
    assert not Organization.objects.exists()


def test_resending_a_confirmation_past_the_client_limit_says_so(
    client, django_capture_on_commit_callbacks, one_email_per_client
):
    UserFactory(email="a@example.com")
    with time_machine.travel(AT_MINUTE_5, tick=False):
        reset(client, "a@example.com", django_capture_on_commit_callbacks)
        response = client.post(
            reverse("resend_confirmation"), {"email": "new@example.com"}, REMOTE_ADDR="10.0.0.1"
        )
    assert WORDS in response.content.decode()
