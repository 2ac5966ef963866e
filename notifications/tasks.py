import smtplib

from celery import shared_task

from notifications import emails


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=emails.MAX_ATTEMPTS - 1,
)
def deliver_notification(notification_id: int) -> bool:
    return emails.deliver(notification_id)


@shared_task
def requeue_unsent() -> int:
    """Periodic: queue again what was written while the broker was down, or failed and may retry."""
    emails.release_stale_claims()
    ids = emails.unsent_ids()
    for notification_id in ids:
        emails.queue(notification_id)
    return len(ids)
