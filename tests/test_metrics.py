"""Prometheus metrics at /metrics, for the operator's token only: request latency by view, the
Celery queue's depth and failed tasks, documents pending or failed, reviews past their due date and
reminders sent; each figure appears and changes after the action it counts."""

import copy
import re
from datetime import date, timedelta

import pytest
import time_machine
from celery.signals import task_failure
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from filings.documents import attachments
from filings.lifecycle import reminders, services
from filings.models import Document, Jurisdiction, Obligation
from portal.celery import app as celery_app
from portal.metrics import FAILED_TASKS_KEY, _broker
from tests.factories import MembershipFactory
from tests.filing_data import complete_filing, mark_complete
from tests.pdfs import pdf_bytes

pytestmark = pytest.mark.django_db
TOKEN = "a-metrics-token-for-the-operator"


@pytest.fixture
def scrape(client, settings):
    settings.METRICS_TOKEN = TOKEN

    def read() -> str:
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain")
        return response.content.decode()

    return read


def figure(text: str, name: str, **labels) -> float:
    """The value of one sample; 0 when it is not there."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        sample, _, value = line.rpartition(" ")
        found = re.fullmatch(r"([^{]+)(?:\{(.*)\})?", sample)
        if found and found.group(1) == name:
            pairs = ",".join(sorted((found.group(2) or "").split(","))) if found.group(2) else ""
            if pairs == wanted:
                return float(value)
    return 0.0


def test_without_a_token_setting_there_is_no_endpoint(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_only_the_operators_token_reads_them(client, settings, header):
    settings.METRICS_TOKEN = TOKEN
    headers = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/metrics", **headers)
    assert response.status_code == 401
    assert "portal_" not in response.content.decode()


def test_a_signed_in_staff_session_is_not_a_token(admin_client, settings):
    settings.METRICS_TOKEN = TOKEN
    assert admin_client.get("/metrics").status_code == 401


def test_request_latency_is_counted_by_view(client, scrape):
    before = figure(
        scrape(), "portal_request_duration_seconds_count", view="home", method="GET", status="200"
    )
    client.get("/")
    client.get("/")
    after = figure(
        scrape(), "portal_request_duration_seconds_count", view="home", method="GET", status="200"
    )
    assert after == before + 2


def test_the_queue_depth_is_read_from_the_broker(scrape):
    queue = celery_app.conf.task_default_queue
    before = figure(scrape(), "portal_celery_queue_depth", queue=queue)
    celery_app.conf.task_always_eager = False  # put back by the suite's fixture after the test
    celery_app.send_task("portal.no_such_task")  # the message goes to the broker and waits
    try:
        assert figure(scrape(), "portal_celery_queue_depth", queue=queue) == before + 1
    finally:
        _broker().lpop(queue)  # the message just pushed, at the head of the list
    assert figure(scrape(), "portal_celery_queue_depth", queue=queue) == before


def test_failed_tasks_are_counted_for_every_host(scrape):
    from filings.tasks import render_document as task

    before = figure(scrape(), "portal_celery_tasks_failed_total", task=task.name)
    task_failure.send(sender=task, task_id="t-1", exception=RuntimeError("boom"))
    assert figure(scrape(), "portal_celery_tasks_failed_total", task=task.name) == before + 1
    _broker().hincrby(FAILED_TASKS_KEY, task.name, -1)


def submitted(django_capture_on_commit_callbacks, render: bool):
    membership = MembershipFactory()
    filing = services.start_initial_filing(membership.organization, membership.user)
    data = copy.deepcopy(complete_filing())
    data["organization"]["name"] = membership.organization.name
    data["organization"]["uscc"] = membership.organization.uscc
    filing.data = data
    mark_complete(filing)
    attachments.store(
        filing, membership.user, "assessment_report", SimpleUploadedFile("r.pdf", pdf_bytes())
    )
    with django_capture_on_commit_callbacks(execute=render):
        services.submit_filing(filing.pk, membership.user)
    filing.refresh_from_db()
    return filing


def test_documents_pending_and_failed(scrape, django_capture_on_commit_callbacks):
    text = scrape()
    assert figure(text, "portal_documents", status="pending") == 0
    assert figure(text, "portal_documents", status="failed") == 0
    filing = submitted(django_capture_on_commit_callbacks, render=False)  # the broker lost it
    assert figure(scrape(), "portal_documents", status="pending") == 1
    Document.objects.filter(filing=filing).update(status=Document.Status.FAILED, attempts=3)
    text = scrape()
    assert figure(text, "portal_documents", status="pending") == 0
    assert figure(text, "portal_documents", status="failed") == 1


def test_reviews_past_their_due_date(scrape, django_capture_on_commit_callbacks):
    filing = submitted(django_capture_on_commit_callbacks, render=True)
    assert filing.review_due is not None
    assert figure(scrape(), "portal_reviews_past_due") == 0
    later = timezone.make_aware(
        timezone.datetime.combine(
            filing.review_due + timedelta(days=1), timezone.datetime.min.time()
        )
    )
    with time_machine.travel(later, tick=False):
        assert figure(scrape(), "portal_reviews_past_due") == 1


def test_reminders_sent(scrape, django_capture_on_commit_callbacks):
    organization = MembershipFactory(role="admin").organization
    deadline = date(2026, 3, 2)
    Obligation.objects.create(
        organization=organization,
        kind=Obligation.Kind.INITIAL,
        regime="cac-2023-draft",
        office=Jurisdiction.objects.get(code="440300"),
        trigger_date=date(2026, 1, 16),
        deadline=deadline,
        deadline_final=True,
        next_reminder_on=reminders.first_look(deadline),
    )
    assert figure(scrape(), "portal_reminders_sent_total", kind="before_1") == 0
    day = date(2026, 2, 28)
    with time_machine.travel(day, tick=False), django_capture_on_commit_callbacks(execute=True):
        reminders.sweep(day)
    assert figure(scrape(), "portal_reminders_sent_total", kind="before_1") == 1


def test_after_a_story_one_scrape_shows_every_figure(
    client, scrape, django_capture_on_commit_callbacks
):
    """A day of the portal, then one scrape, as the operator reads it: each figure of the issue
    (latency by view, queue depth, failed tasks, documents pending and failed, reviews past due,
    reminders sent) says what the story did."""
    from filings import tasks

    queue = celery_app.conf.task_default_queue
    before = scrape()
    failed_before = figure(
        before, "portal_celery_tasks_failed_total", task=tasks.recompute_deadlines.name
    )
    depth_before = figure(before, "portal_celery_queue_depth", queue=queue)

    # People use the site; one filing is rendered, one waits for the worker, one failed for good.
    client.get("/")
    client.get(reverse("verify"), {"number": "网信人脸备440300202600001号"})
    rendered = submitted(django_capture_on_commit_callbacks, render=True)
    waiting = submitted(django_capture_on_commit_callbacks, render=False)
    broken = submitted(django_capture_on_commit_callbacks, render=False)
    Document.objects.filter(filing=broken).update(status=Document.Status.FAILED, attempts=3)
    assert Document.objects.filter(filing=waiting, status=Document.Status.PENDING).exists()
    # A worker's task raises: counted in the broker, for every host to report.
    outcome = tasks.recompute_deadlines.apply(args=["not a year"], throw=False)
    assert outcome.failed()
    # The sweep sends a reminder of a deadline one working day away.
    organization = MembershipFactory(role="admin").organization
    Obligation.objects.create(
        organization=organization, kind=Obligation.Kind.INITIAL, regime="cac-2023-draft",
        office=Jurisdiction.objects.get(code="440300"), trigger_date=date(2026, 1, 16),
        deadline=date(2026, 3, 2), deadline_final=True,
        next_reminder_on=reminders.first_look(date(2026, 3, 2)),
    )  # fmt: skip
    day = date(2026, 2, 28)
    with time_machine.travel(day, tick=False), django_capture_on_commit_callbacks(execute=True):
        reminders.sweep(day)

    # A message waits in the queue for a worker.
    celery_app.conf.task_always_eager = False  # put back by the suite's fixture after the test
    celery_app.send_task("portal.no_such_task")

    # The operator scrapes the day after the rendered filing's review was due.
    late = timezone.make_aware(
        timezone.datetime.combine(
            rendered.review_due + timedelta(days=1), timezone.datetime.min.time()
        )
    )
    try:
        with time_machine.travel(late, tick=False):
            text = scrape()
    finally:
        _broker().lpop(queue)
        _broker().hincrby(FAILED_TASKS_KEY, tasks.recompute_deadlines.name, -1)

    latency = "portal_request_duration_seconds_count"
    assert figure(text, latency, view="home", method="GET", status="200") >= 1
    assert figure(text, latency, view="verify", method="GET", status="200") >= 1
    buckets = "portal_request_duration_seconds_bucket"
    assert figure(text, buckets, view="verify", method="GET", status="200", le="+Inf") >= 1
    assert figure(text, "portal_celery_queue_depth", queue=queue) == depth_before + 1
    assert (
        figure(text, "portal_celery_tasks_failed_total", task=tasks.recompute_deadlines.name)
        == failed_before + 1
    )
    assert (
        figure(text, "portal_documents", status="pending")
        == Document.objects.filter(filing=waiting).count()
    )
    assert (
        figure(text, "portal_documents", status="failed")
        == Document.objects.filter(filing=broken).count()
    )
    assert figure(text, "portal_reviews_past_due") == 3  # all three were submitted the same day
    assert figure(text, "portal_reminders_sent_total", kind="before_1") == 1
