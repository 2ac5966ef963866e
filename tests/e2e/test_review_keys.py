"""The decision buttons of a filing's review page answer the keyboard (issue 28): Alt+Shift and a
letter, in the browser, with the page's own script."""

import pytest
from django.test import Client
from django.utils import timezone

from filings.models import Filing
from tests.factories import login_with_second_factor, reviewer_of
from tests.test_review_deadlines_and_province import bulk_filings

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_review_starts_and_the_reasons_open_from_the_keyboard(live_server, page):
    reviewer = reviewer_of("440300", "keys@cac.example")
    (filing,) = bulk_filings([("submitted", timezone.localdate())])
    client = Client()
    login_with_second_factor(client, reviewer)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/admin/filings/filing/{filing.pk}/change/")
    page.wait_for_load_state("load")
    with page.expect_navigation():
        page.keyboard.press("Alt+Shift+S")
    filing.refresh_from_db()
    assert filing.status == Filing.Status.UNDER_REVIEW
    page.wait_for_load_state("load")
    page.keyboard.press("Alt+Shift+W")
    assert page.evaluate("document.activeElement.id") == "reasons"
