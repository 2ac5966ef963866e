"""A provincial office takes a city's filing over (the city-to-province handover).

The 2025 measures file at provincial level: when a deployment switches rule sets, the filings
already in a city's queue can be handed to the province by its lead, one by one. The filing keeps
its receipt, versions, review due date and history; its office changes, with an event in its
history and an audit entry."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filings.lifecycle.services import FilingError, TransitionNotAllowed, _lock
from filings.models import AuditEntry, Filing, FilingEvent, Jurisdiction, Obligation
from filings.registry import audit
from filings.review.review_scope import office_of
from filings.review.reviewer_group import is_office_lead

# A filing the office still has to decide, or that waits for the organization's correction:
# a decided one stays with the office that decided it.
TRANSFERABLE = (Filing.Status.SUBMITTED, Filing.Status.UNDER_REVIEW, Filing.Status.RETURNED)


def may_take_over(user) -> bool:
    """Whether ``user`` is the lead of a provincial office (who may take its cities' filings)."""
    office = office_of(user)
    return (
        office is not None
        and office.level == Jurisdiction.Level.PROVINCE
        and is_office_lead(user)
        and not user.is_superuser
    ) or (user.is_superuser and user.is_active)


@transaction.atomic
def transfer_to_province(filing_id: int, actor, note: str = "") -> Filing:
    """Move a city's filing to the provincial office above it, by that office's lead (an
    administrator may do it too). Refused for a filing already decided, or already at a
    provincial office, or outside the lead's province."""
    filing = _lock(filing_id)
    city = filing.office
    if city.level != Jurisdiction.Level.PREFECTURE or city.province_id is None:
        raise FilingError(_("This filing is already with a provincial office."))
    if not may_take_over(actor):
        raise FilingError(_("Only the lead of a provincial office can take a city's filing."))
    if not actor.is_superuser and office_of(actor).pk != city.province_id:
        raise FilingError(_("This filing is not in your province."))
    if filing.status not in TRANSFERABLE:
        raise TransitionNotAllowed(
            _("This filing is %(status)s now; it can no longer be changed this way.")
            % {"status": filing.get_status_display()}
        )
    province = Jurisdiction.objects.get(pk=city.province_id)
    note = (note or "").strip()[:2000]
    filing.office = province
    filing.save(update_fields=["office", "updated_at"])
    # A correction the organization still owes on it is now owed to the province.
    Obligation.objects.filter(
        pk=filing.obligation_id, kind=Obligation.Kind.CORRECTION, status=Obligation.Status.OPEN
    ).update(office=province, updated_at=timezone.now())
    FilingEvent.objects.create(
        filing=filing,
        action=FilingEvent.Action.TRANSFERRED,
        from_status=filing.status,
        to_status=filing.status,
        actor=actor,
        note=note,
        facts={"from_office": city.code, "to_office": province.code},
    )
    audit.record(
        AuditEntry.Action.FILING_TRANSFERRED,
        actor=actor,
        obj=filing,
        organization=filing.organization,
        before={"office": city.code},
        after={"office": province.code},
    )
    return filing
