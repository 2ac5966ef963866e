"""The dashboard on a phone, 390 px wide (issue 25, point 2.8): its tables become cards, so no
text is cut off and no cell is squeezed to one character a line; every link and button in them is
a tap target of at least 44 by 44 px. At 1280 px they stay tables. Screenshots and axe at both."""

import copy
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from filings.documents import attachments
from filings.lifecycle import obligations, services
from tests.factories import MembershipFactory
from tests.filing_data import complete_filing, mark_complete
from tests.pdfs import pdf_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Every table of the page: cells that overflow their box, cells narrower than 4 characters of
# their own text, the page wider than the window, and tap targets under 44 px.
MEASURE = """() => {
  const found = {overflowing: [], squeezed: [], small_targets: [], tables: 0};
  found.page_overflow = document.documentElement.scrollWidth - window.innerWidth;
  for (const table of document.querySelectorAll("main table")) {
    found.tables += 1;
    const box = table.parentElement;
    if (box.scrollWidth > box.clientWidth + 1) {
      found.overflowing.push(`table ${found.tables}: ${box.scrollWidth} > ${box.clientWidth}`);
    }
    for (const cell of table.querySelectorAll("td")) {
      const text = cell.innerText.trim();
      if (!text) continue;
      if (cell.scrollWidth > cell.clientWidth + 1) {
        found.overflowing.push(text.slice(0, 30));
      }
      const style = getComputedStyle(cell);
      const contentWidth = cell.clientWidth - parseFloat(style.paddingLeft)
        - parseFloat(style.paddingRight);
      if (text.length >= 4 && contentWidth < 4 * parseFloat(style.fontSize)) {
        found.squeezed.push(`${text.slice(0, 30)} (${contentWidth}px)`);
      }
    }
    for (const target of table.querySelectorAll("a, summary, button")) {
      const rect = target.getBoundingClientRect();
      if (rect.width < 44 || rect.height < 44) {
        const name = target.innerText.trim().slice(0, 20);
        found.small_targets.push(`${name} ${rect.width}x${rect.height}`);
      }
    }
  }
  return found;
}"""


def busy_organization():
    """An organization with long system names, a filed filing, a change of it and declarations."""
    membership = MembershipFactory(role="admin", user__language="zh-hans")
    organization, user = membership.organization, membership.user
    for name, people in (
        ("深圳总部园区员工通道人脸识别门禁系统（一期、二期）", 12_500),
        ("访客登记", 3_200),
    ):
        obligations.declare_system(
            organization,
            user,
            name=name,
            people_stored=people,
            used_in_public_place=False,
            count_reached_on=date(2026, 2, 2),
        )
    filing = services.start_initial_filing(organization, user)
    filing.data = copy.deepcopy(complete_filing())
    mark_complete(filing)
    attachments.store(
        filing, user, "assessment_report", SimpleUploadedFile("评估报告.pdf", pdf_bytes())
    )
    services.submit_filing(filing.pk, user)
    return membership


def _session_cookie(user, url):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url}


@pytest.mark.parametrize("width", [390, 1280])
def test_the_dashboards_tables_fit_a_phone(live_server, page, auditor_for, width):
    membership = busy_organization()
    auditor = auditor_for("zh-hans", f"dashboard-{width}")
    page.set_viewport_size({"width": width, "height": 900})
    page.context.add_cookies([_session_cookie(membership.user, live_server.url)])
    page.goto(f"{live_server.url}/organizations/{membership.organization_id}/")
    auditor.check(page, "dashboard")
    found = page.evaluate(MEASURE)
    assert found["tables"] >= 3
    assert found["page_overflow"] <= 0, found
    assert found["overflowing"] == [], found
    assert found["squeezed"] == [], found
    if width == 390:
        assert found["small_targets"] == [], found
        # The rows are cards: the column's name is beside each value.
        label = page.evaluate(
            "getComputedStyle(document.querySelector('main td[data-label]'), '::before').content"
        )
        assert label.strip('"')
    else:
        assert (
            page.evaluate("getComputedStyle(document.querySelector('main table thead')).position")
            != "absolute"
        )
