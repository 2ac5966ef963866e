"""PostgreSQL says several hosts may serve; files on one host's disk or a file cache would then
split what must be shared. The system check refuses that, in `check`, `check --deploy` and at the
start of the web server and the worker, unless SINGLE_HOST=1 says the single host is deliberate."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_settings import PRODUCTION

ROOT = Path(__file__).resolve().parent.parent
SHARED = {"CACHE_URL", "AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL", "SINGLE_HOST"}
ONE_HOST = {name: value for name, value in PRODUCTION.items() if name not in SHARED}


def environment(tmp_path, settings: dict) -> dict:
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DATABASE_", "CELERY_", "AWS_", "CACHE_", "SINGLE_"))
    }
    return {**inherited, "VAR_DIR": str(tmp_path), **settings}


def check_deploy(tmp_path, settings: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment(tmp_path, settings),
        capture_output=True,
        text=True,
    )


def test_postgresql_with_local_files_and_a_file_cache_is_refused(tmp_path):
    result = check_deploy(tmp_path, ONE_HOST)
    assert result.returncode != 0
    assert "portal.E001" in result.stderr  # files on this host's disk
    assert "portal.E002" in result.stderr  # the cache in files
    assert "SINGLE_HOST=1" in result.stderr


@pytest.mark.parametrize(
    ("shared", "refused", "allowed"),
    [
        ({"CACHE_URL": "redis://cache.internal:6379/2"}, "portal.E001", "portal.E002"),
        ({"AWS_STORAGE_BUCKET_NAME": "portal-files"}, "portal.E002", "portal.E001"),
    ],
)
def test_each_shared_service_answers_its_own_error(tmp_path, shared, refused, allowed):
    result = check_deploy(tmp_path, {**ONE_HOST, **shared})
    assert result.returncode != 0
    assert refused in result.stderr
    assert allowed not in result.stderr


def test_a_deliberate_single_host_is_allowed(tmp_path):
    result = check_deploy(tmp_path, {**ONE_HOST, "SINGLE_HOST": "1"})
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_embedded_default_on_sqlite_needs_nothing(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment(tmp_path, {}),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


STARTS = """
import sys
try:
    if sys.argv[1] == "web":
        import portal.wsgi
    else:
        import django
        django.setup()
        from celery.signals import worker_init
        from portal.celery import app
        worker_init.send(sender=None)
except Exception as error:
    print(type(error).__name__, error)
    sys.exit(3)
print("started")
"""


@pytest.mark.parametrize("process", ["web", "worker"])
def test_the_web_server_and_the_worker_refuse_to_start(tmp_path, process):
    def start(settings):
        return subprocess.run(
            [sys.executable, "-c", STARTS, process],
            cwd=ROOT,
            env={**environment(tmp_path, settings), "DJANGO_SETTINGS_MODULE": "portal.settings"},
            capture_output=True,
            text=True,
        )

    refused = start(ONE_HOST)
    assert refused.returncode != 0, refused.stdout + refused.stderr
    said = refused.stdout + refused.stderr
    assert "ImproperlyConfigured" in said
    assert "portal.E001" in said
    assert "started" not in refused.stdout
    started = start(PRODUCTION)
    assert started.returncode == 0, started.stdout + started.stderr
    assert "started" in started.stdout
