"""What an organization can do after an office's decision, in words: the next step and its date,
and, for a decision that ends a filing (a refusal or a revocation, administrative decisions), the
remedies the law gives. One place for these texts, so the notice PDF, the email and the filing page
say the same thing."""

from datetime import date

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from filings.law.compliance import fmt

# Administrative Reconsideration Law (2023 revision) art. 20: within 60 days of learning of the
# decision. Administrative Litigation Law art. 46: within 6 months of learning of it.
RECONSIDERATION_DAYS = 60
SUIT_MONTHS = 6


def _office_name(office) -> str:
    return office.office_display_name


# The office's name in the language of the moment the text is rendered (an email's, a PDF's).
_lazy_office_name = lazy(_office_name, str)


def remedies(office):
    return fmt(
        _(
            "If you disagree with this decision, you may apply for administrative reconsideration "
            "within %(days)s days of learning of it, or bring an administrative suit before a "
            "people's court within %(months)s months of learning of it. The decision was made by "
            "%(office)s."
        ),
        days=str(RECONSIDERATION_DAYS),
        months=str(SUIT_MONTHS),
        office=_lazy_office_name(office),
    )


def _file_again_by(duty, today: date):
    if duty is None:
        return _("You may file again on the portal, starting from the content of this filing.")
    deadline = duty.deadline.isoformat()
    if duty.deadline < today:
        return fmt(
            _(
                "Your duty to file is open again and its deadline, %(deadline)s, has passed: file "
                "again on the portal as soon as possible, starting from the content of this filing."
            ),
            deadline=deadline,
        )
    return fmt(
        _(
            "Your duty to file is open again: file again on the portal by %(deadline)s, starting "
            "from the content of this filing."
        ),
        deadline=deadline,
    )


def next_steps(outcome: str, filing, duty, today: date) -> list:
    """The sentences that tell the organization what it can do next, and by when, after an
    outcome: "returned", "refused", "revoked" or "withdrawn" (a Filing.Status)."""
    if outcome == "returned" and filing.correction_deadline:
        return [
            fmt(
                _(
                    "Correct the filing on the portal and submit it again by %(date)s. Until "
                    "then the filing keeps its place; if you need more time or do not understand "
                    "a reason, write to the office from the filing's page."
                ),
                date=filing.correction_deadline.isoformat(),
            )
        ]
    if outcome in ("refused", "revoked"):
        return [_file_again_by(duty, today), remedies(filing.office)]
    if outcome == "withdrawn":
        return [_file_again_by(duty, today)]
    return []
