"""`make run`: the whole portal in one terminal, kept up.

Starts the processes of the Procfile (web server, Celery worker, Celery beat) and, when no
CELERY_BROKER_URL is given, first the embedded Redis they share (``portal.embedded_redis``). Their
output is interleaved on the console, each line prefixed with the process's name.

What happens when one of them exits on its own: it is started again after a pause that doubles each
time (1 s, 2 s, 4 s, … at most 30 s). A process that exits ``MAX_EXITS`` times within ``WINDOW``
seconds is not restarted in a loop: everything stops, with one line that says which process and its
last exit code. Ctrl-C (or SIGTERM) stops the web server, beat and the worker first (the worker
finishes or hands back its current task), then Redis, which writes its append-only file; every
process is waited for.

Every process gets the same SITE_URL, built from the web server's port unless SITE_URL is set, so
the links that the worker writes into PDFs and emails point at the web server.

Run as ``python -m portal.launcher [--prepare COMMAND]…`` (the Makefile does, with the migrations
and the demo data as commands to run once Redis answers and before the Procfile's processes start).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from honcho.environ import parse_procfile

ROOT = Path(__file__).resolve().parent.parent
MAX_EXITS = 5
WINDOW = 60.0
FIRST_PAUSE = 1.0
MAX_PAUSE = 30.0
STOP_TIMEOUT = 20.0

_print_lock = threading.Lock()


def say(name: str, line: str) -> None:
    stamp = datetime.now().strftime("%H:%M:%S")
    with _print_lock:
        sys.stdout.write(f"{stamp} {name:<7}| {line}\n")
        sys.stdout.flush()


def _die_with_parent() -> None:
    """In the child: receive SIGTERM if the launcher itself is killed, so nothing is orphaned."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    process: subprocess.Popen | None = None
    exits: deque = field(default_factory=deque)
    restart_at: float | None = None
    last_code: int | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the launcher alone; it stops them in order
            preexec_fn=_die_with_parent,
        )
        self.restart_at = None
        say(self.name, f"started with pid {self.process.pid}")
        threading.Thread(target=self._pump, args=(self.process,), daemon=True).start()

    def _pump(self, process: subprocess.Popen) -> None:
        for raw in process.stdout:
            say(self.name, raw.decode(errors="replace").rstrip("\n"))
        process.stdout.close()

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM to the process (not its group: Celery's pool children are its to stop)."""
        if not self.running():
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            say(self.name, f"did not stop within {timeout:.0f} s; killing it")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class Launcher:
    def __init__(
        self,
        children: list[Child],
        broker: Child | None,
        broker_socket: Path | None,
        prepare: list[str] = (),
    ):
        self.children = children
        self.prepare = list(prepare)
        self.broker = broker
        self.broker_socket = broker_socket
        self.stopping = False
        self.reason: str | None = None

    def all(self) -> list[Child]:
        return ([self.broker] if self.broker else []) + self.children

    def run(self) -> int:
        self._previous_handlers = {
            signum: signal.signal(signum, self._on_signal)
            for signum in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            if self.broker:
                self.broker.start()
                if not self._broker_ready():
                    self.reason = "the embedded Redis did not start; see its lines above"
                    return self._shutdown(1)
            for command in self.prepare:
                # Migrations and the demo data, once the broker can take the work they queue.
                env = self.children[0].env
                done = subprocess.run(["/bin/sh", "-c", command], cwd=ROOT, env=env)
                if done.returncode != 0:
                    self.reason = f"`{command}` failed with exit code {done.returncode}"
                    return self._shutdown(1)
            for child in self.children:
                child.start()
            while not self.stopping:
                self._watch()
                time.sleep(0.2)
        except BaseException:
            self.reason = self.reason or "the launcher itself failed"
            self._shutdown(1)
            raise
        return self._shutdown(0 if self.reason is None else 1)

    def _broker_ready(self) -> bool:
        from portal import embedded_redis

        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if not self.broker.running():
                return False
            if embedded_redis.answers(self.broker_socket):
                return True
            time.sleep(0.05)
        return False

    def _on_signal(self, signum, frame) -> None:
        if not self.stopping:
            say("portal", "stopping (signal received)")
        self.stopping = True

    def _watch(self) -> None:
        now = time.monotonic()
        for child in self.all():
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.start()
                continue
            if child.running():
                continue
            child.last_code = child.process.returncode
            child.exits.append(now)
            while child.exits and now - child.exits[0] > WINDOW:
                child.exits.popleft()
            if len(child.exits) >= MAX_EXITS:
                self.reason = (
                    f"{child.name} exited {len(child.exits)} times within {WINDOW:.0f} s "
                    f"(last exit code {child.last_code}); stopping the portal"
                )
                self.stopping = True
                return
            pause = min(FIRST_PAUSE * 2 ** (len(child.exits) - 1), MAX_PAUSE)
            say(
                "portal",
                f"{child.name} exited with code {child.last_code}; restarting it in {pause:g} s "
                f"({len(child.exits)} of {MAX_EXITS} exits allowed within {WINDOW:.0f} s)",
            )
            child.restart_at = now + pause

    def _shutdown(self, code: int) -> int:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not orphan anything
        threads = [threading.Thread(target=child.stop) for child in self.children]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if self.broker:
            self.broker.stop()
        if self.reason:
            say("portal", f"STOPPED: {self.reason}")
        else:
            say("portal", "stopped")
        for signum, handler in self._previous_handlers.items():
            signal.signal(signum, handler)
        return code


# A -W filter: the start of Celery's message, matched case-insensitively (it has no comma or colon).
ROOT_WORKER_WARNING_IGNORED = "ignore:You're running the worker with superuser privileges"


def build(environ: dict[str, str] | None = None, prepare: list[str] = ()) -> Launcher:
    """The processes to run, from the Procfile and the settings, with their environment."""
    env = dict(os.environ if environ is None else environ)
    env.setdefault("PORT", "8000")
    env.setdefault("SITE_URL", f"http://127.0.0.1:{env['PORT']}")
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    if os.geteuid() == 0 and not env.get("PYTHONWARNINGS"):
        # Celery warns a worker run as root, to every newcomer of a container where everything
        # runs as root. It only warns (the worker accepts JSON alone, never pickle); production
        # runs the worker as its own user (docs/deployment.md), where the warning still shows.
        env["PYTHONWARNINGS"] = ROOT_WORKER_WARNING_IGNORED

    from portal import embedded_redis

    var_dir = Path(env.get("VAR_DIR") or ROOT / "var")
    if not var_dir.is_absolute():
        var_dir = ROOT / var_dir
    broker = broker_socket = None
    if not env.get("CELERY_BROKER_URL"):
        embedded_redis.folder(var_dir).mkdir(parents=True, exist_ok=True)
        argv = embedded_redis.command(var_dir, persist=True)
        broker = Child("redis", argv, env)
        broker_socket = embedded_redis.socket_path(var_dir)

    procfile = parse_procfile((ROOT / "Procfile").read_text())
    children = [
        Child(name, ["/bin/sh", "-c", f"exec {command}"], env)
        for name, command in procfile.processes.items()
    ]
    return Launcher(children, broker, broker_socket, prepare)


def main(argv: list[str] | None = None) -> int:
    import argparse

    from portal.embedded_redis import EmbeddedRedisError

    parser = argparse.ArgumentParser(prog="python -m portal.launcher", description=__doc__)
    parser.add_argument(
        "--prepare",
        action="append",
        default=[],
        metavar="COMMAND",
        help="a shell command run to its end once the broker answers, before the Procfile starts",
    )
    options = parser.parse_args(argv)
    try:
        launcher = build(prepare=options.prepare)
    except EmbeddedRedisError as error:
        say("portal", f"cannot start: {error}")
        return 1
    return launcher.run()


if __name__ == "__main__":
    sys.exit(main())
