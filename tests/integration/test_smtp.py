"""Every kind of email, sent through a real SMTP server and read back as a mail client would.

An aiosmtpd server runs in the test process; Django's SMTP backend talks to it. Each message is
parsed with the standard library and checked: recipient, text and HTML alternatives, the
recipient's language, absolute links to the right pages, escaped markup in the HTML part and the
PDF attached to the receipt and the approval. Celery runs in-process (no worker, no broker).
"""

import copy
import email
import email.message
import email.policy
import email.utils
import hashlib
import re
import socket
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.html import escape

from filings.calendar import calendars
from filings.documents import attachments
from filings.law.regimes import get_regime
from filings.lifecycle import deadlines, memberships, obligations, reminders, services
from filings.models import (
    CalendarPeriod,
    CalendarYear,
    Document,
    Filing,
    Invitation,
    Jurisdiction,
    Obligation,
)
from notifications.models import Notification
from portal.celery import app as celery_app
from tests.factories import MembershipFactory, UserFactory, reviewer_of, valid_uscc
from tests.filing_data import complete_filing, mark_complete
from tests.pdfs import pdf_bytes

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

MARKUP_NAME = "<b>测试</b>公司"
CJK = re.compile(r"[\u4e00-\u9fff]")
TEXT_LINK = re.compile(r"https?://[^\s<>\"']+")


# --- The SMTP server -----------------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    message: email.message.EmailMessage = field(repr=False)


class Mailbox:
    """aiosmtpd handler: keeps every envelope it is given."""

    def __init__(self):
        self.received: list[Received] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode()
        message = email.message_from_bytes(content, policy=email.policy.default)
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), content, message)
        )
        return "250 Message accepted for delivery"

    def take(self) -> list[Received]:
        taken, self.received = self.received, []
        return taken


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def _celery_in_process():
    """Integration tests get no eager Celery from the conftest; these need no worker: the tasks
    (render the PDF, deliver the email) run in-process, when the transaction commits."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


# --- Reading a message ---------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.lang = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "href" in attrs:
            self.hrefs.append(attrs["href"])
        if tag == "html":
            self.lang = attrs.get("lang")


@dataclass
class Mail:
    received: Received
    subject: str
    text: str
    html: str
    hrefs: list[str]
    text_links: list[str]
    html_lang: str | None
    html_title: str
    pdfs: list[tuple[str, bytes]]


def read(received: Received) -> Mail:
    message = received.message
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    assert text_part is not None, message.get_content_type()
    assert html_part is not None, message.get_content_type()
    # Lines arrive with SMTP's CRLF endings; compare with what the templates wrote.
    html = html_part.get_content().replace("\r\n", "\n")
    parser = _Links()
    parser.feed(html)
    text = text_part.get_content().replace("\r\n", "\n")
    pdfs = [
        (part.get_filename() or "", part.get_payload(decode=True))
        for part in message.walk()
        if part.get_content_type() == "application/pdf"
    ]
    return Mail(
        received=received,
        # Python's parser keeps the space before a folded encoded word; mail clients drop it.
        subject=str(message["Subject"]).strip(),
        text=text,
        html=html,
        hrefs=parser.hrefs,
        text_links=TEXT_LINK.findall(text),
        html_lang=parser.lang,
        # A browser reads <title> as text up to </title>: markup in it is shown, not applied.
        html_title=re.search(r"<title>(.*?)</title>", html, re.S).group(1),
        pdfs=pdfs,
    )


def check(
    received: Received,
    kind: str,
    *,
    to: str,
    language: str,
    subject_words=(),
    body_words=(),
    pages=(),
    organization_name: str | None = None,
    pdf: bool = False,
) -> Mail:
    """The checks every email passes; ``pages`` are (url name, kwargs) its links must reach."""
    message = received.message
    assert received.rcpt_tos == [to]
    assert message["To"] == to
    assert received.mail_from == email.utils.parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    # The sender's name, the portal's, in the recipient's language.
    assert email.utils.parseaddr(str(message["From"]))[0] == (
        "人脸识别技术应用备案系统" if language == "zh-hans" else "Facial Recognition Filing Portal"
    )
    # Text and HTML as alternatives (inside multipart/mixed when a PDF is attached).
    assert message.is_multipart()
    alternatives = [p for p in message.walk() if p.get_content_type() == "multipart/alternative"]
    assert len(alternatives) == 1, message.get_content_type()
    kinds = [p.get_content_type() for p in alternatives[0].iter_parts()]
    assert kinds == ["text/plain", "text/html"]
    mail = read(received)
    # The log's row for it: its kind, recipient, language and subject.
    notification = Notification.objects.filter(kind=kind, recipient=to).latest("pk")
    assert notification.language == language
    assert mail.subject == notification.subject

    # The recipient's language, in the subject, the text, the HTML and its lang attribute.
    if language == "zh-hans":
        assert CJK.search(mail.subject), mail.subject
        assert "您好" in mail.text, mail.text
        assert "Hello" not in mail.text
        assert mail.html_lang == "zh-CN"
    else:
        assert "您好" not in mail.text
        assert "Hello" in mail.text, mail.text
        assert mail.html_lang == "en"
    for word in subject_words:
        assert word in mail.subject, (word, mail.subject)
    for word in body_words:
        assert word in mail.text, (word, mail.text)
        assert word in mail.html, (word, mail.html)

    # Absolute links to the portal, the same in both parts, reaching the expected pages.
    assert mail.hrefs, mail.html
    assert mail.text_links, mail.text
    for link in [*mail.hrefs, *mail.text_links]:
        assert link.startswith(settings.SITE_URL + "/"), link
    assert set(mail.text_links) == set(mail.hrefs), (mail.text_links, mail.hrefs)
    reached = set()
    for link in mail.hrefs:
        match = resolve(urlsplit(link).path)
        reached.add((match.view_name, tuple(sorted(match.kwargs.items()))))
    for name, kwargs in pages:
        expected = (name, tuple(sorted((k, v) for k, v in kwargs.items())))
        assert expected in reached, (expected, reached)

    # Markup typed into a name is text: escaped in HTML, as typed in the text part.
    if organization_name is not None:
        assert organization_name in mail.text
        assert escape(organization_name) in mail.html  # <b> is &lt;b&gt;
        assert organization_name not in mail.html

    if pdf:
        assert len(mail.pdfs) == 1, [name for name, _ in mail.pdfs]
        filename, content = mail.pdfs[0]
        assert filename.endswith(".pdf"), filename
        assert content.startswith(b"%PDF-")
    else:
        assert mail.pdfs == []
    return mail


def by_recipient(messages: list[Received]) -> dict[str, Received]:
    recipients = [m.rcpt_tos[0] for m in messages]
    assert len(recipients) == len(set(recipients)), recipients
    return dict(zip(recipients, messages, strict=True))


def assert_log_all_sent(expected_count: int) -> None:
    rows = list(Notification.objects.values("kind", "status", "attempts", "sent_at", "error"))
    assert len(rows) == expected_count, rows
    for row in rows:
        assert row["status"] == Notification.Status.SENT, row
        assert row["attempts"] == 1, row
        assert row["sent_at"] is not None, row
        assert row["error"] == "", row


# --- An organization with a Chinese and an English member -----------------------------------------


@pytest.fixture
def organization():
    admin = MembershipFactory(
        role="admin",
        organization__name=MARKUP_NAME,
        user__email="admin@org.example",
        user__name="张管理",
        user__language="zh-hans",
    )
    editor = MembershipFactory(
        organization=admin.organization,
        role="editor",
        user__email="editor@org.example",
        user__name="Jane Editor",
        user__language="en",
    )
    MembershipFactory(  # viewers get none of the organization's emails
        organization=admin.organization, role="viewer", user__email="viewer@org.example"
    )
    return admin, editor


def draft(admin) -> Filing:
    filing = services.start_initial_filing(admin.organization, admin.user)
    data = copy.deepcopy(complete_filing())
    data["organization"]["name"] = admin.organization.name
    data["organization"]["uscc"] = admin.organization.uscc
    filing.data = data
    mark_complete(filing)
    attachments.store(
        filing, admin.user, "assessment_report", SimpleUploadedFile("评估报告.pdf", pdf_bytes())
    )
    return filing


def stored_pdf(filing, kind) -> bytes:
    document = Document.objects.get(filing=filing, kind=kind, version=filing.versions.last())
    with document.file.open("rb") as pdf:
        return pdf.read()


def filing_page(filing) -> tuple[str, dict]:
    return "filing_detail", {"org_id": filing.organization_id, "filing_id": filing.pk}


# --- The tests -----------------------------------------------------------------------------------


def test_account_emails_password_reset_confirmation_and_invitation(
    smtp, client, django_capture_on_commit_callbacks
):
    # Password reset, asked on the page, for an English account.
    UserFactory(email="jane@example.com", name="Jane", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "jane@example.com"})
    assert response.status_code == 302
    (received,) = smtp.take()
    mail = check(
        received,
        "password_reset",
        to="jane@example.com",
        language="en",
        subject_words=["Choose a new password"],
        body_words=["reset the password"],
    )
    (link,) = set(mail.hrefs)
    assert resolve(urlsplit(link).path).url_name == "password_reset_confirm"
    response = client.get(urlsplit(link).path, follow=True)
    assert response.status_code == 200
    assert response.context["validlink"]

    # Registration of an organization whose name holds markup: the confirmation link, in Chinese.
    with django_capture_on_commit_callbacks(execute=True):
        user, organization = memberships.register_organization(
            user_data={"name": "赵六", "email": "zhao.liu@example.com", "password": "pw-2026-x!"},
            organization_data={
                "name": MARKUP_NAME,
                "uscc": valid_uscc(987_654),
                "address_division": "440300",
                "street_address": "南山区科技园一路1号",
                "legal_representative": "张三",
                "responsible_person": "李四",
                "responsible_person_id_number": "11010519491231002X",
                "contact_name": "王五",
                "contact_mobile": "13800138000",
                "contact_email": "contact@example.com",
            },
            language="zh-hans",
        )
    (received,) = smtp.take()
    mail = check(
        received,
        "confirm_email",
        to="zhao.liu@example.com",
        language="zh-hans",
        subject_words=["请确认您的电子邮箱"],
        organization_name=MARKUP_NAME,
    )
    (link,) = set(mail.hrefs)
    match = resolve(urlsplit(link).path)
    assert match.url_name == "confirm_email"
    assert memberships.confirm_email(match.kwargs["token"]) == user

    # An invitation to someone without an account: in the inviter's language (English here).
    admin = UserFactory(email="chen@example.com", name="Chen", language="en")
    MembershipFactory(organization=organization, user=admin, role="admin")
    with django_capture_on_commit_callbacks(execute=True):
        memberships.invite_member(
            organization=organization, actor=admin, email="new@example.com", role="editor"
        )
    (received,) = smtp.take()
    mail = check(
        received,
        "invitation",
        to="new@example.com",
        language="en",
        subject_words=["Invitation to join", MARKUP_NAME],
        body_words=["invites you to join", "Editor"],
        organization_name=MARKUP_NAME,
    )
    assert "Hello," in mail.text
    (link,) = set(mail.hrefs)
    match = resolve(urlsplit(link).path)
    assert match.url_name == "invitation_accept"
    token_hash = hashlib.sha256(match.kwargs["token"].encode()).hexdigest()
    assert Invitation.objects.get(email="new@example.com").token_hash == token_hash

    assert_log_all_sent(3)


def test_filing_emails_receipt_return_refusal_approval_and_digest(
    smtp, organization, django_capture_on_commit_callbacks
):
    admin, editor = organization
    reviewer = reviewer_of("440300", "reviewer@cac.example", name="Li Reviewer", language="en")

    # A first filing: received, returned, received again, refused.
    first = draft(admin)
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_filing(first.pk, admin.user)
    first.refresh_from_db()
    sent = by_recipient(smtp.take())
    assert set(sent) == {"admin@org.example", "editor@org.example"}
    zh = check(
        sent["admin@org.example"],
        "filing_submitted",
        to="admin@org.example",
        language="zh-hans",
        subject_words=["已收到备案", first.receipt_number],
        body_words=[first.receipt_number, first.review_due.isoformat()],
        pages=[filing_page(first)],
        organization_name=MARKUP_NAME,
        pdf=True,
    )
    en = check(
        sent["editor@org.example"],
        "filing_submitted",
        to="editor@org.example",
        language="en",
        subject_words=["Filing received", first.receipt_number],
        body_words=["submitted its", first.receipt_number, first.review_due.isoformat()],
        pages=[filing_page(first)],
        organization_name=MARKUP_NAME,
        pdf=True,
    )
    assert zh.pdfs[0][1] == en.pdfs[0][1] == stored_pdf(first, "form")

    reasons = "请补充保存期限。\n<script>alert(1)</script>"
    with django_capture_on_commit_callbacks(execute=True):
        services.return_filing(first.pk, reviewer, reasons)
    first.refresh_from_db()
    sent = by_recipient(smtp.take())
    deadline = first.correction_deadline.isoformat()
    mail = check(
        sent["admin@org.example"],
        "filing_returned",
        to="admin@org.example",
        language="zh-hans",
        subject_words=["退回补正", first.receipt_number, deadline],
        body_words=["请补充保存期限。", deadline],
        pages=[filing_page(first)],
        pdf=True,  # the return notice goes with the email, as every notice does
    )
    assert reasons in mail.text  # the reasons as written, in the text part
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in mail.html
    assert "<script>" not in mail.html
    mail = check(
        sent["editor@org.example"],
        "filing_returned",
        to="editor@org.example",
        language="en",
        subject_words=["returned for correction", first.receipt_number, deadline],
        body_words=["submit it again by", deadline],
        pages=[filing_page(first)],
        pdf=True,
    )
    assert reasons in mail.text

    with django_capture_on_commit_callbacks(execute=True):
        services.save_step(first, admin.user, "declaration", {"truthful": True})
        services.submit_filing(first.pk, admin.user)
    resubmitted = by_recipient(smtp.take())
    check(
        resubmitted["editor@org.example"],
        "filing_submitted",
        to="editor@org.example",
        language="en",
        subject_words=["Filing received"],
        body_words=["(version 2)"],
        pages=[filing_page(first)],
        organization_name=MARKUP_NAME,
        pdf=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.refuse_filing(first.pk, reviewer, "在更衣室部署。")
    sent = by_recipient(smtp.take())
    check(
        sent["admin@org.example"],
        "filing_refused",
        to="admin@org.example",
        language="zh-hans",
        subject_words=["不予备案", first.receipt_number],
        body_words=["在更衣室部署。", "行政复议", "行政诉讼"],
        pages=[filing_page(first)],
        pdf=True,
    )
    check(
        sent["editor@org.example"],
        "filing_refused",
        to="editor@org.example",
        language="en",
        subject_words=["refused", first.receipt_number],
        body_words=["refused filing", "在更衣室部署。", "administrative reconsideration"],
        pages=[filing_page(first)],
        pdf=True,
    )

    # A second filing: received, in the reviewer's digest, approved with its notice.
    second = draft(admin)
    assert second.pk != first.pk
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_filing(second.pk, admin.user)
    second.refresh_from_db()
    assert len(smtp.take()) == 2

    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.send_digests(second.review_due) == 1
    (received,) = smtp.take()
    check(
        received,
        "review_digest",
        to="reviewer@cac.example",
        language="en",
        subject_words=["1 filing needs a decision soon"],
        body_words=[second.receipt_number, second.review_due.isoformat()],
        pages=[
            ("admin:filings_filing_change", {"object_id": str(second.pk)}),
            ("admin:filings_filing_changelist", {}),
        ],
        organization_name=MARKUP_NAME,
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.approve_filing(second.pk, reviewer)
    second.refresh_from_db()
    assert second.filing_number
    sent = by_recipient(smtp.take())
    zh = check(
        sent["admin@org.example"],
        "filing_approved",
        to="admin@org.example",
        language="zh-hans",
        subject_words=["准予备案", second.filing_number],
        body_words=[second.filing_number, "备案通知书"],
        pages=[filing_page(second)],
        pdf=True,
    )
    en = check(
        sent["editor@org.example"],
        "filing_approved",
        to="editor@org.example",
        language="en",
        subject_words=["Filing approved:", second.filing_number],
        body_words=[
            "approved the initial filing of",
            second.receipt_number,
            second.filing_number,
            "filing notice",
            # Submitted by a Chinese-speaking colleague: the notice is in Chinese, and says so.
            "The PDF is in Simplified Chinese",
        ],
        pages=[filing_page(second)],
        pdf=True,
    )
    assert zh.pdfs[0][1] == en.pdfs[0][1] == stored_pdf(second, "notice")

    # 2 receipts, 2 returns, 2 receipts, 2 refusals, 2 receipts, 1 digest, 2 approvals.
    assert_log_all_sent(13)


def test_deadline_reminder_and_deadline_moved(
    smtp, organization, django_capture_on_commit_callbacks
):
    admin, _editor = organization
    office = Jurisdiction.objects.get(code="440300")
    today = timezone.localdate()
    due = calendars.add_working_days(today, 5).date
    Obligation.objects.create(
        organization=admin.organization,
        kind=Obligation.Kind.CHANGE,
        regime="cac-2023-draft",
        office=office,
        trigger_date=today,
        deadline=due,
        deadline_final=True,
        next_reminder_on=today,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.sweep(today) == 1
    sent = by_recipient(smtp.take())
    assert set(sent) == {"admin@org.example", "editor@org.example"}
    dashboard = ("dashboard", {"org_id": admin.organization_id})
    check(
        sent["admin@org.example"],
        "deadline_reminder",
        to="admin@org.example",
        language="zh-hans",
        subject_words=["提醒", due.isoformat()],
        body_words=[due.isoformat()],
        pages=[dashboard],
        organization_name=MARKUP_NAME,
    )
    check(
        sent["editor@org.example"],
        "deadline_reminder",
        to="editor@org.example",
        language="en",
        subject_words=["Reminder: Change filing due by", due.isoformat(), "working day"],
        body_words=["change filing", due.isoformat()],
        pages=[dashboard],
        organization_name=MARKUP_NAME,
    )

    # A December obligation whose deadline reaches into 2027 moves when 2027's notice is entered.
    assert not CalendarYear.objects.filter(year=2027).exists()
    trigger = date(2026, 12, 10)
    regime = get_regime("cac-2023-draft")
    provisional = calendars.add_working_days(trigger, obligations.days_to_file("change", regime))
    assert provisional.date.year == 2027
    assert not provisional.final
    moving = Obligation.objects.create(
        organization=admin.organization,
        kind=Obligation.Kind.CHANGE,
        regime=regime.code,
        office=office,
        trigger_date=trigger,
        deadline=provisional.date,
        deadline_final=False,
        next_reminder_on=reminders.first_look(provisional.date),
    )
    with django_capture_on_commit_callbacks(execute=True):
        year = CalendarYear.objects.create(year=2027, published=True)
        CalendarPeriod.objects.create(
            calendar_year=year, kind="off", first_day=date(2027, 1, 1), last_day=date(2027, 1, 3)
        )
        # 1 January was off provisionally already (a statutory holiday); a make-up working
        # Saturday is what moves the date.
        CalendarPeriod.objects.create(
            calendar_year=year, kind="work", first_day=date(2027, 1, 9), last_day=date(2027, 1, 9)
        )
        deadlines.calendar_changed(2027)  # what saving the year in the admin does
    moving.refresh_from_db()
    assert moving.deadline != provisional.date
    new = moving.deadline.isoformat()
    (received,) = smtp.take()  # administrators only
    check(
        received,
        "deadline_moved",
        to="admin@org.example",
        language="zh-hans",
        subject_words=["截止日期", new],
        body_words=[provisional.date.isoformat(), new, "2027"],
        pages=[dashboard],
        organization_name=MARKUP_NAME,
    )

    assert_log_all_sent(3)


# --- Regressions: a title without markup, an attachment named in the recipient's language ------


def test_the_html_title_of_the_receipt_and_the_approval_is_plain_text(
    smtp, organization, django_capture_on_commit_callbacks
):
    admin, _editor = organization
    filing = draft(admin)
    reviewer = reviewer_of("440300", "reviewer@cac.example")
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_filing(filing.pk, admin.user)
        services.approve_filing(filing.pk, reviewer)
    titles = [read(received).html_title for received in smtp.take()]
    assert len(titles) == 4
    for title in titles:
        assert "<" not in title, title


def test_an_english_receipt_has_an_english_attachment_name(
    smtp, django_capture_on_commit_callbacks
):
    admin = MembershipFactory(role="admin", user__email="solo@org.example", user__language="en")
    filing = draft(admin)
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_filing(filing.pk, admin.user)
    filing.refresh_from_db()
    (received,) = smtp.take()
    mail = check(
        received,
        "filing_submitted",
        to="solo@org.example",
        language="en",
        subject_words=["Filing received"],
        pages=[filing_page(filing)],
        pdf=True,
    )
    assert Document.objects.get(filing=filing).language == "en"  # the PDF itself is in English
    filename = mail.pdfs[0][0]
    assert not CJK.search(filename), filename
    assert filename == f"Filing form-{filing.receipt_number}-v1.pdf"
