"""Every change of a filing's status, as a verb: guard, lock the row, change, write the event, and
queue what follows (emails, documents) after commit. Views, the admin and tasks call these; none
of them sets a status by hand."""

import math
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import throttling
from filings.calendar import calendars
from filings.documents import attachments, comparisons, documents
from filings.law import compliance, materials, outcomes, steps, vocabulary
from filings.law.regimes import current_regime, get_regime
from filings.lifecycle import obligations, reminders, review_period
from filings.models import (
    Attachment,
    AuditEntry,
    Document,
    Filing,
    FilingEvent,
    FilingVersion,
    Membership,
    NumberCounter,
    Obligation,
    Organization,
)
from filings.models.organizations import ORGANIZATION_FIELDS
from filings.registry import audit
from filings.review import handling
from notifications import emails

S = Filing.Status
A = FilingEvent.Action

# verb: (statuses it may start from, status it leads to)
TRANSITIONS = {
    "submit": ({S.DRAFT, S.RETURNED}, S.SUBMITTED),
    "start_review": ({S.SUBMITTED}, S.UNDER_REVIEW),
    "return": ({S.SUBMITTED, S.UNDER_REVIEW}, S.RETURNED),
    "refuse": ({S.SUBMITTED, S.UNDER_REVIEW}, S.REFUSED),
    "approve": ({S.SUBMITTED, S.UNDER_REVIEW}, S.FILED),
    "cancel": ({S.FILED}, S.CANCELLED),
    # Only while no reviewer has opened it: once review starts, the office decides.
    "withdraw": ({S.SUBMITTED}, S.WITHDRAWN),
    "revoke": ({S.FILED}, S.REVOKED),
}
# A filing in one of these has ended: the organization may file again from its content.
ENDED = {S.REFUSED, S.WITHDRAWN, S.REVOKED}
# A filing in one of these no longer stands in the way of a new one of its kind.
CLOSED = {*ENDED, S.CANCELLED}
MAX_MESSAGE = 5000


class FilingError(Exception):
    """A verb refused: the message is for the person who tried."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class TransitionNotAllowed(FilingError):
    pass


class FilingInProgress(FilingError):
    """A filing of that kind already stands (a draft, one being reviewed, or the filed one): the
    caller asked for a new one only (``reuse=False``)."""

    def __init__(self, filing):
        super().__init__(
            _("A %(kind)s of this organization already exists (%(status)s): continue with it.")
            % {"kind": filing.get_kind_display(), "status": filing.get_status_display()}
        )
        self.filing = filing


class FilingHeld(FilingError):
    """Another reviewer handles the filing: only they (or whom the office lead assigns) decide."""

    def __init__(self, holder):
        super().__init__(
            _("%(name)s handles this filing: ask the office lead to reassign it.")
            % {"name": handling.person(holder)}
        )
        self.holder = holder


class SignOffRequired(FilingError):
    def __init__(self):
        super().__init__(
            _(
                "This office's decisions are signed off by a second person: propose the decision "
                "with its reasons, and a signer signs it off."
            )
        )


class SubmissionBlocked(FilingError):
    def __init__(self, findings):
        super().__init__(_("The filing cannot be submitted until the errors are fixed."))
        self.findings = findings


def _lock(filing_id) -> Filing:
    return (
        Filing.objects.select_for_update()
        .select_related("organization", "office")
        .get(pk=filing_id)
    )


def _guard(filing: Filing, verb: str) -> str:
    allowed, target = TRANSITIONS[verb]
    if filing.status not in allowed:
        raise TransitionNotAllowed(
            _("This filing is %(status)s now; it can no longer be changed this way.")
            % {"status": filing.get_status_display()}
        )
    if filing.proposed_decision:
        # Awaiting the second signature: only the signer moves it on (filings/lifecycle/sign_off).
        raise TransitionNotAllowed(
            _("A decision on this filing awaits sign-off (%(decision)s); the signer decides now.")
            % {"decision": filing.get_proposed_decision_display()}
        )
    return target


def _guard_holder(filing: Filing, actor) -> None:
    """A filing that a reviewer handles is decided by that reviewer alone."""
    if filing.holder_id and filing.holder_id != getattr(actor, "pk", None):
        raise FilingHeld(filing.holder)


def _hand(filing: Filing, holder, actor, action: str, *, note: str = "") -> FilingEvent:
    """Give the filing to ``holder`` (None: to no one), with its event and its audit entry. Call
    on a locked row inside the verb's transaction."""
    previous = filing.holder
    filing.holder = holder
    filing.save(update_fields=["holder", "updated_at"])
    event = FilingEvent.objects.create(
        filing=filing,
        action=action,
        actor=actor,
        note=note,
        facts={"holder": handling.person(holder), "previous": handling.person(previous)},
    )
    audit.record(
        {
            A.TAKEN: AuditEntry.Action.FILING_TAKEN,
            A.ASSIGNED: AuditEntry.Action.FILING_ASSIGNED,
            A.RELEASED: AuditEntry.Action.FILING_RELEASED,
        }[action],
        actor=actor,
        obj=filing,
        organization=filing.organization,
        object_repr=filing.receipt_number or "",
        before={"holder": handling.person(previous)},
        after={"holder": handling.person(holder)},
    )
    return event


def _move(filing, verb, actor, *, fields=(), note="", facts=None, version=None) -> FilingEvent:
    target = _guard(filing, verb)
    previous = filing.status
    filing.status = target
    filing.save(update_fields=["status", "updated_at", *fields])
    action = {
        "submit": A.SUBMITTED,
        "start_review": A.REVIEW_STARTED,
        "return": A.RETURNED,
        "refuse": A.REFUSED,
        "approve": A.APPROVED,
        "cancel": A.CANCELLED,
        "withdraw": A.WITHDRAWN,
        "revoke": A.REVOKED,
    }[verb]
    return FilingEvent.objects.create(
        filing=filing,
        version=version,
        action=action,
        from_status=previous,
        to_status=target,
        actor=actor,
        note=note,
        facts=facts or {},
    )


def _notify_organization(filing: Filing, kind: str, context: dict, document=None) -> None:
    members = Membership.objects.filter(
        organization_id=filing.organization_id,
        role__in=[Membership.Role.ADMIN, Membership.Role.EDITOR],
        user__is_active=True,
    ).select_related("user")
    for membership in members:
        emails.send(
            kind,
            to=membership.user.email,
            language=membership.user.language,
            context={"filing": filing, "user": membership.user, "document": document, **context},
            document=document,
        )


# --- Drafts --------------------------------------------------------------------------------------


def organization_section(organization: Organization) -> dict:
    return {field: getattr(organization, field) for field in ORGANIZATION_FIELDS}


@transaction.atomic
def start_initial_filing(organization: Organization, actor, *, reuse: bool = True) -> Filing:
    """The organization's initial filing: the one in progress if there is one (with
    ``reuse=False``, FilingInProgress names it instead), else a new draft."""
    Organization.objects.select_for_update().get(pk=organization.pk)
    existing = (
        organization.filings.filter(kind=Filing.Kind.INITIAL).exclude(status__in=CLOSED).first()
    )
    if existing:
        if not reuse:
            raise FilingInProgress(existing)
        return existing
    obligation = organization.obligations.filter(
        kind=Obligation.Kind.INITIAL, status=Obligation.Status.OPEN
    ).first()
    regime = get_regime(obligation.regime) if obligation else current_regime()
    filing = Filing.objects.create(
        organization=organization,
        kind=Filing.Kind.INITIAL,
        regime=regime.code,
        office=obligation.office if obligation else obligations.office_for(organization, regime),
        obligation=obligation,
        duty=obligation,
        deadline=obligation.deadline if obligation else None,
        data={"organization": organization_section(organization)},
        created_by=actor,
    )
    FilingEvent.objects.create(filing=filing, action=A.CREATED, to_status=S.DRAFT, actor=actor)
    return filing


@transaction.atomic
def start_follow_up(original: Filing, actor, kind: str, *, reuse: bool = True) -> Filing:
    """A change or cancellation of a filed filing; prefilled with what was last filed. The one in
    progress is returned (with ``reuse=False``, FilingInProgress names it instead)."""
    original = _lock(original.pk)
    if original.status != S.FILED:
        raise FilingError(_("Only a filed filing can be changed or cancelled."))
    existing = original.follow_ups.exclude(status__in=[*CLOSED, S.FILED]).first()
    if existing:
        if existing.kind != kind:
            raise FilingError(
                _("A %(kind)s of this filing is already in progress; finish or submit it first.")
                % {"kind": existing.get_kind_display().lower()}
            )
        if not reuse:
            raise FilingInProgress(existing)
        return existing
    in_force = comparisons.in_force(original)
    last = in_force.versions.order_by("-number").first()
    data = {
        key: value
        for key, value in (last.data if kind == Filing.Kind.CHANGE else {}).items()
        if key in steps.CONTENT_STEPS
    }
    filing = Filing.objects.create(
        organization=original.organization,
        kind=kind,
        regime=original.regime,
        office=original.office,
        original=original,
        data=data,
        # What was filed was complete then: its steps start complete, to be edited where it
        # changed; the change step itself and the declaration are new.
        completed_steps=sorted(data),
        created_by=actor,
    )
    if kind == Filing.Kind.CHANGE:
        _carry_attachments_over(current_attachments(in_force), filing)
    FilingEvent.objects.create(filing=filing, action=A.CREATED, to_status=S.DRAFT, actor=actor)
    return filing


def _carry_attachments_over(rows, follow_up: Filing) -> None:
    """A change starts with the attachments the original was filed with, and a filing made again
    with those its source last showed; the filer withdraws or adds from there. The stored files
    are shared: attachments are never deleted, only withdrawn."""
    Attachment.objects.bulk_create(
        Attachment(
            filing=follow_up,
            kind=attachment.kind,
            file=attachment.file.name,
            original_name=attachment.original_name,
            content_type=attachment.content_type,
            size=attachment.size,
            sha256=attachment.sha256,
            uploaded_by=attachment.uploaded_by,
        )
        for attachment in rows
    )


@transaction.atomic
def save_step(filing: Filing, actor, step: str, values: dict, *, complete: bool = True) -> Filing:
    """Save one step of a draft; follow-ups' event dates set their own deadline."""
    filing = _lock(filing.pk)
    if not filing.editable:
        raise TransitionNotAllowed(
            _("This filing is %(status)s; it can be edited only as a draft or when returned.")
            % {"status": filing.get_status_display()}
        )
    filing.data = {**filing.data, step: values}
    done = set(filing.completed_steps)
    (done.add if complete else done.discard)(step)
    filing.completed_steps = sorted(done)
    fields = ["data", "completed_steps"]
    event_date = _follow_up_event_date(filing, step, values)
    if event_date is not None:
        _set_follow_up_obligation(filing, event_date)
        fields += ["obligation", "duty", "deadline"]
    filing.save(update_fields=[*fields, "updated_at"])
    return filing


def _follow_up_event_date(filing, step, values) -> date | None:
    key = {"change": "effective_date", "cancellation": "stopped_on"}.get(step)
    if key is None or filing.kind not in (Filing.Kind.CHANGE, Filing.Kind.CANCELLATION):
        return None
    try:
        return date.fromisoformat(values[key]) if values.get(key) else None
    except (TypeError, ValueError):
        # A draft keeps an answer as typed until it is valid: only a date sets the deadline.
        return None


def _set_follow_up_obligation(filing: Filing, event_date: date) -> None:
    regime = get_regime(filing.regime)
    kind = Obligation.Kind(filing.kind)
    deadline = calendars.add_working_days(event_date, obligations.days_to_file(kind, regime))
    values = {
        "trigger_date": event_date,
        "deadline": deadline.date,
        "deadline_final": deadline.final,
    }
    if filing.duty_id is None and kind in (Obligation.Kind.CHANGE, Obligation.Kind.CANCELLATION):
        # A change or a cancellation the portal prompted (a larger number, a new place, a new
        # address; a system retired, a total below the threshold) is the duty it answers.
        prompted = filing.organization.obligations.filter(
            kind=kind, status=Obligation.Status.OPEN, filings__isnull=True
        ).first()
        if prompted is not None:
            filing.obligation = filing.duty = prompted
    if filing.duty_id:
        # The duty, not ``obligation``: after a return that is the correction duty.
        sent = reminders.sent_kinds_of(filing.duty)
        values["next_reminder_on"] = reminders.first_look(deadline.date, sent)
        Obligation.objects.filter(pk=filing.duty_id).update(**values, updated_at=timezone.now())
    else:
        filing.obligation = Obligation.objects.create(
            organization=filing.organization,
            kind=kind,
            regime=regime.code,
            office=filing.office,
            reason=str(filing.original),
            next_reminder_on=reminders.first_look(deadline.date),
            **values,
        )
        filing.duty = filing.obligation
    filing.deadline = deadline.date


def current_attachments(filing: Filing):
    return filing.attachment_rows.filter(withdrawn_at__isnull=True)


def findings_for(filing: Filing, today: date | None = None) -> list[compliance.Finding]:
    """The checks that apply to this kind of filing: a cancellation is checked on its own terms;
    a change is a whole filing again plus what changed."""
    if filing.kind == Filing.Kind.CANCELLATION:
        return compliance.check_cancellation(filing.data, today=today, regime=filing.regime)
    kinds = list(current_attachments(filing).values_list("kind", flat=True))
    findings = compliance.check_filing(filing.data, kinds, today=today, regime=filing.regime)
    findings = (
        compliance.errors(findings)
        + materials.findings(filing.regime, kinds)
        + [finding for finding in findings if not finding.is_error]
    )
    if filing.kind == Filing.Kind.CHANGE:
        findings = (
            compliance.check_change(filing.data, today=today, regime=filing.regime) + findings
        )
    return findings


# --- Submission ----------------------------------------------------------------------------------


def submission_findings(filing: Filing, today: date | None = None) -> list[compliance.Finding]:
    """What the submission verb weighs: the checks, and each step never saved complete that no
    other error explains already (a step left incomplete because a required material is missing
    shows that material, once). Errors in step order, then the warnings."""
    findings = findings_for(filing, today)
    errors = compliance.errors(findings)
    explained = {finding.step for finding in errors}
    left_out = [finding for finding in steps.incomplete(filing) if finding.step not in explained]
    order = compliance.STEP_KEYS.index
    return sorted(left_out + errors, key=lambda finding: order(finding.step)) + (
        compliance.warnings(findings)
    )


def submit_filing(filing_id: int, actor) -> Filing:
    """Submit a draft or a corrected filing. A second click, or a second tab, finds it submitted
    and is refused, so one submission is made."""
    with transaction.atomic():
        filing = _lock(filing_id)
        _guard(filing, "submit")
        today = timezone.localdate()
        findings = submission_findings(filing, today)
        if compliance.errors(findings):
            raise SubmissionBlocked(findings)
        resubmission = filing.status == S.RETURNED
        due = filing.correction_deadline if resubmission else filing.deadline
        on_time = due is None or today <= due
        now = timezone.now()
        version = FilingVersion.objects.create(
            filing=filing,
            number=filing.versions.count() + 1,
            data=filing.data,
            findings=[finding.to_dict() for finding in findings],
            attachments=[
                {
                    "id": a.pk,
                    "kind": a.kind,
                    "name": a.original_name,
                    "size": a.size,
                    "sha256": a.sha256,
                }
                for a in current_attachments(filing)
            ],
            on_time=on_time,
            submitted_by=actor,
            submitted_at=now,
        )
        if filing.receipt_number is None:
            filing.receipt_number = f"FR{today:%Y%m%d}{filing.pk:06d}"
            filing.late = not on_time
        regime = get_regime(filing.regime)
        # The declaration is made for this submission: a corrected filing is declared afresh.
        filing.data = {**filing.data, "declaration": {}}
        filing.submitted_at = now
        # A resubmission continues the review period paused at the return (review_period).
        period = regime.review_days
        if resubmission and filing.review_period_days is not None:
            period = filing.review_period_days
        review_due = review_period.due_after(today, period)
        filing.review_due, filing.review_due_final = review_due.date, review_due.final
        filing.review_period_days = period
        filing.warning_count = len(compliance.warnings(findings))
        _move(
            filing,
            "submit",
            actor,
            fields=[
                "data",
                "receipt_number",
                "late",
                "submitted_at",
                "review_due",
                "review_due_final",
                "review_period_days",
                "warning_count",
            ],
            version=version,
        )
        if filing.obligation_id:
            Obligation.objects.filter(pk=filing.obligation_id, status="open").update(
                status=Obligation.Status.FULFILLED, closed_at=now, updated_at=now
            )
        form = documents.request(version, Document.Kind.FORM)
        _notify_organization(filing, "filing_submitted", {"version": version}, document=form)
    return filing


# --- Review --------------------------------------------------------------------------------------


def _latest_version(filing: Filing) -> FilingVersion:
    return filing.versions.select_related("submitted_by").order_by("-number").first()


def _required_reasons(reasons: str) -> str:
    reasons = (reasons or "").strip()
    if not reasons:
        raise FilingError(_("Give the reasons: the organization will read them."))
    return reasons


@transaction.atomic
def start_review(filing_id: int, reviewer) -> Filing:
    """The reviewer opens the review; a filing no one handles yet is theirs from now."""
    filing = _lock(filing_id)
    _guard_holder(filing, reviewer)
    _move(filing, "start_review", reviewer)
    if filing.holder_id is None:
        _hand(filing, reviewer, reviewer, A.TAKEN)
    return filing


@transaction.atomic
def return_filing(filing_id: int, reviewer, reasons: str) -> Filing:
    reasons = _required_reasons(reasons)
    filing = _lock(filing_id)
    _guard(filing, "return")
    _guard_holder(filing, reviewer)
    regime = get_regime(filing.regime)
    today = timezone.localdate()
    deadline = calendars.add_working_days(today, regime.correction_days)
    filing.correction_deadline = deadline.date
    # The review period pauses while the organization corrects: its next submission gets the
    # working days that are left now (review_period).
    filing.review_period_days = review_period.days_left(
        filing.review_due, today, regime.review_days
    )
    # The filing's next submission fulfils this duty, as its first one fulfilled the filing duty.
    filing.obligation = Obligation.objects.create(
        organization=filing.organization,
        kind=Obligation.Kind.CORRECTION,
        regime=regime.code,
        office=filing.office,
        trigger_date=today,
        deadline=deadline.date,
        deadline_final=deadline.final,
        reason=filing.receipt_number,
        next_reminder_on=reminders.first_look(deadline.date),
    )
    event = _move(
        filing,
        "return",
        reviewer,
        fields=["correction_deadline", "obligation", "review_period_days"],
        note=reasons,
    )
    notice = documents.request(_latest_version(filing), Document.Kind.RETURN_NOTICE, event)
    _notify_organization(
        filing,
        "filing_returned",
        {"reasons": reasons, "next_steps": outcomes.next_steps("returned", filing, None, today)},
        document=notice,  # the return notice goes with the email, as every notice does
    )
    return filing


@transaction.atomic
def refuse_filing(filing_id: int, reviewer, reasons: str) -> Filing:
    """A refusal is an administrative decision: the filing ends, and the duty it answered is open
    again with its original deadline (so it may be overdue at once), reminders included."""
    reasons = _required_reasons(reasons)
    filing = _lock(filing_id)
    _guard_decision_by_one(filing, "refuse", reviewer)
    return _end_filing(filing, "refuse", reviewer, reasons, Document.Kind.REFUSAL_NOTICE)


def _guard_decision_by_one(filing: Filing, verb: str, reviewer) -> None:
    """A decision taken by one person: allowed by the transition, by whoever handles the filing,
    at an office that does not ask for a second signature."""
    _guard(filing, verb)
    _guard_holder(filing, reviewer)
    if handling.requires_sign_off(filing):
        raise SignOffRequired()


def _end_filing(
    filing: Filing, verb: str, reviewer, reasons: str, notice_kind: str, fields=(), facts=None
):
    """What a decision that ends a filing does (a refusal, a revocation): the event, the duty open
    again, the notice with the reasons, and the email that carries it with what to do next
    (templates/emails/filing_refused-*, filing_revoked-*). Inside the verb's transaction."""
    event = _move(filing, verb, reviewer, fields=fields, note=reasons, facts=facts)
    duty = reopen_duty(filing)
    notice = documents.request(_latest_version(filing), notice_kind, event)
    outcome = documents.OUTCOMES[notice_kind]
    steps_next = outcomes.next_steps(outcome, filing, duty, timezone.localdate())
    _notify_organization(
        filing,
        f"filing_{outcome}",
        {"reasons": reasons, "duty": duty, "next_steps": steps_next},
        document=notice,
    )
    return filing


def duty_of(filing: Filing) -> Obligation | None:
    """The duty a filing answers: recorded on it, or (filings from before that was recorded) its
    obligation unless that is the correction duty of a return."""
    if filing.duty_id:
        return filing.duty
    if filing.obligation_id and filing.obligation.kind != Obligation.Kind.CORRECTION:
        return filing.obligation
    return None


def reopen_duty(filing: Filing) -> Obligation | None:
    """Open again the duty a filing had fulfilled, keeping its deadline; the reminder sweep takes
    it up again from the first reminder not yet sent (the overdue ones, if it is past). Call
    inside the verb's transaction."""
    duty = duty_of(filing)
    if duty is None and filing.kind == Filing.Kind.INITIAL:
        # A filing from before the duty was recorded on it: the organization's last fulfilled
        # initial duty is the one it answered.
        duty = (
            filing.organization.obligations.filter(
                kind=Obligation.Kind.INITIAL, status=Obligation.Status.FULFILLED
            )
            .order_by("-closed_at", "-pk")
            .first()
        )
    # A correction still pending on this filing ends with it.
    lifted_at = timezone.now()
    Obligation.objects.filter(
        pk=filing.obligation_id, kind=Obligation.Kind.CORRECTION, status=Obligation.Status.OPEN
    ).update(status=Obligation.Status.LIFTED, closed_at=lifted_at, updated_at=lifted_at)
    if duty is None:
        return None
    if filing.original_id and filing.original.status == S.REVOKED:
        return None  # no change or cancellation is owed on a record the office revoked
    duty = Obligation.objects.select_for_update().get(pk=duty.pk)
    if duty.status != Obligation.Status.FULFILLED:
        return duty if duty.status == Obligation.Status.OPEN else None
    if (
        duty.kind == Obligation.Kind.INITIAL
        and Obligation.objects.filter(
            organization_id=duty.organization_id,
            kind=Obligation.Kind.INITIAL,
            status=Obligation.Status.OPEN,
        ).exists()
    ):
        return None  # a newer initial duty is already open; that one stands
    duty.status = Obligation.Status.OPEN
    duty.closed_at = None
    duty.next_reminder_on = reminders.first_look(duty.deadline, reminders.sent_kinds_of(duty))
    duty.save(update_fields=["status", "closed_at", "next_reminder_on", "updated_at"])
    return duty


def withdraw_filing(filing_id: int, actor, reason: str) -> Filing:
    """The organization takes back a submitted filing that no reviewer has opened yet. Its duty is
    open again; the office's queue no longer shows it."""
    reason = (reason or "").strip()[:MAX_MESSAGE]
    if not reason:
        raise FilingError(_("Say why you withdraw the filing: the office will read it."))
    with transaction.atomic():
        filing = _lock(filing_id)
        if filing.status == S.UNDER_REVIEW:
            raise TransitionNotAllowed(
                _(
                    "The office has started reviewing this filing; it can no longer be withdrawn. "
                    "Write to the office below if something is wrong."
                )
            )
        filing.withdrawn_at = timezone.now()
        _move(filing, "withdraw", actor, fields=["withdrawn_at"], note=reason)
        duty = reopen_duty(filing)
        steps_next = outcomes.next_steps("withdrawn", filing, duty, timezone.localdate())
        _notify_organization(
            filing, "filing_withdrawn", {"reason": reason, "duty": duty, "next_steps": steps_next}
        )
    return filing


@transaction.atomic
def revoke_filing(filing_id: int, reviewer, reasons: str) -> Filing:
    """An office revokes a filed record found false or no longer valid: the number stops
    verifying, the organization gets a revocation notice, and the filing duty is open again."""
    reasons = _required_reasons(reasons)
    filing = _lock(filing_id)
    _guard(filing, "revoke")
    check_revocable(filing)
    if handling.requires_sign_off(filing):
        raise SignOffRequired()
    return _revoke(filing, reviewer, reasons)


def check_revocable(filing: Filing) -> None:
    if filing.kind != Filing.Kind.INITIAL:
        raise FilingError(
            _("Only an initial filing's record can be revoked; a change lapses with it.")
        )


def _revoke(filing: Filing, reviewer, reasons: str, facts=None) -> Filing:
    filing.revoked_at = timezone.now()
    return _end_filing(
        filing,
        "revoke",
        reviewer,
        reasons,
        Document.Kind.REVOCATION_NOTICE,
        ["revoked_at"],
        facts=facts,
    )


@transaction.atomic
def start_refiling(source: Filing, actor, *, reuse: bool = True) -> Filing:
    """File again, starting from the content of a refused, withdrawn or revoked filing: a new draft
    of the same kind, with what was last submitted and the same attachments, answering the duty
    that the ending reopened. Nothing of the old filing changes."""
    source = _lock(source.pk)
    if source.status not in ENDED:
        raise FilingError(_("Only a refused, withdrawn or revoked filing can be filed again."))
    Organization.objects.select_for_update().get(pk=source.organization_id)
    in_progress = Filing.objects.filter(
        organization_id=source.organization_id, kind=source.kind, original_id=source.original_id
    ).exclude(status__in=[*CLOSED, S.FILED])
    existing = in_progress.first()
    if existing:
        if not reuse:
            raise FilingInProgress(existing)
        return existing
    last = _latest_version(source)
    data = dict(last.data if last else source.data)
    data.pop("declaration", None)  # the declaration is made afresh for each submission
    if source.kind == Filing.Kind.INITIAL:
        # The registration may have changed since; the organization section follows it.
        data["organization"] = {
            **data.get("organization", {}),
            **organization_section(source.organization),
        }
    duty = duty_of(source)
    if duty is None or duty.status != Obligation.Status.OPEN:
        duty = source.organization.obligations.filter(
            kind=source.kind, status=Obligation.Status.OPEN
        ).first()
    filing = Filing.objects.create(
        organization=source.organization,
        kind=source.kind,
        regime=source.regime,
        office=source.office,
        original=source.original,
        refiled_from=source,
        obligation=duty,
        duty=duty,
        deadline=duty.deadline if duty else None,
        data=data,
        completed_steps=sorted(
            key for key in data if key in steps.STEPS_BY_KIND[source.kind] and key != "review"
        ),
        created_by=actor,
    )
    kept = {item["id"] for item in (last.attachments if last else [])}
    rows = source.attachment_rows.filter(pk__in=kept) if last else current_attachments(source)
    _carry_attachments_over(rows, filing)
    FilingEvent.objects.create(
        filing=filing,
        action=A.CREATED,
        to_status=S.DRAFT,
        actor=actor,
        facts={"refiled_from": source.receipt_number, "status": source.status},
    )
    return filing


def next_number(series: str) -> int:
    """The next number of a series, under a row lock (call inside a transaction)."""
    NumberCounter.objects.get_or_create(series=series)
    counter = NumberCounter.objects.select_for_update().get(series=series)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def filing_number_for(filing: Filing) -> str:
    if filing.kind == Filing.Kind.INITIAL:
        year = timezone.localdate().year
        sequence = next_number(f"filing:{filing.office.code}:{year}")
        return f"{vocabulary.FILING_NUMBER_PREFIX}{filing.office.code}{year}{sequence:05d}号"
    base = filing.original.filing_number.removesuffix("号")
    sequence = next_number(f"{filing.kind}:{filing.original.filing_number}")
    suffix = "变更" if filing.kind == Filing.Kind.CHANGE else "注销"
    return f"{base}-{suffix}{sequence}号"


@transaction.atomic
def approve_filing(filing_id: int, reviewer, note: str = "") -> Filing:
    filing = _lock(filing_id)
    _guard_decision_by_one(filing, "approve", reviewer)
    return _approve(filing, reviewer, note)


def check_approvable(filing: Filing) -> None:
    """A change or cancellation of a record revoked meanwhile has nothing left to change. Locks
    the original (call inside the verb's transaction)."""
    if filing.kind != Filing.Kind.INITIAL:
        filing.original = Filing.objects.select_for_update().get(pk=filing.original_id)
        if filing.original.status == S.REVOKED:
            raise FilingError(
                _(
                    "The filing this one changes or cancels has been revoked: there is nothing "
                    "left to change or cancel. Refuse it with that reason."
                )
            )


def _approve(filing: Filing, reviewer, note: str = "", facts=None) -> Filing:
    """The approval itself, on a locked filing whose guards passed: the number, the notice, the
    cancelled original, the email."""
    _guard(filing, "approve")
    check_approvable(filing)
    filing.filing_number = filing_number_for(filing)
    filing.filed_at = timezone.now()
    event = _move(
        filing, "approve", reviewer, fields=["filing_number", "filed_at"], note=note, facts=facts
    )
    notice = documents.request(_latest_version(filing), Document.Kind.NOTICE, event)
    if filing.kind == Filing.Kind.INITIAL:
        # A change declared while this filing awaited its decision is now a change duty.
        obligations.open_waiting_changes(filing, timezone.localdate(filing.filed_at))
    if filing.kind == Filing.Kind.CANCELLATION:
        original = filing.original
        original.cancelled_at = filing.filed_at
        _move(
            original,
            "cancel",
            reviewer,
            fields=["cancelled_at"],
            facts={"cancelled_by": filing.filing_number},
        )
    _notify_organization(filing, "filing_approved", {}, document=notice)
    return filing


@transaction.atomic
def withdraw_attachment(attachment: Attachment, actor) -> None:
    filing = _lock(attachment.filing_id)
    if not filing.editable:
        raise TransitionNotAllowed(_("Attachments can be changed only in a draft."))
    attachment.filing = filing
    attachment.withdrawn_at = timezone.now()
    attachment.save(update_fields=["withdrawn_at"])
    audit.record(
        AuditEntry.Action.ATTACHMENT_WITHDRAWN,
        actor=actor,
        obj=attachment,
        organization=filing.organization,
        before=attachments.attachment_facts(attachment),
    )


@transaction.atomic
def delete_draft(filing_id: int, actor) -> dict:
    """Delete a draft that was never submitted (the web's draft page and ``DELETE`` on the API):
    its rows go, the audit trail keeps who deleted what, and the files uploaded to it leave
    storage after commit, unless another filing still holds them (a change or a filing again
    shares its original's files). The duty it answered stays open, with its deadline: the next
    draft answers it. Returns the facts written in the audit trail."""
    filing = _lock(filing_id)
    if filing.status != S.DRAFT:
        raise TransitionNotAllowed(
            _("This filing is %(status)s: only a draft that was never submitted can be deleted.")
            % {"status": filing.get_status_display()}
        )
    rows = list(filing.attachment_rows.order_by("pk"))
    facts = {
        "kind": filing.kind,
        "created_at": filing.created_at.isoformat(),
        "steps": filing.completed_steps,
        "attachments": [row.original_name for row in rows if row.withdrawn_at is None],
    }
    names = {row.file.name for row in rows}
    shared = set(
        Attachment.objects.filter(file__in=names)
        .exclude(filing=filing)
        .values_list("file", flat=True)
    )
    audit.record(
        AuditEntry.Action.DRAFT_DELETED,
        actor=actor,
        obj=filing,
        organization=filing.organization,
        object_repr=str(filing),
        before=facts,
    )
    filing.attachment_rows.all().delete()
    filing.events.all().delete()
    filing.delete()
    transaction.on_commit(lambda: attachments.remove_files(sorted(names - shared)))
    return facts


# --- Messages between the office and the organization ---------------------------------------------


class MessageLimitReached(FilingError):
    """The organization wrote more messages than the limits allow (``retry_after`` in seconds)."""

    def __init__(self, message, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


MESSAGE_WINDOW = 60 * 60  # seconds


def _count_message(filing: Filing) -> None:
    """Each message from an organization is an email to the office's reviewers: at most
    FILING_MESSAGES_PER_FILING an hour on one filing and FILING_MESSAGES_PER_ORGANIZATION an hour
    from one organization (issue 30: 76 emails to one reviewer within minutes)."""
    per_filing = settings.FILING_MESSAGES_PER_FILING
    per_organization = settings.FILING_MESSAGES_PER_ORGANIZATION
    wait = throttling.take(
        [
            (f"messages:filing:{filing.pk}", per_filing),
            (f"messages:organization:{filing.organization_id}", per_organization),
        ],
        MESSAGE_WINDOW,
    )
    if not wait:
        return
    minutes = math.ceil(wait / 60)
    raise MessageLimitReached(
        ngettext(
            "Too many messages: at most %(filing)s an hour on one filing and %(organization)s an "
            "hour from your organization. Try again in %(minutes)s minute, or call the office if "
            "it is urgent.",
            "Too many messages: at most %(filing)s an hour on one filing and %(organization)s an "
            "hour from your organization. Try again in %(minutes)s minutes, or call the office if "
            "it is urgent.",
            minutes,
        )
        % {"filing": per_filing, "organization": per_organization, "minutes": minutes},
        retry_after=wait,
    )


def post_message(filing_id: int, author, body: str, *, from_office: bool) -> FilingEvent:
    """A question or an answer on a filing, without returning it: kept in the filing's history and
    emailed to the other side (the organization's editors, or the office's reviewers)."""
    body = (body or "").strip()
    if not body:
        raise FilingError(_("Write the message first."))
    if len(body) > MAX_MESSAGE:
        raise FilingError(
            _("The message is %(length)d characters long; the limit is %(limit)d.")
            % {"length": len(body), "limit": MAX_MESSAGE}
        )
    with transaction.atomic():
        filing = _lock(filing_id)
        if filing.status == S.DRAFT:
            raise FilingError(_("Messages start once the filing is submitted."))
        if filing.status == S.WITHDRAWN:
            raise FilingError(_("The filing was withdrawn: the office no longer sees it."))
        if not from_office:
            _count_message(filing)
        event = FilingEvent.objects.create(
            filing=filing,
            action=A.MESSAGE_FROM_OFFICE if from_office else A.MESSAGE_FROM_ORGANIZATION,
            actor=author,
            note=body,
        )
        if from_office:
            _notify_organization(filing, "filing_message", {"message": event, "to_office": False})
        else:
            _notify_office(filing, "filing_message", {"message": event, "to_office": True})
    return event


def _notify_office(filing: Filing, kind: str, context: dict) -> None:
    from django.db.models import Q

    from filings.models import Reviewer

    # The filing's office and, above it, its province's office (which sees its filings too).
    reviewers = (
        Reviewer.objects.filter(user__is_active=True)
        .filter(Q(office_id=filing.office_id) | Q(office_id=filing.office.province_id))
        .select_related("user")[:50]
    )
    for reviewer in reviewers:
        emails.send(
            kind,
            to=reviewer.user.email,
            language=reviewer.user.language,
            context={"filing": filing, "user": reviewer.user, **context},
        )


# --- Orders to correct ----------------------------------------------------------------------------


def order_correction(obligation_id: int, reviewer, correct_by: date, note: str = ""):
    """Record an order to correct (责令改正) to an organization whose duty is past its deadline; the
    organization sees it on its dashboard and is emailed. The caller checks the reviewer's scope."""
    from filings.models import CorrectionOrder

    today = timezone.localdate()
    if correct_by is None or correct_by < today:
        raise FilingError(_("The date to correct by must be today or later."))
    with transaction.atomic():
        obligation = (
            Obligation.objects.select_for_update()
            .select_related("organization", "office")
            .get(pk=obligation_id)
        )
        if obligation.status != Obligation.Status.OPEN or obligation.deadline >= today:
            raise FilingError(_("An order to correct is given only on a duty past its deadline."))
        order = CorrectionOrder.objects.create(
            obligation=obligation,
            organization=obligation.organization,
            office=obligation.office,
            ordered_on=today,
            correct_by=correct_by,
            note=(note or "").strip()[:MAX_MESSAGE],
            issued_by=reviewer,
        )
        members = Membership.objects.filter(
            organization_id=obligation.organization_id,
            role__in=[Membership.Role.ADMIN, Membership.Role.EDITOR],
            user__is_active=True,
        ).select_related("user")
        for membership in members:
            emails.send(
                "correction_ordered",
                to=membership.user.email,
                language=membership.user.language,
                context={"order": order, "obligation": obligation, "user": membership.user},
            )
    return order
