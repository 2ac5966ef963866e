"""The REST API: who may call what (every endpoint, every persona), the one error shape in the
client's language, the call log, the rate limit per token, and the tokens page."""

import hashlib
import json
from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from api import tokens
from api.models import ApiToken
from api.urls import ALL_STEPS
from filings.documents import attachments
from filings.law.steps import STEPS_BY_KIND
from filings.lifecycle import services
from filings.models import Filing, RecognitionSystem
from tests.api_helpers import bearer, organization_with_tokens, ready_document
from tests.factories import MembershipFactory
from tests.filing_data import complete_filing, mark_complete
from tests.pdfs import pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db
SYSTEM = {
    "name": "前台",
    "people_stored": 500,
    "used_in_public_place": True,
    "count_reached_on": "2026-02-10",
}


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(date(2026, 3, 2), tick=False):
        yield


@pytest.fixture
def world():
    """Organization A (the one the tokens are for) with a system, a duty, a draft filing with
    two attachments and a ready document; organization B with a write token of its own."""
    admin, secrets = organization_with_tokens()
    organization = admin.organization
    filing = services.start_initial_filing(organization, admin.user)
    data = complete_filing()
    data["organization"] = services.organization_section(organization)
    filing.data = data
    mark_complete(filing)
    attachments.store(
        filing, admin.user, "assessment_report", SimpleUploadedFile("r.pdf", pdf_bytes())
    )
    extra = attachments.store(
        filing, admin.user, "other", SimpleUploadedFile("photo.png", png_bytes())
    )
    document = ready_document(filing)
    other = MembershipFactory(role="admin")
    _row, secrets["other"] = tokens.create_token(
        other.organization, other.user, name="B", scope="write"
    )
    return {
        "admin": admin,
        "secrets": secrets,
        "system": organization.systems.get(),
        "duty": organization.obligations.get(),
        "filing": filing,
        "attachment": extra,
        "document": document,
    }


def endpoints(w):
    """(method, url, body, is_object_url, status for a write token of the organization)."""
    v1 = "/api/v1"
    f = w["filing"].pk
    steps = STEPS_BY_KIND[Filing.Kind.INITIAL]
    data = complete_filing()
    rows = [
        ("get", f"{v1}/systems/", None, False, 200),
        ("post", f"{v1}/systems/", SYSTEM, False, 201),
        ("get", f"{v1}/systems/{w['system'].pk}/", None, True, 200),
        ("patch", f"{v1}/systems/{w['system'].pk}/", {"people_stored": 13_000}, True, 200),
        ("get", f"{v1}/duties/", None, False, 200),
        ("get", f"{v1}/duties/{w['duty'].pk}/", None, True, 200),
        ("get", f"{v1}/filings/", None, False, 200),
        ("post", f"{v1}/filings/", {"kind": "initial"}, False, 409),
        ("get", f"{v1}/filings/{f}/", None, True, 200),
    ]
    for step in ALL_STEPS:
        body = {} if step not in steps else data[step]
        rows.append(
            ("put", f"{v1}/filings/{f}/steps/{step}/", body, True, 200 if step in steps else 404)
        )
    a = w["attachment"].pk
    rows += [
        ("get", f"{v1}/organization/", None, False, 200),
        ("post", f"{v1}/filings/{f}/attachments/", "upload", True, 201),
        ("get", f"{v1}/filings/{f}/attachments/", None, True, 200),
        ("get", f"{v1}/filings/{f}/attachments/{a}/file/", None, True, 200),
        ("delete", f"{v1}/filings/{f}/attachments/{a}/", None, True, 204),
        ("get", f"{v1}/documents/", None, False, 200),
        ("get", f"{v1}/documents/{w['document'].pk}/file/", None, True, 200),
        ("get", f"{v1}/notifications/", None, False, 200),
        # Once submitted, the draft can no longer be changed.
        ("post", f"{v1}/filings/{f}/submit/", {"truthful": True}, True, 200),
        ("post", f"{v1}/filings/{f}/messages/", {"body": "请问何时审核？"}, True, 201),
        ("get", f"{v1}/filings/{f}/messages/", None, True, 200),
        ("post", f"{v1}/filings/{f}/withdraw/", {"reason": "信息有误"}, True, 200),
        ("post", f"{v1}/filings/{f}/refile/", None, True, 201),
        # Only a draft is deleted (tests/test_draft_deletion.py): this one was submitted.
        ("delete", f"{v1}/filings/{f}/", None, True, 409),
        # Retired last: a retired system is no longer updated.
        ("post", f"{v1}/systems/{w['system'].pk}/retire/", {"retired_on": "2026-02-27"}, True, 200),
    ]
    return rows


# Answered without a token (tested on their own below).
PUBLIC = {"api_self_check"}


def consume(response):
    """Reads a file response to its end, which closes the file."""
    if response.streaming:
        b"".join(response.streaming_content)


def call(client, method, url, body, **headers):
    if body == "upload":
        payload = encode_multipart(
            BOUNDARY, {"kind": "other", "file": SimpleUploadedFile("x.pdf", pdf_bytes())}
        )
        return client.generic(method.upper(), url, payload, MULTIPART_CONTENT, **headers)
    if body is None:
        return getattr(client, method)(url, **headers)
    return getattr(client, method)(url, body, content_type="application/json", **headers)


def test_every_endpoint_is_in_the_matrix(world):
    from django.urls import resolve

    from api.urls import v1

    covered = {(resolve(url).url_name, method) for method, url, *_rest in endpoints(world)}
    assert {name for name, _method in covered} == {pattern.name for pattern in v1} - PUBLIC
    for pattern in v1:
        if pattern.name in PUBLIC:
            continue
        for method in pattern.callback.view_class.http_method_names:
            if hasattr(pattern.callback.view_class, method) and method not in ("options", "head"):
                assert (pattern.name, method) in covered, (pattern.name, method)


def test_write_token_may_do_everything_in_its_organization(client, world):
    for method, url, body, _obj, expected in endpoints(world):
        response = call(client, method, url, body, **bearer(world["secrets"]["write"]))
        consume(response)
        assert response.status_code == expected, (method, url)
    assert Filing.objects.get(pk=world["filing"].pk).status == "withdrawn"
    assert Filing.objects.get(refiled_from=world["filing"]).status == "draft"


def test_read_token_reads_and_may_not_write(client, world):
    for method, url, body, _obj, expected in endpoints(world):
        response = call(client, method, url, body, **bearer(world["secrets"]["read"]))
        consume(response)
        if method == "get":
            assert response.status_code == expected, (method, url)
        else:
            assert response.status_code == 403, (method, url)
            assert response.json()["errors"][0]["code"] == "read_only_token"
    assert RecognitionSystem.objects.count() == 1
    assert Filing.objects.get().status == "draft"


@pytest.mark.parametrize("persona", ["none", "revoked", "bad", "session"])
def test_without_a_valid_token_nothing_is_answered(client, world, persona):
    headers = {
        "none": {},
        "revoked": bearer(world["secrets"]["revoked"]),
        "bad": bearer(world["secrets"]["write"][:-2] + "xx"),
        "session": {},
    }[persona]
    if persona == "session":
        # A web session of the organization's own administrator is not a key to the API: a
        # page open in the browser cannot make calls in the person's name.
        client.force_login(world["admin"].user)
    for method, url, body, _obj, _expected in endpoints(world):
        response = call(client, method, url, body, **headers)
        assert response.status_code == 401, (persona, method, url)
        assert response["WWW-Authenticate"].startswith("Bearer")
        error = response.json()["errors"][0]
        assert error["code"] in {"not_authenticated", "revoked_token", "bad_token"}
    assert Filing.objects.get(organization=world["admin"].organization).status == "draft"


def test_another_organizations_token_sees_nothing_of_this_one(client, world):
    organization = world["admin"].organization
    filing = world["filing"]
    theirs = {
        "/api/v1/systems/": {world["system"].pk},
        "/api/v1/duties/": {world["duty"].pk},
        "/api/v1/filings/": {filing.pk},
        "/api/v1/documents/": {world["document"].pk},
        "/api/v1/notifications/": set(filing.events.values_list("pk", flat=True)),
    }
    for method, url, body, is_object, _expected in endpoints(world):
        response = call(client, method, url, body, **bearer(world["secrets"]["other"]))
        if is_object:
            assert response.status_code == 404, (method, url)
            assert response.json()["errors"][0]["code"] == "not_found"
        elif url.endswith("/organization/"):
            assert response.json()["id"] != organization.pk
        elif method == "get":
            assert response.status_code == 200
            assert not {row["id"] for row in response.json()["results"]} & theirs[url], url
    assert organization.systems.count() == 1
    assert organization.filings.get().status == "draft"


def test_errors_come_in_one_shape_in_the_language_asked_for(client, world):
    url = f"/api/v1/systems/{world['system'].pk}/"
    body = {"people_stored": -1}
    chinese = client.patch(
        url, body, content_type="application/json", **bearer(world["secrets"]["write"])
    )
    english = client.patch(
        url,
        body,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9",
        **bearer(world["secrets"]["write"]),
    )
    assert chinese.status_code == english.status_code == 400
    assert english.json() == {
        "errors": [
            {
                "code": "min_value",
                "message": "The number of people cannot be negative.",
                "field": "people_stored",
            }
        ]
    }
    assert chinese.json()["errors"][0]["message"] != english.json()["errors"][0]["message"]
    assert chinese["Content-Language"] == "zh-hans"
    unknown = client.get("/api/v1/nothing/", HTTP_ACCEPT_LANGUAGE="en")
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["code"] == "not_found"


def test_text_no_database_can_hold_is_refused_in_the_same_shape(client, world):
    response = client.post(
        "/api/v1/systems/",
        b'{"name": "a\\u0000b"}',
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **bearer(world["secrets"]["write"]),
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["code"] == "unstorable_text"
    assert "U+0000" in error["message"]


def test_a_step_is_refused_with_the_web_forms_errors_per_field(client, world):
    data = complete_filing()["deployments"]
    data[1]["place_kind"] = "nowhere"
    response = client.put(
        f"/api/v1/filings/{world['filing'].pk}/steps/deployments/",
        data,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **bearer(world["secrets"]["write"]),
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "deployments[1].place_kind"
    assert error["code"] == "invalid_choice"


def test_submission_blocked_lists_the_checks_errors(client, world):
    filing = world["filing"]
    for attachment in services.current_attachments(filing):
        services.withdraw_attachment(attachment, world["admin"].user)
    response = client.post(
        f"/api/v1/filings/{filing.pk}/submit/",
        {"truthful": True},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **bearer(world["secrets"]["write"]),
    )
    assert response.status_code == 409
    assert "no_assessment_report" in [e["code"] for e in response.json()["errors"]]
    assert Filing.objects.get(pk=filing.pk).status == "draft"


def test_every_call_is_logged_with_its_token(client, world):
    client.get("/api/v1/systems/", **bearer(world["secrets"]["read"]))
    client.post(
        "/api/v1/systems/",
        SYSTEM,
        content_type="application/json",
        **bearer(world["secrets"]["read"]),
    )
    token = ApiToken.objects.get(scope="read", organization=world["admin"].organization)
    assert [(c.method, c.path, c.status) for c in token.calls.order_by("pk")] == [
        ("GET", "/api/v1/systems/", 200),
        ("POST", "/api/v1/systems/", 403),
    ]
    assert token.last_used_at is not None


def test_lists_filter_on_updated_since_and_page(client, world):
    secret = world["secrets"]["write"]
    with time_machine.travel(date(2026, 3, 5), tick=False):
        client.post("/api/v1/systems/", SYSTEM, content_type="application/json", **bearer(secret))
    with time_machine.travel(date(2026, 3, 6), tick=False):
        response = client.get(
            "/api/v1/systems/", {"updated_since": "2026-03-04", "page_size": 1}, **bearer(secret)
        )
    assert [row["name"] for row in response.json()["results"]] == ["前台"]
    assert response.json()["count"] == 1
    bad = client.get("/api/v1/systems/", {"updated_since": "yesterday"}, **bearer(secret))
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "updated_since"


def test_calls_are_limited_per_token(client, world, settings):
    from api.throttling import TokenRateThrottle

    rates = {"api_token": "3/min"}
    original = TokenRateThrottle.THROTTLE_RATES
    TokenRateThrottle.THROTTLE_RATES = rates
    try:
        codes = [
            client.get("/api/v1/duties/", **bearer(world["secrets"]["read"])).status_code
            for _ in range(4)
        ]
        other = client.get("/api/v1/duties/", **bearer(world["secrets"]["write"]))
    finally:
        TokenRateThrottle.THROTTLE_RATES = original
    assert codes == [200, 200, 200, 429]
    assert other.status_code == 200


def test_a_token_stops_when_its_maker_is_no_longer_an_administrator(client, world):
    admin = world["admin"]
    admin.role = "editor"
    admin.save(update_fields=["role"])
    response = client.get("/api/v1/systems/", **bearer(world["secrets"]["write"]))
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "token_owner_gone"


# --- The tokens page -----------------------------------------------------------------------------


def test_an_administrator_makes_a_token_seen_once_and_stored_hashed(client, world):
    admin = world["admin"]
    client.force_login(admin.user)
    url = reverse("api_tokens", args=[admin.organization.pk])
    response = client.post(url, {"name": "集团合规系统", "scope": "write"})
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("frp_")
    page = response.content.decode()
    assert secret in page
    assert "请立即复制：令牌只显示这一次" in page  # in Chinese first
    row = ApiToken.objects.get(name="集团合规系统")
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in client.get(url).content.decode()
    assert client.get("/api/v1/systems/", **bearer(secret)).status_code == 200

    client.post(reverse("api_token_revoke", args=[admin.organization.pk, row.pk]))
    assert client.get("/api/v1/systems/", **bearer(secret)).status_code == 401


@pytest.mark.parametrize(("role", "expected"), [("editor", 403), ("viewer", 403), (None, 404)])
def test_only_the_organizations_administrators_manage_its_tokens(client, world, role, expected):
    organization = world["admin"].organization
    membership = MembershipFactory(role=role or "admin")
    if role:
        membership.organization = organization
        membership.save()
    client.force_login(membership.user)
    token = ApiToken.objects.filter(organization=organization, revoked_at=None).first()
    assert client.get(reverse("api_tokens", args=[organization.pk])).status_code == expected
    revoke = reverse("api_token_revoke", args=[organization.pk, token.pk])
    assert client.post(revoke).status_code == expected
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


# --- Schema and documentation ---------------------------------------------------------------------


def test_the_schema_and_its_documentation_page_are_served_from_the_portal(client):
    schema = client.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    assert "/api/v1/filings/{id}/submit/" in schema.json()["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "<script>" not in html
    assert "<style>" not in html
    assert "http" not in html.split("<body>")[1]  # no CDN: every asset from /static/
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    policy = docs["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "style-src 'self' 'unsafe-inline'" in policy
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "'unsafe-inline'" not in script["Content-Security-Policy"]


# --- One set of rules: the submission verb ------------------------------------------------------


def test_a_draft_with_steps_never_saved_is_not_submitted_through_the_api(client, world):
    filing = world["filing"]
    filing.completed_steps = [
        key
        for key in STEPS_BY_KIND[Filing.Kind.INITIAL]
        if key not in ("organization", "facial_data", "review")
    ]
    filing.save(update_fields=["completed_steps"])
    response = client.post(
        f"/api/v1/filings/{filing.pk}/submit/",
        {"truthful": True},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **bearer(world["secrets"]["write"]),
    )
    assert response.status_code == 409
    incomplete = [e for e in response.json()["errors"] if e["code"] == "step_incomplete"]
    assert len(incomplete) == 2
    assert "Facial information" in " ".join(e["message"] for e in incomplete)
    filing.refresh_from_db()
    assert filing.status == "draft"
    assert filing.receipt_number is None
    assert world["duty"].__class__.objects.get(pk=world["duty"].pk).status == "open"
    detail = client.get(f"/api/v1/filings/{filing.pk}/", **bearer(world["secrets"]["read"]))
    assert "step_incomplete" in {f["code"] for f in detail.json()["findings"]}


# --- Strict types: nothing is coerced -------------------------------------------------------------


def _with(step, **changes):
    return {**complete_filing()[step], **changes}


@pytest.mark.parametrize(
    ("step", "body", "fields"),
    [
        (
            "consent",
            _with("consent", separate_consent="no", written_consent="no"),
            {"separate_consent", "written_consent"},
        ),
        ("consent", _with("consent", minors_under_14=0), {"minors_under_14"}),
        (
            "purpose",
            _with("purpose", purpose=123, scope=["员工"], necessity={"why": "x"}),
            {"purpose", "scope", "necessity"},
        ),
        ("assessment", _with("assessment", conclusion=[None, None]), {"conclusion"}),
        ("assessment", _with("assessment", assessment_date=20260115), {"assessment_date"}),
        ("assessment", _with("assessment", assessment_date="15/01/2026"), {"assessment_date"}),
        ("facial_data", _with("facial_data", people_stored="12000"), {"people_stored"}),
        ("facial_data", _with("facial_data", people_stored=1.5), {"people_stored"}),
        ("facial_data", _with("facial_data", sources="collected_directly"), {"sources"}),
        ("facial_data", _with("facial_data", sources=[1]), {"sources"}),
        ("security", _with("security", processing_rules=None), {"processing_rules"}),
    ],
)
def test_a_value_of_the_wrong_json_type_is_refused_never_coerced(client, world, step, body, fields):
    filing = world["filing"]
    before = Filing.objects.get(pk=filing.pk).data
    response = client.put(
        f"/api/v1/filings/{filing.pk}/steps/{step}/",
        body,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **bearer(world["secrets"]["write"]),
    )
    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert {e["field"] for e in errors} == fields
    assert {e["code"] for e in errors} == {"invalid_type"}
    assert Filing.objects.get(pk=filing.pk).data == before


def test_a_place_of_the_wrong_json_type_is_named_by_its_position(client, world):
    places = complete_filing()["deployments"]
    places[1]["signage"] = "no"
    response = client.put(
        f"/api/v1/filings/{world['filing'].pk}/steps/deployments/",
        places,
        content_type="application/json",
        **bearer(world["secrets"]["write"]),
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["deployments[1].signage"]


def test_no_is_not_a_declaration(client, world):
    filing = world["filing"]
    filing.data.pop("declaration")
    filing.save(update_fields=["data"])
    response = client.post(
        f"/api/v1/filings/{filing.pk}/submit/",
        {"truthful": "no"},
        content_type="application/json",
        **bearer(world["secrets"]["write"]),
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "truthful"
    filing.refresh_from_db()
    assert filing.status == "draft"
    assert "declaration" not in filing.data


@pytest.mark.parametrize("value", [20261201, 1.5, True, ["2026-02-02"], "2026/02/02", "2026-02-30"])
def test_a_system_date_that_is_not_an_iso_string_is_a_400_not_a_500(client, world, value):
    response = client.post(
        "/api/v1/systems/",
        {**SYSTEM, "count_reached_on": value},
        content_type="application/json",
        **bearer(world["secrets"]["write"]),
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["count_reached_on"]
    assert RecognitionSystem.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {**SYSTEM, "used_in_public_place": "false"},
        {**SYSTEM, "people_stored": "500"},
        {**SYSTEM, "name": 123},
    ],
)
def test_a_system_field_of_the_wrong_json_type_is_refused(client, world, body):
    response = client.post(
        "/api/v1/systems/",
        body,
        content_type="application/json",
        **bearer(world["secrets"]["write"]),
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid_type"
    assert RecognitionSystem.objects.count() == 1


@pytest.mark.parametrize(
    "body", [{"kind": 1}, {"kind": ["initial"]}, {"kind": "change", "original": "5"}, ["initial"]]
)
def test_a_filing_is_started_only_from_a_well_typed_body(client, world, body):
    response = client.post(
        "/api/v1/filings/",
        body,
        content_type="application/json",
        **bearer(world["secrets"]["write"]),
    )
    assert response.status_code == 400


# --- Creating a filing ----------------------------------------------------------------------------


def test_starting_a_filing_that_exists_is_a_409_naming_it_never_a_201(client, world):
    filing = world["filing"]
    response = client.post(
        "/api/v1/filings/",
        {"kind": "initial"},
        content_type="application/json",
        **bearer(world["secrets"]["write"]),
    )
    assert response.status_code == 409
    (error,) = response.json()["errors"]
    assert error["code"] == "filing_exists"
    assert response["Location"] == f"http://testserver/api/v1/filings/{filing.pk}/"
    assert response["Location"] in error["message"]
    assert Filing.objects.count() == 1


def test_starting_a_filing_creates_it_with_201_and_its_location(client, world):
    organization = world["admin"].organization
    Filing.objects.filter(organization=organization).update(
        status="withdrawn", receipt_number="FR20260301000001"
    )
    response = client.post(
        "/api/v1/filings/",
        {"kind": "initial"},
        content_type="application/json",
        **bearer(world["secrets"]["write"]),
    )
    assert response.status_code == 201
    created = Filing.objects.filter(organization=organization, status="draft").get()
    assert response.json()["id"] == created.pk
    assert response["Location"].endswith(f"/api/v1/filings/{created.pk}/")


# --- Paging and dates -----------------------------------------------------------------------------


def _all_pages(client, url, secret, between=None, **params):
    seen, page, response = [], 0, client.get(url, params, **bearer(secret))
    while True:
        assert response.status_code == 200, response.json()
        seen += [row["id"] for row in response.json()["results"]]
        if between:
            between(page)
        page += 1
        if not response.json()["next"]:
            return seen
        response = client.get(response.json()["next"], **bearer(secret))


def test_a_change_while_paging_neither_skips_nor_repeats_a_record(client, world):
    secret = world["secrets"]["write"]
    for day in (3, 4, 5):
        with time_machine.travel(date(2026, 3, day), tick=False):
            client.post(
                "/api/v1/systems/",
                {**SYSTEM, "name": f"系统{day}"},
                content_type="application/json",
                **bearer(secret),
            )
    expected = list(
        RecognitionSystem.objects.order_by("updated_at", "pk").values_list("pk", flat=True)
    )
    assert len(expected) == 4

    def change_the_first_seen(page):
        if page == 0:
            with time_machine.travel(date(2026, 3, 6), tick=False):
                patched = client.patch(
                    f"/api/v1/systems/{expected[0]}/",
                    {"people_stored": 13_000},
                    content_type="application/json",
                    **bearer(secret),
                )
                assert patched.status_code == 200

    with time_machine.travel(date(2026, 3, 5), tick=False):
        seen = _all_pages(
            client, "/api/v1/systems/", secret, between=change_the_first_seen, page_size=1
        )
    assert seen == expected
    # The change is there for the next poll.
    with time_machine.travel(date(2026, 3, 7), tick=False):
        again = _all_pages(client, "/api/v1/systems/", secret, updated_since="2026-03-06")
    assert again == [expected[0]]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("page_size", "abc"),
        ("page_size", "0"),
        ("page_size", "201"),
        ("page_size", "-1"),
        ("cursor", "abc"),
        ("cursor", "eyJtIjoxfQ"),
        ("status", "bogus"),
    ],
)
def test_a_bad_paging_or_filter_parameter_is_a_400(client, world, name, value):
    response = client.get("/api/v1/duties/", {name: value}, **bearer(world["secrets"]["read"]))
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == name


BAD_MOMENTS = [
    "2026-02-30",
    "2026-02-28T25:00:00",
    "2026-02-28T12:00:00+99:00",
    "0001-01-01T00:00:00+08:00",
    "0001-01-01",
    "9999-12-31T23:00:00-05:00",
    "2026-13-01",
    "yesterday",
    "2026-03-01T12:00:00+08:60",
    "20260301",
]


@pytest.mark.parametrize("url", ["/api/v1/duties/", "/api/v1/filings/", "/api/v1/systems/"])
@pytest.mark.parametrize("value", BAD_MOMENTS)
def test_an_impossible_date_is_a_400_in_the_error_shape(client, world, url, value):
    response = client.get(
        url, {"updated_since": value}, HTTP_ACCEPT_LANGUAGE="en", **bearer(world["secrets"]["read"])
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "code": "invalid_datetime",
                "message": "Give a date and time in ISO 8601, e.g. 2026-12-01T08:00:00+08:00.",
                "field": "updated_since",
            }
        ]
    }


@pytest.mark.parametrize(
    "value",
    [
        "2026-03-01",
        "2026-03-01T08:00:00+08:00",
        "2026-03-01T00:00:00Z",
        "2026-03-01T00:00",
        "2026-03-01T00:00:00.123456-05:00",
        "9999-12-31",
    ],
)
def test_a_real_moment_is_read(client, world, value):
    response = client.get(
        "/api/v1/duties/", {"updated_since": value}, **bearer(world["secrets"]["read"])
    )
    assert response.status_code == 200


# --- One error shape, and who the caller is before what it sent -----------------------------------


def test_an_anonymous_request_with_a_nul_is_a_401_and_a_read_tokens_write_a_403(client, world):
    anonymous = client.get("/api/v1/systems/", {"q": "\x00"})
    assert anonymous.status_code == 401
    body = b'{"name": "a\\u0000b"}'
    anonymous = client.post("/api/v1/systems/", body, content_type="application/json")
    assert anonymous.status_code == 401
    assert anonymous.json()["errors"][0]["code"] == "not_authenticated"
    read = client.post(
        "/api/v1/systems/",
        body,
        content_type="application/json",
        **bearer(world["secrets"]["read"]),
    )
    assert read.status_code == 403
    assert read.json()["errors"][0]["code"] == "read_only_token"
    write = client.get("/api/v1/systems/", {"q": "\x00"}, **bearer(world["secrets"]["write"]))
    assert write.status_code == 400
    assert write.json()["errors"][0]["code"] == "unstorable_text"


def _assert_error_shape(response, status, code=None):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    errors = json.loads(response.content)["errors"]
    assert errors
    assert all(set(item) == {"code", "message", "field"} for item in errors)
    if code:
        assert errors[0]["code"] == code


def test_every_error_under_the_api_comes_in_one_shape(client, world, settings):
    write = bearer(world["secrets"]["write"])
    _assert_error_shape(client.delete("/api/v1/systems/", **write), 405, "method_not_allowed")
    _assert_error_shape(
        client.get("/api/v1/systems/", HTTP_ACCEPT="text/html", **write), 406, "not_acceptable"
    )
    _assert_error_shape(
        client.post("/api/v1/systems/", "name=x", content_type="text/plain", **write),
        415,
        "unsupported_media_type",
    )
    _assert_error_shape(
        client.post(
            f"/api/v1/filings/{world['filing'].pk}/attachments/",
            b"--x\r\n",
            content_type="multipart/form-data",
            **write,
        ),
        400,
    )
    _assert_error_shape(
        client.post("/api/v1/systems/", b"{not json", content_type="application/json", **write),
        400,
        "parse_error",
    )
    _assert_error_shape(client.get("/api/v1/systems/999999/", **write), 404, "not_found")
    _assert_error_shape(client.get("/api/v2/", **write), 404, "not_found")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    big = {**SYSTEM, "name": "x" * 200}
    _assert_error_shape(
        client.post("/api/v1/systems/", big, content_type="application/json", **write),
        413,
        "too_large",
    )


def test_a_server_error_under_the_api_is_json_too(world, monkeypatch):
    from django.test import Client

    from api import views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.SystemDetail, "get", broken)
    client = Client(raise_request_exception=False)
    response = client.get(
        f"/api/v1/systems/{world['system'].pk}/",
        HTTP_ACCEPT_LANGUAGE="en",
        **bearer(world["secrets"]["write"]),
    )
    _assert_error_shape(response, 500, "server_error")
    assert "boom" not in response.content.decode()


def test_djangos_own_error_pages_under_the_api_are_json(rf):
    from api import errors

    request = rf.get("/api/v1/anything/")
    for handler, status in [
        (errors.bad_request, 400),
        (errors.permission_denied, 403),
        (errors.page_not_found, 404),
    ]:
        _assert_error_shape(handler(request, Exception()), status)
    _assert_error_shape(errors.server_error(request), 500, "server_error")
    assert errors.page_not_found(rf.get("/verify/x/"), Exception())["Content-Type"].startswith(
        "text/html"
    )


# --- Headers -------------------------------------------------------------------------------------


def test_answers_vary_on_the_language_and_carry_a_request_id(client, world):
    read = bearer(world["secrets"]["read"])
    echoed = client.get("/api/v1/systems/", HTTP_X_REQUEST_ID="tool-42:abc", **read)
    assert echoed["X-Request-ID"] == "tool-42:abc"
    assert "Accept-Language" in echoed["Vary"]
    made = client.get("/api/v1/systems/", **read)
    assert len(made["X-Request-ID"]) == 32
    odd = client.get("/api/v1/systems/", HTTP_X_REQUEST_ID="a b\tc", **read)
    assert odd["X-Request-ID"] != "a b\tc"
    assert "Accept-Language" in client.get("/api/v1/nothing/")["Vary"]
    anonymous = client.get("/api/v1/systems/")
    assert anonymous.status_code == 401
    assert len(anonymous["X-Request-ID"]) == 32


def test_rate_limit_headers_count_down_and_a_429_says_when_to_retry(client, world):
    from api.throttling import TokenRateThrottle

    original = TokenRateThrottle.THROTTLE_RATES
    TokenRateThrottle.THROTTLE_RATES = {"api_token": "2/min"}
    try:
        read = bearer(world["secrets"]["read"])
        first, second, third = (client.get("/api/v1/duties/", **read) for _ in range(3))
    finally:
        TokenRateThrottle.THROTTLE_RATES = original
    assert (first["RateLimit-Limit"], first["RateLimit-Remaining"]) == ("2", "1")
    assert second["RateLimit-Remaining"] == "0"
    assert 0 < int(first["RateLimit-Reset"]) <= 60
    assert third.status_code == 429
    assert third["RateLimit-Remaining"] == "0"
    assert 0 < int(third["Retry-After"]) <= 60
    assert third.json()["errors"][0]["code"] == "throttled"


def test_an_organizations_tokens_share_its_limit(client, world):
    from api.throttling import OrganizationRateThrottle

    original = OrganizationRateThrottle.THROTTLE_RATES
    OrganizationRateThrottle.THROTTLE_RATES = {"api_organization": "2/min"}
    try:
        codes = [
            client.get("/api/v1/duties/", **bearer(world["secrets"][persona])).status_code
            for persona in ("read", "write", "read", "write")
        ]
        other = client.get("/api/v1/duties/", **bearer(world["secrets"]["other"]))
    finally:
        OrganizationRateThrottle.THROTTLE_RATES = original
    assert codes == [200, 200, 429, 429]
    assert other.status_code == 200


def test_a_detail_read_has_an_etag_and_if_none_match_gives_304(client, world):
    read = bearer(world["secrets"]["read"])
    url = f"/api/v1/systems/{world['system'].pk}/"
    first = client.get(url, **read)
    etag = first["ETag"]
    assert etag.startswith('"')
    again = client.get(url, HTTP_IF_NONE_MATCH=etag, **read)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    client.patch(
        url,
        {"people_stored": 13_000},
        content_type="application/json",
        **bearer(world["secrets"]["write"]),
    )
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag, **read)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    since = changed["Last-Modified"]
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=since, **read).status_code == 304
    filing = client.get(f"/api/v1/filings/{world['filing'].pk}/", **read)
    english = client.get(
        f"/api/v1/filings/{world['filing'].pk}/", HTTP_ACCEPT_LANGUAGE="en", **read
    )
    assert filing["ETag"] != english["ETag"]
    duty = client.get(f"/api/v1/duties/{world['duty'].pk}/", **read)
    assert (
        client.get(duty.wsgi_request.path, HTTP_IF_NONE_MATCH=duty["ETag"], **read).status_code
        == 304
    )


def test_the_same_idempotency_key_and_body_give_the_same_answer_once(client, world):
    write = bearer(world["secrets"]["write"])

    def post(body, key="key-1"):
        return client.post(
            "/api/v1/systems/",
            body,
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=key,
            **write,
        )

    first = post(SYSTEM)
    second = post(SYSTEM)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert RecognitionSystem.objects.count() == 2  # the fixture's and this one
    other_body = post({**SYSTEM, "name": "别的"})
    assert other_body.status_code == 422
    assert other_body.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert post({**SYSTEM, "name": "别的"}, key="key-2").status_code == 201
    assert RecognitionSystem.objects.count() == 3
    assert post(SYSTEM, key="a key with spaces").status_code == 400
    # Another organization's key of the same name is its own.
    theirs = client.post(
        "/api/v1/systems/",
        SYSTEM,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="key-1",
        **bearer(world["secrets"]["other"]),
    )
    assert theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs
    # After 24 hours the key is forgotten.
    with time_machine.travel(date(2026, 3, 4), tick=False):
        later = post(SYSTEM)
    assert later.status_code == 201
    assert "Idempotent-Replayed" not in later


def test_an_upload_sent_twice_with_one_key_is_attached_once(client, world):
    filing = world["filing"]
    payload = encode_multipart(
        BOUNDARY, {"kind": "other", "file": SimpleUploadedFile("x.pdf", pdf_bytes())}
    )
    answers = [
        client.generic(
            "POST",
            f"/api/v1/filings/{filing.pk}/attachments/",
            payload,
            MULTIPART_CONTENT,
            HTTP_IDEMPOTENCY_KEY="upload-1",
            **bearer(world["secrets"]["write"]),
        )
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert services.current_attachments(filing).count() == 3


def test_an_organization_has_at_most_the_set_number_of_active_tokens(client, world, settings):
    settings.API_TOKENS_PER_ORGANIZATION = 3
    admin = world["admin"]
    client.force_login(admin.user)
    url = reverse("api_tokens", args=[admin.organization.pk])
    made = client.post(url, {"name": "third", "scope": "read"})
    assert made.context["secret"]
    refused = client.post(url, {"name": "fourth", "scope": "read"})
    assert refused.context["secret"] is None
    assert "已有 3 个有效令牌" in refused.content.decode()
    assert not ApiToken.objects.filter(name="fourth").exists()
    with pytest.raises(tokens.TokenLimitReached):
        tokens.create_token(admin.organization, admin.user, name="x", scope="read")
    # Revoking one makes room; another organization's count is its own.
    tokens.revoke_token(ApiToken.objects.get(name="third"), admin.user)
    assert client.post(url, {"name": "fourth", "scope": "read"}).context["secret"]


# --- The verbs the web has, through the same services -------------------------------------------


def _submitted(client, world):
    filing = world["filing"]
    response = client.post(
        f"/api/v1/filings/{filing.pk}/submit/",
        {"truthful": True},
        content_type="application/json",
        **bearer(world["secrets"]["write"]),
    )
    assert response.status_code == 200, response.json()
    return filing


def _post(client, world, url, body=None):
    return client.post(
        url,
        body if body is not None else {},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **bearer(world["secrets"]["write"]),
    )


def test_withdraw_and_file_again_go_through_the_verbs_and_the_history(client, world):
    from filings.models import FilingEvent

    filing = _submitted(client, world)
    url = f"/api/v1/filings/{filing.pk}/withdraw/"
    assert _post(client, world, url, {"reason": 123}).status_code == 400
    assert _post(client, world, url, {"reason": ""}).status_code == 400
    assert _post(client, world, url, {}).status_code == 400
    response = _post(client, world, url, {"reason": "联系人有误"})
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    event = filing.events.get(action=FilingEvent.Action.WITHDRAWN)
    assert (event.actor, event.note) == (world["admin"].user, "联系人有误")
    assert world["duty"].__class__.objects.get(pk=world["duty"].pk).status == "open"
    assert _post(client, world, url, {"reason": "again"}).status_code == 409

    again = _post(client, world, f"/api/v1/filings/{filing.pk}/refile/")
    assert again.status_code == 201
    new = Filing.objects.get(refiled_from=filing)
    assert again.json()["id"] == new.pk
    twice = _post(client, world, f"/api/v1/filings/{filing.pk}/refile/")
    assert twice.status_code == 409
    assert twice["Location"].endswith(f"/api/v1/filings/{new.pk}/")
    assert _post(client, world, f"/api/v1/filings/{new.pk}/refile/").status_code == 409


def test_a_filing_under_review_is_not_withdrawn(client, world, city_reviewer):
    filing = _submitted(client, world)
    services.start_review(filing.pk, city_reviewer)
    response = _post(client, world, f"/api/v1/filings/{filing.pk}/withdraw/", {"reason": "x"})
    assert response.status_code == 409
    assert Filing.objects.get(pk=filing.pk).status == "under_review"


def test_messages_with_the_office_are_listed_and_written(client, world, city_reviewer):
    from django.core import mail

    filing = world["filing"]
    url = f"/api/v1/filings/{filing.pk}/messages/"
    assert _post(client, world, url, {"body": "草稿时"}).status_code == 409
    _submitted(client, world)
    assert _post(client, world, url, {"body": ["x"]}).status_code == 400
    mail.outbox.clear()
    written = _post(client, world, url, {"body": "请问材料是否齐全？"})
    assert written.status_code == 201
    assert written.json()["sender"] == "organization"
    services.post_message(filing.pk, city_reviewer, "齐全。", from_office=True)
    listed = client.get(url, **bearer(world["secrets"]["read"])).json()
    assert [(m["sender"], m["body"]) for m in listed] == [
        ("organization", "请问材料是否齐全？"),
        ("office", "齐全。"),
    ]


def test_attachments_are_listed_and_downloaded_with_a_name_curl_can_use(client, world):
    from filings.models import Attachment

    filing = world["filing"]
    read = bearer(world["secrets"]["read"])
    listed = client.get(f"/api/v1/filings/{filing.pk}/attachments/", **read).json()
    assert {row["kind"] for row in listed} == {"assessment_report", "other"}
    row = Attachment.objects.get(pk=listed[0]["id"])
    response = client.get(f"/api/v1/filings/{filing.pk}/attachments/{row.pk}/file/", **read)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] in (b"%PDF", b"\x89PNG")
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    assert "filename*=UTF-8''" in disposition
    assert disposition.isascii()
    document = client.get(f"/api/v1/documents/{world['document'].pk}/file/", **read)
    consume(document)
    ascii_name = document["Content-Disposition"].split('filename="')[1].split('"')[0]
    assert ascii_name.endswith(".pdf")
    assert ascii_name.isascii()
    assert "filename*=UTF-8''" in document["Content-Disposition"]


def test_content_disposition_has_an_ascii_name_and_the_real_one():
    from filings.documents.documents import content_disposition

    assert content_disposition("备案表-FR20260302000001-v1.pdf") == (
        'attachment; filename="FR20260302000001-v1.pdf"; '
        "filename*=UTF-8''%E5%A4%87%E6%A1%88%E8%A1%A8-FR20260302000001-v1.pdf"
    )
    assert content_disposition("评估报告.pdf").startswith('attachment; filename="download.pdf"')
    assert 'filename="a_b.png"' in content_disposition('a"b.png', inline=True)


def test_the_organization_endpoint_says_who_the_token_acts_for(client, world):
    response = client.get("/api/v1/organization/", **bearer(world["secrets"]["read"]))
    assert response.status_code == 200
    body = response.json()
    organization = world["admin"].organization
    assert (body["id"], body["uscc"]) == (organization.pk, organization.uscc)
    assert body["acting_as"] == world["admin"].user.email
    assert body["token"]["scope"] == "read"
    assert body["limits"]["active_tokens"] == 2
    assert body["limits"]["max_active_tokens"] == 20
    assert body["limits"]["calls_per_token"] == "120/min"


# --- The schema ----------------------------------------------------------------------------------


def test_the_schema_documents_every_status_an_operation_can_answer(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            assert {"400", "401", "405", "406", "429"} <= statuses, (method, path)
            if method != "get":
                assert {"403", "409", "413", "415", "422"} <= statuses, (method, path)
            if "{" in path:
                assert "404" in statuses, (method, path)
            assert "X-Request-ID" in operation["responses"]["400"]["headers"]
    detail = schema["paths"]["/api/v1/filings/{id}/"]["get"]["responses"]
    assert "304" in detail
    assert "ETag" in detail["200"]["headers"]
    create = schema["paths"]["/api/v1/filings/"]["post"]["requestBody"]["content"]
    branches = create["application/json"]["schema"]["oneOf"]
    assert ["kind", "original"] in [branch.get("required") for branch in branches]
    declaration = schema["components"]["schemas"]["DeclarationInputRequest"]
    assert declaration["required"] == ["truthful"]
    purpose = schema["components"]["schemas"]["PurposeStepInputRequest"]["properties"]
    assert purpose["purpose"].get("minLength") == 1


def test_the_schema_download_has_a_valid_content_disposition(client):
    response = client.get("/api/schema/")
    disposition = response["Content-Disposition"]
    assert disposition.isascii()
    assert disposition.startswith("inline; filename=\"API.yaml\"; filename*=UTF-8''")
    assert "=?utf-8?" not in disposition.lower()


def test_an_attachment_taken_out_of_the_draft_is_no_longer_downloaded(client, world):
    filing, attachment = world["filing"], world["attachment"]
    write = bearer(world["secrets"]["write"])
    url = f"/api/v1/filings/{filing.pk}/attachments/{attachment.pk}/"
    assert client.delete(url, **write).status_code == 204
    assert client.get(f"{url}file/", **write).status_code == 404


def test_a_download_answers_a_client_that_accepts_only_its_type(client, world):
    read = bearer(world["secrets"]["read"])
    url = f"/api/v1/documents/{world['document'].pk}/file/"
    response = client.get(url, HTTP_ACCEPT="application/pdf", **read)
    assert response.status_code == 200
    consume(response)
    missing = client.get("/api/v1/documents/999999/file/", HTTP_ACCEPT="application/pdf", **read)
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "not_found"


def test_a_system_is_declared_research_only_and_retired_through_the_api(client, world, settings):
    """The same verbs as the web: research-only is outside the measures, and retiring a system
    after filing opens the change or the cancellation duty (obligations.retire_system)."""
    settings.FILING_REGIME = "cac-2025-measures"
    write = bearer(world["secrets"]["write"])
    created = client.post(
        "/api/v1/systems/",
        {**SYSTEM, "name": "训练集", "people_stored": 150_000, "research_only": True},
        content_type="application/json",
        **write,
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["research_only"] is True
    assert body["retired_on"] is None
    system_id = body["id"]
    refused = client.post(
        f"/api/v1/systems/{system_id}/retire/",
        {"retired_on": "2030-01-01"},
        content_type="application/json",
        **write,
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "retired_on"
    wrong_type = client.post(
        f"/api/v1/systems/{system_id}/retire/",
        {"retired_on": 20260227},
        content_type="application/json",
        **write,
    )
    assert wrong_type.status_code == 400
    retired = client.post(
        f"/api/v1/systems/{system_id}/retire/",
        {"retired_on": "2026-02-27"},
        content_type="application/json",
        **write,
    )
    assert retired.status_code == 200, retired.json()
    assert retired.json()["retired_on"] == "2026-02-27"
    again = client.post(
        f"/api/v1/systems/{system_id}/retire/",
        {"retired_on": "2026-02-27"},
        content_type="application/json",
        **write,
    )
    assert again.status_code == 409
    update = client.patch(
        f"/api/v1/systems/{system_id}/",
        {"people_stored": 1},
        content_type="application/json",
        **write,
    )
    assert update.status_code == 409
    read = client.post(
        f"/api/v1/systems/{system_id}/retire/",
        {"retired_on": "2026-02-27"},
        content_type="application/json",
        **bearer(world["secrets"]["read"]),
    )
    assert read.status_code == 403


@pytest.mark.parametrize(
    ("regime", "people", "research_only", "must_file"),
    [
        ("cac-2023-draft", 10_001, False, True),
        ("cac-2025-measures", 10_001, False, False),
        ("cac-2025-measures", 100_000, False, True),
        ("cac-2025-measures", 150_000, True, False),
    ],
)
def test_the_public_self_check_answers_without_a_token(
    client, settings, regime, people, research_only, must_file
):
    settings.FILING_REGIME = regime
    response = client.get(
        "/api/v1/self-check/",
        {
            "people_stored": str(people),
            "reached_on": "2026-02-02",
            "address_division": "440300",
            **({"research_only": "true"} if research_only else {}),
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["must_file"] is must_file
    assert body["rule_set"] == regime
    assert body["office"]["code"] == ("440300" if regime == "cac-2023-draft" else "440000")
    assert (body["deadline"] is not None) is must_file


def test_the_public_self_check_refuses_bad_answers_in_the_error_shape(client):
    response = client.get(
        "/api/v1/self-check/",
        {"people_stored": "many", "reached_on": "2026-02-30", "address_division": "440300"},
    )
    assert response.status_code == 400
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"people_stored", "reached_on"} <= fields


def test_a_download_name_with_a_lone_surrogate_is_quoted_not_a_server_error():
    """A file name is whatever a client sent: a lone surrogate must not break the header."""
    from filings.documents.documents import content_disposition

    header = content_disposition("报告\udc80.pdf")
    assert header.startswith('attachment; filename="')
    assert "filename*=UTF-8''%E6%8A%A5%E5%91%8A%3F.pdf" in header
