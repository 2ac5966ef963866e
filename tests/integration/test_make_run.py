"""`make run`'s launcher under load: Redis, the web server, the worker and beat as a user runs them.

Four processes submit 200 filings at once through the web server; every filing gets its PDF, every
email is written, no process of the portal exits, and the links that the worker writes point at the
web server's port. Then Ctrl-C stops everything that the launcher started.
"""

import multiprocessing
import os
import re
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from filings.lifecycle import services
from filings.models import Document, Filing
from notifications.models import Notification
from portal import embedded_redis
from portal.storage import PrivateStorage
from tests.factories import MembershipFactory, UserFactory, reviewer_of
from tests.integration import web_client
from tests.integration.conftest import (
    ROOT,
    broker_at,
    database_url_of_test_database,
    wait_until,
)
from tests.integration.test_concurrency import draft_ready_to_submit
from tests.test_documents import pdf_text

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CLIENTS = 4
FILINGS_PER_CLIENT = 50


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def portal(tmp_path_factory):
    """`python -m portal.launcher` as `make run` starts it, on the test database."""
    var_dir = Path(tmp_path_factory.mktemp("run"))
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CELERY_", "EMAIL_", "SITE_", "PORT"))
    }
    env.update(
        {
            "DATABASE_URL": database_url_of_test_database(),
            "SECRET_KEY": settings.SECRET_KEY,  # the sessions that the test signs in with
            # The rows the test writes are sealed with its key ring: the portal reads them with it.
            "ENCRYPTION_KEYS": settings.ENCRYPTION_KEYS,
            "VAR_DIR": str(var_dir),
            "PORT": str(port),
            "PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
        }
    )
    log_path = var_dir / "launcher.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "portal.launcher"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        up = wait_until(lambda: _worker_ready(log_path) and _answers(base_url), timeout=90)
        assert up, "the portal did not come up:\n" + log_path.read_text()
        yield {"url": base_url, "var_dir": var_dir, "log": log_path, "process": process}
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _worker_ready(log_path: Path) -> bool:
    return "celery@" in log_path.read_text() and " ready." in log_path.read_text()


def _answers(base_url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(base_url + "/healthz", timeout=2) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


def session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def test_the_portal_takes_200_concurrent_submissions_and_loses_nothing(portal):
    filers = [UserFactory() for _ in range(CLIENTS)]
    work = []
    for filer in filers:
        forms = []
        for _ in range(FILINGS_PER_CLIENT):
            membership = MembershipFactory(user=filer)
            filing = draft_ready_to_submit(membership)
            path = reverse("filing_step", args=[membership.organization_id, filing.pk, "review"])
            forms.append((path, {"truthful": "on"}))
        work.append((portal["url"], session_of(filer), forms))

    started = time.monotonic()
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=CLIENTS, mp_context=spawn) as pool:
        results = list(pool.map(web_client.post_forms, *zip(*work, strict=True)))
    statuses = [status for batch in results for status in batch]
    assert statuses == [302] * (CLIENTS * FILINGS_PER_CLIENT), statuses

    total = CLIENTS * FILINGS_PER_CLIENT
    assert Filing.objects.filter(status=Filing.Status.SUBMITTED).count() == total

    def all_done():
        documents_ready = Document.objects.filter(status=Document.Status.READY).count()
        emails_sent = Notification.objects.filter(status=Notification.Status.SENT).count()
        return documents_ready == total and emails_sent == total

    done = wait_until(all_done, timeout=600, interval=1)
    log = portal["log"].read_text()
    assert done, (
        f"after {time.monotonic() - started:.0f} s: "
        f"{Document.objects.values_list('status').order_by().distinct()} documents, "
        f"{Notification.objects.values_list('status').order_by().distinct()} emails\n{log[-5000:]}"
    )
    assert Document.objects.exclude(status=Document.Status.READY).count() == 0
    assert Notification.objects.exclude(status=Notification.Status.SENT).count() == 0

    # Every email is in the mail folder, and its links point at the web server's port.
    mail = "\n".join(path.read_text() for path in (portal["var_dir"] / "mail").iterdir())
    assert mail.count("Message-ID:") == total
    links = set(re.findall(r"http://127\.0\.0\.1:(\d+)/organizations/", mail))
    assert links == {portal["url"].rsplit(":", 1)[1]}

    # No process of the portal exited, so none was restarted; the worker never died.
    assert "exited with code" not in log, log[-5000:]
    assert "Unrecoverable error" not in log
    assert portal["process"].poll() is None


def test_a_notice_rendered_by_the_worker_links_to_the_web_servers_port(portal):
    membership = MembershipFactory()
    filing = draft_ready_to_submit(membership)
    reviewer = reviewer_of("440300")
    # Queue the follow-up work on the launcher's own Redis, where its worker takes it.
    with broker_at(embedded_redis.broker_url(portal["var_dir"])):
        services.submit_filing(filing.pk, membership.user)
        services.approve_filing(filing.pk, reviewer)

    def notice():
        return Document.objects.filter(
            filing=filing, kind=Document.Kind.NOTICE, status=Document.Status.READY
        ).first()

    document = wait_until(notice, timeout=120, interval=0.5)
    assert document, portal["log"].read_text()[-5000:]
    if settings.AWS_STORAGE_BUCKET_NAME:
        # The worker wrote it in the bucket, which this process reads with the same settings.
        with document.file.open("rb") as stored:
            content = stored.read()
    else:
        # The worker wrote it under the launcher's VAR_DIR, sealed: what lies on the disk is not
        # a PDF, and the same ring (the suite's, given to the launcher) opens it.
        private = portal["var_dir"] / "private"
        assert not (private / document.file.name).read_bytes().startswith(b"%PDF")
        with PrivateStorage(location=private).open(document.file.name) as stored:
            content = stored.read()
    text = pdf_text(content)
    assert f"{portal['url']}/verify/" in text.replace(" ", "")


def test_ctrl_c_stops_every_process_that_the_launcher_started(portal):
    log = portal["log"].read_text()
    pids = [int(pid) for pid in re.findall(r"started with pid (\d+)", log)]
    assert len(pids) == 4  # redis, web, worker, beat
    portal["process"].send_signal(signal.SIGINT)
    portal["process"].wait(timeout=60)
    for pid in pids:
        assert not _alive(pid), f"process {pid} is still running"
    assert "stopped" in portal["log"].read_text()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has exited; only its parent's wait is missing.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"
