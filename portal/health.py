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
