"""The Celery app: configuration from Django settings (CELERY_*), tasks found in every app."""

import os

from celery import Celery
from celery.signals import task_failure, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _refuse_unsafe_configuration(**kwargs):
    """A worker on another host with local files would render PDFs nobody can serve. SystemExit:
    Celery logs and ignores any Exception a signal's receiver raises."""
    from django.core.exceptions import ImproperlyConfigured

    from portal.checks import refuse_unsafe_at_start

    try:
        refuse_unsafe_at_start()
    except ImproperlyConfigured as error:
        raise SystemExit(f"ImproperlyConfigured: {error}") from error


@task_failure.connect
def _count_failure(sender=None, **kwargs):
    """Counted in the broker's Redis, which every worker and every web host reach: the metrics
    endpoint of any host reports the failures of all workers (portal.metrics)."""
    name = getattr(sender, "name", None) or "unknown"
    try:
        with app.connection_for_write() as connection:
            connection.default_channel.client.hincrby("portal:metrics:tasks_failed", name, 1)
    except Exception:  # noqa: BLE001, S110 - a metric must never fail the task's own handling
        pass
