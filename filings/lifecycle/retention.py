"""Retention: what the portal deletes once it no longer needs it, and when (issue 27).

Three rules, their periods in ``settings.RETENTION`` (the README's retention table says why):

- a **refused, withdrawn or revoked** filing, counted from the refusal, the withdrawal or the
  revocation (``ended_filing_years``);
- a **cancelled** filing, and the changes and the cancellation filed on it, counted from the
  cancellation (``cancelled_filing_years``);
- a **draft** nobody has changed for ``draft_months``; its members are warned by email
  ``draft_warning_days`` before.

Purging a filing deletes its attachments' files and its filing forms (the PDFs that carry what the
organization submitted), and blanks the personal details of its content and of its submitted
versions (the responsible person and the contact). The rows stay: the filing's numbers, status,
history, the office's notices, each file's name, size and hash, and the audit trail; each purged row
says when (``purged_at``), which every page and the API show where the file used to be. An
organization under a legal hold is never purged. Time is passed in (``now``), never read inside.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, F, OuterRef, Q, Subquery
from django.utils import timezone

from filings.lifecycle import services
from filings.models import (
    Attachment,
    AuditEntry,
    Document,
    Filing,
    FilingEvent,
    FilingVersion,
)
from filings.registry import audit, identifiers

S = Filing.Status
PERSONAL_FIELDS = identifiers.PERSONAL_DETAILS
ENDED = (S.REFUSED, S.WITHDRAWN, S.REVOKED)
# The PDFs that carry what the organization submitted; the office's notices are its own acts.
PURGED_DOCUMENTS = (Document.Kind.FORM,)


def _period(key: str) -> int:
    return int(settings.RETENTION[key])


def add_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same day ``months`` later (the month's last day when it has fewer days)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _refused_at():
    return Subquery(
        FilingEvent.objects.filter(filing=OuterRef("pk"), action=FilingEvent.Action.REFUSED)
        .order_by("-created_at")
        .values("created_at")[:1],
        output_field=DateTimeField(),
    )


@dataclass(frozen=True)
class Cutoffs:
    """A filing that ended (or was last changed) before these moments is due."""

    ended: datetime.datetime
    cancelled: datetime.datetime
    draft: datetime.datetime

    @classmethod
    def at(cls, moment: datetime.datetime) -> Cutoffs:
        return cls(
            ended=add_months(moment, -12 * _period("ended_filing_years")),
            cancelled=add_months(moment, -12 * _period("cancelled_filing_years")),
            draft=add_months(moment, -_period("draft_months")),
        )


def due(moment: datetime.datetime):
    """The filings whose period has ended by ``moment``, not purged yet, not under a legal hold;
    each annotated with ``refused_at`` (for ``due_on``)."""
    cut = Cutoffs.at(moment)
    condition = (
        Q(status=S.WITHDRAWN, withdrawn_at__lt=cut.ended)
        | Q(status=S.REVOKED, revoked_at__lt=cut.ended)
        | Q(status=S.REFUSED, refused_at__lt=cut.ended)
        | Q(status=S.CANCELLED, cancelled_at__lt=cut.cancelled)
        # The changes and the cancellation filed on a record go with it.
        | Q(original__status=S.CANCELLED, original__cancelled_at__lt=cut.cancelled)
        | Q(status=S.DRAFT, updated_at__lt=cut.draft)
    )
    return (
        Filing.objects.filter(purged_at__isnull=True, organization__legal_hold=False)
        .annotate(refused_at=_refused_at())
        .filter(condition)
        # A change of a cancelled record that is itself still open waits for its own decision.
        .exclude(status__in=(S.SUBMITTED, S.UNDER_REVIEW, S.RETURNED))
    )


def due_on(filing) -> datetime.date | None:
    """The day ``filing`` is purged (its period's end), read from what ``due`` annotates."""
    if filing.original_id and filing.original.status == S.CANCELLED:
        start, months = filing.original.cancelled_at, 12 * _period("cancelled_filing_years")
    elif filing.status == S.CANCELLED:
        start, months = filing.cancelled_at, 12 * _period("cancelled_filing_years")
    elif filing.status == S.DRAFT:
        start, months = filing.updated_at, _period("draft_months")
    else:
        start = {
            S.WITHDRAWN: filing.withdrawn_at,
            S.REVOKED: filing.revoked_at,
            S.REFUSED: getattr(filing, "refused_at", None),
        }.get(filing.status)
        months = 12 * _period("ended_filing_years")
    if start is None:
        return None
    return timezone.localdate(add_months(start, months))


def due_within(now: datetime.datetime, days: int = 30):
    """What the next ``days`` days will purge (the admin's list), soonest first."""
    return (
        due(now + datetime.timedelta(days=days))
        .select_related("organization", "original")
        .order_by("updated_at", "pk")
    )


# --- The purge -----------------------------------------------------------------------------------


@transaction.atomic
def purge_filing(filing_id: int, now: datetime.datetime, *, rule: str = "") -> bool:
    """Delete one filing's files and blank its personal details; False when there is nothing to
    do (purged already, or held since it was found due). The audit row lists what went."""
    filing = (
        Filing.objects.select_for_update()
        .select_related("organization")
        .filter(pk=filing_id, purged_at__isnull=True)
        .first()
    )
    if filing is None or filing.organization.legal_hold:
        return False
    attachments = list(filing.attachment_rows.filter(purged_at__isnull=True))
    documents = list(
        filing.documents.filter(kind__in=PURGED_DOCUMENTS, purged_at__isnull=True).exclude(file="")
    )
    names = {row.file.name for row in attachments if row.file.name} | {
        row.file.name for row in documents
    }
    Attachment.objects.filter(pk__in=[row.pk for row in attachments]).update(purged_at=now)
    Document.objects.filter(pk__in=[row.pk for row in documents]).update(purged_at=now, file="")
    # A refiled draft shares its source's stored files: a name another live row still uses stays.
    shared = set(
        Attachment.objects.filter(file__in=names, purged_at__isnull=True).values_list(
            "file", flat=True
        )
    )
    for version in filing.versions.all():
        FilingVersion.objects.filter(pk=version.pk).update(
            data=identifiers.without_personal_details(version.data)
        )
    # An update, not a save: the filing's "last changed" is the organization's, not the purge's.
    Filing.objects.filter(pk=filing.pk).update(
        data=identifiers.without_personal_details(filing.data), purged_at=now
    )
    audit.record(
        AuditEntry.Action.FILES_PURGED,
        actor=None,
        obj=filing,
        organization=filing.organization,
        after={
            "rule": rule or filing.status,
            "files": sorted(
                [row.original_name for row in attachments]
                # Codes, not words: the trail renders facts in the reader's language.
                + [f"{row.kind} v{row.version.number}" for row in documents]
            ),
            "fields": list(PERSONAL_FIELDS),
        },
    )
    # Last, inside the transaction: if a deletion fails, nothing above is committed and the next
    # run tries again (a file deleted already is simply absent then).
    storage = Attachment._meta.get_field("file").storage
    for name in sorted(names - shared):
        storage.delete(name)
    return True


def purge_due(now: datetime.datetime | None = None) -> int:
    """The daily run: every filing due, in batches of ``RETENTION["batch"]``, at most
    ``per_run`` (the next run goes on). Returns how many were purged."""
    now = now or timezone.now()
    batch, limit = _period("batch"), _period("per_run")
    purged = 0
    last_pk = 0
    while purged < limit:
        ids = list(
            due(now).filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:batch]
        )
        if not ids:
            break
        for filing_id in ids:
            purged += purge_filing(filing_id, now)
        last_pk = ids[-1]
    return purged


# --- The warning before a draft goes -------------------------------------------------------------


def warn_untouched_drafts(now: datetime.datetime | None = None) -> int:
    """Email the editors of each draft that will be purged within ``draft_warning_days``, once
    per period of quiet (a warning older than the draft's last change is stale)."""
    now = now or timezone.now()
    warn_from = add_months(
        now + datetime.timedelta(days=_period("draft_warning_days")), -_period("draft_months")
    )
    drafts = Filing.objects.filter(
        status=S.DRAFT,
        purged_at__isnull=True,
        organization__legal_hold=False,
        updated_at__lt=warn_from,
    ).filter(Q(purge_warned_at__isnull=True) | Q(purge_warned_at__lt=F("updated_at")))
    sent = 0
    for filing in drafts.select_related("organization")[: _period("per_run")]:
        with transaction.atomic():
            claimed = Filing.objects.filter(pk=filing.pk, purge_warned_at=filing.purge_warned_at)
            if not claimed.update(purge_warned_at=now):
                continue
            purge_on = timezone.localdate(add_months(filing.updated_at, _period("draft_months")))
            # Its editors and administrators, in their languages, as every filing's email goes.
            services._notify_organization(filing, "draft_purge_warning", {"purge_on": purge_on})
            sent += 1
    return sent


@transaction.atomic
def set_legal_hold(organization, actor, *, hold: bool, reason: str = "", address=None) -> None:
    """Place or lift a legal hold (an administrator, in the admin): while it is set the purge
    passes the organization by. Both are in the audit trail with the reason."""
    stored = type(organization).objects.select_for_update().get(pk=organization.pk)
    if (stored.legal_hold, stored.legal_hold_reason) == (hold, reason):
        return
    type(organization).objects.filter(pk=stored.pk).update(
        legal_hold=hold, legal_hold_reason=reason
    )
    organization.legal_hold, organization.legal_hold_reason = hold, reason
    audit.record(
        AuditEntry.Action.LEGAL_HOLD_SET if hold else AuditEntry.Action.LEGAL_HOLD_LIFTED,
        actor=actor,
        obj=stored,
        organization=stored,
        before={"legal_hold": stored.legal_hold, "reason": stored.legal_hold_reason},
        after={"legal_hold": hold, "reason": reason},
        address=address,
    )


def sweep(now: datetime.datetime | None = None) -> dict:
    """The daily beat task's work: the warnings first, then the purge."""
    now = now or timezone.now()
    return {"warned": warn_untouched_drafts(now), "purged": purge_due(now)}
