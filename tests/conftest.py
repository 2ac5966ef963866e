import os

import pytest
from django.conf import settings
from django.core.cache import cache, caches

from portal import embedded_redis
from portal.celery import app as celery_app


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_setupnodes(config, specs):
    """pytest-xdist, before it starts its workers: each gets a VAR_DIR, Redis databases and a
    bucket of its own, through its environment (tests/parallel.py says what and why)."""
    from tests import parallel

    for index, spec in enumerate(specs):
        changed = parallel.worker_environment(os.environ, settings.VAR_DIR, index, spec.id)
        spec.env.update(changed)
        if "AWS_STORAGE_BUCKET_NAME" in changed:
            parallel.create_bucket(os.environ, changed["AWS_STORAGE_BUCKET_NAME"])


# The longest modules of the suite (minutes each, from CI's junit reports): a server, the launcher
# or a browser each. pytest-django orders the tests as Django does: database tests, then the
# transactional ones (their flush empties the tables that a rolled-back test expects), then those
# without the database. Within each of these blocks the longest modules go first, and those without
# the database go before everything (they cannot see it, so their place does not matter to them):
# pytest-xdist's workers then share the long ones out and finish on short tests, rather than one
# worker running a long test at the end while the other waits. Only the order changes.
LONGEST_FIRST = (
    "tests/integration/test_make_run.py",
    "tests/integration/test_run_under_each_rule_set.py",
    "tests/e2e/test_story.py",
)


def _django_block(item) -> int:
    """pytest-django's order: 0 database, 1 transactional, 2 no database (its own rules)."""
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return 1
    if "transactional_db" in fixtures or "live_server" in fixtures:
        return 1
    return 0 if marker or "db" in fixtures else 2


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    blocks = [_django_block(item) for item in items]
    if blocks != sorted(blocks):
        return  # not pytest-django's order as read here: leave it alone

    def key(item) -> tuple[int, int, int]:
        block = _django_block(item)
        longest_without_database = block == 2 and rank(item) < len(LONGEST_FIRST)
        return (0 if longest_without_database else 1, block, rank(item))

    items.sort(key=key)  # stable: within a block, the other tests keep their order


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


# The draft's filing rule counts from the day a deployment applies it (DRAFT_APPLIES_FROM, else
# the day its database was first migrated: today, for a test database). The suite's dates reach
# back to 2020, so it applies the draft from 2000 unless a test says otherwise; servers and
# workers that tests start inherit the same through the environment.
TESTS_APPLY_THE_DRAFT_FROM = "2000-01-01"
os.environ.setdefault("DRAFT_APPLIES_FROM", TESTS_APPLY_THE_DRAFT_FROM)


@pytest.fixture(autouse=True)
def _draft_applies_from(settings):
    from datetime import date

    settings.DRAFT_APPLIES_FROM = date.fromisoformat(TESTS_APPLY_THE_DRAFT_FROM)


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    """Production's PBKDF2 costs about 0.2 s a password on a 2-core machine, and the factories
    set one for every user. Integration tests keep it: a server of their own, in another
    process with the production settings, checks the passwords they set."""
    if not request.node.get_closest_marker("integration"):
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits count in the cache (emails per address and client), and rendered pages are
    kept under ids that a rolled-back test gives out again: each test starts empty."""
    cache.clear()
    caches["pages"].clear()
    yield
    cache.clear()
    caches["pages"].clear()


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


# --- Personas ------------------------------------------------------------------------------------
# Defined once, here: the filer and a second organization in Shenzhen, a viewer of the filer's
# organization, reviewers of Shenzhen (the filer's city), of Guangzhou and of the province of
# Guangdong, and an administrator. Each reviewer is appointed to its office.


@pytest.fixture
def filer(db):
    """The administrator member of an organization registered in Shenzhen (a Membership)."""
    from tests.factories import MembershipFactory

    return MembershipFactory(
        role="admin",
        user__email="filer@example.com",
        user__language="zh-hans",
        organization__address_division="440300",
    )


@pytest.fixture
def other_filer(db):
    """The administrator member of a second organization, also in Shenzhen (a Membership)."""
    from tests.factories import MembershipFactory

    return MembershipFactory(
        role="admin",
        user__email="other.filer@example.com",
        user__language="zh-hans",
        organization__address_division="440300",
    )


@pytest.fixture
def viewer(filer):
    """A member of the filer's organization who may only read (a Membership)."""
    from tests.factories import MembershipFactory

    return MembershipFactory(
        organization=filer.organization, role="viewer", user__email="viewer@example.com"
    )


@pytest.fixture
def city_reviewer(db):
    """A reviewer of the Shenzhen office (the filer's city)."""
    from tests.factories import reviewer_of

    return reviewer_of("440300", "sz@cac.example")


@pytest.fixture
def other_city_reviewer(db):
    """A reviewer of the Guangzhou office: another city of the same province."""
    from tests.factories import reviewer_of

    return reviewer_of("440100", "gz@cac.example")


@pytest.fixture
def provincial_reviewer(db):
    """A reviewer of the Guangdong provincial office: every city of the province."""
    from tests.factories import reviewer_of

    return reviewer_of("440000", "gd@cac.example")


@pytest.fixture
def administrator(db):
    """A superuser: maintains the calendar, jurisdictions and reviewer appointments."""
    from tests.factories import UserFactory

    return UserFactory(email="root@cac.example", is_staff=True, is_superuser=True)


# --- Object storage ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """A real S3-compatible server in a process of its own (moto's standalone server, a dev
    dependency), on a free port, stopped and waited for at the end: never an in-process mock."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log_path = tmp_path_factory.mktemp("moto") / "moto_server.log"
    endpoint = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(endpoint + "/moto-api/", timeout=1).close()  # noqa: S310
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(
                            f"moto_server did not start: {log_path.read_text()}"
                        ) from None
                    time.sleep(0.1)
            yield endpoint
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def object_storage(settings, s3_server):
    """The default storage is a fresh private bucket on the test's own S3 server, configured
    through the same settings as production; the storage object it gives is that bucket's."""
    import uuid

    import boto3
    from django.core.files.storage import default_storage

    bucket = f"portal-test-{uuid.uuid4().hex[:12]}"
    config = {
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": s3_server,
        "AWS_S3_ACCESS_KEY_ID": "test-key",
        "AWS_S3_SECRET_ACCESS_KEY": "test-secret",
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_S3_ADDRESSING_STYLE": "path",
    }
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=bucket)
    client.close()
    for name, value in config.items():
        setattr(settings, name, value)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "portal.storage.PrivateObjectStorage"},
    }
    yield default_storage
    # Closed here, not left to the garbage collector (a ResourceWarning, an error here).
    from django.core.files.storage import storages

    from portal.storage import close_connections

    close_connections(storages["default"])
