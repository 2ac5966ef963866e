"""The shipped deployment files, read as a service manager and nginx would read them: the systemd
units under deploy/systemd/ and the nginx site under deploy/nginx/. The two-host test runs their
commands and their configuration; the units' test checks them. Nothing here imports Django."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
NGINX_SITE = ROOT / "deploy" / "nginx" / "portal.conf"
# The units' WorkingDirectory: where `make setup` installed the portal.
INSTALLED_AT = "/opt/portal"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


@dataclass
class Unit:
    name: str
    sections: dict[str, list[tuple[str, str]]]

    def values(self, section: str, key: str) -> list[str]:
        return [value for name, value in self.sections.get(section, []) if name == key]

    def value(self, section: str, key: str) -> str:
        (found,) = self.values(section, key)
        return found

    @property
    def environment(self) -> dict[str, str]:
        """The unit's own Environment= assignments (the shared settings come from its
        EnvironmentFile)."""
        env = {}
        for line in self.values("Service", "Environment"):
            for assignment in shlex.split(line):
                key, _, value = assignment.partition("=")
                env[key] = value
        return env

    def command(self, env: dict[str, str], root: Path = ROOT) -> list[str]:
        """ExecStart as systemd runs it, for a checkout at ``root`` instead of /opt/portal:
        ${NAME} expanded from the environment, then split into words."""
        exec_start = self.value("Service", "ExecStart")
        missing = [name for name in re.findall(r"\$\{(\w+)\}", exec_start) if name not in env]
        assert not missing, f"{self.name}: ExecStart needs {missing}"
        expanded = re.sub(r"\$\{(\w+)\}", lambda match: env[match.group(1)], exec_start)
        return [
            str(root) + word[len(INSTALLED_AT) :] if word.startswith(INSTALLED_AT + "/") else word
            for word in shlex.split(expanded)
        ]


def unit(name: str) -> Unit:
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for raw in (UNITS / name).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        key, _, value = line.partition("=")
        current.append((key.strip(), value.strip()))
    return Unit(name, sections)


WEB, WORKER, BEAT = "portal-web.service", "portal-worker.service", "portal-beat.service"


def nginx_site(
    upstreams: list[str], tls_listen: str, plain_listen: str, certificate: Path, key: Path
) -> str:
    """deploy/nginx/portal.conf with only its addresses and the certificate's paths replaced.
    Each replaced line must be found as shipped: a reshaped file fails here, not silently."""
    text = NGINX_SITE.read_text()
    server_line = r"^    server (\S+) (max_fails=\S+ fail_timeout=\S+);$"
    shipped_servers = re.findall(server_line, text, re.M)
    assert len(shipped_servers) == 2, "the shipped upstream names two web hosts"
    options = shipped_servers[0][1]
    servers = "".join(f"    server {address} {options};\n" for address in upstreams)
    text, count = re.subn(r"(?:" + server_line[:-1] + r"\n)+", servers, text, flags=re.M)
    assert count == 1
    for old, new in [
        ("    listen 443 ssl;", f"    listen {tls_listen} ssl;"),
        ("    listen 80;", f"    listen {plain_listen};"),
        ("/etc/ssl/portal/fullchain.pem;", f"{certificate};"),
        ("/etc/ssl/portal/privkey.pem;", f"{key};"),
    ]:
        assert text.count(old) == 1, f"deploy/nginx/portal.conf no longer has {old!r}"
        text = text.replace(old, new)
    return text


def certificate(folder: Path) -> tuple[Path, Path]:
    certificate, key = folder / "fullchain.pem", folder / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(certificate), "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return certificate, key


def nginx_conf(folder: Path, site: Path) -> Path:
    """Around the shipped site: a foreground nginx whose every file is in the test's folder."""
    for temp in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / temp).mkdir()
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""{"user root;" if os.geteuid() == 0 else ""}
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log info;
events {{ worker_connections 256; }}
http {{
    log_format upstreams '$request_method $request_uri $status $upstream_addr';
    access_log {folder}/access.log upstreams;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    # The test's only addition: which web host answered.
    add_header X-Upstream $upstream_addr always;
    include {site};
}}
"""
    )
    return conf
