"""The filing: saved step by step, checked, submitted once, returned and corrected, changed and
cancelled, and never visible to anyone but the organization's members."""

import copy
from datetime import date

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from filings.lifecycle import obligations, services
from filings.models import Attachment, Filing, FilingEvent, FilingVersion, Obligation
from tests.factories import MembershipFactory
from tests.filing_data import complete_filing, mark_complete
from tests.pdfs import pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(date(2026, 3, 2), tick=False):
        yield


@pytest.fixture
def member():
    membership = MembershipFactory(role="admin")
    obligations.declare_system(
        membership.organization,
        membership.user,
        name="门禁",
        people_stored=12_000,
        used_in_public_place=False,
        count_reached_on=date(2026, 2, 2),
    )
    return membership


@pytest.fixture
def filer(client, member):
    client.force_login(member.user)
    return client


def url(name, member, *args):
    return reverse(name, args=[member.organization.pk, *args])


def complete_draft(member, data=None) -> Filing:
    filing = services.start_initial_filing(member.organization, member.user)
    filing.data = copy.deepcopy(data or complete_filing())
    mark_complete(filing)
    upload_report(filing, member.user)
    return filing


def upload_report(filing, user, kind="assessment_report"):
    from filings.documents import attachments

    return attachments.store(filing, user, kind, SimpleUploadedFile("评估报告.pdf", pdf_bytes()))


def submit(client, member, filing):
    return client.post(url("filing_step", member, filing.pk, "review"), {"truthful": "on"})


# --- Step by step --------------------------------------------------------------------------------


def test_starting_a_filing_prefills_the_organization_and_takes_the_obligation(filer, member):
    response = filer.post(url("filing_start", member))
    filing = Filing.objects.get()
    assert response["Location"] == url("filing_step", member, filing.pk, "organization")
    assert filing.data["organization"]["uscc"] == member.organization.uscc
    assert filing.office.code == "440300"
    assert filing.deadline == Obligation.objects.get().deadline == date(2026, 3, 20)
    # Starting again resumes the same draft.
    filer.post(url("filing_start", member))
    assert Filing.objects.count() == 1


def test_each_step_is_saved_as_a_draft_and_resumed(filer, member):
    filing = services.start_initial_filing(member.organization, member.user)
    step_url = url("filing_step", member, filing.pk, "purpose")
    response = filer.post(
        step_url,
        {"purpose": "员工门禁", "scope": "深圳办公室员工", "necessity": "工卡常被借用"},
    )
    assert response["Location"] == url("filing_step", member, filing.pk, "facial_data")
    filing.refresh_from_db()
    assert filing.data["purpose"]["purpose"] == "员工门禁"
    assert "purpose" in filing.completed_steps
    html = filer.get(step_url).content.decode()
    assert "员工门禁" in html
    assert "✓" in html  # the progress indicator marks the step complete
    # "Save draft" keeps even an incomplete step, and shows what is still missing.
    response = filer.post(step_url, {"purpose": "访客登记", "save_draft": "1"})
    assert response.status_code == 200
    assert "请填写范围：识别对象、地点和时间" in response.content.decode()
    filing.refresh_from_db()
    assert filing.data["purpose"]["purpose"] == "访客登记"
    assert "purpose" not in filing.completed_steps


def test_deployments_are_a_list_with_at_least_one_place(filer, member):
    filing = services.start_initial_filing(member.organization, member.user)
    step_url = url("filing_step", member, filing.pk, "deployments")
    management = {
        "deployments-TOTAL_FORMS": "2",
        "deployments-INITIAL_FORMS": "0",
        "deployments-MIN_NUM_FORMS": "0",
        "deployments-MAX_NUM_FORMS": "200",
    }
    response = filer.post(step_url, management)
    assert "至少添加一个" in response.content.decode()
    response = filer.post(
        step_url,
        {
            **management,
            "deployments-0-name": "大堂闸机",
            "deployments-0-place_kind": "office",
            "deployments-0-is_public_place": "on",
            "deployments-0-signage": "on",
            "deployments-1-name": "酒店前台",
            "deployments-1-place_kind": "hotel",
            "deployments-1-verifies_identity": "on",
            "deployments-1-alternative_offered": "人工核验身份证",
        },
    )
    assert response.status_code == 302
    filing.refresh_from_db()
    assert [d["name"] for d in filing.data["deployments"]] == ["大堂闸机", "酒店前台"]


def test_places_are_saved_again_with_the_empty_block_left_alone(filer, member):
    """The block for one more place starts blank, so that left alone it is not a place to check."""
    filing = complete_draft(member)
    step_url = url("filing_step", member, filing.pk, "deployments")
    html = filer.get(step_url).content.decode()
    extra = html[html.index('name="deployments-2-place_kind"') :]
    assert extra[: extra.index("</option>")].endswith('<option value="" selected>—')
    form = {
        "deployments-TOTAL_FORMS": "3",
        "deployments-INITIAL_FORMS": "2",
        "deployments-MIN_NUM_FORMS": "0",
        "deployments-MAX_NUM_FORMS": "200",
        "deployments-2-place_kind": "",
    }
    for number, place in enumerate(filing.data["deployments"]):
        for key, value in place.items():
            if value not in (False, ""):
                form[f"deployments-{number}-{key}"] = "on" if value is True else value
    response = filer.post(step_url, form)
    assert response.status_code == 302
    filing.refresh_from_db()
    assert [d["name"] for d in filing.data["deployments"]] == ["Lobby gate", "Hotel front desk"]
    # Ticking "Delete" removes a place; the box itself is not kept.
    filer.post(step_url, {**form, "deployments-1-DELETE": "on"})
    filing.refresh_from_db()
    assert [d["name"] for d in filing.data["deployments"]] == ["Lobby gate"]
    assert "DELETE" not in filing.data["deployments"][0]


def test_saving_a_place_and_adding_another_comes_back_to_a_new_empty_block(filer, member):
    filing = services.start_initial_filing(member.organization, member.user)
    step_url = url("filing_step", member, filing.pk, "deployments")
    assert "保存此场所并添加下一个" in filer.get(step_url).content.decode()
    response = filer.post(
        step_url,
        {
            "deployments-TOTAL_FORMS": "1",
            "deployments-INITIAL_FORMS": "0",
            "deployments-MIN_NUM_FORMS": "0",
            "deployments-MAX_NUM_FORMS": "200",
            "deployments-0-name": "大堂闸机",
            "deployments-0-place_kind": "office",
            "save_draft": "add_place",
        },
    )
    assert response["Location"] == f"{step_url}#place-2"
    filing.refresh_from_db()
    assert [d["name"] for d in filing.data["deployments"]] == ["大堂闸机"]
    html = filer.get(step_url).content.decode()
    assert 'id="place-2"' in html
    assert 'name="deployments-1-name"' in html
    assert 'value="大堂闸机"' in html


def test_a_step_opened_from_the_review_leads_back_to_it(filer, member):
    filing = complete_draft(member)
    step_url = url("filing_step", member, filing.pk, "purpose") + "?from=review"
    response = filer.post(step_url, filing.data["purpose"])
    assert response.status_code == 302
    assert response.url == url("filing_step", member, filing.pk, "review")


def test_the_review_page_leaves_the_declaration_to_its_checkbox(filer, member):
    """The unticked declaration is not listed among the problems to fix elsewhere."""
    data = complete_filing()
    del data["declaration"]
    filing = complete_draft(member, data)
    html = filer.get(url("filing_step", member, filing.pk, "review")).content.decode()
    assert "alert-danger" not in html
    assert 'name="truthful"' in html


def test_the_organization_step_keeps_the_registered_address(filer, member):
    filing = services.start_initial_filing(member.organization, member.user)
    section = dict(filing.data["organization"])
    section.pop("address_division")
    section["contact_name"] = "赵六"
    filer.post(url("filing_step", member, filing.pk, "organization"), section)
    filing.refresh_from_db()
    assert filing.data["organization"]["contact_name"] == "赵六"
    assert filing.data["organization"]["address_division"] == "440300"


# --- Checks and submission -----------------------------------------------------------------------


def test_a_blocking_check_stops_submission_and_points_to_the_step(filer, member):
    data = complete_filing()
    data["deployments"][0]["place_kind"] = "fitting_room"
    filing = complete_draft(member, data)
    response = submit(filer, member, filing)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lobby gate" in html
    assert url("filing_step", member, filing.pk, "deployments") in html
    filing.refresh_from_db()
    assert filing.status == Filing.Status.DRAFT
    assert not FilingVersion.objects.exists()


def test_without_the_assessment_report_the_filing_cannot_be_submitted(filer, member):
    filing = complete_draft(member)
    Attachment.objects.all().delete()
    submit(filer, member, filing)
    filing.refresh_from_db()
    assert filing.status == Filing.Status.DRAFT


@pytest.mark.parametrize("left_out", ["organization", "facial_data", "deployments"])
def test_the_submission_verb_refuses_a_step_never_saved_whoever_calls_it(filer, member, left_out):
    filing = complete_draft(member)
    services.save_step(filing, member.user, "declaration", {"truthful": True})
    filing.refresh_from_db()
    filing.completed_steps = [key for key in filing.completed_steps if key != left_out]
    filing.save(update_fields=["completed_steps"])
    with pytest.raises(services.SubmissionBlocked) as blocked:
        services.submit_filing(filing.pk, member.user)
    assert [(f.code, f.step) for f in services.compliance.errors(blocked.value.findings)] == [
        ("step_incomplete", left_out)
    ]
    filing.refresh_from_db()
    assert filing.status == Filing.Status.DRAFT
    assert filing.receipt_number is None
    assert member.organization.obligations.get().status == Obligation.Status.OPEN
    # The review page lists it, and its submission is refused the same way.
    html = filer.get(url("filing_step", member, filing.pk, "review")).content.decode()
    assert "一步尚未完成" in html
    submit(filer, member, filing)
    filing.refresh_from_db()
    assert filing.status == Filing.Status.DRAFT


def test_submission_freezes_a_version_gives_a_receipt_and_fulfils_the_obligation(
    filer, member, django_capture_on_commit_callbacks
):
    filing = complete_draft(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(filer, member, filing)
    filing.refresh_from_db()
    assert response["Location"] == url("filing_detail", member, filing.pk)
    assert filing.status == Filing.Status.SUBMITTED
    assert filing.receipt_number == f"FR20260302{filing.pk:06d}"
    assert filing.late is False
    assert filing.review_due == date(2026, 4, 14)  # 30 working days, Qingming 4/4-4/6 off
    version = FilingVersion.objects.get(filing=filing)
    assert version.number == 1
    assert version.on_time is True
    assert version.data["purpose"]["purpose"] == "Entrance control for employees"
    assert version.attachments[0]["name"] == "评估报告.pdf"
    assert len(version.attachments[0]["sha256"]) == 64
    event = FilingEvent.objects.get(filing=filing, action="submitted")
    assert (event.from_status, event.to_status, event.actor) == ("draft", "submitted", member.user)
    assert Obligation.objects.get(kind="initial").status == Obligation.Status.FULFILLED
    receipt = [m for m in mail.outbox if filing.receipt_number in m.subject]
    assert len(receipt) == 1
    # The frozen version does not follow later edits of the draft.
    Filing.objects.filter(pk=filing.pk).update(data={})
    version.refresh_from_db()
    assert version.data["purpose"]


def test_a_double_submission_creates_one_submission(filer, member):
    filing = complete_draft(member)
    first = submit(filer, member, filing)
    second = submit(filer, member, filing)
    assert first.status_code == second.status_code == 302
    assert FilingVersion.objects.filter(filing=filing).count() == 1
    assert FilingEvent.objects.filter(filing=filing, action="submitted").count() == 1
    follow = filer.get(second["Location"])
    assert "已经提交" in follow.content.decode()


def test_a_late_filing_is_accepted_and_marked_late(filer, member):
    filing = complete_draft(member)
    with time_machine.travel(date(2026, 3, 23), tick=False):
        filer.force_login(member.user)  # three weeks on, the old session has expired
        submit(filer, member, filing)
    filing.refresh_from_db()
    assert filing.status == Filing.Status.SUBMITTED
    assert filing.late is True
    assert filing.versions.get().on_time is False


# --- Return, correction, resubmission ------------------------------------------------------------


def test_the_filing_page_marks_a_provisional_deadline(filer, member):
    filing = services.start_initial_filing(member.organization, member.user)
    page = url("filing_detail", member, filing.pk)
    assert "暂定" not in filer.get(page).content.decode()  # 2026-03-20, in a published year
    Obligation.objects.filter(pk=filing.obligation_id).update(deadline_final=False)
    html = filer.get(page).content.decode()
    assert "暂定" in html
    assert "尚未公布" in html  # and why


def test_a_returned_filing_shows_the_reasons_and_the_deadline_and_can_be_resubmitted(
    filer, member, city_reviewer
):
    filing = complete_draft(member)
    submit(filer, member, filing)
    services.return_filing(filing.pk, city_reviewer, "请补充门禁系统的保存期限说明。")
    filing.refresh_from_db()
    assert filing.status == Filing.Status.RETURNED
    assert filing.correction_deadline == date(2026, 3, 23)  # 15 working days
    html = filer.get(url("filing_detail", member, filing.pk)).content.decode()
    assert "请补充门禁系统的保存期限说明。" in html
    assert "2026-03-23" in html

    data = filing.data["facial_data"]
    form = {key: value for key, value in data.items() if value not in (False, None, "")}
    form["retention_period"] = "离职后 7 日内删除"
    response = filer.post(url("filing_step", member, filing.pk, "facial_data"), form)
    assert response.status_code == 302
    submit(filer, member, filing)
    filing.refresh_from_db()
    assert filing.status == Filing.Status.SUBMITTED
    assert filing.versions.count() == 2
    assert filing.obligation.kind == "correction"
    assert filing.obligation.status == Obligation.Status.FULFILLED
    html = filer.get(url("filing_detail", member, filing.pk)).content.decode()
    assert "与上一版本相比的变更" in html
    # Under the words the form asked with, not the field's key.
    assert "人脸信息 · 保存期限" in html
    assert "retention_period" not in html
    assert "离职后 7 日内删除" in html


def test_reasons_are_required_to_return_or_refuse(member, city_reviewer):
    filing = complete_draft(member)
    services.submit_filing(filing.pk, member.user)
    for verb in (services.return_filing, services.refuse_filing):
        with pytest.raises(services.FilingError):
            verb(filing.pk, city_reviewer, "   ")
    filing.refresh_from_db()
    assert filing.status == Filing.Status.SUBMITTED


def test_a_submitted_filing_cannot_be_edited(filer, member):
    filing = complete_draft(member)
    submit(filer, member, filing)
    response = filer.post(url("filing_step", member, filing.pk, "purpose"), {"purpose": "x"})
    assert response.status_code == 403
    filing.refresh_from_db()
    assert filing.data["purpose"]["purpose"] == "Entrance control for employees"


# --- Change and cancellation ---------------------------------------------------------------------


def filed(member, city_reviewer) -> Filing:
    filing = complete_draft(member)
    services.submit_filing(filing.pk, member.user)
    return services.approve_filing(filing.pk, city_reviewer)


def test_approval_gives_a_number_with_the_office_code_and_the_year(member, city_reviewer):
    filing = filed(member, city_reviewer)
    assert filing.filing_number == "网信人脸备440300202600001号"
    other = MembershipFactory()
    second = filed(other, city_reviewer)
    assert second.filing_number == "网信人脸备440300202600002号"


def test_a_change_has_its_own_deadline_from_the_change_date_and_is_reviewed(
    filer, member, city_reviewer
):
    original = filed(member, city_reviewer)
    response = filer.post(url("filing_follow_up", member, original.pk, "change"))
    change = Filing.objects.get(kind="change")
    assert response["Location"] == url("filing_step", member, change.pk, "change")
    assert change.data["purpose"] == original.versions.get().data["purpose"]  # prefilled
    filer.post(
        url("filing_step", member, change.pk, "change"),
        {
            "description": "新增两处闸机",
            "effective_date": "2026-02-16",
            "sections": ["deployments"],
        },
    )
    change.refresh_from_db()
    # From 2026-02-16, in the Spring Festival: 2/24 is the first working day counted.
    assert change.deadline == date(2026, 4, 3)
    assert change.obligation.kind == "change"
    upload_report(change, member.user)
    submit(filer, member, change)
    change.refresh_from_db()
    assert change.status == Filing.Status.SUBMITTED
    approved = services.approve_filing(change.pk, city_reviewer)
    assert approved.filing_number == "网信人脸备440300202600001-变更1号"
    original.refresh_from_db()
    assert original.status == Filing.Status.FILED


def change_of(filer, member, original, description="新增两处闸机") -> Filing:
    filer.post(url("filing_follow_up", member, original.pk, "change"))
    change = Filing.objects.get(kind="change", status__in=["draft", "returned"])
    filer.post(
        url("filing_step", member, change.pk, "change"),
        {"description": description, "effective_date": "2026-02-16", "sections": ["purpose"]},
    )
    change.refresh_from_db()
    return change


def test_a_change_starts_from_the_filed_steps_and_attachments(filer, member, city_reviewer):
    original = filed(member, city_reviewer)
    (report,) = services.current_attachments(original)
    change = change_of(filer, member, original)
    change.refresh_from_db()
    # What was filed is complete; only the change step was new, and it is now filled in too.
    assert set(change.completed_steps) >= {"organization", "purpose", "assessment", "change"}
    assert "declaration" not in change.data
    (carried,) = services.current_attachments(change)
    assert (carried.sha256, carried.original_name, carried.kind) == (
        report.sha256,
        report.original_name,
        report.kind,
    )
    response = filer.get(url("attachment_download", member, change.pk, carried.pk))
    assert b"".join(response.streaming_content) == pdf_bytes()
    # No upload again: the carried report satisfies the check, and the change can be submitted.
    submit(filer, member, change)
    change.refresh_from_db()
    assert change.status == Filing.Status.SUBMITTED
    # Withdrawing it from the change leaves the original's attachment as filed.
    assert services.current_attachments(original).get() == report


def test_a_second_change_starts_from_the_first_approved_change(
    filer, member, city_reviewer, admin_client
):
    original = filed(member, city_reviewer)
    first = change_of(filer, member, original)
    data = copy.deepcopy(first.data)
    first.refresh_from_db()
    first.data["purpose"]["purpose"] = "门禁与考勤"
    mark_complete(first)
    submit(filer, member, first)
    services.approve_filing(first.pk, city_reviewer)
    second = change_of(filer, member, original, description="再次变更")
    assert second.pk != first.pk
    assert second.data["purpose"]["purpose"] == "门禁与考勤"
    assert data["purpose"]["purpose"] != "门禁与考勤"
    assert second.data["change"]["description"] == "再次变更"

    # Submitted, the second change is shown against the first change, not the original filing.
    second.refresh_from_db()
    second.data["purpose"]["scope"] = "两栋办公楼"
    mark_complete(second)
    submit(filer, member, second)
    first.refresh_from_db()
    html = filer.get(url("filing_detail", member, second.pk)).content.decode()
    assert f"与已备案内容相比的变更（{first.filing_number}）" in html
    assert "两栋办公楼" in html
    assert "门禁与考勤" not in html.split("与已备案内容相比的变更")[1].split("</table>")[0]
    assert "再次变更" not in html.split("与已备案内容相比的变更")[1].split("</table>")[0]
    # The reviewer's page compares the same way.
    admin_html = admin_client.get(
        reverse("admin:filings_filing_change", args=[second.pk])
    ).content.decode()
    assert f"与已备案内容相比的变更（{first.filing_number}）" in admin_html
    assert "两栋办公楼" in admin_html


def test_a_cancellation_when_approved_cancels_the_original(filer, member, city_reviewer):
    original = filed(member, city_reviewer)
    filer.post(url("filing_follow_up", member, original.pk, "cancellation"))
    cancellation = Filing.objects.get(kind="cancellation")
    filer.post(
        url("filing_step", member, cancellation.pk, "cancellation"),
        {"stopped_on": "2026-02-27", "deletion_method": "deleted", "deletion_detail": "已全部删除"},
    )
    cancellation.refresh_from_db()
    assert cancellation.deadline == date(2026, 4, 10)
    submit(filer, member, cancellation)
    services.approve_filing(cancellation.pk, city_reviewer)
    original.refresh_from_db()
    assert original.status == Filing.Status.CANCELLED
    assert original.events.filter(action="cancelled").exists()


def test_only_a_filed_filing_can_be_changed(filer, member):
    draft = complete_draft(member)
    response = filer.post(url("filing_follow_up", member, draft.pk, "change"), follow=True)
    assert "只有已备案的备案" in response.content.decode()
    assert not Filing.objects.filter(kind="change").exists()


# --- Attachments and bad input -------------------------------------------------------------------


def upload(client, member, filing, name, content, kind="assessment_report"):
    return client.post(
        url("attachment_upload", member, filing.pk),
        {"kind": kind, "file": SimpleUploadedFile(name, content)},
        follow=True,
    )


def test_a_pdf_and_a_png_are_accepted_with_their_hash(filer, member):
    filing = services.start_initial_filing(member.organization, member.user)
    upload(filer, member, filing, "report.pdf", pdf_bytes())
    upload(filer, member, filing, "licence.png", png_bytes(), kind="uscc_certificate")
    rows = list(Attachment.objects.order_by("pk"))
    assert [(a.content_type, a.original_name) for a in rows] == [
        ("application/pdf", "report.pdf"),
        ("image/png", "licence.png"),
    ]
    assert "report.pdf" not in rows[0].file.name  # stored under a generated name
    assert rows[0].file.name.startswith("attachments/")  # in private storage, not static files


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", b"MZ\x90\x00" + b"\x00" * 200, "只接受 PDF、JPEG 和 PNG"),  # a renamed .exe
        ("report.pdf", pdf_bytes()[:-200], "不完整"),  # a truncated PDF
        ("photo.png", png_bytes()[:40], "无法读取"),  # a cut-off image
        ("empty.pdf", b"", "空文件"),
    ],
)
def test_bad_files_are_refused_with_a_message(filer, member, name, content, message):
    filing = services.start_initial_filing(member.organization, member.user)
    response = upload(filer, member, filing, name, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Attachment.objects.exists()


def test_an_oversized_file_is_refused(filer, member):
    filing = services.start_initial_filing(member.organization, member.user)
    big = pdf_bytes() + b"%" * (20 * 1024 * 1024)
    response = upload(filer, member, filing, "big.pdf", big)
    assert "20 MB" in response.content.decode()
    assert not Attachment.objects.exists()


def test_downloads_keep_the_original_name_and_are_logged(filer, member):
    filing = complete_draft(member)
    attachment = Attachment.objects.get()
    response = filer.get(url("attachment_download", member, filing.pk, attachment.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="download.pdf"; '
        "filename*=UTF-8''%E8%AF%84%E4%BC%B0%E6%8A%A5%E5%91%8A.pdf"
    )
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert FilingEvent.objects.filter(filing=filing, action="attachment_downloaded").exists()


@pytest.mark.parametrize(
    ("step", "post", "message"),
    [
        ("facial_data", {"people_stored": "-1"}, "不能为负数"),
        ("facial_data", {"people_stored": "10000000000000"}, "大于任何实际数量"),
        ("assessment", {"assessment_date": "2030-01-01", "conclusion": "ok"}, "未来"),
        (
            "purpose",
            {"purpose": "长" * 10_000, "scope": "s", "necessity": "n"},
            "不超过 4000",
        ),
    ],
)
def test_bad_input_gets_a_message_on_the_field_and_keeps_what_was_typed(
    filer, member, step, post, message
):
    filing = services.start_initial_filing(member.organization, member.user)
    response = filer.post(url("filing_step", member, filing.pk, step), post)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    typed = next(iter(post.values()))
    assert typed[:50] in html


def test_markup_is_shown_as_text(filer, member):
    data = complete_filing()
    data["purpose"]["purpose"] = "<script>alert(1)</script></td>"
    filing = complete_draft(member, data)
    html = filer.get(url("filing_step", member, filing.pk, "review")).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;/td&gt;" in html
    assert "<script>alert(1)" not in html


# --- Who may see what ----------------------------------------------------------------------------


def consume(response):
    """Read a streamed download to its end, so the test client closes the file."""
    if response.streaming:
        b"".join(response.streaming_content)


def every_filing_url(member, filing, attachment):
    return [
        url("filing_detail", member, filing.pk),
        *[url("filing_step", member, filing.pk, step) for step in ("organization", "review")],
        url("attachment_download", member, filing.pk, attachment.pk),
    ]


def every_filing_post(member, filing, attachment):
    return [
        url("filing_start", member),
        url("filing_follow_up", member, filing.pk, "change"),
        url("filing_step", member, filing.pk, "purpose"),
        url("filing_step", member, filing.pk, "review"),
        url("attachment_upload", member, filing.pk),
        url("attachment_withdraw", member, filing.pk, attachment.pk),
    ]


def test_other_organizations_and_anonymous_users_get_404_everywhere(client, member):
    filing = complete_draft(member)
    attachment = Attachment.objects.get()
    stranger = MembershipFactory()
    for who in (None, stranger.user):
        client.logout()
        if who:
            client.force_login(who)
        for address in every_filing_url(member, filing, attachment):
            assert client.get(address).status_code == 404, (who, address)
        for address in every_filing_post(member, filing, attachment):
            assert client.post(address, {"purpose": "x"}).status_code == 404, (who, address)
    # Nor through the stranger's own organization in the URL.
    client.force_login(stranger.user)
    address = reverse(
        "attachment_download", args=[stranger.organization.pk, filing.pk, attachment.pk]
    )
    assert client.get(address).status_code == 404
    filing.refresh_from_db()
    assert filing.status == Filing.Status.DRAFT
    assert filing.data["purpose"]["purpose"] == "Entrance control for employees"


def test_viewers_read_but_cannot_change_anything(client, member):
    filing = complete_draft(member)
    attachment = Attachment.objects.get()
    viewer = MembershipFactory(organization=member.organization, role="viewer")
    client.force_login(viewer.user)
    for address in every_filing_url(member, filing, attachment):
        response = client.get(address)
        assert response.status_code == 200, address
        consume(response)
    for address in every_filing_post(member, filing, attachment):
        assert client.post(address, {"purpose": "x"}).status_code == 403, address
    html = client.get(url("filing_step", member, filing.pk, "purpose")).content.decode()
    assert "disabled" in html
    assert Attachment.objects.filter(withdrawn_at=None).count() == 1
    filing.refresh_from_db()
    assert filing.status == Filing.Status.DRAFT


# --- Bounded queries -----------------------------------------------------------------------------


def count_queries(client, address) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    return len(queries)


def test_filing_pages_and_dashboard_run_a_fixed_number_of_queries(filer, member, city_reviewer):
    filing = complete_draft(member)
    services.submit_filing(filing.pk, member.user)
    addresses = [
        url("filing_detail", member, filing.pk),
        url("filing_step", member, filing.pk, "deployments"),
        url("filing_step", member, filing.pk, "review"),
        url("dashboard", member),
    ]
    before = [count_queries(filer, address) for address in addresses]

    # Many more deployments, versions, events, attachments and filings.
    data = complete_filing()
    data["deployments"] = data["deployments"] * 20
    for _ in range(3):
        services.return_filing(filing.pk, city_reviewer, "补正")
        services.save_step(filing, member.user, "deployments", data["deployments"])
        upload_report(filing, member.user, kind="other")
        services.save_step(filing, member.user, "declaration", {"truthful": True})
        services.submit_filing(filing.pk, member.user)
        consume(
            filer.get(url("attachment_download", member, filing.pk, Attachment.objects.first().pk))
        )
    for _ in range(5):
        MembershipFactory(organization=member.organization)
    assert [count_queries(filer, address) for address in addresses] == before


def test_after_submission_the_dashboard_shows_the_filing_not_that_none_is_needed(filer, member):
    filing = complete_draft(member)
    submit(filer, member, filing)
    html = filer.get(url("dashboard", member)).content.decode()
    assert "无需备案" not in html
    assert "已提交" in html
    assert url("filing_detail", member, filing.pk) in html


def test_after_submitting_the_message_says_the_receipt_will_be_emailed_not_that_it_was(
    filer, member
):
    filing = complete_draft(member)
    response = filer.post(
        url("filing_step", member, filing.pk, "review"), {"truthful": "on"}, follow=True
    )
    html = response.content.decode()
    assert "回执稍后将通过电子邮件发送给您" in html
    assert "回执已通过电子邮件发送" not in html


def test_the_declaration_is_made_afresh_at_every_submission(filer, member, city_reviewer):
    """A corrected filing is declared true, accurate and complete again: the box is never ticked
    in advance, and a resubmission without it is refused, whoever submits it."""
    filing = complete_draft(member)
    services.submit_filing(filing.pk, member.user)
    assert filing.versions.get().data["declaration"] == {"truthful": True}  # kept on record
    services.return_filing(filing.pk, city_reviewer, "补正")
    filing.refresh_from_db()
    assert filing.data["declaration"] == {}
    page = filer.get(url("filing_step", member, filing.pk, "review")).content.decode()
    assert 'name="truthful"' in page
    assert "checked" not in page.split('name="truthful"')[1].split(">")[0]
    with pytest.raises(services.SubmissionBlocked):
        services.submit_filing(filing.pk, member.user)
    services.save_step(filing, member.user, "declaration", {"truthful": True})
    assert services.submit_filing(filing.pk, member.user).status == Filing.Status.SUBMITTED


def test_the_offices_reasons_are_shown_numbered_on_every_step_while_correcting(
    filer, member, city_reviewer
):
    filing = complete_draft(member)
    services.submit_filing(filing.pk, member.user)
    services.return_filing(filing.pk, city_reviewer, "1. 请写明保存期限\n2、补充告知方式")
    for step in ("purpose", "facial_data", "assessment", "review"):
        page = filer.get(url("filing_step", member, filing.pk, step)).content.decode()
        box = page.split('id="correction-reasons"')[1].split("</aside>")[0]
        assert "<li>请写明保存期限</li>" in box, step
        assert "<li>补充告知方式</li>" in box, step
    services.save_step(filing, member.user, "declaration", {"truthful": True})
    services.submit_filing(filing.pk, member.user)
    page = filer.get(url("filing_step", member, filing.pk, "purpose")).content.decode()
    assert 'id="correction-reasons"' not in page  # only while correcting


def test_an_empty_new_place_has_no_delete_box(filer, member):
    filing = complete_draft(member)
    page = filer.get(url("filing_step", member, filing.pk, "deployments")).content.decode()
    saved = len(filing.data["deployments"])
    for number in range(saved):
        assert f'name="deployments-{number}-DELETE"' in page
    assert f'name="deployments-{saved}-name"' in page  # the empty block to add a place
    assert f'name="deployments-{saved}-DELETE"' not in page


def test_a_files_checksum_is_one_click_away_not_shown_by_default(filer, member):
    filing = complete_draft(member)
    attachment = filing.attachment_rows.first()
    for step in ("assessment", "review"):
        page = filer.get(url("filing_step", member, filing.pk, step)).content.decode()
        assert attachment.sha256 in page
        before = page.split(attachment.sha256)[0]
        assert before.rfind("<details") > before.rfind("</details>"), step  # inside a <details>


def test_links_with_the_same_words_say_where_they_lead(filer, member):
    import re

    filing = complete_draft(member)
    filing.data["purpose"] = {}
    filing.data["consent"] = {}
    filing.save(update_fields=["data"])
    for step in ("assessment", "review"):
        page = filer.get(url("filing_step", member, filing.pk, step)).content.decode()
        names = [
            re.sub(r"<[^>]+>", "", text).strip()
            for text in re.findall(r"<a [^>]*>(.*?)</a>", page, flags=re.S)
        ]
        repeated = {name for name in names if names.count(name) > 1 and name}
        letters = [name for name in names if "预填" in name or "Pre-filled" in name]
        assert len(letters) in (0, 2), letters
        assert len(set(letters)) == len(letters), letters
        fixes = [name for name in names if name.startswith(("去修改", "Fix it", "修改"))]
        assert len(set(fixes)) == len(fixes), fixes
        assert not {name for name in repeated if "预填" in name or name.startswith("Fix")}


def test_the_return_email_carries_its_notice_like_the_others(member, city_reviewer):
    from filings.models import Document
    from notifications.models import Notification

    filing = complete_draft(member)
    services.submit_filing(filing.pk, member.user)
    services.return_filing(filing.pk, city_reviewer, "请补充保存期限。")
    email = Notification.objects.filter(kind="filing_returned").first()
    assert email.document_id is not None
    assert Document.objects.get(pk=email.document_id).kind == Document.Kind.RETURN_NOTICE
    assert "退回补正通知" in email.body_text or "PDF" in email.body_text


def test_a_duty_answered_by_a_filing_under_review_says_so_not_fulfilled(
    filer, member, city_reviewer
):
    filing = complete_draft(member)
    services.submit_filing(filing.pk, member.user)
    filer.cookies["portal_language"] = "zh-hans"
    page = filer.get(url("dashboard", member)).content.decode()
    state = page.split('class="duty-state">')[1].split("<")[0]
    assert state == "已提交，待网信办审核"
    services.return_filing(filing.pk, city_reviewer, "请补充保存期限。")
    filing.refresh_from_db()
    page = filer.get(url("dashboard", member)).content.decode()
    state = page.split('class="duty-state">')[1].split("<")[0]
    assert state == f"待补正，期限 {filing.correction_deadline.isoformat()}"


def test_the_facial_data_step_starts_from_the_people_declared(client):
    from filings.lifecycle import obligations

    member = MembershipFactory(role="admin")
    client.force_login(member.user)
    obligations.declare_system(
        member.organization,
        member.user,
        name="门禁",
        people_stored=12_500,
        used_in_public_place=False,
        count_reached_on=date(2026, 2, 2),
    )
    filing = services.start_initial_filing(member.organization, member.user)
    address = url("filing_step", member, filing.pk, "facial_data")
    assert 'name="people_stored" value="12500"' in client.get(address).content.decode()
    obligations.declare_system(
        member.organization,
        member.user,
        name="考勤",
        people_stored=3_000,
        used_in_public_place=False,
        count_reached_on=date(2026, 2, 2),
    )
    obligations.declare_total(
        member.organization, member.user, people_total=14_000, reached_on=date(2026, 2, 3)
    )
    # The declared total (not the sum, 15,500), once there is one.
    assert 'name="people_stored" value="14000"' in client.get(address).content.decode()
    services.save_step(filing, member.user, "facial_data", {"people_stored": 11_000})
    # What the filer typed stays.
    assert 'name="people_stored" value="11000"' in client.get(address).content.decode()


def _assessment_post(**extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.pdfs import pdf_bytes

    return {
        "assessment_date": "2026-02-01",
        "conclusion": "风险可控",
        "kind": "assessment_report",
        "file": SimpleUploadedFile("评估报告.pdf", pdf_bytes(), content_type="application/pdf"),
        **extra,
    }


def test_a_file_chosen_on_the_assessment_step_is_kept_by_save_and_continue(filer, member):
    """Nothing chosen is lost: the step and the file go in one form, whichever button sends it."""
    filing = services.start_initial_filing(member.organization, member.user)
    response = filer.post(url("filing_step", member, filing.pk, "assessment"), _assessment_post())
    assert response.status_code == 302
    filing.refresh_from_db()
    assert list(services.current_attachments(filing).values_list("kind", flat=True)) == [
        "assessment_report"
    ]
    assert "assessment" in filing.completed_steps
    assert filing.data["assessment"]["conclusion"] == "风险可控"


def test_the_upload_button_keeps_what_was_typed_and_the_step_incomplete_without_the_report(
    filer, member
):
    filing = services.start_initial_filing(member.organization, member.user)
    address = url("filing_step", member, filing.pk, "assessment")
    body = _assessment_post(upload="1", kind="other")
    response = filer.post(address, body)
    assert response.status_code == 302
    assert response["Location"].endswith("/steps/assessment/")
    filing.refresh_from_db()
    assert filing.data["assessment"]["conclusion"] == "风险可控"  # typed, kept
    assert "assessment" not in filing.completed_steps  # the report is still missing
    # Saved and continued without the report: saved, said, and still incomplete.
    response = filer.post(address, {"assessment_date": "2026-02-01", "conclusion": "风险可控"})
    assert response.status_code == 302
    filing.refresh_from_db()
    assert "assessment" not in filing.completed_steps
    page = filer.get(response["Location"]).content.decode()
    assert "尚需上传" in page or "Still to upload" in page


def test_an_upload_sent_by_script_is_told_where_to_go(filer, member):
    filing = services.start_initial_filing(member.organization, member.user)
    response = filer.post(
        url("filing_step", member, filing.pk, "assessment"),
        _assessment_post(upload="1"),
        HTTP_X_UPLOAD_PROGRESS="1",
    )
    assert response.status_code == 200
    assert response.json()["location"].endswith("/steps/assessment/")
    page = filer.get(response.json()["location"]).content.decode()
    assert "评估报告.pdf" in page  # uploaded, and its message waits on the page
