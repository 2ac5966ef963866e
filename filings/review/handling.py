"""Who handles a filing and who signs its decision: the office lead (处室负责人), who assigns the
office's filings; the signer (签发人), who signs off the decisions another reviewer proposes; and
the office's setting that says whether decisions need that second signature.

Both roles are Django groups carrying a permission (filings/review/reviewer_group.py); a
superuser holds both. The verbs that use them are in filings/lifecycle/assignment.py and
filings/lifecycle/sign_off.py.
"""

from django.db.models import Q

from filings.law.regimes import AUTHORITY_PROVINCE, get_regime
from filings.models import Filing, Jurisdiction, Reviewer
from filings.review.review_scope import office_of

ASSIGN = "filings.assign_filing"
SIGN_OFF = "filings.sign_off_filing"


def person(user) -> str:
    """How a member of staff is named in a filing's history: a fact, the same in every language."""
    return user.get_full_name() if user is not None else ""


def _has_role(user, permission: str) -> bool:
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return user.is_superuser or (office_of(user) is not None and user.has_perm(permission))


def is_lead(user) -> bool:
    return _has_role(user, ASSIGN)


def is_signer(user) -> bool:
    return _has_role(user, SIGN_OFF)


def sign_off_required(office: Jurisdiction, regime: str) -> bool:
    """The office's own setting; by default, provincial offices deciding under a rule set that
    files at provincial level (the 2025 measures) sign with two people, the others with one."""
    if office.sign_off == Jurisdiction.SignOff.REQUIRED:
        return True
    if office.sign_off == Jurisdiction.SignOff.NOT_REQUIRED:
        return False
    return (
        office.level == Jurisdiction.Level.PROVINCE
        and get_regime(regime).authority_level == AUTHORITY_PROVINCE
    )


def requires_sign_off(filing: Filing) -> bool:
    return sign_off_required(filing.office, filing.regime)


def _offices_seeing(office: Jurisdiction) -> Q:
    """The appointments whose reviewers see the office's filings: its own, and its province's."""
    seeing = Q(office_id=office.pk)
    if office.province_id:
        seeing |= Q(office_id=office.province_id)
    return seeing


def reviewers_for(office: Jurisdiction):
    """The active reviewers who may handle the office's filings, by name."""
    return (
        Reviewer.objects.filter(_offices_seeing(office), user__is_active=True)
        .select_related("user")
        .order_by("user__name", "user__email")
    )


def _holding(office: Jurisdiction, codename: str) -> list:
    """The active reviewers who see the office's filings and hold the permission (by a group or
    their own): a superuser is not told, they are not the office's staff."""
    with_role = Q(user__groups__permissions__codename=codename) | Q(
        user__user_permissions__codename=codename
    )
    appointments = reviewers_for(office).filter(with_role).distinct()
    return [appointment.user for appointment in appointments[:20]]


def leads_for(office: Jurisdiction) -> list:
    """The office leads who see the office's filings (its own, then its province's)."""
    return _holding(office, ASSIGN.partition(".")[2])


def signers_for(office: Jurisdiction) -> list:
    """The signers who see the office's filings, told when a decision awaits their signature."""
    return _holding(office, SIGN_OFF.partition(".")[2])


def digest_share(user, office: Jurisdiction, today) -> Q:
    """Which of the filings near or past their review due date go into a reviewer's daily digest:
    those the reviewer handles; for an office lead also the unassigned and the overdue ones. An
    office without a lead: every reviewer is told of the unassigned ones, so none is forgotten."""
    lead = is_lead(user)
    share = Q(holder=user)
    if lead or not leads_for(office):
        share |= Q(holder__isnull=True)
    if lead:
        share |= Q(review_due__lt=today)
    return share
