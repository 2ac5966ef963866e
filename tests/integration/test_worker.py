"""A task queued by a web request is executed by a real Celery worker process."""

import pytest
from django.urls import reverse

from notifications.models import Notification
from tests.factories import UserFactory
from tests.integration.conftest import wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_password_reset_email_is_sent_by_the_worker(client, celery_worker_process, worker_mail_dir):
    UserFactory(email="zhao.lei@example.com")
    response = client.post(reverse("password_reset"), {"email": "zhao.lei@example.com"})
    assert response.status_code == 302

    notification = Notification.objects.get(recipient="zhao.lei@example.com")
    sent = wait_until(
        lambda: Notification.objects.filter(pk=notification.pk, status="sent").exists(), timeout=30
    )
    assert sent, f"still {Notification.objects.get(pk=notification.pk).status} after 30 s"
    written = "\n".join(path.read_text() for path in worker_mail_dir.iterdir())
    assert "To: zhao.lei@example.com" in written
    assert "/accounts/password/reset/" in written
