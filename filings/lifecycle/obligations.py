"""Whether an organization must file, since when, with which office and by which day.

``assess`` is the rule, pure. The threshold is about the organization: the number of distinct
people whose facial information it stores across all its systems (draft provisions: 存储超过1万人;
Measures Art. 15: 存储数量达到10万人). The organization declares that total
(``declare_total``); the sum of its systems is its upper bound and the largest system its lower
bound. Until a total is declared, the largest system is the number known for certain.

The verbs that change state: ``declare_system`` and ``declare_total`` record a declaration, then
the open initial obligation is created, moved or lifted to match what the rule says now; after the
organization has filed, a larger number, a new place or a new address prompts a change filing
(变更, ``prompt_change_filing``). ``apply_regime`` brings open obligations in line with the rule set
in force after FILING_REGIME was switched.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filings.calendar import calendars
from filings.law.regimes import Regime, current_regime, get_regime
from filings.lifecycle import reminders
from filings.models import (
    AppliedRegime,
    Filing,
    HeadcountDeclaration,
    Jurisdiction,
    Membership,
    Obligation,
    ObligationEvent,
    Organization,
    RecognitionSystem,
    SystemDeclaration,
)
from filings.registry.jurisdictions import office_code_for
from notifications import emails


@dataclass(frozen=True)
class Assessment:
    must_file: bool
    since: date | None
    triggering: tuple[str, ...]  # what brings the duty: systems, or the declared total
    people_known: int = 0  # the number the threshold was tested with
    # No total is declared and the systems' sum would meet the threshold: ask for the total.
    total_needed: bool = False


@dataclass(frozen=True)
class Bounds:
    """What the systems say about the organization's total of distinct people."""

    largest: int
    sum: int


def in_use(systems) -> list:
    """The systems the organization still uses (a retired one stores for nobody's use)."""
    return [system for system in systems if getattr(system, "retired_on", None) is None]


def bounds(systems) -> Bounds:
    """Of the systems in use: a retired system's people are no longer the organization's."""
    counts = [system.people_stored for system in in_use(systems)]
    return Bounds(max(counts, default=0), sum(counts))


def counts_toward(system, regime: Regime) -> bool:
    """Whether the system counts toward the rule set's threshold: not once its use stopped, and
    not, under the 2025 measures (Art. 2 ¶2), when it serves only the research, development or
    algorithm training of facial recognition. The draft has no such clause."""
    if getattr(system, "retired_on", None) is not None:
        return False
    return not (regime.exempts_research and getattr(system, "research_only", False))


def threshold_note(system, regime: Regime) -> str:
    """Why a system counts toward the threshold or not, where that is not plain: said beside it
    on the organization's page."""
    if system.retired_on is not None:
        return _("Use stopped on %(day)s: no longer counted.") % {
            "day": system.retired_on.isoformat()
        }
    if not system.research_only:
        return ""
    if regime.exempts_research:
        return _(
            "Used only for research, development or algorithm training of facial recognition: "
            "outside the Measures (Art. 2 ¶2), not counted toward the threshold."
        )
    return _(
        "Used only for research, development or algorithm training: the 2023 draft has no "
        "exemption for it, so it counts toward the threshold."
    )


def assess(systems, regime: Regime, total=None) -> Assessment:
    """The duty arises on the first day the organization met the rule set's trigger: its declared
    total of distinct people (``total``: a HeadcountDeclaration, or anything with
    ``people_total`` and ``reached_on``) or one system alone passing the threshold, or, under the
    draft, a system used in a public place. Only the systems that count toward the threshold
    count (``counts_toward``); a declared total is then at most their sum."""
    every = list(systems)
    systems = [system for system in every if counts_toward(system, regime)]
    candidates: list[tuple[date, str]] = []
    for system in systems:
        if regime.requires_filing(system.people_stored, system.used_in_public_place):
            candidates.append((system.count_reached_on, system.name))
    known = bounds(systems).largest
    if total is not None:
        people_total = total.people_total
        if len(systems) < len(every):
            people_total = min(people_total, bounds(systems).sum)
        known = max(known, people_total)
        if regime.requires_filing(people_total, False):
            label = _("declared total of %(n)s people") % {"n": f"{people_total:,}"}
            candidates.append((total.reached_on, label))
    total_needed = (
        total is None and not candidates and regime.requires_filing(bounds(systems).sum, False)
    )
    if not candidates:
        return Assessment(False, None, (), known, total_needed)
    since = min(day for day, _name in candidates)
    return Assessment(True, since, tuple(name for _day, name in candidates), known)


def people_declared(organization: Organization) -> int:
    """The organization's number of people as declared: its latest total across systems, else
    the sum of the systems in use (0 when nothing is declared)."""
    total = latest_total(organization)
    if total is not None:
        return total.people_total
    return bounds(organization.systems.all()).sum


def latest_total(organization: Organization) -> HeadcountDeclaration | None:
    return organization.headcounts.order_by("-declared_at", "-pk").first()


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


def deadline_for(kind: str, trigger: date, regime: Regime):
    """The filing deadline of a duty that arose on ``trigger``; a trigger before the rule set took
    effect takes its transitional date (the 2025 measures: 2025-07-14)."""
    return regime.deadline(trigger, days_to_file(kind, regime), calendars.add_working_days)


class TotalRefused(ValueError):
    """A declared total that cannot be: the message is for the person who typed it."""


def total_errors(people_total: int, systems) -> list[str]:
    """The total is at least the largest system (those people are distinct already) and at most
    the sum of the systems (nobody is counted in no system)."""
    found = bounds(systems)
    errors = []
    if people_total < found.largest:
        errors.append(
            _("The total cannot be below the largest system, which alone stores %(n)s people.")
            % {"n": f"{found.largest:,}"}
        )
    if people_total > found.sum:
        errors.append(
            _(
                "The total cannot exceed the sum of the declared systems (%(n)s people): declare "
                "the other systems first."
            )
            % {"n": f"{found.sum:,}"}
        )
    return errors


@transaction.atomic
def declare_total(
    organization: Organization, actor, *, people_total: int, reached_on: date
) -> HeadcountDeclaration:
    Organization.objects.select_for_update().get(pk=organization.pk)
    systems = list(organization.systems.all())
    errors = total_errors(people_total, systems)
    if errors:
        raise TotalRefused(" ".join(errors))
    previous = latest_total(organization)
    found = bounds(systems)
    declaration = HeadcountDeclaration.objects.create(
        organization=organization,
        people_total=people_total,
        reached_on=reached_on,
        largest_system=found.largest,
        systems_sum=found.sum,
        declared_by=actor,
    )
    refresh_initial_obligation(organization)
    filed = filed_initial(organization)
    if filed is not None and prompt_cancellation_if_below(organization, filed, reached_on):
        return declaration
    if previous is not None and people_total > previous.people_total:
        prompt_change_filing(
            organization,
            reached_on,
            _("The declared total grew from %(old)s to %(new)s people.")
            % {"old": f"{previous.people_total:,}", "new": f"{people_total:,}"},
        )
    return declaration


def declare_system(
    organization: Organization,
    actor,
    *,
    name: str,
    people_stored: int,
    used_in_public_place: bool,
    count_reached_on: date,
    system: RecognitionSystem | None = None,
    research_only: bool | None = None,
) -> RecognitionSystem:
    """Declare one system (the form), or update it with ``system``: a bulk declaration of one.
    ``research_only`` None keeps what was declared (a new system: not research only)."""
    row = {
        "name": name,
        "people_stored": people_stored,
        "used_in_public_place": used_in_public_place,
        "count_reached_on": count_reached_on,
        "system": system,
        "research_only": research_only,
    }
    return declare_systems(organization, actor, [row])[0]


@transaction.atomic
def declare_systems(organization: Organization, actor, rows) -> list[RecognitionSystem]:
    """Declare many systems at once (the bulk declaration), all or nothing: each row is recorded
    and prompts a change filing as ``declare_system`` does it. ``rows`` are dicts of
    declare_system's fields, with ``system`` for an update. What does not change from one row to
    the next is done once: the lock, the look-up of the initial filing, and the initial obligation
    brought in line after the last row (it depends only on the state the rows leave)."""
    Organization.objects.select_for_update().get(pk=organization.pk)
    filings = {"filed": filed_initial(organization), "pending": pending_initial(organization)}
    declared = []
    for row in rows:
        system, change = _record_system(organization, actor, **row)
        if change:
            prompt_change_filing(organization, row["count_reached_on"], change, **filings)
        declared.append(system)
    refresh_initial_obligation(organization)
    if filings["filed"] is not None:
        day = max(row["count_reached_on"] for row in rows) if rows else timezone.localdate()
        prompt_cancellation_if_below(organization, filings["filed"], day)
    return declared


def _record_system(
    organization: Organization,
    actor,
    *,
    name: str,
    people_stored: int,
    used_in_public_place: bool,
    count_reached_on: date,
    system: RecognitionSystem | None = None,
    research_only: bool | None = None,
) -> tuple[RecognitionSystem, str | None]:
    """Save the system and its declaration; return it and what changed that a filing must show
    (None when nothing did). Call inside a transaction holding the organization's row lock."""
    before = None
    if system is None:
        system = RecognitionSystem(organization=organization)
    else:
        before = RecognitionSystem.objects.get(pk=system.pk)
    system.name = name
    system.people_stored = people_stored
    system.used_in_public_place = used_in_public_place
    system.count_reached_on = count_reached_on
    if research_only is not None:
        system.research_only = research_only
    system.save()
    _record_declaration(system, actor)
    if before is None:
        change = _("A new system was declared: %(name)s.") % {"name": name}
    elif people_stored > before.people_stored:
        change = _("%(name)s grew from %(old)s to %(new)s people.") % {
            "name": name,
            "old": f"{before.people_stored:,}",
            "new": f"{people_stored:,}",
        }
    elif used_in_public_place and not before.used_in_public_place:
        change = _("%(name)s is now used in a public place.") % {"name": name}
    else:
        change = None
    return system, change


def _record_declaration(system: RecognitionSystem, actor) -> SystemDeclaration:
    """Every declaration is kept as it was made: the history shows each one."""
    return SystemDeclaration.objects.create(
        system=system,
        people_stored=system.people_stored,
        used_in_public_place=system.used_in_public_place,
        count_reached_on=system.count_reached_on,
        research_only=system.research_only,
        retired_on=system.retired_on,
        declared_by=actor,
    )


class RetirementRefused(ValueError):
    """A retirement that cannot be: the message is for the person who asked."""


@transaction.atomic
def retire_system(
    organization: Organization, actor, system: RecognitionSystem, *, retired_on: date
) -> RecognitionSystem:
    """The organization stopped using the system on ``retired_on``. It no longer counts toward
    the threshold. Before filing, the initial duty follows (it may be lifted). After filing, the
    organization files a change, or, when what is left no longer needs a filing, cancels it
    within the rule set's days (Measures Art. 15: 停止应用人脸识别技术的 … 30个工作日内办理注销备案
    手续; the draft's wording is unconfirmed)."""
    Organization.objects.select_for_update().get(pk=organization.pk)
    system = RecognitionSystem.objects.select_for_update().get(
        pk=system.pk, organization=organization
    )
    if system.retired_on is not None:
        raise RetirementRefused(
            _("This system was already declared retired on %(day)s.")
            % {"day": system.retired_on.isoformat()}
        )
    if retired_on < system.count_reached_on:
        raise RetirementRefused(
            _("The use cannot stop before the day the system's number was reached (%(day)s).")
            % {"day": system.count_reached_on.isoformat()}
        )
    system.retired_on = retired_on
    system.save(update_fields=["retired_on", "updated_at"])
    _record_declaration(system, actor)
    what = _("%(name)s was retired on %(day)s.") % {
        "name": system.name,
        "day": retired_on.isoformat(),
    }
    filed = filed_initial(organization)
    if filed is None:
        prompt_change_filing(organization, retired_on, what, filed=None)
        refresh_initial_obligation(organization)
    elif not prompt_cancellation_if_below(organization, filed, retired_on, what):
        prompt_change_filing(organization, retired_on, what, filed=filed)
    return system


def prompt_cancellation_if_below(
    organization: Organization, filed: Filing, event_date: date, what: str | None = None
) -> Obligation | None:
    """After filing: when the systems still in use no longer meet the filed rule set's trigger
    (all retired, or the total fell below the threshold), the organization cancels its filing
    within the rule set's days. Opens that duty unless one is open already; call inside a
    transaction holding the organization's row lock."""
    regime = get_regime(filed.regime)
    if assess(organization.systems.all(), regime, latest_total(organization)).must_file:
        return None
    what = what or _("The systems in use no longer reach %(threshold)s.") % {
        "threshold": regime.threshold_text()
    }
    existing = organization.obligations.filter(
        kind=Obligation.Kind.CANCELLATION, status=Obligation.Status.OPEN
    ).first()
    if existing is not None:
        return existing
    return _open_follow_up_duty(
        organization,
        Obligation.Kind.CANCELLATION,
        filed,
        event_date,
        what,
        ObligationEvent.Action.CANCELLATION_PROMPTED,
    )


def _open_follow_up_duty(organization, kind, filed: Filing, event_date, what, action):
    """A change or cancellation duty of a filed filing: with its office, the days of its rule
    set counted from ``event_date``, reminders, and the event that says why."""
    regime = get_regime(filed.regime)
    deadline = deadline_for(kind, event_date, regime)
    obligation = Obligation.objects.create(
        organization=organization,
        kind=kind,
        regime=regime.code,
        office=filed.office,
        trigger_date=event_date,
        deadline=deadline.date,
        deadline_final=deadline.final,
        reason=what[:500],
        next_reminder_on=reminders.first_look(deadline.date),
    )
    ObligationEvent.objects.create(
        obligation=obligation,
        action=action,
        new_regime=regime.code,
        new_office=filed.office.code,
        new_deadline=deadline.date,
        note=what,
    )
    return obligation


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
    assessment = assess(organization.systems.all(), regime, latest_total(organization))
    if not assessment.must_file:
        if open_obligation:
            open_obligation.status = Obligation.Status.LIFTED
            open_obligation.closed_at = timezone.now()
            open_obligation.save(update_fields=["status", "closed_at", "updated_at"])
        return None
    deadline = deadline_for(Obligation.Kind.INITIAL, assessment.since, regime)
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
    """Once an initial filing is submitted, declarations no longer move its obligation."""
    return organization.obligations.filter(
        kind=Obligation.Kind.INITIAL, status=Obligation.Status.FULFILLED
    ).exists()


# --- After filing: a change prompts a change filing (变更) ---------------------------------------


def filed_initial(organization: Organization) -> Filing | None:
    return (
        organization.filings.filter(kind=Filing.Kind.INITIAL, status=Filing.Status.FILED)
        .select_related("office")
        .first()
    )


def pending_initial(organization: Organization) -> Filing | None:
    """The initial filing submitted and not yet decided (submitted, under review, returned)."""
    return (
        organization.filings.filter(
            kind=Filing.Kind.INITIAL,
            status__in=(
                Filing.Status.SUBMITTED,
                Filing.Status.UNDER_REVIEW,
                Filing.Status.RETURNED,
            ),
        )
        .select_related("office")
        .first()
    )


_LOOK_UP = object()


def prompt_change_filing(
    organization: Organization,
    event_date: date,
    what: str,
    *,
    filed: Filing | None = _LOOK_UP,
    pending: Filing | None = _LOOK_UP,
):
    """After the organization has filed, a substantive change (实质性变更: a larger number, a new
    place, a new address) is filed as a change within the rule set's days (Measures Art. 15; the
    draft's wording unconfirmed). Opens that duty unless one is open already; call inside a
    transaction holding the organization's row lock.

    While the initial filing is submitted but not yet filed there is nothing to change yet: the
    change is kept in a waiting duty, opened when the initial filing is approved
    (``open_waiting_changes``). Before any submission the initial duty itself follows the
    declarations (``refresh_initial_obligation``). ``filed`` and ``pending`` are looked up unless
    the caller, declaring many systems in one transaction, has them already."""
    if filed is _LOOK_UP:
        filed = filed_initial(organization)
    if filed is None:
        if pending is _LOOK_UP:
            pending = pending_initial(organization)
        if pending is None:
            return None
        return _wait_for_filing(organization, pending, event_date, what)
    existing = organization.obligations.filter(
        kind=Obligation.Kind.CHANGE, status=Obligation.Status.OPEN
    ).first()
    if existing is not None:
        ObligationEvent.objects.create(
            obligation=existing, action=ObligationEvent.Action.PROMPTED, note=what
        )
        return existing
    return _open_follow_up_duty(
        organization,
        Obligation.Kind.CHANGE,
        filed,
        event_date,
        what,
        ObligationEvent.Action.PROMPTED,
    )


def _wait_for_filing(organization: Organization, pending: Filing, event_date: date, what: str):
    """Keep a change declared while the initial filing awaits its decision. One waiting duty per
    organization: the first change dates it, each later one adds an event."""
    existing = organization.obligations.filter(
        kind=Obligation.Kind.CHANGE, status=Obligation.Status.WAITING
    ).first()
    if existing is not None:
        ObligationEvent.objects.create(
            obligation=existing, action=ObligationEvent.Action.PROMPTED, note=what
        )
        return existing
    regime = get_regime(pending.regime)
    deadline = deadline_for(Obligation.Kind.CHANGE, event_date, regime)  # set again on opening
    obligation = Obligation.objects.create(
        organization=organization,
        kind=Obligation.Kind.CHANGE,
        status=Obligation.Status.WAITING,
        regime=regime.code,
        office=pending.office,
        trigger_date=event_date,
        deadline=deadline.date,
        deadline_final=deadline.final,
        reason=what[:500],
        next_reminder_on=None,  # no reminders for a duty that cannot be met yet
    )
    ObligationEvent.objects.create(
        obligation=obligation,
        action=ObligationEvent.Action.PROMPTED,
        new_regime=regime.code,
        new_office=pending.office.code,
        note=what,
    )
    return obligation


def open_waiting_changes(filing: Filing, filed_on: date) -> list[Obligation]:
    """The initial filing was approved on ``filed_on``: a change declared while it awaited its
    decision is now a change duty (Measures Art. 15: 备案信息发生实质性变更的，应当自变更之日起30个
    工作日内办理变更备案手续). It keeps the day of the change as its trigger; its days count from
    the later of that day and ``filed_on``, since no change could be filed before there was a
    filing to change. Call inside the approval's transaction.

    A change that waited for an earlier initial filing (refused or withdrawn) was declared before
    this one was first submitted: this filing carries it, and the waiting duty is lifted."""
    regime = get_regime(filing.regime)
    first = filing.versions.order_by("number").first()
    opened = []
    waiting = Obligation.objects.select_for_update().filter(
        organization_id=filing.organization_id,
        kind=Obligation.Kind.CHANGE,
        status=Obligation.Status.WAITING,
    )
    for obligation in waiting[:10]:
        if first is not None and obligation.created_at < first.submitted_at:
            obligation.status = Obligation.Status.LIFTED
            obligation.closed_at = timezone.now()
            obligation.save(update_fields=["status", "closed_at", "updated_at"])
            ObligationEvent.objects.create(
                obligation=obligation,
                action=ObligationEvent.Action.LIFTED,
                note=_(
                    "Declared before the initial filing filed on %(filed)s was submitted: that "
                    "filing carries the change."
                )
                % {"filed": filed_on.isoformat()},
            )
            continue
        counted_from = max(obligation.trigger_date, filed_on)
        deadline = deadline_for(Obligation.Kind.CHANGE, counted_from, regime)
        old_deadline, old_office = obligation.deadline, obligation.office.code
        obligation.status = Obligation.Status.OPEN
        obligation.regime = regime.code
        obligation.office = filing.office
        obligation.deadline = deadline.date
        obligation.deadline_final = deadline.final
        obligation.next_reminder_on = reminders.first_look(deadline.date)
        obligation.save(
            update_fields=[
                "status",
                "regime",
                "office",
                "deadline",
                "deadline_final",
                "next_reminder_on",
                "updated_at",
            ]
        )
        ObligationEvent.objects.create(
            obligation=obligation,
            action=ObligationEvent.Action.OPENED,
            new_regime=regime.code,
            old_office=old_office,
            new_office=filing.office.code,
            old_deadline=old_deadline,
            new_deadline=deadline.date,
            note=_(
                "The initial filing was filed on %(filed)s; the change of %(changed)s is filed "
                "within the working days counted from %(start)s."
            )
            % {
                "filed": filed_on.isoformat(),
                "changed": obligation.trigger_date.isoformat(),
                "start": counted_from.isoformat(),
            },
        )
        opened.append(obligation)
    return opened


# --- A switch of FILING_REGIME ------------------------------------------------------------------


def regime_switch_pending() -> bool:
    """Whether open obligations were assessed under another rule set than the one in force, or
    under another day it applies from (DRAFT_APPLIES_FROM changed)."""
    regime = current_regime()
    last = AppliedRegime.objects.order_by("-applied_at", "-pk").first()
    if last is None or last.code != regime.code or last.starts_on != regime.starts_on:
        return True
    return (
        Obligation.objects.filter(status=Obligation.Status.OPEN)
        .exclude(regime=regime.code)
        .exists()
    )


def apply_regime() -> AppliedRegime | None:
    """Bring every open obligation in line with the rule set in force, once per switch.

    An open initial duty is assessed again (threshold, office, deadline) and lifted when the new
    rule set does not require filing; its draft filing follows to the new office. A follow-up duty
    (change, cancellation, correction) answers a filing that its office holds: it keeps that office
    and takes the new rule set's days. Each gets an event; each organization's administrators get
    one email. Idempotent: nothing to do once every open obligation is under the rule set in force.

    A change of the day the rule set applies from (the draft's DRAFT_APPLIES_FROM) re-assesses, the
    same way, the open duties of that rule set whose trigger lies before the later of the two days.
    """
    regime = current_regime()
    with transaction.atomic():
        last = AppliedRegime.objects.select_for_update().order_by("-applied_at", "-pk").first()
        stale = Obligation.objects.filter(status=Obligation.Status.OPEN).exclude(regime=regime.code)
        moved_start = (
            last is not None and last.code == regime.code and last.starts_on != regime.starts_on
        )
        if moved_start:
            days = [day for day in (last.starts_on, regime.starts_on) if day is not None]
            stale |= Obligation.objects.filter(
                status=Obligation.Status.OPEN, regime=regime.code, trigger_date__lt=max(days)
            )
        stale = list(
            stale.select_for_update()
            .select_related("organization", "office")
            .order_by("organization_id", "pk")
        )
        if not stale and last is not None and not moved_start and last.code == regime.code:
            return None
        touched: dict[int, list[ObligationEvent]] = {}
        for obligation in stale:
            Organization.objects.select_for_update().get(pk=obligation.organization_id)
            event = _reassess(obligation, regime)
            touched.setdefault(obligation.organization_id, []).append(event)
        applied = AppliedRegime.objects.create(
            code=regime.code, starts_on=regime.starts_on, obligations_reassessed=len(stale)
        )
        for organization_id, events in touched.items():
            _notify_regime_changed(organization_id, regime, events)
    return applied


def _reassess(obligation: Obligation, regime: Regime) -> ObligationEvent:
    old = {
        "old_regime": obligation.regime,
        "old_office": obligation.office.code,
        "old_deadline": obligation.deadline,
    }
    organization = obligation.organization
    if obligation.kind == Obligation.Kind.INITIAL:
        assessment = assess(organization.systems.all(), regime, latest_total(organization))
        if not assessment.must_file:
            obligation.status = Obligation.Status.LIFTED
            obligation.closed_at = timezone.now()
            obligation.regime = regime.code
            obligation.save(update_fields=["status", "closed_at", "regime", "updated_at"])
            return ObligationEvent.objects.create(
                obligation=obligation,
                action=ObligationEvent.Action.LIFTED,
                new_regime=regime.code,
                **old,
            )
        obligation.trigger_date = assessment.since
        obligation.office = office_for(organization, regime)
        obligation.reason = ", ".join(assessment.triggering)
    deadline = deadline_for(obligation.kind, obligation.trigger_date, regime)
    obligation.regime = regime.code
    obligation.deadline, obligation.deadline_final = deadline.date, deadline.final
    obligation.next_reminder_on = reminders.first_look(
        deadline.date, reminders.sent_kinds_of(obligation)
    )
    obligation.save()
    if obligation.kind == Obligation.Kind.INITIAL:
        Filing.objects.filter(
            obligation=obligation, status__in=[Filing.Status.DRAFT, Filing.Status.RETURNED]
        ).update(regime=regime.code, office=obligation.office, deadline=deadline.date)
    return ObligationEvent.objects.create(
        obligation=obligation,
        action=ObligationEvent.Action.REASSESSED,
        new_regime=regime.code,
        new_office=obligation.office.code,
        new_deadline=deadline.date,
        **old,
    )


def _notify_regime_changed(organization_id: int, regime: Regime, events) -> None:
    admins = Membership.objects.filter(
        organization_id=organization_id, role=Membership.Role.ADMIN, user__is_active=True
    ).select_related("user", "organization")
    for membership in admins:
        emails.send(
            "regime_changed",
            to=membership.user.email,
            language=membership.user.language,
            context={
                "organization": membership.organization,
                "user": membership.user,
                "regime": regime,
                "events": events,
            },
        )
