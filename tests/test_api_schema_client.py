"""A client that knows the API only from its published OpenAPI schema: it loads /api/schema/,
finds each operation by its id, checks every request and response against the schema
(openapi-core), and files a filing from a blank draft to submitted, then downloads its form."""

import json
from datetime import date

import pytest
import time_machine
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from tests.api_helpers import organization_with_tokens
from tests.filing_data import complete_filing
from tests.pdfs import pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(date(2026, 3, 2), tick=False):
        yield


class SchemaClient:
    def __init__(self, client, token):
        self.client = client
        self.token = token
        response = client.get("/api/schema/", {"format": "json"})
        assert response.status_code == 200
        self.raw = response.json()
        self.openapi = OpenAPI.from_dict(self.raw)
        self.operations = {
            operation["operationId"]: (method.upper(), path)
            for path, item in self.raw["paths"].items()
            for method, operation in item.items()
        }

    def call(self, operation_id, *, body=None, files=None, **path_params):
        method, template = self.operations[operation_id]
        path = template.format(**path_params)
        headers = {"Authorization": f"Bearer {self.token}"}
        if files is not None:
            content_type = MULTIPART_CONTENT
            data = encode_multipart(BOUNDARY, {**(body or {}), **files})
        elif body is not None:
            content_type = "application/json"
            data = json.dumps(body).encode()
        else:
            content_type, data = "application/json", b""
        request = MockRequest(
            "http://testserver",
            method.lower(),
            path,
            headers=headers,
            data=data or None,
            content_type=content_type,
        )
        if files is None:  # openapi-core does not parse multipart bodies; the response is checked
            self.openapi.validate_request(request)
        response = self.client.generic(
            method,
            path,
            data,
            content_type=content_type,
            HTTP_AUTHORIZATION=headers["Authorization"],
        )
        content = b"".join(response.streaming_content) if response.streaming else response.content
        self.openapi.validate_response(
            request,
            MockResponse(
                content,
                status_code=response.status_code,
                content_type=response["Content-Type"].split(";")[0],
            ),
        )
        return response, content


def test_a_client_built_from_the_schema_files_a_filing_to_submission(
    client, django_capture_on_commit_callbacks
):
    _admin, secrets = organization_with_tokens()
    api = SchemaClient(client, secrets["write"])
    data = complete_filing()

    response, _ = api.call("systems_list")
    assert response.json()["count"] == 1
    response, _ = api.call("duties_list")
    assert response.json()["results"][0]["kind"] == "initial"

    response, _ = api.call("filings_create", body={"kind": "initial"})
    assert response.status_code == 201, response.json()
    filing = response.json()
    assert filing["status"] == "draft"

    for step in [s["key"] for s in filing["steps"] if s["key"] != "review"]:
        section = data[step]
        if step == "organization":
            section = {k: v for k, v in section.items() if k != "address_division"}
        response, _ = api.call(f"filings_step_{step}", id=filing["id"], body=section)
        assert response.status_code == 200, (step, response.json())

    filing = response.json()
    # What the review page would list: the report is missing, the declaration not made yet.
    assert {f["code"] for f in filing["findings"] if f["severity"] == "error"} == {
        "no_assessment_report",
        "not_declared_truthful",
    }
    response, _ = api.call(
        "filings_attach",
        id=filing["id"],
        body={"kind": "assessment_report"},
        files={"file": _named("评估报告.pdf", pdf_bytes())},
    )
    assert response.status_code == 201, response.json()

    with django_capture_on_commit_callbacks(execute=True):
        response, _ = api.call("filings_submit", id=filing["id"], body={"truthful": True})
    assert response.status_code == 200, response.json()

    response, _ = api.call("filings_retrieve", id=filing["id"])
    filing = response.json()
    assert filing["status"] == "submitted"
    assert filing["receipt_number"]
    form = filing["documents"][0]
    assert form["kind"] == "form"
    assert form["status"] == "ready"

    response, content = api.call("documents_download", id=form["id"])
    assert response.status_code == 200
    assert content.startswith(b"%PDF")

    response, _ = api.call("notifications_list")
    assert "submitted" in [row["action"] for row in response.json()["results"]]


def _named(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")
