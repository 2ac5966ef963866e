"""The personas of tests/conftest.py are what their names say: each reviewer is appointed to an
office and sees what that office reviews."""

import pytest

from filings.review.review_scope import may_review

pytestmark = pytest.mark.django_db


def test_the_reviewers_have_their_offices(city_reviewer, other_city_reviewer, provincial_reviewer):
    assert city_reviewer.reviewer.office.code == "440300"
    assert other_city_reviewer.reviewer.office.code == "440100"
    assert provincial_reviewer.reviewer.office.code == "440000"
    for user in (city_reviewer, other_city_reviewer, provincial_reviewer):
        assert user.is_staff
        assert not user.is_superuser
        assert may_review(user)  # in the reviewers' group, with an office


def test_the_filers_and_the_viewer(filer, other_filer, viewer):
    assert filer.is_admin
    assert other_filer.is_admin
    assert other_filer.organization != filer.organization
    assert viewer.organization == filer.organization
    assert not viewer.can_edit
    assert filer.organization.address_division == "440300"


def test_the_administrator_is_a_superuser(administrator):
    assert administrator.is_superuser
    assert administrator.is_staff
    assert not hasattr(administrator, "reviewer")  # no appointment: sees every office
