from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from filings.law.checks import filing_regime_is_known
from filings.law.regimes import current_regime, get_regime
from filings.models import (
    AuditEntry,
    Document,
    Filing,
    Membership,
    Obligation,
    Organization,
    Reviewer,
)


def test_the_setting_chooses_the_rule_set(settings):
    assert current_regime().code == "cac-2023-draft"
    settings.FILING_REGIME = "cac-2025-measures"
    assert current_regime().threshold == 100_000
    with pytest.raises(ValueError, match="unknown rule set"):
        get_regime("cac-2024")


def test_a_mistyped_rule_set_fails_the_system_check(settings):
    assert filing_regime_is_known(None) == []
    settings.FILING_REGIME = "cac-2024"
    errors = filing_regime_is_known(None)
    assert [error.id for error in errors] == ["filings.E001"]


@pytest.mark.django_db
def test_demo_data_loads_once():
    first = StringIO()
    call_command("load_demo", stdout=first)
    # The first run says what it made, in words.
    assert "the account filer@demo.example" in first.getvalue()
    assert "a submitted filing of 深圳演示零售有限公司 in the review queue" in first.getvalue()
    counts = (
        Organization.objects.count(),
        Membership.objects.count(),
        Obligation.objects.count(),
        Filing.objects.count(),
        Document.objects.count(),
        AuditEntry.objects.count(),
    )
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "all of it was already there; nothing changed" in out.getvalue()
    after = (
        Organization.objects.count(),
        Membership.objects.count(),
        Obligation.objects.count(),
        Filing.objects.count(),
        Document.objects.count(),
        AuditEntry.objects.count(),
    )
    assert after == counts
    # The filer's organization with its initial duty and the change's, and another whose filing
    # waits for review.
    assert counts[:4] == (2, 2, 3, 3)
    assert Reviewer.objects.get().office.code == "440300"
    queued = Filing.objects.get(organization__name="深圳演示零售有限公司")
    assert queued.status == Filing.Status.SUBMITTED
    assert queued.office.code == "440300"  # the demo reviewer's office
    assert queued.attachment_rows.get().kind == "assessment_report"
    assert queued.documents.get().kind == "form"  # its PDF, queued


@pytest.mark.django_db
def test_the_demo_filer_has_a_filed_filing_with_its_notice_and_a_submitted_change():
    out = StringIO()
    call_command("load_demo", stdout=out)
    filer = Membership.objects.get(user__email="filer@demo.example")
    filings = filer.organization.filings
    filed = filings.get(kind=Filing.Kind.INITIAL)
    assert filed.status == Filing.Status.FILED
    assert filed.filing_number.startswith("网信人脸备440300")
    assert filed.events.filter(action="approved", actor__email="reviewer@demo.example").exists()
    # The notice is queued for the worker, as the queued filing's form is: `make run`'s worker
    # renders it.
    assert set(filed.documents.values_list("kind", flat=True)) == {"form", "notice"}
    change = filings.get(kind=Filing.Kind.CHANGE)
    assert change.status == Filing.Status.SUBMITTED
    assert change.original == filed
    assert change.versions.get().data["change"]["sections"] == ["security"]
    assert change.attachment_rows.get().kind == "assessment_report"  # carried over
    text = out.getvalue()
    assert f"the filed initial filing {filed.filing_number} of 深圳演示科技有限公司" in text
    assert f"a submitted change {change.receipt_number} of it" in text


@pytest.mark.django_db
def test_the_demo_filer_sees_the_filed_filing_and_its_notice(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=StringIO())
    filer = Membership.objects.get(user__email="filer@demo.example")
    filed = filer.organization.filings.get(kind=Filing.Kind.INITIAL)
    notice = filed.documents.get(kind="notice")
    assert notice.status == Document.Status.READY  # rendered where a worker runs (eager here)
    client.force_login(filer.user)
    html = client.get(
        reverse("filing_detail", args=[filer.organization.pk, filed.pk])
    ).content.decode()
    assert filed.filing_number in html
    dashboard = client.get(reverse("dashboard", args=[filer.organization.pk])).content.decode()
    assert filed.filing_number in dashboard


@pytest.mark.django_db
def test_under_the_measures_the_demo_is_valid_and_a_provincial_reviewer_approves_its_change(
    settings, admin_client
):
    """`FILING_REGIME=cac-2025-measures make run`: the demo files under the law in force, with
    every material the measures' offices list, and 广东省网信办's reviewer decides."""
    from accounts.models import User
    from filings.law import materials
    from filings.lifecycle import services, sign_off

    settings.FILING_REGIME = "cac-2025-measures"
    call_command("load_demo", stdout=StringIO())
    reviewer = Reviewer.objects.select_related("office", "user").get()
    assert reviewer.office.code == "440000"  # provincial level (Measures Art. 15)
    filer = Membership.objects.get(user__email="filer@demo.example")
    filed = filer.organization.filings.get(kind=Filing.Kind.INITIAL)
    assert filed.status == Filing.Status.FILED
    assert filed.regime == "cac-2025-measures"
    assert filed.filing_number.startswith("网信人脸备440000")
    required = materials.required_kinds("cac-2025-measures")
    assert len(required) == 6
    for filing in Filing.objects.all():
        kinds = set(filing.attachment_rows.values_list("kind", flat=True))
        assert required <= kinds, (filing, kinds)
        assert filing.office.code == "440000"
    # Each organization stores enough people to file under the measures.
    for system in filer.organization.systems.all():
        assert system.people_stored >= 100_000
    change = filer.organization.filings.get(kind=Filing.Kind.CHANGE)
    assert change.status == Filing.Status.SUBMITTED
    services.start_review(change.pk, reviewer.user)
    # A provincial office under the measures decides with two signatures (issue 28): the
    # reviewer proposes, the demo administrator signs off (as the demo's own approval did).
    with pytest.raises(services.SignOffRequired):
        services.approve_filing(change.pk, reviewer.user)
    sign_off.propose_decision(change.pk, reviewer.user, Filing.Proposal.APPROVE)
    administrator = User.objects.get(email="admin@demo.example")
    approved = sign_off.sign_off(change.pk, administrator)
    assert approved.status == Filing.Status.FILED
    assert filed.events.get(action="approved").facts == {
        "proposed_by": reviewer.user.get_full_name(),
        "signed_off_by": administrator.get_full_name(),
    }
    # Every rule set's demo loads once, and a second run changes nothing.
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "nothing changed" in out.getvalue()
