"""/healthz/live says the process answers; /healthz/ready says whether the host should get
requests: the database, Redis and the file storage answer (503 otherwise). /healthz is unchanged."""

import pytest

from tests.integration.conftest import broker_unreachable

pytestmark = pytest.mark.django_db


def test_live_answers_whatever_is_down(client):
    with broker_unreachable():
        response = client.get("/healthz/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_ready_when_everything_answers(client):
    response = client.get("/healthz/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "cache": "ok",
        "storage": "ok",
    }


def test_not_ready_when_the_broker_is_down(client):
    with broker_unreachable():
        response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")
    assert response.json()["status"] == "error"


def test_not_ready_when_the_redis_cache_is_down(client, settings):
    working = settings.CACHES
    settings.CACHES = {
        **working,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 1},
        },
    }
    try:
        response = client.get("/healthz/ready")
    finally:
        settings.CACHES = working  # the suite's own fixture empties the cache after each test
    assert response.status_code == 503
    assert response.json()["cache"].startswith("error")


def test_not_ready_when_the_local_store_cannot_be_written(client, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "portal.storage.PrivateStorage", "OPTIONS": {"location": blocker}},
    }
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert response.json()["storage"].startswith("error")


def test_ready_asks_the_bucket(client, settings, object_storage):
    assert client.get("/healthz/ready").json()["storage"] == "ok"
    settings.AWS_STORAGE_BUCKET_NAME = "no-such-bucket"
    settings.STORAGES = {**settings.STORAGES}  # a new storage object, with the new bucket
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert response.json()["storage"].startswith("error")


def test_not_ready_when_the_object_storage_does_not_answer(client, settings, object_storage):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.AWS_S3_ENDPOINT_URL = f"http://127.0.0.1:{closed_port}"
    settings.STORAGES = {**settings.STORAGES}
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert response.json()["storage"].startswith("error")


def test_healthz_keeps_its_answer(client):
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "broker": "ok"}
