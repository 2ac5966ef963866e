import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


def document_path(instance, filename):
    return f"documents/{instance.filing_id}/{uuid.uuid4().hex}.pdf"


class Document(models.Model):
    """A generated PDF: the filing form of a submitted version, or the office's notice on it.

    One per (version, kind), whatever the number of retries or duplicate task messages. Rendered by
    a Celery task; a periodic sweep queues again what was left pending (the broker was down) or
    failed with tries left.
    """

    class Kind(models.TextChoices):
        FORM = "form", _("Filing form")
        NOTICE = "notice", _("Filing notice")
        RETURN_NOTICE = "return_notice", _("Return notice")
        REFUSAL_NOTICE = "refusal_notice", _("Refusal notice")
        REVOCATION_NOTICE = "revocation_notice", _("Revocation notice")

    class Status(models.TextChoices):
        PENDING = "pending", _("Generating")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    filing = models.ForeignKey("filings.Filing", on_delete=models.PROTECT, related_name="documents")
    version = models.ForeignKey(
        "filings.FilingVersion", on_delete=models.PROTECT, related_name="documents"
    )
    event = models.ForeignKey(
        "filings.FilingEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=10)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    file = models.FileField(upload_to=document_path, max_length=200, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    size = models.PositiveIntegerField(_("size"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True)
    # The PDF was deleted when its retention period ended; the row (kind, hash) stays.
    purged_at = models.DateTimeField(_("deleted on"), null=True, blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "kind"], name="one_document_per_version_kind"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="ready") | ~models.Q(sha256=""),
                name="ready_document_has_a_hash",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.filing}"

    @property
    def download_name(self) -> str:
        reference = self.filing.filing_number or self.filing.receipt_number or str(self.filing_id)
        return f"{self.get_kind_display()}-{reference}-v{self.version.number}.pdf"
