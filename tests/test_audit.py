"""Every actor's action leaves an audit row: who, when, what, before and after; stored as facts,
rendered in the reader's language."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from filings.calendar import calendars
from filings.documents import attachments
from filings.lifecycle import memberships, services
from filings.models import AuditEntry, CalendarYear, Jurisdiction, Reviewer
from filings.registry import audit
from tests.factories import MembershipFactory, UserFactory, login_with_second_factor
from tests.pdfs import pdf_bytes

pytestmark = pytest.mark.django_db
A = AuditEntry.Action
NOW = datetime(2026, 11, 3, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def superuser(client, administrator):
    login_with_second_factor(client, administrator)
    return administrator


def only(action) -> AuditEntry:
    entry = AuditEntry.objects.get(action=action)
    assert entry.created_at == NOW
    return entry


def changes_in(entry, language="en"):
    with translation.override(language):
        return audit.describe(entry)


def test_a_role_change_records_who_when_whom_and_both_roles(filer):
    organization = filer.organization
    editor = MembershipFactory(organization=organization, role="editor", user__email="ed@x.cn")
    memberships.change_role(
        organization=organization, actor=filer.user, membership=editor, role="viewer"
    )
    entry = only(A.ROLE_CHANGED)
    assert entry.actor == filer.user
    assert entry.organization == organization
    assert entry.object_repr == "ed@x.cn"
    assert (entry.before, entry.after) == ({"role": "editor"}, {"role": "viewer"})
    assert changes_in(entry) == [("role", "Editor", "Viewer")]
    assert changes_in(entry, "zh-hans") == [("角色", "编辑", "只读成员")]


def test_removing_a_member_and_leaving_are_recorded_apart(filer):
    organization = filer.organization
    editor = MembershipFactory(organization=organization, role="editor", user__email="ed@x.cn")
    viewer = MembershipFactory(organization=organization, role="viewer", user__email="v@x.cn")
    memberships.remove_member(organization=organization, actor=filer.user, membership=editor)
    memberships.remove_member(organization=organization, actor=viewer.user, membership=viewer)
    removed, left = only(A.MEMBER_REMOVED), only(A.MEMBER_LEFT)
    assert (removed.actor, removed.before, removed.after) == (
        filer.user,
        {"email": "ed@x.cn", "role": "editor"},
        {},
    )
    assert (left.actor, left.object_repr, left.before["role"]) == (viewer.user, "v@x.cn", "viewer")


def test_an_invitation_sent_and_withdrawn(filer):
    organization = filer.organization
    invitation = memberships.invite_member(
        organization=organization, actor=filer.user, email="New@Example.com", role="editor"
    )
    sent = only(A.INVITATION_SENT)
    assert (sent.actor, sent.organization, sent.object_repr) == (
        filer.user,
        organization,
        "new@example.com",
    )
    assert (sent.before, sent.after) == ({}, {"email": "new@example.com", "role": "editor"})

    memberships.revoke_invitation(
        organization=organization, actor=filer.user, invitation=invitation
    )
    revoked = only(A.INVITATION_REVOKED)
    assert revoked.before == {"email": "new@example.com", "role": "editor"}
    # Withdrawing one already withdrawn changes nothing, and records nothing.
    memberships.revoke_invitation(
        organization=organization, actor=filer.user, invitation=invitation
    )
    assert AuditEntry.objects.filter(action=A.INVITATION_REVOKED).count() == 1


def test_accepting_an_invitation_records_the_new_member(filer, monkeypatch):
    organization = filer.organization
    monkeypatch.setattr(memberships.secrets, "token_urlsafe", lambda n: "the-token")
    memberships.invite_member(
        organization=organization, actor=filer.user, email="new@example.com", role="viewer"
    )
    membership = memberships.accept_invitation(
        token="the-token", new_user_data={"name": "新同事", "password": "x-long-password-1"}
    )
    joined = only(A.MEMBER_JOINED)
    assert joined.actor == membership.user
    assert joined.organization == organization
    assert joined.after == {"email": "new@example.com", "role": "viewer"}


def test_an_organization_edit_keeps_only_what_changed_and_masks_the_id_number(filer):
    organization = filer.organization
    memberships.update_organization(
        organization=organization,
        actor=filer.user,
        changes={
            "name": organization.name,
            "contact_name": "赵六",
            "responsible_person_id_number": "110105194912310037",
        },
    )
    entry = only(A.ORGANIZATION_EDITED)
    assert entry.actor == filer.user
    assert set(entry.after) == {"contact_name", "responsible_person_id_number"}
    assert entry.before["contact_name"] == "王五"
    assert entry.after["contact_name"] == "赵六"
    # A resident identity card number is never kept in full, before or after.
    assert "11010519491231002X" not in str(entry.before)
    assert "110105194912310037" not in str(entry.after)
    assert ("contact person", "王五", "赵六") in changes_in(entry)


def test_registering_records_the_organization_and_its_first_administrator():
    user = UserFactory(email="founder@example.com")
    _user, organization = memberships.register_organization(
        user_data=None,
        user=user,
        organization_data={
            field: getattr(MembershipFactory.build().organization, field)
            for field in memberships.ORGANIZATION_FIELDS
        },
        language="zh-hans",
    )
    registered = only(A.ORGANIZATION_REGISTERED)
    assert (registered.actor, registered.organization) == (user, organization)
    assert registered.after["uscc"] == organization.uscc
    added = only(A.MEMBER_ADDED)
    assert added.after == {"email": "founder@example.com", "role": "admin"}


def test_uploading_and_withdrawing_an_attachment_are_recorded(filer):
    filing = services.start_initial_filing(filer.organization, filer.user)
    attachment = attachments.store(
        filing, filer.user, "assessment_report", SimpleUploadedFile("报告.pdf", pdf_bytes())
    )
    uploaded = only(A.ATTACHMENT_UPLOADED)
    facts = {
        "filing": f"#{filing.pk}",
        "kind": "assessment_report",
        "file": "报告.pdf",
        "size": attachment.size,
        "sha256": attachment.sha256,
    }
    assert (uploaded.actor, uploaded.organization) == (filer.user, filing.organization)
    assert (uploaded.before, uploaded.after) == ({}, facts)
    assert uploaded.object_id == str(attachment.pk)

    services.withdraw_attachment(attachment, filer.user)
    withdrawn = only(A.ATTACHMENT_WITHDRAWN)
    assert (withdrawn.actor, withdrawn.before, withdrawn.after) == (filer.user, facts, {})


def test_appointing_moving_and_removing_a_reviewer_in_the_admin(client, superuser):
    person = UserFactory(email="checker@example.com")
    shenzhen = Jurisdiction.objects.get(code="440300")
    guangzhou = Jurisdiction.objects.get(code="440100")
    response = client.post(
        reverse("admin:filings_reviewer_add"),
        {
            "name": person.name,
            "email": "Checker@Example.com ",
            "office": shenzhen.pk,
            "language": "zh-hans",
            "roles": ["签发人"],
        },
    )
    assert response.status_code == 302
    appointed = only(A.REVIEWER_APPOINTED)
    assert (appointed.actor, appointed.object_repr) == (superuser, "checker@example.com")
    assert appointed.after == {
        "user": "checker@example.com",
        "office": f"440300 {shenzhen.office_name}".strip(),
        "roles": ["签发人"],
    }

    reviewer = Reviewer.objects.get(user=person)
    response = client.post(
        reverse("admin:filings_reviewer_change", args=[reviewer.pk]),
        {"office": guangzhou.pk},
    )
    assert response.status_code == 302
    moved = only(A.REVIEWER_CHANGED)
    assert moved.before == {"office": f"440300 {shenzhen.office_name}".strip()}
    assert moved.after == {"office": f"440100 {guangzhou.office_name}".strip()}

    response = client.post(
        reverse("admin:filings_reviewer_delete", args=[reviewer.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    removed = only(A.REVIEWER_REMOVED)
    assert removed.before["office"].startswith("440100")
    assert removed.after == {}


def calendar_post(year, periods, *, initial=0, notice=""):
    data = {
        "year": year,
        "published": "on",
        "notice": notice,
        "periods-TOTAL_FORMS": len(periods),
        "periods-INITIAL_FORMS": initial,
        "periods-MIN_NUM_FORMS": 0,
        "periods-MAX_NUM_FORMS": 1000,
    }
    for i, (pk, kind, first, last, label) in enumerate(periods):
        data.update(
            {
                f"periods-{i}-id": pk or "",
                f"periods-{i}-calendar_year": "",
                f"periods-{i}-kind": kind,
                f"periods-{i}-first_day": first,
                f"periods-{i}-last_day": last,
                f"periods-{i}-label": label,
            }
        )
    return data


def test_calendar_edits_in_the_admin_record_the_year_and_its_periods(client, superuser):
    response = client.post(
        reverse("admin:filings_calendaryear_add"),
        calendar_post(2030, [(None, "off", "2030-01-01", "2030-01-01", "元旦")]),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    added = only(A.CALENDAR_YEAR_ADDED)
    assert added.actor == superuser
    assert added.after["periods"] == [["off", "2030-01-01", "2030-01-01", "元旦"]]
    assert added.after["year"] == 2030

    year = CalendarYear.objects.get(year=2030)
    period = year.periods.get()
    response = client.post(
        reverse("admin:filings_calendaryear_change", args=[year.pk]),
        calendar_post(
            2030,
            [(period.pk, "off", "2030-01-01", "2030-01-02", "元旦")],
            initial=1,
            notice="国办发明电〔2029〕1号",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    changed = only(A.CALENDAR_YEAR_CHANGED)
    assert changed.before == {
        "notice": "",
        "periods": [["off", "2030-01-01", "2030-01-01", "元旦"]],
    }
    assert changed.after == {
        "notice": "国办发明电〔2029〕1号",
        "periods": [["off", "2030-01-01", "2030-01-02", "元旦"]],
    }
    before, after = "Days off 2030-01-01–2030-01-01 元旦", "Days off 2030-01-01–2030-01-02 元旦"
    assert ("periods", before, after) in changes_in(changed)

    response = client.post(
        reverse("admin:filings_calendaryear_delete", args=[year.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    deleted = only(A.CALENDAR_YEAR_DELETED)
    assert deleted.before["year"] == 2030
    assert deleted.after == {}


def test_a_calendar_csv_import_records_the_periods_replaced(superuser):
    year = CalendarYear.objects.create(year=2031)
    year.periods.create(kind="off", first_day="2031-01-01", last_day="2031-01-01")
    periods = calendars.parse_csv(b"off,2031-01-01,2031-01-03,New Year\n")
    calendars.replace_periods(year, periods, actor=superuser)
    entry = only(A.CALENDAR_IMPORTED)
    assert entry.actor == superuser
    assert entry.before == {"periods": [["off", "2031-01-01", "2031-01-01", ""]]}
    assert entry.after == {"periods": [["off", "2031-01-01", "2031-01-03", "New Year"]]}


def test_organization_and_member_edits_in_the_admin_are_recorded(client, superuser, filer, viewer):
    organization = filer.organization
    editor = MembershipFactory(organization=organization, role="editor")
    newcomer = UserFactory(email="new@x.cn")
    url = reverse("admin:filings_organization_change", args=[organization.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form.initial.get(name, "") for name in form.fields}
    data.update(
        {
            "contact_mobile": "13700137000",
            "memberships-TOTAL_FORMS": 4,
            "memberships-INITIAL_FORMS": 3,
            "memberships-MIN_NUM_FORMS": 0,
            "memberships-MAX_NUM_FORMS": 1000,
            "headcounts-TOTAL_FORMS": 0,
            "headcounts-INITIAL_FORMS": 0,
            "headcounts-MIN_NUM_FORMS": 0,
            "headcounts-MAX_NUM_FORMS": 0,
        }
    )
    for i, membership in enumerate([filer, editor, viewer]):
        data.update(
            {
                f"memberships-{i}-id": membership.pk,
                f"memberships-{i}-organization": organization.pk,
                f"memberships-{i}-user": membership.user.pk,
                f"memberships-{i}-role": "admin" if membership == editor else membership.role,
            }
        )
    data["memberships-2-DELETE"] = "on"
    data.update(
        {
            "memberships-3-organization": organization.pk,
            "memberships-3-user": newcomer.pk,
            "memberships-3-role": "editor",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    edited = only(A.ORGANIZATION_EDITED)
    assert (edited.actor, edited.before, edited.after) == (
        superuser,
        {"contact_mobile": "13800138000"},
        {"contact_mobile": "13700137000"},
    )
    promoted = only(A.ROLE_CHANGED)
    assert (promoted.actor, promoted.organization) == (superuser, organization)
    assert (promoted.before, promoted.after) == ({"role": "editor"}, {"role": "admin"})
    removed = only(A.MEMBER_REMOVED)
    assert (removed.actor, removed.object_id) == (superuser, str(viewer.pk))
    assert removed.before == {"email": "viewer@example.com", "role": "viewer"}
    added = only(A.MEMBER_ADDED)
    assert (added.actor, added.after) == (superuser, {"email": "new@x.cn", "role": "editor"})


def test_the_admin_lists_the_trail_read_only_and_filters_it(client, superuser, filer):
    organization = filer.organization
    other = MembershipFactory(role="admin")
    editor = MembershipFactory(organization=organization, role="editor", user__email="ed@x.cn")
    memberships.change_role(
        organization=organization, actor=filer.user, membership=editor, role="viewer"
    )
    audit.record(A.MEMBER_ADDED, actor=other.user, organization=other.organization)
    url = reverse("admin:filings_auditentry_changelist")
    link = client.get(reverse("admin:filings_organization_change", args=[organization.pk]))
    assert f"{url}?organization={organization.pk}" in link.content.decode()
    html = client.get(url, {"organization": organization.pk}).content.decode()
    assert "ed@x.cn" in html
    assert "编辑 → 只读成员" in html
    assert client.get(url, {"action": "member_added"}).context["cl"].result_count == 1
    assert client.get(url, {"organization": "x"}).context["cl"].result_count == 0
    assert client.get(url, {"organization": "999999"}).context["cl"].result_count == 0
    huge = client.get(url, {"organization": "9" * 40})
    assert huge.status_code == 400  # the site's guard on unstorable values: never a 500
    entry = AuditEntry.objects.get(action=A.ROLE_CHANGED)
    change = reverse("admin:filings_auditentry_change", args=[entry.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {}).status_code == 403
    assert client.get(reverse("admin:filings_auditentry_add")).status_code == 403
    delete = reverse("admin:filings_auditentry_delete", args=[entry.pk])
    assert client.get(delete).status_code == 403


def test_the_members_page_shows_administrators_the_organizations_own_changes(client, filer):
    organization = filer.organization
    editor = MembershipFactory(organization=organization, role="editor", user__email="ed@x.cn")
    memberships.change_role(
        organization=organization, actor=filer.user, membership=editor, role="viewer"
    )
    other = MembershipFactory(role="admin", user__email="elsewhere@x.cn")
    memberships.change_role(
        organization=other.organization,
        actor=other.user,
        membership=MembershipFactory(organization=other.organization, role="editor"),
        role="viewer",
    )
    client.force_login(filer.user)
    url = reverse("members", args=[organization.pk])
    html = client.get(url).content.decode()
    assert "最近的变更" in html
    assert "角色: 编辑 → 只读成员" in html
    assert "2026-11-03 10:30" in html
    assert html.count("角色变更") == 1  # the other organization's change is not here
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(url).content.decode()
    assert "role: Editor → Viewer" in english

    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    client.force_login(editor.user)  # now a viewer: sees the members, not the history
    assert "最近的变更" not in client.get(url).content.decode()
