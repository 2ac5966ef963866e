"""Whether a filing shows the user meets the substantive duties of the rule set it is made under.

Pure functions over a filing's JSON document (its shape is in ``filings.law.vocabulary``): no ORM,
no request. ``check_filing`` runs every registered check and returns ``Finding`` objects: errors
block submission, warnings are shown to the reviewer. Each check is a small function of its own,
``check_xxx(data, attachment_kinds, *, today=None) -> list[Finding]``, listed in ``CHECKS``.

A half-filled draft must never raise: a missing or mistyped key reads as empty. Where a value is
garbage, the checks fail closed: a duty is *triggered* by any truthy value
(``minors_under_14="yes"`` counts), but a duty is *met* only by a real ``True``
(``separate_consent="yes"`` does not count).

Each finding cites its rule in the words of the filing's rule set (``filings.law.rules_text``): the
draft provisions by subject and labelled as a draft, the 2025 measures by article. Every rule
names the rule sets it belongs to (``Rule.regimes``): a draft-only rule (keeping original images,
the draft's grounds for analysing sensitive attributes) is never enforced under the measures.
Messages stay lazy, so ``Finding.to_dict`` can render them in every language of the site.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

from filings.law import rules_text
from filings.law.vocabulary import (
    DRAFT_SENSITIVE_BASES,
    MEASURES_SENSITIVE_BASES,
    OFF_DEVICE_BASES,
    ORIGINALS_BASES,
    PLACE_KINDS,
    PRIVATE_SPACE_WORDS,
    PROHIBITED_PLACES,
    PUBLIC_PLACE_KINDS,
    SECURITY_MEASURES,
    SENSITIVE_ATTRIBUTES,
    STEPS,
    STORAGE,
)

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)
# Follow-up filings open with a step of their own, before the content steps.
STEP_KEYS = ("change", "cancellation", *(key for key, _label in STEPS))

# Storage that takes facial information off the device that captures it.
OFF_DEVICE_STORAGE = ("own_servers", "cloud")
# The fewest security measures a filing may tick before the reviewer is warned.
MIN_SECURITY_MEASURES = 3


# --- Rendering ----------------------------------------------------------------------------------


def _render(value) -> str:
    """A message parameter as text in the active language; a list is joined."""
    if isinstance(value, list | tuple):
        separator = "、" if (translation.get_language() or "").startswith("zh") else ", "
        return separator.join(_render(item) for item in value)
    return str(value)


def _format(template, params: dict) -> str:
    return str(template) % {key: _render(value) for key, value in params.items()}


# ``gettext_lazy(...) % {...}`` would render at once, in the language of the moment; this waits.
_format_lazy = lazy(_format, str)


def fmt(template: Promise, **params) -> Promise:
    """``template % params``, rendered only when the result is turned into text."""
    return _format_lazy(template, params)


def _in_every_language(text) -> dict[str, str]:
    rendered = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            rendered[code] = str(text)
    return rendered


# --- Findings -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """What a finding's code stands for: how serious it is, which step fixes it, under which rule
    sets it applies. Its wording per rule set is in ``filings.law.rules_text``."""

    code: str
    severity: str
    step: str
    regimes: tuple[str, ...]

    def text_for(self, regime: str) -> Promise:
        return rules_text.citation(self.code, regime)

    @property
    def text(self) -> Promise:
        """The citation under the first rule set it belongs to."""
        return self.text_for(self.regimes[0])

    def __post_init__(self):
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")
        if self.step not in STEP_KEYS:
            raise ValueError(f"unknown step {self.step!r}")


@dataclass(frozen=True)
class Finding:
    code: str  # stable identifier, e.g. "prohibited_place"
    severity: str  # "error" (blocks submission) or "warning" (shown to the reviewer)
    step: str  # the STEPS key of the step that fixes it
    rule: Promise  # the rule it comes from, short, translatable
    message: Promise | str  # what is wrong in this filing, translatable

    def __post_init__(self):
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")
        if self.step not in STEP_KEYS:
            raise ValueError(f"unknown step {self.step!r}")

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def to_dict(self) -> dict:
        """JSON-serialisable, rule and message rendered in every language of the site; this is what
        a submitted version keeps, so the reviewer reads it later in either language."""
        return {
            "code": self.code,
            "severity": self.severity,
            "step": self.step,
            "rule": _in_every_language(self.rule),
            "message": _in_every_language(self.message),
        }


RULES: dict[str, Rule] = {}


def _rule(code: str, severity: str, step: str, regimes: tuple[str, ...]) -> Rule:
    rule = Rule(code, severity, step, regimes)
    for regime in rule.regimes:
        rules_text.citation(code, regime)  # every rule has its words in every rule set it applies
    if code in RULES:
        raise ValueError(f"duplicate rule code {code!r}")
    RULES[code] = rule
    return rule


def _finding(rule: Rule, message) -> Finding:
    """A finding citing the draft; ``check_filing`` re-cites it in the filing's rule set."""
    return Finding(rule.code, rule.severity, rule.step, rule.text, message)


def _cited(finding: Finding, regime: str) -> Finding:
    return replace(finding, rule=rules_text.citation(finding.code, regime))


# --- Reading a document that may be half-filled or malformed ------------------------------------


def _section(data, name: str) -> dict:
    value = data.get(name) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _text(value) -> str:
    """A text field, stripped; anything that is not a string reads as blank."""
    return value.strip() if isinstance(value, str) else ""


def _asserted(value) -> bool:
    """A box that meets a duty counts only when really ticked."""
    return value is True


def _possibly(value) -> bool:
    """A box that brings a duty counts whenever it is not plainly off."""
    return bool(value)


def _codes(value) -> list[str]:
    """A list of vocabulary codes: its non-blank strings, once each, in order. A lone string
    is read as a list of one."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        return []
    codes = []
    for item in value:
        code = _text(item)
        if code and code not in codes:
            codes.append(code)
    return codes


def _deployments(data) -> list[tuple[int, dict]]:
    """The deployments that are dicts, numbered from 1 as the form shows them."""
    value = data.get("deployments") if isinstance(data, dict) else None
    if not isinstance(value, list | tuple):
        return []
    return [(number, item) for number, item in enumerate(value, 1) if isinstance(item, dict)]


def _deployment_name(number: int, deployment: dict):
    return _text(deployment.get("name")) or fmt(_("Deployment %(number)s"), number=number)


def _is_public(deployment: dict) -> bool:
    """A place is public when the box says so or when its kind is public by nature."""
    return (
        _possibly(deployment.get("is_public_place"))
        or _text(deployment.get("place_kind")) in PUBLIC_PLACE_KINDS
    )


def _private_words(deployment: dict) -> list[str]:
    described = " ".join(
        (_text(deployment.get("name")), _text(deployment.get("place_description")))
    ).lower()
    return [word for word in PRIVATE_SPACE_WORDS if word in described]


def _consent_is_the_basis(data) -> bool:
    """Blank reads as consent: only a declared provision of law takes the consent checks' place."""
    return _text(_section(data, "consent").get("lawful_basis")) != "law"


def _labels(codes: Iterable[str], vocabulary: dict) -> list:
    return [vocabulary.get(code, code) for code in codes]


def _kinds(attachment_kinds) -> frozenset[str]:
    if attachment_kinds is None or isinstance(attachment_kinds, str | bytes):
        return frozenset()
    try:
        return frozenset(kind for kind in attachment_kinds if isinstance(kind, str))
    except TypeError:
        return frozenset()


def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(_text(value))
    except ValueError:
        return None


# --- Rules --------------------------------------------------------------------------------------
# What each rule says, in the words of each rule set, is in ``filings.law.rules_text``.

BOTH = (rules_text.DRAFT, rules_text.MEASURES)
DRAFT_ONLY = (rules_text.DRAFT,)
MEASURES_ONLY = (rules_text.MEASURES,)

PURPOSE_MISSING = _rule("purpose_missing", ERROR, "purpose", BOTH)
SCOPE_MISSING = _rule("scope_missing", WARNING, "purpose", BOTH)
ALTERNATIVE_DISMISSED = _rule("alternative_dismissed_without_reason", WARNING, "purpose", BOTH)
PUBLIC_PLACE_NECESSITY = _rule("public_place_necessity_unstated", WARNING, "purpose", BOTH)
# The draft forbids keeping original images without a legal condition or consent; the measures
# have no such rule (Art. 8 speaks of minimal retention): under them it is a reminder.
ORIGINALS_WITHOUT_BASIS = _rule("originals_without_basis", ERROR, "facial_data", DRAFT_ONLY)
ORIGINALS_KEPT = _rule("originals_kept", WARNING, "facial_data", MEASURES_ONLY)
STORAGE_OFF_DEVICE = _rule("storage_off_device", WARNING, "facial_data", BOTH)
# Measures Art. 8: off the device only where a law provides for it or with separate consent.
STORAGE_OFF_DEVICE_WITHOUT_BASIS = _rule(
    "storage_off_device_without_basis", ERROR, "facial_data", MEASURES_ONLY
)
STORED_OUTSIDE_CHINA = _rule("stored_outside_china", WARNING, "facial_data", BOTH)
RETENTION_UNSPECIFIED = _rule("retention_unspecified", WARNING, "facial_data", BOTH)
PROHIBITED_PLACE = _rule("prohibited_place", ERROR, "deployments", BOTH)
PRIVATE_SPACE_DESCRIBED = _rule("private_space_described", WARNING, "deployments", BOTH)
LISTED_VENUE_WITHOUT_ALTERNATIVE = _rule(
    "listed_venue_without_alternative", ERROR, "deployments", BOTH
)
# The measures encourage authoritative national channels for identity verification.
NATIONAL_CHANNEL_UNMENTIONED = _rule(
    "national_channel_unmentioned", WARNING, "deployments", MEASURES_ONLY
)
PUBLIC_PLACE_WITHOUT_SIGNAGE = _rule("public_place_without_signage", ERROR, "deployments", BOTH)
NO_CONSENT_METHOD = _rule("no_consent_method", ERROR, "consent", BOTH)
NO_SEPARATE_CONSENT = _rule("no_separate_consent", ERROR, "consent", BOTH)
LEGAL_BASIS_UNNAMED = _rule("legal_basis_unnamed", ERROR, "consent", BOTH)
MINORS_WITHOUT_GUARDIAN_CONSENT = _rule("minors_without_guardian_consent", ERROR, "consent", BOTH)
# The draft's own ban with its four grounds; under the measures the PIPL's rules (Arts. 28-29).
SENSITIVE_WITHOUT_BASIS = _rule("sensitive_without_basis", ERROR, "consent", DRAFT_ONLY)
SENSITIVE_WITHOUT_NECESSITY = _rule("sensitive_without_necessity", ERROR, "consent", MEASURES_ONLY)
FEW_SECURITY_MEASURES = _rule("few_security_measures", WARNING, "security", BOTH)
NO_ASSESSMENT = _rule("no_assessment", ERROR, "assessment", BOTH)
NO_ASSESSMENT_REPORT = _rule("no_assessment_report", ERROR, "assessment", BOTH)
NOT_DECLARED_TRUTHFUL = _rule("not_declared_truthful", ERROR, "review", BOTH)


# --- Checks -------------------------------------------------------------------------------------


def check_purpose_missing(data, attachment_kinds, *, today=None) -> list[Finding]:
    if _text(_section(data, "purpose").get("purpose")):
        return []
    return [_finding(PURPOSE_MISSING, _("The purpose of processing facial information is blank."))]


def check_scope_missing(data, attachment_kinds, *, today=None) -> list[Finding]:
    if _text(_section(data, "purpose").get("scope")):
        return []
    return [_finding(SCOPE_MISSING, _("The scope of processing facial information is blank."))]


def check_alternative_dismissed_without_reason(
    data, attachment_kinds, *, today=None
) -> list[Finding]:
    purpose = _section(data, "purpose")
    considered = _text(purpose.get("alternative_considered"))
    if not considered:
        message = _("The filing does not say which non-biometric solution was considered.")
    elif not _text(purpose.get("alternative_rejected_reason")):
        message = fmt(
            _(
                "The filing names a non-biometric solution (%(alternative)s) but not why it was "
                "set aside."
            ),
            alternative=considered,
        )
    else:
        return []
    return [_finding(ALTERNATIVE_DISMISSED, message)]


def check_public_place_necessity_unstated(data, attachment_kinds, *, today=None) -> list[Finding]:
    if _text(_section(data, "purpose").get("necessity")):
        return []
    public = [
        _deployment_name(number, deployment)
        for number, deployment in _deployments(data)
        if _is_public(deployment)
    ]
    if not public:
        return []
    message = fmt(
        _(
            "Facial recognition is used in public places (%(deployments)s) but the filing does not "
            "say why it is necessary."
        ),
        deployments=public,
    )
    return [_finding(PUBLIC_PLACE_NECESSITY, message)]


def check_originals_without_basis(data, attachment_kinds, *, today=None) -> list[Finding]:
    facial_data = _section(data, "facial_data")
    if not _possibly(facial_data.get("keeps_originals")):
        return []
    if _text(facial_data.get("originals_basis")) in ORIGINALS_BASES:
        return []
    message = _(
        "Original face images, pictures or videos are kept, but no law or consent that allows it "
        "is given."
    )
    return [_finding(ORIGINALS_WITHOUT_BASIS, message)]


def check_originals_kept(data, attachment_kinds, *, today=None) -> list[Finding]:
    """Measures Art. 8: a reminder for the reviewer that original images are kept no longer than
    the purpose needs (the measures have no ban of their own)."""
    if not _possibly(_section(data, "facial_data").get("keeps_originals")):
        return []
    message = _(
        "Original face images, pictures or videos are kept: check that they are kept no longer "
        "than the purpose needs."
    )
    return [_finding(ORIGINALS_KEPT, message)]


def check_storage_off_device(data, attachment_kinds, *, today=None) -> list[Finding]:
    facial_data = _section(data, "facial_data")
    where = [
        code for code in _codes(facial_data.get("storage_locations")) if code in OFF_DEVICE_STORAGE
    ]
    if not where:
        return []
    message = fmt(
        _(
            "Facial information leaves the device that captures it (%(where)s): check how it is "
            "transmitted and protected."
        ),
        where=_labels(where, STORAGE),
    )
    return [_finding(STORAGE_OFF_DEVICE, message)]


def check_storage_off_device_without_basis(data, attachment_kinds, *, today=None) -> list[Finding]:
    facial_data = _section(data, "facial_data")
    where = [
        code for code in _codes(facial_data.get("storage_locations")) if code in OFF_DEVICE_STORAGE
    ]
    if not where or _text(facial_data.get("off_device_basis")) in OFF_DEVICE_BASES:
        return []
    message = fmt(
        _(
            "Facial information is stored off the recognition device (%(where)s), but the filing "
            "names neither a law that provides for it nor the individuals' separate consent."
        ),
        where=_labels(where, STORAGE),
    )
    return [_finding(STORAGE_OFF_DEVICE_WITHOUT_BASIS, message)]


def check_stored_outside_china(data, attachment_kinds, *, today=None) -> list[Finding]:
    if not _possibly(_section(data, "facial_data").get("stored_outside_china")):
        return []
    return [_finding(STORED_OUTSIDE_CHINA, _("Facial information is stored outside China."))]


def check_retention_unspecified(data, attachment_kinds, *, today=None) -> list[Finding]:
    if _text(_section(data, "facial_data").get("retention_period")):
        return []
    message = _("The filing does not say how long facial information is kept.")
    return [_finding(RETENTION_UNSPECIFIED, message)]


def check_prohibited_place(data, attachment_kinds, *, today=None) -> list[Finding]:
    findings = []
    for number, deployment in _deployments(data):
        place_kind = _text(deployment.get("place_kind"))
        if place_kind in PROHIBITED_PLACES:
            message = fmt(
                _(
                    "“%(deployment)s” is in a place where facial recognition is forbidden: "
                    "%(place)s."
                ),
                deployment=_deployment_name(number, deployment),
                place=PROHIBITED_PLACES[place_kind],
            )
            findings.append(_finding(PROHIBITED_PLACE, message))
    return findings


def check_private_space_described(data, attachment_kinds, *, today=None) -> list[Finding]:
    """A place of any other kind whose name or description names a bedroom, dormitory room,
    changing room, bathroom or toilet: the reviewer decides whether it is a private space."""
    findings = []
    for number, deployment in _deployments(data):
        if _text(deployment.get("place_kind")) in PROHIBITED_PLACES:
            continue  # refused by check_prohibited_place already
        words = _private_words(deployment)
        if words:
            message = fmt(
                _(
                    "“%(deployment)s” is described with words that name a private space "
                    "(%(words)s): check that no device is inside it."
                ),
                deployment=_deployment_name(number, deployment),
                words=words,
            )
            findings.append(_finding(PRIVATE_SPACE_DESCRIBED, message))
    return findings


def check_listed_venue_without_alternative(data, attachment_kinds, *, today=None) -> list[Finding]:
    """Any place, not only the listed venues: whoever verifies identity by face offers another
    way, unless a law or administrative regulation requires the face."""
    findings = []
    for number, deployment in _deployments(data):
        place_kind = _text(deployment.get("place_kind"))
        if (
            _possibly(deployment.get("verifies_identity"))
            and not _text(deployment.get("alternative_offered"))
            and not _text(deployment.get("law_requiring_face"))
        ):
            message = fmt(
                _(
                    "“%(deployment)s” (%(place)s) verifies identity by face but offers no other "
                    "way and names no law that requires it."
                ),
                deployment=_deployment_name(number, deployment),
                place=PLACE_KINDS.get(place_kind, _("place not stated")),
            )
            findings.append(_finding(LISTED_VENUE_WITHOUT_ALTERNATIVE, message))
    return findings


def check_national_channel_unmentioned(data, attachment_kinds, *, today=None) -> list[Finding]:
    """Measures Art. 11 encourages, it does not require: a warning for the reviewer where a
    deployment verifies identity by face and names no authoritative national channel."""
    findings = []
    for number, deployment in _deployments(data):
        if _possibly(deployment.get("verifies_identity")) and not _text(
            deployment.get("identity_channel")
        ):
            message = fmt(
                _(
                    "“%(deployment)s” verifies identity by face but does not say whether it uses "
                    "an authoritative national channel (the national population basic information "
                    "database, the national online identity authentication public service)."
                ),
                deployment=_deployment_name(number, deployment),
            )
            findings.append(_finding(NATIONAL_CHANNEL_UNMENTIONED, message))
    return findings


def check_public_place_without_signage(data, attachment_kinds, *, today=None) -> list[Finding]:
    findings = []
    for number, deployment in _deployments(data):
        if _is_public(deployment) and not _asserted(deployment.get("signage")):
            message = fmt(
                _("“%(deployment)s” is in a public place but has no prominent signage."),
                deployment=_deployment_name(number, deployment),
            )
            findings.append(_finding(PUBLIC_PLACE_WITHOUT_SIGNAGE, message))
    return findings


def check_no_consent_method(data, attachment_kinds, *, today=None) -> list[Finding]:
    if _text(_section(data, "consent").get("informed_consent_method")):
        return []
    if _consent_is_the_basis(data):
        message = _("The filing does not say how informed consent is obtained before collection.")
    else:  # people are still told, even where no consent is asked
        message = _("The filing does not say how people are informed before collection.")
    return [_finding(NO_CONSENT_METHOD, message)]


def check_no_separate_consent(data, attachment_kinds, *, today=None) -> list[Finding]:
    consent = _section(data, "consent")
    if not _consent_is_the_basis(data):
        return []  # check_legal_basis_unnamed asks for the provision instead
    if _asserted(consent.get("separate_consent")) or _asserted(consent.get("written_consent")):
        return []
    message = _("Neither separate consent nor written consent is obtained.")
    return [_finding(NO_SEPARATE_CONSENT, message)]


def check_legal_basis_unnamed(data, attachment_kinds, *, today=None) -> list[Finding]:
    """Processing that rests on a law instead of consent names the provision."""
    if _consent_is_the_basis(data):
        return []
    if _text(_section(data, "consent").get("lawful_basis_provision")):
        return []
    message = _(
        "The processing is said to be required by a law or administrative regulation, but the "
        "provision (the law and its article) is not named."
    )
    return [_finding(LEGAL_BASIS_UNNAMED, message)]


def check_minors_without_guardian_consent(data, attachment_kinds, *, today=None) -> list[Finding]:
    consent = _section(data, "consent")
    if not _possibly(consent.get("minors_under_14")) or not _consent_is_the_basis(data):
        return []
    if _text(consent.get("guardian_consent_method")):
        return []
    message = _(
        "Facial information of minors under 14 is processed, but the filing does not say how a "
        "parent or guardian consents."
    )
    return [_finding(MINORS_WITHOUT_GUARDIAN_CONSENT, message)]


def check_sensitive_without_basis(data, attachment_kinds, *, today=None) -> list[Finding]:
    consent = _section(data, "consent")
    attributes = _codes(consent.get("sensitive_attributes"))
    if not attributes or _text(consent.get("sensitive_basis")) in DRAFT_SENSITIVE_BASES:
        return []
    message = fmt(
        _("Facial information is analysed for %(attributes)s without one of the allowed grounds."),
        attributes=_labels(attributes, SENSITIVE_ATTRIBUTES),
    )
    return [_finding(SENSITIVE_WITHOUT_BASIS, message)]


def check_sensitive_without_necessity(data, attachment_kinds, *, today=None) -> list[Finding]:
    """Under the measures (PIPL Arts. 13, 28, 29): the analysis rests on the individual's separate
    consent or on a law, and the filing states its specific purpose and necessity."""
    consent = _section(data, "consent")
    attributes = _codes(consent.get("sensitive_attributes"))
    if not attributes:
        return []
    analysed = _labels(attributes, SENSITIVE_ATTRIBUTES)
    basis = _text(consent.get("sensitive_basis"))
    messages = []
    if basis not in MEASURES_SENSITIVE_BASES:
        messages.append(
            fmt(
                _(
                    "Facial information is analysed for %(attributes)s: the analysis rests on the "
                    "individual's separate consent or on a law or administrative regulation."
                ),
                attributes=analysed,
            )
        )
    elif basis == "consent" and not _asserted(consent.get("separate_consent")):
        messages.append(
            fmt(
                _(
                    "Facial information is analysed for %(attributes)s on the basis of consent, "
                    "but separate consent is not obtained."
                ),
                attributes=analysed,
            )
        )
    if not _text(consent.get("sensitive_basis_detail")):
        messages.append(
            fmt(
                _(
                    "Say for what specific purpose, and why it is necessary, facial information "
                    "is analysed for %(attributes)s."
                ),
                attributes=analysed,
            )
        )
    return [_finding(SENSITIVE_WITHOUT_NECESSITY, message) for message in messages]


def check_few_security_measures(data, attachment_kinds, *, today=None) -> list[Finding]:
    ticked = set(_codes(_section(data, "security").get("measures")))
    if len(ticked & SECURITY_MEASURES.keys()) >= MIN_SECURITY_MEASURES:
        return []
    missing = [label for code, label in SECURITY_MEASURES.items() if code not in ticked]
    message = fmt(
        _("Few security measures are in place; missing: %(missing)s."),
        missing=missing,
    )
    return [_finding(FEW_SECURITY_MEASURES, message)]


def check_no_assessment(data, attachment_kinds, *, today=None) -> list[Finding]:
    raw = _section(data, "assessment").get("assessment_date")
    if today is None:
        today = timezone.localdate()
    if not raw:
        message = _("The date of the impact assessment is blank.")
    elif (assessed := _date(raw)) is None:
        message = _("The date of the impact assessment is not a valid date.")
    elif assessed > today:
        message = fmt(
            _("The impact assessment is dated %(date)s, after today: it must be done in advance."),
            date=assessed.isoformat(),
        )
    else:
        return []
    return [_finding(NO_ASSESSMENT, message)]


def check_no_assessment_report(data, attachment_kinds, *, today=None) -> list[Finding]:
    if "assessment_report" in _kinds(attachment_kinds):
        return []
    message = _("The impact assessment report is not attached.")
    return [_finding(NO_ASSESSMENT_REPORT, message)]


def check_not_declared_truthful(data, attachment_kinds, *, today=None) -> list[Finding]:
    if _asserted(_section(data, "declaration").get("truthful")):
        return []
    message = _("The declaration that the filing is true, accurate and complete is not ticked.")
    return [_finding(NOT_DECLARED_TRUTHFUL, message)]


Check = Callable[..., list[Finding]]

# In step order; ``check_filing`` sorts again, so the order here only settles ties within a step.
CHECKS: list[Check] = [
    check_purpose_missing,
    check_scope_missing,
    check_alternative_dismissed_without_reason,
    check_public_place_necessity_unstated,
    check_originals_without_basis,
    check_originals_kept,
    check_storage_off_device,
    check_storage_off_device_without_basis,
    check_stored_outside_china,
    check_retention_unspecified,
    check_prohibited_place,
    check_private_space_described,
    check_listed_venue_without_alternative,
    check_national_channel_unmentioned,
    check_public_place_without_signage,
    check_no_consent_method,
    check_no_separate_consent,
    check_legal_basis_unnamed,
    check_minors_without_guardian_consent,
    check_sensitive_without_basis,
    check_sensitive_without_necessity,
    check_few_security_measures,
    check_no_assessment,
    check_no_assessment_report,
    check_not_declared_truthful,
]


def check_filing(
    data: dict,
    attachment_kinds: Iterable[str],
    today: date | None = None,
    regime: str | None = None,
) -> list[Finding]:
    """Every finding on this filing under its rule set (the one in force when not given), each
    citing that rule set's words: errors first, then warnings, each in step order."""
    kinds = _kinds(attachment_kinds)
    if today is None:
        today = timezone.localdate()
    regime = regime or settings.FILING_REGIME
    findings = [
        _cited(finding, regime)
        for check in CHECKS
        for finding in check(data, kinds, today=today)
        if regime in RULES[finding.code].regimes
    ]
    return sorted(
        findings,
        key=lambda finding: (SEVERITIES.index(finding.severity), STEP_KEYS.index(finding.step)),
    )


def errors(findings: Iterable[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.severity == ERROR]


def warnings(findings: Iterable[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.severity == WARNING]


# --- Follow-up filings ---------------------------------------------------------------------------

CHANGE_UNDESCRIBED = _rule("change_undescribed", ERROR, "change", BOTH)
CANCELLATION_UNDESCRIBED = _rule("cancellation_undescribed", ERROR, "cancellation", BOTH)


def _event_problem(raw, today, label) -> Promise | None:
    if not raw:
        return fmt(_("%(what)s is blank."), what=label)
    day = _date(raw)
    if day is None:
        return fmt(_("%(what)s is not a valid date."), what=label)
    if day > today:
        return fmt(_("%(what)s is in the future."), what=label)
    return None


def check_change(data, *, today=None, regime=None) -> list[Finding]:
    """What a change filing must say on top of the whole filing."""
    regime = regime or settings.FILING_REGIME
    today = today or timezone.localdate()
    section = _section(data, "change")
    problems = []
    if not _text(section.get("description")):
        problems.append(_("The description of what changed is blank."))
    if problem := _event_problem(section.get("effective_date"), today, _("The date of the change")):
        problems.append(problem)
    return [_cited(_finding(CHANGE_UNDESCRIBED, message), regime) for message in problems]


def check_cancellation(data, *, today=None, regime=None) -> list[Finding]:
    """A cancellation is checked on its own: the date, the fate of the data, the declaration."""
    regime = regime or settings.FILING_REGIME
    today = today or timezone.localdate()
    section = _section(data, "cancellation")
    problems = []
    if problem := _event_problem(section.get("stopped_on"), today, _("The date use stopped")):
        problems.append(problem)
    if not _text(section.get("deletion_method")) or not _text(section.get("deletion_detail")):
        problems.append(_("Say how the facial information was deleted or anonymised."))
    findings = [_finding(CANCELLATION_UNDESCRIBED, message) for message in problems]
    findings += check_not_declared_truthful(data, (), today=today)
    return [_cited(finding, regime) for finding in findings]


def rules_for(regime: str) -> list[str]:
    """The codes of the rules a filing under ``regime`` is checked against."""
    return [code for code, rule in RULES.items() if regime in rule.regimes]
