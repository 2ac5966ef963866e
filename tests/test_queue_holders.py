"""The queue's "held by" choices are kept between pages (filings/review/holders.py), and any change
to the people they list shows on the very next page: a reviewer appointed, renamed, deactivated,
removed or moved to another office."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from filings.models import Jurisdiction, Reviewer
from tests.factories import login_with_second_factor, reviewer_of

pytestmark = pytest.mark.django_db

QUEUE = "/admin/filings/filing/"


def page_of(client) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(QUEUE)
    assert response.status_code == 200
    return response.content.decode(), [query["sql"] for query in captured.captured_queries]


def offered(client, user) -> bool:
    return f"?holder={user.pk}" in page_of(client)[0]


@pytest.fixture
def signed_in(client, city_reviewer):
    login_with_second_factor(client, city_reviewer)
    return client


def test_the_list_is_read_once_and_then_kept(signed_in, city_reviewer):
    colleague = reviewer_of("440300", "colleague@cac.example", name="林同事")
    first, first_sql = page_of(signed_in)
    assert "林同事" in first
    assert [q for q in first_sql if 'FROM "filings_reviewer"' in q]
    again, again_sql = page_of(signed_in)
    assert "林同事" in again
    assert not [q for q in again_sql if 'FROM "filings_reviewer"' in q]
    assert f"?holder={colleague.pk}" in again


def test_a_reviewer_appointed_is_offered_on_the_next_page(signed_in):
    page_of(signed_in)
    newcomer = reviewer_of("440300", "new@cac.example", name="新同事")
    assert offered(signed_in, newcomer)


def test_a_renamed_reviewer_is_offered_under_the_new_name(signed_in):
    colleague = reviewer_of("440300", "colleague@cac.example", name="林同事")
    assert "林同事" in page_of(signed_in)[0]
    colleague.name = "林新名"
    colleague.save()
    page = page_of(signed_in)[0]
    assert "林新名" in page
    assert "林同事" not in page


def test_a_deactivated_or_removed_reviewer_is_no_longer_offered(signed_in):
    leaving = reviewer_of("440300", "leaving@cac.example")
    removed = reviewer_of("440300", "removed@cac.example")
    assert offered(signed_in, leaving)
    assert offered(signed_in, removed)
    leaving.is_active = False
    leaving.save(update_fields=["is_active"])
    assert not offered(signed_in, leaving)
    Reviewer.objects.get(user=removed).delete()
    assert not offered(signed_in, removed)


def test_a_reviewer_moved_to_another_office_leaves_this_offices_list(signed_in):
    moving = reviewer_of("440300", "moving@cac.example")
    assert offered(signed_in, moving)
    appointment = Reviewer.objects.get(user=moving)
    appointment.office = Jurisdiction.objects.get(code="440100")
    appointment.save()
    assert not offered(signed_in, moving)


def test_a_sign_in_keeps_the_list(signed_in, client):
    """Signing in saves the account (last_login): nothing the list shows changes."""
    colleague = reviewer_of("440300", "colleague@cac.example")
    page_of(signed_in)
    colleague.password = "x"
    colleague.save(update_fields=["last_login", "password"])
    assert not [q for q in page_of(signed_in)[1] if 'FROM "filings_reviewer"' in q]
