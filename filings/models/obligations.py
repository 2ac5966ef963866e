from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from filings.law.regimes import REGIME_CHOICES


class RecognitionSystem(models.Model):
    """A facial-recognition system an organization declares: how many people it stores, where."""

    organization = models.ForeignKey(
        "filings.Organization", on_delete=models.CASCADE, related_name="systems"
    )
    name = models.CharField(_("system name"), max_length=100)
    people_stored = models.PositiveIntegerField(
        _("people whose facial information is stored"),
        help_text=_("The number of distinct people, not images."),
    )
    used_in_public_place = models.BooleanField(_("used in a public place"), default=False)
    count_reached_on = models.DateField(
        _("date that number was reached"),
        help_text=_("The day the system first stored this many people (or was first used so)."),
    )
    research_only = models.BooleanField(
        _("used only for research, development or algorithm training of facial recognition"),
        default=False,
        help_text=_(
            "Under the 2025 measures (Art. 2 ¶2) such processing is outside the rules and does not "
            "count toward the threshold; under the 2023 draft it counts."
        ),
    )
    retired_on = models.DateField(
        _("use stopped on"),
        null=True,
        blank=True,
        help_text=_("The day the organization stopped using this system."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("facial-recognition system")
        verbose_name_plural = _("facial-recognition systems")
        ordering = ["name"]

    def __str__(self):
        return self.name


class SystemDeclaration(models.Model):
    """An immutable record of every declaration, so that the history is never lost."""

    system = models.ForeignKey(
        RecognitionSystem, on_delete=models.CASCADE, related_name="declarations"
    )
    people_stored = models.PositiveIntegerField(_("people stored"))
    used_in_public_place = models.BooleanField(_("used in a public place"))
    count_reached_on = models.DateField(_("date that number was reached"))
    research_only = models.BooleanField(
        _("research, development or algorithm training only"), default=False
    )
    retired_on = models.DateField(_("use stopped on"), null=True, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    declared_at = models.DateTimeField(_("declared at"), auto_now_add=True)

    class Meta:
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        ordering = ["-declared_at", "-pk"]

    def __str__(self):
        return f"{self.system} · {self.people_stored} · {self.declared_at:%Y-%m-%d}"


class Obligation(models.Model):
    """A duty to file by a deadline, decided by the rule set that was in force when it arose."""

    class Kind(models.TextChoices):
        INITIAL = "initial", _("Initial filing")
        CHANGE = "change", _("Change filing")
        CANCELLATION = "cancellation", _("Cancellation filing")
        CORRECTION = "correction", _("Correction after a return")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        FULFILLED = "fulfilled", _("Fulfilled")
        LIFTED = "lifted", _("Lifted")
        # A change declared while the initial filing is submitted but not yet filed: there is no
        # filing to change yet. Opened when the initial filing is approved
        # (``filings.lifecycle.obligations.open_waiting_changes``).
        WAITING = "waiting", _("Waiting for the filing it changes")

    organization = models.ForeignKey(
        "filings.Organization", on_delete=models.CASCADE, related_name="obligations"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    regime = models.CharField(_("rule set"), max_length=30, choices=REGIME_CHOICES)
    office = models.ForeignKey(
        "filings.Jurisdiction",
        verbose_name=_("office"),
        on_delete=models.PROTECT,
        related_name="obligations",
    )
    trigger_date = models.DateField(_("arose on"))
    deadline = models.DateField(_("deadline"))
    deadline_final = models.BooleanField(
        _("deadline final"),
        help_text=_("False while the deadline reaches into a year without a published notice."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    next_reminder_on = models.DateField(
        _("next reminder on"),
        null=True,
        blank=True,
        help_text=_("When the daily sweep next looks at this obligation; empty: never again."),
    )

    class Meta:
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        ordering = ["deadline"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(kind="initial", status="open"),
                name="one_open_initial_obligation",
            )
        ]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            # The reminder sweep reads only what is due: its cost follows that, not the table.
            models.Index(fields=["status", "next_reminder_on"], name="obligation_reminder_due"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.organization} · {self.deadline}"


class OverdueDuty(Obligation):
    """The review workspace's list of organizations that have not filed: open duties past their
    deadline (the admin filters the rows; this model only gives the list its own page)."""

    class Meta:
        proxy = True
        verbose_name = _("organization that has not filed")
        verbose_name_plural = _("organizations that have not filed")


class CorrectionOrder(models.Model):
    """An office's order to correct (责令改正) to an organization that has not filed in time.
    Written once, never changed: it is the record that the order was given."""

    obligation = models.ForeignKey(
        Obligation,
        verbose_name=_("obligation"),
        on_delete=models.PROTECT,
        related_name="correction_orders",
    )
    organization = models.ForeignKey(
        "filings.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="correction_orders",
    )
    office = models.ForeignKey(
        "filings.Jurisdiction",
        verbose_name=_("office"),
        on_delete=models.PROTECT,
        related_name="correction_orders",
    )
    ordered_on = models.DateField(_("ordered on"))
    correct_by = models.DateField(_("correct by"))
    note = models.TextField(_("note"), blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("order to correct")
        verbose_name_plural = _("orders to correct")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(correct_by__gte=models.F("ordered_on")),
                name="correction_order_date_after_order",
            )
        ]

    def __str__(self):
        return f"{self.organization} · {self.correct_by}"


class DeadlineChange(models.Model):
    """Why a deadline moved: the calendar of a year was entered or edited."""

    obligation = models.ForeignKey(
        Obligation, on_delete=models.CASCADE, related_name="deadline_changes"
    )
    old_deadline = models.DateField(_("old deadline"))
    old_final = models.BooleanField(_("old deadline final"))
    new_deadline = models.DateField(_("new deadline"))
    new_final = models.BooleanField(_("new deadline final"))
    calendar_year = models.PositiveSmallIntegerField(_("calendar year"))
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("deadline change")
        verbose_name_plural = _("deadline changes")
        ordering = ["-changed_at"]

    def __str__(self):
        return f"{self.old_deadline} → {self.new_deadline}"


class HeadcountDeclaration(models.Model):
    """The organization's declared number of distinct people whose facial information it stores,
    across all its systems: the number the threshold is about. Every declaration is kept; the
    latest is the one in force."""

    organization = models.ForeignKey(
        "filings.Organization", on_delete=models.CASCADE, related_name="headcounts"
    )
    people_total = models.PositiveIntegerField(_("distinct people across all systems"))
    reached_on = models.DateField(_("date that number was reached"))
    # What the systems said when the total was declared: its bounds, kept for the record.
    largest_system = models.PositiveIntegerField(_("largest system"))
    systems_sum = models.PositiveIntegerField(_("sum of the systems"))
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    declared_at = models.DateTimeField(_("declared at"), auto_now_add=True)

    class Meta:
        verbose_name = _("declared total")
        verbose_name_plural = _("declared totals")
        ordering = ["-declared_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(people_total__gte=models.F("largest_system")),
                name="total_not_below_the_largest_system",
            )
        ]

    def __str__(self):
        return f"{self.organization} · {self.people_total} · {self.declared_at:%Y-%m-%d}"


class ObligationEvent(models.Model):
    """What happened to an obligation besides a calendar change: re-assessed under another rule
    set, prompted by a declaration after filing."""

    class Action(models.TextChoices):
        REASSESSED = "reassessed", _("Re-assessed under another rule set")
        LIFTED = "lifted", _("Lifted on re-assessment")
        PROMPTED = "prompted", _("Change filing prompted")
        CANCELLATION_PROMPTED = "cancellation", _("Cancellation filing prompted")
        OPENED = "opened", _("Opened when the filing it changes was filed")

    obligation = models.ForeignKey(Obligation, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    old_regime = models.CharField(_("old rule set"), max_length=30, blank=True)
    new_regime = models.CharField(_("new rule set"), max_length=30, blank=True)
    old_office = models.CharField(_("old office"), max_length=6, blank=True)
    new_office = models.CharField(_("new office"), max_length=6, blank=True)
    old_deadline = models.DateField(_("old deadline"), null=True, blank=True)
    new_deadline = models.DateField(_("new deadline"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("obligation event")
        verbose_name_plural = _("obligation events")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_action_display()} · {self.created_at:%Y-%m-%d}"


class AppliedRegime(models.Model):
    """Each rule set the open obligations were brought in line with, and when: a switch of
    FILING_REGIME is detected by comparing the setting with the latest row."""

    code = models.CharField(_("rule set"), max_length=30, choices=REGIME_CHOICES)
    # The day the rule set applied from (for the draft, DRAFT_APPLIES_FROM or the first migration):
    # a change of it re-assesses the open obligations, as a switch of rule set does.
    starts_on = models.DateField(_("applies from"), null=True, blank=True)
    applied_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    obligations_reassessed = models.PositiveIntegerField(_("obligations re-assessed"), default=0)

    class Meta:
        verbose_name = _("rule set applied")
        verbose_name_plural = _("rule sets applied")
        ordering = ["-applied_at", "-pk"]

    def __str__(self):
        return f"{self.code} · {self.applied_at:%Y-%m-%d %H:%M}"


class Deployment(models.Model):
    """Facts about this deployment that are set once: the day its database was first migrated,
    from which it applies the 2023 draft unless DRAFT_APPLIES_FROM says otherwise. One row."""

    first_migrated = models.DateField(_("database first migrated on"))

    class Meta:
        verbose_name = _("deployment")
        verbose_name_plural = _("deployment")

    def __str__(self):
        return f"{self.first_migrated:%Y-%m-%d}"

    _cached: date | None = None

    @classmethod
    def first_migrated_on(cls) -> date:
        """Read once per process: the row never changes. A database emptied by a test's flush
        gets today's date again."""
        if cls._cached is None:
            from django.utils import timezone

            row, _created = cls.objects.get_or_create(
                pk=1, defaults={"first_migrated": timezone.localdate()}
            )
            cls._cached = row.first_migrated
        return cls._cached
