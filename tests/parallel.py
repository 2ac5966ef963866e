"""What each pytest-xdist worker gets of its own, so that two workers never share state.

``pytest -n 2`` (``make test``, CI) runs the suite in two worker processes. Each one is started with
an environment of its own (``tests/conftest.py``, hook ``pytest_xdist_setupnodes``), read by the
settings when the worker sets Django up, and inherited by every server, worker and launcher that its
tests start:

- ``VAR_DIR``: a folder of its own (``<VAR_DIR>/gw0``, ``<VAR_DIR>/gw1``, …): its SQLite test
  database, its embedded Redis (the broker ``make test`` starts itself), caches, mail and files;
- ``CELERY_BROKER_URL`` and ``CACHE_URL`` when they name a Redis database (CI's PostgreSQL phase):
  database number + ``REDIS_DB_STRIDE`` × the worker's index, since a test empties its cache (a
  FLUSHDB) and a real Celery worker must take only the tasks of its own test database;
- ``AWS_STORAGE_BUCKET_NAME``: a bucket of its own (``<bucket>-gw0``), created here: the two test
  databases number their rows alike, so their files would have the same keys;
- PostgreSQL: pytest-django already names the test database after the worker (``test_…_gw0``).

Servers that tests start take free ports (port 0), never a fixed one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

# Redis has databases 0-15: with CI's broker on 1 and cache on 2, workers 0-3 use 1-2, 5-6, 9-10
# and 13-14 (4, Schemathesis's, stays free).
REDIS_DB_STRIDE = 4
REDIS_DATABASES = 16
_REDIS_DB = re.compile(r"^(rediss?://[^/?#]*)(?:/(\d*))?(.*)$")


class WorkerEnvironmentError(RuntimeError):
    pass


def redis_url_for_worker(url: str, index: int) -> str:
    """The same Redis, the database shifted by the worker's index (database 0 when none given)."""
    match = _REDIS_DB.match(url)
    if match is None:
        return url
    server, number, rest = match.groups()
    database = int(number or 0) + index * REDIS_DB_STRIDE
    if database >= REDIS_DATABASES:
        raise WorkerEnvironmentError(
            f"{url}: worker {index} would use Redis database {database}, past the last one "
            f"({REDIS_DATABASES - 1}); choose a lower database number or fewer workers (-n)."
        )
    return f"{server}/{database}{rest}"


def worker_environment(
    environ: Mapping[str, str], var_dir: Path, index: int, worker_id: str
) -> dict[str, str]:
    """The variables that the worker ``worker_id`` (``gw<index>``) gets instead of its parent's."""
    changed = {
        "VAR_DIR": str(Path(var_dir) / worker_id),
        # Where the workers put what the whole run shares (the e2e screenshots).
        "TEST_RUN_VAR_DIR": str(var_dir),
    }
    for name in ("CELERY_BROKER_URL", "CACHE_URL"):
        url = environ.get(name, "")
        if url.startswith(("redis://", "rediss://")):
            changed[name] = redis_url_for_worker(url, index)
    bucket = environ.get("AWS_STORAGE_BUCKET_NAME", "")
    if bucket:
        changed["AWS_STORAGE_BUCKET_NAME"] = f"{bucket}-{worker_id}"
    return changed


def create_bucket(environ: Mapping[str, str], bucket: str) -> None:
    """Creates the worker's bucket on the configured S3 server, unless it is there already."""
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=environ.get("AWS_S3_ENDPOINT_URL") or None,
        aws_access_key_id=environ.get("AWS_S3_ACCESS_KEY_ID") or None,
        aws_secret_access_key=environ.get("AWS_S3_SECRET_ACCESS_KEY") or None,
        region_name=environ.get("AWS_S3_REGION_NAME") or None,
    )
    try:
        existing = {entry["Name"] for entry in client.list_buckets().get("Buckets", [])}
        if bucket not in existing:
            client.create_bucket(Bucket=bucket)
    finally:
        client.close()
