"""A real Celery worker process, on the same test database and broker as the test process."""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from portal.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


def database_url_of_test_database() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"])
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_until(predicate, timeout: float, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


@pytest.fixture(scope="session")
def worker_mail_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("worker-mail")


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, worker_mail_dir, tmp_path_factory):
    log_file = tmp_path_factory.mktemp("worker") / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_test_database(),
        "EMAIL_HOST": "",
        "EMAIL_FILE_PATH": str(worker_mail_dir),
    }
    with open(log_file, "w") as log:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "portal", "worker",
                "--loglevel", "INFO", "--pool", "prefork", "--concurrency", "1",
                "--without-mingle", "--without-gossip", "--hostname", f"test-{os.getpid()}@%h",
            ],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        answered = wait_until(lambda: celery_app.control.ping(timeout=0.5), timeout=60)
        if not answered:
            pytest.fail("the Celery worker did not answer a ping in 60 s:\n" + log_file.read_text())
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


DEAD_BROKER = "redis://127.0.0.1:9/0"  # nothing listens on the discard port


class broker_at:  # noqa: N801 - used as a context manager
    """While inside, the app (and any process started with os.environ) uses this broker URL."""

    def __init__(self, url: str):
        self.url = url

    def __enter__(self):
        self.previous_env = os.environ.get("CELERY_BROKER_URL")
        self.previous_conf = celery_app.conf.broker_url
        self._point_at(self.url)
        return self

    def __exit__(self, *exc):
        if self.previous_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = self.previous_env
        self._point_at(self.previous_conf)

    @staticmethod
    def _point_at(url):
        os.environ["CELERY_BROKER_URL"] = url  # Celery reads the environment before its conf
        celery_app.conf.broker_url = url
        # The producer pool is cached per app; let it be looked up again for the new URL.
        celery_app.amqp._producer_pool = None


class broker_unreachable(broker_at):  # noqa: N801 - reads like a condition
    """While inside, publishing fails exactly as with Redis down (a refused connection)."""

    def __init__(self):
        super().__init__(DEAD_BROKER)
