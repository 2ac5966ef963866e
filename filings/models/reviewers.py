from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Reviewer(models.Model):
    """A staff member of a cyberspace office: reviews the filings of that office's jurisdiction
    (a provincial office: the whole province)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="reviewer",
    )
    office = models.ForeignKey(
        "filings.Jurisdiction",
        verbose_name=_("office"),
        on_delete=models.PROTECT,
        related_name="reviewers",
    )
    created_at = models.DateTimeField(_("appointed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reviewer")
        verbose_name_plural = _("reviewers")
        ordering = ["office__code", "user__email"]

    def __str__(self):
        return f"{self.user} · {self.office.office_name}"
