"""What /healthz reports: can we reach the database and the broker right now.

The broker check is a real round trip (PING) on a client kept for the life of the process, so that
a health probe neither opens a connection per request nor trusts a connection that merely opened.
redis-py reconnects by itself once Redis is back: no restart of the web server is needed.
"""

import functools

import redis
from django.db import connection

from portal import embedded_redis
from portal.celery import app as celery_app

TIMEOUT = 2  # seconds: a probe must answer quickly, whatever is down


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"; the type is reported
        return f"error: {type(exc).__name__}"
    return "ok"


@functools.lru_cache(maxsize=4)
def redis_client(broker_url: str) -> redis.Redis:
    """A pooled client for the broker (kombu's redis+socket:// URL is redis-py's unix://)."""
    options = {
        "socket_connect_timeout": TIMEOUT,
        "socket_timeout": TIMEOUT,
        "retry": embedded_redis.no_retries(),  # a probe reports at once, it does not wait
    }
    sock = embedded_redis.socket_of(broker_url)
    if sock is not None:
        return redis.Redis(unix_socket_path=str(sock), **options)
    return redis.Redis.from_url(broker_url, **options)


def broker_state() -> str:
    try:
        redis_client(celery_app.conf.broker_url).ping()
    except Exception as exc:  # noqa: BLE001
        return f"error: {type(exc).__name__}"
    return "ok"


def cache_state() -> str:
    """The Redis cache (CACHE_URL), when the cache is in Redis; a cache in files needs no server."""
    from django.conf import settings
    from django.core.cache import caches

    if "RedisCache" not in settings.CACHES["default"]["BACKEND"]:
        return "ok"
    try:
        caches["default"]._cache.get_client(write=False).ping()
    except Exception as exc:  # noqa: BLE001
        return f"error: {type(exc).__name__}"
    return "ok"


@functools.lru_cache(maxsize=8)
def _bucket_probe(endpoint_url, region_name, access_key, secret_key, addressing_style):
    """A client of its own with short timeouts and no retries: the storage's own waits a minute
    and retries, which is right for a file and wrong for a probe."""
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region_name,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=Config(
            connect_timeout=TIMEOUT,
            read_timeout=TIMEOUT,
            retries={"max_attempts": 1},
            s3={"addressing_style": addressing_style},
        ),
    )


def storage_state() -> str:
    """The bucket answers (HEAD on it, with the portal's keys), or the local store is a writable
    directory."""
    import os

    from django.core.files.storage import storages

    storage = storages["default"]
    try:
        bucket = getattr(storage, "bucket_name", None)
        if bucket:
            _bucket_probe(
                storage.endpoint_url,
                storage.region_name,
                storage.access_key,
                storage.secret_key,
                storage.addressing_style,
            ).head_bucket(Bucket=bucket)
        else:
            location = storage.location
            if not (os.path.isdir(location) or not os.path.exists(location)):
                return "error: not a directory"
            parent = location if os.path.isdir(location) else os.path.dirname(location)
            if not os.access(parent, os.W_OK):
                return "error: not writable"
    except Exception as exc:  # noqa: BLE001
        return f"error: {type(exc).__name__}"
    return "ok"
