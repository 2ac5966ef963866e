"""portal.pagination: a list that fits on its first page costs one query, and pages are Django's."""

import pytest

from accounts.models import User
from portal.pagination import OnePassPaginator
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def people(n: int):
    UserFactory.create_batch(n)
    return User.objects.order_by("pk")


@pytest.mark.parametrize("wanted", [None, "", "1", 1, "abc"])
def test_a_list_that_fits_on_one_page_is_read_in_one_query(wanted, django_assert_num_queries):
    rows = people(3)
    expected = list(rows.all())
    with django_assert_num_queries(1):
        shown = OnePassPaginator(rows, 20).get_page(wanted)
        assert list(shown) == expected  # the rows are the page's: no second read
        assert (shown.number, shown.paginator.count, shown.paginator.num_pages) == (1, 3, 1)
        assert not shown.has_next()


def test_an_empty_list_is_one_empty_page_in_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        shown = OnePassPaginator(User.objects.order_by("pk"), 20).get_page(None)
        assert list(shown) == []
        assert (shown.paginator.count, shown.paginator.num_pages) == (0, 1)


def test_orphans_stay_on_the_one_page(django_assert_num_queries):
    rows = people(21)
    with django_assert_num_queries(1):
        shown = OnePassPaginator(rows, 20, orphans=1).get_page(1)
        assert len(shown) == 21
        assert shown.paginator.num_pages == 1


def test_a_longer_list_is_counted_and_its_pages_are_djangos(django_assert_num_queries):
    from django.core.paginator import Paginator

    rows = people(45)
    with django_assert_num_queries(2):  # the first page, then the count
        first = OnePassPaginator(rows, 20).get_page("1")
        assert (len(first), first.paginator.count, first.paginator.num_pages) == (20, 45, 3)
        assert first.has_next()
    for wanted in ("1", "2", "3", "99", "abc", None):
        ours = OnePassPaginator(rows, 20).get_page(wanted)
        django = Paginator(rows, 20).get_page(wanted)
        assert ours.number == django.number, wanted
        assert list(ours) == list(django), wanted
        assert ours.paginator.count == django.paginator.count == 45
