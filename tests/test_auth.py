"""Logging in and out, changing a password, and resetting it by email."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from notifications.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def test_login_with_email_and_logout(client):
    user = UserFactory(email="li.ming@example.com")
    response = client.post(
        reverse("login"), {"username": "LI.MING@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/").context["user"] == user
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert not client.get("/").context["user"].is_authenticated


def test_wrong_password_is_explained_in_chinese(client):
    UserFactory(email="li.ming@example.com")
    response = client.post(reverse("login"), {"username": "li.ming@example.com", "password": "x"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_password_change(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-passphrase-2026",
            "new_password2": "a-new-long-passphrase-2026",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-new-long-passphrase-2026")


def test_password_reset_email_is_written_and_its_link_works(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory(email="wang.fang@example.com", language="zh-hans")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "wang.fang@example.com"})
    assert response.status_code == 302

    notification = Notification.objects.get(recipient=user.email)
    assert notification.kind == "password_reset"
    assert notification.status == Notification.Status.SENT
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["wang.fang@example.com"]
    assert "新密码" in message.subject
    html = message.alternatives[0][0]
    assert "<a href=" in html

    link = re.search(r"http://\S+/password/reset/\S+/", message.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url,
        {
            "new_password1": "another-long-passphrase-9",
            "new_password2": "another-long-passphrase-9",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another-long-passphrase-9")


def test_password_reset_email_follows_the_users_language(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="jane@example.com", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "jane@example.com"})
    assert mail.outbox[0].subject.endswith("Choose a new password")


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert Notification.objects.count() == 0


def test_after_logging_in_a_filer_lands_on_its_dashboard(client):
    from tests.factories import MembershipFactory

    membership = MembershipFactory(user__email="filer@example.com")
    response = client.post(
        reverse("login"), {"username": "filer@example.com", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("dashboard", args=[membership.organization_id])


def test_after_logging_in_and_the_second_step_a_reviewer_lands_on_the_queue(client):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import reviewer_of

    reviewer = reviewer_of("440300", "sz@cac.example")
    device = TOTPDevice.objects.create(user=reviewer, name="authenticator", confirmed=True)
    response = client.post(
        reverse("login"), {"username": "sz@cac.example", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0].startswith(reverse("two_factor_verify"))
    code = f"{totp(device.bin_key):06d}"
    response = client.post(reverse("two_factor_verify"), {"code": code}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:filings_filing_changelist")
