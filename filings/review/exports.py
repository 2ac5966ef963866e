"""The review workspace's exports of a list of filings, as CSV and as an Excel workbook.

Both take the Filing queryset the caller has scoped to the reviewer (the changelist's, which starts
from ``review_scope.filings_visible_to``) and read it in one query, in chunks, keeping its order.

Formula injection: an organization names itself, and a name may start like a formula. Every text
cell goes through ``filings.documents.spreadsheets`` (an apostrophe in CSV, a text cell with
Excel's quote prefix in XLSX), the one helper for every sheet the portal writes.
"""

from __future__ import annotations

import csv
import io
import logging
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.core.files import File
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from filings.documents.spreadsheets import csv_cell, xlsx_cell
from filings.models import ExportJob, Filing, Organization
from filings.models.exports import export_path
from filings.review.statistics import city_name, city_of
from portal.queueing import queue_after_commit, queue_now

logger = logging.getLogger(__name__)


def _label(model, field: str) -> Promise:
    """A model field's verbose name, capitalised lazily: the admin's words and translations."""
    return capfirst(model._meta.get_field(field).verbose_name)


COLUMNS: list[tuple[str, Promise]] = [
    ("receipt_number", _label(Filing, "receipt_number")),
    ("filing_number", _label(Filing, "filing_number")),
    ("organization", capfirst(Organization._meta.verbose_name)),
    ("uscc", _label(Organization, "uscc")),
    ("city", capfirst(_("city"))),
    ("kind", _label(Filing, "kind")),
    ("status", _label(Filing, "status")),
    ("submitted_at", _label(Filing, "submitted_at")),
    ("review_due", _label(Filing, "review_due")),
    ("late", _label(Filing, "late")),
    ("warnings", _label(Filing, "warning_count")),
    ("office", _("Office")),
]

# Excel widths in characters; a Chinese character takes about two.
WIDTHS = {
    "receipt_number": 20,
    "filing_number": 28,
    "organization": 40,
    "uscc": 22,
    "city": 14,
    "kind": 16,
    "status": 18,
    "submitted_at": 18,
    "review_due": 12,
    "late": 10,
    "warnings": 10,
    "office": 30,
}

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK_SIZE = 2000

_FIELDS = (
    "receipt_number",
    "filing_number",
    "organization__name",
    "organization__uscc",
    "organization__address_division",
    "kind",
    "status",
    "submitted_at",
    "review_due",
    "late",
    "warning_count",
    "office__office_name",
    "office__office_name_en",
)


def headers() -> list[str]:
    """The column headers in the current language."""
    return [str(header) for _key, header in COLUMNS]


def rows(filings) -> Iterator[list]:
    """One list per filing, in COLUMNS order, with typed values: text as str (None when empty),
    ``submitted_at`` as a naive datetime in the current time zone, ``review_due`` as a date,
    ``warnings`` as an int, ``late`` as the current language's yes or no.

    One query with joins, read in chunks; ``values_list`` rather than model instances, so the
    filings' JSON content is never loaded.
    """
    kinds = {value: str(label) for value, label in Filing.Kind.choices}
    statuses = {value: str(label) for value, label in Filing.Status.choices}
    yes, no = gettext("Yes"), gettext("No")
    english = get_language() == "en"
    cities: dict[str, str] = {}
    for (
        receipt_number,
        filing_number,
        organization,
        uscc,
        address_division,
        kind,
        status,
        submitted_at,
        review_due,
        late,
        warnings,
        office_name,
        office_name_en,
    ) in filings.values_list(*_FIELDS).iterator(chunk_size=CHUNK_SIZE):
        if address_division not in cities:
            cities[address_division] = city_name(city_of(address_division))
        yield [
            receipt_number,
            filing_number,
            organization,
            uscc,
            cities[address_division],
            kinds.get(kind, kind),
            statuses.get(status, status),
            _local(submitted_at),
            review_due,
            yes if late else no,
            warnings,
            office_name_en if english else office_name,
        ]


def _local(value: datetime | None) -> datetime | None:
    """Naive wall-clock time in the current time zone (Excel has no time zones)."""
    if value is None:
        return None
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None)


# --- CSV -----------------------------------------------------------------------------------------


class _Echo:
    """csv.writer writes here and gets its line back, to be yielded: nothing is kept."""

    def write(self, value: str) -> str:
        return value


def csv_lines(filings, batch: int = 500) -> Iterator[str]:
    """The CSV text, a few hundred rows at a time, headers first with a byte order mark."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(headers())
    lines = []
    for row in rows(filings):
        lines.append(writer.writerow([csv_cell(value) for value in row]))
        if len(lines) >= batch:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def _in_language(language: str, chunks: Iterator[str]) -> Iterator[str]:
    """The rows are made while the response streams, after the view returned: keep its language."""
    with translation.override(language):
        yield from chunks


def csv_response(filings, filename: str) -> StreamingHttpResponse:
    """The filings as UTF-8 CSV with a byte order mark (so Excel reads Chinese), as a download.
    Streamed: the first bytes leave at once and memory stays flat whatever the number of rows."""
    response = StreamingHttpResponse(
        _in_language(get_language(), csv_lines(filings)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# --- XLSX ----------------------------------------------------------------------------------------


def write_workbook(filings, target, progress=None, every: int = 1000) -> int:
    """Write the filings as an .xlsx file to ``target`` (a path or a binary file): one sheet, a
    bold frozen header row, real dates. openpyxl's write-only mode spools the rows to a
    temporary file, so memory stays flat. ``progress(rows_written)`` is called every ``every``
    rows. Returns the number of rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(capfirst(Filing._meta.verbose_name_plural))[:31])
    for index, (key, _header) in enumerate(COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS[key]
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in headers():
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for row in rows(filings):
        sheet.append([xlsx_cell(sheet, value) for value in row])
        count += 1
        if progress and count % every == 0:
            progress(count)
    workbook.save(target)
    return count


def workbook_bytes(filings) -> bytes:
    buffer = io.BytesIO()
    write_workbook(filings, buffer)
    return buffer.getvalue()


def xlsx_response(filings, filename: str) -> HttpResponse:
    """The filings as an Excel workbook, as a download (a selection small enough to build now)."""
    response = HttpResponse(workbook_bytes(filings), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# --- Large Excel exports, written by a worker ---------------------------------------------------

# Past this many rows, the workbook is written by a worker while the reviewer watches its progress.
DIRECT_XLSX_LIMIT = 2000
BUILD = "filings.tasks.build_export"


def start_job(user, query: str, language: str, rows_total: int) -> ExportJob:
    job = ExportJob.objects.create(user=user, query=query, language=language, rows_total=rows_total)
    # With the broker away, the job waits for its page to queue it again (requeue_if_stuck).
    queue_after_commit(BUILD, job.pk)
    return job


def requeue_if_stuck(job: ExportJob, after: timedelta = timedelta(minutes=1)) -> bool:
    """A job still waiting after a while lost its message (the broker was down): queue it again.
    The task is idempotent, so a second message does no harm."""
    if job.status == ExportJob.Status.PENDING and job.created_at < timezone.now() - after:
        queue_now(BUILD, job.pk)
        return True
    return False


def build_job(job_id: int, selection) -> bool:
    """Write the job's workbook once. ``selection(user, query)`` gives the filings, as the review
    queue shows them to that user. False when the job was already taken or done."""
    claimed = ExportJob.objects.filter(
        pk=job_id, status__in=[ExportJob.Status.PENDING, ExportJob.Status.FAILED]
    ).update(status=ExportJob.Status.RUNNING, rows_done=0, error="")
    if not claimed:
        return False
    job = ExportJob.objects.select_related("user").get(pk=job_id)

    def progress(done: int) -> None:
        ExportJob.objects.filter(pk=job_id).update(rows_done=done)

    try:
        with translation.override(job.language), tempfile.TemporaryFile() as spool:
            count = write_workbook(selection(job.user, job.query), spool, progress)
            spool.seek(0)
            job.file.save(export_path(job, ""), File(spool), save=False)
    except Exception as error:
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
    ExportJob.objects.filter(pk=job_id).update(
        status=ExportJob.Status.READY,
        file=job.file.name,
        rows_done=count,
        rows_total=count,
        finished_at=timezone.now(),
    )
    return True
