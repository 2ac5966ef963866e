"""A draft that was never submitted can be deleted, by one verb (services.delete_draft) that the
draft's web page and ``DELETE /api/v1/filings/{id}/`` both call: the audit trail keeps who
deleted what, the files uploaded to the draft leave storage (those another filing shares stay),
and the duty it answered stays open. Anything but a draft is refused."""

import copy
from datetime import date

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from filings.documents import attachments
from filings.lifecycle import services
from filings.models import Attachment, AuditEntry, Filing, FilingEvent, Obligation
from tests.api_helpers import bearer, organization_with_tokens
from tests.factories import MembershipFactory
from tests.filing_data import complete_filing, mark_complete
from tests.pdfs import pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(date(2026, 3, 2), tick=False):
        yield


@pytest.fixture
def member():
    """An organization's administrator, with a system over the threshold: a duty to file."""
    admin, _secrets = organization_with_tokens()
    return admin


def draft_with_files(member) -> tuple[Filing, list[Attachment]]:
    """A draft with a report, a photo, and a third file withdrawn from it again."""
    filing = services.start_initial_filing(member.organization, member.user)
    rows = [
        attachments.store(
            filing, member.user, "assessment_report", SimpleUploadedFile("报告.pdf", pdf_bytes())
        ),
        attachments.store(filing, member.user, "other", SimpleUploadedFile("a.png", png_bytes())),
        attachments.store(filing, member.user, "other", SimpleUploadedFile("b.png", png_bytes())),
    ]
    services.withdraw_attachment(rows[2], member.user)
    return filing, rows


def submitted(member) -> Filing:
    filing = services.start_initial_filing(member.organization, member.user)
    filing.data = copy.deepcopy(complete_filing())
    mark_complete(filing)
    attachments.store(
        filing, member.user, "assessment_report", SimpleUploadedFile("r.pdf", pdf_bytes())
    )
    return services.submit_filing(filing.pk, member.user)


# --- The verb ------------------------------------------------------------------------------------


def test_a_draft_is_deleted_with_its_files_an_audit_entry_and_its_duty_left_open(
    member, django_capture_on_commit_callbacks
):
    filing, rows = draft_with_files(member)
    duty = Obligation.objects.get(organization=member.organization)
    names = [row.file.name for row in rows]
    assert all(default_storage.exists(name) for name in names)

    with django_capture_on_commit_callbacks(execute=True):
        services.delete_draft(filing.pk, member.user)

    assert not Filing.objects.filter(pk=filing.pk).exists()
    assert not Attachment.objects.filter(filing_id=filing.pk).exists()
    assert not FilingEvent.objects.filter(filing_id=filing.pk).exists()
    assert not any(default_storage.exists(name) for name in names)
    entry = AuditEntry.objects.get(action="draft_deleted")
    assert (entry.actor, entry.organization) == (member.user, member.organization)
    assert entry.object_id == str(filing.pk)
    assert entry.before["kind"] == "initial"
    assert entry.before["attachments"] == ["报告.pdf", "a.png"]  # the withdrawn one aside
    duty.refresh_from_db()
    assert duty.status == Obligation.Status.OPEN
    assert duty.deadline == date(2026, 3, 20)
    # The next draft answers the same duty.
    again = services.start_initial_filing(member.organization, member.user)
    assert again.pk != filing.pk
    assert again.duty == duty


def test_the_files_stay_until_the_deletion_is_committed(member, django_capture_on_commit_callbacks):
    filing, rows = draft_with_files(member)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.delete_draft(filing.pk, member.user)
    assert default_storage.exists(rows[0].file.name)
    assert len(callbacks) == 1


@pytest.mark.parametrize("status", ["submitted", "under_review", "filed"])
def test_only_a_draft_can_be_deleted(member, city_reviewer, status):
    filing = submitted(member)
    if status == "under_review":
        services.start_review(filing.pk, city_reviewer)
    elif status == "filed":
        services.approve_filing(filing.pk, city_reviewer)
    with pytest.raises(services.TransitionNotAllowed, match="只有从未提交过的草稿才能删除"):
        services.delete_draft(filing.pk, member.user)
    assert Filing.objects.get(pk=filing.pk).status == status
    assert Attachment.objects.filter(filing=filing).count() == 1
    assert not AuditEntry.objects.filter(action="draft_deleted").exists()


def test_a_returned_filing_is_not_a_draft(member, city_reviewer):
    filing = submitted(member)
    services.return_filing(filing.pk, city_reviewer, "请补充评估报告。")
    with pytest.raises(services.TransitionNotAllowed):
        services.delete_draft(filing.pk, member.user)
    assert Filing.objects.filter(pk=filing.pk, status="returned").exists()


def test_a_change_draft_leaves_the_files_it_shares_with_the_filed_filing(
    member, city_reviewer, django_capture_on_commit_callbacks
):
    original = services.approve_filing(submitted(member).pk, city_reviewer)
    change = services.start_follow_up(original, member.user, Filing.Kind.CHANGE)
    [carried] = Attachment.objects.filter(filing=change)
    [kept] = Attachment.objects.filter(filing=original)
    assert carried.file.name == kept.file.name
    own = attachments.store(
        change, member.user, "other", SimpleUploadedFile("新照片.png", png_bytes())
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.delete_draft(change.pk, member.user)

    assert default_storage.exists(kept.file.name)
    assert not default_storage.exists(own.file.name)
    original.refresh_from_db()
    assert original.status == Filing.Status.FILED
    with default_storage.open(kept.file.name) as stored:
        assert stored.read() == pdf_bytes()


# --- The web's draft page ------------------------------------------------------------------------


def detail_url(member, filing):
    return reverse("filing_detail", args=[member.organization.pk, filing.pk])


def delete_url(member, filing):
    return reverse("filing_delete_draft", args=[member.organization.pk, filing.pk])


def test_the_draft_page_offers_deletion_with_a_confirmation(client, member):
    filing, _rows = draft_with_files(member)
    client.force_login(member.user)
    html = client.get(detail_url(member, filing)).content.decode()
    assert 'id="delete-draft"' in html
    assert delete_url(member, filing) in html
    assert "删除此草稿及其上传的文件？此操作无法撤销。" in html  # data-confirm, asked first


def test_the_page_of_a_submitted_filing_offers_no_deletion(client, member):
    filing = submitted(member)
    client.force_login(member.user)
    html = client.get(detail_url(member, filing)).content.decode()
    assert 'id="delete-draft"' not in html


def test_deleting_from_the_page_goes_through_the_verb(
    client, member, django_capture_on_commit_callbacks
):
    filing, rows = draft_with_files(member)
    client.force_login(member.user)
    assert client.get(delete_url(member, filing)).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(delete_url(member, filing), follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboard", args=[member.organization.pk])
    assert "草稿及其上传的文件已删除" in response.content.decode()
    assert not Filing.objects.filter(pk=filing.pk).exists()
    assert not default_storage.exists(rows[0].file.name)
    assert AuditEntry.objects.filter(action="draft_deleted", actor=member.user).exists()


def test_the_page_refuses_to_delete_a_submitted_filing(client, member):
    filing = submitted(member)
    client.force_login(member.user)
    response = client.post(delete_url(member, filing), follow=True)
    assert response.redirect_chain[-1][0] == detail_url(member, filing)
    assert "只有从未提交过的草稿才能删除" in response.content.decode()
    assert Filing.objects.filter(pk=filing.pk, status="submitted").exists()


def test_a_viewer_or_another_organization_cannot_delete_the_draft(client, member):
    filing, _rows = draft_with_files(member)
    viewer = MembershipFactory(organization=member.organization, role="viewer")
    client.force_login(viewer.user)
    assert 'id="delete-draft"' not in client.get(detail_url(member, filing)).content.decode()
    assert client.post(delete_url(member, filing)).status_code == 403
    stranger = MembershipFactory(role="admin")
    client.force_login(stranger.user)
    assert client.post(delete_url(member, filing)).status_code == 404
    foreign = reverse("filing_delete_draft", args=[stranger.organization.pk, filing.pk])
    assert client.post(foreign).status_code == 404
    assert Filing.objects.filter(pk=filing.pk).exists()


# --- The API -------------------------------------------------------------------------------------


@pytest.fixture
def api():
    admin, secrets = organization_with_tokens()
    filing, rows = draft_with_files(admin)
    return {"admin": admin, "secrets": secrets, "filing": filing, "rows": rows}


def test_delete_on_the_api_deletes_the_draft(client, api, django_capture_on_commit_callbacks):
    filing = api["filing"]
    url = f"/api/v1/filings/{filing.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(url, **bearer(api["secrets"]["write"]))
    assert response.status_code == 204
    assert response.content == b""
    assert client.get(url, **bearer(api["secrets"]["read"])).status_code == 404
    assert not any(default_storage.exists(row.file.name) for row in api["rows"])
    entry = AuditEntry.objects.get(action="draft_deleted")
    assert entry.actor == api["admin"].user
    duty = Obligation.objects.get(organization=api["admin"].organization)
    assert duty.status == Obligation.Status.OPEN
    # The client can start again: a new draft is created (201), not the deleted one handed back.
    again = client.post(
        "/api/v1/filings/",
        {"kind": "initial"},
        content_type="application/json",
        **bearer(api["secrets"]["write"]),
    )
    assert again.status_code == 201
    assert again.json()["id"] != filing.pk


def test_delete_on_the_api_refuses_a_submitted_filing_with_409(client, api):
    admin = api["admin"]
    client.delete(f"/api/v1/filings/{api['filing'].pk}/", **bearer(api["secrets"]["write"]))
    filing = submitted(admin)
    response = client.delete(
        f"/api/v1/filings/{filing.pk}/",
        HTTP_ACCEPT_LANGUAGE="en",
        **bearer(api["secrets"]["write"]),
    )
    assert response.status_code == 409
    [error] = response.json()["errors"]
    assert error["code"] == "not_a_draft"
    assert "only a draft that was never submitted can be deleted" in error["message"]
    assert Filing.objects.filter(pk=filing.pk, status="submitted").exists()


def test_delete_on_the_api_needs_a_write_token_of_the_organization(client, api):
    filing = api["filing"]
    url = f"/api/v1/filings/{filing.pk}/"
    assert client.delete(url).status_code == 401
    read = client.delete(url, **bearer(api["secrets"]["read"]))
    assert read.status_code == 403
    assert read.json()["errors"][0]["code"] == "read_only_token"
    other = MembershipFactory(role="admin")
    from api import tokens

    _row, secret = tokens.create_token(other.organization, other.user, name="B", scope="write")
    foreign = client.delete(url, **bearer(secret))
    assert foreign.status_code == 404
    assert foreign.json()["errors"][0]["code"] == "not_found"
    assert Filing.objects.filter(pk=filing.pk).exists()
    assert all(default_storage.exists(row.file.name) for row in api["rows"])


def test_the_schema_documents_deleting_a_draft(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/filings/{id}/"]["delete"]
    assert operation["operationId"] == "filings_delete_draft"
    assert {"204", "401", "403", "404", "409"} <= set(operation["responses"])
    assert "draft" in operation["description"]
