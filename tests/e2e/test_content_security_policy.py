"""The browser tests see Content-Security-Policy violations: the watch in conftest.py records one
from a page that breaks its policy (so a page of the portal that did would fail its test)."""

import pytest

from tests.e2e import conftest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PAGE = """<!DOCTYPE html><html><head><title>t</title></head><body>
<p style="color: red">styled</p><script>document.title = "ran";</script></body></html>"""


def test_the_watch_records_an_inline_script_and_style_the_policy_refuses(page):
    page.route(
        "http://csp.invalid/",
        lambda route: route.fulfill(
            body=PAGE,
            content_type="text/html",
            headers={"Content-Security-Policy": "script-src 'self'; style-src 'self'"},
        ),
    )
    page.goto("http://csp.invalid/")
    page.wait_for_load_state("load")
    assert page.title() == "t"  # the script did not run
    recorded = list(conftest._csp_violations)
    conftest._csp_violations.clear()  # seen: this test is about the watch, not a portal page
    assert any("script-src" in text for text in recorded), recorded
    assert any("style-src" in text for text in recorded), recorded


def test_a_portal_page_breaks_no_policy(live_server, page):
    page.goto(f"{live_server.url}/")
    page.wait_for_load_state("load")
    page.goto(f"{live_server.url}/accounts/login/")
    page.wait_for_load_state("load")
    assert conftest._csp_violations == []
