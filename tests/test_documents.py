"""The PDF documents: what they say, that they are made once, kept private, and retried."""

import copy
import io
import logging
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from filings.documents import attachments, documents
from filings.law import checks
from filings.lifecycle import services
from filings.models import Document, FilingEvent
from filings.tasks import render_document, requeue_documents
from notifications import emails
from notifications.models import Notification
from tests.factories import MembershipFactory
from tests.filing_data import complete_filing, mark_complete
from tests.pdfs import pdf_bytes

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    """The text of every page, lines joined with spaces (a long title wraps)."""
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(page.extract_text() for page in pages).replace("\n", " ")


@pytest.fixture
def submitted_filing(django_capture_on_commit_callbacks):
    """A factory of submitted filings; what the verbs queue after commit (the rendering) runs
    when they return, as in production."""

    def make(language="zh-hans", purpose="员工门禁"):
        membership = MembershipFactory(
            user__language=language, organization__name="深圳<示例>科技有限公司"
        )
        filing = services.start_initial_filing(membership.organization, membership.user)
        data = copy.deepcopy(complete_filing())
        data["organization"]["name"] = membership.organization.name
        data["organization"]["uscc"] = membership.organization.uscc
        data["purpose"]["purpose"] = purpose
        filing.data = data
        mark_complete(filing)
        attachments.store(
            filing,
            membership.user,
            "assessment_report",
            SimpleUploadedFile("评估报告.pdf", pdf_bytes()),
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.submit_filing(filing.pk, membership.user)
        filing.refresh_from_db()
        return membership, filing

    return make


def render(document) -> str:
    return pdf_text(documents.render_pdf(document))


def test_the_filing_form_shows_the_organization_the_receipt_and_chinese_titles(
    submitted_filing, caplog
):
    _membership, filing = submitted_filing(purpose="<script>alert(1)</script></td>")
    document = Document.objects.get(filing=filing, kind="form")
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        text = render(document)
    assert not [
        r for r in caplog.records if r.name.startswith("weasyprint") and r.levelno >= logging.ERROR
    ]
    assert "深圳<示例>科技有限公司" in text
    assert filing.organization.uscc in text
    assert filing.receipt_number in text
    assert "人脸识别技术应用备案表" in text
    assert "第 1 页 共" in text
    assert "<script>alert(1)</script></td>" in text  # typed markup is text, not markup
    sha = attachments.Attachment.objects.get(filing=filing).sha256
    assert sha in text.replace(" ", "")
    assert "110105********002X" in text  # the ID number masked


def test_each_notice_says_what_it_must(submitted_filing, city_reviewer):
    membership, filing = submitted_filing()
    services.return_filing(filing.pk, city_reviewer, "请补充保存期限。")
    text = render(Document.objects.get(filing=filing, kind="return_notice"))
    assert "退回补正通知书" in text
    assert "请补充保存期限。" in text
    filing.refresh_from_db()
    assert filing.correction_deadline.isoformat() in text

    services.save_step(filing, membership.user, "declaration", {"truthful": True})
    services.submit_filing(filing.pk, membership.user)
    services.approve_filing(filing.pk, city_reviewer)
    filing.refresh_from_db()
    text = render(Document.objects.get(filing=filing, kind="notice"))
    assert "备案通知书" in text
    assert filing.filing_number in text
    assert "深圳市网信办" in text

    _other, refused = submitted_filing()
    services.refuse_filing(refused.pk, city_reviewer, "在更衣室部署。")
    text = render(Document.objects.get(filing=refused, kind="refusal_notice"))
    assert "不予备案通知书" in text
    assert "在更衣室部署。" in text


def test_a_filing_in_english_gets_english_documents(submitted_filing):
    _membership, filing = submitted_filing(language="en")
    text = render(Document.objects.get(filing=filing, kind="form"))
    assert "Facial Recognition Technology Application Filing Form" in text
    assert "Page 1 of" in text


def test_the_notice_carries_a_qr_code_of_the_verification_page(submitted_filing, city_reviewer):
    membership, filing = submitted_filing()
    services.approve_filing(filing.pk, city_reviewer)
    filing.refresh_from_db()
    document = Document.objects.get(filing=filing, kind="notice")
    context = documents.context_for(document)
    assert context["verification_url"].startswith("http://127.0.0.1:8000/verify/?number=")
    assert "<svg" in context["qr_svg"]


def test_the_task_run_twice_makes_one_document(submitted_filing):
    _membership, filing = submitted_filing()
    document = Document.objects.get(filing=filing, kind="form")
    assert document.status == "ready"  # rendered by the (eager) task queued after commit
    first_file = document.file.name
    assert render_document.delay(document.pk).get() is False
    assert render_document.delay(document.pk).get() is False
    document.refresh_from_db()
    assert document.file.name == first_file
    assert Document.objects.filter(filing=filing, kind="form").count() == 1
    assert document.sha256
    assert document.size > 1000


def test_each_submitted_version_gets_its_own_form(submitted_filing, city_reviewer):
    membership, filing = submitted_filing()
    services.return_filing(filing.pk, city_reviewer, "补正")
    services.save_step(filing, membership.user, "declaration", {"truthful": True})
    services.submit_filing(filing.pk, membership.user)
    forms = Document.objects.filter(filing=filing, kind="form").order_by("version__number")
    assert [d.version.number for d in forms] == [1, 2]


def test_a_failed_rendering_is_recorded_and_retried_by_the_sweep(submitted_filing):
    _membership, filing = submitted_filing()
    document = Document.objects.get(filing=filing, kind="form")
    Document.objects.filter(pk=document.pk).update(status="failed", kind="bogus")
    with pytest.raises(documents.RenderingFailed):
        documents.generate(document.pk)
    document.refresh_from_db()
    assert document.status == "failed"
    assert "KeyError" in document.error
    # Fixed (here: the kind restored), the periodic sweep renders it again.
    Document.objects.filter(pk=document.pk).update(kind="form")
    requeue_documents.delay().get()
    document.refresh_from_db()
    assert document.status == "ready"


def test_the_sweep_requeues_a_document_left_pending(
    submitted_filing, django_capture_on_commit_callbacks
):
    _membership, filing = submitted_filing()
    document = Document.objects.get(filing=filing, kind="form")
    Document.objects.filter(pk=document.pk).update(status="pending", sha256="", file="")
    assert documents.stale_ids() == []  # too recent: its message may still be on its way
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        assert documents.stale_ids() == [document.pk]
        requeue_documents.delay().get()
    document.refresh_from_db()
    assert document.status == "ready"


def test_download_is_for_members_only_and_logged(submitted_filing, client):
    membership, filing = submitted_filing()
    document = Document.objects.get(filing=filing, kind="form")
    address = reverse(
        "document_download", args=[membership.organization.pk, filing.pk, document.pk]
    )
    assert client.get(address).status_code == 404  # anonymous
    client.force_login(MembershipFactory().user)
    assert client.get(address).status_code == 404  # another organization
    client.force_login(membership.user)
    response = client.get(address)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert ".pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert FilingEvent.objects.filter(filing=filing, action="document_downloaded").exists()


def test_documents_are_stored_privately(submitted_filing):
    _membership, filing = submitted_filing()
    document = Document.objects.get(filing=filing, kind="form")
    if not documents.settings.AWS_STORAGE_BUCKET_NAME:  # else in the bucket: test_object_storage
        assert "/static/" not in document.file.path
        assert document.file.path.startswith(str(documents.settings.PRIVATE_ROOT))
    with pytest.raises(ValueError, match="URL"):
        document.file.url  # noqa: B018 - private storage has no URL


def test_the_panel_polls_while_generating_then_links_the_pdf(submitted_filing, client):
    membership, filing = submitted_filing()
    client.force_login(membership.user)
    panel = reverse("documents_panel", args=[membership.organization.pk, filing.pk])
    Document.objects.filter(filing=filing).update(status="pending")
    html = client.get(panel).content.decode()
    assert 'hx-trigger="every 2s"' in html
    Document.objects.filter(filing=filing).update(status="ready", sha256="0" * 64)
    html = client.get(panel).content.decode()
    assert "hx-trigger" not in html
    assert (
        reverse(
            "document_download",
            args=[membership.organization.pk, filing.pk, filing.documents.get().pk],
        )
        in html
    )
    Document.objects.filter(filing=filing).update(status="failed")
    assert "PDF" in client.get(panel).content.decode()


def test_render_filing_pdf_command(submitted_filing, tmp_path):
    _membership, filing = submitted_filing()
    output = tmp_path / "form.pdf"
    call_command(
        "render_filing_pdf",
        filing.receipt_number,
        "--kind",
        "form",
        "--output",
        str(output),
        stdout=io.StringIO(),
    )
    assert filing.receipt_number in pdf_text(output.read_bytes())


def test_check_warns_without_a_cjk_font(monkeypatch):
    assert checks.pdf_rendering_is_ready(None) == []
    monkeypatch.setenv("PATH", "/nonexistent")  # no fontconfig: no font can be found
    assert [w.id for w in checks.pdf_rendering_is_ready(None)] == ["filings.W001"]


def embedded_fonts(content: bytes) -> set[str]:
    fonts = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return fonts


def test_a_notice_of_one_page_embeds_one_small_face(submitted_filing, city_reviewer):
    """A Noto CJK face weighs about 150 KB embedded whatever the text; every document uses one
    TrueType face of a few KB (tests/test_document_sizes.py: each kind under 100 KB)."""
    membership, filing = submitted_filing()
    services.approve_filing(filing.pk, city_reviewer)
    notice = documents.render_pdf(Document.objects.get(filing=filing, kind="notice"))
    assert embedded_fonts(notice) == {"WenQuanYi-Micro-Hei"}
    assert len(notice) < 150 * 1024
    form = documents.render_pdf(Document.objects.get(filing=filing, kind="form"))
    assert embedded_fonts(form) == {"WenQuanYi-Micro-Hei"}
    assert len(form) < 100 * 1024


def test_the_receipt_waits_for_its_pdf_and_then_carries_it(submitted_filing):
    """notifications asks filings about the PDF through settings.NOTIFICATION_ATTACHMENTS."""
    _membership, filing = submitted_filing("en")
    document = Document.objects.get(filing=filing, kind="form")
    receipt = Notification.objects.get(document_id=document.pk)
    assert receipt.status == "sent"  # rendered first, then sent, in the fixture
    with translation.override("en"):
        assert mail.outbox[-1].attachments[0][0] == document.download_name
    assert mail.outbox[-1].attachments[0][2] == "application/pdf"

    Notification.objects.filter(pk=receipt.pk).update(status="pending")
    Document.objects.filter(pk=document.pk).update(status="pending")
    assert emails.deliver(receipt.pk) is False  # its PDF is still coming
    Document.objects.filter(pk=document.pk).update(status="failed", attempts=1)
    assert emails.deliver(receipt.pk) is False  # it may still come
    Document.objects.filter(pk=document.pk).update(attempts=documents.MAX_ATTEMPTS)
    sent = len(mail.outbox)
    assert emails.deliver(receipt.pk) is True  # failed for good: the email goes without it
    assert mail.outbox[sent].attachments == []


def test_without_attachments_configured_no_email_waits(settings):
    from filings.documents.documents import EmailAttachments

    assert emails.attachments() is EmailAttachments
    settings.NOTIFICATION_ATTACHMENTS = None
    assert emails.attachments().waiting(1) is False
    assert emails.attachments().attachment(1, "en") is None
