"""What a PDF may load while it renders: the portal's static files and data: URLs, nothing else."""

import base64
import io
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.conf import settings
from PIL import Image
from pypdf import PdfReader

from filings.documents import documents


def png_bytes(colour=(200, 0, 0)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def static_folder(tmp_path, settings):
    folder = tmp_path / "static"
    folder.mkdir()
    (folder / "doc-test.css").write_text("@page { size: A5; margin: 10mm }")
    (folder / "doc-test.png").write_bytes(png_bytes())
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, folder]
    return folder


def weasyprint_errors(caplog):
    return [
        r for r in caplog.records if r.name.startswith("weasyprint") and r.levelno >= logging.ERROR
    ]


def test_a_document_loads_a_static_stylesheet_a_static_image_and_a_data_url(static_folder, caplog):
    data_url = "data:image/png;base64," + base64.b64encode(png_bytes((0, 0, 200))).decode()
    html = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
    <link rel="stylesheet" href="/static/doc-test.css"></head><body>
    <p>静态文件</p><img src="static/doc-test.png" alt=""><img src="{data_url}" alt="">
    </body></html>"""
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = documents.write_pdf(html)
    assert not weasyprint_errors(caplog)
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    # The stylesheet applied: A5 is 420 points high, not A4's 842.
    assert round(float(page.mediabox.height)) == 595
    assert len(page.images) == 2


@pytest.fixture
def http_server():
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(png_bytes())

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", requests
    server.shutdown()
    server.server_close()
    thread.join()


def test_a_document_fetches_nothing_from_the_network_nor_files_outside_the_static_folders(
    static_folder, http_server, caplog
):
    base, requests = http_server
    secret = settings.BASE_DIR / "portal" / "settings.py"
    html = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
    <link rel="stylesheet" href="{base}/evil.css">
    <link rel="stylesheet" href="file://{secret}"></head><body>
    <img src="{base}/tracker.png" alt=""><img src="file:///etc/hostname" alt="">
    <img src="/static/../../etc/hostname" alt=""><img src="static/../portal/settings.py" alt="">
    </body></html>"""
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = documents.write_pdf(html)
    assert requests == []
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 0
    refused = {
        record.args[0].strip("'")
        for record in caplog.records
        if "refusing to fetch" in record.getMessage()
    }
    # The two traversals resolve to URLs refused above (WeasyPrint loads each image once).
    assert refused == {
        f"{base}/evil.css",
        f"{base}/tracker.png",
        f"file://{secret}",
        "file:///etc/hostname",
    }


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x.png",
        "https://example.com/x.css",
        "ftp://example.com/x",
        "file:///etc/passwd",
        f"file://{settings.BASE_DIR}/portal/settings.py",
        f"file://{settings.BASE_DIR}/static/../portal/settings.py",
        "file://otherhost/static/css/portal.css",
    ],
)
def test_the_fetcher_refuses_network_and_files_outside_the_static_folders(url):
    fetcher = documents._fetcher_class()()
    with pytest.raises(ValueError, match="refusing to fetch|disallowed protocol"):
        fetcher.fetch(url)


def test_the_fetcher_reads_the_portals_own_stylesheet():
    fetcher = documents._fetcher_class()()
    response = fetcher.fetch(f"file://{settings.BASE_DIR}/static/css/portal.css")
    assert response.content_type == "text/css"
    assert response.read()
    response.close()
