"""The review workspace's exports of a list of filings, as CSV and as an Excel workbook.

Both take the Filing queryset the caller has scoped to the reviewer (the changelist's, which starts
from ``review_scope.filings_visible_to``) and read it in one query, in chunks, keeping its order.

Formula injection: a spreadsheet treats a cell starting with ``=``, ``+``, ``-`` or ``@`` (and,
in some programs, a tab or carriage return before one) as a formula, and an organization names
itself. In CSV, which has no types, such a text cell gets a leading apostrophe (OWASP's advice;
Excel then shows it as text, the apostrophe visible). In XLSX the cell keeps its exact text, is
written with the string type (never a formula) and carries Excel's "quote prefix" style: the cell
Excel itself makes when someone types an apostrophe first, so it stays text even when edited, and
the apostrophe is not part of the value. The same cells are guarded in both formats.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime

from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from filings.models import Filing, Organization
from filings.statistics import city_name, city_of


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
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
CSV_DATETIME_FORMAT = "%Y-%m-%d %H:%M"
CSV_DATE_FORMAT = "%Y-%m-%d"

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
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


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


# --- CSV -----------------------------------------------------------------------------------------


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(CSV_DATETIME_FORMAT)
    if hasattr(value, "strftime"):  # a date
        return value.strftime(CSV_DATE_FORMAT)
    if is_formula_like(value):
        return "'" + value
    return value


def csv_response(filings, filename: str) -> HttpResponse:
    """The filings as UTF-8 CSV with a byte order mark (so Excel reads Chinese), as a download."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(headers())
    for row in rows(filings):
        writer.writerow([_csv_cell(value) for value in row])
    return response


# --- XLSX ----------------------------------------------------------------------------------------


def _xlsx_cell(sheet, value):
    if isinstance(value, str):
        # openpyxl refuses control characters; they have no place in these fields anyway.
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"  # never a formula, whatever the first character
        if is_formula_like(cell.value):
            cell.quotePrefix = True
        return cell
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, datetime):
        cell.number_format = DATETIME_FORMAT
    elif hasattr(value, "strftime"):
        cell.number_format = DATE_FORMAT
    return cell


def workbook_bytes(filings) -> bytes:
    """The filings as an .xlsx file: one sheet, a bold frozen header row, real dates."""
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
    for row in rows(filings):
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(filings, filename: str) -> HttpResponse:
    """The filings as an Excel workbook, as a download."""
    response = HttpResponse(workbook_bytes(filings), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
