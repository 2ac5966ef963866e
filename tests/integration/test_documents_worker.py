"""A submission made while the broker is down is saved; its PDF arrives once the broker is back."""

import pytest
from django.urls import reverse

from filings.models import Document, Filing
from filings.tasks import requeue_documents
from tests.factories import MembershipFactory
from tests.integration.conftest import broker_unreachable, wait_until
from tests.integration.test_concurrency import draft_ready_to_submit

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_submission_with_the_broker_down_gets_its_pdf_when_the_broker_returns(
    client, celery_worker_process
):
    membership = MembershipFactory()
    filing = draft_ready_to_submit(membership)
    client.force_login(membership.user)

    review = reverse("filing_step", args=[membership.organization.pk, filing.pk, "review"])
    with broker_unreachable():
        response = client.post(review, {"truthful": "on"})
    assert response.status_code == 302  # the filer is not shown an error
    filing.refresh_from_db()
    assert filing.status == Filing.Status.SUBMITTED  # nothing submitted is lost
    document = Document.objects.get(filing=filing, kind="form")
    assert document.status == Document.Status.PENDING

    # The broker is back: the periodic sweep (run here by hand, as beat would) queues it again.
    Document.objects.filter(pk=document.pk).update(
        created_at=document.created_at.replace(year=2000)
    )
    requeue_documents.apply()
    ready = wait_until(
        lambda: Document.objects.filter(pk=document.pk, status="ready").exists(), timeout=60
    )
    assert ready, Document.objects.get(pk=document.pk).__dict__
