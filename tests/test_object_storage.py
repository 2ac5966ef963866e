"""Files in a private S3-compatible bucket (a real moto_server process the tests start and stop):
uploads, generated documents and exports are written there, served only through the portal's
permission checks, and refused when their bytes no longer match the recorded SHA-256; the copy
command moves a local store into the bucket and back, idempotently."""

import copy
import logging

import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from filings.documents import attachments, documents
from filings.lifecycle import services
from filings.models import Attachment, Document, ExportJob, Filing, FilingEvent
from filings.review import exports
from portal.storage import PrivateObjectStorage
from tests.factories import MembershipFactory
from tests.filing_data import complete_filing, mark_complete
from tests.pdfs import pdf_bytes

pytestmark = pytest.mark.django_db


def bucket_client():
    """The storage's own client (closed with it by the object_storage fixture)."""
    return storages["default"].connection.meta.client


def object_bytes(name: str) -> bytes:
    stored = bucket_client().get_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=name)
    return stored["Body"].read()


def plain_bytes(name: str) -> bytes:
    """What the portal reads back: the file opened (decrypted) by the storage."""
    with default_storage.open(name) as stored:
        return stored.read()


def replace_object(name: str, content: bytes) -> None:
    bucket_client().put_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=name, Body=content)


def uploaded(client):
    membership = MembershipFactory(role="admin")
    client.force_login(membership.user)
    org = membership.organization
    filing = services.start_initial_filing(org, membership.user)
    response = client.post(
        reverse("attachment_upload", args=[org.pk, filing.pk]),
        {"kind": "assessment_report", "file": SimpleUploadedFile("报告.pdf", pdf_bytes())},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get(filing=filing)
    url = reverse("attachment_download", args=[org.pk, filing.pk, attachment.pk])
    return membership, attachment, url


def test_an_upload_goes_to_the_bucket_and_is_streamed_after_the_permission_check(
    client, object_storage
):
    assert isinstance(storages["default"], PrivateObjectStorage)
    _membership, attachment, url = uploaded(client)
    # In the bucket, sealed (tests/test_encryption_at_rest.py), not on this host's disk.
    assert object_bytes(attachment.file.name).startswith(b"PFENC1\n")
    assert plain_bytes(attachment.file.name) == pdf_bytes()
    assert not (settings.PRIVATE_ROOT / attachment.file.name).exists()

    response = client.get(url)
    assert response.status_code == 200
    assert response.streaming
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert FilingEvent.objects.filter(action="attachment_downloaded").count() == 1

    client.force_login(MembershipFactory(role="admin").user)
    assert client.get(url).status_code == 404
    assert FilingEvent.objects.filter(action="attachment_downloaded").count() == 1


def test_the_bucket_hands_out_no_url(object_storage):
    name = default_storage.save("documents/x.pdf", SimpleUploadedFile("x.pdf", b"%PDF-1.4"))
    with pytest.raises(ValueError, match="URL"):
        default_storage.url(name)
    # Private: the object cannot be read without the keys.
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(  # noqa: S310
            f"{settings.AWS_S3_ENDPOINT_URL}/{settings.AWS_STORAGE_BUCKET_NAME}/{name}"
        )
    assert refused.value.code == 403
    refused.value.close()


@pytest.mark.parametrize("where", ["bucket", "disk"])
def test_a_file_whose_hash_no_longer_matches_is_refused_and_logged(
    where, client, request, caplog, settings, tmp_path
):
    if where == "bucket":
        request.getfixturevalue("object_storage")
    else:
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "portal.storage.PrivateStorage",
                "OPTIONS": {"location": tmp_path},
            },
        }
    _membership, attachment, url = uploaded(client)
    tampered = pdf_bytes().replace(b"%PDF-", b"%PDF-  ", 1)
    if where == "bucket":
        replace_object(attachment.file.name, tampered)
    else:
        (tmp_path / attachment.file.name).write_bytes(tampered)

    with caplog.at_level(logging.ERROR, logger="portal.storage"):
        response = client.get(url)
    assert response.status_code == 500
    assert "SHA-256" in response.content.decode()
    assert "损坏" in response.content.decode()  # in the reader's language, Chinese first
    assert not response.streaming
    assert attachment.file.name in caplog.text
    assert attachment.sha256 in caplog.text
    # Nothing was handed out, so no download is written in the history.
    assert not FilingEvent.objects.filter(action="attachment_downloaded").exists()


def test_a_generated_document_is_rendered_into_the_bucket_and_checked_when_served(
    client, object_storage, django_capture_on_commit_callbacks
):
    membership = MembershipFactory()
    filing = services.start_initial_filing(membership.organization, membership.user)
    data = copy.deepcopy(complete_filing())
    data["organization"]["name"] = membership.organization.name
    data["organization"]["uscc"] = membership.organization.uscc
    filing.data = data
    mark_complete(filing)
    attachments.store(
        filing, membership.user, "assessment_report", SimpleUploadedFile("r.pdf", pdf_bytes())
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_filing(filing.pk, membership.user)
    document = Document.objects.get(filing=filing, kind="form", status="ready")
    assert plain_bytes(document.file.name).startswith(b"%PDF-")

    client.force_login(membership.user)
    url = reverse("document_download", args=[membership.organization.pk, filing.pk, document.pk])
    response = client.get(url)
    assert b"".join(response.streaming_content).startswith(b"%PDF-")

    replace_object(document.file.name, b"%PDF-1.4 another document")
    assert client.get(url).status_code == 500
    assert FilingEvent.objects.filter(action="document_downloaded").count() == 1
    assert documents.Document.objects.get(pk=document.pk).status == "ready"


def test_an_export_is_written_to_the_bucket(object_storage):
    job = ExportJob.objects.create(user=MembershipFactory().user, language="zh-hans")
    assert exports.build_job(job.pk, lambda user, query: Filing.objects.none())
    job.refresh_from_db()
    assert job.status == ExportJob.Status.READY
    assert plain_bytes(job.file.name).startswith(b"PK")  # an XLSX is a zip


def test_copy_files_moves_a_local_store_into_the_bucket_and_back_idempotently(
    object_storage, tmp_path
):
    local = FileSystemStorage(location=tmp_path / "private")
    names = [
        local.save("attachments/1/a.pdf", SimpleUploadedFile("a.pdf", b"%PDF-a")),
        local.save("documents/2/b.pdf", SimpleUploadedFile("b.pdf", b"%PDF-bb")),
        local.save("exports/3.xlsx", SimpleUploadedFile("3.xlsx", b"PK-ccc")),
    ]

    def copy(*args):
        from io import StringIO

        out = StringIO()
        call_command("copy_files", *args, stdout=out)
        return out.getvalue().strip()

    assert copy("--to-bucket", "--dir", str(tmp_path / "private")) == (
        "copied 3, already there 0, 3 in all"
    )
    assert object_bytes("documents/2/b.pdf") == b"%PDF-bb"
    # A second run copies nothing; a file the first run left half-written is copied again.
    replace_object("exports/3.xlsx", b"PK")
    assert copy("--to-bucket", "--dir", str(tmp_path / "private")) == (
        "copied 1, already there 2, 3 in all"
    )
    assert object_bytes("exports/3.xlsx") == b"PK-ccc"
    assert copy("--to-bucket", "--dir", str(tmp_path / "private")) == (
        "copied 0, already there 3, 3 in all"
    )

    # And back, into an empty store, under the same names.
    restored = tmp_path / "restored"
    assert copy("--to-local", "--dir", str(restored)) == "copied 3, already there 0, 3 in all"
    for name in names:
        assert (restored / name).read_bytes() == (tmp_path / "private" / name).read_bytes()
    assert copy("--to-local", "--dir", str(restored)) == "copied 0, already there 3, 3 in all"


def test_copy_files_needs_a_bucket(settings):
    from django.core.management.base import CommandError

    settings.AWS_STORAGE_BUCKET_NAME = ""
    with pytest.raises(CommandError, match="AWS_STORAGE_BUCKET_NAME"):
        call_command("copy_files", "--to-bucket")


def test_a_connection_is_closed_once_its_thread_has_ended(object_storage):
    """A server that answers each request in a thread of its own (runserver, the tests' live
    server) leaves no pooled socket open behind the threads that ended."""
    import threading

    storage = storages["default"]

    def look():
        storage.exists("documents/none.pdf")

    for _ in range(3):
        thread = threading.Thread(target=look)
        thread.start()
        thread.join()
    look()  # this thread connects: the ended threads' connections are closed
    assert len(storage._opened) == 1


def test_an_email_does_not_carry_a_damaged_pdf(caplog, django_capture_on_commit_callbacks):
    membership = MembershipFactory()
    filing = services.start_initial_filing(membership.organization, membership.user)
    data = copy.deepcopy(complete_filing())
    data["organization"]["name"] = membership.organization.name
    data["organization"]["uscc"] = membership.organization.uscc
    filing.data = data
    mark_complete(filing)
    attachments.store(
        filing, membership.user, "assessment_report", SimpleUploadedFile("r.pdf", pdf_bytes())
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_filing(filing.pk, membership.user)
    document = Document.objects.get(filing=filing, kind="form", status="ready")
    carried = documents.EmailAttachments.attachment(document.pk, "zh-hans")
    assert carried is not None
    assert carried[1].startswith(b"%PDF-")

    with default_storage.open(document.file.name, "rb") as stored:
        content = stored.read()
    default_storage.delete(document.file.name)
    default_storage.save(document.file.name, SimpleUploadedFile("x.pdf", content + b"%extra"))
    with caplog.at_level(logging.ERROR, logger="portal.storage"):
        assert documents.EmailAttachments.attachment(document.pk, "zh-hans") is None
    assert document.sha256 in caplog.text
