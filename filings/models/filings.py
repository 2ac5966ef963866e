import uuid

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from filings.law.regimes import REGIME_CHOICES

OPEN_FOR_REVIEW = ("submitted", "under_review")
# Never in an office's queue: the organization's own draft, and a filing it withdrew before review.
OUTSIDE_THE_QUEUE = ("draft", "withdrawn")


def review_urgency() -> Case:
    """0 for a filing waiting for a decision, 1 for one returned for correction, 2 for decided:
    the review queue sorts on it first, and an index is built on it."""
    return Case(
        When(status__in=OPEN_FOR_REVIEW, then=Value(0)),
        When(status="returned", then=Value(1)),
        default=Value(2),
        output_field=models.IntegerField(),
    )


class Filing(models.Model):
    """One filing with its office: an initial filing, a change, or a cancellation.

    While it is a draft (or returned for correction) its content lives in ``data``, a JSON document
    whose shape filings/law/vocabulary.py describes. Each submission freezes ``data`` into an
    immutable FilingVersion. The status changes only in filings/lifecycle/services.py.
    """

    class Kind(models.TextChoices):
        INITIAL = "initial", _("Initial filing")
        CHANGE = "change", pgettext_lazy("kind of filing", "Change")
        CANCELLATION = "cancellation", _("Cancellation")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        UNDER_REVIEW = "under_review", _("Under review")
        RETURNED = "returned", _("Returned for correction")
        REFUSED = "refused", _("Refused")
        FILED = "filed", _("Filed")
        CANCELLED = "cancelled", _("Cancelled")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        REVOKED = "revoked", _("Revoked")

    organization = models.ForeignKey(
        "filings.Organization", on_delete=models.PROTECT, related_name="filings"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    regime = models.CharField(_("rule set"), max_length=30, choices=REGIME_CHOICES)
    office = models.ForeignKey(
        "filings.Jurisdiction", on_delete=models.PROTECT, related_name="filings"
    )
    original = models.ForeignKey(
        "self",
        verbose_name=_("filing changed or cancelled"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
    )
    obligation = models.ForeignKey(
        "filings.Obligation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="filings",
    )
    # The duty this filing answers (initial, change or cancellation). ``obligation`` becomes the
    # correction duty when the filing is returned; ``duty`` stays, so that a refusal, a withdrawal
    # or a revocation knows which duty to reopen.
    duty = models.ForeignKey(
        "filings.Obligation",
        verbose_name=_("duty"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # A filing started again from a refused, withdrawn or revoked one.
    refiled_from = models.ForeignKey(
        "self",
        verbose_name=_("filed again from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refilings",
    )
    data = models.JSONField(_("content"), default=dict, blank=True)
    completed_steps = models.JSONField(default=list, blank=True)
    receipt_number = models.CharField(
        _("receipt number"), max_length=30, unique=True, null=True, blank=True
    )
    filing_number = models.CharField(
        _("filing number"), max_length=40, unique=True, null=True, blank=True
    )
    deadline = models.DateField(_("filing deadline"), null=True, blank=True)
    late = models.BooleanField(_("filed late"), default=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    review_due = models.DateField(_("review due"), null=True, blank=True)
    review_due_final = models.BooleanField(
        _("review due date final"),
        default=True,
        help_text=_("False while the review period reaches into a year not announced yet."),
    )
    correction_deadline = models.DateField(_("correction deadline"), null=True, blank=True)
    warning_count = models.PositiveSmallIntegerField(_("warnings"), default=0)
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # Retention (filings/lifecycle/retention.py): when the files and personal details were
    # deleted, and when an untouched draft's members were warned that they would be.
    purged_at = models.DateTimeField(_("personal details deleted on"), null=True, blank=True)
    purge_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("filing")
        verbose_name_plural = _("filings")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "draft",
                        "submitted",
                        "under_review",
                        "returned",
                        "refused",
                        "filed",
                        "cancelled",
                        "withdrawn",
                        "revoked",
                    ]
                ),
                name="filing_status_known",
            ),  # fmt: skip
            models.CheckConstraint(
                condition=~Q(status__in=["filed", "cancelled", "revoked"])
                | Q(filing_number__isnull=False),
                name="filed_filing_has_a_number",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(receipt_number__isnull=False),
                name="submitted_filing_has_a_receipt",
            ),
            models.CheckConstraint(
                condition=Q(kind="initial") | Q(original__isnull=False),
                name="follow_up_points_at_its_filing",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "review_due"]),
            # The review queue's order (filings_admin.FilingAdmin.get_ordering) within an office:
            # a page of the queue is an index range scan, whatever the office holds, and the
            # paginator's count an index-only scan (the condition is the queue's own filter), as
            # are the keys of a deep page (BoundedCountPaginator.page).
            models.Index(
                F("office"),
                review_urgency(),
                F("review_due"),
                F("submitted_at"),
                F("id"),
                F("updated_at"),
                F("status"),  # the urgency's own column: the keys of a page, index-only
                condition=~Q(status__in=OUTSIDE_THE_QUEUE),
                name="filing_review_queue",
            ),
            # The same queue filtered to one status, where the urgency is one value and the order
            # starts at the review due date (FilingAdmin.get_ordering).
            models.Index(
                F("office"),
                F("status"),
                F("review_due"),
                F("submitted_at"),
                F("id"),
                condition=~Q(status__in=OUTSIDE_THE_QUEUE),
                name="filing_queue_by_status",
            ),
            # The latest change of an office's filings, drafts aside (statistics.last_change, the
            # statistics' fingerprint): one probe per office, whatever the office holds.
            models.Index(
                F("office"),
                F("updated_at").desc(),
                condition=~Q(status="draft"),
                name="filing_office_last_change",
            ),
        ]
        permissions = [
            (
                "review_filing",
                "Can decide on filings (start review, approve, return, refuse, revoke)",
            )
        ]

    def __str__(self):
        return self.receipt_number or f"{self.get_kind_display()} #{self.pk}"

    @property
    def editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


class FilingVersion(models.Model):
    """What was submitted, frozen: never changed after it is written."""

    filing = models.ForeignKey(Filing, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    data = models.JSONField(_("content"))
    findings = models.JSONField(_("check results"), default=list)
    attachments = models.JSONField(_("attachments"), default=list)
    on_time = models.BooleanField(_("on time"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"))

    class Meta:
        verbose_name = _("submitted version")
        verbose_name_plural = _("submitted versions")
        ordering = ["filing", "number"]
        constraints = [
            models.UniqueConstraint(fields=["filing", "number"], name="one_version_number_each")
        ]

    def __str__(self):
        return f"{self.filing} v{self.number}"


class FilingEvent(models.Model):
    """The audit trail: who did what to a filing, when, from which status to which."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        SUBMITTED = "submitted", _("Submitted")
        REVIEW_STARTED = "review_started", _("Review started")
        RETURNED = "returned", _("Returned for correction")
        REFUSED = "refused", _("Refused")
        APPROVED = "approved", _("Approved")
        CANCELLED = "cancelled", _("Cancelled")
        WITHDRAWN = "withdrawn", _("Withdrawn by the organization")
        REVOKED = "revoked", _("Revoked by the office")
        MESSAGE_FROM_OFFICE = "message_from_office", _("Message from the office")
        MESSAGE_FROM_ORGANIZATION = "message_from_organization", _("Message from the organization")
        ATTACHMENT_DOWNLOADED = "attachment_downloaded", _("Attachment downloaded")
        DOCUMENT_DOWNLOADED = "document_downloaded", _("Document downloaded")

    filing = models.ForeignKey(Filing, on_delete=models.PROTECT, related_name="events")
    version = models.ForeignKey(
        FilingVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # What a person wrote (reasons, a message), as written.
    note = models.TextField(_("note"), blank=True)
    # What the portal records (which document, which filing), as facts: the words are rendered
    # in the reader's language when shown (``description``), never stored in the actor's.
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_action_display()} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def description(self) -> str:
        """The note, or the facts in the current language."""
        from filings.models.documents import Document

        facts = self.facts or {}
        if "document" in facts:
            kind = dict(Document.Kind.choices).get(facts["document"], facts["document"])
            return f"{kind} v{facts.get('version', '?')}"
        if "attachment" in facts:
            return f"{facts['attachment']} ({facts.get('sha256', '')[:12]})"
        if "refiled_from" in facts:
            status = dict(Filing.Status.choices).get(facts.get("status"), facts.get("status"))
            return _("Filed again from %(receipt)s (%(status)s)") % {
                "receipt": facts["refiled_from"],
                "status": status,
            }
        if "cancelled_by" in facts:
            return _("Cancelled by %(number)s") % {"number": facts["cancelled_by"]}
        return self.note


def attachment_path(instance, filename):
    # A generated name: the original name is kept in the row, never used on disk. The extension
    # is the one of the detected type (the caller's filename is the portal's, never the user's).
    suffix = EXTENSIONS.get(instance.content_type, ("",))[0]
    return f"attachments/{instance.filing_id}/{uuid.uuid4().hex}{suffix}"


# The extensions a file of each accepted type may carry; the first is the one it is given.
EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
}


def name_for_type(name: str, content_type: str) -> str:
    """The uploader's file name with the extension of what the file is: a PDF uploaded as
    ``poly.html`` is ``poly.pdf``, so no browser or viewer treats it as anything else."""
    suffixes = EXTENSIONS.get(content_type)
    if not suffixes:
        return name
    stem, dot, suffix = name.rpartition(".")
    if dot and f".{suffix.lower()}" in suffixes:
        return name
    stem = (stem if dot else name) or "attachment"
    return f"{stem[: 255 - len(suffixes[0])]}{suffixes[0]}"


class Attachment(models.Model):
    filing = models.ForeignKey(Filing, on_delete=models.PROTECT, related_name="attachment_rows")
    kind = models.CharField(_("kind"), max_length=30)
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    # The file was deleted when its retention period ended; the row (name, size, hash) stays.
    purged_at = models.DateTimeField(_("deleted on"), null=True, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name

    @property
    def download_name(self) -> str:
        return name_for_type(self.original_name, self.content_type)


class NumberCounter(models.Model):
    """The last number given in a series (an office's filing numbers of a year): locked, then
    incremented, so two approvals at once get two numbers and no number is ever given twice."""

    series = models.CharField(max_length=40, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.series}: {self.last}"


class PurgeDue(Filing):
    """The filings whose files and personal details the retention rules delete within the next
    30 days: a view for administrators (filings/admin/retention.py), no table of its own."""

    class Meta:
        proxy = True
        verbose_name = _("filing due for deletion")
        verbose_name_plural = _("due for deletion in the next 30 days")
