from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One email: written here in the request's transaction, sent afterwards by a Celery task.

    The row is the record administrators read and the claim that makes sending happen once.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=50)
    recipient = models.EmailField(_("recipient"))
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    # The id of the PDF the email carries, a plain reference: notifications never imports filings
    # (the layer test's INDEPENDENT); it asks about the PDF through settings.
    # NOTIFICATION_ATTACHMENTS, which answers for an id that no longer exists too.
    document_id = models.BigIntegerField(
        _("PDF attached"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("The email waits for this PDF to be ready, then carries it."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("email")
        verbose_name_plural = _("emails")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.kind} → {self.recipient}"
