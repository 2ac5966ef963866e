"""Uploaded files: an image bomb is refused from its header, a PDF that runs scripts is refused,
and every file is stored and downloaded with the extension of what it is."""

import io
import json
import os
import struct
import subprocess
import sys
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from filings.documents import attachments
from filings.lifecycle import services
from filings.models import Attachment
from filings.models.filings import name_for_type
from tests.factories import MembershipFactory
from tests.pdfs import pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_of_zeros(width, height, data_length, *, interlace=0) -> bytes:
    """A greyscale PNG whose image data is ``data_length`` zero bytes, compressed a megabyte at a
    time: a 13000 × 13000 image is a few hundred kilobytes and never exists in memory."""
    compressor = zlib.compressobj(9)
    block = bytes(1 << 20)
    parts = []
    left = data_length
    while left:
        size = min(left, len(block))
        parts.append(compressor.compress(block[:size]))
        left -= size
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, interlace)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", b"".join(parts))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    path = tmp_path_factory.mktemp("bomb") / "bomb.png"
    path.write_bytes(png_of_zeros(13_000, 13_000, 13_000 * (1 + 13_000)))
    return path


MEASURE = """
import os, resource, sys, time
import django
django.setup()
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from filings.documents import attachments
content = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    attachments.validate_upload(SimpleUploadedFile("scan.png", content))
    outcome = "accepted"
except ValidationError as error:
    outcome = error.messages[0]
seconds = time.perf_counter() - start
grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"outcome": outcome, "seconds": seconds, "grown_mb": grown_kb / 1024}))
""".replace("import os,", "import json, os,")


def test_an_image_bomb_is_refused_from_its_header_quickly_and_without_memory(bomb):
    assert bomb.stat().st_size < 1_000_000
    # A process of its own, so that its peak memory is the check's alone.
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(bomb)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        timeout=60,
    )
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    assert "13000 × 13000" in measured["outcome"]
    assert "40" in measured["outcome"]
    # Not decoded, as its memory shows (speed belongs in a bench, not in a timed assertion).
    assert measured["grown_mb"] < 20  # decoding it would take 169 MB


def test_an_image_bomb_upload_is_refused_with_the_limit_in_the_message(client, bomb):
    membership = MembershipFactory(role="admin")
    client.force_login(membership.user)
    filing = services.start_initial_filing(membership.organization, membership.user)
    response = client.post(
        reverse("attachment_upload", args=[membership.organization.pk, filing.pk]),
        {"kind": "assessment_report", "file": SimpleUploadedFile("scan.png", bomb.read_bytes())},
        follow=True,
    )
    assert response.status_code == 200
    assert "13000 × 13000" in response.content.decode()
    assert "4000 万" in response.content.decode() or "40" in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_large_but_reasonable_scan_is_accepted():
    # A4 at 600 dpi: 4960 × 7016, about 35 million pixels, under the limit.
    width, height = 4960, 7016
    content = png_of_zeros(width, height, height * (1 + width))
    data, content_type = attachments.validate_upload(SimpleUploadedFile("a4.png", content))
    assert content_type == "image/png"


def test_an_interlaced_png_is_accepted():
    # 10 × 10 greyscale in Adam7's seven passes: 6 + 4 + 4 + 9 + 12 + 30 + 55 bytes of scanlines.
    content = png_of_zeros(10, 10, 120, interlace=1)
    from PIL import Image

    with Image.open(io.BytesIO(content)) as image:
        image.load()  # Pillow reads it too
    attachments.validate_upload(SimpleUploadedFile("i.png", content))


@pytest.mark.parametrize(
    "content",
    [
        png_of_zeros(100, 100, 100 * 101 - 50),  # image data cut short, the file still whole
        png_of_zeros(100, 100, 100 * 101 + 50),  # more data than the header announces
        png_bytes()[:-20],  # the end chunk cut off
    ],
    ids=["short-data", "long-data", "cut-off"],
)
def test_an_incomplete_png_is_refused(content):
    with pytest.raises(ValidationError, match="cannot be read|无法读取"):
        attachments.validate_upload(SimpleUploadedFile("x.png", content))


def jpeg_bytes(size=(800, 600)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.mark.parametrize("weasyprint_imported", [False, True])
def test_a_jpeg_is_accepted_and_a_cut_off_jpeg_refused(weasyprint_imported, monkeypatch):
    from PIL import ImageFile

    # WeasyPrint sets this for the whole process when it is imported.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", weasyprint_imported)
    assert attachments.validate_upload(SimpleUploadedFile("p.jpg", jpeg_bytes()))[1] == (
        "image/jpeg"
    )
    with pytest.raises(ValidationError):
        attachments.validate_upload(SimpleUploadedFile("p.jpg", jpeg_bytes()[:-400]))


# --- PDFs that run something ---------------------------------------------------------------------


def pdf_with(change) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    change(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def javascript(writer):
    # A document-level script, in the catalogue's name tree (what Acrobat runs on opening).
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('hello');"),
        }
    )
    tree = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("hello"), writer._add_object(action)])}
    )
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/JavaScript"): writer._add_object(tree)}
    )


def launch_on_open(writer):
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/Launch"),
            NameObject("/F"): TextStringObject("calc.exe"),
        }
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)


def javascript_on_open(writer):
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert(1)"),
        }
    )
    writer._root_object[NameObject("/OpenAction")] = action


def page_additional_action(writer):
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("x.exe")}
    )
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): action})


@pytest.mark.parametrize(
    "change", [javascript, launch_on_open, javascript_on_open, page_additional_action]
)
def test_a_pdf_carrying_scripts_or_launch_actions_is_refused(change):
    with pytest.raises(ValidationError, match="JavaScript"):
        attachments.validate_upload(SimpleUploadedFile("report.pdf", pdf_with(change)))


def test_a_pdf_that_opens_at_its_first_page_is_accepted():
    def open_at_first_page(writer):
        writer.open_destination = writer.pages[0]

    content = pdf_with(open_at_first_page)
    assert b"/OpenAction" in content
    assert attachments.validate_upload(SimpleUploadedFile("r.pdf", content))[1] == (
        "application/pdf"
    )


def test_the_refusal_of_a_scripted_pdf_is_shown_to_the_filer(client):
    membership = MembershipFactory(role="admin")
    client.force_login(membership.user)
    filing = services.start_initial_filing(membership.organization, membership.user)
    response = client.post(
        reverse("attachment_upload", args=[membership.organization.pk, filing.pk]),
        {"kind": "assessment_report", "file": SimpleUploadedFile("r.pdf", pdf_with(javascript))},
        follow=True,
    )
    assert "JavaScript" in response.content.decode()
    assert not Attachment.objects.exists()


# --- Names ---------------------------------------------------------------------------------------


def test_a_pdf_uploaded_as_html_is_stored_and_downloaded_as_pdf(client):
    membership = MembershipFactory(role="admin")
    client.force_login(membership.user)
    org = membership.organization
    filing = services.start_initial_filing(org, membership.user)
    client.post(
        reverse("attachment_upload", args=[org.pk, filing.pk]),
        {"kind": "assessment_report", "file": SimpleUploadedFile("poly.html", pdf_bytes())},
    )
    attachment = Attachment.objects.get()
    assert attachment.original_name == "poly.pdf"
    assert attachment.file.name.endswith(".pdf")
    response = client.get(reverse("attachment_download", args=[org.pk, filing.pk, attachment.pk]))
    response.close()
    assert 'filename="poly.pdf"' in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"


def test_an_attachment_stored_before_under_another_name_downloads_with_its_types_extension(
    client,
):
    membership = MembershipFactory(role="admin")
    client.force_login(membership.user)
    org = membership.organization
    filing = services.start_initial_filing(org, membership.user)
    attachment = attachments.store(
        filing, membership.user, "assessment_report", SimpleUploadedFile("r.pdf", pdf_bytes())
    )
    Attachment.objects.filter(pk=attachment.pk).update(original_name="poly.html")
    response = client.get(reverse("attachment_download", args=[org.pk, filing.pk, attachment.pk]))
    response.close()
    assert 'filename="poly.pdf"' in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("报告.pdf", "application/pdf", "报告.pdf"),
        ("scan.JPEG", "image/jpeg", "scan.JPEG"),
        ("scan.jpg", "image/png", "scan.png"),
        ("poly.pdf.html", "application/pdf", "poly.pdf.pdf"),
        ("noextension", "image/png", "noextension.png"),
        (".html", "application/pdf", "attachment.pdf"),
        ("x" * 255, "application/pdf", "x" * 251 + ".pdf"),
    ],
)
def test_a_files_name_gets_the_extension_of_its_type(name, content_type, expected):
    assert name_for_type(name, content_type) == expected
