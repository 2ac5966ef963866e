"""The public self-check: whether an organization must file, with which office and by when, from
a few answers, before it registers anything. The same rule as a registered organization's duty
(``obligations.assess`` and ``obligations.deadline_for``), applied to the answers as if they were
one declared system."""

from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace

from django.utils.translation import gettext as _

from filings.law import rules_text
from filings.law.regimes import Regime
from filings.lifecycle import obligations
from filings.models import Obligation
from filings.registry import jurisdictions


@dataclass(frozen=True)
class Answers:
    people_stored: int
    used_in_public_place: bool
    research_only: bool
    reached_on: date
    address_division: str


@dataclass(frozen=True)
class Verdict:
    must_file: bool
    regime: Regime
    office_code: str
    deadline: date | None
    deadline_final: bool
    why: str  # why (or why not), in the words of the rule set
    rule: object  # what the rule set says of itself: who files, where, by when

    @property
    def office_name(self) -> str:
        from django.utils.translation import get_language

        division = jurisdictions.load_divisions()[self.office_code]
        return jurisdictions.office_display_name(division, get_language() or "zh-hans")


def check(answers: Answers, regime: Regime) -> Verdict:
    system = SimpleNamespace(
        name=_("the systems described"),
        people_stored=answers.people_stored,
        used_in_public_place=answers.used_in_public_place,
        count_reached_on=answers.reached_on,
        research_only=answers.research_only,
        retired_on=None,
    )
    assessment = obligations.assess([system], regime)
    office = jurisdictions.office_code_for(answers.address_division, regime.authority_level)
    deadline = None
    if assessment.must_file:
        deadline = obligations.deadline_for(Obligation.Kind.INITIAL, assessment.since, regime)
    return Verdict(
        must_file=assessment.must_file,
        regime=regime,
        office_code=office,
        deadline=deadline.date if deadline else None,
        deadline_final=deadline.final if deadline else True,
        why=_why(answers, regime, assessment.must_file),
        rule=rules_text.WHO_FILES[regime.code],
    )


def _why(answers: Answers, regime: Regime, must_file: bool) -> str:
    threshold = regime.threshold_text()
    if answers.research_only and regime.exempts_research:
        return _(
            "Processing facial information only for the research, development or algorithm "
            "training of facial recognition is outside the Measures (Art. 2 ¶2): it does not "
            "count toward the threshold."
        )
    if must_file and regime.public_place_triggers and answers.used_in_public_place:
        return _("Facial recognition is used in a public place: that alone requires a filing.")
    if must_file:
        return _("%(n)s people stored: the threshold is %(threshold)s.") % {
            "n": f"{answers.people_stored:,}",
            "threshold": threshold,
        }
    return _("%(n)s people stored: below the threshold of %(threshold)s.") % {
        "n": f"{answers.people_stored:,}",
        "threshold": threshold,
    }
