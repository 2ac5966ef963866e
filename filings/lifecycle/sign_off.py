"""Two signatures (承办人 and 签发人). Where the office asks for them
(``handling.sign_off_required``), the reviewer who handles a filing proposes the approval, refusal
or revocation with its reasons; the filing waits in 待签发 (its status unchanged: under review, or
filed for a revocation); a signer, never the one who proposed, signs the decision off, which then
takes effect as a decision of one person does (the number, the notice, the emails), or sends it
back to the handler with a note. The history names both people. The database refuses a proposal
on a filing in any other status, and a signature by the proposer (Filing.Meta.constraints).
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filings.lifecycle import services
from filings.lifecycle.assignment import lock_in_scope
from filings.models import Document, Filing, FilingEvent
from filings.review import handling
from notifications import emails

S = Filing.Status
A = FilingEvent.Action
P = Filing.Proposal
PROPOSAL_FIELDS = ["proposed_decision", "proposed_reasons", "proposed_by", "proposed_at"]


class SameSigner(services.FilingError):
    def __init__(self):
        super().__init__(
            _("You proposed this decision: another person with the sign-off role signs it off.")
        )


@transaction.atomic
def propose_decision(filing_id: int, handler, decision: str, reasons: str = "") -> Filing:
    """The handler's proposal. A refusal or revocation needs its reasons; an approval may carry a
    note for the signer. A filing nobody handles yet becomes the proposer's."""
    if decision not in (P.APPROVE, P.REFUSE, P.REVOKE):
        raise services.FilingError(_("Choose the decision to propose."))
    reasons = (reasons or "").strip()[: services.MAX_MESSAGE]
    if decision != P.APPROVE:
        reasons = services._required_reasons(reasons)
    filing = lock_in_scope(filing_id, handler)
    if not handling.requires_sign_off(filing):
        raise services.FilingError(_("This office decides with one signature: decide directly."))
    if decision == P.REVOKE:
        services._guard(filing, "revoke")
        services.check_revocable(filing)
    else:
        services._guard(filing, decision)
        services._guard_holder(filing, handler)
        if decision == P.APPROVE:
            services.check_approvable(filing)
        if filing.status == S.SUBMITTED:
            services._move(filing, "start_review", handler)
        if filing.holder_id is None:
            services._hand(filing, handler, handler, A.TAKEN)
    filing.proposed_by = handler
    filing.signed_off_by = None
    filing = _set_proposal(filing, decision, reasons, A.PROPOSED, handler, reasons)
    for signer in handling.signers_for(filing.office):
        if signer.pk != handler.pk:
            _tell(signer, "proposal_awaits_sign_off", filing, decision, reasons=reasons)
    return filing


def _tell(user, kind: str, filing: Filing, decision: str, **context) -> None:
    """An email to a member of staff about a proposal, in their language."""
    emails.send(
        kind,
        to=user.email,
        language=user.language,
        context={
            "user": user,
            "filing": filing,
            "decision": P(decision).label,
            "proposed_by": handling.person(filing.proposed_by),
            **context,
        },
    )


def _set_proposal(filing, decision: str, reasons: str, action: str, actor, note: str) -> Filing:
    """Write the proposal (``decision`` "" clears it) and its event, on a locked filing."""
    event_decision = decision or filing.proposed_decision
    filing.proposed_decision = decision
    filing.proposed_reasons = reasons
    filing.proposed_at = timezone.now() if decision else None
    filing.save(update_fields=[*PROPOSAL_FIELDS, "signed_off_by", "updated_at"])
    FilingEvent.objects.create(
        filing=filing,
        action=action,
        from_status=filing.status,
        to_status=filing.status,
        actor=actor,
        note=note,
        facts={"proposal": event_decision},
    )
    return filing


def _lock_proposal(filing_id: int, signer) -> Filing:
    filing = lock_in_scope(filing_id, signer)
    if not filing.proposed_decision:
        raise services.TransitionNotAllowed(
            _("No decision on this filing awaits sign-off now (it is %(status)s).")
            % {"status": filing.get_status_display()}
        )
    if filing.proposed_by_id == signer.pk:
        raise SameSigner()
    if not handling.is_signer(signer):
        raise services.FilingError(_("Only a person with the sign-off role signs decisions off."))
    return filing


@transaction.atomic
def sign_off(filing_id: int, signer) -> Filing:
    """签发: the proposed decision takes effect, in the signer's name and the proposer's."""
    filing = _lock_proposal(filing_id, signer)
    decision, reasons, proposer = (
        filing.proposed_decision,
        filing.proposed_reasons,
        filing.proposed_by,
    )
    filing.proposed_decision = P.NONE
    filing.signed_off_by = signer
    filing.save(update_fields=["proposed_decision", "signed_off_by", "updated_at"])
    facts = {"proposed_by": handling.person(proposer), "signed_off_by": handling.person(signer)}
    if decision == P.APPROVE:
        return services._approve(filing, signer, reasons, facts=facts)
    if decision == P.REFUSE:
        return services._end_filing(
            filing, "refuse", signer, reasons, Document.Kind.REFUSAL_NOTICE, facts=facts
        )
    return services._revoke(filing, signer, reasons, facts=facts)


@transaction.atomic
def send_back(filing_id: int, signer, note: str) -> Filing:
    """The signer does not sign: the proposal goes back to the handler with the signer's note, and
    the filing is under review (or filed) again as before the proposal."""
    note = (note or "").strip()[: services.MAX_MESSAGE]
    if not note:
        raise services.FilingError(_("Say why the proposal goes back: the handler will read it."))
    filing = _lock_proposal(filing_id, signer)
    decision = filing.proposed_decision
    filing = _set_proposal(filing, P.NONE, "", A.SENT_BACK, signer, note)
    if filing.proposed_by is not None and filing.proposed_by.is_active:
        _tell(
            filing.proposed_by,
            "proposal_sent_back",
            filing,
            decision,
            signer=handling.person(signer),
            note=note,
        )
    return filing
