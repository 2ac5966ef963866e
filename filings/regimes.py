"""The rule sets the portal can enforce. Which one is in force is the setting FILING_REGIME; the
code of the one applied is recorded on every obligation and filing, so that changing the setting
later does not rewrite history."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from filings.jurisdictions import AUTHORITY_PREFECTURE, AUTHORITY_PROVINCE


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
    name=_("CAC draft provisions (2023-08-08)"),
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
)

REGIMES = {regime.code: regime for regime in (CAC_2023_DRAFT, CAC_2025_MEASURES)}
REGIME_CHOICES = [(regime.code, regime.name) for regime in REGIMES.values()]


def get_regime(code: str) -> Regime:
    try:
        return REGIMES[code]
    except KeyError:
        raise ValueError(f"unknown rule set {code!r}; known: {', '.join(REGIMES)}") from None


def current_regime() -> Regime:
    return get_regime(settings.FILING_REGIME)
