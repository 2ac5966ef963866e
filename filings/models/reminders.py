from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Reminder(models.Model):
    """A deadline reminder that went out. Its unique key (obligation, kind, deadline) is the claim:
    two sweeps, two workers or a retried task cannot send the same reminder twice."""

    obligation = models.ForeignKey(
        "filings.Obligation", on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(_("kind"), max_length=20)
    deadline = models.DateField(_("deadline"))
    due_on = models.DateField(_("due on"))
    sent_on = models.DateField(_("sent on"))
    recipients = models.PositiveSmallIntegerField(_("recipients"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["obligation", "kind", "deadline"], name="one_reminder_per_kind_and_deadline"
            )
        ]

    def __str__(self):
        return f"{self.kind} · {self.deadline}"


class ReviewerDigest(models.Model):
    """The daily digest of one reviewer, once a day at most."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_digests"
    )
    day = models.DateField(_("day"))
    filing_count = models.PositiveIntegerField(_("filings"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("review digest")
        verbose_name_plural = _("review digests")
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="one_digest_per_reviewer_and_day")
        ]

    def __str__(self):
        return f"{self.user} · {self.day}"


class ReviewEscalation(models.Model):
    """A review past its due date, told to an office lead: once per (filing, due date, lead), the
    unique key being the claim, so two digests on one day or a retried task tell it once."""

    filing = models.ForeignKey(
        "filings.Filing", on_delete=models.CASCADE, related_name="review_escalations"
    )
    review_due = models.DateField(_("review due"))
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_on = models.DateField(_("sent on"))

    class Meta:
        verbose_name = _("review escalation")
        verbose_name_plural = _("review escalations")
        constraints = [
            models.UniqueConstraint(
                fields=["filing", "review_due", "lead"], name="one_escalation_per_due_and_lead"
            )
        ]

    def __str__(self):
        return f"{self.filing_id} · {self.review_due}"
