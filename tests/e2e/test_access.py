"""The filer's pages with the keyboard alone, and on a phone-sized screen.

The keyboard test starts from an organization that must file and goes from its dashboard to the
submitted filing; the phone test from a filing prepared through the ORM. Both log the filer in by
session cookie: the story in test_story.py already drives registration and login through the pages.
"""

import copy
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from filings.documents import attachments
from filings.lifecycle import obligations, services
from filings.models import Filing
from tests.e2e.conftest import TIMEOUT_MS
from tests.factories import MembershipFactory
from tests.filing_data import complete_filing, mark_complete
from tests.pdfs import pdf_bytes

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

expect.set_options(timeout=TIMEOUT_MS)

PHONE = {"width": 390, "height": 844}


def t(message: str) -> str:
    with translation.override("zh-hans"):
        return gettext(message)


def organization_over_the_threshold():
    """An organization in Shenzhen with a declared system over the threshold: it must file."""
    membership = MembershipFactory(user__language="zh-hans", organization__name="键盘测试有限公司")
    obligations.declare_system(
        membership.organization,
        membership.user,
        name="园区门禁",
        people_stored=12_000,
        used_in_public_place=True,
        count_reached_on=timezone.localdate() - timedelta(days=7),
    )
    return membership


def draft_without_purpose():
    """The organization above with a draft whose only missing step is the purpose; the report is
    attached."""
    membership = organization_over_the_threshold()
    organization, user = membership.organization, membership.user
    filing = services.start_initial_filing(organization, user)
    data = copy.deepcopy(complete_filing())
    data["organization"] = services.organization_section(organization)
    del data["purpose"], data["declaration"]
    filing.data = data
    filing.completed_steps = sorted(set(data) - {"purpose"})
    filing.save(update_fields=["data", "completed_steps"])
    attachments.store(
        filing, user, "assessment_report", SimpleUploadedFile("评估报告.pdf", pdf_bytes())
    )
    return membership, filing


def strings_in(value) -> list[str]:
    """Every text in a filing document: data the filer typed, not interface text."""
    if isinstance(value, dict):
        return [text for inner in value.values() for text in strings_in(inner)]
    if isinstance(value, list):
        return [text for inner in value for text in strings_in(inner)]
    return [value] if isinstance(value, str) else []


def logged_in_page(browser, live_server, user, **context_args):
    """A browser page signed in as the user; staff past their second factor (the story in
    test_story.py types the code through the pages)."""
    from tests.factories import login_with_second_factor

    client = Client()
    if user.is_staff:
        login_with_second_factor(client, user)
    else:
        client.force_login(user)
    context = browser.new_context(locale="zh-CN", **context_args)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


def focused(page) -> str:
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return e ? (e.id || e.name || e.tagName + ':' + (e.innerText || '').trim()) : ''; }"
    )


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}; the focus is on {focused(page)}")


def assert_focus_visible(page) -> None:
    """The focused element shows that it has the focus (Bootstrap draws a ring as a box-shadow)."""
    style = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return {shadow: s.boxShadow, outline: s.outlineStyle}; }"
    )
    assert style["shadow"] != "none" or style["outline"] != "none", (focused(page), style)


def tab_to_button(page, name: str, limit: int = 60) -> None:
    """Press Tab until the button named ``name`` has the focus (several submit buttons share a
    page: the header's, the upload form's, the step's)."""
    for _ in range(limit):
        if page.evaluate(
            "n => { const e = document.activeElement;"
            " return e?.tagName === 'BUTTON' && e.innerText.trim() === n; }",
            name,
        ):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached the button {name}; the focus is on {focused(page)}")


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    assert_focus_visible(page)
    page.keyboard.type(text)
    expect(page.locator(selector)).to_have_value(text)


def tick(page, selector: str) -> None:
    tab_to(page, selector)
    assert_focus_visible(page)
    page.keyboard.press("Space")
    expect(page.locator(selector)).to_be_checked()


def choose(page, selector: str, value: str) -> None:
    """A closed select moves to the next option on ArrowDown, without opening its list."""
    tab_to(page, selector)
    assert_focus_visible(page)
    select = page.locator(selector)
    values = select.evaluate("s => [...s.options].map(o => o.value)")
    for _ in range(values.index(value) - values.index(select.input_value())):
        page.keyboard.press("ArrowDown")
    expect(select).to_have_value(value)


def type_date(page, selector: str, day) -> None:
    """A date field is typed segment by segment; Chromium orders the segments by its own locale,
    en-US here whatever the page's language (``--lang`` does not change it): month, day, year."""
    tab_to(page, selector)
    assert_focus_visible(page)
    page.keyboard.type(day.strftime("%m%d%Y"))
    expect(page.locator(selector)).to_have_value(day.isoformat())


def open_file_chooser(page, attempts: int = 3):
    """Space on the focused file input opens the chooser. Headless Chromium now and then drops
    that keystroke (one run in several dozen, the chooser never asked for, however long the wait):
    a dropped press is pressed again, a key that never opens the chooser fails."""
    for attempt in range(1, attempts + 1):
        try:
            with page.expect_file_chooser(timeout=5_000) as chooser:
                page.keyboard.press("Space")
            break
        except PlaywrightTimeoutError:
            if attempt == attempts:
                raise
            assert_focus_visible(page)
    return chooser.value


def press_button(page, name: str) -> None:
    tab_to_button(page, name)
    assert_focus_visible(page)
    page.keyboard.press("Enter")


def test_the_whole_filing_with_the_keyboard_alone(
    live_server, browser, auditor_for, mailbox, tmp_path
):
    """From the dashboard to the submitted filing, every step typed, ticked and chosen with the
    keyboard: Tab to each control, type, Space on checkboxes, arrows in selects, Enter on buttons.
    Only the operating system's file dialog is stood in for (Playwright's file chooser)."""
    auditor = auditor_for("zh-hans", "keyboard")
    membership = organization_over_the_threshold()
    organization = membership.organization
    page = logged_in_page(browser, live_server, membership.user)
    dashboard = f"{live_server.url}/organizations/{organization.pk}/"
    assessed = timezone.localdate() - timedelta(days=10)
    report = tmp_path / "评估报告.pdf"
    report.write_bytes(pdf_bytes())
    purpose = {
        "purpose": "员工进出办公楼的身份核验",
        "scope": "本单位员工，办公楼出入口，全天",
        "necessity": "门禁卡经常借用，无法核实本人",
        "alternative_considered": "门禁卡",
        "alternative_rejected_reason": "门禁卡可以转借",
    }
    facial_data = {
        "people_stored": "12000",
        "sources_detail": "员工入职时现场采集",
        "retention_period": "离职后 30 日内删除",
    }
    lobby = {
        "name": "办公楼大堂闸机",
        "signage_description": "大门口张贴人脸识别告示",
        # Any place that verifies identity by face offers another way (Measures Art. 10).
        "alternative_offered": "员工可刷工卡通行",
    }
    desk = {"name": "访客接待前台", "alternative_offered": "前台凭身份证人工登记"}
    consent = {"informed_consent_method": "入职时书面告知，并在应用内单独勾选同意"}
    security = {
        "measures_detail": "存储加密，传输加密，按岗位授权",
        "processing_rules": "人脸信息处理规则第一版",
        "operating_procedures": "人脸识别系统操作规程第一版",
    }
    conclusion = "风险可控，可以使用"
    auditor.typed.extend(
        [
            *strings_in([purpose, facial_data, lobby, desk, consent, security, conclusion]),
            *strings_in(services.organization_section(organization)),
            report.name,
        ]
    )

    def wait_for(url: str) -> None:
        # (A fragment, the skip link's #main or a new place's #place-2, stays on the URL through
        # the redirects that follow.)
        page.wait_for_url(re.compile(re.escape(url) + r"(#[\w-]+)?$"))

    # The dashboard: the first Tab reaches the skip link; Enter on it moves the focus into the
    # page's content, from where the next Tabs go on.
    page.goto(dashboard)
    page.keyboard.press("Tab")
    assert focused(page).endswith(t("Skip to main content")), focused(page)
    page.keyboard.press("Enter")
    assert focused(page) == "main"
    tab_to_button(page, t("Start the filing"))
    assert_focus_visible(page)
    auditor.check(page, "dashboard")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/filings/\d+/steps/organization/(#main)?$"))
    filing = Filing.objects.get(organization=organization)
    assert filing.data.keys() == {"organization"}
    assert not filing.completed_steps
    base = f"{dashboard}filings/{filing.pk}"

    def step(name: str) -> str:
        return f"{base}/steps/{name}/"

    # Organization: copied from the registration, nothing to type.
    expect(page.locator("#id_uscc")).to_have_value(organization.uscc)
    auditor.check(page, "organization")
    press_button(page, t("Save and continue"))

    wait_for(step("purpose"))
    for name, answer in purpose.items():
        type_into(page, f"#id_{name}", answer)
    auditor.check(page, "purpose")
    press_button(page, t("Save and continue"))

    wait_for(step("facial_data"))
    type_into(page, "#id_people_stored", facial_data["people_stored"])
    tick(page, "input[name=sources][value=collected_directly]")
    type_into(page, "#id_sources_detail", facial_data["sources_detail"])
    tick(page, "input[name=storage_locations][value=device]")
    type_into(page, "#id_retention_period", facial_data["retention_period"])
    tick(page, "#id_anonymised_only")
    auditor.check(page, "facial-data")
    press_button(page, t("Save and continue"))

    # Deployments: one place saved with 'add another' brings a new empty block for the next.
    wait_for(step("deployments"))
    type_into(page, "#id_deployments-0-name", lobby["name"])
    choose(page, "#id_deployments-0-place_kind", "office")
    tick(page, "#id_deployments-0-is_public_place")
    tick(page, "#id_deployments-0-signage")
    type_into(page, "#id_deployments-0-signage_description", lobby["signage_description"])
    tick(page, "#id_deployments-0-verifies_identity")
    type_into(page, "#id_deployments-0-alternative_offered", lobby["alternative_offered"])
    press_button(page, t("Save this place and add another"))
    page.wait_for_url(re.compile(re.escape(step("deployments")) + "#place-2$"))
    expect(page.get_by_role("alert").first).to_contain_text(
        t("Place saved. Fill in the next one below.")
    )
    expect(page.locator("#id_deployments-0-name")).to_have_value(lobby["name"])
    # The page opens at the new block: the next Tab is in its first field.
    page.keyboard.press("Tab")
    assert focused(page) == "id_deployments-1-name", focused(page)
    type_into(page, "#id_deployments-1-name", desk["name"])
    choose(page, "#id_deployments-1-place_kind", "hotel")
    # A hotel is a public place by its kind: it carries signage.
    tick(page, "#id_deployments-1-signage")
    type_into(page, "#id_deployments-1-signage_description", lobby["signage_description"])
    tick(page, "#id_deployments-1-verifies_identity")
    type_into(page, "#id_deployments-1-alternative_offered", desk["alternative_offered"])
    auditor.check(page, "deployments")
    press_button(page, t("Save and continue"))

    wait_for(step("consent"))
    type_into(page, "#id_informed_consent_method", consent["informed_consent_method"])
    tick(page, "#id_separate_consent")
    auditor.check(page, "consent")
    press_button(page, t("Save and continue"))

    wait_for(step("security"))
    for measure in ("encryption", "access_control", "audit_logging"):
        tick(page, f"input[name=measures][value={measure}]")
    for name, answer in security.items():
        type_into(page, f"#id_{name}", answer)
    auditor.check(page, "security")
    press_button(page, t("Save and continue"))

    # Assessment: the report first (uploading reloads the page), then the form below it.
    wait_for(step("assessment"))
    tab_to(page, "#id_kind")
    assert_focus_visible(page)
    expect(page.locator("#id_kind")).to_have_value("assessment_report")
    tab_to(page, "#id_file")
    assert_focus_visible(page)
    open_file_chooser(page).set_files(str(report))
    press_button(page, t("Upload"))
    wait_for(step("assessment"))
    expect(page.get_by_role("alert").first).to_contain_text(
        t("%(name)s uploaded.") % {"name": report.name}
    )
    type_date(page, "#id_assessment_date", assessed)
    type_into(page, "#id_conclusion", conclusion)
    auditor.check(page, "assessment")
    press_button(page, t("Save and continue"))

    # Review: nothing left to fix; the declaration is ticked with Space, the filing submitted with
    # Enter.
    wait_for(step("review"))
    expect(page.get_by_text(t("The checks found no problem."))).to_be_visible()
    tick(page, "#id_truthful")
    page.keyboard.press("Tab")
    assert focused(page).endswith(t("Submit the filing")), focused(page)
    assert_focus_visible(page)
    auditor.check(page, "review")
    page.keyboard.press("Enter")
    wait_for(f"{base}/")
    expect(page.get_by_role("alert").first).to_contain_text(
        t(
            "Submitted. Your receipt number is on this page; "
            "the receipt will be emailed to you shortly."
        )
    )
    mailbox.new(1)
    auditor.check(page, "submitted")

    filing.refresh_from_db()
    assert filing.status == Filing.Status.SUBMITTED
    assert set(filing.completed_steps) >= {
        "organization",
        "purpose",
        "facial_data",
        "deployments",
        "consent",
        "security",
        "assessment",
    }
    data = filing.data
    assert data["organization"] == services.organization_section(organization)
    assert data["purpose"] == purpose
    assert data["facial_data"] == {
        **facial_data,
        "people_stored": 12_000,
        "sources": ["collected_directly"],
        "storage_locations": ["device"],
        "cloud_provider": "",
        "stored_outside_china": False,
        "keeps_originals": False,
        "originals_basis": "",
        "originals_basis_detail": "",
        "anonymised_only": True,
        "off_device_basis": "",
        "off_device_basis_detail": "",
    }
    assert data["deployments"] == [
        {
            **lobby,
            "place_kind": "office",
            "place_description": "",
            "is_public_place": True,
            "signage": True,
            "verifies_identity": True,
            "law_requiring_face": "",
            "identity_channel": "",
        },
        {
            **desk,
            "place_kind": "hotel",
            "place_description": "",
            "is_public_place": False,
            "signage": True,
            "signage_description": lobby["signage_description"],
            "verifies_identity": True,
            "law_requiring_face": "",
            "identity_channel": "",
        },
    ]
    assert data["consent"]["informed_consent_method"] == consent["informed_consent_method"]
    assert data["consent"]["separate_consent"] is True
    assert data["security"] == {
        "measures": ["encryption", "access_control", "audit_logging"],
        **security,
    }
    assert data["assessment"] == {
        "assessment_date": assessed.isoformat(),
        "conclusion": conclusion,
    }
    # The declaration is kept with what was submitted; the draft is declared afresh next time.
    assert filing.versions.get().data["declaration"] == {"truthful": True}
    assert [a.kind for a in services.current_attachments(filing)] == ["assessment_report"]
    page.context.close()


def assert_no_horizontal_scroll(page, name: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"] + 1:
        wide = page.evaluate(
            """limit => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > limit)
                .slice(0, 5).map(e => e.tagName + '.' + e.className)""",
            PHONE["width"] + 1,
        )
        raise AssertionError(f"{name}: the page is {width}px wide at 390px: {wide}")


def test_the_filer_pages_fit_a_phone(live_server, browser, auditor_for):
    auditor = auditor_for("zh-hans", "phone")
    membership, filing = draft_without_purpose()
    auditor.typed.extend([*strings_in(complete_filing()), *strings_in(filing.data), "评估报告.pdf"])
    organization_id = membership.organization_id
    page = logged_in_page(browser, live_server, membership.user, viewport=PHONE)
    base = f"{live_server.url}/organizations/{organization_id}"
    pages = {
        "dashboard": f"{base}/",
        "step-deployments": f"{base}/filings/{filing.pk}/steps/deployments/",
        "step-assessment": f"{base}/filings/{filing.pk}/steps/assessment/",
        "review": f"{base}/filings/{filing.pk}/steps/review/",
    }
    for name, url in pages.items():
        page.goto(url)
        assert_no_horizontal_scroll(page, name)
        auditor.check(page, name)

    # The filing page once submitted, with its documents and history.
    filing.data = {**filing.data, **copy.deepcopy(complete_filing())}
    filing.data["organization"] = services.organization_section(membership.organization)
    mark_complete(filing)
    services.submit_filing(filing.pk, membership.user)
    page.goto(f"{base}/filings/{filing.pk}/")
    expect(page.locator("#documents").get_by_role("link")).to_have_count(1)
    expect(page.locator("h1")).to_have_text(re.compile(t("Initial filing")))
    assert_no_horizontal_scroll(page, "filing")
    auditor.check(page, "filing")
    page.context.close()


def test_the_digits_on_the_home_page_are_as_dark_as_the_chinese_around_them(live_server, browser):
    page = browser.new_page()
    page.goto(f"{live_server.url}/")
    weights = page.eval_on_selector_all(
        ".portal-hero p", "nodes => nodes.map(n => getComputedStyle(n).fontWeight)"
    )
    assert weights
    assert set(weights) == {"400"}, weights
    page.close()
