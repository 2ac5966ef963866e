import pytest
from django.conf import settings

from portal import embedded_redis
from portal.celery import app as celery_app


@pytest.fixture(scope="session", autouse=True)
def _embedded_broker():
    """With no CELERY_BROKER_URL, the suite runs its own Redis on a socket under VAR_DIR, as
    `make run` does: what the tests queue goes through the same transport as in production."""
    if not settings.EMBEDDED_BROKER:
        yield
        return
    with embedded_redis.running(settings.VAR_DIR, persist=False):
        yield


@pytest.fixture(autouse=True)
def _celery_runs_tasks_inline(request):
    """Unit tests run Celery tasks in-process; integration tests talk to a real worker."""
    if request.node.get_closest_marker("integration"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous
