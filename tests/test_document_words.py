"""Words on official documents (issue 25, point 2.10): no developer wording ("征求意见稿尚未施行，
本系统按配置适用") on the home page, the forms or the notices, which say plainly under which rules
the office handled the filing; and the first notice of a filing corrected once is not listed as
"第 2 版" (a notice is listed by the day it was issued; the filing form by its version)."""

import pytest
from django.urls import reverse

from filings.documents import documents
from filings.law import rules_text
from filings.lifecycle import services
from filings.models import Document
from tests.test_documents import pdf_text, submitted_filing  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

DEVELOPER_WORDS = ("尚未施行", "按配置", "本系统按", "FILING_REGIME", "配置适用")


@pytest.mark.parametrize("regime", ["cac-2023-draft", "cac-2025-measures"])
def test_the_public_pages_name_the_rules_without_developer_words(client, settings, regime):
    settings.FILING_REGIME = regime
    for name in ("home", "rules", "self_check"):
        html = client.get(reverse(name)).content.decode()
        for words in DEVELOPER_WORDS:
            assert words not in html, (name, words)


def test_no_rule_text_of_either_rule_set_has_developer_words():
    from django.utils import translation

    tables = [value for value in vars(rules_text).values() if isinstance(value, dict)]
    with translation.override("zh-hans"):
        for table in tables:
            for text in table.values():
                for words in DEVELOPER_WORDS:
                    assert words not in str(text)


def test_the_form_and_the_notice_name_the_rules_without_developer_words(
    client,
    submitted_filing,  # noqa: F811
    city_reviewer,
):
    membership, filing = submitted_filing()
    services.approve_filing(filing.pk, city_reviewer)
    client.force_login(membership.user)
    page = reverse("filing_detail", args=[membership.organization.pk, filing.pk])
    html = client.get(page).content.decode()
    made = Document.objects.filter(filing=filing)
    assert {doc.kind for doc in made} == {"form", "notice"}
    texts = [pdf_text(documents.render_pdf(doc)).replace(" ", "") for doc in made]
    for text in [html, *texts]:
        for words in DEVELOPER_WORDS:
            assert words not in text
    # Both say plainly under which rules the office handled the filing.
    basis = str(rules_text.DOCUMENT_BASIS[filing.regime]).replace(" ", "")
    for text in texts:
        assert basis[:20] in text


def test_the_first_notice_of_a_corrected_filing_is_not_labelled_version_2(
    client,
    submitted_filing,  # noqa: F811
    city_reviewer,
):
    membership, filing = submitted_filing()
    services.return_filing(filing.pk, city_reviewer, "请补充保存期限。")
    services.save_step(filing, membership.user, "declaration", {"truthful": True})
    services.submit_filing(filing.pk, membership.user)
    services.approve_filing(filing.pk, city_reviewer)
    client.force_login(membership.user)
    page = reverse("filing_detail", args=[membership.organization.pk, filing.pk])
    html = client.get(page).content.decode()
    assert "备案通知书 · 第 2 版" not in html
    assert "备案通知书 · 20" in html
    assert " 出具" in html
    assert "备案表 · 第 2 版" in html  # the form of the second submission is its version 2
