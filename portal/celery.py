"""The Celery app: configuration from Django settings (CELERY_*), tasks found in every app."""

import os

from celery import Celery
from celery.signals import (
    before_task_publish,
    task_failure,
    task_postrun,
    task_prerun,
    worker_init,
)

from portal import logs

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


@before_task_publish.connect
def _carry_request_id(headers=None, **kwargs):
    """A task queued while a web request (or a task) runs carries its request id."""
    request_id = logs.REQUEST_ID.get()
    if request_id and headers is not None:
        headers.setdefault(logs.HEADER, request_id)


_task_ids = {}  # task id -> (context token, start time), for the line written when it ends


@task_prerun.connect
def _adopt_request_id(task_id=None, task=None, **kwargs):
    import time

    carried = getattr(task.request, logs.HEADER, None) or (task.request.headers or {}).get(
        logs.HEADER
    )
    # Run eagerly inside a request, the task already has the request's id.
    request_id = carried or logs.REQUEST_ID.get() or logs.new_request_id()
    _task_ids[task_id] = (logs.REQUEST_ID.set(request_id), time.perf_counter())


@task_postrun.connect
def _log_task(task_id=None, task=None, state=None, **kwargs):
    import logging
    import time

    token, started = _task_ids.pop(task_id, (None, None))
    if started is not None:
        logging.getLogger("portal.tasks").info(
            "%s %s",
            task.name,
            state,
            extra={
                "task": task.name,
                "task_id": task_id,
                "state": state,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
    if token is not None:
        try:
            logs.REQUEST_ID.reset(token)
        except ValueError:  # ended in another context than it began: nothing to put back
            logs.REQUEST_ID.set("")
