"""`make run` prints no warning a newcomer can do nothing about (issue 25, section 3): Celery's
"running the worker with superuser privileges" is quieted where the launcher runs as root; Redis's
"Memory overcommit must be enabled" needs the host's sysctl, which the README explains."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal import launcher

REAL_EUID = os.geteuid()
ROOT = Path(__file__).resolve().parent.parent
# What the worker runs at start (celery.apps.worker.Worker.on_before_init), as the portal is
# configured: JSON only, so Celery warns a root worker rather than refusing it.
CHECK = "from celery.platforms import check_privileges; check_privileges({'json'})"


def privileges_checked(env: dict) -> str:
    return subprocess.run(
        [sys.executable, "-c", CHECK], env=env, capture_output=True, text=True, check=True
    ).stderr


def test_the_worker_started_by_the_launcher_as_root_does_not_warn(tmp_path, monkeypatch):
    monkeypatch.setattr(launcher.os, "geteuid", lambda: 0)
    portal = launcher.build({"PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path)})
    (worker,) = [child for child in portal.children if child.name == "worker"]
    assert worker.env["PYTHONWARNINGS"] == launcher.ROOT_WORKER_WARNING_IGNORED
    if REAL_EUID != 0:
        pytest.skip("Celery warns only a root process")
    assert "superuser privileges" in privileges_checked({"PATH": "/usr/bin:/bin"})
    assert privileges_checked({"PATH": "/usr/bin:/bin", **worker_env(worker)}) == ""


def worker_env(worker) -> dict:
    return {"PYTHONWARNINGS": worker.env["PYTHONWARNINGS"]}


def test_a_non_root_launcher_leaves_the_warnings_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(launcher.os, "geteuid", lambda: 1000)
    portal = launcher.build({"PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path)})
    assert all("PYTHONWARNINGS" not in child.env for child in portal.children)


def test_the_readme_explains_the_redis_overcommit_warning():
    readme = (ROOT / "README.md").read_text()
    assert "vm.overcommit_memory" in readme
