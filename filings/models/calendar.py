from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarYear(models.Model):
    """One year of the working-day calendar, as the State Council's holiday notice sets it.

    A year with no record, or with published=False, is provisional: deadlines that reach into it
    are shown as such and recomputed when the notice is entered.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    published = models.BooleanField(
        _("published"),
        default=False,
        help_text=_("Tick once the State Council's notice for this year has been entered in full."),
    )
    notice = models.CharField(
        _("notice"),
        max_length=200,
        blank=True,
        help_text=_("Title and number of the notice, e.g. 国办发明电〔2025〕7号."),
    )
    source = models.CharField(_("source"), max_length=100, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


class CalendarPeriod(models.Model):
    """A run of days off, or of make-up working days (调休上班), as the notice lists them."""

    class Kind(models.TextChoices):
        DAYS_OFF = "off", _("Days off")
        WORKING_DAYS = "work", _("Make-up working days")

    calendar_year = models.ForeignKey(
        CalendarYear, on_delete=models.CASCADE, related_name="periods", verbose_name=_("year")
    )
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    label = models.CharField(_("label"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("calendar period")
        verbose_name_plural = _("calendar periods")
        ordering = ["first_day"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")),
                name="calendar_period_ordered",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.first_day}–{self.last_day}"

    def clean(self):
        if self.first_day and self.last_day and self.last_day < self.first_day:
            raise ValidationError({"last_day": _("The last day cannot be before the first day.")})
