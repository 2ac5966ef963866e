"""Composing and sending emails.

Each kind of message has three templates under ``templates/emails/``: ``<kind>-subject.txt``,
``<kind>-body.txt`` and ``<kind>-body.html``, rendered in the recipient's language. ``send``
records the message and queues its delivery after the transaction commits; ``deliver`` does the
sending and is what the Celery task calls.
"""

from datetime import timedelta
from email.utils import formataddr, parseaddr
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from notifications.models import Notification
from portal.queueing import queue_after_commit, queue_now

MAX_ATTEMPTS = 5
STALE_CLAIM = timedelta(minutes=15)
UNQUEUED_AFTER = timedelta(minutes=2)
DELIVER = "notifications.tasks.deliver_notification"


def render(kind: str, language: str, context: dict) -> tuple[str, str, str]:
    context = {"SITE_URL": settings.SITE_URL, "PORTAL_NAME": settings.PORTAL_NAME, **context}
    with translation.override(language):
        context["RULES_APPLIED"] = _rules_applied(context)
        subject = _render_plain(f"emails/{kind}-subject.txt", context)
        text = _render_plain(f"emails/{kind}-body.txt", context)
        html = render_to_string(f"emails/{kind}-body.html", context)
    subject = " ".join(subject.split())
    footer = f"\n\n{context['RULES_APPLIED']}" if context["RULES_APPLIED"] else ""
    return subject, text.strip() + footer + "\n", html


def _rules_applied(context: dict) -> str:
    """Every email says which rules apply, in the words of the app that knows them
    (settings.NOTIFICATION_FOOTER names a function of the email's context); none without it."""
    path = getattr(settings, "NOTIFICATION_FOOTER", None)
    return str(import_string(path)(context)) if path else ""


def sender(language: str) -> str:
    """DEFAULT_FROM_EMAIL; an address given without a name is sent under the portal's name in the
    recipient's language."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if name:
        return settings.DEFAULT_FROM_EMAIL
    with translation.override(language):
        return formataddr((str(settings.PORTAL_NAME), address))


def _render_plain(name: str, context: dict) -> str:
    """Subjects and text bodies are not HTML: nothing in them is escaped."""
    return get_template(name).template.render(Context(context, autoescape=False))


def send(kind: str, *, to: str, language: str, context: dict, document=None) -> Notification:
    """Record an email and send it after commit. With a document (a generated PDF), the email
    waits until the PDF is ready and carries it as an attachment."""
    subject, text, html = render(kind, language, context)
    notification = Notification.objects.create(
        kind=kind,
        recipient=to,
        language=language,
        subject=subject[:255],
        body_text=text,
        body_html=html,
        document_id=document.pk if document is not None else None,
    )
    # With the broker away, the email stays pending and the sweep sends it (unsent_ids).
    queue_after_commit(DELIVER, notification.pk)
    return notification


def queue(notification_id: int) -> None:
    """Hand the email to a worker now (the sweep, a PDF now ready)."""
    queue_now(DELIVER, notification_id)


class Attachments(Protocol):
    """The PDFs emails carry, as the app that makes them tells (settings.NOTIFICATION_ATTACHMENTS
    names the object)."""

    def waiting(self, document_id: int) -> bool:
        """Still to come: the email waits (the maker queues it when the PDF is ready or failed
        for good, ``queue_waiting_for``)."""

    def attachment(self, document_id: int, language: str) -> tuple[str, bytes, str] | None:
        """(file name, content, MIME type) of a ready PDF, or None."""


class NoAttachments:
    """Without NOTIFICATION_ATTACHMENTS: no email waits, none carries a PDF."""

    @staticmethod
    def waiting(document_id: int) -> bool:
        return False

    @staticmethod
    def attachment(document_id: int, language: str) -> None:
        return None


def attachments() -> Attachments:
    path = getattr(settings, "NOTIFICATION_ATTACHMENTS", None)
    return import_string(path) if path else NoAttachments


def waiting_for_its_pdf(notification_id: int) -> bool:
    """An email whose PDF is still being generated waits; the document's task queues it when
    the PDF is ready (and the sweep would, if that message were lost)."""
    document_id = (
        Notification.objects.filter(pk=notification_id)
        .values_list("document_id", flat=True)
        .first()
    )
    return document_id is not None and attachments().waiting(document_id)


def deliver(notification_id: int) -> bool:
    """Send one email once. Returns False when another worker has it, it was already sent, or
    its PDF is not ready yet."""
    if waiting_for_its_pdf(notification_id):
        return False
    claimed = Notification.objects.filter(
        pk=notification_id, status__in=[Notification.Status.PENDING, Notification.Status.FAILED]
    ).update(
        status=Notification.Status.SENDING,
        claimed_at=timezone.now(),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return False
    notification = Notification.objects.get(pk=notification_id)
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        from_email=sender(notification.language),
        to=[notification.recipient],
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    if notification.document_id is not None:
        attachment = attachments().attachment(notification.document_id, notification.language)
        if attachment is not None:
            message.attach(*attachment)
    try:
        message.send()
    except Exception as exc:
        Notification.objects.filter(pk=notification_id).update(
            status=Notification.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    Notification.objects.filter(pk=notification_id).update(
        status=Notification.Status.SENT, sent_at=timezone.now(), error=""
    )
    return True


def queue_waiting_for(document_id: int) -> None:
    """The PDF is ready (or failed for good): send the emails that were waiting for it."""
    waiting = Notification.objects.filter(
        document_id=document_id, status=Notification.Status.PENDING
    ).values_list("pk", flat=True)
    for notification_id in waiting:
        queue(notification_id)


def unsent_ids(now=None) -> list[int]:
    """Emails that no worker is handling: never queued (broker down) or failed with tries left."""

    now = now or timezone.now()
    return list(
        Notification.objects.filter(
            Q(status=Notification.Status.PENDING, created_at__lt=now - UNQUEUED_AFTER)
            | Q(status=Notification.Status.FAILED, attempts__lt=MAX_ATTEMPTS)
        ).values_list("pk", flat=True)[:1000]
    )


def release_stale_claims(now=None) -> int:
    """A worker that died while sending leaves a claim behind; after a while, let another try."""
    now = now or timezone.now()
    return Notification.objects.filter(
        status=Notification.Status.SENDING, claimed_at__lt=now - STALE_CLAIM
    ).update(status=Notification.Status.PENDING)


def resend(notification_ids) -> int:
    """An administrator's resend: a fresh set of attempts for each email."""
    count = Notification.objects.filter(pk__in=notification_ids).update(
        status=Notification.Status.PENDING, attempts=0, error=""
    )
    for notification_id in notification_ids:
        queue_after_commit(DELIVER, notification_id)
    return count
