"""The public self-check: anyone learns whether, where and by when an organization must file,
before registering; the answers are carried over to the registration and the first system."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from filings.forms.self_check import SelfCheckForm
from filings.law.regimes import current_regime
from filings.lifecycle import self_check

# The answers kept for the registration and the first declared system.
SESSION_KEY = "self_check"


@require_safe
def self_check_page(request):
    form = SelfCheckForm(request.GET if "people_stored" in request.GET else None)
    verdict = None
    if form.is_bound and form.is_valid():
        verdict = self_check.check(form.answers(), current_regime())
        request.session[SESSION_KEY] = {
            **form.cleaned_data,
            "reached_on": form.cleaned_data["reached_on"].isoformat(),
        }
    return render(request, "filings/self_check.html", {"form": form, "verdict": verdict})


def carried_over(request) -> dict:
    """The self-check's answers of this browser, if any (for the forms that follow)."""
    return dict(request.session.get(SESSION_KEY) or {})
