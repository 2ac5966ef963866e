"""Every web request has an id, on each line logged for it and on each task it queues, where the
worker's lines carry it too; LOG_FORMAT=json writes each line as one JSON object."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from portal.celery import app as celery_app
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_each_request_gets_an_id_returned_and_on_its_log_line(client, caplog):
    with caplog.at_level(logging.INFO, logger="portal.requests"):
        response = client.get("/")
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    [line] = [r for r in caplog.records if r.name == "portal.requests"]
    assert line.request_id == request_id
    assert (line.method, line.path, line.view, line.status) == ("GET", "/", "home", 200)
    assert client.get("/")["X-Request-ID"] != request_id


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given", "kept"),
    [("9f2c1e0d4b6a48e1", True), ("a b\nforged line", False), ("x" * 200, False)],
)
def test_the_proxys_id_is_kept_when_it_is_one(client, given, kept):
    returned = client.get("/", HTTP_X_REQUEST_ID=given)["X-Request-ID"]
    assert (returned == given) is kept


# Committed in the request, as in production: the task is queued while the request's id is set.
# What goes to the broker is read as Celery publishes it (its before_task_publish signal, with the
# message's headers): a worker that another test left running may take the message off the queue
# before the test could read it there.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_task_queued_by_a_request_carries_its_id_to_the_broker(client):
    from celery.signals import before_task_publish

    UserFactory(email="zhao.lei@example.com")
    celery_app.conf.task_always_eager = False  # put back by the suite's fixture after the test
    published = []

    def seen(sender=None, headers=None, **kwargs):
        published.append((sender, (headers or {}).get("request_id")))

    before_task_publish.connect(seen, weak=False)
    try:
        response = client.post(reverse("password_reset"), {"email": "zhao.lei@example.com"})
    finally:
        before_task_publish.disconnect(seen)
    assert response.status_code == 302
    assert published, "the request queued no task"
    assert {request_id for _task, request_id in published} == {response["X-Request-ID"]}


@pytest.mark.django_db
def test_a_task_runs_and_logs_under_the_id_it_carries(caplog):
    from notifications.tasks import requeue_unsent

    with caplog.at_level(logging.INFO, logger="portal.tasks"):
        requeue_unsent.apply(headers={"request_id": "0123456789abcdef"})
    [line] = [r for r in caplog.records if r.name == "portal.tasks"]
    assert line.request_id == "0123456789abcdef"
    assert (line.task, line.state) == ("notifications.tasks.requeue_unsent", "SUCCESS")


def test_log_format_json_writes_one_object_a_line(tmp_path):
    code = (
        "import django, logging; django.setup()\n"
        "from portal.logs import REQUEST_ID\n"
        "REQUEST_ID.set('0123456789abcdef')\n"
        "logging.getLogger('portal.test').warning('发送了 %s 封', 3)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **os.environ,
            "VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "LOG_FORMAT": "json",
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    entry = json.loads(result.stderr.strip().splitlines()[-1])
    assert entry["message"] == "发送了 3 封"
    assert entry["request_id"] == "0123456789abcdef"
    assert (entry["level"], entry["logger"]) == ("WARNING", "portal.test")
