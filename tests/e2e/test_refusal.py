"""Refused, filed again, approved: the path that used to leave an organization stuck, in Chromium.

A submitted filing (prepared through the ORM) is refused by a Shenzhen reviewer in the review
workspace. The filer's dashboard says what happened and why, with the duty open again and its
original deadline; the filer files again from the refused content, submits, and the reviewer
approves. Every page goes through the auditor (screenshot, axe-core, English left on Chinese pages).
"""

import copy
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from filings.documents import attachments
from filings.lifecycle import obligations, services
from filings.models import Filing, Obligation
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.test_access import logged_in_page, strings_in
from tests.factories import MembershipFactory, reviewer_of
from tests.filing_data import complete_filing, mark_complete
from tests.pdfs import pdf_bytes

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

expect.set_options(timeout=TIMEOUT_MS)

REASONS = {
    "zh-hans": "门店试衣区部署了人脸识别设备，属于禁止场所。",
    "en": "A face recognition device is installed in the fitting area, a prohibited place.",
}


def submitted_filing(language):
    membership = MembershipFactory(
        user__language=language, organization__name="拒绝后重新备案有限公司"
    )
    obligations.declare_system(
        membership.organization,
        membership.user,
        name="门店会员识别",
        people_stored=15_000,
        used_in_public_place=False,
        count_reached_on=timezone.localdate() - timedelta(days=10),
    )
    filing = services.start_initial_filing(membership.organization, membership.user)
    data = copy.deepcopy(complete_filing())
    data["organization"] = services.organization_section(membership.organization)
    filing.data = data
    mark_complete(filing)
    attachments.store(
        filing,
        membership.user,
        "assessment_report",
        SimpleUploadedFile("评估报告.pdf", pdf_bytes()),
    )
    services.submit_filing(filing.pk, membership.user)
    return membership, Filing.objects.get(pk=filing.pk)


def reviewer(language):
    return reviewer_of("440300", "refusal-reviewer@cac.example", language=language)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_refused_then_filed_again_then_approved(language, live_server, browser, auditor_for):
    def t(message, **params):
        with translation.override(language):
            text = gettext(message)
        return text % params if params else text

    auditor = auditor_for(language, f"refusal-{language}")
    membership, refused = submitted_filing(language)
    organization = membership.organization
    auditor.typed.extend(
        [
            *strings_in(refused.data),
            organization.name,
            organization.uscc,
            REASONS[language],
            membership.user.email,
            str(membership.user),
            "refusal-reviewer@cac.example",
            "门店会员识别",
            "评估报告.pdf",
        ]
    )
    cookies = [] if language == "zh-hans" else [{"name": "portal_language", "value": "en"}]
    office = reviewer(language)
    desk = logged_in_page(browser, live_server, office)
    filer = logged_in_page(browser, live_server, membership.user)
    for page in (desk, filer):
        if cookies:
            page.context.add_cookies([{**cookies[0], "url": live_server.url}])

    # The office refuses, with reasons.
    desk.goto(f"{live_server.url}/admin/filings/filing/{refused.pk}/change/")
    desk.fill("#reasons", REASONS[language])
    auditor.check(desk, "admin-before-refusal")
    desk.once("dialog", lambda dialog: dialog.accept())
    desk.get_by_role("button", name=t("Refuse"), exact=True).click()
    expect(desk.locator("ul.messagelist")).to_contain_text(
        t("Refused. The organization has been emailed.")
    )
    auditor.check(desk, "admin-refused")
    duty = organization.obligations.get(kind=Obligation.Kind.INITIAL)
    assert duty.status == Obligation.Status.OPEN

    # The dashboard says what happened, why, by when, and offers to file again.
    filer.goto(f"{live_server.url}/organizations/{organization.pk}/")
    ended = filer.locator("#ended-filing")
    expect(ended).to_contain_text(REASONS[language])
    expect(ended).to_contain_text(refused.receipt_number)
    expect(filer.locator("#next-step").locator("..")).to_contain_text(duty.deadline.isoformat())
    expect(filer.locator("#filings").locator("..")).to_contain_text(t("Refused"))
    auditor.check(filer, "dashboard-refused")

    filer.goto(f"{live_server.url}/organizations/{organization.pk}/filings/{refused.pk}/")
    outcome = filer.locator("#outcome")
    expect(outcome).to_contain_text(REASONS[language])
    expect(outcome).to_contain_text("60")
    auditor.check(filer, "filing-refused")

    filer.goto(f"{live_server.url}/organizations/{organization.pk}/")
    filer.get_by_role("button", name=t("File again from this content")).click()
    filer.wait_for_url(re.compile(r".*/filings/\d+/steps/review/$"))
    again = Filing.objects.exclude(pk=refused.pk).get(organization=organization)
    assert again.refiled_from_id == refused.pk
    expect(filer.locator(".alert-danger")).to_have_count(0)
    auditor.check(filer, "review-filed-again")
    filer.check("#id_truthful")
    filer.get_by_role("button", name=t("Submit the filing")).click()
    filer.wait_for_url(re.compile(rf".*/filings/{again.pk}/$"))
    again.refresh_from_db()
    assert again.status == Filing.Status.SUBMITTED
    auditor.check(filer, "filed-again-submitted")

    # The office approves the new filing.
    desk.goto(f"{live_server.url}/admin/filings/filing/{again.pk}/change/")
    desk.once("dialog", lambda dialog: dialog.accept())
    desk.get_by_role("button", name=t("Approve and issue a number")).click()
    expect(desk.locator("ul.messagelist")).to_contain_text(
        t("Approved: the filing number is issued, the organization emailed.")
    )
    again.refresh_from_db()
    assert again.status == Filing.Status.FILED
    auditor.check(desk, "admin-approved")

    filer.goto(f"{live_server.url}/organizations/{organization.pk}/")
    expect(filer.get_by_role("cell", name=again.filing_number)).to_be_visible()
    expect(filer.locator("#ended-filing")).to_have_count(0)
    auditor.check(filer, "dashboard-filed")
    duty.refresh_from_db()
    assert duty.status == Obligation.Status.FULFILLED
