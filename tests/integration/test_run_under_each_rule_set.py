"""The README's run command starts the portal on a fresh VAR_DIR under each rule set: migrate, the
demo, the rule set applied, then Redis, the web server, the worker and beat. Run as `make run`
runs it (its --prepare steps are read from the Makefile), with nothing configured but the rule
set, and stopped with Ctrl-C."""

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.integration.conftest import ROOT, wait_until

pytestmark = pytest.mark.integration


def run_target_prepare_steps() -> list[str]:
    """The --prepare commands of the Makefile's run target, with $(PY) as this interpreter."""
    makefile = (ROOT / "Makefile").read_text()
    target = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    steps = re.findall(r'--prepare "([^"]+)"|--prepare (\S+)', target)
    return [(quoted or bare).replace("$(PY)", sys.executable) for quoted, bare in steps]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return 0, ""


@pytest.mark.parametrize(
    ("regime", "office", "people"),
    [("cac-2023-draft", "440300", 12_500), ("cac-2025-measures", "440000", 125_000)],
)
def test_the_run_command_starts_the_portal_with_its_demo(tmp_path, regime, office, people):
    steps = run_target_prepare_steps()
    assert any("load_demo" in step for step in steps)
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CELERY_", "EMAIL_", "SITE_", "PORT", "DATABASE_URL", "CACHE_"))
        and key not in ("DRAFT_APPLIES_FROM", "VAR_DIR")
    }
    env.update(
        {
            "FILING_REGIME": regime,
            "VAR_DIR": str(tmp_path),
            "PORT": str(port),
            "PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
        }
    )
    arguments = [argument for step in steps for argument in ("--prepare", step)]
    log_path = tmp_path / "launcher.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "portal.launcher", *arguments],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        up = wait_until(lambda: get(base + "/healthz")[0] == 200, timeout=240, interval=1)
        assert up, log_path.read_text()[-5000:]
        with sqlite3.connect(tmp_path / "db.sqlite3") as database:
            filings = database.execute(
                "SELECT f.kind, f.status, f.regime, j.code, f.filing_number FROM filings_filing f"
                " JOIN filings_jurisdiction j ON j.id = f.office_id ORDER BY f.id"
            ).fetchall()
            reviewer_office = database.execute(
                "SELECT j.code FROM filings_reviewer r JOIN filings_jurisdiction j"
                " ON j.id = r.office_id"
            ).fetchone()[0]
            stored = database.execute(
                "SELECT MAX(people_stored) FROM filings_recognitionsystem"
            ).fetchone()[0]
        assert {(kind, status) for kind, status, *_rest in filings} == {
            ("initial", "submitted"),
            ("initial", "filed"),
            ("change", "submitted"),
        }
        assert {row[2] for row in filings} == {regime}
        assert {row[3] for row in filings} == {office}
        assert reviewer_office == office
        assert stored >= people
        number = next(row[4] for row in filings if row[1] == "filed")
        status, page = get(f"{base}/verify/?number={urllib.parse.quote(number)}")
        assert status == 200
        assert "深圳演示科技有限公司" in page
        status, home = get(base + "/")
        assert status == 200
        if regime == "cac-2025-measures":
            assert "人脸识别技术应用安全管理办法" in home
        else:
            assert "征求意见稿，未施行" in home
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    assert "stopped" in log_path.read_text()
