import pytest
from django.conf import settings
from django.core.cache import cache

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


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits count in the cache (emails per address and client): each test starts empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin_client(db, admin_user):
    """pytest-django's (a client of its own), past the second factor the admin asks of staff."""
    from django.test import Client

    from tests.factories import login_with_second_factor

    client = Client()
    login_with_second_factor(client, admin_user)
    return client


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request through the test client leaves its language active in the thread; the next test
    starts in the portal's default language, whatever the last one asked for."""
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)
