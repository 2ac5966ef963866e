"""Inviting colleagues, accepting invitations, roles, removing members and leaving."""

import hashlib
import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from filings.lifecycle import memberships
from filings.models import Invitation, Membership
from notifications.models import Notification
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-passphrase-2026"


@pytest.fixture
def admin():
    return MembershipFactory(
        role=Membership.Role.ADMIN,
        user__name="陈主任",
        user__language="en",
        organization__name="示例科技有限公司",
    )


def invite(client, capture, admin, email="new.colleague@example.com", role="editor"):
    client.force_login(admin.user)
    with capture(execute=True):
        response = client.post(
            reverse("members", args=[admin.organization_id]), {"email": email, "role": role}
        )
    client.logout()
    return response


def invitation_path(message):
    match = re.search(r"http://[^/\s]+(/invitations/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_an_invitation_is_emailed_with_a_one_time_link(
    client, django_capture_on_commit_callbacks, admin
):
    response = invite(client, django_capture_on_commit_callbacks, admin, email="New@Example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("members", args=[admin.organization_id])

    invitation = Invitation.objects.get()
    assert invitation.email == "new@example.com"
    assert invitation.role == Membership.Role.EDITOR
    assert invitation.invited_by == admin.user
    assert abs(invitation.expires_at - invitation.created_at - timedelta(days=7)) < timedelta(
        seconds=5
    )
    assert invitation.is_open

    assert Notification.objects.get().kind == "invitation"
    message = mail.outbox[0]
    assert message.to == ["new@example.com"]
    assert "示例科技有限公司" in message.subject
    path = invitation_path(message)
    token = path.split("/")[2]
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Invitation.objects.values().get())
    # Written in the inviter's language for a person without an account: inviter, role, expiry.
    expires = timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d %H:%M")
    for text in ("陈主任", "示例科技有限公司", "Editor", expires, path):
        assert text in message.body
    html = message.alternatives[0][0]
    assert f'href="{settings.SITE_URL}{path}"' in html
    assert "陈主任" in html


def test_a_new_person_accepts_and_gets_an_account_and_the_role(
    client, django_capture_on_commit_callbacks, admin
):
    invite(client, django_capture_on_commit_callbacks, admin, role="viewer")
    path = invitation_path(mail.outbox[0])

    page = client.get(path)
    assert page.status_code == 200
    assert page.context["state"] == "sign_up"
    assert "示例科技有限公司" in page.content.decode()

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.post(path, {"name": "小刘", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard", args=[admin.organization_id])
    user = User.objects.get(email="new.colleague@example.com")
    assert user.is_active
    assert user.name == "小刘"
    assert user.language == "en"
    assert user.check_password(PASSWORD)
    membership = Membership.objects.get(user=user)
    assert membership.organization == admin.organization
    assert membership.role == Membership.Role.VIEWER
    assert int(client.session["_auth_user_id"]) == user.pk
    assert Invitation.objects.get().accepted_at is not None

    # The same link again: already a member, taken to the dashboard, nothing created.
    response = client.get(path)
    assert response.status_code == 302
    assert Membership.objects.filter(user=user).count() == 1


def test_the_signup_form_applies_the_password_validators(
    client, django_capture_on_commit_callbacks, admin
):
    invite(client, django_capture_on_commit_callbacks, admin)
    path = invitation_path(mail.outbox[0])
    response = client.post(path, {"name": "小刘", "password1": "12345678", "password2": "12345678"})
    assert response.status_code == 200
    assert response.context["form"].errors["password2"]
    assert not User.objects.filter(email="new.colleague@example.com").exists()


def test_accepting_twice_makes_one_membership(django_capture_on_commit_callbacks, admin):
    with django_capture_on_commit_callbacks(execute=True):
        memberships.invite_member(
            organization=admin.organization,
            actor=admin.user,
            email="twice@example.com",
            role="editor",
        )
    token = invitation_path(mail.outbox[0]).split("/")[2]
    user = UserFactory(email="twice@example.com")
    memberships.accept_invitation(token=token, user=user)
    with pytest.raises(memberships.InvalidLink) as refused:
        memberships.accept_invitation(token=token, user=user)
    assert refused.value.code == "used"
    with pytest.raises(memberships.InvalidLink):
        memberships.accept_invitation(token=token, new_user_data={"name": "x", "password": "y"})
    assert Membership.objects.filter(user=user).count() == 1
    assert User.objects.filter(email="twice@example.com").count() == 1


def test_an_expired_invitation_is_refused(client, django_capture_on_commit_callbacks, admin):
    invite(client, django_capture_on_commit_callbacks, admin)
    path = invitation_path(mail.outbox[0])
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1), tick=False):
        response = client.get(path)
        assert response.status_code == 400
        assert response.context["reason"] == "expired"
        response = client.post(path, {"name": "x", "password1": PASSWORD, "password2": PASSWORD})
        assert response.status_code == 400
    assert not User.objects.filter(email="new.colleague@example.com").exists()
    assert Membership.objects.count() == 1


def test_inviting_again_revokes_the_earlier_link(client, django_capture_on_commit_callbacks, admin):
    invite(client, django_capture_on_commit_callbacks, admin, role="viewer")
    invite(client, django_capture_on_commit_callbacks, admin, role="admin")
    first, second = (invitation_path(message) for message in mail.outbox)
    response = client.get(first)
    assert response.status_code == 400
    assert response.context["reason"] == "revoked"
    assert client.get(second).status_code == 200
    assert Invitation.objects.filter(revoked_at__isnull=True).get().role == "admin"


def test_an_unknown_invitation_link_is_refused(client):
    assert client.get(reverse("invitation_accept", args=["nope"])).status_code == 400
    assert client.get(reverse("invitation_accept", args=["x" * 10_000])).status_code == 400


def test_an_existing_account_logs_in_then_joins(client, django_capture_on_commit_callbacks, admin):
    colleague = UserFactory(email="new.colleague@example.com", name="周同事", language="zh-hans")
    invite(client, django_capture_on_commit_callbacks, admin)
    path = invitation_path(mail.outbox[0])
    # A person with an account is greeted by name, in the account's language.
    assert mail.outbox[0].body.startswith("周同事，您好")

    page = client.get(path)
    assert page.context["state"] == "log_in"
    login_url = page.context["login_url"]
    assert login_url == f"{reverse('login')}?next={path.replace('/', '%2F')}"
    assert client.post(path, {"name": "x", "password1": PASSWORD, "password2": PASSWORD})
    assert not Membership.objects.filter(user=colleague).exists()

    client.force_login(colleague)
    assert client.get(path).context["state"] == "join"
    response = client.post(path)
    assert response["Location"] == reverse("dashboard", args=[admin.organization_id])
    assert Membership.objects.get(user=colleague).role == Membership.Role.EDITOR


def test_another_account_cannot_accept(client, django_capture_on_commit_callbacks, admin):
    invite(client, django_capture_on_commit_callbacks, admin)
    path = invitation_path(mail.outbox[0])
    stranger = UserFactory()
    client.force_login(stranger)
    assert client.get(path).context["state"] == "wrong_account"
    client.post(path)
    assert not Membership.objects.filter(user=stranger).exists()
    assert Invitation.objects.get().accepted_at is None


def test_inviting_a_member_is_refused(client, django_capture_on_commit_callbacks, admin):
    member = MembershipFactory(organization=admin.organization, role="viewer")
    response = invite(client, django_capture_on_commit_callbacks, admin, email=member.user.email)
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert Invitation.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.parametrize("role", [Membership.Role.VIEWER, Membership.Role.EDITOR])
def test_only_administrators_invite(client, admin, role):
    member = MembershipFactory(organization=admin.organization, role=role)
    client.force_login(member.user)
    url = reverse("members", args=[admin.organization_id])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"] is None
    assert client.post(url, {"email": "x@example.com", "role": "admin"}).status_code == 403
    assert Invitation.objects.count() == 0
    with pytest.raises(PermissionDenied):
        memberships.invite_member(
            organization=admin.organization, actor=member.user, email="x@example.com", role="admin"
        )


def test_a_viewer_cannot_remove_change_roles_or_withdraw_invitations(client, admin):
    viewer = MembershipFactory(organization=admin.organization, role="viewer")
    invitation = memberships.invite_member(
        organization=admin.organization, actor=admin.user, email="x@example.com", role="viewer"
    )
    client.force_login(viewer.user)
    org = admin.organization_id
    assert client.get(reverse("member_remove", args=[org, admin.pk])).status_code == 403
    assert client.post(reverse("member_remove", args=[org, admin.pk])).status_code == 403
    assert (
        client.post(reverse("member_role", args=[org, viewer.pk]), {"role": "admin"}).status_code
        == 403
    )
    assert client.post(reverse("invitation_revoke", args=[org, invitation.pk])).status_code == 403
    assert Membership.objects.count() == 2
    assert Membership.objects.get(pk=viewer.pk).role == "viewer"


def test_a_non_member_finds_no_organization_page(client, admin):
    client.force_login(UserFactory())
    org = admin.organization_id
    assert client.get(reverse("organization_profile", args=[org])).status_code == 404
    for url in (
        reverse("organization_edit", args=[org]),
        reverse("members", args=[org]),
        reverse("member_leave", args=[org]),
        reverse("member_remove", args=[org, admin.pk]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url
    role_url = reverse("member_role", args=[org, admin.pk])
    assert client.post(role_url, {"role": "viewer"}).status_code == 404
    assert Membership.objects.get().role == "admin"


def test_a_member_of_another_organization_cannot_reach_its_members(client, admin):
    other = MembershipFactory(role="admin")
    client.force_login(other.user)
    url = reverse("member_remove", args=[other.organization_id, admin.pk])
    assert client.post(url).status_code == 404
    assert Membership.objects.filter(pk=admin.pk).exists()


def test_the_members_page_lists_members_and_pending_invitations(client, admin):
    MembershipFactory(organization=admin.organization, role="viewer", user__name="<b>Bob</b>")
    memberships.invite_member(
        organization=admin.organization,
        actor=admin.user,
        email="pending@example.com",
        role="editor",
    )
    client.force_login(admin.user)
    html = client.get(reverse("members", args=[admin.organization_id])).content.decode()
    assert "陈主任" in html
    assert "&lt;b&gt;Bob&lt;/b&gt;" in html
    assert "pending@example.com" in html
    assert 'name="role"' in html


def test_removing_a_member_asks_first_and_happens_on_post(client, admin):
    editor = MembershipFactory(organization=admin.organization, role="editor")
    client.force_login(admin.user)
    url = reverse("member_remove", args=[admin.organization_id, editor.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert editor.user.email in page.content.decode()
    assert Membership.objects.filter(pk=editor.pk).exists()
    response = client.post(url)
    assert response["Location"] == reverse("members", args=[admin.organization_id])
    assert not Membership.objects.filter(pk=editor.pk).exists()
    assert User.objects.filter(pk=editor.user_id).exists()


def test_the_last_administrator_cannot_be_removed_or_leave(client, admin):
    with pytest.raises(memberships.Refused) as refused:
        memberships.remove_member(
            organization=admin.organization, actor=admin.user, membership=admin
        )
    assert refused.value.code == "last_admin"
    client.force_login(admin.user)
    response = client.post(reverse("member_leave", args=[admin.organization_id]), follow=True)
    assert response.status_code == 200
    assert Membership.objects.filter(pk=admin.pk).exists()
    assert any("管理员" in str(m) for m in response.context["messages"])


def test_the_last_administrator_cannot_step_down(client, admin):
    client.force_login(admin.user)
    client.post(reverse("member_role", args=[admin.organization_id, admin.pk]), {"role": "viewer"})
    assert Membership.objects.get(pk=admin.pk).role == "admin"


def test_an_administrator_promotes_a_member_who_can_then_remove_the_first(client, admin):
    editor = MembershipFactory(organization=admin.organization, role="editor")
    client.force_login(admin.user)
    client.post(reverse("member_role", args=[admin.organization_id, editor.pk]), {"role": "admin"})
    assert Membership.objects.get(pk=editor.pk).role == "admin"
    client.force_login(editor.user)
    client.post(reverse("member_remove", args=[admin.organization_id, admin.pk]))
    assert not Membership.objects.filter(pk=admin.pk).exists()


def test_a_member_leaves(client, admin):
    viewer = MembershipFactory(organization=admin.organization, role="viewer")
    client.force_login(viewer.user)
    url = reverse("member_leave", args=[admin.organization_id])
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response["Location"] == reverse("my_dashboard")
    assert not Membership.objects.filter(pk=viewer.pk).exists()


def test_an_administrator_withdraws_an_invitation(
    client, django_capture_on_commit_callbacks, admin
):
    invite(client, django_capture_on_commit_callbacks, admin)
    invitation = Invitation.objects.get()
    client.force_login(admin.user)
    client.post(reverse("invitation_revoke", args=[admin.organization_id, invitation.pk]))
    client.logout()
    response = client.get(invitation_path(mail.outbox[0]))
    assert response.context["reason"] == "revoked"


def test_the_members_page_needs_a_login(client, admin):
    response = client.get(reverse("members", args=[admin.organization_id]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_invitations_of_another_organization_are_not_found(client, admin):
    other = MembershipFactory(role="admin")
    invitation = memberships.invite_member(
        organization=other.organization, actor=other.user, email="x@example.com", role="viewer"
    )
    client.force_login(admin.user)
    url = reverse("invitation_revoke", args=[admin.organization_id, invitation.pk])
    assert client.post(url).status_code == 404
    assert Invitation.objects.get().revoked_at is None
