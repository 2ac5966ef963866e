"""The deployment files shipped under deploy/ (issue 26): the systemd units of the web server,
the worker and the one beat, and the nginx site. systemd reads the units without a complaint;
their commands are the Procfile's (what `make run` runs) and the ones docs/deployment.md shows,
and tests/integration/test_two_hosts.py runs exactly them (it reads them with
tests.integration.deployment); nginx accepts the site as the two-host test runs it, and
docs/deployment.md shows that file as it is."""

import re
import shlex
import shutil
import subprocess

import pytest
from honcho.environ import parse_procfile

from tests.integration import deployment

ROOT = deployment.ROOT
GUIDE = (ROOT / "docs" / "deployment.md").read_text()
PROCESSES = {"web": deployment.WEB, "worker": deployment.WORKER, "beat": deployment.BEAT}


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_reads_the_units_without_a_complaint(tmp_path):
    for path in deployment.UNITS.glob("*.service"):
        # Installed where the units say (/opt/portal): here, this checkout.
        (tmp_path / path.name).write_text(path.read_text().replace("/opt/portal", str(ROOT)))
    units = sorted(str(path) for path in tmp_path.glob("*.service"))
    assert len(units) == 3
    verified = subprocess.run(
        ["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=60
    )
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout + verified.stderr == ""


@pytest.mark.parametrize("process", PROCESSES)
def test_each_unit_runs_the_procfiles_command(process):
    """What `make run` runs on one machine is what each host runs: only the address differs."""
    unit = deployment.unit(PROCESSES[process])
    procfile = parse_procfile((ROOT / "Procfile").read_text()).processes[process]
    expected = [
        str(ROOT / word) if word.startswith(".venv/") else word
        for word in shlex.split(procfile.replace("$PORT", "8000"))
    ]
    assert unit.command({**unit.environment, "PORTAL_BIND": "127.0.0.1:8000"}) == expected


@pytest.mark.parametrize("process", PROCESSES)
def test_the_guide_shows_each_units_command(process):
    exec_start = deployment.unit(PROCESSES[process]).value("Service", "ExecStart")
    assert f"`{exec_start}`" in GUIDE


def test_the_units_share_the_settings_file_and_keep_their_own_scratch_folder():
    for name in PROCESSES.values():
        unit = deployment.unit(name)
        assert unit.value("Service", "EnvironmentFile") == "/etc/portal/portal.env"
        assert unit.value("Service", "WorkingDirectory") == deployment.INSTALLED_AT
        assert unit.environment["VAR_DIR"] == "/var/lib/portal"
        assert unit.value("Service", "Restart") == "on-failure"


def test_only_the_beat_unit_runs_beat():
    """Exactly one beat in the deployment: a worker started with -B would be a beat per host."""
    worker = deployment.unit(deployment.WORKER).value("Service", "ExecStart")
    assert "beat" not in shlex.split(worker)
    assert not {"-B", "--beat"} & set(shlex.split(worker))
    assert shlex.split(deployment.unit(deployment.BEAT).value("Service", "ExecStart"))[3] == "beat"


def test_the_web_units_metrics_folder_is_emptied_at_each_start():
    web = deployment.unit(deployment.WEB)
    folder = web.environment["PROMETHEUS_MULTIPROC_DIR"]
    # systemd creates a RuntimeDirectory afresh at each start and removes it at each stop.
    assert folder == "/run/" + web.value("Service", "RuntimeDirectory")


def test_the_guide_shows_the_nginx_site_as_shipped():
    blocks = re.findall(r"```nginx\n(.*?)```", GUIDE, re.S)
    assert blocks == [deployment.NGINX_SITE.read_text()]


@pytest.mark.skipif(
    deployment.NGINX is None,
    reason="Debian's nginx is not installed (scripts/nginx.sh)",
)
def test_nginx_accepts_the_site_as_the_two_host_test_runs_it(tmp_path):
    certificate, key = deployment.certificate(tmp_path)
    site = tmp_path / "portal.conf"
    site.write_text(
        deployment.nginx_site(
            ["127.0.0.1:8001", "127.0.0.1:8002"],
            "127.0.0.1:8443",
            "127.0.0.1:8080",
            certificate,
            key,
        )
    )
    folder = tmp_path / "nginx"
    folder.mkdir()
    conf = deployment.nginx_conf(folder, site)
    tested = subprocess.run(
        [deployment.NGINX, "-t", "-p", folder, "-c", conf, "-e", folder / "error.log"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert tested.returncode == 0, tested.stderr
    assert "test is successful" in tested.stderr
