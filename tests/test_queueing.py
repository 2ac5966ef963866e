"""Follow-up work is queued by the task's name after commit, and a broker that is away loses
nothing: the change is kept and its sweep queues the work later (portal/queueing.py)."""

import ast
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from celery.exceptions import NotRegistered
from django.conf import settings
from django.core import mail
from django.utils import timezone

from filings.lifecycle import deadlines
from notifications import emails
from notifications.models import Notification
from notifications.tasks import requeue_unsent
from portal.celery import app as celery_app
from portal.queueing import queue_after_commit, queue_now, registered_task
from tests.factories import UserFactory
from tests.integration.conftest import broker_unreachable

ROOT = Path(__file__).resolve().parent.parent
ran = []


@celery_app.task(name="tests.test_queueing.record")
def record(value):
    ran.append(value)


@pytest.fixture
def queued_for_real():
    """Tasks go to the broker, as in production, instead of running in the test."""
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


@pytest.mark.django_db
def test_a_task_is_queued_by_its_name_once_the_transaction_commits(
    django_capture_on_commit_callbacks,
):
    ran.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queue_after_commit("tests.test_queueing.record", 7)
        assert ran == []
    assert len(callbacks) == 1
    assert ran == [7]


def test_a_task_name_that_does_not_exist_fails_in_the_caller():
    with pytest.raises(NotRegistered):
        queue_after_commit("filings.tasks.no_such_task", 1)


def task_names_in_the_code() -> set[str]:
    """Every string in the project's code that names one of its tasks ("filings.tasks.x")."""
    pattern = re.compile(r"^(portal|accounts|notifications|filings)\.tasks\.\w+$")
    return {
        node.value
        for package in ("portal", "accounts", "notifications", "filings")
        for path in (ROOT / package).rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        if pattern.match(node.value)
    }


def test_every_task_the_code_names_exists():
    names = task_names_in_the_code()
    assert names >= {
        "filings.tasks.render_document",
        "filings.tasks.recompute_deadlines",
        "filings.tasks.build_export",
        "notifications.tasks.deliver_notification",
    }
    for name in names:
        assert registered_task(name).name == name


def test_a_web_process_that_never_imported_the_tasks_finds_them_by_name():
    """Nothing a web request runs imports a tasks module any more; the first queued task
    imports them, as a worker does when it starts."""
    code = (
        "import django; django.setup()\n"
        "from portal.celery import app\n"
        "from portal.queueing import registered_task\n"
        "name = 'filings.tasks.render_document'\n"
        "print(name in app.tasks, registered_task(name).name)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "filings.tasks.render_document"]


@pytest.mark.django_db
def test_with_the_broker_away_an_email_is_kept_and_its_sweep_sends_it(
    django_capture_on_commit_callbacks, queued_for_real, caplog
):
    user = UserFactory(language="en")
    with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
        notification = emails.send(
            "registration_attempt",
            to=user.email,
            language="en",
            context={"user": user, "organization_name": "Example"},
        )
    assert "Broker unreachable; notifications.tasks.deliver_notification" in caplog.text
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert notification.pk in emails.unsent_ids(now=timezone.now() + timedelta(minutes=3))
    assert mail.outbox == []

    # The broker is back: beat's sweep queues what was left (run here in the test, eagerly).
    celery_app.conf.task_always_eager = True
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - timedelta(minutes=3)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_unsent.delay().get() == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_with_the_broker_away_a_calendar_change_is_left_for_the_daily_sweep(
    django_capture_on_commit_callbacks, queued_for_real, caplog
):
    with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
        deadlines.calendar_changed(2027)  # what saving a year in the admin does
    assert "Broker unreachable; filings.tasks.recompute_deadlines(2027,)" in caplog.text
    assert any(
        entry["task"] == "filings.tasks.recompute_current_deadlines"
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
    )


def test_a_sweep_with_the_broker_still_away_is_told_so(queued_for_real, caplog):
    ran.clear()
    with broker_unreachable():
        assert queue_now("tests.test_queueing.record", 1) is False
    assert ran == []
    assert "Broker unreachable; tests.test_queueing.record(1,) left for the sweep" in caplog.text
