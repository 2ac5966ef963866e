"""Two hosts, one portal (issue 26), laid out as docs/deployment.md says and run from the files it
ships: two web hosts (gunicorn, deploy/systemd/portal-web.service) and two workers
(portal-worker.service), each pair with a VAR_DIR of its own so that nothing on disk is shared,
one beat (portal-beat.service), behind Debian's nginx with deploy/nginx/portal.conf terminating
TLS. They share PostgreSQL, Redis (broker and cache) and the S3-compatible bucket.

Every request goes through nginx. nginx's round robin alternates the two hosts, and the test's
own nginx.conf (around the shipped site) adds the upstream that answered as a response header, so
the test sends a request to the host it names (``Portal.on``) and checks that it went there.

The reminders' bullet runs two beats, A's and a second one on B (as when beat is moved, or
started twice by mistake), and makes both find the daily sweep due at the same moment: the
schedule's last run is set back a day and both are told the schedule changed, as when each
beat's clock reaches the hour. Both queue the sweep, the workers run both, and the reminder rows
(a unique key each, the obligations locked with SKIP LOCKED) let each reminder out once.

Runs in CI's PostgreSQL phase, where .ci/run installs nginx (scripts/nginx.sh) and starts the S3
server; skipped elsewhere, saying what is missing.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import signal
import socket
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from filings.lifecycle import reminders, services
from filings.models import Attachment, Document, Filing, Jurisdiction, Obligation, Reminder
from notifications.models import Notification
from portal import storage
from portal.launcher import _die_with_parent
from tests.factories import MembershipFactory
from tests.integration import deployment
from tests.integration.conftest import ROOT, database_url_of_test_database, wait_until
from tests.integration.test_concurrency import draft_ready_to_submit
from tests.test_metrics import figure

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's
METRICS_TOKEN = "two-hosts-metrics-token"


def _missing() -> str | None:
    if connection.vendor != "postgresql":
        return "two hosts share one PostgreSQL database: DATABASE_URL is not PostgreSQL"
    if not settings.AWS_STORAGE_BUCKET_NAME:
        return "two hosts share one S3-compatible bucket: AWS_STORAGE_BUCKET_NAME is not set"
    if settings.EMBEDDED_BROKER:
        return "two hosts share one Redis broker: CELERY_BROKER_URL is not set"
    if not settings.CACHE_URL.startswith("redis"):
        return "two hosts share one Redis cache: CACHE_URL is not redis://"
    if deployment.NGINX is None:
        return "Debian's nginx is not installed (scripts/nginx.sh installs it; .ci/run runs it)"
    return None


pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(_missing() is not None, reason=_missing() or ""),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Process:
    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = None

    def start(self) -> Process:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                self.argv, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
            )  # fmt: skip
        return self

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 30) -> None:
        """By its PID; a gunicorn or Celery master stops its own children and is waited for."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signum)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def text(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class Host:
    name: str
    var_dir: Path
    port: int
    env: dict[str, str]
    web: Process | None = None
    worker: Process | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


@dataclass
class Portal:
    url: str
    plain_url: str
    certificate: Path
    hosts: dict[str, Host]
    processes: list[Process] = field(default_factory=list)
    access_log: Path | None = None
    beat_command: list[str] = field(default_factory=list)

    def browser(self) -> requests.Session:
        session = requests.Session()
        session.verify = str(self.certificate)
        session.trust_env = False  # REQUESTS_CA_BUNDLE would replace the certificate
        return session

    def upstream_of(self, response: requests.Response) -> str:
        return response.headers.get("X-Upstream", "")

    def on(self, host: str, browser, method: str, path: str, **kwargs) -> requests.Response:
        """The request, through nginx, answered by ``host`` (A or B): nginx's round robin gives
        the next request to the host that did not answer the last one."""
        wanted = self.hosts[host].address
        for _ in range(2):
            probe = browser.get(self.url + "/healthz/live", allow_redirects=False)
            if self.upstream_of(probe) != wanted:
                break
        if method == "POST":
            headers = kwargs.setdefault("headers", {})
            headers.setdefault("Origin", self.url)
            headers.setdefault("Referer", self.url + path)
            kwargs.setdefault("data", {})["csrfmiddlewaretoken"] = browser.cookies.get(
                "csrftoken"
            ) or self.csrf(browser)
        response = browser.request(method, self.url + path, allow_redirects=False, **kwargs)
        # "A, B" when nginx found A down and passed the request on to B.
        assert self.upstream_of(response).endswith(wanted), (method, path, response.headers)
        return response

    def csrf(self, browser) -> str:
        page = browser.get(self.url + reverse("login"), allow_redirects=False)
        assert "csrftoken" in browser.cookies, (page.status_code, page.headers)
        return browser.cookies["csrftoken"]

    def sign_in(self, host: str, browser, email: str, password: str = PASSWORD):
        self.csrf(browser)
        return self.on(
            host, browser, "POST", reverse("login"), data={"username": email, "password": password}
        )

    def scrape(self, host: str) -> str:
        """/metrics on the web host's own port, as Prometheus scrapes it (nginx refuses it)."""
        response = requests.get(
            f"http://{self.hosts[host].address}/metrics",
            headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return response.text

    def logs(self) -> str:
        return "\n".join(
            f"--- {process.name}\n{process.text()[-3000:]}" for process in self.processes
        )


def _answers(url: str, verify: Path | None = None) -> bool:
    try:
        return requests.get(url, timeout=2, verify=str(verify or True)).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture
def portal(tmp_path) -> Portal:
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        pytest.fail("no static files: `make setup` first (docs/deployment.md, Adding a host)")
    shanghai_hour = datetime.now(ZoneInfo(settings.TIME_ZONE)).hour
    tls_port, plain_port = free_port(), free_port()
    shared = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("EMAIL_", "SITE_", "PORT", "VAR_DIR", "PROMETHEUS_"))
    }
    # The settings every host shares (docs/deployment.md, "The settings"); the test's own
    # database, broker, cache and bucket.
    shared.update(
        {
            "DATABASE_URL": database_url_of_test_database(),
            # A broker of their own when given: the suite's session worker
            # (tests/integration/conftest.py), still running on the suite's broker, would
            # otherwise take the two hosts' tasks.
            "CELERY_BROKER_URL": os.environ.get("TWO_HOSTS_BROKER_URL")
            or settings.CELERY_BROKER_URL,
            "SECRET_KEY": settings.SECRET_KEY,
            # Every host opens what another sealed with the same ring (docs/deployment.md); on an
            # https SITE_URL a host without keys refuses to start.
            "ENCRYPTION_KEYS": settings.ENCRYPTION_KEYS,
            "SITE_URL": f"https://127.0.0.1:{tls_port}",
            "BEHIND_TLS_PROXY": "1",
            "METRICS_TOKEN": METRICS_TOKEN,
            # The daily sweep's hour is the current one, so the reminders' bullet can make beat
            # find it due (below) instead of waiting for 09:00.
            "REMINDER_HOUR": str(shanghai_hour),
            "PYTHONUNBUFFERED": "1",
        }
    )
    web, worker, beat = (
        deployment.unit(name) for name in (deployment.WEB, deployment.WORKER, deployment.BEAT)
    )
    hosts = {}
    for name in ("A", "B"):
        var_dir = tmp_path / f"host-{name}"
        metrics_dir = var_dir / "metrics"
        metrics_dir.mkdir(parents=True)
        port = free_port()
        env = {
            **shared,
            **web.environment,
            "VAR_DIR": str(var_dir),
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
            "PORTAL_BIND": f"127.0.0.1:{port}",
        }
        hosts[name] = Host(name, var_dir, port, env)

    certificate, key = deployment.certificate(tmp_path)
    site = tmp_path / "portal.conf"
    site.write_text(
        deployment.nginx_site(
            [host.address for host in hosts.values()],
            f"127.0.0.1:{tls_port}",
            f"127.0.0.1:{plain_port}",
            certificate,
            key,
        )
    )
    nginx_dir = tmp_path / "nginx"
    nginx_dir.mkdir()
    conf = deployment.nginx_conf(nginx_dir, site)

    portal = Portal(
        f"https://127.0.0.1:{tls_port}",
        f"http://127.0.0.1:{plain_port}",
        certificate,
        hosts,
        access_log=nginx_dir / "access.log",
    )
    check = None
    try:
        # "Adding a host": `check --deploy`, then the web server and the worker; one beat in all.
        # The check runs while the processes start (they refuse the same errors at start).
        check = subprocess.Popen(
            [str(ROOT / ".venv/bin/python"), "manage.py", "check", "--deploy",
             "--fail-level", "WARNING"],
            cwd=ROOT, env={**hosts["A"].env, "DEBUG": "0"}, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        for host in hosts.values():
            worker_env = {**host.env, **worker.environment, "VAR_DIR": str(host.var_dir)}
            worker_env.pop("PROMETHEUS_MULTIPROC_DIR")
            host.web = Process(
                f"web-{host.name}",
                web.command(host.env),
                host.env,
                tmp_path / f"web-{host.name}.log",
            )
            host.worker = Process(
                f"worker-{host.name}",
                worker.command(worker_env),
                worker_env,
                tmp_path / f"worker-{host.name}.log",
            )
            portal.processes += [host.web.start(), host.worker.start()]
        beat_env = {**hosts["A"].env, **beat.environment, "VAR_DIR": str(hosts["A"].var_dir)}
        beat_env.pop("PROMETHEUS_MULTIPROC_DIR")
        beat_a = Process("beat-A", beat.command(beat_env), beat_env, tmp_path / "beat-A.log")
        portal.processes.append(beat_a.start())
        portal.beat_command = beat.command(beat_env)  # for a second beat, on host B

        def ready():
            return all(
                _answers(f"http://{host.address}/healthz/ready") and " ready." in host.worker.text()
                for host in hosts.values()
            )

        started = time.monotonic()
        checked = check.communicate(timeout=120)[0]
        assert check.returncode == 0, checked
        assert wait_until(ready, timeout=150, interval=0.5), portal.logs()
        print(f"two hosts ready in {time.monotonic() - started:.1f} s")
        nginx = Process(
            "nginx",
            [
                deployment.NGINX,
                "-p",
                str(nginx_dir),
                "-c",
                str(conf),
                "-e",
                str(nginx_dir / "error.log"),
            ],
            {},
            nginx_dir / "nginx.out",
        )
        portal.processes.append(nginx.start())
        assert wait_until(
            lambda: _answers(portal.url + "/healthz/live", certificate), timeout=10
        ), (nginx_dir / "error.log").read_text()
        yield portal
    finally:
        # The last started first (nginx before the web servers, the workers and beat): each by
        # its PID, each waited for.
        if check is not None and check.poll() is None:
            check.kill()
            check.wait()
        for process in reversed(portal.processes):
            process.stop(signal.SIGQUIT if process.name == "nginx" else signal.SIGTERM)


def _pdf(size: int = 0) -> bytes:
    """A real PDF; ``size`` random bytes ride in it as an embedded file (an upload that takes
    a while to send)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment("noise.bin", os.urandom(size) + uuid.uuid4().bytes)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _upload(portal, host, browser, filing, name, content):
    path = reverse("attachment_upload", args=[filing.organization_id, filing.pk])
    return portal.on(
        host,
        browser,
        "POST",
        path,
        data={"kind": "other"},
        files={"file": (name, content, "application/pdf")},
    )


def test_two_hosts_behind_nginx_share_one_portal(portal, tmp_path):
    hosts = portal.hosts
    membership = MembershipFactory(role="admin")
    filer = membership.user
    filing = draft_ready_to_submit(membership)
    # A second beat, on host B, as when beat is moved or started twice by mistake: it starts
    # now, while the other bullets run, and stops after the reminders' bullet.
    beat_b_env = {**hosts["B"].env, "VAR_DIR": str(hosts["B"].var_dir)}
    beat_b_env.pop("PROMETHEUS_MULTIPROC_DIR")
    beat_b = Process("beat-B", portal.beat_command, beat_b_env, tmp_path / "beat-B.log").start()
    portal.processes.append(beat_b)

    # TLS ends at nginx; plain HTTP is sent there (the shipped redirect).
    plain = requests.get(portal.plain_url + "/", allow_redirects=False, timeout=10)
    assert plain.status_code == 301
    assert plain.headers["Location"].startswith("https://")
    assert portal.browser().get(portal.url + "/metrics", timeout=10).status_code == 404

    # 1. Signed in on A, uploads on B, sees the file on A.
    browser = portal.browser()
    signed_in = portal.sign_in("A", browser, filer.email)
    assert signed_in.status_code == 302, signed_in.text[:2000]
    assert browser.cookies["sessionid"]
    content = _pdf()
    uploaded = _upload(portal, "B", browser, filing, "跨主机上传.pdf", content)
    assert uploaded.status_code == 302
    attachment = Attachment.objects.get(filing=filing, original_name="跨主机上传.pdf")
    step = portal.on(
        "A",
        browser,
        "GET",
        reverse("filing_step", args=[membership.organization_id, filing.pk, "assessment"]),
    )
    assert step.status_code == 200
    assert "跨主机上传.pdf" in step.text
    download = portal.on(
        "A",
        browser,
        "GET",
        reverse("attachment_download", args=[membership.organization_id, filing.pk, attachment.pk]),
    )
    assert download.status_code == 200
    assert download.content == content
    # Nothing was written to either host's disk: every file is in the bucket.
    for host in hosts.values():
        assert not (host.var_dir / "private").exists()

    # 2. Submitted on B; the PDF is rendered by a worker and downloaded through both web hosts,
    #    one of which shares no VAR_DIR with the worker that rendered it.
    submitted = portal.on(
        "B",
        browser,
        "POST",
        reverse("filing_step", args=[membership.organization_id, filing.pk, "review"]),
        data={"truthful": "on"},
    )
    assert submitted.status_code == 302
    filing.refresh_from_db()
    assert filing.status == Filing.Status.SUBMITTED

    def rendered():
        documents = list(Document.objects.filter(filing=filing))
        return documents and all(d.status == Document.Status.READY for d in documents)

    assert wait_until(rendered, timeout=60, interval=0.5), portal.logs()
    renders = {
        name: host.worker.text().count("filings.tasks.render_document[")
        for name, host in hosts.items()
    }
    assert sum(renders.values()) >= 1, renders
    for document in Document.objects.filter(filing=filing):
        path = reverse(
            "document_download", args=[membership.organization_id, filing.pk, document.pk]
        )
        for host in ("A", "B"):
            pdf = portal.on(host, browser, "GET", path)
            assert pdf.status_code == 200
            assert pdf.content.startswith(b"%PDF")
            assert hashlib.sha256(pdf.content).hexdigest() == document.sha256

    # 3. Logged out on A: the session is gone on B too.
    dashboard = reverse("dashboard", args=[membership.organization_id])
    assert portal.on("B", browser, "GET", dashboard).status_code == 200
    assert portal.on("A", browser, "POST", reverse("logout")).status_code == 302
    after = portal.on("B", browser, "GET", dashboard)
    assert after.status_code == 302
    assert reverse("login") in after.headers["Location"]

    # 4. Failed logins on A and B count toward one lockout (3 on A and 2 on B: neither host
    #    alone reaches LOGIN_FAILURE_LIMIT = 5), and the email limits are counted once.
    target = MembershipFactory(user__email=f"lockout-{uuid.uuid4().hex[:8]}@example.com").user
    intruder = portal.browser()
    for host in ("A", "B", "A", "B", "A"):
        portal.sign_in(host, intruder, target.email, "wrong-password")
    locked = portal.sign_in("B", intruder, target.email)  # even the right password
    assert locked.status_code == 429, locked.text[:2000]
    asker = portal.browser()
    portal.csrf(asker)
    for host in ("A", "B", "A", "B"):
        asked = portal.on(
            host, asker, "POST", reverse("password_reset"), data={"email": target.email}
        )
        assert asked.status_code == 302
    assert settings.EMAIL_RATE_PER_ADDRESS == 3
    assert Notification.objects.filter(kind="password_reset", recipient=target.email).count() == 3

    # 5. The daily sweep, queued by a beat on each host, sends each reminder once. Both beats
    #    find the sweep due at the same moment: the schedule's last run is set back a day and
    #    both are told the schedule changed, as when each beat's own clock reaches 09:00.
    from django_celery_beat.models import PeriodicTask, PeriodicTasks

    organization = MembershipFactory(role="admin").organization
    MembershipFactory(organization=organization, role="editor")
    today = timezone.localdate()
    deadline = today - timedelta(days=10)
    Obligation.objects.bulk_create(
        Obligation(
            organization=organization, kind="change", regime="cac-2023-draft",
            office=Jurisdiction.objects.get(code="440300"),
            trigger_date=deadline - timedelta(days=50),
            deadline=deadline, deadline_final=True, next_reminder_on=reminders.first_look(deadline),
        )
        for _ in range(20)
    )  # fmt: skip
    assert wait_until(lambda: "beat: Starting..." in beat_b.text(), timeout=30), beat_b.text()
    time.sleep(6)  # each beat has read the schedule and written it back once (its first tick)
    PeriodicTask.objects.filter(name="send-reminders").update(
        last_run_at=timezone.now() - timedelta(days=1)
    )
    PeriodicTasks.update_changed()
    beat_a = next(process for process in portal.processes if process.name == "beat-A")
    both_sent = wait_until(
        lambda: all("Sending due task send-reminders" in b.text() for b in (beat_a, beat_b)),
        timeout=20,
    )
    assert both_sent, beat_a.text()[-2000:] + beat_b.text()[-2000:]

    def sweeps_done():
        return sum(
            len(re.findall(r"send_reminders\[[^\]]+\] succeeded", host.worker.text()))
            for host in hosts.values()
        )

    assert wait_until(lambda: sweeps_done() == 2, timeout=60), portal.logs()
    beat_b.stop()
    sent = Reminder.objects.filter(obligation__organization=organization)
    assert sent.count() == 20
    assert sent.values("obligation").distinct().count() == 20
    assert (
        Notification.objects.filter(
            kind="deadline_reminder", recipient__in=organization.memberships.values("user__email")
        ).count()
        == 40
    )

    # 6. Metrics: each web host reports the shared figures the same, and the latency of the
    #    views it served.
    (kind,) = set(sent.values_list("kind", flat=True))
    texts = {host: portal.scrape(host) for host in ("A", "B")}
    for text in texts.values():
        assert figure(text, "portal_reminders_sent_total", kind=kind) == 20
        assert figure(text, "portal_documents", status="pending") == 0
        assert "portal_celery_queue_depth" in text
    latency = "portal_request_duration_seconds_count"
    assert figure(texts["A"], latency, view="login", method="POST", status="302") >= 1
    assert figure(texts["B"], latency, view="attachment_upload", method="POST", status="302") >= 1

    # 7. Host A stops (gunicorn's quick shutdown: requests in flight are cut) while three
    #    browsers upload: every upload that was answered is kept, whole, and served by B.
    second = MembershipFactory(user=filer, role="admin")
    draft = services.start_initial_filing(second.organization, filer)
    browser = portal.browser()
    assert portal.sign_in("A", browser, filer.email).status_code == 302
    results, lock = [], threading.Lock()

    def uploads(thread: int):
        own = portal.browser()
        own.cookies.update(browser.cookies)
        for number in range(4):
            name = f"upload-{thread}-{number}.pdf"
            content = _pdf(size=1_000_000)
            path = reverse("attachment_upload", args=[draft.organization_id, draft.pk])
            try:
                response = own.post(
                    portal.url + path,
                    data={"kind": "other", "csrfmiddlewaretoken": own.cookies["csrftoken"]},
                    files={"file": (name, content, "application/pdf")},
                    headers={"Origin": portal.url, "Referer": portal.url + path},
                    allow_redirects=False,
                    timeout=60,
                )
                outcome = (response.status_code, portal.upstream_of(response))
            except requests.RequestException as error:
                outcome = (type(error).__name__, "")
            with lock:
                results.append((name, content, *outcome))

    threads = [threading.Thread(target=uploads, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    assert wait_until(
        lambda: any(r[2] == 302 and r[3] == hosts["A"].address for r in results), timeout=60
    ), results
    hosts["A"].web.stop(signal.SIGQUIT)
    for thread in threads:
        thread.join(timeout=120)
    acknowledged = [r for r in results if r[2] == 302]
    assert len(results) == 12
    assert any(r[3].endswith(hosts["B"].address) for r in acknowledged)
    for name, content, *_ in acknowledged:
        (kept,) = Attachment.objects.filter(filing=draft, original_name=name)
        assert kept.sha256 == hashlib.sha256(content).hexdigest()
        got = browser.get(
            portal.url
            + reverse("attachment_download", args=[draft.organization_id, draft.pk, kept.pk])
        )
        assert got.status_code == 200
        assert got.content == content
        assert portal.upstream_of(got).endswith(hosts["B"].address)
    # A cut upload (nginx's 502, or the 500 of the gunicorn worker that quit in the middle of
    # it) was never acknowledged: the browser sends it again, and B takes it.
    for name, content, *_ in (r for r in results if r[2] != 302):
        again = _upload(portal, "B", browser, draft, name, content)
        assert again.status_code == 302
        assert Attachment.objects.filter(filing=draft, original_name=name).exists()
    # What was cut is not half-kept: every row has its whole file in the bucket.
    for row in Attachment.objects.filter(filing=draft):
        assert storage.sha256_of(default_storage, row.file.name) == row.sha256
    print(
        f"uploads: {len(acknowledged)} answered, {len(results) - len(acknowledged)} cut "
        f"({sorted({str(r[2]) for r in results})}); renders by worker: {renders}"
    )
    with contextlib.suppress(Exception):
        storage.close_connections(default_storage)
