"""The whole life of a filing, in a real browser, once in Chinese and once in English.

An organization registers (after a wrong USCC), confirms its address from the email, invites a
colleague who joins, declares a system over the threshold and sees its deadline; it fills the
filing step by step, meets a blocking check at the review step, fixes it, uploads the assessment
report and submits; the PDF form becomes ready and is downloaded. A reviewer of Shenzhen returns the
filing with reasons; the filer reads them, corrects and resubmits; the reviewer approves; the
filer downloads the notice and /verify/ confirms the number. Then a change and a cancellation,
both approved. The emails of every step are read as they arrive.

Every page goes through the auditor (tests/e2e/conftest.py): screenshot, axe-core, and on
Chinese pages a search for interface text left in English.
"""

import re
from binascii import unhexlify
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.models import User
from filings.calendar import calendars
from filings.models import Filing, Obligation
from filings.review.reviewer_group import SIGNER_GROUP, ensure_role_groups
from tests import factories
from tests.e2e.conftest import TIMEOUT_MS
from tests.pdfs import pdf_bytes

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

expect.set_options(timeout=TIMEOUT_MS)

INVALID_USCC = "91350100M000100Y4Z"  # the check character is wrong
USCC = "914403001922038216"
PASSWORD = "Corr3ct-horse-battery-staple"
REVIEWER_TOTP_KEY = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"  # hex, as django-otp keeps it
CJK = re.compile(r"[\u4e00-\u9fff]")

# What people type, in the language of each run: a Chinese filer writes Chinese.
TYPED = {
    "zh-hans": {
        "organization": "深圳示例零售有限公司",
        "street_address": "南山区科技园科苑路 8 号",
        "legal_representative": "陈明",
        "responsible_person": "林华",
        "contact_name": "王芳",
        "filer_name": "王芳",
        "colleague_name": "赵雷",
        "system": "门店人脸识别会员系统",
        "purpose": "识别到店会员，提供会员服务",
        "scope": "深圳门店的到店会员，营业时间内",
        "necessity": "会员卡经常遗失和借用，无法核实会员身份",
        "alternative": "会员卡和手机号核验",
        "alternative_reason": "会员卡可转借，手机号核验排队时间过长",
        "retention": "会员注销后 30 日内删除",
        "retention_corrected": "会员注销后 30 日内删除；不活跃满 1 年的会员信息同样删除",
        "deployment": "门店试衣区",
        "deployment_fixed": "门店入口",
        "signage": "入口处张贴人脸识别提示牌",
        "consent": "会员在小程序中阅读告知并单独勾选同意",
        "measures": "存储加密、传输加密、最小权限访问",
        "rules": "《人脸信息处理规则》第 1 版",
        "procedures": "《人脸识别系统操作规程》第 1 版",
        "conclusion": "风险可控，可以使用",
        "reasons": "请补充会员不活跃时的人脸信息保存期限。",
        "change": "新增一家门店，人脸信息数量增加",
        "cancellation_detail": "门店停止使用后，人脸信息已全部删除",
        "report": "个人信息保护影响评估报告.pdf",
        "reviewer_name": "深圳审核员",
        "signer_name": "广东签发人",
        "proposal_note": "六项材料齐全，核查无误，建议予以备案。",
    },
    "en": {
        "organization": "Shenzhen Example Retail Co., Ltd.",
        "street_address": "8 Keyuan Road, Nanshan District",
        "legal_representative": "Chen Ming",
        "responsible_person": "Lin Hua",
        "contact_name": "Wang Fang",
        "filer_name": "Wang Fang",
        "colleague_name": "Zhao Lei",
        "system": "Store member recognition",
        "purpose": "Recognise members who visit the stores",
        "scope": "Members visiting the Shenzhen stores, during opening hours",
        "necessity": "Member cards are lost and lent; membership cannot be checked otherwise",
        "alternative": "Member cards and mobile number checks",
        "alternative_reason": "Cards are lent; mobile checks make queues too long",
        "retention": "Deleted within 30 days after the membership ends",
        "retention_corrected": "Deleted within 30 days after the membership ends or 1 year of "
        "inactivity",
        "deployment": "Store fitting area",
        "deployment_fixed": "Store entrance",
        "signage": "A facial recognition sign at the entrance",
        "consent": "Members read the notice in the app and tick a separate consent box",
        "measures": "Encryption at rest and in transit, least-privilege access",
        "rules": "Facial information processing rules, version 1",
        "procedures": "Facial recognition operating procedures, version 1",
        "conclusion": "The risks are under control",
        "reasons": "Say how long the facial information of inactive members is kept.",
        "change": "A new store opened; more people are stored",
        "cancellation_detail": "All facial information was deleted when the stores stopped",
        "report": "impact-assessment.pdf",
        "reviewer_name": "Shenzhen reviewer",
        "signer_name": "Guangdong signer",
        "proposal_note": "The six materials are complete and checked; approval proposed.",
    },
}


def reviewer_of(code: str, email: str, name: str, language: str) -> User:
    """A reviewer of an office, as an administrator appoints one (see ReviewerAdmin), with the
    authenticator the reviewer set up (its secret is REVIEWER_TOTP_KEY)."""
    user = factories.reviewer_of(code, email, name=name, language=language)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    TOTPDevice.objects.create(
        user=user, name="authenticator", key=REVIEWER_TOTP_KEY, confirmed=True
    )
    return user


class Story:
    """One run of the story in one language: the filer's page and the chapters' helpers."""

    def __init__(
        self,
        *,
        language,
        live_server,
        page,
        browser,
        auditor,
        mailbox,
        tmp_path,
        people=12_000,
        office="440300",
    ):
        self.language = language
        # The number declared and the office it files with: the rule set's threshold and level.
        self.people = people
        self.office = office
        self.url = live_server.url
        self.page = page
        self.browser = browser
        self.auditor = auditor
        self.mailbox = mailbox
        self.tmp_path = tmp_path
        self.data = TYPED[language]
        suffix = "zh" if language.startswith("zh") else "en"
        self.filer_email = f"filer-{suffix}@retail.example"
        self.colleague_email = f"colleague-{suffix}@retail.example"
        self.reviewer_email = f"reviewer-{suffix}@cac.example"
        auditor.typed.extend(self.data.values())
        auditor.typed.extend([USCC, INVALID_USCC])
        self.organization_id = None
        self.filing_id = None

    # --- helpers ---------------------------------------------------------------------------------

    def t(self, message: str, **params) -> str:
        with translation.override(self.language):
            text = gettext(message)
        return text % params if params else text

    def tn(self, singular: str, plural: str, count: int, **params) -> str:
        with translation.override(self.language):
            text = ngettext(singular, plural, count)
        return text % params

    def check(self, name: str, page=None) -> None:
        self.auditor.check(page or self.page, name)

    def fill(self, selector: str, value: str, page=None) -> None:
        self.auditor.typed.append(value)
        (page or self.page).locator(selector).fill(value)

    def click(self, name: str, page=None, role: str = "button") -> None:
        (page or self.page).get_by_role(role, name=name, exact=False).first.click()

    def goto(self, path: str, page=None) -> None:
        (page or self.page).goto(self.url + path)

    def link_in(self, message, pattern: str) -> str:
        """The path of the first link in an email's text that matches ``pattern``."""
        found = re.search(r"https?://[^/\s]+(" + pattern + r")", message.body)
        assert found, f"no link matching {pattern} in:\n{message.body}"
        return found.group(1)

    def expect_mail(self, count: int, to: set[str], containing: list[str] = ()) -> list:
        messages = self.mailbox.new(count)
        assert {address for m in messages for address in m.to} == to
        for message in messages:
            # Each email is in its recipient's language; both people here chose the run's one.
            words = message.subject
            for data in (*containing, self.data["organization"]):
                words = words.replace(data, "")
            assert bool(CJK.search(words)) == self.language.startswith("zh"), message.subject
            for text in containing:
                assert text in message.subject + message.body, (text, message.subject)
        return messages

    def new_context_page(self):
        context = self.browser.new_context(
            viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="zh-CN"
        )
        if self.language != "zh-hans":
            context.add_cookies(
                [{"name": "portal_language", "value": self.language, "url": self.url}]
            )
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        return page

    def download(self, link, page=None) -> bytes:
        with (page or self.page).expect_download() as info:
            link.click()
        path = Path(info.value.path())
        return path.read_bytes()

    def filing(self) -> Filing:
        return Filing.objects.get(pk=self.filing_id)

    def detail_path(self, filing_id=None) -> str:
        return f"/organizations/{self.organization_id}/filings/{filing_id or self.filing_id}/"

    def step_path(self, step: str, filing_id=None) -> str:
        return self.detail_path(filing_id) + f"steps/{step}/"

    def wait_for_step(self, step: str, filing_id=None) -> None:
        path = re.escape(self.url + self.step_path(step, filing_id))
        self.page.wait_for_url(re.compile(path + r"(\?from=review)?$"))

    def expect_message(self, text: str, page=None) -> None:
        expect((page or self.page).get_by_role("alert").filter(has_text=text).first).to_be_visible()

    # --- chapters --------------------------------------------------------------------------------

    def register(self):
        page, data = self.page, self.data
        self.goto("/")
        if self.language != "zh-hans":
            expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
            page.get_by_role("button", name="English").click()
            expect(page.locator("html")).to_have_attribute("lang", self.language)
        self.check("home")
        self.click(self.t("Register your organization"), role="link")
        page.wait_for_url(self.url + "/register/")
        self.fill("#id_name", data["organization"])
        self.fill("#id_uscc", INVALID_USCC)
        page.select_option("#id_province", "440000")
        # htmx fills the cities of the province.
        expect(page.locator("#id_city option[value='440300']")).to_be_attached()
        page.select_option("#id_city", "440300")
        self.fill("#id_street_address", data["street_address"])
        self.fill("#id_legal_representative", data["legal_representative"])
        self.fill("#id_responsible_person", data["responsible_person"])
        self.fill("#id_responsible_person_id_number", "11010519491231002X")
        self.fill("#id_contact_name", data["contact_name"])
        self.fill("#id_contact_mobile", "13800138000")
        self.fill("#id_contact_email", self.filer_email)
        self.fill("#id_account-name", data["filer_name"])
        self.fill("#id_account-email", self.filer_email)
        page.fill("#id_account-password1", PASSWORD)
        page.fill("#id_account-password2", PASSWORD)
        self.click(self.t("Register"))
        uscc_error = self.t(
            "The check character is wrong: please re-read the code from the business licence."
        )
        # The error summary (GOV.UK's pattern) has the focus and leads to the field.
        summary = page.locator("[data-error-summary]")
        expect(summary).to_be_focused()
        expect(summary.get_by_role("link", name=uscc_error)).to_have_attribute("href", "#id_uscc")
        # The password is the one thing the filer types again, and the page says so.
        expect(page.locator("main")).to_contain_text(
            self.t(
                "What you typed is kept, except the password: browsers do not keep it, so type "
                "it again in both password fields."
            )
        )
        expect(page.locator("#id_uscc")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("main form").get_by_text(uscc_error)).to_be_visible()
        # What was typed is kept; the city is still the chosen one.
        expect(page.locator("#id_city")).to_have_value("440300")
        self.mailbox.nothing_new()
        self.check("register-invalid-uscc")

        self.fill("#id_uscc", USCC)
        page.fill("#id_account-password1", PASSWORD)
        page.fill("#id_account-password2", PASSWORD)
        self.click(self.t("Register"))
        page.wait_for_url(self.url + "/register/done/")
        expect(page.get_by_text(self.filer_email)).to_be_visible()
        self.check("register-done")

        (confirmation,) = self.expect_mail(1, {self.filer_email}, [data["organization"]])
        self.goto(self.link_in(confirmation, r"/register/confirm/[^\s]+/"))
        self.expect_message(
            self.t("Your email address is confirmed. Welcome to the Filing Portal!")
        )
        expect(page.get_by_role("heading", name=data["organization"])).to_be_visible()
        self.organization_id = int(re.search(r"/organizations/(\d+)/", page.url).group(1))
        self.check("dashboard-new")

    def invite_colleague(self):
        page, data = self.page, self.data
        page.get_by_role("link", name=self.t("Members"), exact=True).first.click()
        page.wait_for_url(f"{self.url}/organizations/{self.organization_id}/members/")
        self.check("members")
        self.fill("#id_email", self.colleague_email)
        page.select_option("#id_role", "editor")
        self.click(self.t("Send the invitation"))
        self.expect_message(
            self.t("An invitation is on its way to %(email)s.", email=self.colleague_email)
        )
        expect(page.locator("li").filter(has_text=self.colleague_email)).to_be_visible()
        self.check("members-invited")
        (invitation,) = self.expect_mail(1, {self.colleague_email}, [data["organization"]])

        colleague = self.new_context_page()
        self.goto(self.link_in(invitation, r"/invitations/[^\s]+/"), page=colleague)
        expect(colleague.locator("#id_name")).to_be_visible()
        self.check("invitation-sign-up", colleague)
        self.fill("#id_name", data["colleague_name"], page=colleague)
        colleague.fill("#id_password1", PASSWORD)
        colleague.fill("#id_password2", PASSWORD)
        self.click(self.t("Create my account and join"), page=colleague)
        self.expect_message(
            self.t(
                "Welcome to %(organization)s! Your role: %(role)s.",
                organization=data["organization"],
                role=self.t("Editor"),
            ),
            page=colleague,
        )
        self.check("colleague-dashboard", colleague)
        colleague.context.close()

    def declare_system(self):
        page, data = self.page, self.data
        self.goto(f"/organizations/{self.organization_id}/")
        self.click(self.t("Declare a system"), role="link")
        page.wait_for_url(f"{self.url}/organizations/{self.organization_id}/systems/new/")
        reached = timezone.localdate() - timedelta(days=7)
        self.fill("#id_name", data["system"])
        self.fill("#id_people_stored", str(self.people))
        page.check("#id_used_in_public_place")
        page.fill("#id_count_reached_on", reached.isoformat())
        self.check("system-form")
        self.click(self.t("Save the declaration"))
        self.expect_message(self.t("Declaration saved. Your obligation has been updated."))
        obligation = Obligation.objects.get(organization_id=self.organization_id)
        assert obligation.office.code == self.office
        assert obligation.deadline == calendars.add_working_days(reached, 30).date
        deadline = obligation.deadline.isoformat()
        with translation.override(self.language):
            office = obligation.office.office_display_name
        expect(page.locator("#next-step").locator("..")).to_contain_text(
            self.t("File with %(office)s by %(deadline)s", office=office, deadline=deadline)
        )
        days = calendars.current_index().working_days_between(
            timezone.localdate(), obligation.deadline
        )
        expect(page.locator("#next-step").locator("..")).to_contain_text(
            self.tn("%(days)s working day left", "%(days)s working days left", days, days=days)
        )
        self.check("dashboard-deadline")
        # Opened again to be updated, the date is there (an ISO date in either language: the
        # browser's date input shows nothing for 2026/10/09) and saving it unchanged works.
        page.get_by_role("link", name=f"{self.t('Update')} {data['system']}", exact=True).click()
        expect(page.locator("#id_count_reached_on")).to_have_value(reached.isoformat())
        self.click(self.t("Save the declaration"))
        self.expect_message(self.t("Declaration saved. Your obligation has been updated."))

    def fill_the_filing(self):
        page, data = self.page, self.data
        self.click(self.t("Start the filing"))
        page.wait_for_url(re.compile(r".*/filings/\d+/steps/organization/$"))
        self.filing_id = int(re.search(r"/filings/(\d+)/", page.url).group(1))
        # The registration is copied in: nothing to type.
        expect(page.locator("#id_uscc")).to_have_value(USCC)
        self.check("step-organization")
        self.click(self.t("Save and continue"))

        self.wait_for_step("purpose")
        self.fill("#id_purpose", data["purpose"])
        self.fill("#id_scope", data["scope"])
        self.fill("#id_necessity", data["necessity"])
        self.fill("#id_alternative_considered", data["alternative"])
        self.fill("#id_alternative_rejected_reason", data["alternative_reason"])
        self.check("step-purpose")
        self.click(self.t("Save and continue"))

        self.wait_for_step("facial_data")
        self.fill("#id_people_stored", str(self.people))
        page.check("input[name=sources][value=collected_directly]")
        page.check("input[name=storage_locations][value=own_servers]")
        self.fill("#id_retention_period", data["retention"])
        page.check("#id_anonymised_only")
        # Stored off the device: on the individuals' separate consent (Measures Art. 8).
        page.select_option("#id_off_device_basis", "consent")
        self.fill("#id_off_device_basis_detail", data["consent"])
        self.check("step-facial-data")
        self.click(self.t("Save and continue"))

        self.wait_for_step("deployments")
        self.fill("#id_deployments-0-name", data["deployment"])
        page.select_option("#id_deployments-0-place_kind", "fitting_room")
        page.check("#id_deployments-0-is_public_place")
        page.check("#id_deployments-0-signage")
        self.fill("#id_deployments-0-signage_description", data["signage"])
        self.check("step-deployments")
        self.click(self.t("Save and continue"))

        self.wait_for_step("consent")
        self.fill("#id_informed_consent_method", data["consent"])
        page.check("#id_separate_consent")
        self.check("step-consent")
        self.click(self.t("Save and continue"))

        self.wait_for_step("security")
        for measure in ("encryption", "access_control", "audit_logging"):
            page.check(f"input[name=measures][value={measure}]")
        self.fill("#id_measures_detail", data["measures"])
        self.fill("#id_processing_rules", data["rules"])
        self.fill("#id_operating_procedures", data["procedures"])
        self.check("step-security")
        self.click(self.t("Save and continue"))

        self.wait_for_step("assessment")
        assessed = timezone.localdate() - timedelta(days=10)
        page.fill("#id_assessment_date", assessed.isoformat())
        self.fill("#id_conclusion", data["conclusion"])
        self.check("step-assessment")
        self.click(self.t("Save and continue"))

    def meet_the_blocking_check(self):
        page, data = self.page, self.data
        self.wait_for_step("review")
        blocked = page.get_by_role("alert").filter(
            has_text=self.t(
                "“%(deployment)s” is in a place where facial recognition is forbidden: %(place)s.",
                deployment=data["deployment"],
                place=self.t("Fitting room"),
            )
        )
        expect(blocked).to_be_visible()
        expect(blocked).to_contain_text(self.t("The impact assessment report is not attached."))
        self.check("review-blocked")
        # Ticking the declaration does not get a blocked filing through.
        page.check("#id_truthful")
        self.click(self.t("Submit the filing"))
        self.expect_message(self.t("The filing cannot be submitted until the errors are fixed."))
        assert self.filing().status == Filing.Status.DRAFT
        self.mailbox.nothing_new()

        # "Fix it" leads to the step that fixes the first problem: the deployments.
        blocked = page.get_by_role("alert").filter(has_text=self.t("Fitting room"))
        blocked.get_by_role("link", name=self.t("Fix it")).first.click()
        self.wait_for_step("deployments")
        self.fill("#id_deployments-0-name", data["deployment_fixed"])
        page.select_option("#id_deployments-0-place_kind", "retail")
        self.check("step-deployments-fixed")
        # Saved, the step leads back to the review it was opened from.
        self.click(self.t("Save and continue"))
        self.wait_for_step("review")
        expect(page.get_by_text(self.t("Fitting room"))).to_have_count(0)

        # The second problem: the report is not attached.
        page.get_by_role("alert").get_by_role("link", name=self.t("Fix it")).first.click()
        self.wait_for_step("assessment")
        upload = page.locator("form[enctype='multipart/form-data']")
        upload.locator("select[name=kind]").select_option("assessment_report")
        report = self.tmp_path / data["report"]
        report.write_bytes(pdf_bytes())
        upload.locator("input[type=file]").set_input_files(str(report))
        self.click(self.t("Upload"))
        self.expect_message(self.t("%(name)s uploaded.", name=data["report"]))
        expect(page.get_by_role("link", name=data["report"])).to_be_visible()
        self.check("step-assessment-uploaded")
        self.click(self.t("Save and continue"))

    def submit(self):
        page = self.page
        self.wait_for_step("review")
        # No problem is left to fix (the declaration is ticked in the form beside the list).
        expect(page.locator(".alert-danger")).to_have_count(0)
        self.check("review-ready")
        page.check("#id_truthful")
        self.click(self.t("Submit the filing"))
        page.wait_for_url(self.url + self.detail_path())
        self.expect_message(
            self.t(
                "Submitted. Your receipt number is on this page; "
                "the receipt will be emailed to you shortly."
            )
        )
        filing = self.filing()
        assert filing.status == Filing.Status.SUBMITTED
        expect(page.get_by_text(filing.receipt_number).first).to_be_visible()
        self.expect_mail(2, {self.filer_email, self.colleague_email}, [filing.receipt_number])
        pdf = self.wait_for_document(self.t("Filing form"))
        assert pdf.startswith(b"%PDF")
        self.check("filing-submitted")

    def wait_for_document(self, kind: str, version: int = 1) -> bytes:
        """The documents panel polls until the PDF is ready; then it is downloaded."""
        panel = self.page.locator("#documents")
        # The form is listed by its version; a notice by the day it was issued (the newest first).
        if kind == self.t("Filing form"):
            label = self.t("%(kind)s · version %(n)s", kind=kind, n=version)
        else:
            label = f"{kind} · "
        row = panel.locator("div.d-flex").filter(has_text=re.compile(re.escape(label)))
        link = row.get_by_role("link", name=self.t("Download PDF")).first
        expect(link).to_be_visible()
        return self.download(link)

    def reviewer_logs_in(self, email: str | None = None):
        """The reviewer (or, with ``email``, another member of the office, whose page is returned)
        logs in to the review workspace in a browser of their own."""
        reviewer = self.new_context_page()
        self.goto("/admin/", page=reviewer)
        reviewer.fill("#id_username", email or self.reviewer_email)
        reviewer.fill("#id_password", PASSWORD)
        self.check("admin-login", reviewer)
        reviewer.locator("input[type=submit]").click()
        # The second step: the code the reviewer's authenticator app shows now.
        expect(reviewer.get_by_role("heading", name=self.t("Two-step login"))).to_be_visible()
        reviewer.fill("#id_code", f"{totp(unhexlify(REVIEWER_TOTP_KEY)):06d}")
        self.check("admin-second-factor", reviewer)
        self.click(self.t("Continue"), page=reviewer)
        expect(reviewer.get_by_role("link", name=self.t("Open the review queue"))).to_be_visible()
        if email:
            return reviewer
        self.check("admin-index", reviewer)
        self.reviewer = reviewer
        return reviewer

    def reviewer_opens(self, filing: Filing, name: str):
        reviewer = self.reviewer
        self.goto("/admin/", page=reviewer)
        self.click(self.t("Open the review queue"), page=reviewer, role="link")
        reviewer.get_by_role("link", name=filing.receipt_number).click()
        expect(reviewer.get_by_role("heading", name=self.data["organization"])).to_be_visible()
        self.check(name, reviewer)

    def reviewer_returns(self):
        reviewer, filing = self.reviewer, self.filing()
        self.goto("/admin/", page=reviewer)
        self.click(self.t("Open the review queue"), page=reviewer, role="link")
        expect(reviewer.get_by_role("link", name=filing.receipt_number)).to_be_visible()
        self.check("admin-queue", reviewer)
        reviewer.get_by_role("link", name=filing.receipt_number).click()
        expect(reviewer.get_by_role("heading", name=self.data["organization"])).to_be_visible()
        # The form PDF opens from the review page.
        form_link = reviewer.locator("a[href*='/documents/']").first
        response = reviewer.request.get(self.url + form_link.get_attribute("href"))
        assert response.ok
        assert response.headers["content-type"] == "application/pdf"
        assert response.body().startswith(b"%PDF")
        self.check("admin-review", reviewer)
        self.click(self.t("Start the review"), page=reviewer)
        self.expect_message_admin(self.t("You are reviewing this filing."))
        self.fill("#reasons", self.data["reasons"], page=reviewer)
        self.check("admin-review-started", reviewer)
        self.click(self.t("Return for correction"), page=reviewer)
        self.expect_message_admin(
            self.t("Returned for correction. The organization has been emailed.")
        )
        self.check("admin-returned", reviewer)
        filing.refresh_from_db()
        assert filing.status == Filing.Status.RETURNED
        self.expect_mail(
            2,
            {self.filer_email, self.colleague_email},
            [filing.receipt_number, self.data["reasons"]],
        )

    def expect_message_admin(self, text: str) -> None:
        expect(self.reviewer.locator("ul.messagelist").get_by_text(text)).to_be_visible()

    def correct_and_resubmit(self):
        page, data, filing = self.page, self.data, self.filing()
        self.goto(f"/organizations/{self.organization_id}/")
        correction = filing.correction_deadline.isoformat()
        expect(page.locator("#next-step").locator("..")).to_contain_text(correction)
        self.check("dashboard-returned")
        self.click(self.t("Open the filing"), role="link")
        returned = page.locator("#next").locator("..")
        expect(returned).to_contain_text(data["reasons"])
        expect(returned).to_contain_text(
            self.t(
                "Correct the filing on the portal and submit it again by %(date)s. Until then "
                "the filing keeps its place; if you need more time or do not understand a "
                "reason, write to the office from the filing's page.",
                date=correction,
            )
        )
        self.check("filing-returned")
        self.click(self.t("Correct the filing"), role="link")
        self.wait_for_step("review")
        self.check("review-returned")
        edit = f"{self.t('Edit')} {self.t('Facial information')}"
        page.get_by_role("link", name=edit, exact=True).click()
        self.wait_for_step("facial_data")
        self.fill("#id_retention_period", data["retention_corrected"])
        self.click(self.t("Save and continue"))
        self.wait_for_step("review")
        page.check("#id_truthful")
        self.check("review-corrected")
        self.click(self.t("Submit the filing"))
        page.wait_for_url(self.url + self.detail_path())
        self.expect_message(
            self.t(
                "Submitted. Your receipt number is on this page; "
                "the receipt will be emailed to you shortly."
            )
        )
        self.expect_mail(2, {self.filer_email, self.colleague_email}, [filing.receipt_number])
        assert self.wait_for_document(self.t("Filing form"), version=2).startswith(b"%PDF")
        # What changed since version 1 is shown, under the words the form asked it with.
        changed = page.locator("#changed").locator("..")
        expect(changed).to_contain_text(
            f"{self.t('Facial information')} · {self.t('Retention period')}"
        )
        expect(changed).to_contain_text(data["retention_corrected"])
        self.check("filing-resubmitted")

    def reviewer_approves(self, filing_id, name: str):
        reviewer = self.reviewer
        filing = Filing.objects.get(pk=filing_id)
        self.reviewer_opens(filing, f"admin-{name}")
        reviewer.once("dialog", lambda dialog: dialog.accept())
        self.click(self.t("Approve and issue a number"), page=reviewer)
        self.expect_message_admin(
            self.t("Approved: the filing number is issued, the organization emailed.")
        )
        filing.refresh_from_db()
        assert filing.status == Filing.Status.FILED
        expect(reviewer.get_by_text(filing.filing_number).first).to_be_visible()
        self.check(f"admin-{name}-approved", reviewer)
        self.expect_mail(2, {self.filer_email, self.colleague_email}, [filing.filing_number])
        return filing

    def approval_with_two_signatures(self, filing_id, signer_email: str) -> Filing:
        """The handler proposes the approval with a note; the filing waits in 待签发, the proposer
        offered no signature; a signer, in a browser of their own, finds it under "awaiting my
        signature", reads the proposal and signs it off: the number is issued, and the history
        names both people."""
        reviewer, data = self.reviewer, self.data
        filing = Filing.objects.get(pk=filing_id)
        self.reviewer_opens(filing, "admin-two-signatures")
        expect(reviewer.locator(".sign-off-note")).to_be_visible()
        self.fill("#approve-note", data["proposal_note"], page=reviewer)
        self.click(self.t("Propose approval for sign-off"), page=reviewer)
        self.expect_message_admin(self.t("Proposed for sign-off: a signer decides now."))
        expect(reviewer.locator("#sign-off")).to_contain_text(self.t("Awaiting sign-off"))
        expect(reviewer.locator("#handling")).to_contain_text(data["reviewer_name"])
        sign = reviewer.get_by_role("button", name=self.t("Sign off"), exact=True)
        expect(sign).to_have_count(0)
        self.check("admin-proposed", reviewer)
        filing.refresh_from_db()
        assert filing.status == Filing.Status.UNDER_REVIEW
        assert filing.proposed_decision == Filing.Proposal.APPROVE
        assert filing.filing_number is None
        # The office's signer is told, in their language, that a decision awaits them.
        self.expect_mail(1, {signer_email}, [filing.receipt_number])

        signer = self.reviewer_logs_in(signer_email)
        self.goto("/admin/filings/filing/?holder=to_sign", page=signer)
        row = signer.locator("#result_list tr").filter(has_text=filing.receipt_number)
        expect(row).to_contain_text(self.t("Awaiting sign-off"))
        expect(row).to_contain_text(data["reviewer_name"])
        self.check("admin-queue-to-sign", signer)
        signer.get_by_role("link", name=filing.receipt_number).click()
        expect(signer.locator("#sign-off")).to_contain_text(data["proposal_note"])
        self.check("admin-sign-off", signer)
        signer.once("dialog", lambda dialog: dialog.accept())
        signer.get_by_role("button", name=self.t("Sign off"), exact=True).click()
        expect(
            signer.locator("ul.messagelist").get_by_text(
                self.t("Approved: the filing number is issued, the organization emailed.")
            )
        ).to_be_visible()
        filing.refresh_from_db()
        assert filing.status == Filing.Status.FILED
        assert filing.signed_off_by.email == signer_email
        expect(signer.get_by_text(filing.filing_number).first).to_be_visible()
        both = self.t(
            "Proposed by %(proposer)s, signed off by %(signer)s",
            proposer=data["reviewer_name"],
            signer=data["signer_name"],
        )
        expect(signer.locator("ol.events")).to_contain_text(both)
        self.check("admin-signed-off", signer)
        self.expect_mail(2, {self.filer_email, self.colleague_email}, [filing.filing_number])
        return filing

    def upload_materials(self, kinds):
        """The materials the rule set requires besides the report (the 2025 measures' offices
        list the licence, two ID copies and two sealed letters)."""
        from filings.law import materials

        page = self.page
        self.goto(self.step_path("assessment"))
        for kind in kinds:
            upload = page.locator("form[enctype='multipart/form-data']")
            upload.locator("select[name=kind]").select_option(kind)
            # Named as a person names a scan: after what it is, in the person's language.
            with translation.override(self.language):
                material = self.tmp_path / f"{materials.BY_KIND[kind].label}.pdf"
            material.write_bytes(pdf_bytes())
            upload.locator("input[type=file]").set_input_files(str(material))
            self.click(self.t("Upload"))
            self.expect_message(self.t("%(name)s uploaded.", name=material.name))
        self.check("step-assessment-materials")
        self.click(self.t("Save and continue"))

    def sees_the_number(self, version=2):
        page, filing = self.page, self.filing()
        self.goto(self.detail_path())
        expect(page.locator("dd").filter(has_text=filing.filing_number)).to_be_visible()
        notice = self.wait_for_document(self.t("Filing notice"), version=version)
        assert notice.startswith(b"%PDF")
        self.check("filing-filed")
        self.goto(f"/organizations/{self.organization_id}/")
        expect(page.get_by_role("cell", name=filing.filing_number)).to_be_visible()
        self.check("dashboard-filed")

    def verify(self, number: str, expected: str, name: str):
        page = self.page
        self.goto("/verify/")
        self.fill("#verify-number", number)
        self.click(self.t("Verify"))
        expect(page.locator("#verify-result")).to_contain_text(expected)
        expect(page.locator("#verify-result")).to_contain_text(self.data["organization"])
        self.check(name)

    def file_a_change(self):
        page, data = self.page, self.data
        self.goto(self.detail_path())
        self.click(self.t("File a change"))
        page.wait_for_url(re.compile(r".*/steps/change/$"))
        change_id = int(re.search(r"/filings/(\d+)/", page.url).group(1))
        self.fill("#id_description", data["change"])
        page.fill("#id_effective_date", (timezone.localdate() - timedelta(days=3)).isoformat())
        page.check("input[name=sections][value=facial_data]")
        self.check("change-step")
        self.click(self.t("Save and continue"))
        self.wait_for_step("organization", change_id)
        # The rest is what was filed; the number of people grows.
        self.goto(self.step_path("facial_data", change_id))
        expect(page.locator("#id_retention_period")).to_have_value(data["retention_corrected"])
        self.fill("#id_people_stored", "15000")
        self.click(self.t("Save and continue"))
        # A step saved again as it is keeps its content.
        self.wait_for_step("deployments", change_id)
        self.click(self.t("Save and continue"))
        self.wait_for_step("consent", change_id)
        assert [d["name"] for d in Filing.objects.get(pk=change_id).data["deployments"]] == [
            data["deployment_fixed"]
        ]
        # The report filed with the original comes with the change: nothing to upload again.
        self.goto(self.step_path("assessment", change_id))
        expect(page.locator("main")).to_contain_text(data["report"])
        return change_id

    def submit_follow_up(self, filing_id, name: str, upload_report: bool):
        page = self.page
        if upload_report:
            self.goto(self.step_path("assessment", filing_id))
            upload = page.locator("form[enctype='multipart/form-data']")
            upload.locator("select[name=kind]").select_option("assessment_report")
            upload.locator("input[type=file]").set_input_files(
                str(self.tmp_path / self.data["report"])
            )
            self.click(self.t("Upload"))
            self.expect_message(self.t("%(name)s uploaded.", name=self.data["report"]))
        self.goto(self.step_path("review", filing_id))
        expect(page.get_by_role("alert").filter(has_text=self.t("Fix it"))).to_have_count(0)
        page.check("#id_truthful")
        self.check(f"{name}-review")
        self.click(self.t("Submit the filing"))
        page.wait_for_url(self.url + self.detail_path(filing_id))
        self.expect_message(
            self.t(
                "Submitted. Your receipt number is on this page; "
                "the receipt will be emailed to you shortly."
            )
        )
        follow_up = Filing.objects.get(pk=filing_id)
        assert follow_up.status == Filing.Status.SUBMITTED
        self.expect_mail(2, {self.filer_email, self.colleague_email}, [follow_up.receipt_number])
        assert self.wait_for_document(self.t("Filing form")).startswith(b"%PDF")
        self.check(f"{name}-submitted")

    def sees_follow_up_filed(self, follow_up: Filing, name: str):
        page = self.page
        self.goto(self.detail_path(follow_up.pk))
        expect(page.locator("dd").filter(has_text=follow_up.filing_number)).to_be_visible()
        assert self.wait_for_document(self.t("Filing notice")).startswith(b"%PDF")
        self.check(f"{name}-filed")

    def file_a_cancellation(self):
        page, data = self.page, self.data
        self.goto(self.detail_path())
        page.once("dialog", lambda dialog: dialog.accept())
        self.click(self.t("File a cancellation"))
        page.wait_for_url(re.compile(r".*/steps/cancellation/$"))
        cancellation_id = int(re.search(r"/filings/(\d+)/", page.url).group(1))
        page.fill("#id_stopped_on", (timezone.localdate() - timedelta(days=1)).isoformat())
        page.select_option("#id_deletion_method", "deleted")
        self.fill("#id_deletion_detail", data["cancellation_detail"])
        self.check("cancellation-step")
        self.click(self.t("Save and continue"))
        self.wait_for_step("review", cancellation_id)
        return cancellation_id


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_life_of_a_filing(language, live_server, page, browser, auditor_for, mailbox, tmp_path):
    story = Story(
        language=language,
        live_server=live_server,
        page=page,
        browser=browser,
        auditor=auditor_for(language, language),
        mailbox=mailbox,
        tmp_path=tmp_path,
    )
    story.register()
    story.invite_colleague()
    story.declare_system()
    story.fill_the_filing()
    story.meet_the_blocking_check()
    story.submit()

    reviewer_of("440300", story.reviewer_email, story.data["reviewer_name"], language)
    story.auditor.typed.append(story.reviewer_email)
    story.reviewer_logs_in()
    story.reviewer_returns()
    story.correct_and_resubmit()
    filed = story.reviewer_approves(story.filing_id, "approve")
    story.sees_the_number()
    story.verify(filed.filing_number, story.t("This filing is valid."), "verify-valid")

    change_id = story.file_a_change()
    story.submit_follow_up(change_id, "change", upload_report=False)
    change = story.reviewer_approves(change_id, "change")
    story.sees_follow_up_filed(change, "change")

    cancellation_id = story.file_a_cancellation()
    story.submit_follow_up(cancellation_id, "cancellation", upload_report=False)
    cancellation = story.reviewer_approves(cancellation_id, "cancellation")
    story.sees_follow_up_filed(cancellation, "cancellation")
    assert story.filing().status == Filing.Status.CANCELLED
    story.verify(
        filed.filing_number,
        story.t(
            "This filing was cancelled on %(date)s.",
            date=timezone.localdate(cancellation.filed_at).isoformat(),
        ),
        "verify-cancelled",
    )
    story.goto(f"/organizations/{story.organization_id}/")
    story.check("dashboard-final")


def test_the_life_of_a_filing_under_the_2025_measures(
    settings, live_server, page, browser, auditor_for, mailbox, tmp_path
):
    """Under the law in force, in Chinese: 100,000 people declared, the filing goes with the six
    materials the measures' offices list, 广东省网信办 (provincial level) approves with two
    signatures (the reviewer proposes, a signer signs off), the notice cites the measures, and
    /verify/ confirms the number."""
    from filings.law import materials

    settings.FILING_REGIME = "cac-2025-measures"
    language = "zh-hans"
    story = Story(
        language=language,
        live_server=live_server,
        page=page,
        browser=browser,
        auditor=auditor_for(language, "zh-hans-measures"),
        mailbox=mailbox,
        tmp_path=tmp_path,
        people=100_000,
        office="440000",
    )
    story.register()
    story.invite_colleague()
    story.declare_system()
    expect(page.locator("footer")).to_contain_text("人脸识别技术应用安全管理办法")
    story.fill_the_filing()
    story.meet_the_blocking_check()
    others = sorted(materials.required_kinds("cac-2025-measures") - {"assessment_report"})
    assert len(others) == 5
    story.upload_materials(others)
    story.submit()
    assert story.filing().office.code == "440000"

    reviewer_of("440000", story.reviewer_email, story.data["reviewer_name"], language)
    # The provincial office decides with two signatures under the measures (issue 28): the
    # reviewer proposes, a signer (签发人) signs off.
    signer_email = "signer-zh@cac.example"
    signer = reviewer_of("440000", signer_email, story.data["signer_name"], language)
    signer.groups.add(ensure_role_groups()[SIGNER_GROUP])
    story.auditor.typed.extend([story.reviewer_email, signer_email])
    story.reviewer_logs_in()
    filed = story.approval_with_two_signatures(story.filing_id, signer_email)
    assert filed.filing_number.startswith("网信人脸备440000")
    story.sees_the_number(version=1)
    story.verify(filed.filing_number, story.t("This filing is valid."), "verify-valid")
