"""The public self-check's questions (filings.lifecycle.self_check): a few answers, no identity."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filings.forms.organizations import division_name
from filings.forms.systems import MAX_PEOPLE
from filings.forms.widgets import IsoDateInput
from filings.lifecycle.self_check import Answers
from filings.registry import jurisdictions


def city_choices() -> list:
    """Every prefecture-level city, grouped by province; a municipality is its own city."""
    divisions = jurisdictions.load_divisions().values()
    provinces = sorted(
        (d for d in divisions if d.level == jurisdictions.LEVEL_PROVINCE), key=lambda d: d.code
    )
    grouped = [("", _("Choose the city of the registered address"))]
    for province in provinces:
        if jurisdictions.is_municipality(province.code):
            grouped.append((province.code, division_name(province)))
            continue
        cities = [(d.code, division_name(d)) for d in jurisdictions.address_choices(province.code)]
        grouped.append((division_name(province), cities))
    return grouped


class SelfCheckForm(forms.Form):
    people_stored = forms.IntegerField(
        label=_("People whose facial information your organization stores"),
        min_value=0,
        max_value=MAX_PEOPLE,
        help_text=_(
            "Distinct people across all your systems: a person in two systems counts once."
        ),
        error_messages={
            "min_value": _("The number of people cannot be negative."),
            "max_value": _("This number is larger than any real count; please check it."),
            "invalid": _("Enter a whole number, without separators."),
        },
    )
    reached_on = forms.DateField(
        label=_("Date that number was reached (or will be)"),
        widget=IsoDateInput(),
        help_text=_("The deadline is counted from this day."),
    )
    used_in_public_place = forms.BooleanField(
        label=_("Facial recognition is used in a public place"),
        required=False,
        help_text=_("Streets, stations, shops, venues and building entrances are public places."),
    )
    research_only = forms.BooleanField(
        label=_("Only for research, development or algorithm training of facial recognition"),
        required=False,
    )
    address_division = forms.ChoiceField(
        label=_("City of the registered address"), choices=city_choices
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("reached_on", timezone.localdate())

    def clean_reached_on(self):
        day = self.cleaned_data["reached_on"]
        if day.year < 1990:
            raise forms.ValidationError(_("Enter a date from 1990 onwards."))
        if day > timezone.localdate() + timedelta(days=366):
            raise forms.ValidationError(_("Enter a date within the next year."))
        return day

    def answers(self) -> Answers:
        return Answers(**self.cleaned_data)
