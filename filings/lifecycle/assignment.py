"""Who handles a filing (承办人): a reviewer takes it ("由我办理"), the office lead assigns it, the
holder or the lead releases it, and a reviewer who does not hold it asks the lead to reassign it.
Each is a verb: the row locked, the holder changed, the event in the filing's history and the
audit entry written in one transaction. Two reviewers taking the same filing at once: the lock
makes one the holder, and the other is told who.

Starting a review takes the filing too (``services.start_review``), and a filing held by one
reviewer is decided by that reviewer alone (``services._guard_holder``).
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from filings.lifecycle import services
from filings.models import Filing, FilingEvent
from filings.review import handling
from filings.review.review_scope import filings_visible_to, may_review
from notifications import emails

S = Filing.Status
A = FilingEvent.Action
# While the office deals with a filing, someone handles it: from submission to the decision, and
# while the organization corrects it (the corrected filing comes back to the same reviewer).
HELD_WHILE = {S.SUBMITTED, S.UNDER_REVIEW, S.RETURNED}
MAX_NOTE = services.MAX_MESSAGE


def lock_in_scope(filing_id: int, actor) -> Filing:
    """The filing locked, if the actor's office sees it (the verbs check the scope themselves)."""
    filing = services._lock(filing_id)
    if not filings_visible_to(actor).filter(pk=filing.pk).exists():
        raise services.FilingError(_("This filing is not in your office's queue."))
    return filing


def _check_held_while(filing: Filing) -> None:
    if filing.status not in HELD_WHILE:
        raise services.TransitionNotAllowed(
            _("This filing is %(status)s: there is nothing left to handle.")
            % {"status": filing.get_status_display()}
        )


@transaction.atomic
def take_filing(filing_id: int, reviewer) -> Filing:
    """由我办理: the filing is the reviewer's, unless another reviewer holds it already."""
    filing = lock_in_scope(filing_id, reviewer)
    _check_held_while(filing)
    if not may_review(reviewer):
        raise services.FilingError(_("Only a reviewer of the office can handle a filing."))
    if filing.holder_id == reviewer.pk:
        return filing
    services._guard_holder(filing, reviewer)
    services._hand(filing, reviewer, reviewer, A.TAKEN)
    return filing


@transaction.atomic
def assign_filing(filing_id: int, lead, holder, note: str = "") -> Filing:
    """The office lead gives the filing to a reviewer who sees it (or takes it back from one)."""
    filing = lock_in_scope(filing_id, lead)
    if not handling.is_lead(lead):
        raise services.FilingError(_("Only the office lead assigns filings."))
    _check_held_while(filing)
    if not handling.reviewers_for(filing.office).filter(user_id=holder.pk).exists():
        raise services.FilingError(
            _("%(name)s is not a reviewer of this filing's office.")
            % {"name": handling.person(holder)}
        )
    if filing.holder_id == holder.pk:
        return filing
    note = (note or "").strip()[:MAX_NOTE]
    services._hand(filing, holder, lead, A.ASSIGNED, note=note)
    if holder.pk != lead.pk:
        emails.send(
            "filing_assigned",
            to=holder.email,
            language=holder.language,
            context={
                "filing": filing,
                "user": holder,
                "assigned_by": handling.person(lead),
                "note": note,
            },
        )
    return filing


@transaction.atomic
def release_filing(filing_id: int, actor) -> Filing:
    """The holder gives the filing back to the queue, or the lead takes it from its holder."""
    filing = lock_in_scope(filing_id, actor)
    if filing.holder_id is None:
        return filing
    if filing.holder_id != actor.pk and not handling.is_lead(actor):
        raise services.FilingHeld(filing.holder)
    services._hand(filing, None, actor, A.RELEASED)
    return filing


def ask_reassignment(filing_id: int, reviewer, note: str) -> FilingEvent:
    """A reviewer who does not hold the filing asks the office lead to reassign it: the request is
    in the filing's history, and each lead is emailed."""
    note = (note or "").strip()[:MAX_NOTE]
    if not note:
        raise services.FilingError(_("Say why the filing should be reassigned."))
    with transaction.atomic():
        filing = lock_in_scope(filing_id, reviewer)
        _check_held_while(filing)
        event = FilingEvent.objects.create(
            filing=filing,
            action=A.REASSIGNMENT_ASKED,
            actor=reviewer,
            note=note,
            facts={"holder": handling.person(filing.holder), "previous": ""},
        )
        for lead in handling.leads_for(filing.office):
            emails.send(
                "reassignment_asked",
                to=lead.email,
                language=lead.language,
                context={
                    "filing": filing,
                    "user": lead,
                    "asked_by": handling.person(reviewer),
                    "holder": handling.person(filing.holder),
                    "note": note,
                },
            )
    return event
