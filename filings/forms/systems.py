from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filings.forms.widgets import IsoDateInput
from filings.lifecycle.obligations import total_errors
from filings.models import RecognitionSystem

MAX_PEOPLE = (
    2_000_000_000  # more than the population of any country; catches typos, fits the column
)


class SystemForm(forms.ModelForm):
    people_stored = forms.IntegerField(
        label=_("People whose facial information is stored"),
        min_value=0,
        max_value=MAX_PEOPLE,
        help_text=_("The number of distinct people, not images."),
        error_messages={
            "min_value": _("The number of people cannot be negative."),
            "max_value": _("This number is larger than any real count; please check it."),
            "invalid": _("Enter a whole number, without separators."),
        },
    )

    class Meta:
        model = RecognitionSystem
        fields = [
            "name",
            "people_stored",
            "used_in_public_place",
            "count_reached_on",
            "research_only",
        ]
        widgets = {"count_reached_on": IsoDateInput()}
        help_texts = {
            "used_in_public_place": _(
                "Public places include streets, stations, shops, venues and building entrances."
            ),
        }

    def clean_count_reached_on(self):
        day = self.cleaned_data["count_reached_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(
                _("This date is in the future; enter the day the number was actually reached.")
            )
        if day.year < 1990:
            raise forms.ValidationError(_("Enter a date from 1990 onwards."))
        return day


class RetireSystemForm(forms.Form):
    """The day the organization stopped using a system."""

    retired_on = forms.DateField(label=_("Use stopped on"), widget=IsoDateInput())

    def __init__(self, *args, system, **kwargs):
        super().__init__(*args, **kwargs)
        self.system = system

    def clean_retired_on(self):
        day = self.cleaned_data["retired_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(
                _("This date is in the future; declare the retirement once the use has stopped.")
            )
        if day < self.system.count_reached_on:
            raise forms.ValidationError(
                _("The use cannot stop before the day the system's number was reached (%(day)s).")
                % {"day": self.system.count_reached_on.isoformat()}
            )
        return day


class TotalForm(forms.Form):
    """The organization's number of distinct people across all its systems: the number the
    threshold is about. Bounded below by the largest system and above by the sum of them."""

    people_total = forms.IntegerField(
        label=_("Distinct people across all systems"),
        min_value=0,
        max_value=MAX_PEOPLE,
        help_text=_("A person enrolled in two systems is counted once."),
        error_messages={
            "min_value": _("The number of people cannot be negative."),
            "max_value": _("This number is larger than any real count; please check it."),
            "invalid": _("Enter a whole number, without separators."),
        },
    )
    reached_on = forms.DateField(
        label=_("Date that number was reached"),
        widget=IsoDateInput(),
    )

    def __init__(self, *args, systems=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.systems = list(systems)

    def clean_reached_on(self):
        day = self.cleaned_data["reached_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(
                _("This date is in the future; enter the day the number was actually reached.")
            )
        if day.year < 1990:
            raise forms.ValidationError(_("Enter a date from 1990 onwards."))
        return day

    def clean_people_total(self):
        total = self.cleaned_data["people_total"]
        errors = total_errors(total, self.systems)
        if errors:
            raise forms.ValidationError(errors)
        return total


class BulkDeclarationForm(forms.Form):
    file = forms.FileField(
        label=_("Filled-in template (.xlsx)"),
        help_text=_("The portal's template, at most 5 MB."),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
