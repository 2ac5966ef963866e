"""The public page that says which rules the office applies: the rule set in force, from which
day, what each rule set asks, and the sources. Anyone may read it, before registering."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from filings.law import rules_text
from filings.law.regimes import REGIMES, current_regime, get_regime
from filings.registry.jurisdictions import AUTHORITY_PROVINCE


@require_safe
def rules(request):
    in_force = current_regime()
    regimes = [get_regime(code) for code in REGIMES]
    return render(
        request,
        "filings/rules.html",
        {
            "regime": in_force,
            "rules_applied": rules_text.rules_applied(in_force),
            "review_period": rules_text.REVIEW_PERIOD,
            "regimes": [
                {
                    "regime": regime,
                    "applies": regime.code == in_force.code,
                    "provincial": regime.authority_level == AUTHORITY_PROVINCE,
                    "who_files": rules_text.WHO_FILES[regime.code],
                }
                for regime in regimes
            ],
        },
    )
