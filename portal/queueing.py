"""Queue a Celery task after the transaction commits, by the task's name, whether or not the broker
is there.

Domain modules name the task ("filings.tasks.render_document") instead of importing it: a tasks
module imports the domain modules it wraps, so a domain module importing it back closes a circle.

The state change a task follows is committed before the task is queued (a worker never looks for a
row that is not committed yet). If the broker cannot be reached then, the change stays: the row
the task would work on is left as it is (pending, waiting) and the periodic sweep of its kind
queues it again once the broker is back.
"""

import logging

from django.db import transaction
from kombu.exceptions import OperationalError

from portal.celery import app

logger = logging.getLogger(__name__)


def queue_after_commit(task_name: str, *args) -> None:
    """Queue ``task_name(*args)`` once the current transaction commits (at once outside one):
    what a state change does for the work that follows it."""
    task = registered_task(task_name)  # a wrong name fails here, in the caller, not after commit
    transaction.on_commit(lambda: _send(task, args))


def queue_now(task_name: str, *args) -> bool:
    """Queue ``task_name(*args)`` now: what a sweep does for the work a broker outage left.
    False when the broker is still away."""
    return _send(registered_task(task_name), args)


def _send(task, args: tuple) -> bool:
    try:
        task.delay(*args)
    except OperationalError:
        logger.warning("Broker unreachable; %s%r left for the sweep", task.name, args)
        return False
    return True


def registered_task(task_name: str):
    """The task registered under that name. A worker imports every app's tasks module when it
    starts; a web process has imported them only if something needed them, so they are imported
    here on first use, as the worker does (``tasks.py`` of each installed app)."""
    if task_name not in app.tasks:
        app.autodiscover_tasks(force=True)
    return app.tasks[task_name]
