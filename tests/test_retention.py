"""Retention (issue 27): on frozen dates, the daily purge deletes the files and personal details
whose period has ended, and nothing else; a draft's members are warned 30 days before; a legal
hold stops it; every page and the API say "deleted on" where the file was; the admin lists what
the next 30 days will purge."""

import copy
import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from api import tokens
from filings.documents import attachments
from filings.lifecycle import retention, services
from filings.models import Attachment, AuditEntry, Document, Filing, FilingVersion
from notifications.models import Notification
from tests.factories import MembershipFactory, login_with_second_factor, sign_in
from tests.filing_data import complete_filing, mark_complete
from tests.pdfs import pdf_bytes

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
START = datetime.datetime(2026, 2, 2, 10, 0, tzinfo=SH)


def at(year, month, day, hour=12):
    return datetime.datetime(year, month, day, hour, 0, tzinfo=SH)


def submitted(capture, name: str) -> Filing:
    membership = MembershipFactory(
        organization__address_division="440300", organization__name=name, user__language="zh-hans"
    )
    filing = services.start_initial_filing(membership.organization, membership.user)
    filing.data = copy.deepcopy(complete_filing())
    mark_complete(filing)
    attachments.store(
        filing, membership.user, "assessment_report", SimpleUploadedFile("评估.pdf", pdf_bytes())
    )
    with capture(execute=True):
        services.submit_filing(filing.pk, membership.user)
    filing.refresh_from_db()
    return filing


@pytest.fixture
def world(django_capture_on_commit_callbacks, city_reviewer):
    capture = django_capture_on_commit_callbacks
    filings = {}
    with time_machine.travel(START, tick=False):
        filings["refused"] = submitted(capture, "甲")
        services.start_review(filings["refused"].pk, city_reviewer)
        with capture(execute=True):
            services.refuse_filing(filings["refused"].pk, city_reviewer, "材料不实")
        filings["withdrawn"] = submitted(capture, "乙")
        with capture(execute=True):
            services.withdraw_filing(
                filings["withdrawn"].pk, filings["withdrawn"].created_by, "重填"
            )
        for name in ("revoked", "filed", "cancelled", "held"):
            filings[name] = submitted(capture, name)
            services.start_review(filings[name].pk, city_reviewer)
            with capture(execute=True):
                services.approve_filing(filings[name].pk, city_reviewer)
        with capture(execute=True):
            services.revoke_filing(filings["revoked"].pk, city_reviewer, "情况不实")
            services.revoke_filing(filings["held"].pk, city_reviewer, "情况不实")
        # A cancellation approved (the verb is tested in test_filings.py): the record's end.
        Filing.objects.filter(pk=filings["cancelled"].pk).update(
            status=Filing.Status.CANCELLED, cancelled_at=START
        )
        owner = MembershipFactory(organization__address_division="440300", user__language="zh-hans")
        draft = services.start_initial_filing(owner.organization, owner.user)
        draft.data = copy.deepcopy(complete_filing())
        mark_complete(draft)
        attachments.store(
            draft, owner.user, "assessment_report", SimpleUploadedFile("草稿.pdf", pdf_bytes())
        )
        filings["draft"] = draft
    held = filings["held"].organization
    held.legal_hold = True
    held.save(update_fields=["legal_hold"])
    # Refused half a year later: its three years end half a year later too.
    with time_machine.travel(at(2026, 7, 1), tick=False):
        filings["recent"] = submitted(capture, "近期")
        services.start_review(filings["recent"].pk, city_reviewer)
        with capture(execute=True):
            services.refuse_filing(filings["recent"].pk, city_reviewer, "材料不实")
    return {name: Filing.objects.get(pk=filing.pk) for name, filing in filings.items()}


def stored_names(filing) -> list[str]:
    names = [row.file.name for row in Attachment.objects.filter(filing=filing)]
    names += [row.file.name for row in Document.objects.filter(filing=filing, kind="form")]
    return [name for name in names if name]


def exists(name) -> bool:
    return Attachment._meta.get_field("file").storage.exists(name)


def purged(world) -> set[str]:
    return {name for name, filing in world.items() if Filing.objects.get(pk=filing.pk).purged_at}


def test_the_purge_removes_what_is_due_and_nothing_else(world):
    files = {name: stored_names(filing) for name, filing in world.items()}
    assert all(files[name] for name in world)
    assert all(exists(n) for names in files.values() for n in names)

    # The day before the draft's twelve months end: nothing.
    assert retention.purge_due(at(2027, 2, 1)) == 0
    assert purged(world) == set()

    # The day after: the draft alone.
    assert retention.purge_due(at(2027, 2, 3)) == 1
    assert purged(world) == {"draft"}
    assert not any(exists(n) for n in files["draft"])
    draft = Filing.objects.get(pk=world["draft"].pk)
    assert draft.status == Filing.Status.DRAFT
    assert draft.data["organization"]["responsible_person_id_number"] == ""
    assert draft.data["organization"]["contact_mobile"] == ""
    assert draft.data["organization"]["name"] == "示例科技有限公司"  # the organization's own

    # Three years after the refusal, withdrawal, revocation and cancellation of 2026-02-02, less
    # an hour: nothing more. Then an hour and a day later: those four, not the filed record, not
    # the organization under a legal hold, not the refusal of July.
    assert retention.purge_due(at(2029, 2, 2, hour=9)) == 0
    assert retention.purge_due(at(2029, 2, 3)) == 4
    assert purged(world) == {"draft", "refused", "withdrawn", "revoked", "cancelled"}
    for name in ("refused", "withdrawn", "revoked", "cancelled"):
        filing = Filing.objects.get(pk=world[name].pk)
        assert not any(exists(n) for n in files[name]), name
        # Number, status, history and the office's notices stay; the personal details go.
        assert filing.status == world[name].status
        assert filing.receipt_number == world[name].receipt_number
        assert filing.events.filter(action="submitted").exists()
        version = FilingVersion.objects.get(filing=filing, number=1)
        assert version.data["organization"]["responsible_person_id_number"] == ""
        assert version.data["organization"]["contact_name"] == ""
        assert version.data["purpose"] == complete_filing()["purpose"]
        assert Attachment.objects.filter(filing=filing, purged_at__isnull=False).count() == 1
        assert not Document.objects.filter(filing=filing, kind="form", purged_at=None).exists()
    for name in ("filed", "held", "recent"):
        assert all(exists(n) for n in files[name]), name
        version = FilingVersion.objects.get(filing=world[name], number=1)
        assert version.data["organization"]["responsible_person_id_number"] == "11010519491231002X"
    # A second run finds nothing; each purge left one audit row saying what went.
    assert retention.purge_due(at(2029, 2, 4)) == 0
    rows = AuditEntry.objects.filter(action=AuditEntry.Action.FILES_PURGED)
    assert rows.count() == 5
    refused_row = rows.get(object_id=str(world["refused"].pk))
    assert refused_row.after["files"] == ["form v1", "评估.pdf"]
    assert refused_row.organization == world["refused"].organization

    # The hold lifted, the next run purges that organization's revoked filing too.
    retention.set_legal_hold(world["held"].organization, None, hold=False)
    assert retention.purge_due(at(2029, 2, 5)) == 1
    assert "held" in purged(world)


def test_a_refiled_draft_keeps_the_files_it_shares_with_the_purged_source(world):
    refused = world["refused"]
    member = refused.organization.memberships.get()
    with time_machine.travel(at(2028, 12, 1), tick=False):
        again = services.start_refiling(refused, member.user)
    shared = Attachment.objects.get(filing=again).file.name
    assert retention.purge_due(at(2029, 2, 3)) >= 1
    assert Filing.objects.get(pk=refused.pk).purged_at
    assert exists(shared)  # the new draft still uses it


def test_the_members_of_an_untouched_draft_are_warned_30_days_before(
    world, django_capture_on_commit_callbacks
):
    draft = world["draft"]
    member = draft.organization.memberships.get()
    mail.outbox.clear()
    assert retention.warn_untouched_drafts(at(2027, 1, 2)) == 0
    with (
        time_machine.travel(at(2027, 1, 4), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert retention.warn_untouched_drafts(at(2027, 1, 4)) == 1
    assert retention.warn_untouched_drafts(at(2027, 1, 5)) == 0  # once
    email = Notification.objects.get(kind="draft_purge_warning")
    assert email.recipient == member.user.email
    assert "2027-02-02" in email.subject
    assert "长期未修改的备案草稿将于 2027-02-02 删除" in email.subject
    assert "保存任一步骤" in email.body_text
    assert "/privacy/" in email.body_html
    assert any("2027-02-02" in message.subject for message in mail.outbox)


def test_the_pages_and_the_api_say_when_a_file_was_deleted(client, world, city_reviewer):
    refused = world["refused"]
    retention.purge_due(at(2029, 2, 3))
    attachment = Attachment.objects.get(filing=refused)
    member = refused.organization.memberships.get()
    sign_in(client, member.user)
    detail = client.get(
        reverse("filing_detail", args=[refused.organization_id, refused.pk])
    ).content.decode()
    assert "已于 2029-02-03 删除（保存期限届满）" in detail
    assert "保存期限届满，系统已删除本备案的附件" in detail
    download = client.get(
        reverse("attachment_download", args=[refused.organization_id, refused.pk, attachment.pk])
    )
    assert download.status_code == 410
    assert "2029-02-03" in download.content.decode()

    client.logout()
    login_with_second_factor(client, city_reviewer)
    review = client.get(reverse("admin:filings_filing_change", args=[refused.pk])).content.decode()
    assert "已于 2029-02-03 删除（保存期限届满）" in review
    assert (
        client.get(
            reverse("admin:filings_filing_attachment", args=[refused.pk, attachment.pk])
        ).status_code
        == 410
    )

    client.logout()
    _row, secret = tokens.create_token(
        refused.organization, member.user, name="监管对接", scope="read"
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    body = client.get(reverse("api_filing", args=[refused.pk]), **auth).json()
    assert body["purged_at"].startswith("2029-02-03")
    assert body["attachments"][0]["purged_at"].startswith("2029-02-03")
    gone = client.get(
        reverse("api_filing_attachment_file", args=[refused.pk, attachment.pk]), **auth
    )
    assert gone.status_code == 410
    assert gone.json()["errors"][0]["code"] == "file_deleted"


def test_the_admin_lists_what_the_next_30_days_purge(client, world, administrator, city_reviewer):
    url = reverse("admin:filings_purgedue_changelist")
    with time_machine.travel(at(2029, 1, 10), tick=False):
        login_with_second_factor(client, administrator)
        html = client.get(url).content.decode()

    def reference(name):
        return world[name].filing_number or world[name].receipt_number

    for name in ("refused", "withdrawn", "revoked", "cancelled"):
        assert reference(name) in html, name
    assert "2029-02-02" in html
    for name in ("filed", "held", "recent"):
        assert reference(name) not in html, name
    with time_machine.travel(at(2028, 12, 1), tick=False):
        login_with_second_factor(client, administrator)
        html = client.get(url).content.decode()
        assert "filing due for deletion" in html or "待删除的备案" in html
        assert world["refused"].receipt_number not in html
        client.logout()
        login_with_second_factor(client, city_reviewer)
        assert client.get(url).status_code == 403


def test_a_legal_hold_is_set_in_the_admin_and_audited(client, world, administrator):
    organization = world["refused"].organization
    login_with_second_factor(client, administrator)
    url = reverse("admin:filings_organization_change", args=[organization.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None
    }
    data.update(
        {
            "province": organization.address_division[:2] + "0000",
            "legal_hold": "on",
            "legal_hold_reason": "行政复议中",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "headcounts-TOTAL_FORMS": "0",
            "headcounts-INITIAL_FORMS": "0",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    organization.refresh_from_db()
    assert organization.legal_hold
    entry = AuditEntry.objects.get(action=AuditEntry.Action.LEGAL_HOLD_SET)
    assert entry.actor == administrator
    assert entry.after == {"legal_hold": True, "reason": "行政复议中"}
    assert entry.address == "127.0.0.1"
    # Withdrawn, revoked, cancelled and the draft; not the refused filing of the held organization.
    assert retention.purge_due(at(2029, 2, 3)) == 4
    assert Filing.objects.get(pk=world["refused"].pk).purged_at is None


def test_the_daily_task_is_scheduled():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["purge-expired"]
    assert entry["task"] == "filings.tasks.purge_expired"
    from filings import tasks

    assert tasks.purge_expired.name == "filings.tasks.purge_expired"
