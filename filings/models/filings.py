import uuid

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from filings.law.regimes import REGIME_CHOICES
from filings.registry.identifiers import SEALED_KEYS
from portal.encrypted_fields import EncryptedJSONField

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

    class Proposal(models.TextChoices):
        """A decision the handler proposes and a second person signs off (签发): the filing keeps
        its status meanwhile (under review, or filed for a revocation) and waits in 待签发."""

        NONE = "", "—"
        APPROVE = "approve", _("Approval")
        REFUSE = "refuse", _("Refusal")
        REVOKE = "revoke", _("Revocation")

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
    data = EncryptedJSONField(_("content"), default=dict, blank=True, sealed_keys=SEALED_KEYS)
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
    # The working days of review counted from the last submission: the regime's review_days for
    # a first submission; for a resubmission, what was left when the filing was returned (the
    # review period pauses while the organization corrects, filings/lifecycle/review_period.py).
    # While returned, the days the next submission will get. Negative when returned past due.
    review_period_days = models.SmallIntegerField(_("review working days"), null=True, blank=True)
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
    # The reviewer who handles the filing (承办人): taken, assigned or released only through
    # filings/lifecycle/assignment.py.
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # A decision awaiting the second signature (filings/lifecycle/sign_off.py).
    proposed_decision = models.CharField(
        _("decision awaiting sign-off"),
        max_length=8,
        choices=Proposal.choices,
        default=Proposal.NONE,
        blank=True,
    )
    proposed_reasons = models.TextField(_("proposed reasons"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("proposed at"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed off by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
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
            # A proposal waits on a filing under review (approval, refusal) or filed (revocation),
            # and names who proposed it.
            models.CheckConstraint(
                condition=Q(proposed_decision="")
                | Q(
                    status="under_review",
                    proposed_decision__in=["approve", "refuse"],
                    proposed_by__isnull=False,
                )
                | Q(status="filed", proposed_decision="revoke", proposed_by__isnull=False),
                name="proposal_waits_on_an_open_decision",
            ),
            # Four eyes: the one who proposed a decision never signs it off.
            models.CheckConstraint(
                condition=Q(signed_off_by__isnull=True)
                | Q(proposed_by__isnull=True)
                | ~Q(signed_off_by=F("proposed_by")),
                name="proposer_never_signs_off",
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
            # The decisions awaiting sign-off (the queue's filter "awaiting my signature"): a few
            # rows an office, found without reading its queue.
            models.Index(
                F("office"),
                F("proposed_at"),
                condition=~Q(proposed_decision=""),
                name="filing_awaiting_sign_off",
            ),
        ]
        permissions = [
            (
                "review_filing",
                "Can decide on filings (start review, approve, return, refuse, revoke)",
            ),
            ("assign_filing", "Can assign the office's filings to its reviewers (office lead)"),
            ("sign_off_filing", "Can sign off decisions another reviewer proposed (signer)"),
            (
                "lead_office",
                "Leads an office (overdue reviews, missed reviews, a city's filing taken over)",
            ),
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
    data = EncryptedJSONField(_("content"), sealed_keys=SEALED_KEYS)
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
        TAKEN = "taken", _("Taken by a reviewer")
        ASSIGNED = "assigned", _("Assigned by the office lead")
        RELEASED = "released", _("Released")
        REASSIGNMENT_ASKED = "reassignment_asked", _("Reassignment asked of the office lead")
        PROPOSED = "proposed", _("Decision proposed for sign-off")
        SENT_BACK = "sent_back", _("Sent back to the handler")
        TRANSFERRED = "transferred", _("Transferred to another office")

    # The office's own workings: who handles the filing, proposals and their sign-off. Never shown
    # to the organization (its history, dashboard and API), which sees the office's decisions.
    OFFICE_INTERNAL = (
        Action.TAKEN,
        Action.ASSIGNED,
        Action.RELEASED,
        Action.REASSIGNMENT_ASKED,
        Action.PROPOSED,
        Action.SENT_BACK,
    )

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
    def organization_description(self) -> str:
        """The description as the organization reads it: a decision is the office's, so the
        staff who proposed and signed it are not named."""
        if "signed_off_by" in (self.facts or {}):
            return self.note
        return self.description

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
        if "to_office" in facts:
            from filings.registry.jurisdictions import load_divisions

            def name(code):
                division = load_divisions().get(code)
                if division is None:
                    return code
                return division.name_en if get_language() == "en" else division.name

            moved = _("From %(from)s to %(to)s") % {
                "from": name(facts.get("from_office", "")),
                "to": name(facts["to_office"]),
            }
            return f"{moved}: {self.note}" if self.note else moved
        if "cancelled_by" in facts:
            return _("Cancelled by %(number)s") % {"number": facts["cancelled_by"]}
        if "signed_off_by" in facts:
            line = _("Proposed by %(proposer)s, signed off by %(signer)s") % {
                "proposer": facts.get("proposed_by", "?"),
                "signer": facts["signed_off_by"],
            }
            return f"{line} · {self.note}" if self.note else line
        if "proposal" in facts:
            decision = dict(Filing.Proposal.choices).get(facts["proposal"], facts["proposal"])
            return f"{decision} · {self.note}" if self.note else str(decision)
        if "holder" in facts:
            line = (
                _("Handled by %(name)s") % {"name": facts["holder"]}
                if facts["holder"]
                else _("No one handles it now")
            )
            if facts.get("previous"):
                line = _("%(line)s (before: %(name)s)") % {"line": line, "name": facts["previous"]}
            return f"{line} · {self.note}" if self.note else line
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
