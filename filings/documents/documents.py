"""The PDF documents of a filing, rendered from HTML templates with WeasyPrint.

``request`` is called by the service verbs inside their transaction: it records the document as
pending and queues its rendering after commit. ``generate`` is what the Celery task calls: it
renders under a row lock, so duplicate messages or retries still make one document.
"""

import hashlib
import io
import logging
import mimetypes
import re
import unicodedata
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import FileResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation

from filings.documents import summary
from filings.law import outcomes, rules_text, vocabulary
from filings.models import Document, FilingEvent, FilingVersion
from filings.registry import audit
from notifications.emails import queue_waiting_for
from portal import storage
from portal.queueing import queue_after_commit, queue_now

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
RENDER = "filings.tasks.render_document"
TEMPLATES = {
    Document.Kind.FORM: "documents/form.html",
    Document.Kind.NOTICE: "documents/notice.html",
    Document.Kind.RETURN_NOTICE: "documents/return_notice.html",
    Document.Kind.REFUSAL_NOTICE: "documents/refusal_notice.html",
    Document.Kind.REVOCATION_NOTICE: "documents/revocation_notice.html",
}
# The outcome a notice announces, for the next steps it lists (filings/law/outcomes.py).
OUTCOMES = {
    Document.Kind.RETURN_NOTICE: "returned",
    Document.Kind.REFUSAL_NOTICE: "refused",
    Document.Kind.REVOCATION_NOTICE: "revoked",
}


def language_of(version: FilingVersion) -> str:
    """A filing's documents are in the language of the person who submitted it."""
    submitter = version.submitted_by
    return submitter.language if submitter else settings.LANGUAGE_CODE


def request(version: FilingVersion, kind: str, event: FilingEvent | None = None) -> Document:
    document, _created = Document.objects.get_or_create(
        version=version,
        kind=kind,
        defaults={"filing_id": version.filing_id, "event": event, "language": language_of(version)},
    )
    # With the broker away, the document stays pending and the sweep finds it (stale_ids).
    queue_after_commit(RENDER, document.pk)
    return document


def queue(document_id: int) -> None:
    """The sweep's way: queue the rendering now."""
    queue_now(RENDER, document_id)


class RenderingFailed(Exception):
    pass


def generate(document_id: int) -> bool:
    """Render one document once. False when it was already ready."""
    failure = None
    with transaction.atomic():
        document = (
            # Lock the document row only: PostgreSQL cannot lock the nullable side of a join.
            Document.objects.select_for_update(of=("self",))
            .select_related("filing__office", "filing__original", "version__submitted_by", "event")
            .get(pk=document_id)
        )
        if document.status == Document.Status.READY:
            return False
        document.attempts += 1
        try:
            pdf = render_pdf(document)
        except Exception as error:
            logger.exception("Rendering document %s failed", document_id)
            document.status = Document.Status.FAILED
            document.error = f"{type(error).__name__}: {error}"[:2000]
            document.save(update_fields=["status", "error", "attempts"])
            failure = error
        else:
            document.file.save("document.pdf", ContentFile(pdf), save=False)
            document.sha256 = hashlib.sha256(pdf).hexdigest()
            document.size = len(pdf)
            document.status = Document.Status.READY
            document.generated_at = timezone.now()
            document.error = ""
            document.save()
    if failure is None or document.attempts >= MAX_ATTEMPTS:
        queue_waiting_for(document_id)
    if failure is not None:
        raise RenderingFailed(str(failure)) from failure
    return True


def stale_ids(now=None, older_than_seconds: int = 120) -> list[int]:
    """Documents no worker is handling: pending for a while (the broker lost or never got the
    message), or failed with tries left."""
    from datetime import timedelta

    from django.db.models import Q

    now = now or timezone.now()
    return list(
        Document.objects.filter(
            Q(
                status=Document.Status.PENDING,
                created_at__lt=now - timedelta(seconds=older_than_seconds),
            )
            | Q(status=Document.Status.FAILED, attempts__lt=MAX_ATTEMPTS)
        ).values_list("pk", flat=True)[:500]
    )


def retry(document_ids) -> int:
    """An administrator's retry: fresh attempts for each failed document."""
    count = Document.objects.filter(pk__in=document_ids, status=Document.Status.FAILED).update(
        status=Document.Status.PENDING, attempts=0, error=""
    )
    for document_id in document_ids:
        queue_after_commit(RENDER, document_id)
    return count


class EmailAttachments:
    """What an email asks of the PDF it carries (``settings.NOTIFICATION_ATTACHMENTS``; the
    notifications app knows nothing of filings): the email waits while the PDF may still come,
    then carries it."""

    @staticmethod
    def waiting(document_id: int) -> bool:
        """Being rendered, or failed with tries left. A PDF that failed for good does not hold the
        email back."""
        state = Document.objects.filter(pk=document_id).values_list("status", "attempts").first()
        if state is None:
            return False
        status, attempts = state
        return status == Document.Status.PENDING or (
            status == Document.Status.FAILED and attempts < MAX_ATTEMPTS
        )

    @staticmethod
    def attachment(document_id: int, language: str) -> tuple[str, bytes, str] | None:
        """(file name, content, MIME type) of a ready PDF, named in the email's language."""
        document = (
            Document.objects.select_related("filing", "version")
            .filter(pk=document_id, status=Document.Status.READY)
            .first()
        )
        if document is None:
            return None
        try:
            pdf = storage.verified(document.file, document.sha256)
        except storage.FileDamaged:
            return None  # logged by portal.storage; a damaged PDF is not sent either
        with translation.override(language), pdf:
            return document.download_name, pdf.read(), "application/pdf"


# --- Rendering -----------------------------------------------------------------------------------


def verification_url(filing_number: str) -> str:
    from urllib.parse import urlencode

    return f"{settings.SITE_URL}/verify/?{urlencode({'number': filing_number})}"


def qr_svg(text: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def context_for(document: Document) -> dict:
    filing, version = document.filing, document.version
    language = document.language
    findings = [
        {
            "severity": finding["severity"],
            "message": finding["message"].get(language) or finding["message"].get("en"),
            "rule": finding["rule"].get(language) or finding["rule"].get("en"),
        }
        for finding in version.findings
    ]
    context = {
        "document": document,
        "filing": filing,
        "version": version,
        "organization": version.data.get("organization", {}),
        "sections": summary.sections(filing.kind, version.data),
        "findings": findings,
        "attachments": [
            {**item, "kind_label": vocabulary.ATTACHMENT_KINDS.get(item["kind"], item["kind"])}
            for item in version.attachments
        ],
        "reference": filing.filing_number or filing.receipt_number,
        "generated_at": timezone.localtime(),
        "reasons": document.event.note if document.event else "",
        "rule_basis": rules_text.DOCUMENT_BASIS.get(filing.regime, ""),
        "change_duty": rules_text.CHANGE_DUTY.get(filing.regime, ""),
        "after_cancellation": rules_text.AFTER_CANCELLATION.get(filing.regime, ""),
    }
    if document.kind in OUTCOMES:
        decided_on = (
            timezone.localdate(document.event.created_at)
            if document.event
            else timezone.localdate()
        )
        context["next_steps"] = outcomes.next_steps(
            OUTCOMES[document.kind], filing, filing.duty, decided_on
        )
    if document.kind == Document.Kind.NOTICE and filing.filing_number:
        context["verification_url"] = verification_url(filing.filing_number)
        context["verification_page"] = f"{settings.SITE_URL}/verify/"
        context["qr_svg"] = qr_svg(context["verification_url"])
    return context


def html_for(document: Document) -> str:
    with translation.override(document.language):
        return render_to_string(TEMPLATES[document.kind], context_for(document))


def _fetcher_class():
    from weasyprint.urls import URLFetcher  # heavy: imported only where documents are rendered

    class PortalFetcher(URLFetcher):
        """The portal's own static files, read from disk, and ``data:`` URLs; nothing else.

        A document is rendered from what filers typed: no URL in it may reach the network or a
        file outside the static folders (the server's secrets, other organizations' uploads).
        """

        def __init__(self):
            super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False)

        def fetch(self, url, headers=None):
            from weasyprint.urls import URLFetcherResponse

            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                found = static_file_for(url)
                if found is not None:
                    mime_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
                    return URLFetcherResponse(
                        Path(found).as_uri(), Path(found).read_bytes(), {"Content-Type": mime_type}
                    )
            raise ValueError(f"refusing to fetch {url[:200]!r} while rendering a document")

    return PortalFetcher


def static_file_for(url: str) -> str | None:
    """The file on disk behind a ``file:`` URL into the portal's static files, or None.

    Relative URLs in a document resolve against the project folder, so ``static/css/x.css`` and
    ``/static/css/x.css`` (the STATIC_URL) both name a static file; the file is looked up through
    the staticfiles finders, never by the path as written.
    """
    import posixpath
    from urllib.parse import unquote, urlsplit

    from django.core.exceptions import SuspiciousFileOperation

    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    path = posixpath.normpath(unquote(parts.path))
    for prefix in (f"{settings.BASE_DIR.as_posix()}/static/", settings.STATIC_URL):
        if path.startswith(prefix):
            relative = path.removeprefix(prefix)
            break
    else:
        return None
    if not relative or relative.startswith(("/", "..")) or "\x00" in relative:
        return None
    try:
        return finders.find(relative)
    except (SuspiciousFileOperation, ValueError):
        return None


def write_pdf(html: str) -> bytes:
    from weasyprint import HTML  # heavy: imported only where documents are rendered

    return HTML(
        string=html, base_url=f"file://{settings.BASE_DIR}/", url_fetcher=_fetcher_class()()
    ).write_pdf()


def render_pdf(document: Document) -> bytes:
    return write_pdf(html_for(document))


def letter_pdf(filing, kind: str) -> bytes:
    """A letter the organization prints, signs, seals and uploads (filings/law/materials.py), filled
    in with what the filing says of the organization, in the language of the request."""
    from filings.law import materials

    template = materials.LETTERS[kind].template
    context = {
        "filing": filing,
        "organization": filing.data.get("organization") or {},
        "generated_at": timezone.localtime(),
        "reference": filing.receipt_number or "",
        "rule_basis": rules_text.DOCUMENT_BASIS.get(filing.regime, ""),
    }
    return write_pdf(render_to_string(template, context))


# The steps of a filing that describe its systems: what the system information form shows.
SYSTEM_STEPS = ("facial_data", "deployments", "security")


def system_form_pdf(filing) -> bytes:
    """The system information form, one of the materials the offices list: the organization's
    declared systems and what the filing says of them (as last submitted, else as drafted), made
    by the portal on request in the language of the request."""
    version = filing.versions.order_by("-number").first()
    data = version.data if version and not filing.editable else filing.data
    context = {
        "filing": filing,
        "version": version if version and not filing.editable else None,
        "organization": data.get("organization") or {},
        "systems": filing.organization.systems.order_by("name")[:200],
        "sections": [s for s in summary.sections(filing.kind, data) if s["key"] in SYSTEM_STEPS],
        "generated_at": timezone.localtime(),
        "reference": filing.filing_number or filing.receipt_number or "",
        "rule_basis": rules_text.DOCUMENT_BASIS.get(filing.regime, ""),
    }
    return write_pdf(render_to_string("documents/system_form.html", context))


def content_disposition(name: str, *, inline: bool = False) -> str:
    """``attachment; filename="<ASCII>"; filename*=UTF-8''<the name>``: the ASCII name for the
    clients that read only ``filename`` (``curl -OJ`` refuses a header without it), the real one
    for the others (RFC 6266)."""
    normalized = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem, dot, extension = re.sub(r"[^A-Za-z0-9._-]+", "_", normalized).rpartition(".")
    if not dot:
        stem, extension = extension, ""
    stem = stem.strip("._-") or "download"
    fallback = f"{stem}.{extension}" if extension else stem
    kind = "inline" if inline else "attachment"
    # A name with a lone surrogate (any bytes a client sent) is quoted with it replaced.
    quoted = quote(name.encode("utf-8", "replace"), safe="")
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quoted}"


def file_response(handle, name: str, content_type: str, *, inline: bool = False) -> FileResponse:
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = content_disposition(name, inline=inline)
    return response


def served(document: Document, request, *, inline: bool = False) -> FileResponse:
    """A ready document as a download (or shown in the browser), with the history noting who took
    it and the audit trail from where: the filer's page, the review page and the API serve a
    document alike. The bytes are checked against the SHA-256 recorded at rendering before
    anything is written or sent. A document deleted by the retention rules is ``FileGone``."""
    facts = {"document": document.kind, "version": document.version.number}
    return _served(document, request, FilingEvent.Action.DOCUMENT_DOWNLOADED, facts, inline)


def served_attachment(attachment, request, *, inline: bool = False) -> FileResponse:
    """An uploaded file, served as ``served`` serves a document."""
    facts = {"attachment": attachment.original_name, "sha256": attachment.sha256}
    return _served(attachment, request, FilingEvent.Action.ATTACHMENT_DOWNLOADED, facts, inline)


def _served(row, request, action, facts, inline) -> FileResponse:
    if row.purged_at:
        raise storage.FileGone(row.purged_at)
    content = storage.verified(row.file, row.sha256)
    FilingEvent.objects.create(filing=row.filing, action=action, actor=request.user, facts=facts)
    audit.record_file_look(request, row)
    content_type = getattr(row, "content_type", "application/pdf")
    return file_response(content, row.download_name, content_type, inline=inline)
