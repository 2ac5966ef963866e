from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def export_path(job, filename):
    return f"exports/{job.pk}.xlsx"


class ExportJob(models.Model):
    """An Excel export too large to build while the reviewer waits: a worker writes it to a
    private file, the reviewer follows its progress and downloads it when it is ready."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a worker")
        RUNNING = "running", _("Being written")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    # The review queue's query string (filters, search): the same rows as on the screen.
    query = models.TextField(_("selection"), blank=True)
    language = models.CharField(_("language"), max_length=10)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(upload_to=export_path, max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self):
        return f"{self.pk} · {self.get_status_display()}"

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 100 if self.status == self.Status.READY else 0
        return min(100, self.rows_done * 100 // self.rows_total)
