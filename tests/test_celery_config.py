"""Celery's configuration and the beat schedule declared in code."""

import pytest
from django.conf import settings

from portal.celery import app as celery_app


def test_tasks_are_json_only_acknowledged_late_one_at_a_time_and_time_limited():
    conf = celery_app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_time_limit
    assert conf.task_soft_time_limit < conf.task_time_limit
    assert conf.timezone == "Asia/Shanghai"


@pytest.mark.parametrize("entry", sorted(settings.CELERY_BEAT_SCHEDULE))
def test_every_beat_entry_names_a_task_that_exists(entry):
    celery_app.loader.import_default_modules()
    task_name = settings.CELERY_BEAT_SCHEDULE[entry]["task"]
    assert task_name in celery_app.tasks, f"beat entry {entry!r} names unknown task {task_name!r}"


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # the scheduler closes connections
def test_beat_schedule_reaches_the_database_scheduler():
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    DatabaseScheduler(app=celery_app)
    stored = set(PeriodicTask.objects.values_list("name", flat=True))
    assert set(settings.CELERY_BEAT_SCHEDULE) <= stored


def test_recomputing_deadlines_retries_after_a_database_error():
    from django.db import DatabaseError

    from filings.tasks import recompute_deadlines

    assert DatabaseError in recompute_deadlines.autoretry_for
    assert recompute_deadlines.max_retries == 3
