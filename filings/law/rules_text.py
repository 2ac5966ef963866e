"""The rules' own words, for both rule sets, in one place a lawyer can read.

Two rule sets are known (``filings.law.regimes``):

* ``cac-2023-draft``: 《人脸识别技术应用安全管理规定（试行）（征求意见稿）》, published by the CAC
  on 2023-08-08 for comment. A draft: never in force. Where it is the basis of a duty the portal
  says so ("依据《…（征求意见稿）》"), never "根据现行规定". Its articles are cited by subject (no
  authoritative numbering was at hand).
* ``cac-2025-measures``: 《人脸识别技术应用安全管理办法》 (CAC and MPS Order No. 19, 2025-03-13,
  in force 2025-06-01). Cited by article where the article's number is known, by subject where it
  is not: ``ARTICLES`` below says, article by article, where each number comes from. Only
  ``PUBLISHED`` and ``REPRINTED`` numbers are shown to users; an ``UNCONFIRMED`` one (Arts. 11
  and 12, whose order the reprints disagree on) is cited by its subject (``by_subject``), and a
  test fails if any citation names it.

What the 2025 measures change against the draft (README, "Rule sets"):

* threshold: 100,000 people stored (达到, the number itself counts) instead of more than 10,000
  (超过); use in a public place alone no longer triggers filing;
* office: the cyberspace office at provincial level or above, not municipal;
* start: in force 2025-06-01; whoever had reached 100,000 before then files by 2025-07-14 (the
  CAC's notice of 2025-05-28);
* scope: processing only for the research, development or algorithm training of facial
  recognition is outside the measures (Art. 2 ¶2): such a system does not count toward the
  threshold (the draft has no such clause: there it counts);
* facial information stays in the recognition device unless a law or administrative regulation
  says otherwise or the person separately consents, and is kept no longer than its purpose needs
  (Art. 8): storage elsewhere without either is an error, not only a point for the reviewer; the
  draft's ban on keeping original face images has no counterpart, so keeping them is only a
  reminder of Art. 8's minimal retention;
* facial recognition is never the only way to verify identity where another way exists (Art. 10),
  and nobody may mislead, deceive or coerce people into face verification (cited by subject), at
  any place,
  not only at the venues the draft listed;
* where facial recognition verifies identity, authoritative national channels (the national
  population basic information database, the national online identity authentication public
  service) are encouraged (cited by subject): a warning when a deployment verifies identity and
  names none;
* the analysis of race, ethnicity, religious belief, health status or social class: **the 2025
  measures have no rule of their own on it.** Under them the check ``sensitive_without_basis``
  rests on the Personal Information Protection Law (《中华人民共和国个人信息保护法》), Art. 28
  (sensitive personal information, which includes biometric, religious-belief, specific-identity
  and medical-health information, is processed only for a specific purpose, with sufficient
  necessity and strict protection measures) and Art. 29 (processing it on the basis of consent
  needs the individual's separate consent; written consent where a law or administrative
  regulation requires it). The grounds are the PIPL's: separate consent, or a law or
  administrative regulation, with the specific purpose and necessity stated. The draft's own
  rule, with its four grounds, applies only under the draft;
* minors under 14: Art. 7; the impact assessment: Art. 9;
* a processing that rests on a law instead of consent names the provision: the measures say
  nothing of it in the filing; the check cites the PIPL's Art. 13 (the lawful grounds).

Every text here is a lazy translation: the Chinese catalogue holds the Chinese wording.
"""

from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

DRAFT = "cac-2023-draft"
MEASURES = "cac-2025-measures"

# --- What each rule set says of itself (home page, footer, dashboard) ---------------------------

WHO_FILES = {
    DRAFT: _(
        "Under the CAC draft provisions for comment (2023-08-08), an organization that uses facial "
        "recognition technology in a public place, or stores the facial information of more than "
        "10,000 people, files with the cyberspace office at or above the municipal level where it "
        "is located, within 30 working days. The draft was published for comment and never came "
        "into force (the 2025 measures replaced it); this office applies its filing rule."
    ),
    MEASURES: _(
        "Under the Measures for the Security Management of the Application of Facial Recognition "
        "Technology (in force 2025-06-01, Art. 15), an organization whose stored facial "
        "information reaches 100,000 people files with the cyberspace office at or above the "
        "provincial level where it is located, within 30 working days of the day that number is "
        "reached."
    ),
}

# The office's review period and its pause (filings/lifecycle/review_period.py). Neither rule set
# names a review period for this filing, nor says what a return for correction does to it.
REVIEW_PERIOD = _(
    "The office decides within 30 working days of a submission (the period of the CAC's "
    "algorithm filing: neither rule set names one for this filing). While a filing is returned "
    "for correction the period pauses: the resubmission is due after the working days that were "
    "left when it was returned, counted from the day after the resubmission; a filing returned "
    "after its due date comes back as many working days late. The source is silent on this "
    "pause: it is this portal's rule."
)

FOOTER = {
    DRAFT: _(
        "For organizations that use facial recognition in public places or store the facial "
        "information of more than 10,000 people (the filing rule of the 2023 draft for comment, "
        "never in force)."
    ),
    MEASURES: _(
        "For organizations that store the facial information of 100,000 people or more "
        "(Measures, Art. 15)."
    ),
}

NO_FILING_NEEDED = {
    DRAFT: _(
        "Under the CAC draft provisions on facial recognition (draft for comment), your "
        "organization does not need to file as declared. Update the declarations when a "
        "number grows or a system is used in a public place."
    ),
    MEASURES: _(
        "Under the rules in force (the Measures on facial recognition), your organization does "
        "not need to file as declared. Update the declarations when a number grows."
    ),
}

# Said on an obligation: under which text it arose.
# "依据《…（征求意见稿）》" for the draft, "根据现行规定" only for a rule set in force.
DUTY_BASIS = {
    DRAFT: _(
        "under the filing rule of the CAC draft provisions (2023-08-08; a draft for comment, never "
        "in force), as this office applies it"
    ),
    MEASURES: _("under the rules in force, Measures Art. 15"),
}

# Said on the filing form and the notices (PDF): under which text the filing was handled.
DOCUMENT_BASIS = {
    DRAFT: _(
        "Handled under the filing rule of the CAC draft provisions on facial recognition "
        "(2023-08-08; a draft for comment, never in force), as this office applies it."
    ),
    MEASURES: _(
        "Handled under the rules in force: the Measures on facial recognition (in force "
        "2025-06-01), Art. 15."
    ),
}

CHANGE_DUTY = {
    DRAFT: _(
        "Draft provisions for comment: a substantive change to what was filed is filed as a "
        "change within 30 working days (the draft's wording is unconfirmed; the final "
        "measures say so)"
    ),
    MEASURES: _(
        "Measures, Art. 15: a substantive change to the filed information is filed as a "
        "change within 30 working days of the change"
    ),
}

# Said at the foot of every email: which rules the matter is handled under.
_APPLIED = {
    DRAFT: _(
        "Rules applied: the filing rule of the CAC draft provisions on facial recognition "
        "(2023-08-08; a draft for comment, never in force), applied by the office from %(day)s."
    ),
    MEASURES: _(
        "Rules applied: the Measures for the Security Management of the Application of Facial "
        "Recognition Technology (in force 2025-06-01), Art. 15."
    ),
}


def rules_applied(regime) -> str:
    """One sentence naming the rule set and, for the draft, the day this deployment applies it
    from; ``regime`` is a ``filings.law.regimes.Regime``."""
    return str(_APPLIED[regime.code]) % {"day": regime.starts_on.isoformat()}


def rules_applied_to(context: dict) -> str:
    """For an email (settings.NOTIFICATION_FOOTER): the rules of the filing or the duty it is
    about, else those in force."""
    from filings.law.regimes import current_regime, get_regime

    about = context.get("filing") or context.get("obligation")
    code = getattr(about, "regime", "")
    return rules_applied(get_regime(code) if code else current_regime())


# Said on the notice of a cancellation (and its email): what becomes of the facial information.
AFTER_CANCELLATION = {
    DRAFT: _(
        "The filing is cancelled. Facial information is kept no longer than its purpose needs: "
        "delete the facial information the systems held, or anonymise it, and keep a record of "
        "having done so."
    ),
    MEASURES: _(
        "The filing is cancelled. Measures, Art. 15: whoever stops applying facial recognition "
        "deals with the facial information concerned according to law: delete it or anonymise "
        "it, and keep a record of having done so."
    ),
}

# --- Citations of the checks (filings.law.compliance), per finding code ---------------------------

_ZH_NUMERALS = "零一二三四五六七八九"


def _zh_number(n: int) -> str:
    if n < 10:
        return _ZH_NUMERALS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _ZH_NUMERALS[tens]) + "十" + (_ZH_NUMERALS[ones] if ones else "")


def _article(n: int, text) -> str:
    """'《办法》第十条：…' in Chinese, 'Measures, Art. 10: …' in English."""
    return _articles((n,), text)


def _articles(numbers: tuple[int, ...], text) -> str:
    """'《办法》第十条、第十二条：…' in Chinese, 'Measures, Arts. 10 and 12: …' in English."""
    if (get_language() or "").startswith("zh"):
        cited = "、".join(f"第{_zh_number(n)}条" for n in numbers)
        return f"《人脸识别技术应用安全管理办法》{cited}：{text}"
    if len(numbers) == 1:
        return f"Measures, Art. {numbers[0]}: {text}"
    listed = ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"
    return f"Measures, Arts. {listed}: {text}"


article = lazy(_article, str)


def _by_subject(text) -> str:
    """A rule of the Measures whose article number is not confirmed: named by what it says."""
    if (get_language() or "").startswith("zh"):
        return f"《人脸识别技术应用安全管理办法》：{text}"
    return f"Measures: {text}"


by_subject = lazy(_by_subject, str)

# Where each article number of the Measures shown to users comes from (../shared/domain.md, "The
# 2025 measures, article by article"). PUBLISHED: the text itself (a reprint of Order No. 19 gives
# Arts. 1-5 word for word; the CAC's filing announcement of 2025-05-28 names Art. 15). REPRINTED:
# the numbering of reprints, in the order the CAC's explainer lists the rules. UNCONFIRMED: the
# reprints disagree; cited by subject (``by_subject``), never by number.
PUBLISHED, REPRINTED, UNCONFIRMED = "published", "reprinted", "unconfirmed"
ARTICLES = {
    2: (PUBLISHED, "scope; ¶2: research, development and algorithm training are outside"),
    4: (PUBLISHED, "specific purpose, sufficient necessity, least impact"),
    5: (PUBLISHED, "what the individual is told before processing"),
    6: (REPRINTED, "separate consent; written consent where a law says so"),
    7: (REPRINTED, "minors under 14: consent of a parent or guardian"),
    8: (REPRINTED, "stored in the device; kept no longer than the purpose needs"),
    9: (REPRINTED, "impact assessment in advance; records kept at least 3 years"),
    10: (REPRINTED, "not the only way where another achieves the purpose"),
    11: (UNCONFIRMED, "no misleading, deceiving or coercing / national identity channels"),
    12: (UNCONFIRMED, "national identity channels / no misleading, deceiving or coercing"),
    13: (REPRINTED, "public places: public security, signage; no device in private spaces"),
    14: (REPRINTED, "security measures"),
    15: (PUBLISHED, "filing: 100,000 people, provincial office, 30 working days"),
}


def cited_articles(text: str) -> set[int]:
    """The Measures' article numbers a rendered citation names (Chinese or English)."""
    import re

    numbers = set()
    zh = {_zh_number(n): n for n in range(1, 40)}
    article_zh = r"第([零一二三四五六七八九十]+)条"
    for group in re.findall(
        r"《人脸识别技术应用安全管理办法》((?:、?第[零一二三四五六七八九十]+条)+)", text
    ):
        numbers |= {zh[word] for word in re.findall(article_zh, group)}
    if text.startswith("Measures"):
        for group in re.findall(r"Arts?\. ([\d, and]+)", text):
            numbers |= {int(n) for n in re.findall(r"\d+", group)}
    return numbers


# The draft's citations name the draft in their text ("Draft provisions: …", 《征求意见稿》：…).
_DRAFT = {
    "purpose_missing": _(
        "Draft provisions: a stated purpose and scope of processing; facial information is used "
        "for that purpose alone"
    ),
    "alternative_dismissed_without_reason": _(
        "Draft provisions: where a non-biometric solution achieves the same purpose, it is to be "
        "preferred"
    ),
    "public_place_necessity_unstated": _(
        "Draft provisions: facial recognition devices in public places only where needed for "
        "public security"
    ),
    "originals_without_basis": _(
        "Draft provisions: no keeping of original face images, pictures or videos unless a legal "
        "condition or the individual's consent allows it; anonymised facial information is allowed"
    ),
    "storage_off_device": _(
        "Draft provisions: security measures against unauthorised access to and leakage of facial "
        "information"
    ),
    "prohibited_place": _(
        "Draft provisions: no image capture or personal-identification devices in hotel rooms, "
        "public bathrooms, fitting rooms, toilets or other places that may infringe privacy; no "
        "exception exists"
    ),
    "listed_venue_without_alternative": _(
        "Draft provisions: hotels, banks, railway stations, airports, sports venues, exhibition "
        "halls, museums, art galleries, libraries and other business venues may not force face "
        "verification unless a law or administrative regulation requires it, and must offer "
        "another way"
    ),
    "public_place_without_signage": _(
        "Draft provisions: facial recognition devices in public places carry prominent signage"
    ),
    "no_consent_method": _(
        "Draft provisions: the individual's informed consent before facial information is collected"
    ),
    "no_separate_consent": _(
        "Draft provisions: the individual's separate consent or written consent"
    ),
    "minors_without_guardian_consent": _(
        "Draft provisions: for minors under 14, the separate or written consent of a parent or "
        "guardian"
    ),
    "sensitive_without_basis": _(
        "Draft provisions: no analysis of race, ethnicity, religious belief, health status or "
        "social class unless for national security, public safety, protecting life, health or "
        "property in an emergency, or with the individual's consent"
    ),
    "few_security_measures": _(
        "Draft provisions: security measures against unauthorised access and leakage, such as "
        "encryption, access control and audit"
    ),
    "no_assessment": _(
        "Draft provisions: a personal-information protection impact assessment done in advance"
    ),
    "legal_basis_unnamed": _(
        "Draft provisions: facial information is processed with the individual's separate or "
        "written consent, or where a law or administrative regulation provides otherwise"
    ),
}

_MEASURES = {
    "purpose_missing": article(
        4,
        _(
            "a specific purpose and sufficient necessity, in the way with the least impact on "
            "individual rights"
        ),
    ),
    "alternative_dismissed_without_reason": article(
        10,
        _(
            "where another way than facial recognition achieves the same purpose or business "
            "requirement, facial recognition is not the only way of verification"
        ),
    ),
    "public_place_necessity_unstated": article(
        13, _("facial recognition devices in public places only where needed for public security")
    ),
    "originals_kept": article(
        8,
        _(
            "facial information is kept no longer than the shortest time its purpose needs, "
            "unless a law or administrative regulation provides otherwise"
        ),
    ),
    "storage_off_device": article(
        14,
        _(
            "data encryption, security audit, access control, authorisation management, intrusion "
            "detection and prevention protect facial information wherever it is kept"
        ),
    ),
    "storage_off_device_without_basis": article(
        8,
        _(
            "facial information is stored in the facial recognition device and not transmitted "
            "out over the internet, unless a law or administrative regulation provides otherwise "
            "or the individual separately consents"
        ),
    ),
    "prohibited_place": article(
        13,
        _(
            "no facial recognition device inside private spaces of public places such as hotel "
            "rooms, public bathrooms, public changing rooms and public toilets"
        ),
    ),
    "listed_venue_without_alternative": article(
        10,
        _(
            "facial recognition is not the only way of verification where another way achieves "
            "the same purpose, unless the State provides otherwise; the Measures also forbid "
            "misleading, deceiving or coercing individuals into face verification on the grounds "
            "of handling business or improving service"
        ),
    ),
    "national_channel_unmentioned": by_subject(
        _(
            "where facial recognition verifies identity or identifies a specific person, "
            "authoritative national channels such as the national population basic information "
            "database and the national online identity authentication public service are "
            "encouraged"
        ),
    ),
    "public_place_without_signage": article(
        13,
        _(
            "facial recognition devices in public places: a collection area set reasonably by law "
            "and prominent signage"
        ),
    ),
    "no_consent_method": article(
        5,
        _(
            "before processing, the individual is told, prominently and in clear language, who "
            "processes, for what purpose, how, for how long, and how to exercise their rights"
        ),
    ),
    "no_separate_consent": article(
        6,
        _(
            "processing based on consent needs the individual's separate consent, given "
            "voluntarily and explicitly with full knowledge; written consent where a law or "
            "administrative regulation requires it"
        ),
    ),
    "minors_without_guardian_consent": article(
        7,
        _(
            "processing the facial information of a minor under 14 on the basis of consent needs "
            "the consent of a parent or other guardian"
        ),
    ),
    # The 2025 measures have no rule of their own on this analysis: the check rests on the
    # Personal Information Protection Law's rules on sensitive personal information.
    "sensitive_without_necessity": _(
        "The Measures have no rule of their own on analysing race, ethnicity, religious belief, "
        "health status or social class; Personal Information Protection Law, Art. 28: sensitive "
        "personal information is processed only for a specific purpose, with sufficient "
        "necessity and strict protection measures; Art. 29: processing it on the basis of "
        "consent needs the individual's separate consent, or written consent where a law or "
        "administrative regulation requires it"
    ),
    "few_security_measures": article(
        14,
        _(
            "data encryption, security audit, access control, authorisation management, intrusion "
            "detection and prevention"
        ),
    ),
    "no_assessment": article(
        9,
        _(
            "a personal-information protection impact assessment done in advance, and a record of "
            "the processing; both kept for at least three years"
        ),
    ),
    "no_assessment_report": article(
        15,
        _(
            "the filing materials include the personal-information protection impact assessment "
            "report"
        ),
    ),
    # The Measures do not say how a filing names a legal basis other than consent: the rule is
    # the Personal Information Protection Law's list of lawful grounds.
    "legal_basis_unnamed": _(
        "Personal Information Protection Law, Art. 13: personal information is processed without "
        "consent only on a ground it lists, such as a statutory duty or obligation; the filing "
        "names the provision the processing rests on"
    ),
}

# Both rule sets cite these the same way (the filing's own rules, or other law).
_COMMON = {
    "scope_missing": None,  # as purpose_missing
    "stored_outside_china": _(
        "Personal-information export rules: facial information kept outside China is provided "
        "abroad and needs its own legal basis for export"
    ),
    "retention_unspecified": None,  # draft: PIPL; measures: Art. 7
    "private_space_described": None,  # as prohibited_place
    "no_assessment_report": _(
        "Filing materials: the personal-information protection impact assessment report, which is "
        "kept for at least 3 years"
    ),
    "not_declared_truthful": _(
        "Filing: the filer declares that the materials are true, accurate and complete"
    ),
    "change_undescribed": None,  # CHANGE_DUTY
    "cancellation_undescribed": None,
}

_RETENTION_PIPL = _(
    "Personal-information protection: facial information is kept no longer than its purpose "
    "needs, so the filing states how long"
)
_CANCELLATION = {
    DRAFT: _(
        "Cancellation: stopping the use of facial recognition is filed, with the date and what "
        "became of the facial information"
    ),
    MEASURES: article(
        15,
        _(
            "whoever stops applying facial recognition files a cancellation within 30 working "
            "days and deals with the facial information concerned according to law"
        ),
    ),
}

CITATIONS: dict[str, dict[str, object]] = {}
for _code in set(_DRAFT) | set(_MEASURES) | set(_COMMON):
    CITATIONS[_code] = {
        DRAFT: _DRAFT.get(_code) or _COMMON.get(_code),
        MEASURES: _MEASURES.get(_code) or _COMMON.get(_code),
    }
CITATIONS["scope_missing"] = CITATIONS["purpose_missing"]
CITATIONS["private_space_described"] = CITATIONS["prohibited_place"]
CITATIONS["retention_unspecified"] = {
    DRAFT: _RETENTION_PIPL,
    MEASURES: _MEASURES["originals_kept"],
}
CITATIONS["change_undescribed"] = CHANGE_DUTY
CITATIONS["cancellation_undescribed"] = _CANCELLATION


def citation(code: str, regime_code: str):
    """The rule a finding comes from, in the words of the rule set the filing is made under."""
    return CITATIONS[code][regime_code]
