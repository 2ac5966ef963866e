"""`make run`'s launcher: which processes it starts, and what it does when one of them exits."""

import signal
import threading
import time

import pytest

from portal import launcher
from portal.launcher import Child, Launcher


@pytest.fixture(autouse=True)
def _short_pauses(monkeypatch):
    monkeypatch.setattr(launcher, "FIRST_PAUSE", 0.05)


def shell(name: str, script: str, tmp_path) -> Child:
    return Child(name, ["/bin/sh", "-c", script], {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})


def test_a_process_that_keeps_exiting_stops_the_portal_with_one_line_of_reason(tmp_path, capsys):
    crashing = shell("worker", "exit 3", tmp_path)
    healthy = shell("web", "exec sleep 60", tmp_path)
    started = time.monotonic()
    code = Launcher([healthy, crashing], broker=None, broker_socket=None).run()
    output = capsys.readouterr().out
    assert code == 1
    assert output.count("worker | started with pid") == launcher.MAX_EXITS
    assert (
        "STOPPED: worker exited 5 times within 60 s (last exit code 3); stopping the portal"
        in output
    )
    # No spinning: the pauses between restarts doubled, and the healthy process was stopped.
    assert "restarting it in 0.05 s" in output
    assert "restarting it in 0.4 s" in output
    assert time.monotonic() - started < 10
    assert healthy.process.poll() is not None


def test_a_process_that_exits_once_is_restarted_and_the_rest_keeps_running(tmp_path, capsys):
    marker = tmp_path / "crashed-once"
    flaky = shell(
        "beat", f"if [ -e {marker} ]; then exec sleep 60; else touch {marker}; exit 2; fi", tmp_path
    )
    web = shell("web", "exec sleep 60", tmp_path)
    portal = Launcher([web, flaky], broker=None, broker_socket=None)

    def stop_once_restarted():
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (marker.exists() and flaky.running()):
            time.sleep(0.05)
        time.sleep(0.3)
        portal._on_signal(2, None)  # what Ctrl-C does

    threading.Thread(target=stop_once_restarted).start()
    code = portal.run()
    output = capsys.readouterr().out
    assert code == 0
    assert "beat exited with code 2; restarting it in 0.05 s (1 of 5 exits allowed" in output
    assert output.count("beat   | started with pid") == 2
    assert output.count("web    | started with pid") == 1  # the web server was never touched
    assert "portal | stopped" in output
    assert web.process.poll() is not None
    assert flaky.process.poll() is not None


def test_the_launcher_gives_back_the_signal_handlers_it_took(tmp_path):
    before = signal.getsignal(signal.SIGINT)
    Launcher([shell("web", "exit 1", tmp_path)], broker=None, broker_socket=None).run()
    assert signal.getsignal(signal.SIGINT) is before


def test_without_a_broker_url_redis_is_started_first_and_every_process_links_to_the_web_port(
    tmp_path,
):
    portal = launcher.build({"PATH": "/usr/bin:/bin", "PORT": "8765", "VAR_DIR": str(tmp_path)})
    assert portal.broker.name == "redis"
    assert "--unixsocket" in portal.broker.argv
    assert str(tmp_path / "redis" / "redis.sock") in portal.broker.argv
    assert [child.name for child in portal.children] == ["web", "worker", "beat"]
    for child in portal.all():
        assert child.env["SITE_URL"] == "http://127.0.0.1:8765"
        assert child.env["PORT"] == "8765"


def test_with_a_broker_url_no_local_redis_is_started(tmp_path):
    portal = launcher.build(
        {"PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path), "CELERY_BROKER_URL": "redis://h:6379/0"}
    )
    assert portal.broker is None
    assert [child.name for child in portal.all()] == ["web", "worker", "beat"]


def test_a_site_url_that_is_set_is_kept(tmp_path):
    portal = launcher.build(
        {"PATH": "/usr/bin", "VAR_DIR": str(tmp_path), "SITE_URL": "https://filing.example.gov.cn"}
    )
    assert {child.env["SITE_URL"] for child in portal.all()} == {"https://filing.example.gov.cn"}
