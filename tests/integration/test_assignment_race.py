"""Two reviewers acting on who handles a filing, or two signers on one proposal, at the same
moment: the row lock makes one of them win, and the other is told (run on PostgreSQL in CI)."""

import pytest

from filings.lifecycle import assignment, services, sign_off
from filings.models import AuditEntry, Filing, FilingEvent, Jurisdiction
from filings.review.reviewer_group import SIGNER_GROUP, ensure_role_groups
from tests.factories import MembershipFactory, reviewer_of
from tests.integration.test_concurrency import at_once, draft_ready_to_submit

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def submitted_in_shenzhen() -> Filing:
    membership = MembershipFactory(organization__address_division="440300")
    filing = draft_ready_to_submit(membership)
    return services.submit_filing(filing.pk, membership.user)


def test_two_reviewers_taking_one_filing_at_once_one_holds_it_the_other_is_told_who():
    first = reviewer_of("440300", "first@cac.example", name="甲审核")
    second = reviewer_of("440300", "second@cac.example", name="乙审核")
    filing = submitted_in_shenzhen()
    results = at_once(
        lambda: assignment.take_filing(filing.pk, first),
        lambda: assignment.take_filing(filing.pk, second),
    )
    outcomes = sorted(type(result).__name__ for result in results)
    assert outcomes == ["Filing", "FilingHeld"], results
    winner = next(result for result in results if isinstance(result, Filing)).holder
    refused = next(result for result in results if isinstance(result, services.FilingHeld))
    assert refused.holder == winner
    assert winner.get_full_name() in str(refused.message)
    filing.refresh_from_db()
    assert filing.holder == winner
    assert filing.events.filter(action=FilingEvent.Action.TAKEN).count() == 1
    assert AuditEntry.objects.filter(action=AuditEntry.Action.FILING_TAKEN).count() == 1


def test_taking_and_starting_the_review_at_once_leave_one_holder():
    first = reviewer_of("440300", "first@cac.example", name="甲审核")
    second = reviewer_of("440300", "second@cac.example", name="乙审核")
    filing = submitted_in_shenzhen()
    results = at_once(
        lambda: assignment.take_filing(filing.pk, first),
        lambda: services.start_review(filing.pk, second),
    )
    assert sorted(type(result).__name__ for result in results) == ["Filing", "FilingHeld"]
    filing.refresh_from_db()
    assert filing.events.filter(action=FilingEvent.Action.TAKEN).count() == 1
    taken = filing.events.get(action=FilingEvent.Action.TAKEN)
    assert filing.holder == taken.actor


def test_two_signers_signing_one_proposal_at_once_issue_one_number():
    Jurisdiction.objects.filter(code="440300").update(sign_off="required")
    handler = reviewer_of("440300", "handler@cac.example", name="承办人")
    signers = [reviewer_of("440300", f"signer{i}@cac.example", name=f"签发人{i}") for i in (1, 2)]
    group = ensure_role_groups()[SIGNER_GROUP]
    for signer in signers:
        signer.groups.add(group)
    filing = submitted_in_shenzhen()
    sign_off.propose_decision(filing.pk, handler, "approve")
    results = at_once(*[lambda s=s: sign_off.sign_off(filing.pk, s) for s in signers])
    outcomes = sorted(type(result).__name__ for result in results)
    assert outcomes == ["Filing", "TransitionNotAllowed"], results
    filing.refresh_from_db()
    assert filing.status == Filing.Status.FILED
    assert filing.events.filter(action=FilingEvent.Action.APPROVED).count() == 1
