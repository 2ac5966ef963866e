"""Every change of a filing's status, as a verb: guard, lock the row, change, write the event, and
queue what follows (emails, documents) after commit. Views, the admin and tasks call these; none
of them sets a status by hand."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filings import calendars, comparisons, compliance, documents, obligations, reminders, steps
from filings.memberships import ORGANIZATION_FIELDS
from filings.models import (
    Attachment,
    Document,
    Filing,
    FilingEvent,
    FilingVersion,
    Membership,
    NumberCounter,
    Obligation,
    Organization,
)
from filings.regimes import current_regime, get_regime
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
}


class FilingError(Exception):
    """A verb refused: the message is for the person who tried."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class TransitionNotAllowed(FilingError):
    pass


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
    return target


def _move(filing, verb, actor, *, fields=(), note="", version=None) -> FilingEvent:
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
    }[verb]
    return FilingEvent.objects.create(
        filing=filing,
        version=version,
        action=action,
        from_status=previous,
        to_status=target,
        actor=actor,
        note=note,
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
def start_initial_filing(organization: Organization, actor) -> Filing:
    """The organization's initial filing: the one in progress if there is one, else a new draft."""
    Organization.objects.select_for_update().get(pk=organization.pk)
    existing = (
        organization.filings.filter(kind=Filing.Kind.INITIAL)
        .exclude(status__in=[S.REFUSED, S.CANCELLED])
        .first()
    )
    if existing:
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
        deadline=obligation.deadline if obligation else None,
        data={"organization": organization_section(organization)},
        created_by=actor,
    )
    FilingEvent.objects.create(filing=filing, action=A.CREATED, to_status=S.DRAFT, actor=actor)
    return filing


@transaction.atomic
def start_follow_up(original: Filing, actor, kind: str) -> Filing:
    """A change or cancellation of a filed filing; prefilled with what was last filed."""
    original = _lock(original.pk)
    if original.status != S.FILED:
        raise FilingError(_("Only a filed filing can be changed or cancelled."))
    existing = original.follow_ups.exclude(status__in=[S.REFUSED, S.FILED, S.CANCELLED]).first()
    if existing:
        if existing.kind != kind:
            raise FilingError(
                _("A %(kind)s of this filing is already in progress; finish or submit it first.")
                % {"kind": existing.get_kind_display().lower()}
            )
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
        _carry_attachments_over(in_force, filing)
    FilingEvent.objects.create(filing=filing, action=A.CREATED, to_status=S.DRAFT, actor=actor)
    return filing


def _carry_attachments_over(original: Filing, follow_up: Filing) -> None:
    """A change starts with the attachments the original was filed with; the filer withdraws or
    adds from there. The stored files are shared: attachments are never deleted, only withdrawn."""
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
        for attachment in current_attachments(original)
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
        fields += ["obligation", "deadline"]
    filing.save(update_fields=[*fields, "updated_at"])
    return filing


def _follow_up_event_date(filing, step, values) -> date | None:
    key = {"change": "effective_date", "cancellation": "stopped_on"}.get(step)
    if key is None or filing.kind not in (Filing.Kind.CHANGE, Filing.Kind.CANCELLATION):
        return None
    return date.fromisoformat(values[key]) if values.get(key) else None


def _set_follow_up_obligation(filing: Filing, event_date: date) -> None:
    regime = get_regime(filing.regime)
    kind = Obligation.Kind(filing.kind)
    deadline = calendars.add_working_days(event_date, obligations.days_to_file(kind, regime))
    values = {
        "trigger_date": event_date,
        "deadline": deadline.date,
        "deadline_final": deadline.final,
    }
    if filing.obligation_id is None and kind == Obligation.Kind.CHANGE:
        # A change the portal prompted (a larger number, a new place, a new address) is the duty
        # this change filing answers.
        filing.obligation = filing.organization.obligations.filter(
            kind=Obligation.Kind.CHANGE, status=Obligation.Status.OPEN, filings__isnull=True
        ).first()
    if filing.obligation_id:
        sent = reminders.sent_kinds_of(filing.obligation)
        values["next_reminder_on"] = reminders.first_look(deadline.date, sent)
        Obligation.objects.filter(pk=filing.obligation_id).update(**values)
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
    if filing.kind == Filing.Kind.CHANGE:
        findings = (
            compliance.check_change(filing.data, today=today, regime=filing.regime) + findings
        )
    return findings


# --- Submission ----------------------------------------------------------------------------------


def submit_filing(filing_id: int, actor) -> Filing:
    """Submit a draft or a corrected filing. A second click, or a second tab, finds it submitted
    and is refused, so one submission is made."""
    with transaction.atomic():
        filing = _lock(filing_id)
        _guard(filing, "submit")
        today = timezone.localdate()
        findings = findings_for(filing, today)
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
        filing.submitted_at = now
        review_due = calendars.add_working_days(today, regime.review_days)
        filing.review_due, filing.review_due_final = review_due.date, review_due.final
        filing.warning_count = len(compliance.warnings(findings))
        _move(
            filing,
            "submit",
            actor,
            fields=[
                "receipt_number",
                "late",
                "submitted_at",
                "review_due",
                "review_due_final",
                "warning_count",
            ],
            version=version,
        )
        if filing.obligation_id:
            Obligation.objects.filter(pk=filing.obligation_id, status="open").update(
                status=Obligation.Status.FULFILLED, closed_at=now
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
    filing = _lock(filing_id)
    _move(filing, "start_review", reviewer)
    return filing


@transaction.atomic
def return_filing(filing_id: int, reviewer, reasons: str) -> Filing:
    reasons = _required_reasons(reasons)
    filing = _lock(filing_id)
    _guard(filing, "return")
    regime = get_regime(filing.regime)
    today = timezone.localdate()
    deadline = calendars.add_working_days(today, regime.correction_days)
    filing.correction_deadline = deadline.date
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
        filing, "return", reviewer, fields=["correction_deadline", "obligation"], note=reasons
    )
    documents.request(_latest_version(filing), Document.Kind.RETURN_NOTICE, event)
    _notify_organization(filing, "filing_returned", {"reasons": reasons})
    return filing


@transaction.atomic
def refuse_filing(filing_id: int, reviewer, reasons: str) -> Filing:
    reasons = _required_reasons(reasons)
    filing = _lock(filing_id)
    event = _move(filing, "refuse", reviewer, note=reasons)
    documents.request(_latest_version(filing), Document.Kind.REFUSAL_NOTICE, event)
    _notify_organization(filing, "filing_refused", {"reasons": reasons})
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
        return f"网信人脸备{filing.office.code}{year}{sequence:05d}号"
    base = filing.original.filing_number.removesuffix("号")
    sequence = next_number(f"{filing.kind}:{filing.original.filing_number}")
    suffix = "变更" if filing.kind == Filing.Kind.CHANGE else "注销"
    return f"{base}-{suffix}{sequence}号"


@transaction.atomic
def approve_filing(filing_id: int, reviewer, note: str = "") -> Filing:
    filing = _lock(filing_id)
    _guard(filing, "approve")
    if filing.kind != Filing.Kind.INITIAL:
        filing.original = Filing.objects.select_for_update().get(pk=filing.original_id)
    filing.filing_number = filing_number_for(filing)
    filing.filed_at = timezone.now()
    event = _move(filing, "approve", reviewer, fields=["filing_number", "filed_at"], note=note)
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
            note=str(_("Cancelled by %(number)s") % {"number": filing.filing_number}),
        )
    _notify_organization(filing, "filing_approved", {}, document=notice)
    return filing


def withdraw_attachment(attachment: Attachment, actor) -> None:
    if not attachment.filing.editable:
        raise TransitionNotAllowed(_("Attachments can be changed only in a draft."))
    attachment.withdrawn_at = timezone.now()
    attachment.save(update_fields=["withdrawn_at"])
