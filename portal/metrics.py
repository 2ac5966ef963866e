"""Prometheus metrics for the operator (prometheus-client), at /metrics with METRICS_TOKEN.

Measured in the web process: the latency of each request by view (RequestMetricsMiddleware).
Read at each scrape, so every host reports the same shared figures: the Celery queue's depth (the
broker's Redis lists), the tasks that failed (counted in the broker's Redis by every worker,
portal.celery), the documents pending and failed, the filings past their review due date and the
reminders sent (PostgreSQL).

Several gunicorn processes on one host each keep their own histogram: set PROMETHEUS_MULTIPROC_DIR
to an empty directory of that host (emptied at each start) and prometheus-client adds them up.
"""

import os
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

REQUEST_SECONDS = Histogram(
    "portal_request_duration_seconds",
    "Time to answer a request, by view.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
FAILED_TASKS_KEY = "portal:metrics:tasks_failed"  # a hash: task name -> failures
# kombu's Redis transport keeps a queue's messages of priority 3, 6 and 9 in lists of their own.
PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


class RequestMetricsMiddleware:
    """First in the chain, so that the time counted is the whole request's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = match.view_name if match is not None else "<no view>"
        REQUEST_SECONDS.labels(view, request.method, str(response.status_code)).observe(
            time.perf_counter() - started
        )
        return response


def _broker():
    from portal.celery import app as celery_app
    from portal.health import redis_client

    return redis_client(celery_app.conf.broker_url)


def queue_names() -> list[str]:
    from portal.celery import app as celery_app

    names = {celery_app.conf.task_default_queue}
    for route in (celery_app.conf.task_routes or {}).values():
        if isinstance(route, dict) and route.get("queue"):
            names.add(route["queue"])
    return sorted(names)


class SharedFigures:
    """The figures every host reads from the shared services, at each scrape."""

    def describe(self):
        return []

    def collect(self):
        from django.db.models import Count
        from django.utils import timezone

        from filings.models import Document, Filing, Reminder

        queued = GaugeMetricFamily(
            "portal_celery_queue_depth", "Messages waiting in a Celery queue.", labels=["queue"]
        )
        failed = CounterMetricFamily(
            "portal_celery_tasks_failed", "Celery tasks that raised, by task.", labels=["task"]
        )
        try:
            broker = _broker()
            for queue in queue_names():
                depth = sum(broker.llen(queue + suffix) for suffix in PRIORITY_SUFFIXES)
                queued.add_metric([queue], depth)
            for task, count in sorted(broker.hgetall(FAILED_TASKS_KEY).items()):
                failed.add_metric([task.decode()], int(count))
        except Exception:  # noqa: BLE001, S110 - the broker down: /healthz/ready says so
            pass
        yield queued
        yield failed

        documents = GaugeMetricFamily(
            "portal_documents", "Generated documents not ready, by status.", labels=["status"]
        )
        counts = dict(
            Document.objects.filter(status__in=[Document.Status.PENDING, Document.Status.FAILED])
            .values_list("status")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for status in (Document.Status.PENDING, Document.Status.FAILED):
            documents.add_metric([status.value], counts.get(status, 0))
        yield documents

        yield GaugeMetricFamily(
            "portal_reviews_past_due",
            "Filings waiting for review past their review due date.",
            value=Filing.objects.filter(
                status__in=[Filing.Status.SUBMITTED, Filing.Status.UNDER_REVIEW],
                review_due__lt=timezone.localdate(),
            ).count(),
        )

        reminders = CounterMetricFamily(
            "portal_reminders_sent", "Deadline reminders sent, by kind.", labels=["kind"]
        )
        for kind, count in (
            Reminder.objects.values_list("kind").annotate(n=Count("pk")).order_by("kind")
        ):
            reminders.add_metric([kind], count)
        yield reminders


def exposition() -> tuple[bytes, str]:
    """(body, content type) of a scrape."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        measured = CollectorRegistry()
        multiprocess.MultiProcessCollector(measured)
    else:
        measured = REGISTRY
    shared = CollectorRegistry(auto_describe=False)
    shared.register(SharedFigures())
    return generate_latest(measured) + generate_latest(shared), CONTENT_TYPE_LATEST
