"""Who handles a filing and who signs its decision (issue 28, points 1 and 2): taking, assigning,
releasing and asking to reassign; the queue's "handled by" column and filters; proposals, the
second signature, sending back, and the four-eyes rule, through the verbs and the admin."""

from datetime import date

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from filings.lifecycle import assignment, reminders, services, sign_off
from filings.models import AuditEntry, Document, Filing, FilingEvent, Jurisdiction
from filings.review import handling
from filings.review.reviewer_group import LEAD_GROUP, SIGNER_GROUP, ensure_role_groups
from tests.factories import login_with_second_factor, reviewer_of
from tests.test_documents import pdf_text
from tests.test_queue_scale import add_filings, queries_seen_again
from tests.test_review import submitted

pytestmark = pytest.mark.django_db
QUEUE = "/admin/filings/filing/"


def with_role(user, group: str):
    user.groups.add(ensure_role_groups()[group])
    # The permission cache of the object in hand: read again, as the next request would.
    for cache in ("_perm_cache", "_group_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(cache, None)
    return user


@pytest.fixture
def shenzhen(django_capture_on_commit_callbacks):
    return submitted("440300", django_capture_on_commit_callbacks, "深圳甲公司")


@pytest.fixture
def colleague(db):
    """A second reviewer of the Shenzhen office."""
    return reviewer_of("440300", "sz2@cac.example", name="李审核")


@pytest.fixture
def lead(db):
    return with_role(reviewer_of("440300", "lead@cac.example", name="王处长"), LEAD_GROUP)


@pytest.fixture
def signer(db):
    return with_role(reviewer_of("440300", "signer@cac.example", name="赵签发"), SIGNER_GROUP)


@pytest.fixture
def two_signatures(db):
    """The Shenzhen office asks for a second signature (an administrator's setting)."""
    Jurisdiction.objects.filter(code="440300").update(sign_off=Jurisdiction.SignOff.REQUIRED)


def notice_text(document) -> str:
    with document.file.open("rb") as handle:
        return pdf_text(handle.read()).replace(" ", "")


def page_of(client, filing) -> str:
    response = client.get(reverse("admin:filings_filing_change", args=[filing.pk]))
    assert response.status_code == 200
    return response.content.decode()


def handle(client, filing, verb, **fields):
    return client.post(
        reverse("admin:filings_filing_handle", args=[filing.pk]),
        {"verb": verb, **fields},
        follow=True,
    )


def decide(client, filing, verb, reasons=""):
    return client.post(
        reverse("admin:filings_filing_decide", args=[filing.pk]),
        {"verb": verb, "reasons": reasons},
        follow=True,
    )


# --- Assignment ----------------------------------------------------------------------------------


def test_a_reviewer_takes_a_filing_with_an_event_and_an_audit_entry(
    client, shenzhen, city_reviewer
):
    login_with_second_factor(client, city_reviewer)
    assert "由我办理" in page_of(client, shenzhen)
    response = handle(client, shenzhen, "take")
    assert "此备案现由您办理" in response.content.decode()
    shenzhen.refresh_from_db()
    assert shenzhen.holder == city_reviewer
    event = shenzhen.events.get(action=FilingEvent.Action.TAKEN)
    assert event.actor == city_reviewer
    assert event.facts["holder"] == city_reviewer.get_full_name()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.FILING_TAKEN)
    assert entry.actor == city_reviewer
    assert entry.after == {"holder": city_reviewer.get_full_name()}
    assert entry.object_repr == shenzhen.receipt_number
    assert f"由 {city_reviewer.get_full_name()} 办理" in page_of(client, shenzhen)


def test_starting_a_review_takes_a_filing_nobody_holds(shenzhen, city_reviewer):
    services.start_review(shenzhen.pk, city_reviewer)
    shenzhen.refresh_from_db()
    assert shenzhen.holder == city_reviewer
    assert list(shenzhen.events.values_list("action", flat=True))[-2:] == [
        "review_started",
        "taken",
    ]


def test_a_filing_held_by_another_is_read_only_and_its_reader_asks_the_lead(
    client, shenzhen, city_reviewer, colleague, lead, django_capture_on_commit_callbacks
):
    assignment.take_filing(shenzhen.pk, colleague)
    login_with_second_factor(client, city_reviewer)
    html = page_of(client, shenzhen)
    assert "李审核" in html
    assert "李审核 正在办理此备案" in html
    assert 'value="approve"' not in html
    assert 'value="start_review"' not in html
    assert 'value="take"' not in html
    assert 'name="body"' not in html  # no message to the organization either

    # The verbs say the same to whoever posts anyway.
    response = decide(client, shenzhen, "start_review")
    assert "李审核 正在办理此备案" in response.content.decode()
    with pytest.raises(services.FilingHeld):
        services.return_filing(shenzhen.pk, city_reviewer, "补正")
    with pytest.raises(services.FilingHeld):
        assignment.take_filing(shenzhen.pk, city_reviewer)
    with pytest.raises(services.FilingHeld):
        assignment.release_filing(shenzhen.pk, city_reviewer)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = handle(client, shenzhen, "ask_reassignment", note="李审核休假两周")
    assert "已请处室负责人改派" in response.content.decode()
    event = shenzhen.events.get(action=FilingEvent.Action.REASSIGNMENT_ASKED)
    assert event.actor == city_reviewer
    assert event.note == "李审核休假两周"
    assert [message.to for message in mail.outbox] == [[lead.email]]
    assert "李审核休假两周" in mail.outbox[0].body
    assert shenzhen.receipt_number in mail.outbox[0].subject


def test_asking_to_reassign_needs_a_reason(client, shenzhen, city_reviewer, colleague):
    assignment.take_filing(shenzhen.pk, colleague)
    login_with_second_factor(client, city_reviewer)
    response = handle(client, shenzhen, "ask_reassignment", note="  ")
    assert "请说明为何需要改派" in response.content.decode()
    assert not shenzhen.events.filter(action=FilingEvent.Action.REASSIGNMENT_ASKED).exists()


def test_the_lead_assigns_and_reassigns_and_a_reviewer_cannot(
    client, shenzhen, city_reviewer, colleague, lead, other_city_reviewer
):
    login_with_second_factor(client, city_reviewer)
    response = handle(client, shenzhen, "assign", holder=colleague.pk)
    assert "只有处室负责人可以分派备案" in response.content.decode()
    shenzhen.refresh_from_db()
    assert shenzhen.holder is None

    login_with_second_factor(client, lead)
    html = page_of(client, shenzhen)
    assert 'id="assign-holder"' in html
    assert f'<option value="{colleague.pk}">李审核</option>' in html
    handle(client, shenzhen, "assign", holder=colleague.pk)
    response = handle(client, shenzhen, "assign", holder=city_reviewer.pk, note="均衡工作量")
    assert f"已分派给 {city_reviewer.get_full_name()}" in response.content.decode()
    shenzhen.refresh_from_db()
    assert shenzhen.holder == city_reviewer
    events = list(shenzhen.events.filter(action=FilingEvent.Action.ASSIGNED))
    assert [e.facts for e in events] == [
        {"holder": "李审核", "previous": ""},
        {"holder": city_reviewer.get_full_name(), "previous": "李审核"},
    ]
    assert events[1].actor == lead
    assert events[1].note == "均衡工作量"
    assert AuditEntry.objects.filter(action=AuditEntry.Action.FILING_ASSIGNED).count() == 2

    # Only to a reviewer who sees the filing: not to Guangzhou's.
    response = handle(client, shenzhen, "assign", holder=other_city_reviewer.pk)
    assert "不是该备案所属网信办的审核人员" in response.content.decode()
    response = handle(client, shenzhen, "assign", holder="x")
    assert "请选择" in response.content.decode()
    shenzhen.refresh_from_db()
    assert shenzhen.holder == city_reviewer


def test_the_holder_or_the_lead_releases_a_filing(shenzhen, city_reviewer, colleague, lead):
    assignment.take_filing(shenzhen.pk, city_reviewer)
    assignment.release_filing(shenzhen.pk, city_reviewer)
    shenzhen.refresh_from_db()
    assert shenzhen.holder is None
    assignment.take_filing(shenzhen.pk, colleague)
    assignment.release_filing(shenzhen.pk, lead)
    shenzhen.refresh_from_db()
    assert shenzhen.holder is None
    released = shenzhen.events.filter(action=FilingEvent.Action.RELEASED)
    assert [e.actor for e in released] == [city_reviewer, lead]
    assert released.last().description == "目前无人办理（此前：李审核）"
    assert AuditEntry.objects.filter(action=AuditEntry.Action.FILING_RELEASED).count() == 2


def test_another_offices_reviewer_can_neither_take_nor_be_told(shenzhen, other_city_reviewer):
    with pytest.raises(services.FilingError):
        assignment.take_filing(shenzhen.pk, other_city_reviewer)
    shenzhen.refresh_from_db()
    assert shenzhen.holder is None


def test_the_queue_shows_the_holder_and_filters_by_who_handles(
    client, django_capture_on_commit_callbacks, city_reviewer, colleague, signer, two_signatures
):
    mine = submitted("440300", django_capture_on_commit_callbacks, "深圳甲公司")
    theirs = submitted("440300", django_capture_on_commit_callbacks, "深圳乙公司")
    nobodys = submitted("440300", django_capture_on_commit_callbacks, "深圳丙公司")
    assignment.take_filing(mine.pk, city_reviewer)
    sign_off.propose_decision(theirs.pk, colleague, "approve")

    login_with_second_factor(client, city_reviewer)
    html = client.get(QUEUE).content.decode()
    assert "column-holder_name" in html
    assert '<td class="field-holder_name">李审核 <strong class="awaiting-sign-off">待签发' in html

    def receipts(query):
        page = client.get(QUEUE + query).content.decode()
        return {f.receipt_number for f in (mine, theirs, nobodys) if f.receipt_number in page}

    assert receipts("?holder=mine") == {mine.receipt_number}
    assert receipts("?holder=unassigned") == {nobodys.receipt_number}
    assert receipts(f"?holder={colleague.pk}") == {theirs.receipt_number}
    assert receipts("?holder=to_sign") == {theirs.receipt_number}
    assert "由 李审核 办理" in html  # offered as a filter
    assert "待我签发" in html

    # The proposer's own proposal is not awaiting the proposer's signature.
    login_with_second_factor(client, colleague)
    assert receipts("?holder=to_sign") == set()
    login_with_second_factor(client, signer)
    assert receipts("?holder=to_sign") == {theirs.receipt_number}


@pytest.mark.parametrize("query", ["", "?holder=mine", "?holder=unassigned", "?holder=to_sign"])
def test_the_queue_runs_as_many_queries_with_10_and_1000_filings(
    client, shenzhen, city_reviewer, colleague, query
):
    from filings.models import Filing as F

    login_with_second_factor(client, city_reviewer)
    assignment.take_filing(shenzhen.pk, city_reviewer)
    add_filings(10, 0)
    F.objects.filter(organization__name__startswith="批量科技").update(holder=colleague)
    few = len(queries_seen_again(client, QUEUE + query))
    add_filings(990, 10)
    held = F.objects.filter(organization__name__startswith="批量科技", holder=None)
    held.filter(pk__in=held.values("pk")[:500]).update(holder=city_reviewer)
    assert len(queries_seen_again(client, QUEUE + query)) == few


def test_the_digest_goes_to_each_reviewer_for_their_own_and_to_the_lead_for_the_rest(
    django_capture_on_commit_callbacks, city_reviewer, colleague, lead
):
    import time_machine

    with time_machine.travel(date(2026, 3, 2), tick=False):
        held = submitted("440300", django_capture_on_commit_callbacks, "深圳办理中公司")
        unassigned = submitted("440300", django_capture_on_commit_callbacks, "深圳无人办理公司")
    assignment.take_filing(held.pk, colleague)
    assert held.review_due == date(2026, 4, 14)

    def digests(day):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            reminders.send_digests(day)
        return {message.to[0]: message.body for message in mail.outbox}

    near = digests(date(2026, 4, 8))
    assert set(near) == {colleague.email, lead.email}
    assert "深圳办理中公司" in near[colleague.email]
    assert "深圳无人办理公司" not in near[colleague.email]
    assert "深圳无人办理公司" in near[lead.email]
    assert "深圳办理中公司" not in near[lead.email]  # held and not overdue: the holder's

    overdue = digests(date(2026, 4, 15))
    assert set(overdue) == {colleague.email, lead.email}
    assert "深圳办理中公司" in overdue[lead.email]  # overdue: the lead is told too
    assert unassigned.receipt_number in overdue[lead.email]


def test_without_a_lead_every_reviewer_hears_of_the_unassigned(
    django_capture_on_commit_callbacks, city_reviewer, colleague
):
    import time_machine

    with time_machine.travel(date(2026, 3, 2), tick=False):
        submitted("440300", django_capture_on_commit_callbacks, "深圳无人办理公司")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_digests(date(2026, 4, 8))
    assert sorted(m.to[0] for m in mail.outbox) == sorted([city_reviewer.email, colleague.email])


# --- Two signatures ------------------------------------------------------------------------------


def test_the_second_signature_is_on_by_default_for_provincial_offices_under_the_measures(db):
    province = Jurisdiction.objects.get(code="440000")
    city = Jurisdiction.objects.get(code="440300")
    assert handling.sign_off_required(province, "cac-2025-measures")
    assert not handling.sign_off_required(province, "cac-2023-draft")
    assert not handling.sign_off_required(city, "cac-2025-measures")
    city.sign_off = Jurisdiction.SignOff.REQUIRED
    assert handling.sign_off_required(city, "cac-2023-draft")
    province.sign_off = Jurisdiction.SignOff.NOT_REQUIRED
    assert not handling.sign_off_required(province, "cac-2025-measures")


def test_an_administrator_sets_the_second_signature_of_an_office(client, administrator):
    login_with_second_factor(client, administrator)
    office = Jurisdiction.objects.get(code="440300")
    url = reverse("admin:filings_jurisdiction_change", args=[office.pk])
    assert 'name="sign_off"' in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "office_name": office.office_name,
            "office_name_en": office.office_name_en,
            "sign_off": "required",
        },
    )
    assert response.status_code == 302
    office.refresh_from_db()
    assert office.sign_off == Jurisdiction.SignOff.REQUIRED


def test_an_approval_proposed_by_the_handler_is_signed_off_by_another_person(
    client,
    shenzhen,
    city_reviewer,
    signer,
    two_signatures,
    django_capture_on_commit_callbacks,
):
    login_with_second_factor(client, city_reviewer)
    html = page_of(client, shenzhen)
    assert "提请签发：备案通过" in html
    assert "批准并发放备案编号" not in html
    # Deciding alone is refused, whatever is posted.
    response = decide(client, shenzhen, "approve")
    assert "本网信办的决定须由第二人签发" in response.content.decode()
    shenzhen.refresh_from_db()
    assert shenzhen.status == Filing.Status.SUBMITTED

    response = handle(client, shenzhen, "propose_approve", note="材料齐全，建议通过。")
    assert "已提请签发" in response.content.decode()
    shenzhen.refresh_from_db()
    assert shenzhen.status == Filing.Status.UNDER_REVIEW  # the organization sees it under review
    assert shenzhen.proposed_decision == Filing.Proposal.APPROVE
    assert shenzhen.holder == city_reviewer
    assert shenzhen.filing_number is None
    html = page_of(client, shenzhen)
    assert "待签发" in html
    assert "您提请了这项决定" in html
    assert 'value="sign_off"' not in html
    # The proposer cannot sign: not by the page, not by the verb.
    response = handle(client, shenzhen, "sign_off")
    assert "您提请了这项决定" in response.content.decode()
    with pytest.raises(sign_off.SameSigner):
        sign_off.sign_off(shenzhen.pk, city_reviewer)
    shenzhen.refresh_from_db()
    assert shenzhen.status == Filing.Status.UNDER_REVIEW

    login_with_second_factor(client, signer)
    html = page_of(client, shenzhen)
    assert "材料齐全，建议通过。" in html
    assert 'value="sign_off"' in html
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = handle(client, shenzhen, "sign_off")
    assert "已准予备案：备案编号已发放" in response.content.decode()
    shenzhen.refresh_from_db()
    assert shenzhen.status == Filing.Status.FILED
    assert shenzhen.filing_number.startswith("网信人脸备440300")
    assert shenzhen.signed_off_by == signer
    assert shenzhen.proposed_by == city_reviewer
    assert any(shenzhen.filing_number in message.subject for message in mail.outbox)

    approved = shenzhen.events.get(action=FilingEvent.Action.APPROVED)
    assert approved.actor == signer
    line = f"由 {city_reviewer.get_full_name()} 提请，赵签发 签发"
    assert approved.description.startswith(line)
    proposed = shenzhen.events.get(action=FilingEvent.Action.PROPOSED)
    assert proposed.actor == city_reviewer
    html = page_of(client, shenzhen)
    assert line in html  # the history names both people

    notice = Document.objects.get(filing=shenzhen, kind=Document.Kind.NOTICE)
    assert notice.status == Document.Status.READY
    assert shenzhen.office.office_name in notice_text(notice)


def test_a_signer_sends_a_proposal_back_with_a_note_and_the_handler_proposes_again(
    client, shenzhen, city_reviewer, signer, two_signatures
):
    sign_off.propose_decision(shenzhen.pk, city_reviewer, "refuse", "不符合要求")
    login_with_second_factor(client, signer)
    response = handle(client, shenzhen, "send_back", note="  ")
    assert "请说明退回的理由" in response.content.decode()
    response = handle(client, shenzhen, "send_back", note="理由不充分，请补充具体条款。")
    assert "已退回承办人" in response.content.decode()
    shenzhen.refresh_from_db()
    assert shenzhen.status == Filing.Status.UNDER_REVIEW
    assert shenzhen.proposed_decision == ""
    assert shenzhen.holder == city_reviewer
    sent_back = shenzhen.events.get(action=FilingEvent.Action.SENT_BACK)
    assert sent_back.actor == signer
    assert sent_back.note == "理由不充分，请补充具体条款。"

    login_with_second_factor(client, city_reviewer)
    assert "理由不充分，请补充具体条款。" in page_of(client, shenzhen)
    sign_off.propose_decision(shenzhen.pk, city_reviewer, "refuse", "不符合第十三条")
    sign_off.sign_off(shenzhen.pk, signer)
    shenzhen.refresh_from_db()
    assert shenzhen.status == Filing.Status.REFUSED
    refused = shenzhen.events.get(action=FilingEvent.Action.REFUSED)
    assert refused.note == "不符合第十三条"
    assert refused.facts == {
        "proposed_by": city_reviewer.get_full_name(),
        "signed_off_by": "赵签发",
    }
    assert Document.objects.filter(filing=shenzhen, kind="refusal_notice").exists()


def test_a_refusal_proposal_needs_reasons_and_the_proposal_blocks_other_decisions(
    client, shenzhen, city_reviewer, signer, two_signatures
):
    login_with_second_factor(client, city_reviewer)
    response = decide(client, shenzhen, "propose_refuse")  # the decide view knows no such verb
    assert response.status_code == 404
    response = handle(client, shenzhen, "propose_refuse", reasons="  ")
    assert "请填写理由" in response.content.decode()
    handle(client, shenzhen, "propose_refuse", reasons="缺少单独同意的证明")
    shenzhen.refresh_from_db()
    assert shenzhen.proposed_decision == Filing.Proposal.REFUSE
    assert shenzhen.proposed_reasons == "缺少单独同意的证明"
    # While it waits, nobody returns it or proposes again.
    with pytest.raises(services.TransitionNotAllowed):
        services.return_filing(shenzhen.pk, city_reviewer, "补正")
    with pytest.raises(services.TransitionNotAllowed):
        sign_off.propose_decision(shenzhen.pk, city_reviewer, "approve")


def test_a_reviewer_without_the_sign_off_role_cannot_sign(
    shenzhen, city_reviewer, colleague, two_signatures
):
    sign_off.propose_decision(shenzhen.pk, city_reviewer, "approve")
    with pytest.raises(services.FilingError, match="签发"):
        sign_off.sign_off(shenzhen.pk, colleague)
    shenzhen.refresh_from_db()
    assert shenzhen.status == Filing.Status.UNDER_REVIEW


def test_the_database_refuses_a_signature_by_the_proposer_and_a_stray_proposal(
    shenzhen, city_reviewer
):
    with pytest.raises(IntegrityError), transaction.atomic():
        Filing.objects.filter(pk=shenzhen.pk).update(
            proposed_by=city_reviewer, signed_off_by=city_reviewer
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        # A proposal on a submitted filing (review not started): not a state the verbs make.
        Filing.objects.filter(pk=shenzhen.pk).update(
            proposed_decision="approve", proposed_by=city_reviewer
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Filing.objects.filter(pk=shenzhen.pk).update(
            status="under_review", proposed_decision="approve"
        )


def test_a_revocation_is_proposed_and_signed_off(
    client, shenzhen, city_reviewer, signer, django_capture_on_commit_callbacks
):
    services.start_review(shenzhen.pk, city_reviewer)
    services.approve_filing(shenzhen.pk, city_reviewer)  # one signature then
    Jurisdiction.objects.filter(code="440300").update(sign_off="required")
    with pytest.raises(services.SignOffRequired):
        services.revoke_filing(shenzhen.pk, city_reviewer, "材料虚假")

    login_with_second_factor(client, city_reviewer)
    assert "提请签发：撤销备案" in page_of(client, shenzhen)
    handle(client, shenzhen, "propose_revoke", reasons="材料虚假")
    shenzhen.refresh_from_db()
    assert shenzhen.status == Filing.Status.FILED  # still valid until it is signed
    assert shenzhen.proposed_decision == Filing.Proposal.REVOKE
    login_with_second_factor(client, signer)
    with django_capture_on_commit_callbacks(execute=True):
        handle(client, shenzhen, "sign_off")
    shenzhen.refresh_from_db()
    assert shenzhen.status == Filing.Status.REVOKED
    revoked = shenzhen.events.get(action=FilingEvent.Action.REVOKED)
    assert revoked.actor == signer
    assert revoked.facts["proposed_by"] == city_reviewer.get_full_name()
    notice = Document.objects.get(filing=shenzhen, kind="revocation_notice")
    assert notice.status == Document.Status.READY
    assert shenzhen.office.office_name in notice_text(notice)


def test_a_return_for_correction_needs_one_signature_even_where_decisions_need_two(
    shenzhen, city_reviewer, two_signatures
):
    services.return_filing(shenzhen.pk, city_reviewer, "请补充评估报告签章页")
    shenzhen.refresh_from_db()
    assert shenzhen.status == Filing.Status.RETURNED
    assert shenzhen.events.get(action=FilingEvent.Action.RETURNED).actor == city_reviewer


def test_once_decided_a_filing_is_no_longer_read_only_for_the_other_reviewers(
    client, shenzhen, city_reviewer, colleague
):
    services.start_review(shenzhen.pk, city_reviewer)
    services.approve_filing(shenzhen.pk, city_reviewer)
    login_with_second_factor(client, colleague)
    html = page_of(client, shenzhen)
    assert "正在办理此备案" not in html
    assert 'value="ask_reassignment"' not in html
    assert 'name="body"' in html  # a message to the organization, as before
    assert 'value="revoke"' in html


def test_the_organization_sees_the_offices_decision_not_its_workings(
    client, shenzhen, city_reviewer, signer, two_signatures
):
    """Who handles the filing, the proposals and a signer's note stay inside the office: the
    organization's history (and its API notifications) show the decision and its reasons, in the
    office's name."""
    sign_off.propose_decision(shenzhen.pk, city_reviewer, "refuse", "内部初稿理由")
    sign_off.send_back(shenzhen.pk, signer, "内部意见：理由不充分")
    sign_off.propose_decision(shenzhen.pk, city_reviewer, "refuse", "缺少单独同意的证明")
    sign_off.sign_off(shenzhen.pk, signer)
    client.force_login(shenzhen.created_by)
    url = reverse("filing_detail", args=[shenzhen.organization_id, shenzhen.pk])
    html = client.get(url).content.decode()
    assert "缺少单独同意的证明" in html
    for internal in ("内部初稿理由", "内部意见", "赵签发", city_reviewer.get_full_name(), "提请"):
        assert internal not in html, internal
    visible = shenzhen.events.exclude(action__in=FilingEvent.OFFICE_INTERNAL)
    assert not visible.filter(action__in=["taken", "proposed", "sent_back"]).exists()
    refused = shenzhen.events.get(action="refused")
    assert refused.organization_description == "缺少单独同意的证明"
    assert "赵签发" in refused.description  # the office's own history names both

    from api import tokens
    from filings.models import Membership
    from tests.api_helpers import bearer

    Membership.objects.filter(user=shenzhen.created_by).update(role="admin")
    _row, secret = tokens.create_token(
        shenzhen.organization, shenzhen.created_by, name="tool", scope="read"
    )
    rows = client.get("/api/v1/notifications/", **bearer(secret)).json()["results"]
    assert {row["action"] for row in rows} == {"created", "submitted", "review_started", "refused"}
    assert [row["description"] for row in rows if row["action"] == "refused"] == [
        "缺少单独同意的证明"
    ]


# --- Who is told --------------------------------------------------------------------------------


def test_the_signers_the_handler_and_the_assignee_are_each_emailed_in_their_language(
    shenzhen,
    city_reviewer,
    colleague,
    lead,
    signer,
    two_signatures,
    django_capture_on_commit_callbacks,
):
    english_signer = with_role(
        reviewer_of("440300", "signer2@cac.example", name="Ann Signer"), SIGNER_GROUP
    )
    english_signer.language = "en"
    english_signer.save(update_fields=["language"])
    with_role(city_reviewer, SIGNER_GROUP)  # a signer who proposes is not asked to sign

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assignment.assign_filing(shenzhen.pk, lead, colleague, note="请优先办理")
    assert [message.to for message in mail.outbox] == [[colleague.email]]
    assigned = mail.outbox[0]
    assert assigned.subject == f"备案 {shenzhen.receipt_number} 已分派给您办理"
    assert "王处长 已将备案" in assigned.body
    assert "请优先办理" in assigned.body
    assert reverse("admin:filings_filing_change", args=[shenzhen.pk]) in assigned.body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assignment.assign_filing(shenzhen.pk, lead, lead)  # the lead takes it: nobody to tell
        assignment.assign_filing(shenzhen.pk, lead, city_reviewer)
    assert [message.to for message in mail.outbox] == [[city_reviewer.email]]

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sign_off.propose_decision(shenzhen.pk, city_reviewer, "refuse", "不符合第十三条")
    told = {message.to[0]: message for message in mail.outbox}
    assert set(told) == {signer.email, english_signer.email}
    assert told[signer.email].subject == f"备案 {shenzhen.receipt_number}：一项决定待您签发"
    assert "提请签发：不予备案。" in told[signer.email].body
    assert "不符合第十三条" in told[signer.email].body
    english = told[english_signer.email]
    assert english.subject == f"Filing {shenzhen.receipt_number}: a decision awaits your sign-off"
    assert "proposes a decision on filing" in english.body
    assert "Refusal" in english.body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sign_off.send_back(shenzhen.pk, signer, "理由不充分，请补充具体条款。")
    assert [message.to for message in mail.outbox] == [[city_reviewer.email]]
    back = mail.outbox[0]
    assert back.subject == f"备案 {shenzhen.receipt_number}：您提请的决定已被退回"
    assert "赵签发 未签发您" in back.body
    assert "理由不充分，请补充具体条款。" in back.body
