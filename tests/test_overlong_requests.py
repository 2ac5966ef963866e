"""A request line or a header field too long is answered by the portal, in the API's error shape
under /api/ (414, 431), not by gunicorn's HTML page: gunicorn.conf.py lets such requests through
up to gunicorn's own hard maximum, and api.middleware.OverlongRequestMiddleware refuses them.
Past gunicorn's maximum (a request line over 8190 bytes) gunicorn answers, as README says."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from api.middleware import MAX_HEADER_FIELD, MAX_REQUEST_LINE

ROOT = Path(__file__).resolve().parent.parent


def test_an_over_long_request_line_is_a_414_in_the_error_shape(client):
    response = client.get("/api/v1/systems/", {"q": "a" * MAX_REQUEST_LINE})
    assert response.status_code == 414
    assert response["Content-Type"] == "application/json"
    [error] = response.json()["errors"]
    assert error["code"] == "uri_too_long"
    assert "4094" in error["message"]
    assert "X-Request-ID" in response
    english = client.get(
        "/api/v1/systems/", {"q": "a" * MAX_REQUEST_LINE}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.json()["errors"][0]["message"].startswith("The request line is longer")


def test_an_over_long_header_is_a_431_in_the_error_shape(client):
    response = client.get("/api/v1/systems/", HTTP_X_PADDING="a" * MAX_HEADER_FIELD)
    assert response.status_code == 431
    assert response.json()["errors"][0]["code"] == "header_too_large"


@pytest.mark.django_db
def test_a_request_within_the_limits_reaches_the_api(client):
    # Unauthenticated: the view answers (401), not the length check.
    response = client.get("/api/v1/systems/", {"q": "a" * 3000}, HTTP_X_PADDING="a" * 8000)
    assert response.status_code == 401


@pytest.mark.django_db
def test_the_pages_keep_their_own_checks(client):
    """Only the API answers by length; a page's long query is judged by its value
    (tests/test_unstorable_text.py: the admin's search of 10,000 characters still runs)."""
    response = client.get("/check/", {"q": "a" * MAX_REQUEST_LINE})
    assert response.status_code == 200


# --- Under gunicorn, with the project's gunicorn.conf.py -----------------------------------------


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    """gunicorn started from the project's directory (so it reads gunicorn.conf.py), stopped by
    its PID."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "VAR_DIR": str(tmp_path_factory.mktemp("gunicorn-var")),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def raw_get(port: int, target: str, headers: str = "") -> tuple[int, str, str]:
    request = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}Connection: close\r\n\r\n"
    for attempt in range(5):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=20) as connection:
                connection.sendall(request.encode())
                data = b""
                while chunk := connection.recv(65536):
                    data += chunk
            break
        except ConnectionResetError:
            # gunicorn closes a refused request with bytes of it still unread: the reset may
            # reach this side before its answer is read.
            if attempt == 4:
                raise
    head, _sep, body = data.decode("utf-8", "replace").partition("\r\n\r\n")
    status = int(head.split(" ", 2)[1])
    return status, head, body


def test_gunicorn_lets_the_portal_answer_an_over_long_request_line(gunicorn):
    status, head, body = raw_get(gunicorn, "/api/v1/systems/?q=" + "a" * 6000)
    assert status == 414
    assert "application/json" in head
    assert '"uri_too_long"' in body


def test_gunicorn_lets_the_portal_answer_an_over_long_header(gunicorn):
    status, head, body = raw_get(gunicorn, "/api/v1/systems/", f"X-Padding: {'a' * 12000}\r\n")
    assert status == 431
    assert '"header_too_large"' in body


def test_past_gunicorns_own_maximum_gunicorn_answers(gunicorn):
    """What README says is left: a request line over 8190 bytes never reaches the portal."""
    status, head, body = raw_get(gunicorn, "/api/v1/systems/?q=" + "a" * 9000)
    assert status == 400
    assert "text/html" in head
    assert "Request Line is too large" in body
