"""How long sessions last, and that signed-in pages are never stored by a cache."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import MembershipFactory, UserFactory, login_with_second_factor

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",")}


def test_signed_in_pages_are_private_and_not_stored(client):
    membership = MembershipFactory()
    client.force_login(membership.user)
    for url in (
        reverse("home"),
        reverse("account"),
        reverse("dashboard", args=[membership.organization_id]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert {"private", "no-store"} <= directives(response), url


def test_the_review_workspace_is_private_and_not_stored(client):
    login_with_second_factor(client, UserFactory(is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert {"private", "no-store"} <= directives(response)


def test_the_page_right_after_logging_in_is_not_stored_either(client):
    UserFactory(email="li.ming@example.com")
    response = client.post(
        reverse("login"), {"username": "li.ming@example.com", "password": PASSWORD}
    )
    assert {"private", "no-store"} <= directives(response)


def test_staff_sessions_end_when_the_browser_closes(client):
    UserFactory(email="reviewer@cac.example", is_staff=True)
    response = client.post(
        reverse("login"), {"username": "reviewer@cac.example", "password": PASSWORD}
    )
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == ""
    assert cookie["expires"] == ""


def test_staff_sessions_end_after_8_hours_even_when_used(client):
    reviewer = UserFactory(is_staff=True, is_superuser=True)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        login_with_second_factor(client, reviewer)
    for hours in (1, 4, 7, 7.9):
        with time_machine.travel(start + timedelta(hours=hours), tick=False):
            assert client.get(reverse("admin:index")).status_code == 200, hours
    with time_machine.travel(start + timedelta(hours=8, minutes=1), tick=False):
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_filers_stay_logged_in_while_they_come_back_within_two_weeks(client, settings):
    # Redis (CACHE_URL, as CI's PostgreSQL phase runs) expires the session's cached copy in real
    # time, which time_machine does not move: the copy is kept here in a cache that reads the clock.
    settings.CACHES = {
        **settings.CACHES,
        "sessions": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    membership = MembershipFactory()
    dashboard = reverse("dashboard", args=[membership.organization_id])
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        response = client.post(
            reverse("login"), {"username": membership.user.email, "password": PASSWORD}
        )
        assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 14 * 24 * 3600
    for days in (10, 20, 30):  # each visit within two weeks of the one before
        with time_machine.travel(start + timedelta(days=days), tick=False):
            assert client.get(dashboard).status_code == 200, days
    with time_machine.travel(start + timedelta(days=30 + 15), tick=False):
        assert client.get(dashboard).status_code == 302  # two weeks without a visit


def test_a_signed_in_page_reads_the_session_from_the_cache_not_the_database(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    membership = MembershipFactory()
    client.post(reverse("login"), {"username": membership.user.email, "password": PASSWORD})
    dashboard = reverse("dashboard", args=[membership.organization_id])
    assert client.get(dashboard).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(dashboard).status_code == 200
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"]]


def test_logging_out_ends_the_session_though_a_copy_of_it_was_cached(client):
    from django.test import Client

    membership = MembershipFactory()
    client.post(reverse("login"), {"username": membership.user.email, "password": PASSWORD})
    dashboard = reverse("dashboard", args=[membership.organization_id])
    assert client.get(dashboard).status_code == 200
    stolen = Client()
    stolen.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[
        settings.SESSION_COOKIE_NAME
    ].value
    assert stolen.get(dashboard).status_code == 200

    client.post(reverse("logout"))
    assert stolen.get(dashboard).status_code == 302


def test_a_deactivated_account_is_signed_out_though_its_session_was_cached(client):
    membership = MembershipFactory()
    client.post(reverse("login"), {"username": membership.user.email, "password": PASSWORD})
    dashboard = reverse("dashboard", args=[membership.organization_id])
    assert client.get(dashboard).status_code == 200

    membership.user.is_active = False
    membership.user.save(update_fields=["is_active"])
    assert client.get(dashboard).status_code == 302
