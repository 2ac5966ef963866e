"""The filing form PDF through the project's path against WeasyPrint alone on the same HTML.

Prints the median time of each (interleaved runs in one process), the peak memory of each (a
fresh child process per variant, ru_maxrss), their ratios and the PDF's size.
Aims: time ratio at most 1.2; every kind of PDF under 100 KB with its face embedded as a subset.

    python bench/bench_documents.py
"""

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RUNS = 7


def setup_django(var_dir: str) -> None:
    os.environ["VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
    os.environ["LOG_LEVEL"] = "WARNING"  # not a line per task
    import django

    django.setup()


def make_document():
    """A submitted filing with two deployments and an attachment, in a scratch database."""
    import copy

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from filings.documents import attachments
    from filings.lifecycle import services
    from filings.models import Document
    from tests.factories import MembershipFactory
    from tests.filing_data import complete_filing, mark_complete
    from tests.pdfs import pdf_bytes

    call_command("migrate", verbosity=0)
    document = Document.objects.filter(kind="form").first()
    if document:
        return document
    membership = MembershipFactory()
    filing = services.start_initial_filing(membership.organization, membership.user)
    filing.data = copy.deepcopy(complete_filing())
    mark_complete(filing)
    attachments.store(
        filing, membership.user, "assessment_report", SimpleUploadedFile("r.pdf", pdf_bytes())
    )
    services.submit_filing(filing.pk, membership.user)
    return Document.objects.get(filing=filing, kind="form")


# Size aims per kind: every PDF under 100 KB in Chinese, set in one small TrueType face
# (tests/test_document_sizes.py asserts the same bound).
SIZE_AIMS_KB = {"form": 100, "notice": 100, "return_notice": 100, "refusal_notice": 100}


def make_notices() -> dict:
    """A notice of each kind that a decision makes: approved, returned, refused."""
    import copy

    from django.core.files.uploadedfile import SimpleUploadedFile

    from filings.documents import attachments
    from filings.lifecycle import services
    from filings.models import Document
    from tests.factories import MembershipFactory, UserFactory
    from tests.filing_data import complete_filing, mark_complete
    from tests.pdfs import pdf_bytes

    reviewer = UserFactory(is_staff=True, is_superuser=True)
    decisions = {
        "notice": lambda pk: services.approve_filing(pk, reviewer),
        "return_notice": lambda pk: services.return_filing(
            pk, reviewer, "请补充评估报告的签字页。"
        ),
        "refusal_notice": lambda pk: services.refuse_filing(
            pk, reviewer, "所填场所含酒店客房，不予备案。"
        ),
    }
    made = {}
    for kind, decide in decisions.items():
        existing = Document.objects.filter(kind=kind).first()
        if existing:
            made[kind] = existing
            continue
        membership = MembershipFactory()
        filing = services.start_initial_filing(membership.organization, membership.user)
        filing.data = copy.deepcopy(complete_filing())
        mark_complete(filing)
        attachments.store(
            filing, membership.user, "assessment_report", SimpleUploadedFile("r.pdf", pdf_bytes())
        )
        services.submit_filing(filing.pk, membership.user)
        decide(filing.pk)
        made[kind] = Document.objects.get(filing=filing, kind=kind)
    return made


def project(document) -> bytes:
    from filings.documents import documents

    return documents.render_pdf(document)


def weasyprint_alone(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=str(ROOT)).write_pdf()


def child(variant: str, var_dir: str) -> None:
    """One rendering in a fresh process; prints its peak resident memory in MB."""
    setup_django(var_dir)
    from filings.documents import documents

    document = make_document()
    if variant == "project":
        project(document)
    else:
        weasyprint_alone(documents.html_for(document))
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def peak_mb(variant: str, var_dir: str) -> float:
    out = subprocess.run(
        [sys.executable, __file__, "--child", variant, var_dir],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(out.strip().splitlines()[-1])


def main() -> int:
    var_dir = tempfile.mkdtemp(prefix="bench-documents-")
    setup_django(var_dir)
    from filings.documents import documents

    document = make_document()
    html = documents.html_for(document)
    project(document)  # warm up fonts and imports for both
    weasyprint_alone(html)
    timings = {"project": [], "weasyprint": []}
    size = 0
    for _ in range(RUNS):
        start = time.perf_counter()
        size = len(project(document))
        timings["project"].append(time.perf_counter() - start)
        start = time.perf_counter()
        weasyprint_alone(html)
        timings["weasyprint"].append(time.perf_counter() - start)
    median = {name: statistics.median(values) for name, values in timings.items()}
    memory = {name: peak_mb(name, var_dir) for name in ("project", "weasyprint")}
    print(
        f"filing form PDF: project {median['project'] * 1000:.0f} ms, "
        f"WeasyPrint alone {median['weasyprint'] * 1000:.0f} ms, "
        f"ratio {median['project'] / median['weasyprint']:.2f} (aim <= 1.2)"
    )
    print(
        f"peak memory: project {memory['project']:.0f} MB, WeasyPrint alone "
        f"{memory['weasyprint']:.0f} MB, ratio {memory['project'] / memory['weasyprint']:.2f}"
    )
    sizes = {"form": size}
    sizes.update({kind: len(project(doc)) for kind, doc in make_notices().items()})
    over = []
    for kind, aim in SIZE_AIMS_KB.items():
        print(f"PDF size, {kind}: {sizes[kind] / 1024:.0f} KB (aim < {aim} KB)")
        if sizes[kind] >= aim * 1024:
            over.append(kind)
    ratio = median["project"] / median["weasyprint"]
    if ratio > 1.2 or over:
        print("bench_documents: over its aim", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
