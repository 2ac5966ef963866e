"""The error summary in the browser (issue 25, point 2.3): the focus lands on it, the title starts
with 错误, and each link takes the focus to its field; at 1280 and 390 px, axe-checked."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_the_summary_takes_the_focus_and_leads_to_each_field(live_server, page, auditor_for, width):
    auditor = auditor_for("zh-hans", f"error-summary-{width}")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/register/")
    page.get_by_role("button", name="注册").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("请填写单位名称")
    expect(page).to_have_title(re.compile(r"^错误："))
    auditor.check(page, "register-errors")
    summary.get_by_role("link", name="请填写法定代表人").click()
    expect(page.locator("#id_legal_representative")).to_be_focused()
    expect(page.locator("#id_legal_representative")).to_be_in_viewport()
    summary.get_by_role("link", name="请选择注册地址所在省份").click()
    expect(page.locator("#id_province")).to_be_focused()
