"""The rule sets the portal can enforce. Which one is in force is the setting FILING_REGIME; the
code of the one applied is recorded on every obligation and filing, so that changing the setting
later does not rewrite history.

Each rule set counts from a day: the 2025 measures from 2025-06-01, the day they took effect; the
2023 draft, which never took effect, from the day this deployment applies it
(``draft_applies_from``: the setting DRAFT_APPLIES_FROM, or else the day the database was first
migrated, stored once). A trigger before that day counts from it: an office that starts using the
portal today does not find organizations "overdue since 2020".
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from filings.registry.jurisdictions import AUTHORITY_PREFECTURE, AUTHORITY_PROVINCE


@dataclass(frozen=True)
class Regime:
    code: str
    name: object  # a lazy translation
    source: str
    threshold: int
    threshold_inclusive: (
        bool  # "达到" (reaches) counts the threshold itself; "超过" (more than) does not
    )
    public_place_triggers: bool
    authority_level: str
    initial_days: int
    change_days: int
    cancellation_days: int
    review_days: int
    correction_days: int
    # Only a rule set in force is called "the rules in force" (根据现行规定); a draft never is.
    in_force: bool
    # The day the rule set applies from: the day it took effect, or for the draft the day this
    # deployment applies it (``get_regime`` fills it in). Triggers before it count from it.
    starts_on: date | None = None
    # The date by which those who met the trigger before ``starts_on`` file (a published date).
    transitional_deadline: date | None = None
    # Measures Art. 2 ¶2: facial information processed only for the research, development or
    # algorithm training of facial recognition is outside the rules (does not count).
    exempts_research: bool = False

    def deadline(self, trigger: date, days: int, add_working_days: Callable):
        """The day to file by, for a duty that arose on ``trigger``: ``days`` working days after it,
        or, for a trigger before the rule set took effect, its transitional date (a published
        date, final) or else ``days`` working days after its start."""
        if self.starts_on is not None and trigger < self.starts_on:
            if self.transitional_deadline is not None:
                from filings.calendar.workdays import Deadline

                return Deadline(self.transitional_deadline, True)
            return add_working_days(self.starts_on, days)
        return add_working_days(trigger, days)

    def requires_filing(self, people_stored: int, used_in_public_place: bool) -> bool:
        if self.public_place_triggers and used_in_public_place:
            return True
        if self.threshold_inclusive:
            return people_stored >= self.threshold
        return people_stored > self.threshold

    def threshold_text(self) -> str:
        return (
            _("%(n)s people or more") if self.threshold_inclusive else _("more than %(n)s people")
        ) % {"n": f"{self.threshold:,}"}


CAC_2023_DRAFT = Regime(
    code="cac-2023-draft",
    name=_("CAC draft provisions for comment (2023-08-08; never in force)"),
    source="《人脸识别技术应用安全管理规定（试行）（征求意见稿）》",
    threshold=10_000,
    threshold_inclusive=False,
    public_place_triggers=True,
    authority_level=AUTHORITY_PREFECTURE,
    initial_days=30,
    change_days=30,  # the draft's wording is unconfirmed; the final text says 30 (domain.md)
    cancellation_days=30,
    review_days=30,  # as in the CAC's algorithm filing; no period is published for this filing
    correction_days=15,
    in_force=False,  # a draft for comment, never in force; replaced by the 2025 measures
    starts_on=None,  # the day this deployment applies it: ``draft_applies_from``
    exempts_research=False,  # the draft has no clause like the measures' Art. 2 ¶2
)

CAC_2025_MEASURES = Regime(
    code="cac-2025-measures",
    name=_("CAC and MPS measures (in force 2025-06-01)"),
    source="《人脸识别技术应用安全管理办法》第十五条",
    threshold=100_000,
    threshold_inclusive=True,
    public_place_triggers=False,
    authority_level=AUTHORITY_PROVINCE,
    initial_days=30,
    change_days=30,
    cancellation_days=30,
    review_days=30,
    correction_days=15,
    in_force=True,
    starts_on=date(2025, 6, 1),  # CAC and MPS Order No. 19 of 2025-03-13
    # The CAC's notice of 2025-05-28: who had reached 100,000 before 2025-06-01 files by then,
    # the 30th working day after 2025-06-01.
    transitional_deadline=date(2025, 7, 14),
    exempts_research=True,  # Art. 2 ¶2
)

REGIMES = {regime.code: regime for regime in (CAC_2023_DRAFT, CAC_2025_MEASURES)}
REGIME_CHOICES = [(regime.code, regime.name) for regime in REGIMES.values()]


def get_regime(code: str) -> Regime:
    """The rule set with the day it applies from in this deployment."""
    try:
        regime = REGIMES[code]
    except KeyError:
        raise ValueError(f"unknown rule set {code!r}; known: {', '.join(REGIMES)}") from None
    if regime.starts_on is None:
        return replace(regime, starts_on=draft_applies_from())
    return regime


# Where the day the database was first migrated is read: ``filings.models.Deployment``, set by
# the app when it starts (``FilingsConfig.ready``) so that this module of rules imports no model.
first_migration_day: Callable[[], date] | None = None


def draft_applies_from() -> date:
    """The day this deployment applies the draft from: DRAFT_APPLIES_FROM when set, else the day
    its database was first migrated (stored once)."""
    configured = settings.DRAFT_APPLIES_FROM
    if configured:
        return configured
    if first_migration_day is None:
        raise RuntimeError("filings is not ready: the day of the first migration is unknown")
    return first_migration_day()


def current_regime() -> Regime:
    return get_regime(settings.FILING_REGIME)
