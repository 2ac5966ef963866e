"""Organizations that have not filed: the open duties of a jurisdiction past their deadline, for
the review workspace's list and its exports (CSV and Excel, guarded like the filings' exports)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

from django.db.models import Count, Max
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from filings.calendar import calendars
from filings.documents.spreadsheets import csv_cell, xlsx_cell
from filings.models import Obligation
from filings.review.exports import XLSX_CONTENT_TYPE

COLUMNS = [
    ("organization", _("Organization")),
    ("uscc", _("Unified social credit code")),
    ("kind", _("Duty")),
    ("systems", _("Systems concerned")),
    ("office", _("Office")),
    ("deadline", _("Deadline")),
    ("working_days_overdue", _("Working days overdue")),
    ("reminders_sent", _("Reminders sent")),
    ("last_order", _("Last order to correct")),
]


def overdue_duties(queryset, today: date):
    """Open duties past their deadline, the longest overdue first, with the count of reminders
    sent and the date of the last order to correct (one query)."""
    return (
        queryset.filter(status=Obligation.Status.OPEN, deadline__lt=today)
        .select_related("organization", "office")
        .annotate(
            reminders_sent=Count("reminders", distinct=True),
            last_order=Max("correction_orders__ordered_on"),
        )
        .order_by("deadline", "pk")
    )


def working_days_overdue(deadline: date, today: date, index=None) -> int:
    index = index or calendars.current_index()
    return max(0, -index.working_days_between(today, deadline))


def headers() -> list[str]:
    return [str(header) for _key, header in COLUMNS]


def rows(duties, today: date) -> Iterator[list]:
    index = calendars.current_index()
    kinds = {value: str(label) for value, label in Obligation.Kind.choices}
    english = get_language() == "en"
    for duty in duties.iterator(chunk_size=2000):
        yield [
            duty.organization.name,
            duty.organization.uscc,
            kinds.get(duty.kind, duty.kind),
            duty.reason or None,
            duty.office.office_name_en if english else duty.office.office_name,
            duty.deadline,
            working_days_overdue(duty.deadline, today, index),
            duty.reminders_sent,
            duty.last_order,
        ]


def csv_response(duties, today: date, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(headers())
    for row in rows(duties, today):
        writer.writerow([csv_cell(value) for value in row])
    return response


def xlsx_response(duties, today: date, filename: str) -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(capfirst(_("organizations that have not filed")))[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in headers():
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows(duties, today):
        sheet.append([xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
