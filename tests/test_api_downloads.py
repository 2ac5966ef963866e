"""The API's downloads check a file against the SHA-256 recorded when it was stored, as the web
pages do (portal.storage.verified). A damaged file, or one the storage no longer has (the
Schemathesis database kept across runs while its bucket was new: a row whose file is gone), is
refused with the API's error shape and a 409, never a 500, and no download is written in the
history."""

import logging

import pytest
from django.conf import settings
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from filings.lifecycle import services
from filings.models import Attachment, FilingEvent
from portal.storage import PrivateObjectStorage
from tests.api_helpers import bearer, organization_with_tokens, ready_document
from tests.pdfs import png_bytes

pytestmark = pytest.mark.django_db


def overwrite(name: str, content: bytes) -> None:
    """Changes a stored file's bytes behind the portal's back (a disk or a bucket tampered with)."""
    storage = storages["default"]
    if isinstance(storage, PrivateObjectStorage):
        storage.connection.meta.client.put_object(
            Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=name, Body=content
        )
    else:
        with open(storage.path(name), "wb") as stored:
            stored.write(content)


@pytest.fixture(params=["disk", "bucket"])
def where(request, settings, tmp_path):
    if request.param == "bucket":
        request.getfixturevalue("object_storage")
    else:
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "portal.storage.PrivateStorage",
                "OPTIONS": {"location": tmp_path},
            },
        }
    return request.param


@pytest.fixture
def uploaded(client, where):
    """A draft with a PNG uploaded through the API, as Schemathesis uploads one."""
    admin, secrets = organization_with_tokens()
    filing = services.start_initial_filing(admin.organization, admin.user)
    response = client.post(
        f"/api/v1/filings/{filing.pk}/attachments/",
        {"kind": "other", "file": SimpleUploadedFile("file.png", png_bytes())},
        **bearer(secrets["write"]),
    )
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get(pk=response.json()["id"])
    url = f"/api/v1/filings/{filing.pk}/attachments/{attachment.pk}/file/"
    return {
        "admin": admin,
        "secrets": secrets,
        "filing": filing,
        "attachment": attachment,
        "url": url,
    }


def refused(response, code: str) -> None:
    assert response.status_code == 409, response.content
    assert response["Content-Type"] == "application/json"
    assert not response.streaming
    [error] = response.json()["errors"]
    assert error["code"] == code
    assert error["field"] is None
    assert "X-Request-ID" in response


def test_an_attachment_uploaded_through_the_api_downloads_whole(client, uploaded):
    response = client.get(uploaded["url"], **bearer(uploaded["secrets"]["read"]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()
    assert response["Content-Length"] == str(len(png_bytes()))
    assert FilingEvent.objects.filter(action="attachment_downloaded").count() == 1


def test_a_tampered_attachment_is_refused_in_the_error_shape(client, uploaded, caplog):
    attachment = uploaded["attachment"]
    # Same length, other bytes: only the hash can tell.
    tampered = bytearray(png_bytes())
    tampered[-20] ^= 0xFF
    overwrite(attachment.file.name, bytes(tampered))

    with caplog.at_level(logging.ERROR, logger="portal.storage"):
        response = client.get(
            uploaded["url"], HTTP_ACCEPT_LANGUAGE="en", **bearer(uploaded["secrets"]["read"])
        )
    refused(response, "file_damaged")
    assert "SHA-256" in response.json()["errors"][0]["message"]
    assert attachment.sha256 in caplog.text
    assert not FilingEvent.objects.filter(action="attachment_downloaded").exists()


def test_an_attachment_gone_from_storage_is_refused_in_the_error_shape(client, uploaded, caplog):
    """The cause of the 500 Schemathesis met: its database outlived the files (CI's bucket is new
    at every run, the draft and its attachment rows are not)."""
    attachment = uploaded["attachment"]
    default_storage.delete(attachment.file.name)

    with caplog.at_level(logging.ERROR, logger="portal.storage"):
        response = client.get(uploaded["url"], **bearer(uploaded["secrets"]["read"]))
    refused(response, "file_missing")
    assert "存储" in response.json()["errors"][0]["message"]  # Chinese first
    assert attachment.file.name in caplog.text
    assert not FilingEvent.objects.filter(action="attachment_downloaded").exists()


def test_a_document_gone_from_storage_is_refused_in_the_error_shape(client, where):
    admin, secrets = organization_with_tokens()
    filing = services.start_initial_filing(admin.organization, admin.user)
    document = ready_document(filing)
    default_storage.delete(document.file.name)

    response = client.get(f"/api/v1/documents/{document.pk}/file/", **bearer(secrets["read"]))
    refused(response, "file_missing")
    assert not FilingEvent.objects.filter(action="document_downloaded").exists()


def test_the_web_page_says_a_missing_file_is_missing(client, uploaded):
    """The filer's page keeps its plain answer for a file it cannot serve, naming what happened."""
    admin, attachment = uploaded["admin"], uploaded["attachment"]
    default_storage.delete(attachment.file.name)
    client.force_login(admin.user)
    response = client.get(
        reverse(
            "attachment_download",
            args=[admin.organization.pk, uploaded["filing"].pk, attachment.pk],
        )
    )
    assert response.status_code == 500
    assert "存储中缺少" in response.content.decode()


def test_the_schema_documents_the_refusal_of_a_stored_file(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    for path in (
        "/api/v1/filings/{id}/attachments/{attachment_id}/file/",
        "/api/v1/documents/{id}/file/",
    ):
        refusal = schema[path]["get"]["responses"]["409"]
        assert "file_damaged" in refusal["description"]
        assert "file_missing" in refusal["description"]
        assert refusal["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorResponse"
        }
