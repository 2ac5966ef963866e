"""Every look recorded (issue 27): every route that answers with a file writes an audit entry
(who, when, from which address, which file), found by walking the whole URLconf so that a new
route cannot be missed; API tokens made and revoked are audited; full ID numbers are masked in the
pages and the API, and a reviewer's "show" is recorded; the audit filters by organization, person
and file."""

import copy
import itertools
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse, StreamingHttpResponse
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from api import tokens
from filings.documents import attachments
from filings.law import materials
from filings.lifecycle import services
from filings.models import AuditEntry, Document, ExportJob, Filing
from tests.factories import MembershipFactory, login_with_second_factor, sign_in
from tests.filing_data import complete_filing, mark_complete
from tests.pdfs import pdf_bytes

pytestmark = pytest.mark.django_db
A = AuditEntry.Action

# Routes that answer with a file and are not a look at anyone's personal information, and why.
EXEMPT = {
    "api_schema": "the published description of the API: no one's data",
    "two_factor_qr": "the person's own authenticator set-up, shown to them alone while setting up",
}
# Never opened by the walk: they end the session it runs in.
SKIPPED = {"logout", "admin:logout"}
# What the walk must find serving a file, so that it is not vacuous.
MUST_SERVE = {
    "attachment_download",
    "document_download",
    "filing_letter",
    "system_bulk_template",
    "account_data_json",
    "admin:filings_filing_attachment",
    "admin:filings_filing_document",
    "admin:filings_filing_system_form",
    "admin:filings_filing_export_csv",
    "admin:filings_filing_export_xlsx",
    "admin:filings_filing_export_job_download",
    "admin:filings_overdueduty_export_csv",
    "admin:filings_overdueduty_export_xlsx",
    "api_filing_attachment_file",
    "api_document_file",
}


def routes(resolver=None, prefix="", namespace=""):
    """(dotted name, route text, pattern) for every URL pattern, included ones too."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        text = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            space = namespace
            if entry.namespace:
                space = f"{namespace}{entry.namespace}:"
            yield from routes(entry, text, space)
        elif isinstance(entry, URLPattern):
            yield (f"{namespace}{entry.name}" if entry.name else text), text, entry


ARGUMENT = re.compile(r"<(?:(\w+):)?(\w+)>")


def drain(response):
    """Read a streamed answer to its end and close its file, as the server would (without
    ``response.close()``, whose signal would close the test's database connection)."""
    if response.streaming:
        b"".join(response.streaming_content)
    handle = getattr(response, "file_to_stream", None)
    if handle is not None:
        handle.close()
    return response


def is_file(response) -> bool:
    if isinstance(response, FileResponse | StreamingHttpResponse):
        return True
    if "Content-Disposition" in response:
        return True
    kind = response.get("Content-Type", "").split(";")[0]
    # Pages, data and the pages' own scripts (Django's translations for the admin) are not files.
    return kind not in (
        "text/html",
        "application/json",
        "text/plain",
        "text/javascript",
        "application/javascript",
        "",
    )


@pytest.fixture
def world(django_capture_on_commit_callbacks, city_reviewer, administrator):
    member = MembershipFactory(organization__address_division="440300", user__language="zh-hans")
    filing = services.start_initial_filing(member.organization, member.user)
    filing.data = copy.deepcopy(complete_filing())
    mark_complete(filing)
    attachment = attachments.store(
        filing, member.user, "assessment_report", SimpleUploadedFile("身份证.pdf", pdf_bytes())
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_filing(filing.pk, member.user)
    filing.refresh_from_db()
    document = Document.objects.get(filing=filing, kind="form")
    assert document.status == Document.Status.READY
    job = ExportJob.objects.create(
        user=administrator, language="zh-hans", status=ExportJob.Status.READY, rows_total=1
    )
    job.file.save("export.xlsx", ContentFile(b"PK\x03\x04 not opened"), save=False)
    job.finished_at = job.created_at
    job.save()
    _row, secret = tokens.create_token(member.organization, member.user, name="对接", scope="read")
    return {
        "member": member,
        "filing": filing,
        "attachment": attachment,
        "document": document,
        "job": job,
        "secret": secret,
        "administrator": administrator,
        "reviewer": city_reviewer,
    }


def candidates(world, converter: str | None, name: str) -> list:
    filing = world["filing"]
    ints = {
        "org_id": filing.organization_id,
        "filing_id": filing.pk,
        "attachment_id": world["attachment"].pk,
        "document_id": world["document"].pk,
        "job_id": world["job"].pk,
        "token_id": 1,
        "object_id": filing.pk,
        "content_type_id": 1,
    }
    if name == "pk":
        # A filing's own routes, and a document's in the API.
        return sorted({filing.pk, world["document"].pk})
    if name == "kind":
        return [*materials.LETTERS, "system_form", "change"]
    if name == "step":
        return ["organization"]
    return [ints.get(name, 1)]


def test_every_route_that_serves_a_file_writes_an_audit_entry(client, world):
    served = set()
    for route_name, text, pattern in routes():
        if route_name in SKIPPED or not pattern.name:
            continue
        arguments = ARGUMENT.findall(text)
        if "(?P<" in text:
            continue  # the admin's index of an app (a page): its one regex route with arguments
        choices = [candidates(world, conv, arg) for conv, arg in arguments]
        for values in itertools.product(*choices):
            kwargs = {arg: value for (_conv, arg), value in zip(arguments, values, strict=True)}
            try:
                url = reverse(route_name, kwargs=kwargs)
            except NoReverseMatch:  # a name reused by another route with other arguments
                continue
            client.logout()
            headers = {}
            if url.startswith("/admin/"):
                user = world["administrator"]
                login_with_second_factor(client, user)
            elif url.startswith("/api/"):
                user = world["member"].user
                headers = {"HTTP_AUTHORIZATION": f"Bearer {world['secret']}"}
            else:
                user = world["member"].user
                sign_in(client, user)
            before = AuditEntry.objects.count()
            response = drain(client.get(url, **headers))
            if response.status_code != 200 or not is_file(response):
                continue
            served.add(route_name)
            if route_name in EXEMPT:
                continue
            new = AuditEntry.objects.order_by("-pk")[: AuditEntry.objects.count() - before]
            assert new, f"{route_name} ({url}) served a file and wrote no audit entry"
            entry = new[0]
            assert entry.actor == user, route_name
            assert entry.address == "127.0.0.1", route_name
            assert entry.object_repr, route_name
            if url.startswith("/api/"):
                assert "frp_" in entry.after["token"]
    missing = MUST_SERVE - served
    assert not missing, f"the walk did not reach: {sorted(missing)}"


def test_a_look_at_an_attachment_names_who_when_where_and_which_file(client, world):
    attachment, filing, member = world["attachment"], world["filing"], world["member"]
    sign_in(client, member.user)
    url = reverse("attachment_download", args=[filing.organization_id, filing.pk, attachment.pk])
    response = drain(client.get(url, REMOTE_ADDR="203.0.113.9"))
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action=A.ATTACHMENT_READ)
    assert entry.actor == member.user
    assert entry.address == "203.0.113.9"
    assert entry.organization == filing.organization
    assert entry.object_repr == "身份证.pdf"
    assert entry.after["sha256"] == attachment.sha256
    assert entry.after["filing"] == filing.receipt_number


def test_api_tokens_made_and_revoked_are_audited(client, world):
    member = world["member"]
    sign_in(client, member.user)
    url = reverse("api_tokens", args=[member.organization_id])
    response = client.post(url, {"name": "报送工具", "scope": "write"}, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 200
    made = AuditEntry.objects.filter(action=A.API_TOKEN_CREATED).order_by("-pk").first()
    assert made.after["scope"] == "write"
    assert made.after["token"].startswith("报送工具 (frp_")
    assert made.address == "198.51.100.7"
    assert made.actor == member.user
    token = member.organization.api_tokens.get(name="报送工具")
    client.post(reverse("api_token_revoke", args=[member.organization_id, token.pk]))
    revoked = AuditEntry.objects.get(action=A.API_TOKEN_REVOKED)
    assert revoked.before["token"] == made.after["token"]
    assert revoked.organization == member.organization
    # Revoking twice records once.
    client.post(reverse("api_token_revoke", args=[member.organization_id, token.pk]))
    assert AuditEntry.objects.filter(action=A.API_TOKEN_REVOKED).count() == 1


def test_id_numbers_are_masked_and_a_reviewers_show_is_recorded(client, world):
    filing, reviewer = world["filing"], world["reviewer"]
    full, masked = "11010519491231002X", "110105********002X"
    # The API sends the masked number only.
    auth = {"HTTP_AUTHORIZATION": f"Bearer {world['secret']}"}
    body = client.get(reverse("api_filing", args=[filing.pk]), **auth).content.decode()
    assert full not in body
    assert masked in body
    # The review page shows it masked, with a button.
    login_with_second_factor(client, reviewer)
    page = client.get(reverse("admin:filings_filing_change", args=[filing.pk])).content.decode()
    assert full not in page
    assert masked in page
    assert "显示完整身份证号码" in page
    reveal = reverse("admin:filings_filing_id_number", args=[filing.pk])
    assert client.get(reveal).status_code == 405  # never by a link
    assert not AuditEntry.objects.filter(action=A.ID_NUMBER_SHOWN).exists()
    shown = client.post(reveal, REMOTE_ADDR="192.0.2.44")
    assert shown.status_code == 200
    assert full in shown.content.decode()
    entry = AuditEntry.objects.get(action=A.ID_NUMBER_SHOWN)
    assert (entry.actor, entry.address, entry.organization) == (
        reviewer,
        "192.0.2.44",
        filing.organization,
    )
    assert entry.after["field"] == "responsible_person_id_number"
    assert full not in str(entry.after)
    # A reviewer of another office cannot ask.
    client.logout()
    from tests.factories import reviewer_of

    login_with_second_factor(client, reviewer_of("440100", "gz2@cac.example"))
    assert client.post(reveal).status_code == 404
    assert AuditEntry.objects.filter(action=A.ID_NUMBER_SHOWN).count() == 1


def test_the_filing_step_never_sends_the_full_id_number_back(client, world):
    member = world["member"]
    draft_owner = MembershipFactory(organization__address_division="440300")
    draft = services.start_initial_filing(draft_owner.organization, draft_owner.user)
    draft.data = copy.deepcopy(complete_filing())
    draft.save(update_fields=["data"])
    sign_in(client, draft_owner.user)
    url = reverse("filing_step", args=[draft.organization_id, draft.pk, "organization"])
    html = client.get(url).content.decode()
    assert "11010519491231002X" not in html
    assert "110105********002X" in html
    # Saved with the field left blank, the stored number stays.
    values = dict(complete_filing()["organization"], responsible_person_id_number="")
    values.pop("address_division", None)
    response = client.post(url, {**values, "province": "440000", "city": "440300"})
    assert response.status_code in (200, 302)
    draft.refresh_from_db()
    assert draft.data["organization"]["responsible_person_id_number"] == "11010519491231002X"
    assert member  # the world's organization is untouched by another's draft


def test_the_audit_filters_by_organization_person_and_file(client, world):
    filing, member, attachment = world["filing"], world["member"], world["attachment"]
    sign_in(client, member.user)
    download = reverse(
        "attachment_download", args=[filing.organization_id, filing.pk, attachment.pk]
    )
    drain(client.get(download))
    other = MembershipFactory(organization=member.organization, role="editor")
    sign_in(client, other.user)
    drain(client.get(download))
    client.logout()
    login_with_second_factor(client, world["administrator"])
    base = reverse("admin:filings_auditentry_changelist")

    def rows(query):
        response = client.get(f"{base}?{query}")
        assert response.status_code == 200
        return list(response.context["cl"].result_list)

    by_file = rows(f"file=attachment-{attachment.pk}")
    assert {(row.action, row.actor) for row in by_file} >= {
        (A.ATTACHMENT_READ, member.user),
        (A.ATTACHMENT_READ, other.user),
        (A.ATTACHMENT_UPLOADED, member.user),
    }
    assert all(row.object_id == str(attachment.pk) for row in by_file)
    by_person = rows(f"person={other.user.pk}")
    assert by_person
    assert all(row.actor == other.user for row in by_person)
    by_both = rows(f"person={other.user.pk}&file=attachment-{attachment.pk}")
    assert [row.action for row in by_both] == [A.ATTACHMENT_READ]
    by_organization = rows(f"organization={member.organization_id}")
    assert len(by_organization) >= 3
    assert rows("file=attachment-x") == []
    assert rows("person=abc") == []
    page = client.get(f"{base}?file=attachment-{attachment.pk}").content.decode()
    assert "127.0.0.1" in page
    assert Filing.objects.filter(pk=filing.pk).exists()
