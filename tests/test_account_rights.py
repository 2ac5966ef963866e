"""The account holder's rights (issue 27): a copy of one's account data as JSON and as a page,
closing one's account (the organization keeps its filings and history under the name recorded),
the last administrator of an organization with open duties told to hand over first, and the
privacy notice."""

import json
from datetime import date

import pytest
from axes.models import AccessLog
from django.urls import reverse
from django.utils import timezone

from api import tokens
from filings.lifecycle import memberships, obligations, services
from filings.models import AuditEntry, FilingEvent, Membership
from tests.factories import MembershipFactory, login_with_second_factor

pytestmark = pytest.mark.django_db
A = AuditEntry.Action


@pytest.fixture
def person(db):
    """A filer who has done things: an organization with a duty, a token, a login."""
    membership = MembershipFactory(
        role="admin", user__email="li.si@example.cn", user__name="李四", user__language="zh-hans"
    )
    user = membership.user
    user.set_password("correct horse 2026")
    user.save()
    memberships.update_organization(
        organization=membership.organization, actor=user, changes={"street_address": "南山区 1 号"}
    )
    tokens.create_token(membership.organization, user, name="对接", scope="read")
    AccessLog.objects.create(
        username=user.email, ip_address="203.0.113.5", user_agent="Firefox/140", http_accept="*/*"
    )
    return membership


def test_the_copy_as_json_holds_profile_memberships_logins_and_actions(client, person):
    client.force_login(person.user)
    response = client.get(reverse("account_data_json"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment;" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["profile"]["email"] == "li.si@example.cn"
    assert data["profile"]["name"] == "李四"
    assert data["memberships"] == [
        {
            "organization": person.organization.name,
            "uscc": person.organization.uscc,
            "role": "admin",
            "role_label": "管理员",
            "joined_at": timezone.localtime(person.created_at).isoformat(),
        }
    ]
    assert "203.0.113.5" in {row["address"] for row in data["logins"]}
    actions = {row["action"] for row in data["actions"]}
    assert {A.ORGANIZATION_EDITED, A.API_TOKEN_CREATED} <= actions
    assert data["api_tokens"][0]["name"] == "对接"
    # Nobody else's data: another person's actions are not in it.
    other = MembershipFactory(organization=person.organization, role="editor")
    memberships.update_organization(
        organization=person.organization, actor=person.user, changes={"contact_name": "王五"}
    )
    assert other.user.email not in response.content.decode()
    # Taking the copy is itself recorded.
    entry = AuditEntry.objects.get(action=A.ACCOUNT_DATA_EXPORTED)
    assert (entry.actor, entry.after["file"], entry.address) == (person.user, "json", "127.0.0.1")


def test_the_copy_as_a_page_is_readable_in_chinese(client, person):
    client.force_login(person.user)
    html = client.get(reverse("account_data")).content.decode()
    assert "我的账号数据" in html
    assert "li.si@example.cn" in html
    assert person.organization.name in html
    assert "203.0.113.5" in html
    assert "创建 API 令牌" in html  # the action, in the reader's language
    assert AuditEntry.objects.filter(action=A.ACCOUNT_DATA_EXPORTED, after__file="html").exists()


def test_the_copy_needs_a_signed_in_person(client):
    for name in ("account_data", "account_data_json", "account_close"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_closing_an_account_keeps_the_organizations_history_under_the_name_recorded(client, person):
    organization = person.organization
    colleague = MembershipFactory(organization=organization, role="admin")
    filing = services.start_initial_filing(organization, person.user)
    user = person.user
    client.force_login(user)
    assert "注销我的账号" in client.get(reverse("account")).content.decode()
    refused = client.post(reverse("account_close"), {"password": "wrong"})
    assert refused.status_code == 400
    assert "密码不正确" in refused.content.decode()
    response = client.post(reverse("account_close"), {"password": "correct horse 2026"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    assert not user.has_usable_password()
    assert user.email == f"closed-{user.pk}@closed.invalid"
    assert user.name == "李四"
    assert not Membership.objects.filter(user=user).exists()
    assert Membership.objects.filter(user=colleague.user, organization=organization).exists()
    assert not organization.api_tokens.filter(revoked_at__isnull=True).exists()
    # The filing and its history stay, under the name as recorded.
    created = FilingEvent.objects.get(filing=filing, action="created")
    assert str(created.actor) == "李四"
    assert AuditEntry.objects.filter(action=A.ACCOUNT_CLOSED, object_repr="李四").exists()
    assert AuditEntry.objects.filter(action=A.MEMBER_LEFT, organization=organization).exists()
    assert AuditEntry.objects.filter(action=A.API_TOKEN_REVOKED).exists()
    # Signed out, and the old address and password open nothing.
    assert client.get(reverse("account")).status_code == 302
    client.post(
        reverse("login"), {"username": "li.si@example.cn", "password": "correct horse 2026"}
    )
    assert client.get(reverse("account")).status_code == 302


def test_the_last_administrator_with_open_duties_is_told_to_hand_over_first(client, person):
    organization = person.organization
    obligations.declare_system(
        organization,
        person.user,
        name="门禁",
        people_stored=12_000,
        used_in_public_place=False,
        count_reached_on=date(2026, 2, 2),
    )
    client.force_login(person.user)
    page = client.get(reverse("account_close")).content.decode()
    assert "请先移交以下单位" in page
    assert reverse("members", args=[organization.pk]) in page
    response = client.post(reverse("account_close"), {"password": "correct horse 2026"})
    assert response.status_code == 400
    assert "最后一名管理员" in response.content.decode()
    person.user.refresh_from_db()
    assert person.user.is_active
    # Another administrator appointed, the account closes.
    MembershipFactory(organization=organization, role="admin")
    response = client.post(reverse("account_close"), {"password": "correct horse 2026"})
    assert response.status_code == 302
    person.user.refresh_from_db()
    assert not person.user.is_active


def test_a_last_administrator_without_duties_may_close(client, person):
    client.force_login(person.user)
    response = client.post(reverse("account_close"), {"password": "correct horse 2026"})
    assert response.status_code == 302


def test_staff_accounts_are_closed_by_an_administrator(client, city_reviewer):
    city_reviewer.set_password("reviewer pass 2026")
    city_reviewer.save()
    login_with_second_factor(client, city_reviewer)
    response = client.post(reverse("account_close"), {"password": "reviewer pass 2026"})
    assert response.status_code == 400
    assert "由系统管理员注销" in response.content.decode()
    city_reviewer.refresh_from_db()
    assert city_reviewer.is_active


def test_the_privacy_notice_says_what_why_how_long_and_whom_to_ask(client, settings):
    settings.RETENTION = {**settings.RETENTION, "ended_filing_years": 4}
    html = client.get(reverse("privacy")).content.decode()
    for words in (
        "个人信息保护说明",
        "系统保存的信息",
        "居民身份证号码",
        "保存目的",
        "保存期限",
        "不予备案、撤回或撤销后 4 年",
        "最后一次修改后 12 个月",
        "谁可以查看",
        "privacy@filing.example",
    ):
        assert words in html, words
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("privacy")).content.decode()
    assert "Privacy notice" in english
    assert "4 years after the refusal, withdrawal or revocation" in english
    # Linked from every page's foot.
    assert reverse("privacy") in client.get(reverse("home")).content.decode()
