"""The law, exactly (issue 12): who must file, under which rule set, from when, and what the
portal says about it. Each test names the rule it pins."""

import copy
from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from filings.documents import attachments
from filings.law.regimes import CAC_2023_DRAFT, CAC_2025_MEASURES
from filings.lifecycle import memberships, obligations, services
from filings.models import (
    AppliedRegime,
    Filing,
    HeadcountDeclaration,
    Obligation,
    ObligationEvent,
)
from notifications.models import Notification
from tests.factories import MembershipFactory, UserFactory, approved_by_the_office
from tests.filing_data import complete_filing, mark_complete
from tests.pdfs import pdf_bytes

pytestmark = pytest.mark.django_db

DRAFT_TITLE = "《人脸识别技术应用安全管理规定（试行）（征求意见稿）》"


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(date(2026, 3, 2), tick=False):
        yield


def system(membership, name, people, reached="2026-02-02", public=False, existing=None):
    return obligations.declare_system(
        membership.organization,
        membership.user,
        system=existing,
        name=name,
        people_stored=people,
        used_in_public_place=public,
        count_reached_on=date.fromisoformat(reached),
    )


def total(membership, people, reached="2026-02-10"):
    return obligations.declare_total(
        membership.organization,
        membership.user,
        people_total=people,
        reached_on=date.fromisoformat(reached),
    )


def open_initial(membership):
    return Obligation.objects.filter(
        organization=membership.organization, kind="initial", status="open"
    ).first()


def dashboard(client, membership, language="zh-hans"):
    client.force_login(membership.user)
    client.cookies["portal_language"] = language
    return client.get(reverse("dashboard", args=[membership.organization.pk])).content.decode()


# --- Who must file: the threshold is the organization's ------------------------------------------


def test_two_systems_of_6000_distinct_people_bring_the_draft_duty_once_the_total_is_declared(
    client,
):
    """Draft provisions: 存储超过1万人人脸信息 counts the organization's people, not a system's."""
    membership = MembershipFactory()
    system(membership, "门禁", 6_000)
    system(membership, "考勤", 6_000)
    assert open_initial(membership) is None
    html = dashboard(client, membership)
    assert "介于 6,000（最大单个系统）与 12,000（各系统之和）之间" in html  # the bounds
    assert "申报全部系统合计人数" in html  # and the organization is asked for its total
    total(membership, 11_000, reached="2026-02-10")
    obligation = open_initial(membership)
    assert obligation is not None
    assert obligation.trigger_date == date(2026, 2, 10)  # the day the total passed 10,000
    assert "11,000" in obligation.reason


def test_two_systems_of_60000_bring_the_2025_duty_with_their_total(settings):
    """Measures Art. 15: 人脸信息存储数量达到10万人 — the organization's number."""
    settings.FILING_REGIME = "cac-2025-measures"
    membership = MembershipFactory()
    system(membership, "门禁", 60_000)
    system(membership, "支付", 60_000)
    assert open_initial(membership) is None
    total(membership, 100_000, reached="2026-01-20")
    obligation = open_initial(membership)
    assert obligation.trigger_date == date(2026, 1, 20)
    assert obligation.office.code == "440000"  # provincial level


def test_the_total_is_checked_against_the_largest_system_and_the_sum():
    membership = MembershipFactory()
    system(membership, "门禁", 6_000)
    system(membership, "考勤", 5_000)
    with pytest.raises(obligations.TotalRefused, match="6,000"):
        total(membership, 5_999)
    with pytest.raises(obligations.TotalRefused, match="11,000"):
        total(membership, 11_001)
    assert not HeadcountDeclaration.objects.exists()


def test_the_declared_totals_are_kept_as_a_history(client):
    membership = MembershipFactory()
    system(membership, "门禁", 6_000)
    system(membership, "考勤", 6_000)
    total(membership, 8_000, reached="2026-01-05")
    total(membership, 10_500, reached="2026-02-10")
    history = list(membership.organization.headcounts.values_list("people_total", flat=True))
    assert history == [10_500, 8_000]
    assert HeadcountDeclaration.objects.first().systems_sum == 12_000
    html = dashboard(client, membership)
    assert "合计人数申报记录" in html
    assert "10,500" in html
    assert "8,000" in html


def test_the_total_form_refuses_a_number_below_the_largest_system_in_the_users_language(client):
    membership = MembershipFactory(role="editor")
    system(membership, "门禁", 6_000)
    client.force_login(membership.user)
    url = reverse("total_declare", args=[membership.organization.pk])
    page = client.get(url).content.decode()
    assert "各系统之和（上限）" in page
    response = client.post(url, {"people_total": "5000", "reached_on": "2026-02-10"})
    assert response.status_code == 200
    assert "合计人数不得少于最大单个系统的人数" in response.content.decode()
    response = client.post(url, {"people_total": "6000", "reached_on": "2026-02-10"})
    assert response.status_code == 302


# --- After filing: a change prompts a change filing (变更) ----------------------------------------


@pytest.fixture
def filed_membership():
    membership = MembershipFactory(role="admin")
    system(membership, "门禁", 12_000)
    filing = services.start_initial_filing(membership.organization, membership.user)
    filing.data = copy.deepcopy(complete_filing())
    mark_complete(filing)
    attachments.store(
        filing, membership.user, "assessment_report", SimpleUploadedFile("r.pdf", pdf_bytes())
    )
    services.submit_filing(filing.pk, membership.user)
    reviewer = UserFactory(is_staff=True)
    services.approve_filing(filing.pk, reviewer)
    return membership


def open_change(membership):
    return Obligation.objects.filter(
        organization=membership.organization, kind="change", status="open"
    ).first()


def test_a_later_increase_after_filing_prompts_a_change_filing_with_its_deadline(
    filed_membership,
):
    """Measures Art. 15: 备案信息发生实质性变更的，应当自变更之日起30个工作日内办理变更备案手续."""
    gate = filed_membership.organization.systems.get()
    system(filed_membership, "门禁", 15_000, reached="2026-02-16", existing=gate)
    change = open_change(filed_membership)
    assert change.trigger_date == date(2026, 2, 16)
    # 30 working days after 2026-02-16: the Spring Festival skipped, Saturday 2-28 worked
    assert change.deadline == date(2026, 4, 3)
    assert change.office.code == "440300"  # the office that holds the filing
    assert "15,000" in change.reason
    assert change.events.get().action == ObligationEvent.Action.PROMPTED


def test_a_new_place_after_filing_prompts_a_change_filing(filed_membership):
    system(filed_membership, "新闸机", 300, reached="2026-02-20")
    assert "新闸机" in open_change(filed_membership).reason


def test_a_new_address_after_filing_prompts_a_change_filing(filed_membership):
    organization = filed_membership.organization
    memberships.update_organization(
        organization=organization,
        actor=filed_membership.user,
        changes={"street_address": "深圳市福田区新地址 8 号"},
    )
    change = open_change(filed_membership)
    assert change.trigger_date == date(2026, 3, 2)
    assert "新地址" in change.reason


def test_a_smaller_number_after_filing_prompts_nothing(filed_membership):
    gate = filed_membership.organization.systems.get()
    system(filed_membership, "门禁", 11_000, existing=gate)
    assert open_change(filed_membership) is None


def test_the_change_filing_answers_the_prompted_duty(client, filed_membership):
    system(filed_membership, "新闸机", 300, reached="2026-02-20")
    prompted = open_change(filed_membership)
    original = Filing.objects.get(kind="initial")
    change = services.start_follow_up(original, filed_membership.user, Filing.Kind.CHANGE)
    services.save_step(
        change,
        filed_membership.user,
        "change",
        {"description": "新增闸机", "effective_date": "2026-02-20", "sections": ["deployments"]},
    )
    change.refresh_from_db()
    assert change.obligation_id == prompted.pk
    assert Obligation.objects.filter(kind="change").count() == 1


@pytest.fixture
def submitted_membership():
    """An initial filing submitted, not yet decided."""
    membership = MembershipFactory(role="admin")
    system(membership, "门禁", 12_000)
    filing = services.start_initial_filing(membership.organization, membership.user)
    filing.data = copy.deepcopy(complete_filing())
    mark_complete(filing)
    attachments.store(
        filing, membership.user, "assessment_report", SimpleUploadedFile("r.pdf", pdf_bytes())
    )
    services.submit_filing(filing.pk, membership.user)
    return membership


def test_a_change_declared_while_the_initial_filing_awaits_its_decision_opens_on_approval(
    submitted_membership,
):
    """Measures Art. 15: 备案信息发生实质性变更的，应当自变更之日起30个工作日内办理变更备案
    手续. A change is filed against a filing: declared while the initial filing is under review
    it waits, and is not lost; it opens when the filing is approved, dated from the change, its
    30 working days counted from the later of the change and the approval."""
    organization = submitted_membership.organization
    gate = organization.systems.get()
    system(submitted_membership, "门禁", 15_000, reached="2026-02-16", existing=gate)
    system(submitted_membership, "新闸机", 300, reached="2026-02-20")
    assert open_change(submitted_membership) is None
    waiting = Obligation.objects.get(organization=organization, kind="change")
    assert waiting.status == Obligation.Status.WAITING
    assert waiting.next_reminder_on is None  # nothing can be filed yet: no reminders
    assert waiting.trigger_date == date(2026, 2, 16)  # the first change dates it
    assert "15,000" in waiting.reason
    notes = [event.note for event in waiting.events.all()]
    assert len(notes) == 2
    assert "新闸机" in notes[1]

    filing = Filing.objects.get(kind="initial")
    services.approve_filing(filing.pk, UserFactory(is_staff=True))

    change = open_change(submitted_membership)
    assert change.pk == waiting.pk
    assert change.trigger_date == date(2026, 2, 16)
    # Approved 2026-03-02: 30 working days from then, Qingming (04-04 to 04-06) skipped.
    assert change.deadline == date(2026, 4, 14)
    assert change.office.code == "440300"  # the office that holds the filing
    assert change.next_reminder_on is not None
    opened = change.events.get(action=ObligationEvent.Action.OPENED)
    assert opened.new_deadline == date(2026, 4, 14)
    assert "2026-03-02" in opened.note
    # The change filing answers that duty.
    follow_up = services.start_follow_up(
        Filing.objects.get(kind="initial"), submitted_membership.user, Filing.Kind.CHANGE
    )
    services.save_step(
        follow_up,
        submitted_membership.user,
        "change",
        {"description": "人数增加", "effective_date": "2026-02-16", "sections": ["facial_data"]},
    )
    follow_up.refresh_from_db()
    assert follow_up.obligation_id == change.pk


def test_a_change_that_waited_for_a_refused_filing_is_carried_by_the_next_one(
    submitted_membership,
):
    """A change declared while an initial filing that was then refused awaited its decision is in
    the next initial filing, submitted after it: no change duty is opened for it."""
    refused = Filing.objects.get(kind="initial")
    system(submitted_membership, "新闸机", 300, reached="2026-02-20")
    reviewer = UserFactory(is_staff=True)
    services.refuse_filing(refused.pk, reviewer, "材料不实")
    organization = submitted_membership.organization
    with time_machine.travel(date(2026, 3, 3), tick=False):
        again = services.start_initial_filing(organization, submitted_membership.user)
        assert again.pk != refused.pk
        again.data = copy.deepcopy(complete_filing())
        mark_complete(again)
        attachments.store(
            again,
            submitted_membership.user,
            "assessment_report",
            SimpleUploadedFile("r.pdf", pdf_bytes()),
        )
        services.submit_filing(again.pk, submitted_membership.user)
        services.approve_filing(again.pk, reviewer)
    assert open_change(submitted_membership) is None
    lifted = Obligation.objects.get(organization=organization, kind="change")
    assert lifted.status == Obligation.Status.LIFTED
    assert lifted.events.filter(action=ObligationEvent.Action.LIFTED).exists()


# --- Which rule set, from when --------------------------------------------------------------------


def test_the_2025_measures_take_the_transitional_date_for_a_trigger_before_they_applied():
    """The CAC's notice of 2025-05-28: who had reached 100,000 before 2025-06-01 files by
    2025-07-14."""
    out = StringIO()
    call_command("deadline", "2024-03-01", "--regime", "cac-2025-measures", stdout=out)
    assert out.getvalue().strip() == "2025-07-14 final"
    assert CAC_2025_MEASURES.starts_on == date(2025, 6, 1)
    assert CAC_2023_DRAFT.in_force is False
    assert CAC_2025_MEASURES.in_force is True


def test_an_organization_over_the_threshold_before_2025_06_01_files_by_2025_07_14(settings):
    settings.FILING_REGIME = "cac-2025-measures"
    membership = MembershipFactory()
    system(membership, "门禁", 150_000, reached="2023-05-01")
    obligation = open_initial(membership)
    assert (obligation.deadline, obligation.deadline_final) == (date(2025, 7, 14), True)


def test_the_draft_is_labelled_a_draft_wherever_it_is_the_basis(client):
    membership = MembershipFactory()
    system(membership, "门禁", 500)
    html = dashboard(client, membership)
    assert f"依据{DRAFT_TITLE}" in html
    assert "根据现行规定" not in html
    system(membership, "考勤", 12_000)
    html = dashboard(client, membership)
    assert f"依据{DRAFT_TITLE}关于备案的规定" in html
    assert "根据现行规定" not in html


def test_the_rules_in_force_are_called_so(client, settings):
    settings.FILING_REGIME = "cac-2025-measures"
    membership = MembershipFactory()
    system(membership, "门禁", 500)
    html = dashboard(client, membership)
    assert "根据现行规定（《人脸识别技术应用安全管理办法》）" in html
    assert "征求意见稿" not in html


def test_the_home_page_and_footer_follow_the_rule_set_in_force(client, settings):
    client.cookies["portal_language"] = "zh-hans"
    draft = client.get("/").content.decode()
    # Under the draft, public-place use also triggers filing, and the draft is named as such.
    assert "在公共场所使用人脸识别技术或者存储超过 1 万人人脸信息" in draft
    assert "地市级以上网信部门" in draft
    assert "征求意见稿" in draft
    settings.FILING_REGIME = "cac-2025-measures"
    measures = client.get("/").content.decode()
    assert "达到 10 万人" in measures
    assert "省级以上网信部门" in measures
    assert "存储超过 1 万人" not in measures
    assert "地市级以上" not in measures
    assert "适用于存储人脸信息达到 10 万人的单位" in measures  # the footer


def test_the_filing_pdf_and_notices_name_the_rule_set(filed_membership):
    from filings.documents.documents import html_for
    from filings.models import Document

    notice = Document.objects.get(kind="notice")
    with time_machine.travel(date(2026, 3, 2), tick=False):
        html = html_for(notice)
    assert f"依据{DRAFT_TITLE}" in html
    form = html_for(Document.objects.get(kind="form"))
    assert "征求意见稿，未施行" in form


# --- Switching FILING_REGIME re-assesses open duties ---------------------------------------------


def test_switching_the_rule_set_reassesses_open_duties_once_and_tells_the_organization(settings):
    big = MembershipFactory(role="admin")
    system(big, "门禁", 150_000, reached="2026-02-02")
    small = MembershipFactory(role="admin")
    system(small, "门禁", 12_000, reached="2026-02-02")
    assert open_initial(big).office.code == "440300"
    assert obligations.apply_regime() is not None  # the first run records the draft
    mail.outbox.clear()
    Notification.objects.all().delete()

    settings.FILING_REGIME = "cac-2025-measures"
    assert obligations.regime_switch_pending()
    out = StringIO()
    call_command("apply_regime", stdout=out)
    assert "2 obligation(s) re-assessed" in out.getvalue()

    moved = open_initial(big)
    assert moved.regime == "cac-2025-measures"
    assert moved.office.code == "440000"  # provincial level (Measures Art. 15)
    event = moved.events.get()
    assert (event.old_office, event.new_office) == ("440300", "440000")
    assert event.action == ObligationEvent.Action.REASSESSED
    # 12,000 people no longer need a filing under the measures: the duty is lifted, with an event.
    lifted = Obligation.objects.get(organization=small.organization, kind="initial")
    assert lifted.status == Obligation.Status.LIFTED
    assert lifted.events.get().action == ObligationEvent.Action.LIFTED
    # Each organization is told once.
    assert Notification.objects.filter(kind="regime_changed").count() == 2
    assert {n.recipient for n in Notification.objects.filter(kind="regime_changed")} == {
        big.user.email,
        small.user.email,
    }
    # A second run finds nothing to do.
    assert obligations.apply_regime() is None
    assert not obligations.regime_switch_pending()
    assert AppliedRegime.objects.first().code == "cac-2025-measures"


def test_the_draft_filing_follows_its_duty_to_the_new_office(settings):
    membership = MembershipFactory(role="admin")
    system(membership, "门禁", 150_000, reached="2026-02-02")
    draft = services.start_initial_filing(membership.organization, membership.user)
    settings.FILING_REGIME = "cac-2025-measures"
    obligations.apply_regime()
    draft.refresh_from_db()
    assert (draft.regime, draft.office.code) == ("cac-2025-measures", "440000")


def test_the_regime_sweep_is_scheduled():
    from django.conf import settings

    assert settings.CELERY_BEAT_SCHEDULE["apply-regime"]["task"] == "filings.tasks.apply_regime"


# --- Working days: the reviewers' due date is provisional too ------------------------------------


def test_a_review_period_into_an_unannounced_year_is_marked_provisional(client):
    membership = MembershipFactory(role="admin")
    system(membership, "门禁", 12_000, reached="2026-02-02")
    with time_machine.travel(date(2026, 12, 14), tick=False):
        filing = services.start_initial_filing(membership.organization, membership.user)
        filing.data = copy.deepcopy(complete_filing())
        mark_complete(filing)
        attachments.store(
            filing, membership.user, "assessment_report", SimpleUploadedFile("r.pdf", pdf_bytes())
        )
        services.submit_filing(filing.pk, membership.user)
        filing.refresh_from_db()
        assert filing.review_due == date(2027, 1, 26)  # 1 January 2027 skipped
        assert filing.review_due_final is False
        client.force_login(membership.user)
        client.cookies["portal_language"] = "zh-hans"
        page = client.get(
            reverse("filing_detail", args=[membership.organization.pk, filing.pk])
        ).content.decode()
    assert "暂定" in page
    submitted_mail = Notification.objects.get(kind="filing_submitted")
    assert "该日期为暂定" in submitted_mail.body_text


# --- Terms ---------------------------------------------------------------------------------------


def test_the_rules_own_terms_are_used():
    from pathlib import Path

    from django.utils import translation

    from filings.forms.filing_steps import OrganizationStep

    catalogue = (
        Path(__file__).resolve().parent.parent / "locale/zh_Hans/LC_MESSAGES/django.po"
    ).read_text()
    msgstrs = "".join(line for line in catalogue.splitlines() if line.startswith("msgstr"))
    assert "重大变更" not in msgstrs
    assert "实质性变化" not in msgstrs
    assert "实质性变更" in msgstrs
    with translation.override("zh-hans"):
        label = str(OrganizationStep.base_fields["responsible_person"].label)
    assert label == "人脸识别技术应用负责人"
    # Nowhere relabelled, the field of the person's ID number included.
    assert "个人信息保护负责人" not in msgstrs


def test_the_reminder_email_names_the_basis_of_the_duty(settings):
    from notifications import emails

    membership = MembershipFactory(role="admin")
    system(membership, "门禁", 150_000)
    obligation = open_initial(membership)
    context = {
        "obligation": obligation,
        "user": membership.user,
        "days_left": 5,
        "days_overdue": 0,
        "overdue": False,
    }
    _subject, text, html = emails.render("deadline_reminder", "zh-hans", context)
    assert f"本项义务依据{DRAFT_TITLE}关于备案的规定（征求意见稿，未施行）产生" in text
    assert "根据现行规定" not in text
    assert DRAFT_TITLE in html
    settings.FILING_REGIME = "cac-2025-measures"
    obligations.apply_regime()
    obligation.refresh_from_db()
    _subject, text, _html = emails.render(
        "deadline_reminder", "zh-hans", context | {"obligation": obligation}
    )
    assert "本项义务根据现行规定，即《人脸识别技术应用安全管理办法》第十五条产生" in text


def test_the_draft_is_never_called_not_yet_in_force():
    """The draft was replaced by the 2025 measures and never will be in force: "征求意见稿，未施行",
    never "尚未施行" (not *yet*), in any text the portal shows."""
    import polib

    catalogue = polib.pofile("locale/zh_Hans/LC_MESSAGES/django.po")
    said = [entry.msgstr for entry in catalogue if not entry.obsolete]
    assert not [text for text in said if "尚未施行" in text]
    assert not [entry.msgid for entry in catalogue if "not yet in force" in entry.msgid]
    assert any("征求意见稿，未施行" in text for text in said)


# --- Citations as published ----------------------------------------------------------------------


def every_citation_shown():
    """Every citation a finding, a notice or a page can show, rendered in each language."""
    from filings.law import rules_text

    texts = []
    for code, by_regime in rules_text.CITATIONS.items():
        for regime, text in by_regime.items():
            if text is None:
                continue
            for language in ("zh-hans", "en"):
                with translation.override(language):
                    texts.append((code, regime, language, str(text)))
    return texts


def test_no_citation_names_an_article_whose_number_is_unconfirmed():
    from filings.law import rules_text

    unconfirmed = {
        number
        for number, (source, _subject) in rules_text.ARTICLES.items()
        if source == rules_text.UNCONFIRMED
    }
    assert unconfirmed == {11, 12}
    for code, regime, language, text in every_citation_shown():
        cited = rules_text.cited_articles(text)
        assert not cited & unconfirmed, (code, regime, language, text)
        assert cited <= set(rules_text.ARTICLES), (code, regime, language, text)


def test_an_unconfirmed_article_in_a_citation_would_be_caught():
    from filings.law import rules_text

    with translation.override("zh-hans"):
        text = str(rules_text.article(11, "……"))
    assert rules_text.cited_articles(text) == {11}
    with translation.override("en"):
        assert rules_text.cited_articles(str(rules_text.article(12, "..."))) == {12}
    assert rules_text.cited_articles("Measures, Arts. 10 and 12: …") == {10, 12}


@pytest.mark.parametrize(
    ("code", "article"),
    [
        ("minors_without_guardian_consent", "第七条"),  # under-14s: Art. 7
        ("storage_off_device_without_basis", "第八条"),  # stored in the device: Art. 8
        ("retention_unspecified", "第八条"),  # kept no longer than needed: Art. 8
        ("originals_kept", "第八条"),
        ("no_assessment", "第九条"),  # impact assessment: Art. 9
        ("no_separate_consent", "第六条"),
        ("alternative_dismissed_without_reason", "第十条"),
        ("prohibited_place", "第十三条"),
        ("few_security_measures", "第十四条"),
    ],
)
def test_the_measures_articles_are_cited_as_published(code, article):
    from filings.law import rules_text

    with translation.override("zh-hans"):
        text = str(rules_text.citation(code, "cac-2025-measures"))
    assert text.startswith(f"《人脸识别技术应用安全管理办法》{article}："), text


def test_no_quotation_the_measures_do_not_contain():
    """The words "不以个人同意为依据…并在备案中列明" are not text of the measures: the rule that a
    filing names the provision it relies on is cited from the PIPL (Art. 13), not as an article
    of the measures."""
    from filings.law import rules_text

    with translation.override("zh-hans"):
        text = str(rules_text.citation("legal_basis_unnamed", "cac-2025-measures"))
    assert text.startswith("《中华人民共和国个人信息保护法》第十三条")
    assert "人脸识别技术应用安全管理办法" not in text


# --- The day the draft applies from --------------------------------------------------------------


def test_a_2020_trigger_under_the_draft_counts_from_the_day_the_deployment_applies_it(settings):
    """The draft was never in force: an office that starts using the portal on 2026-12-07 does not
    find an organization overdue since 2020-02-19."""
    from filings.calendar import calendars

    settings.DRAFT_APPLIES_FROM = date(2026, 12, 7)
    membership = MembershipFactory()
    with time_machine.travel(date(2026, 12, 7), tick=False):
        system(membership, "门禁", 12_000, reached="2020-01-02")
    obligation = open_initial(membership)
    assert obligation.trigger_date == date(2020, 1, 2)  # what happened is kept as declared
    expected = calendars.add_working_days(date(2026, 12, 7), 30)
    assert obligation.deadline == expected.date != date(2020, 2, 20)
    assert obligation.deadline > date(2026, 12, 7)
    # A trigger after the day counts from itself, as before.
    later = MembershipFactory()
    with time_machine.travel(date(2026, 12, 20), tick=False):
        system(later, "门禁", 12_000, reached="2026-12-10")
    assert open_initial(later).deadline == calendars.add_working_days(date(2026, 12, 10), 30).date


def test_without_the_setting_the_draft_applies_from_the_first_migration_stored_once(settings):
    from filings.law.regimes import draft_applies_from, get_regime
    from filings.models import Deployment

    settings.DRAFT_APPLIES_FROM = None
    Deployment._cached = None
    try:
        # Migration 0020 writes the row; a database a test emptied gets it again, dated today.
        Deployment.objects.update_or_create(pk=1, defaults={"first_migrated": date(2024, 5, 6)})
        assert draft_applies_from() == date(2024, 5, 6)
        assert get_regime("cac-2023-draft").starts_on == date(2024, 5, 6)
        Deployment.objects.filter(pk=1).update(first_migrated=date(2025, 1, 2))
        assert draft_applies_from() == date(2024, 5, 6)  # read once per process: set once
        Deployment._cached = None
        Deployment.objects.all().delete()
        assert draft_applies_from() == TODAY  # frozen today
        assert Deployment.objects.get(pk=1).first_migrated == TODAY
    finally:
        Deployment._cached = None
    # The 2025 measures apply from their own day, whatever the deployment.
    assert get_regime("cac-2025-measures").starts_on == date(2025, 6, 1)


def test_moving_the_draft_start_reassesses_open_duties_once_with_one_email_each(settings):
    settings.DRAFT_APPLIES_FROM = date(2000, 1, 1)
    membership = MembershipFactory(role="admin")
    system(membership, "门禁", 12_000, reached="2020-01-02")
    assert open_initial(membership).deadline == date(2020, 2, 20)  # overdue since 2020
    assert obligations.apply_regime() is not None  # the day as first applied
    assert obligations.apply_regime() is None
    Notification.objects.all().delete()

    settings.DRAFT_APPLIES_FROM = date(2026, 3, 2)
    assert obligations.regime_switch_pending()
    applied = obligations.apply_regime()
    assert applied.obligations_reassessed == 1
    assert applied.starts_on == date(2026, 3, 2)
    moved = open_initial(membership)
    assert moved.deadline == date(2026, 4, 14)  # 30 working days after 2026-03-02
    event = moved.events.get()
    assert event.action == ObligationEvent.Action.REASSESSED
    assert (event.old_deadline, event.new_deadline) == (date(2020, 2, 20), date(2026, 4, 14))
    (email,) = Notification.objects.filter(kind="regime_changed")
    assert "2026-03-02" in email.body_text
    assert "2026-04-14" in email.body_text
    assert obligations.apply_regime() is None  # once
    assert not obligations.regime_switch_pending()


# --- Research and algorithm training (Measures Art. 2 ¶2) -----------------------------------------


def research_system(membership, people=150_000, reached="2026-02-02"):
    return obligations.declare_system(
        membership.organization,
        membership.user,
        name="算法训练样本库",
        people_stored=people,
        used_in_public_place=False,
        count_reached_on=date.fromisoformat(reached),
        research_only=True,
    )


def test_a_system_for_algorithm_training_only_brings_no_duty_under_the_measures(client, settings):
    settings.FILING_REGIME = "cac-2025-measures"
    membership = MembershipFactory()
    research_system(membership)
    assert open_initial(membership) is None
    html = dashboard(client, membership)
    assert "第二条第二款" in html  # the page says why it does not count
    assert "不计入备案门槛" in html or "不计入" in html
    declaration = membership.organization.systems.get().declarations.get()
    assert declaration.research_only is True  # kept in the system's history


def test_the_same_system_brings_a_duty_under_the_draft(client):
    membership = MembershipFactory()
    research_system(membership)
    obligation = open_initial(membership)
    assert obligation is not None
    assert obligation.trigger_date == date(2026, 2, 2)
    assert "征求意见稿无此例外" in dashboard(client, membership) or "计入" in dashboard(
        client, membership
    )


def test_the_reviewer_sees_the_declared_research_system(admin_client, settings):
    membership = MembershipFactory()
    research_system(membership, people=20_000)
    obligations.declare_system(
        membership.organization,
        membership.user,
        name="门禁",
        people_stored=12_000,
        used_in_public_place=False,
        count_reached_on=date(2026, 2, 2),
    )
    filing = services.start_initial_filing(membership.organization, membership.user)
    filing.data = copy.deepcopy(complete_filing())
    mark_complete(filing)
    attachments.store(
        filing, membership.user, "assessment_report", SimpleUploadedFile("r.pdf", pdf_bytes())
    )
    services.submit_filing(filing.pk, membership.user)
    page = admin_client.get(reverse("admin:filings_filing_change", args=[filing.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "算法训练样本库" in html
    assert "仅用于研发或算法训练" in html or "algorithm training only" in html


def test_the_system_form_declares_research_only(client, settings):
    settings.FILING_REGIME = "cac-2025-measures"
    membership = MembershipFactory()
    client.force_login(membership.user)
    response = client.post(
        reverse("system_new", args=[membership.organization.pk]),
        {
            "name": "训练集",
            "people_stored": "150000",
            "count_reached_on": "2026-02-02",
            "research_only": "on",
        },
    )
    assert response.status_code == 302
    assert membership.organization.systems.get().research_only is True
    assert open_initial(membership) is None


# --- Stopping the use opens the cancellation duty -------------------------------------------------


def filed_organization(settings, regime="cac-2023-draft", people=12_000):
    """An organization with a filed initial filing (approved by a Shenzhen or Guangdong office)."""
    from tests.factories import reviewer_of

    settings.FILING_REGIME = regime
    membership = MembershipFactory(role="admin")
    door = system(membership, "门禁", people, reached="2026-02-02")
    filing = services.start_initial_filing(membership.organization, membership.user)
    filing.data = copy.deepcopy(complete_filing())
    mark_complete(filing)
    for kind in ("assessment_report", *(() if regime == "cac-2023-draft" else MEASURES_UPLOADS)):
        attachments.store(filing, membership.user, kind, SimpleUploadedFile("r.pdf", pdf_bytes()))
    services.submit_filing(filing.pk, membership.user)
    reviewer = reviewer_of(filing.office.code)
    services.start_review(filing.pk, reviewer)
    approved_by_the_office(filing.pk, reviewer)
    return membership, door


MEASURES_UPLOADS = (
    "uscc_certificate",
    "legal_representative_id",
    "handler_id",
    "authorisation_letter",
    "commitment_letter",
)


@pytest.mark.parametrize("regime", ["cac-2023-draft", "cac-2025-measures"])
def test_retiring_the_only_system_opens_the_cancellation_duty(settings, regime):
    from filings.calendar import calendars

    people = 12_000 if regime == "cac-2023-draft" else 120_000
    membership, door = filed_organization(settings, regime, people)
    Notification.objects.all().delete()
    obligations.retire_system(
        membership.organization, membership.user, door, retired_on=date(2026, 2, 27)
    )
    duty = Obligation.objects.get(organization=membership.organization, kind="cancellation")
    assert duty.status == Obligation.Status.OPEN
    assert duty.trigger_date == date(2026, 2, 27)
    assert duty.deadline == calendars.add_working_days(date(2026, 2, 27), 30).date
    assert duty.next_reminder_on is not None
    assert duty.events.get().action == ObligationEvent.Action.CANCELLATION_PROMPTED
    # Reminders follow, and, once past the deadline, the overdue list.
    from filings.lifecycle import overdue, reminders
    from filings.models import Reminder

    reminders.sweep(duty.next_reminder_on)
    assert Reminder.objects.filter(obligation=duty).exists()
    late = calendars.add_working_days(duty.deadline, 2).date
    assert duty in overdue.overdue_duties(Obligation.objects.all(), late)
    assert door.declarations.first().retired_on == date(2026, 2, 27)
    # The cancellation filing answers that duty.
    filed = membership.organization.filings.get(kind="initial")
    cancellation = services.start_follow_up(filed, membership.user, "cancellation")
    services.save_step(cancellation, membership.user, "cancellation", {"stopped_on": "2026-02-27"})
    cancellation.refresh_from_db()
    assert cancellation.duty_id == duty.pk


def test_retiring_one_of_two_systems_that_still_need_a_filing_opens_a_change(settings):
    membership, door = filed_organization(settings)
    other = system(membership, "考勤", 15_000, reached="2026-02-02")
    Obligation.objects.filter(organization=membership.organization, kind="change").delete()
    obligations.retire_system(membership.organization, membership.user, door, retired_on=TODAY)
    assert not Obligation.objects.filter(kind="cancellation").exists()
    assert Obligation.objects.get(organization=membership.organization, kind="change").status == (
        "open"
    )
    assert other.retired_on is None


def test_a_total_below_the_threshold_after_filing_opens_the_cancellation_duty(settings):
    membership, door = filed_organization(settings)
    system(membership, "门禁", 8_000, reached="2026-02-20", existing=door)
    duty = Obligation.objects.get(organization=membership.organization, kind="cancellation")
    assert duty.trigger_date == date(2026, 2, 20)


def test_the_retire_page_refuses_a_future_date_and_declares_a_past_one(client, settings):
    membership, door = filed_organization(settings)
    client.force_login(membership.user)
    url = reverse("system_retire", args=[membership.organization.pk, door.pk])
    refused = client.post(url, {"retired_on": "2026-03-09"})
    assert refused.status_code == 200
    assert "该日期晚于今天" in refused.content.decode()
    assert client.post(url, {"retired_on": "2026-02-27"}).status_code == 302
    door.refresh_from_db()
    assert door.retired_on == date(2026, 2, 27)
    assert Obligation.objects.filter(kind="cancellation", status="open").count() == 1
    html = dashboard(client, membership)
    assert "注销备案" in html


TODAY = date(2026, 3, 2)


@pytest.mark.parametrize("regime", ["cac-2023-draft", "cac-2025-measures"])
def test_the_cancellation_notice_reminds_to_delete_or_anonymise(settings, regime):
    from filings.documents.documents import html_for
    from filings.models import Document
    from tests.factories import reviewer_of

    people = 12_000 if regime == "cac-2023-draft" else 120_000
    membership, door = filed_organization(settings, regime, people)
    obligations.retire_system(
        membership.organization, membership.user, door, retired_on=date(2026, 2, 27)
    )
    filed = membership.organization.filings.get(kind="initial")
    cancellation = services.start_follow_up(filed, membership.user, "cancellation")
    services.save_step(
        cancellation,
        membership.user,
        "cancellation",
        {
            "stopped_on": "2026-02-27",
            "deletion_method": "deleted",
            "deletion_detail": "2026-02-28 删除全部人脸特征",
        },
    )
    services.save_step(cancellation, membership.user, "declaration", {"truthful": True})
    services.submit_filing(cancellation.pk, membership.user)
    reviewer = reviewer_of(filed.office.code)
    services.start_review(cancellation.pk, reviewer)
    approved_by_the_office(cancellation.pk, reviewer)
    assert Obligation.objects.get(kind="cancellation").status == Obligation.Status.FULFILLED
    notice = Document.objects.get(filing=cancellation, kind="notice")
    html = html_for(notice)
    assert "删除" in html
    assert "匿名化" in html
    assert "30 个工作日内办理变更备案" not in html  # a cancelled filing is not changed
    if regime == "cac-2025-measures":
        assert "《人脸识别技术应用安全管理办法》第十五条" in html


@pytest.mark.parametrize("day", ["", "2026-02-30", "yesterday", "0001-01-01", "2026-01-01", "\x00"])
def test_the_retire_page_answers_bad_dates_with_a_message(client, settings, day):
    membership, door = filed_organization(settings)
    client.force_login(membership.user)
    url = reverse("system_retire", args=[membership.organization.pk, door.pk])
    response = client.post(url, {"retired_on": day})
    assert response.status_code in (200, 400)
    door.refresh_from_db()
    assert door.retired_on is None
    assert not Obligation.objects.filter(kind="cancellation").exists()


def test_the_rules_page_says_which_rules_apply_and_from_when(client, settings):
    settings.DRAFT_APPLIES_FROM = date(2026, 12, 7)
    client.cookies["portal_language"] = "zh-hans"
    html = client.get(reverse("rules")).content.decode()
    assert "征求意见稿，未施行" in html
    assert "2026-12-07" in html  # the day this office applies the draft from
    assert "人脸识别技术应用安全管理办法" in html
    settings.FILING_REGIME = "cac-2025-measures"
    html = client.get(reverse("rules")).content.decode()
    assert "2025-06-01" in html
    assert "第十五条" in html
    assert reverse("rules") in client.get(reverse("home")).content.decode()  # linked from the foot


@pytest.mark.parametrize("regime", ["cac-2023-draft", "cac-2025-measures"])
def test_every_email_names_the_rules_applied(settings, regime):
    from notifications import emails

    settings.FILING_REGIME = regime
    settings.DRAFT_APPLIES_FROM = date(2026, 12, 7)
    membership = MembershipFactory(role="admin")
    system(membership, "门禁", 150_000)
    context = {
        "obligation": open_initial(membership),
        "user": membership.user,
        "days_left": 5,
        "days_overdue": 0,
        "overdue": False,
    }
    _subject, text, html = emails.render("deadline_reminder", "zh-hans", context)
    if regime == "cac-2023-draft":
        expected = "征求意见稿，未施行"
        assert "2026-12-07" in text
    else:
        expected = "《人脸识别技术应用安全管理办法》"
    assert expected in text.strip().splitlines()[-1]
    assert expected in html
    # An email about no filing (an account's) names the rule set in force.
    _subject, text, _html = emails.render(
        "password_reset",
        "zh-hans",
        {"user": membership.user, "reset_url": "http://x/", "uid": "u", "token": "t"},
    )
    assert expected in text


def test_the_migration_records_the_day_of_the_first_migration():
    """Migration 0020 stores the day of the database's oldest applied migration."""
    import importlib

    from django.apps import apps
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder
    from django.utils import timezone

    from filings.models import Deployment

    migration = importlib.import_module("filings.migrations.0020_law_in_force")
    Deployment.objects.all().delete()
    editor = connection.schema_editor()
    migration.record_first_migration(apps, editor)
    first = MigrationRecorder.Migration.objects.order_by("applied").first().applied
    assert Deployment.objects.get(pk=1).first_migrated == timezone.localdate(first)


@pytest.mark.parametrize(
    ("regime", "words"),
    [
        ("cac-2023-draft", "征求意见稿，未施行"),
        ("cac-2025-measures", "人脸识别技术应用安全管理办法"),
    ],
)
def test_every_pdf_names_the_rule_set(settings, regime, words):
    """The filing form, the notice, the system information form and both letters, as made by the
    portal, each say under which rules the filing is handled."""
    from filings.documents import documents
    from filings.models import Document
    from tests.test_documents import pdf_text

    people = 12_000 if regime == "cac-2023-draft" else 120_000
    membership, _door = filed_organization(settings, regime, people)
    filed = membership.organization.filings.get(kind="initial")
    with translation.override("zh-hans"):
        texts = {
            "system_form": pdf_text(documents.system_form_pdf(filed)),
            "authorisation_letter": pdf_text(documents.letter_pdf(filed, "authorisation_letter")),
            "commitment_letter": pdf_text(documents.letter_pdf(filed, "commitment_letter")),
        }
    for document in Document.objects.filter(filing=filed):
        texts[document.kind] = documents.html_for(document)
    assert {"form", "notice"} <= set(texts)
    for kind, text in texts.items():
        assert words in "".join(text.split()), kind


def test_numbers_are_grouped_in_chinese_as_in_english(client):
    membership = MembershipFactory()
    system(membership, "门禁", 12_500)
    assert "12,500" in dashboard(client, membership, "zh-hans")
    assert "12,500" in dashboard(client, membership, "en")
