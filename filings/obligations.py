"""Whether an organization must file, since when, with which office and by which day.

``assess`` is the rule, pure. ``declare_system`` and ``refresh_initial_obligation`` are the verbs
that change state: a declaration is recorded, then the organization's open initial obligation is
created, moved or lifted to match what the rule says now.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from filings import calendars, reminders
from filings.jurisdictions import office_code_for
from filings.models import (
    Jurisdiction,
    Obligation,
    Organization,
    RecognitionSystem,
    SystemDeclaration,
)
from filings.regimes import Regime, current_regime, get_regime


@dataclass(frozen=True)
class Assessment:
    must_file: bool
    since: date | None
    triggering: tuple[str, ...]  # names of the systems that bring the duty


def assess(systems, regime: Regime) -> Assessment:
    """The duty arises with the first system whose declared count (or public-place use) meets the
    rule set's trigger; it dates from the day that system reached its declared count."""
    triggering = [
        system
        for system in systems
        if regime.requires_filing(system.people_stored, system.used_in_public_place)
    ]
    if not triggering:
        return Assessment(False, None, ())
    since = min(system.count_reached_on for system in triggering)
    return Assessment(True, since, tuple(system.name for system in triggering))


def days_to_file(kind: str, regime: Regime) -> int:
    return {
        Obligation.Kind.INITIAL: regime.initial_days,
        Obligation.Kind.CHANGE: regime.change_days,
        Obligation.Kind.CANCELLATION: regime.cancellation_days,
        Obligation.Kind.CORRECTION: regime.correction_days,
    }[kind]


def office_for(organization: Organization, regime: Regime) -> Jurisdiction:
    code = office_code_for(organization.address_division, regime.authority_level)
    return Jurisdiction.objects.get(code=code)


@transaction.atomic
def declare_system(
    organization: Organization,
    actor,
    *,
    name: str,
    people_stored: int,
    used_in_public_place: bool,
    count_reached_on: date,
    system: RecognitionSystem | None = None,
) -> RecognitionSystem:
    Organization.objects.select_for_update().get(pk=organization.pk)
    if system is None:
        system = RecognitionSystem(organization=organization)
    system.name = name
    system.people_stored = people_stored
    system.used_in_public_place = used_in_public_place
    system.count_reached_on = count_reached_on
    system.save()
    SystemDeclaration.objects.create(
        system=system,
        people_stored=people_stored,
        used_in_public_place=used_in_public_place,
        count_reached_on=count_reached_on,
        declared_by=actor,
    )
    refresh_initial_obligation(organization)
    return system


def refresh_initial_obligation(organization: Organization) -> Obligation | None:
    """Bring the open initial obligation in line with the declarations. Call inside a transaction
    holding the organization's row lock. An open obligation keeps the rule set it arose under."""
    open_obligation = (
        Obligation.objects.select_for_update()
        .filter(organization=organization, kind=Obligation.Kind.INITIAL, status="open")
        .first()
    )
    if organization_has_filed(organization):
        return open_obligation
    regime = get_regime(open_obligation.regime) if open_obligation else current_regime()
    assessment = assess(organization.systems.all(), regime)
    if not assessment.must_file:
        if open_obligation:
            open_obligation.status = Obligation.Status.LIFTED
            open_obligation.closed_at = timezone.now()
            open_obligation.save(update_fields=["status", "closed_at", "updated_at"])
        return None
    deadline = calendars.add_working_days(assessment.since, regime.initial_days)
    values = {
        "trigger_date": assessment.since,
        "deadline": deadline.date,
        "deadline_final": deadline.final,
        "office": office_for(organization, regime),
        "reason": ", ".join(assessment.triggering),
    }
    if open_obligation is None:
        return Obligation.objects.create(
            organization=organization,
            kind=Obligation.Kind.INITIAL,
            regime=regime.code,
            next_reminder_on=reminders.first_look(deadline.date),
            **values,
        )
    changed = [field for field, value in values.items() if getattr(open_obligation, field) != value]
    for field in changed:
        setattr(open_obligation, field, values[field])
    if "deadline" in changed:
        open_obligation.next_reminder_on = reminders.first_look(
            deadline.date, reminders.sent_kinds_of(open_obligation)
        )
        changed.append("next_reminder_on")
    if changed:
        open_obligation.save(update_fields=[*changed, "updated_at"])
    return open_obligation


def organization_has_filed(organization: Organization) -> bool:
    """Once an initial filing is submitted, declarations no longer move its obligation.

    Filings arrive with issue 4; until then no organization has filed.
    """
    return organization.obligations.filter(
        kind=Obligation.Kind.INITIAL, status=Obligation.Status.FULFILLED
    ).exists()
