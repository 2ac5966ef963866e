"""The portal's authentication backend (portal/auth_backend.py): Django's ModelBackend's rules in
fewer round trips. The same permissions, the same refusals; the reviewer's office read with the
user; a session of an old backend no longer signs anyone in."""

import pytest
from django.contrib.auth import SESSION_KEY, get_user
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

from portal.auth_backend import PATH, PortalBackend
from tests.factories import UserFactory, login_with_second_factor, reviewer_of

pytestmark = pytest.mark.django_db


def fresh(user):
    from accounts.models import User

    return User.objects.get(pk=user.pk)


def test_a_user_has_the_same_permissions_as_djangos_backend_gives(django_assert_num_queries):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_group"))
    group = Group.objects.create(name="读者")
    group.permissions.add(*Permission.objects.filter(codename__in=["view_user", "view_group"]))
    user.groups.add(group)
    expected = ModelBackend().get_all_permissions(fresh(user))
    assert expected == {"auth.view_group", "accounts.view_user"}
    ours = fresh(user)
    with django_assert_num_queries(1):
        assert PortalBackend().get_all_permissions(ours) == expected
        assert PortalBackend().get_all_permissions(ours) == expected  # kept for the request
        assert ours.has_perm("accounts.view_user")
        assert not ours.has_perm("accounts.change_user")


def test_a_superuser_holds_every_permission_and_an_inactive_user_none():
    root = fresh(UserFactory(is_staff=True, is_superuser=True))
    assert PortalBackend().get_all_permissions(root) == ModelBackend().get_all_permissions(
        fresh(root)
    )
    gone = UserFactory(is_staff=True, is_active=False)
    gone.user_permissions.add(Permission.objects.get(codename="view_group"))
    assert PortalBackend().get_all_permissions(fresh(gone)) == set()
    assert PortalBackend().get_user(gone.pk) is None


def test_a_reviewer_is_read_with_the_office_in_one_query(django_assert_num_queries):
    from filings.review.review_scope import office_of

    reviewer = reviewer_of("440300", "sz@cac.example")
    with django_assert_num_queries(1):
        user = PortalBackend().get_user(reviewer.pk)
        assert office_of(user).code == "440300"
    filer = UserFactory()
    with django_assert_num_queries(1):
        user = PortalBackend().get_user(filer.pk)
        assert office_of(user) is None


def test_signing_in_stores_this_backend_and_an_old_backends_session_signs_no_one_in(rf, client):
    reviewer = reviewer_of("440300", "sz@cac.example")
    login_with_second_factor(client, reviewer)
    assert client.session["_auth_user_backend"] == PATH
    request = rf.get("/")
    request.session = client.session
    assert get_user(request).pk == reviewer.pk
    request.session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    assert request.session[SESSION_KEY] == str(reviewer.pk)
    assert get_user(request).is_anonymous


def test_a_wrong_password_is_refused_as_django_refuses_it(rf):
    from django.contrib.auth import authenticate

    user = UserFactory(email="someone@example.com")
    request = rf.post("/accounts/login/")
    assert authenticate(request, username="someone@example.com", password="wrong") is None
    found = authenticate(request, username="someone@example.com", password="correct-horse-battery")
    assert found == user
    assert found.backend == PATH
