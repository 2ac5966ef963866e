"""Appointing a reviewer in one form (issue 25, point 2.9): name, address, office, language and
roles on one admin page; the new reviewer is emailed a one-time link to choose a password, then
sets up the authenticator at the first login. The same verb refuses an address that is a reviewer
already or an organization's member, and a person with an account is appointed as they are."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from accounts.models import User
from filings.lifecycle import appointments
from filings.lifecycle.memberships import Refused
from filings.models import AuditEntry, Jurisdiction, Reviewer
from filings.review import handling
from filings.review.reviewer_group import LEAD_GROUP, REVIEWER_GROUP, SIGNER_GROUP
from tests.factories import MembershipFactory, UserFactory, login_with_second_factor, reviewer_of

pytestmark = pytest.mark.django_db
ADD = "admin:filings_reviewer_add"
NEW_PASSWORD = "审核-Portal-2027!"


@pytest.fixture
def admin_client(client, administrator):
    login_with_second_factor(client, administrator)
    return client


def appoint(client, **fields):
    data = {
        "name": "陈审核",
        "email": "chen@cac.example",
        "office": Jurisdiction.objects.get(code="440300").pk,
        "language": "zh-hans",
        **fields,
    }
    return client.post(reverse(ADD), data, follow=True)


def link_in(message) -> str:
    return re.search(r"https?://\S+/accounts/password/reset/\S+/", message.body).group(0)


def test_the_add_page_is_one_form_with_name_address_office_language_and_roles(admin_client):
    html = admin_client.get(reverse(ADD)).content.decode()
    for field in ('name="name"', 'name="email"', 'name="office"', 'name="language"'):
        assert field in html
    assert 'name="roles"' in html
    assert "处室负责人：分派本网信办的备案" in html
    assert "签发人：签发他人提请的决定" in html
    assert 'name="user"' not in html  # no account to make beforehand


def test_an_appointment_invites_the_new_reviewer_who_chooses_a_password_then_an_authenticator(
    admin_client, administrator, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = appoint(admin_client, email=" Chen@CAC.example", roles=[LEAD_GROUP])
    assert "已任命 chen@cac.example，设置密码的邀请已发出。" in response.content.decode()

    user = User.objects.get(email="chen@cac.example")
    assert user.name == "陈审核"
    assert user.is_staff
    assert user.is_active
    assert not user.is_superuser
    assert not user.has_usable_password()
    assert user.reviewer.office.code == "440300"
    assert set(user.groups.values_list("name", flat=True)) == {REVIEWER_GROUP, LEAD_GROUP}
    assert handling.is_lead(user)
    assert not handling.is_signer(user)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.REVIEWER_APPOINTED)
    assert entry.actor == administrator
    assert entry.after["roles"] == [LEAD_GROUP]

    assert [message.to for message in mail.outbox] == [["chen@cac.example"]]
    invitation = mail.outbox[0]
    office = Jurisdiction.objects.get(code="440300").office_name
    assert invitation.subject == f"您已被任命为{office}的审核人员"
    assert "请在一天内打开以下链接设置密码" in invitation.body
    assert "身份验证器" in invitation.body

    # The link: a page to choose the password, which it sets once.
    admin_client.logout()
    link = link_in(invitation)
    form = admin_client.get(link, follow=True)
    assert form.status_code == 200
    set_password_url = form.redirect_chain[-1][0]
    done = admin_client.post(
        set_password_url,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert done.status_code == 200
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    again = admin_client.get(link, follow=True)
    assert 'name="new_password1"' not in again.content.decode()  # void once used

    # The first login asks for the authenticator before anything of the workspace.
    admin_client.post(
        reverse("admin:login") + "?next=/admin/",
        {"username": "chen@cac.example", "password": NEW_PASSWORD, "next": "/admin/"},
    )
    workspace = admin_client.get("/admin/")
    assert workspace.status_code == 302
    assert workspace["Location"].startswith(reverse("two_factor_setup"))


def test_an_english_speaking_reviewer_is_invited_in_english(
    admin_client, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        appoint(admin_client, name="Ann Lee", email="ann@cac.example", language="en")
    (invitation,) = mail.outbox
    assert invitation.subject.startswith("You are appointed a reviewer of ")
    assert "To choose your password, open this link within one day" in invitation.body


@pytest.mark.parametrize("who", ["reviewer", "member"])
def test_an_address_that_is_a_reviewer_or_an_organizations_member_is_refused_in_the_form(
    admin_client, who
):
    if who == "reviewer":
        existing = reviewer_of("440100", "chen@cac.example")
        expected = "chen@cac.example 已是"
    else:
        existing = MembershipFactory(user__email="chen@cac.example").user
        expected = "审核人员须使用单独的邮箱地址"
    response = appoint(admin_client, email="CHEN@cac.example")
    html = response.content.decode()
    assert expected in html
    assert "errornote" in html or "errorlist" in html
    assert Reviewer.objects.filter(user=existing).count() == (1 if who == "reviewer" else 0)
    with pytest.raises(Refused):
        appointments.appoint_reviewer(
            actor=None,
            email="chen@cac.example",
            name="陈审核",
            office=Jurisdiction.objects.get(code="440300"),
            language="zh-hans",
        )


def test_a_person_with_an_account_is_appointed_as_they_are_and_told_without_a_link(
    admin_client, django_capture_on_commit_callbacks
):
    person = UserFactory(email="old@cac.example", name="老审核")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        appoint(admin_client, name="ignored", email="old@cac.example", roles=[SIGNER_GROUP])
    person.refresh_from_db()
    assert person.name == "老审核"
    assert person.is_staff
    assert person.has_usable_password()
    assert handling.is_signer(person)
    (told,) = mail.outbox
    assert "/accounts/password/reset/" not in told.body
    assert "/admin/" in told.body


def test_the_invitation_is_sent_again_to_those_without_a_password(
    admin_client, django_capture_on_commit_callbacks
):
    appoint(admin_client)
    settled = reviewer_of("440300", "settled@cac.example")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:filings_reviewer_changelist"),
            {
                "action": "invite_again",
                "_selected_action": list(Reviewer.objects.values_list("pk", flat=True)),
            },
            follow=True,
        )
    assert "已重新发送 1 份邀请。" in response.content.decode()
    assert [message.to for message in mail.outbox] == [["chen@cac.example"]]
    assert settled.has_usable_password()


def test_the_reviewers_group_is_named_in_chinese(admin_client):
    appoint(admin_client)
    assert REVIEWER_GROUP == "审核人员"
    assert not Group.objects.filter(name="Reviewers").exists()
