"""The period a page of figures covers (the province's page of its cities)."""

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from filings.forms.widgets import IsoDateInput

LONGEST = timedelta(days=366 * 5)


def default_period(today: date) -> tuple[date, date]:
    """From the first day of this calendar year to today."""
    return date(today.year, 1, 1), today


class PeriodForm(forms.Form):
    since = forms.DateField(label=_("From"), widget=IsoDateInput())
    until = forms.DateField(label=_("To"), widget=IsoDateInput())

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until:
            if until < since:
                raise forms.ValidationError(_("The period ends before it begins."))
            if until - since > LONGEST:
                raise forms.ValidationError(_("Choose a period of five years at most."))
        return cleaned


def period_from(query, today: date) -> tuple["PeriodForm", date, date]:
    """The period asked for in ``query`` (GET), or the default one with the form's errors shown
    when what was asked cannot be read."""
    since, until = default_period(today)
    if "since" not in query and "until" not in query:
        return PeriodForm(initial={"since": since, "until": until}), since, until
    form = PeriodForm(query)
    if form.is_valid():
        return form, form.cleaned_data["since"], form.cleaned_data["until"]
    return form, since, until
