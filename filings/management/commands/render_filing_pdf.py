"""Render a filing's document synchronously, for support staff and for checks.

python manage.py render_filing_pdf FR20260302000001 --kind form --output form.pdf
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from filings.documents import documents
from filings.models import Document, Filing, FilingEvent


class Command(BaseCommand):
    help = "Render the filing form or the filing notice of a filing to a PDF file."

    def add_arguments(self, parser):
        parser.add_argument("number", help="receipt number or filing number")
        parser.add_argument("--kind", choices=["form", "notice"], default="form")
        parser.add_argument("--output", required=True, help="where to write the PDF")
        parser.add_argument("--language", help="zh-hans or en (default: the filing's)")

    def handle(self, *args, number, kind, output, language, **options):
        filing = (
            Filing.objects.select_related("office", "original")
            .filter(Q(receipt_number=number) | Q(filing_number=number))
            .first()
        )
        if filing is None:
            raise CommandError(f"no filing has the receipt or filing number {number!r}")
        version = filing.versions.select_related("submitted_by").order_by("-number").first()
        if version is None:
            raise CommandError(f"{number} has not been submitted yet")
        event = None
        if kind == "notice":
            if not filing.filing_number:
                raise CommandError(f"{number} is not filed: it has no filing notice")
            event = filing.events.filter(action=FilingEvent.Action.APPROVED).last()
        document = Document(
            filing=filing,
            version=version,
            kind=kind,
            event=event,
            language=language or documents.language_of(version),
        )
        pdf = documents.render_pdf(document)
        Path(output).write_bytes(pdf)
        self.stdout.write(f"{output}: {len(pdf):,} bytes")
