from celery import shared_task
from django.db import DatabaseError

from filings.documents import documents
from filings.lifecycle import deadlines, escalation, obligations, reminders


@shared_task(autoretry_for=(DatabaseError,), max_retries=3, retry_backoff=60)
def recompute_deadlines(year: int) -> int:
    """Idempotent: a second run finds nothing left to move, so a retry after a database error
    (a lock timeout, a restart) is safe; the daily sweep catches what three retries miss."""
    return len(deadlines.recompute_for_year(year))


@shared_task
def recompute_current_deadlines() -> int:
    """Daily: catches a calendar change whose task was lost while the broker was down."""
    from django.utils import timezone

    year = timezone.localdate().year
    return sum(len(deadlines.recompute_for_year(y)) for y in (year, year + 1))


@shared_task(
    autoretry_for=(documents.RenderingFailed,),
    max_retries=documents.MAX_ATTEMPTS - 1,
    retry_backoff=10,
)
def render_document(document_id: int) -> bool:
    """Idempotent: a second message for a ready document does nothing."""
    return documents.generate(document_id)


@shared_task
def requeue_documents() -> int:
    """Periodic: documents whose message was lost while the broker was down, or that may retry."""
    ids = documents.stale_ids()
    for document_id in ids:
        documents.queue(document_id)
    return len(ids)


@shared_task
def send_reminders() -> dict:
    """Daily (09:00 Asia/Shanghai by default): deadline reminders, then the reviewers' digests,
    then the leads' escalations of the reviews missed since the last run."""
    return {
        "reminders": reminders.sweep(),
        "digests": reminders.send_digests(),
        "escalations": escalation.escalate_missed_reviews(),
    }


@shared_task(acks_late=True)
def build_export(job_id: int) -> bool:
    """Idempotent: a job already taken or done is left alone."""
    from filings.admin.review import review_queue_selection
    from filings.review import exports

    return exports.build_job(job_id, review_queue_selection)


@shared_task
def apply_regime() -> int:
    """Daily, and at every start of ``make run``: a switch of FILING_REGIME re-assesses the open
    obligations once (filings.lifecycle.obligations.apply_regime)."""
    applied = obligations.apply_regime()
    return applied.obligations_reassessed if applied else 0


@shared_task
def purge_expired() -> dict:
    """Daily: warns the members of drafts about to go, then deletes the files and personal details
    whose retention period has ended (filings.lifecycle.retention). Idempotent: what is purged is
    marked and not found again; a run cut short is finished by the next."""
    from filings.lifecycle import retention

    return retention.sweep()
