"""The Redis that the portal starts itself when no CELERY_BROKER_URL is given.

Debian's ``redis-server`` on a unix socket under ``VAR_DIR`` (no TCP port, so nothing else on the
machine can reach it), with an append-only file beside it so that queued work survives a restart.
``make run`` starts it as a process of its own (``portal.launcher``); ``make test`` starts a
throwaway one under ``var/test`` (``tests/conftest.py``). Nothing here imports Django.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

SCHEME = "redis+socket://"
# sockaddr_un.sun_path holds 108 bytes on Linux, the terminating NUL included.
MAX_SOCKET_PATH = 107


class EmbeddedRedisError(RuntimeError):
    """The embedded Redis cannot be started here; the message says why and what to do."""


def folder(var_dir: Path) -> Path:
    return Path(var_dir) / "redis"


def socket_path(var_dir: Path) -> Path:
    return folder(var_dir) / "redis.sock"


def broker_url(var_dir: Path) -> str:
    """kombu's form of a unix-socket Redis URL: the scheme, then the absolute path."""
    return SCHEME + str(socket_path(Path(var_dir).resolve()))


def socket_of(url: str) -> Path | None:
    """The socket path of an embedded-style URL, or None for any other broker URL."""
    if not url.startswith(SCHEME):
        return None
    return Path(url[len(SCHEME) :].split("?", 1)[0])


def command(var_dir: Path, *, persist: bool = True) -> list[str]:
    """The redis-server command line: socket only, append-only persistence unless told not to."""
    executable = shutil.which("redis-server")
    if executable is None:
        raise EmbeddedRedisError(
            "redis-server is not installed; `make setup` installs it (Debian: apt-get install "
            "redis-server), or set CELERY_BROKER_URL to a Redis you run yourself."
        )
    sock = socket_path(var_dir)
    if len(str(sock)) > MAX_SOCKET_PATH:
        raise EmbeddedRedisError(
            f"the socket path {sock} is longer than {MAX_SOCKET_PATH} characters, the limit of a "
            "unix socket; choose a shorter VAR_DIR."
        )
    return [
        executable,
        "--port", "0",
        "--unixsocket", str(sock),
        "--unixsocketperm", "700",
        "--dir", str(folder(var_dir)),
        "--appendonly", "yes" if persist else "no",
        "--appendfsync", "everysec",
        "--save", "",
        "--daemonize", "no",
        "--loglevel", "warning",
        "--logfile", "",
    ]  # fmt: skip


def no_retries() -> Retry:
    """redis-py retries a failed command with backoff by default: seconds lost when probing."""
    return Retry(NoBackoff(), 0)


def answers(sock: Path, timeout: float = 0.5) -> bool:
    """True when a Redis answers PING on the socket."""
    client = redis.Redis(unix_socket_path=str(sock), socket_timeout=timeout, retry=no_retries())
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


def wait_until_ready(process: subprocess.Popen, sock: Path, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EmbeddedRedisError(f"redis-server exited with code {process.returncode}")
        if answers(sock):
            return
        time.sleep(0.02)
    raise EmbeddedRedisError(f"redis-server did not answer on {sock} within {timeout:.0f} s")


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM (Redis writes its append-only file and exits), then SIGKILL if it hangs; waits."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def running(var_dir: Path, *, persist: bool = False) -> Iterator[Path]:
    """A Redis on the socket for the duration of the block (the test suite's broker).

    One that already answers there is used and left alone: it belongs to whoever started it.
    """
    sock = socket_path(var_dir)
    if answers(sock):
        yield sock
        return
    folder(var_dir).mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        command(var_dir, persist=persist), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        try:
            wait_until_ready(process, sock)
        except EmbeddedRedisError as error:
            stop(process)
            detail = (
                process.stderr.read().decode(errors="replace").strip() if process.stderr else ""
            )
            raise EmbeddedRedisError(f"{error}: {detail}" if detail else str(error)) from None
        yield sock
    finally:
        stop(process)
        if process.stderr:
            process.stderr.close()
