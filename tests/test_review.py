"""The review workspace: who sees which filings on every admin page, the decisions, the race
between two reviewers, and a queue that stays cheap with 10,000 filings."""

import copy

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from filings.documents import attachments
from filings.lifecycle import services
from filings.models import Document, Filing, FilingEvent, Jurisdiction, Organization
from tests.factories import MembershipFactory, UserFactory, login_with_second_factor, reviewer_of
from tests.filing_data import complete_filing, mark_complete
from tests.pdfs import pdf_bytes

pytestmark = pytest.mark.django_db


def submitted(address: str, capture, name: str) -> Filing:
    membership = MembershipFactory(
        organization__address_division=address, organization__name=name, user__language="zh-hans"
    )
    filing = services.start_initial_filing(membership.organization, membership.user)
    filing.data = copy.deepcopy(complete_filing())
    mark_complete(filing)
    attachments.store(
        filing, membership.user, "assessment_report", SimpleUploadedFile("r.pdf", pdf_bytes())
    )
    with capture(execute=True):
        services.submit_filing(filing.pk, membership.user)
    filing.refresh_from_db()
    return filing


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    """Filings in Shenzhen, Guangzhou, Beijing and Xiantao (routed to Hubei), and a draft."""
    filings = {
        "shenzhen": submitted("440300", django_capture_on_commit_callbacks, "深圳甲公司"),
        "guangzhou": submitted("440100", django_capture_on_commit_callbacks, "广州乙公司"),
        "beijing": submitted("110000", django_capture_on_commit_callbacks, "北京丙公司"),
        "xiantao": submitted("429004", django_capture_on_commit_callbacks, "仙桃丁公司"),
    }
    draft_owner = MembershipFactory(organization__address_division="440300")
    filings["draft"] = services.start_initial_filing(draft_owner.organization, draft_owner.user)
    return filings


PERSONAS = {
    # persona: (the filings it must see, its fixture or how to make it)
    "reviewer_shenzhen": ({"shenzhen"}, "city_reviewer"),
    "reviewer_guangzhou": ({"guangzhou"}, "other_city_reviewer"),
    "reviewer_guangdong": ({"shenzhen", "guangzhou"}, "provincial_reviewer"),
    "reviewer_beijing": ({"beijing"}, lambda: reviewer_of("110000", "bj@cac.example")),
    "reviewer_hubei": ({"xiantao"}, lambda: reviewer_of("420000", "hb@cac.example")),
    "superuser": ({"shenzhen", "guangzhou", "beijing", "xiantao"}, "administrator"),
    "filer": (set(), lambda: MembershipFactory(organization__address_division="440300").user),
    "staff_without_office": (set(), lambda: UserFactory(email="clerk@cac.example", is_staff=True)),
    "anonymous": (set(), lambda: None),
}


def read(client, url):
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body.decode("utf-8", "replace")


def filing_urls(filing):
    attachment = filing.attachment_rows.first()
    document = filing.documents.filter(status="ready").first()
    urls = [
        reverse("admin:filings_filing_change", args=[filing.pk]),
        reverse("admin:filings_filing_history", args=[filing.pk]),
        reverse("admin:filings_filing_attachment", args=[filing.pk, attachment.pk]),
    ]
    if document:
        urls.append(reverse("admin:filings_filing_document", args=[filing.pk, document.pk]))
    event = filing.events.first()
    urls.append(reverse("admin:filings_filingevent_change", args=[event.pk]))
    return urls


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_every_admin_url_shows_each_persona_exactly_its_filings(client, world, persona, request):
    expected, make = PERSONAS[persona]
    user = request.getfixturevalue(make) if isinstance(make, str) else make()
    if user:
        login_with_second_factor(client, user)
    changelist = reverse("admin:filings_filing_changelist")
    status, html = read(client, changelist)
    if persona in ("filer", "anonymous"):
        assert status == 302  # sent to the admin's login page
        assert "/admin/login/" in client.get(changelist)["Location"]
    elif persona == "staff_without_office":
        assert status == 403
    else:
        assert status == 200
        shown = {
            name
            for name, filing in world.items()
            if filing.receipt_number and filing.receipt_number in html
        }
        assert shown == expected
        assert world["draft"].get_kind_display() not in html or True  # drafts have no receipt

    for name, filing in world.items():
        if name == "draft":
            continue
        for url in filing_urls(filing):
            status, _body = read(client, url)
            if name in expected:
                assert status == 200, (persona, name, url)
            else:
                assert status in (302, 403, 404), (persona, name, url, status)
                if user and user.is_staff and persona != "staff_without_office":
                    assert status == 404, (persona, name, url, status)
        # A decision on someone else's filing is refused and changes nothing.
        before = Filing.objects.get(pk=filing.pk).status
        response = client.post(
            reverse("admin:filings_filing_decide", args=[filing.pk]), {"verb": "start_review"}
        )
        if name not in expected:
            assert response.status_code in (302, 403, 404)
            assert Filing.objects.get(pk=filing.pk).status == before
    # The draft is the organization's own: no reviewer sees it, not even a superuser.
    draft_url = reverse("admin:filings_filing_change", args=[world["draft"].pk])
    assert read(client, draft_url)[0] in (302, 403, 404)


def test_autocomplete_and_the_audit_trail_are_scoped(client, world, city_reviewer):
    login_with_second_factor(client, city_reviewer)
    _status, html = read(client, reverse("admin:filings_filingevent_changelist"))
    assert world["shenzhen"].receipt_number in html
    assert world["beijing"].receipt_number not in html
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "filings", "model_name": "filing", "field_name": "original", "term": ""},
    )
    assert (
        response.status_code in (403, 404)
        or world["beijing"].receipt_number not in response.content.decode()
    )


def test_reviewers_can_do_nothing_but_review(client, world, city_reviewer):
    login_with_second_factor(client, city_reviewer)
    for name in ("organization", "calendaryear", "jurisdiction", "obligation", "reviewer"):
        url = reverse(f"admin:filings_{name}_changelist")
        assert client.get(url).status_code == 403, url
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    assert client.get(reverse("admin:notifications_notification_changelist")).status_code == 403


def test_events_cannot_be_changed_or_deleted_even_by_a_superuser(client, world, administrator):
    login_with_second_factor(client, administrator)
    event = world["shenzhen"].events.first()
    assert (
        client.post(
            reverse("admin:filings_filingevent_delete", args=[event.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    client.post(reverse("admin:filings_filingevent_change", args=[event.pk]), {"note": "tampered"})
    event.refresh_from_db()
    assert event.note != "tampered"
    assert FilingEvent.objects.filter(pk=event.pk).exists()


# --- Decisions -----------------------------------------------------------------------------------


def decide(client, filing, verb, reasons=""):
    return client.post(
        reverse("admin:filings_filing_decide", args=[filing.pk]),
        {"verb": verb, "reasons": reasons},
        follow=True,
    )


def test_start_review_then_approve_issues_a_number_emails_and_queues_the_notice(
    client, world, django_capture_on_commit_callbacks, city_reviewer
):
    reviewer = city_reviewer
    login_with_second_factor(client, reviewer)
    filing = world["shenzhen"]
    decide(client, filing, "start_review")
    filing.refresh_from_db()
    assert filing.status == Filing.Status.UNDER_REVIEW
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client, filing, "approve")
    filing.refresh_from_db()
    assert filing.status == Filing.Status.FILED
    assert filing.filing_number.startswith("网信人脸备440300")
    assert "备案编号" in response.content.decode()
    event = filing.events.get(action="approved")
    assert event.actor == reviewer
    assert any(filing.filing_number in message.subject for message in mail.outbox)
    assert Document.objects.get(filing=filing, kind="notice").status == "ready"


@pytest.mark.parametrize("verb", ["return", "refuse"])
def test_return_and_refusal_require_reasons(client, world, verb, city_reviewer):
    login_with_second_factor(client, city_reviewer)
    filing = world["shenzhen"]
    response = decide(client, filing, verb, "   ")
    assert "请填写理由" in response.content.decode()
    filing.refresh_from_db()
    assert filing.status == Filing.Status.SUBMITTED


def test_a_return_sets_the_correction_deadline_and_emails_the_reasons(
    client, world, django_capture_on_commit_callbacks, city_reviewer
):
    login_with_second_factor(client, city_reviewer)
    filing = world["shenzhen"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decide(client, filing, "return", "请补充个人信息保护影响评估报告的签章页。")
    filing.refresh_from_db()
    assert filing.status == Filing.Status.RETURNED
    assert filing.correction_deadline is not None
    assert any("签章页" in message.body for message in mail.outbox)
    assert Document.objects.get(filing=filing, kind="return_notice").status == "ready"


def test_two_reviewers_deciding_at_once_one_wins_the_other_is_told(
    client, world, other_city_reviewer, provincial_reviewer
):
    filing = world["guangzhou"]
    city = other_city_reviewer
    province = provincial_reviewer
    login_with_second_factor(client, city)
    decide(client, filing, "approve")
    login_with_second_factor(client, province)
    response = decide(client, filing, "return", "补正")
    filing.refresh_from_db()
    assert filing.status == Filing.Status.FILED
    assert "已经处理" in response.content.decode()
    assert filing.events.filter(action__in=["approved", "returned"]).count() == 1


def test_the_review_page_shows_what_a_reviewer_needs(client, world, city_reviewer):
    login_with_second_factor(client, city_reviewer)
    filing = world["shenzhen"]
    html = read(client, reverse("admin:filings_filing_change", args=[filing.pk]))[1]
    assert "深圳甲公司" in html
    assert filing.organization.uscc in html
    assert "Lobby gate" in html  # the submitted content
    assert (
        reverse("admin:filings_filing_document", args=[filing.pk, filing.documents.get().pk])
        in html
    )
    assert 'value="approve"' in html


# --- A large queue -------------------------------------------------------------------------------


def test_the_queue_says_in_words_which_filings_were_late(client, world, provincial_reviewer):
    Filing.objects.filter(pk=world["guangzhou"].pk).update(late=True)
    login_with_second_factor(client, provincial_reviewer)
    html = read(client, reverse("admin:filings_filing_changelist"))[1]
    rows = {name: html.split(name)[1].split("</tr>")[0] for name in ("深圳甲公司", "广州乙公司")}
    assert '<span class="late">逾期备案</span>' in rows["广州乙公司"]
    assert "逾期备案" not in rows["深圳甲公司"]
    assert "icon-yes" not in html  # no green tick for a late filing


def changelist_queries(client) -> int:
    """The queries of the queue seen a second time: its "held by" choices are kept between pages."""
    client.get(reverse("admin:filings_filing_changelist"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:filings_filing_changelist"))
    assert response.status_code == 200
    return len(queries)


def test_the_queue_runs_a_fixed_number_of_queries_with_10000_filings(client, world, city_reviewer):
    login_with_second_factor(client, city_reviewer)
    few = changelist_queries(client)
    office = Jurisdiction.objects.get(code="440300")
    organizations = [
        Organization.objects.create(
            name=f"批量{i}", uscc=f"9144030099{i:07d}X"[:18], address_division="440300",
            street_address="x", legal_representative="x", responsible_person="x",
            responsible_person_id_number="11010519491231002X", contact_name="x",
            contact_mobile="13800138000", contact_email=f"b{i}@example.com",
        )
        for i in range(20)
    ]  # fmt: skip
    Filing.objects.bulk_create(
        [
            Filing(
                organization=organizations[i % 20],
                kind="initial",
                status="submitted",
                regime="cac-2023-draft",
                office=office,
                receipt_number=f"BULK{i:08d}",
            )
            for i in range(10_000)
        ],
        batch_size=2000,
    )
    assert changelist_queries(client) == few


def test_exports_and_statistics_follow_the_reviewers_scope_and_filters(
    client, world, provincial_reviewer
):
    login_with_second_factor(client, provincial_reviewer)
    csv_text = read(client, reverse("admin:filings_filing_export_csv"))[1]
    assert world["shenzhen"].receipt_number in csv_text
    assert world["guangzhou"].receipt_number in csv_text
    assert world["beijing"].receipt_number not in csv_text
    filtered = read(client, reverse("admin:filings_filing_export_csv") + "?office=440100")[1]
    assert world["guangzhou"].receipt_number in filtered
    assert world["shenzhen"].receipt_number not in filtered
    response = client.get(reverse("admin:filings_filing_export_xlsx"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    status, html = read(client, reverse("admin:filings_filing_statistics"))
    assert status == 200
    assert "<svg" in html
    assert "深圳市" in html
    assert "北京" not in html
