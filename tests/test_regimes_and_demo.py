from io import StringIO

import pytest
from django.core.management import call_command

from filings.checks import filing_regime_is_known
from filings.models import Filing, Membership, Obligation, Organization, Reviewer
from filings.regimes import current_regime, get_regime


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
    counts = (Organization.objects.count(), Membership.objects.count(), Obligation.objects.count())
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "all of it was already there; nothing changed" in out.getvalue()
    after = (Organization.objects.count(), Membership.objects.count(), Obligation.objects.count())
    # The filer's organization with its obligation, and another whose filing waits for review.
    assert after == counts == (2, 2, 2)
    assert Reviewer.objects.get().office.code == "440300"
    queued = Filing.objects.get()
    assert queued.status == Filing.Status.SUBMITTED
    assert queued.organization.name == "深圳演示零售有限公司"
    assert queued.office.code == "440300"  # the demo reviewer's office
    assert queued.attachment_rows.get().kind == "assessment_report"
    assert queued.documents.get().kind == "form"  # its PDF, queued
