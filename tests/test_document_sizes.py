"""Every PDF the portal makes is under 100 KB in Chinese (issue 25, section 3): set in one small
TrueType face (WenQuanYi Micro Hei), never a Noto CJK subset of about 150 KB each. bench/
bench_documents.py measures the same kinds with the same bound."""

import pytest

from filings.documents import documents
from filings.law import materials
from filings.lifecycle import services
from filings.models import Document
from tests.test_documents import embedded_fonts, pdf_text, submitted_filing  # noqa: F401

pytestmark = pytest.mark.django_db

BOUND = 100 * 1024
FACE = {"WenQuanYi-Micro-Hei"}


def assert_small(name: str, content: bytes) -> None:
    assert len(content) < BOUND, f"{name}: {len(content) // 1024} KB"
    assert embedded_fonts(content) == FACE, name
    assert "网信" in pdf_text(content) or "人脸" in pdf_text(content), name  # Chinese, not boxes


def test_every_document_kind_is_under_100_kb(submitted_filing, city_reviewer):  # noqa: F811
    _m, approved = submitted_filing()
    services.approve_filing(approved.pk, city_reviewer)
    services.revoke_filing(approved.pk, city_reviewer, "经核查，备案材料不实。")
    _m, returned = submitted_filing()
    services.return_filing(returned.pk, city_reviewer, "1. 请补充评估报告的签字页。")
    _m, refused = submitted_filing()
    services.refuse_filing(refused.pk, city_reviewer, "所填场所含酒店客房，不予备案。")
    made = Document.objects.filter(filing__in=[approved, returned, refused])
    kinds = {doc.kind for doc in made}
    assert kinds == set(Document.Kind.values)
    for document in made:
        assert_small(document.kind, documents.render_pdf(document))


def test_the_letters_and_the_system_form_are_under_100_kb(submitted_filing):  # noqa: F811
    _membership, filing = submitted_filing()
    for kind in materials.LETTERS:
        assert_small(kind, documents.letter_pdf(filing, kind))
    assert_small("system_form", documents.system_form_pdf(filing))
