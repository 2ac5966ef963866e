"""Declaring many systems at once from an XLSX workbook (issue 17).

The portal gives the template (``template_workbook``): a sheet of systems whose headers carry the
field names in Chinese and English, one example row and the organization's systems as they stand,
and a sheet of instructions. The uploaded file (``read_rows``) is checked as a file first (XLSX,
size, no zip bomb, no formula; ``check_parts`` counts what the workbook holds, with hard stops,
before openpyxl reads any of it), then every row is validated by ``SystemForm``, the form of the
single-system page (``validate``): the rules are the form's, never a copy. Errors name the row and
the column, in the language of the request. Nothing is saved unless every row is valid; saving goes
through ``obligations.declare_systems``, that is through ``declare_system`` for each row.

A row's key is the system's name: a name that matches a system of the organization updates it, any
other name declares a new system. A system is renamed on the form, not here.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import itertools
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.parsers import expat

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel

from filings.documents.spreadsheets import write_text
from filings.forms.systems import SystemForm

MAX_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 20 * 1024 * 1024  # an XLSX of MAX_ROWS rows is about 1 MB unpacked
MAX_PART_BYTES = 10 * 1024 * 1024  # one part of the archive (a sheet, the shared strings), unpacked
MAX_PARTS = 1000
MAX_ROWS = 5_000
MAX_COLUMNS = 30
MAX_LINES = 4 * MAX_ROWS  # rows read at most, empty ones included
# Cells (``<c>``) in the whole workbook: a full file is MAX_ROWS x 4 cells, and a person may add a
# few columns of notes. Past it openpyxl would spend seconds and hundreds of MB (one row of
# 14,500,000 empty cells is 58 KB zipped).
MAX_CELLS = 8 * MAX_ROWS
# Tags in all the XML parts together (a full template of MAX_ROWS rows has about 130,000): bounds
# what the reader's parser meets, whatever the elements are.
MAX_MARKUP = 300_000
MAX_ELEMENTS = MAX_MARKUP
READ_SECONDS = 1.5  # the reader gives up past this, whatever the file holds
CHUNK = 64 * 1024  # bytes of a part unpacked and parsed at a time
SHEET_TITLE = "系统 Systems"
INSTRUCTIONS_TITLE = "说明 Instructions"


@dataclass(frozen=True)
class Column:
    field: str
    chinese: str
    english: str
    label: str  # in the language of the request

    @property
    def header(self) -> str:
        return f"{self.chinese}\n{self.english}"


COLUMNS = (
    Column("name", "系统名称", "System name", gettext_lazy("System name")),
    Column(
        "people_stored",
        "存储人脸信息的人数",
        "People whose facial information is stored",
        gettext_lazy("People whose facial information is stored"),
    ),
    Column(
        "used_in_public_place",
        "是否在公共场所使用",
        "Used in a public place",
        gettext_lazy("Used in a public place"),
    ),
    Column(
        "count_reached_on",
        "达到该人数的日期",
        "Date that number was reached",
        gettext_lazy("Date that number was reached"),
    ),
)
EXAMPLE = ("示例：总部大堂人脸闸机 Example: lobby gates", 12000, "否 no", dt.date(2025, 6, 3))
TRUE_WORDS = {"是", "yes", "y", "true", "1", "是 yes"}
FALSE_WORDS = {"否", "no", "n", "false", "0", "否 no", ""}

INSTRUCTIONS = (
    ("如何填写", "How to fill in"),
    (
        "每行一个人脸识别系统。第 2 行是示例，可以删除；原样保留的示例行会被忽略。",
        "One facial-recognition system per row. Row 2 is an example: delete it; if left unchanged "
        "it is ignored.",
    ),
    (
        "系统名称是每行的键：与本单位已申报系统名称完全相同的行更新该系统，其他名称申报新系统。"
        "同一名称在文件中只能出现一次。系统改名请在网页表单中办理。",
        "The system name is the key of each row: a row whose name is exactly that of a system "
        "your organization has declared updates that system; any other name declares a new "
        "system. A name may appear once in the file. Rename a system on the form of the portal.",
    ),
    (
        "下载的模板已列出本单位现有的系统：修改数字后上传即可更新；未修改的行不会重复申报。",
        "The template lists your organization's systems as they stand: change the numbers and "
        "upload to update them; rows that change nothing are not declared again.",
    ),
    (
        "人数：不同人员的数量（不是图像数量），整数，不含分隔符。",
        "People: the number of distinct people (not images), a whole number without separators.",
    ),
    (
        "是否在公共场所使用：填写“是”或“否”（也可填 yes / no），留空即为“否”。",
        "Used in a public place: 是 or 否 (or yes / no); empty means no.",
    ),
    (
        "日期：Excel 日期或 YYYY-MM-DD 格式的文字，不得晚于今天。",
        "Date: an Excel date or text as YYYY-MM-DD, not after today.",
    ),
    (
        f"只接受 .xlsx 文件，最大 {MAX_BYTES // (1024 * 1024)} MB、{MAX_ROWS} 行；"
        "不接受公式，请填写数值。",
        f"Only .xlsx files, at most {MAX_BYTES // (1024 * 1024)} MB and {MAX_ROWS} rows; "
        "formulas are not accepted: type the values.",
    ),
    (
        "上传后先显示预览；所有行都正确时才能确认保存，有任何错误则不保存任何内容。",
        "After the upload a preview is shown; it can be confirmed only when every row is valid, "
        "and nothing is saved while any row has an error.",
    ),
)


class FileRefused(ValueError):
    """The upload is not a workbook this page can read; the message is for the person."""


@dataclass
class Row:
    number: int  # the row's number in the sheet, as Excel shows it
    values: dict  # field -> the form's input (strings and booleans), JSON-serializable
    action: str = ""  # "new", "update" or "unchanged"
    system_id: int | None = None
    before: dict | None = None
    found: list[tuple[int, str]] = field(default_factory=list)  # (column index, message)

    def add_error(self, column: Column | None, columns: dict[str, int], message) -> None:
        """An error in a cell of the row (``column`` None: the row as a whole)."""
        if column is None:
            self.found.append(
                (-1, _("Row %(row)s: %(message)s") % {"row": self.number, "message": message})
            )
            return
        index = columns.get(column.field, len(COLUMNS))
        self.found.append((index, cell_error(self.number, column, columns, message)))

    @property
    def errors(self) -> list[str]:
        """The row's errors from left to right, as the cells are in the sheet."""
        return [message for _index, message in sorted(self.found, key=lambda found: found[0])]


# --- The template ---------------------------------------------------------------------------------


def template_workbook(systems) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    sheet.append([column.header for column in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.append(list(EXAMPLE))
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="666666")
        cell.fill = PatternFill("solid", fgColor="F2F2F2")
    for system in systems:
        sheet.append(
            [
                None,
                system.people_stored,
                "是 yes" if system.used_in_public_place else "否 no",
                system.count_reached_on,
            ]
        )
        # The name is the filer's text: written as text, never as a formula (issue 30).
        write_text(sheet.cell(row=sheet.max_row, column=1), system.name)
    for row in sheet.iter_rows(min_row=2, min_col=4, max_col=4):
        for cell in row:
            cell.number_format = "yyyy-mm-dd"
    for letter, width in zip("ABCD", (40, 24, 20, 20), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"

    instructions = workbook.create_sheet(INSTRUCTIONS_TITLE)
    for chinese, english in INSTRUCTIONS:
        instructions.append([chinese, english])
    instructions["A1"].font = instructions["B1"].font = Font(bold=True)
    instructions.column_dimensions["A"].width = 70
    instructions.column_dimensions["B"].width = 90
    for row in instructions.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


# --- Reading the upload ---------------------------------------------------------------------------


def check_file(upload) -> bytes:
    """The upload's bytes if it can be an XLSX workbook of a reasonable size, and holds no more
    than this page reads (``check_parts``)."""
    if upload.size > MAX_BYTES:
        raise FileRefused(
            _("The file is larger than %(n)s MB; split it into several files.")
            % {"n": MAX_BYTES // (1024 * 1024)}
        )
    content = upload.read()
    if not content.startswith(b"PK\x03\x04"):
        raise FileRefused(
            _("This is not an XLSX file. Download the template, fill it in and upload it as .xlsx.")
        )
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            check_parts(archive)
    except FileRefused:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        # ValueError, OSError and EOFError: zlib and zipfile on a damaged or lying archive.
        raise FileRefused(_("The file cannot be read; it may be damaged.")) from None
    return content


def _too_large():
    return FileRefused(_("The workbook is too large once unpacked; split it into several files."))


def _too_many_rows():
    return FileRefused(
        _("The file has more than %(n)s systems; split it into several files.") % {"n": MAX_ROWS}
    )


def _too_many_cells():
    return FileRefused(
        _(
            "The workbook has more than %(n)s cells; keep only the template's columns and "
            "delete the empty rows and columns, or split it into several files."
        )
        % {"n": f"{MAX_CELLS:,}"}
    )


class _Budget:
    """What the parts of one workbook may hold together, counted as the reader's parser meets
    them. Every count has a hard stop: reading ends at the first element past a limit (or past
    READ_SECONDS), so its time and memory do not depend on what the rest of the file holds."""

    def __init__(self, started: float):
        self.deadline = started + READ_SECONDS
        self.elements = self.rows = self.cells = 0

    def count(self, name: str) -> None:
        """Count one element, by its name without namespace."""
        self.elements += 1
        if name == "c":
            self.cells += 1
            if self.cells > MAX_CELLS:
                raise _too_many_cells()
        elif name == "row":
            self.rows += 1
            if self.rows > MAX_LINES:
                raise _too_many_rows()
        if self.elements > MAX_ELEMENTS:
            raise _too_large()
        if not self.elements % 4096 and time.monotonic() > self.deadline:
            raise _too_large()


def _no_dtd(*_args) -> None:
    # No part of an XLSX has a document type or declares entities (entity expansion: "billion
    # laughs").
    raise FileRefused(_("The file cannot be read; it may be damaged."))


def check_parts(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook that holds more than a file of MAX_ROWS systems can, before anything
    parses it: the archive's declared sizes first (each part, all together), then every XML part
    unpacked in small chunks with its markup counted (each ``<`` starts a tag: an upper bound on
    the elements a parser would meet), with a hard stop at MAX_MARKUP. Nothing is kept, and it
    runs at zlib's speed: the same few MB and milliseconds whatever the file claims or holds.
    ``SheetReader`` then counts the rows and cells themselves as it reads them."""
    members = archive.infolist()
    names = {member.filename for member in members}
    if "xl/workbook.xml" not in names:
        raise FileRefused(
            _("This is not an XLSX file. Download the template, fill it in and upload it as .xlsx.")
        )
    if (
        len(members) > MAX_PARTS
        or sum(member.file_size for member in members) > MAX_UNCOMPRESSED_BYTES
        or any(member.file_size > MAX_PART_BYTES for member in members)
    ):
        raise _too_large()
    unpacked = markup = 0
    for member in members:
        if member.is_dir() or not member.filename.endswith((".xml", ".rels")):
            continue
        # The sizes in the archive's directory bound what zipfile unpacks; counted anyway.
        with archive.open(member) as stream:
            while chunk := stream.read(CHUNK):
                unpacked += len(chunk)
                markup += chunk.count(b"<")
                if unpacked > MAX_UNCOMPRESSED_BYTES or markup > MAX_MARKUP:
                    raise _too_large()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _match_columns(header_cells) -> dict[str, int]:
    """Field -> index of the column whose header names it (in Chinese or English)."""
    found = {}
    for index, value in enumerate(header_cells):
        text = " ".join(_text(value).lower().split())
        if not text:
            continue
        for column in COLUMNS:
            if column.field not in found and (
                column.chinese in text or column.english.lower() in text
            ):
                found[column.field] = index
                break
    return found


def column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def read_rows(content: bytes) -> tuple[list[Row], dict[str, int]]:
    """The rows of the systems sheet, each with its values as the form takes them and the
    errors found in the cells themselves (a formula, a value of the wrong kind); and where the
    columns are (field -> index)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return _rows_of(SheetReader(archive).lines())
    except FileRefused:
        raise
    except Exception:  # a damaged file raises many kinds; any of them is the same answer
        raise FileRefused(_("The file cannot be read; it may be damaged.")) from None


@dataclass(frozen=True)
class Cell:
    value: object  # str, int, float, bool, datetime or None
    data_type: str = "n"  # "f" for a formula, as openpyxl says


_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _local(name: str) -> str:
    """An element's or attribute's name without its namespace (expat joins them with a space)."""
    return name.rpartition(" ")[2]


class SheetReader:
    """The systems sheet of an XLSX archive, read as its XML streams through expat: the values of
    the first MAX_COLUMNS columns of each row, nothing else kept. openpyxl (even read-only) builds
    an object for every cell and reads a sheet twice when it has no dimension: 1 s for a full
    template and several for a file of MAX_CELLS cells; this reads it in a fraction of that, and
    counts elements, rows and cells as it goes, with a hard stop at each limit (``_Budget``)."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        self.budget = _Budget(time.monotonic())

    def _parser(self, start=None, end=None, text=None):
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        parser.StartDoctypeDeclHandler = _no_dtd
        parser.EntityDeclHandler = _no_dtd
        if start:
            parser.StartElementHandler = start
        if end:
            parser.EndElementHandler = end
        if text:
            parser.CharacterDataHandler = text
        return parser

    def _chunks(self, name: str):
        if not name.endswith((".xml", ".rels")):  # the parts check_parts counted, no others
            raise FileRefused(_("The file cannot be read; it may be damaged."))
        with self.archive.open(name) as stream:
            while chunk := stream.read(CHUNK):
                yield chunk
        yield b""

    def _parse(self, name: str, start=None, end=None, text=None) -> None:
        parser = self._parser(start, end, text)
        for chunk in self._chunks(name):
            parser.Parse(chunk, not chunk)

    def _exists(self, name: str) -> bool:
        try:
            self.archive.getinfo(name)
        except KeyError:
            return False
        return True

    def _targets(self) -> dict[str, str]:
        """Relationship id -> part name, from the workbook's relationships."""
        targets = {}

        def start(name, attributes):
            self.budget.count("")
            if _local(name) == "Relationship" and "Id" in attributes:
                target = attributes.get("Target", "")
                targets[attributes["Id"]] = (
                    target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                )

        self._parse("xl/_rels/workbook.xml.rels", start)
        return targets

    def _sheet_and_epoch(self, targets: dict[str, str]) -> tuple[str, dt.datetime]:
        sheets: list[tuple[str, str]] = []
        epoch = [WINDOWS_EPOCH]

        def start(name, attributes):
            self.budget.count("")
            local = _local(name)
            if local == "sheet":
                sheets.append(
                    (attributes.get("name", ""), attributes.get(f"{_RELATIONSHIPS} id", ""))
                )
            elif local == "workbookPr" and attributes.get("date1904") in ("1", "true"):
                epoch[0] = MAC_EPOCH

        self._parse("xl/workbook.xml", start)
        if not sheets:
            raise FileRefused(_("The file cannot be read; it may be damaged."))
        chosen = next((sheet for sheet in sheets if sheet[0] == SHEET_TITLE), sheets[0])
        return targets[chosen[1]], epoch[0]

    def _shared_strings(self, name: str) -> list[str]:
        strings: list[str] = []
        parts: list[str] = []
        state = {"in_t": False, "skip": 0}

        def start(element, _attributes):
            self.budget.count("")
            local = _local(element)
            if local == "si":
                parts.clear()
            elif local in ("rPh", "phoneticPr"):  # the pronunciation guide is not the text
                state["skip"] += 1
            elif local == "t":
                state["in_t"] = not state["skip"]

        def end(element):
            local = _local(element)
            if local == "si":
                strings.append("".join(parts))
            elif local in ("rPh", "phoneticPr"):
                state["skip"] -= 1
            elif local == "t":
                state["in_t"] = False

        def text(data):
            if state["in_t"]:
                parts.append(data)

        if self._exists(name):
            self._parse(name, start, end, text)
        return strings

    def _date_styles(self, name: str) -> set[int]:
        """The style indexes (a cell's ``s``) whose number format shows a date."""
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

        codes = dict(BUILTIN_FORMATS)
        formats: list[int] = []
        depth = {"cellXfs": False}

        def start(element, attributes):
            self.budget.count("")
            local = _local(element)
            if local == "numFmt":
                with contextlib.suppress(ValueError):
                    codes[int(attributes.get("numFmtId", ""))] = attributes.get("formatCode", "")
            elif local == "cellXfs":
                depth["cellXfs"] = True
            elif local == "xf" and depth["cellXfs"]:
                try:
                    formats.append(int(attributes.get("numFmtId", "0")))
                except ValueError:
                    formats.append(0)

        def end(element):
            if _local(element) == "cellXfs":
                depth["cellXfs"] = False

        if self._exists(name):
            self._parse(name, start, end)
        return {
            index for index, number in enumerate(formats) if is_date_format(codes.get(number, ""))
        }

    def lines(self) -> Iterator[tuple[int, dict[int, Cell]]]:
        """(row number, {column index: cell}) for every row that has a cell in the first
        MAX_COLUMNS columns, in the sheet's order, as the sheet is read: the caller stops reading
        by no longer asking."""
        from openpyxl.utils import column_index_from_string

        targets = self._targets()
        sheet, epoch = self._sheet_and_epoch(targets)
        strings = self._shared_strings("xl/sharedStrings.xml")
        dates = self._date_styles("xl/styles.xml")
        done: list[tuple[int, dict[int, Cell]]] = []
        row: dict = {"number": 0, "cells": {}, "column": -1}
        cell: dict = {}
        text: list[str] = []
        budget = self.budget

        def start(element, attributes):
            local = element.rpartition(" ")[2]
            budget.count(local)
            if local == "c":
                reference = attributes.get("r", "")
                if reference:
                    column = column_index_from_string(reference.rstrip("0123456789")) - 1
                else:
                    column = row["column"] + 1
                row["column"] = column
                cell.clear()
                cell.update(column=column, type=attributes.get("t", "n"), style=attributes.get("s"))
            elif local in ("v", "t"):
                text.clear()
                cell["reading"] = not cell.get("phonetic")
            elif local == "row":
                number = int(attributes["r"]) if "r" in attributes else row["number"] + 1
                if number > MAX_LINES:
                    raise _too_many_rows()
                if number <= row["number"]:
                    raise ValueError("rows out of order")
                row.update(number=number, cells={}, column=-1)
            elif local == "f":
                cell["formula"] = True
            elif local == "rPh":  # the pronunciation guide is not the text
                cell["phonetic"] = True

        def end(element):
            local = element.rpartition(" ")[2]
            if local in ("v", "t"):
                if cell.get("reading"):
                    cell["text"] = cell.get("text", "") + "".join(text)
                    cell["reading"] = False
            elif local == "c":
                if cell["column"] < MAX_COLUMNS:
                    row["cells"][cell["column"]] = self._cell(cell, strings, dates, epoch)
            elif local == "row":
                if row["cells"]:
                    done.append((row["number"], row["cells"]))
            elif local == "rPh":
                cell["phonetic"] = False

        def characters(data):
            if cell.get("reading"):
                text.append(data)

        parser = self._parser(start, end, characters)
        for chunk in self._chunks(sheet):
            parser.Parse(chunk, not chunk)
            yield from done
            done.clear()

    @staticmethod
    def _cell(cell: dict, strings: list[str], dates: set[int], epoch) -> Cell:
        raw = cell.get("text")
        if cell.get("formula"):
            return Cell(raw, "f")  # refused in its cell, whatever its last value was
        if raw is None or (not raw.strip() and cell["type"] not in ("inlineStr", "str")):
            return Cell(None)
        if cell["type"] == "s":
            return Cell(strings[int(raw)])
        if cell["type"] in ("inlineStr", "str", "e", "d"):
            return Cell(raw)
        if cell["type"] == "b":
            return Cell(raw.strip() in ("1", "true"))
        try:
            number = int(raw)
        except ValueError:
            number = float(raw)
        if cell["style"] is not None and int(cell["style"]) in dates:
            try:
                return Cell(from_excel(number, epoch))
            except (OverflowError, ValueError):
                pass
        return Cell(number)


def _rows_of(lines: Iterator[tuple[int, dict[int, Cell]]]) -> tuple[list[Row], dict[str, int]]:
    first = next(lines, None)
    header = first[1] if first and first[0] == 1 else {}
    width = max(header, default=-1) + 1
    columns = _match_columns([header[i].value if i in header else None for i in range(width)])
    missing = [column for column in COLUMNS if column.field not in columns]
    if missing:
        raise FileRefused(
            _("The first row must hold the template's headers; missing: %(columns)s.")
            % {"columns": ", ".join(f"{c.chinese} / {c.english}" for c in missing)}
        )
    rows = []
    example = [_text(value) for value in EXAMPLE]
    if first and first[0] != 1:  # no header row: the first row read is a row of systems
        lines = itertools.chain([first], lines)
    for number, cells in lines:
        by_field = {name: cells.get(index) for name, index in columns.items()}
        texts = [
            _text(by_field[c.field].value if by_field[c.field] is not None else None)
            for c in COLUMNS
        ]
        if not any(texts) or texts == example:
            continue
        if len(rows) >= MAX_ROWS:
            raise _too_many_rows()
        rows.append(_row(number, by_field, columns))
    return rows, columns


def _row(number: int, cells: dict, columns: dict[str, int]) -> Row:
    row = Row(number=number, values={})
    for column in COLUMNS:
        cell = cells[column.field]
        value = cell.value if cell is not None else None
        if cell is not None and getattr(cell, "data_type", None) == "f":
            row.add_error(column, columns, _("Formulas are not accepted; type the value."))
            row.values[column.field] = ""
            continue
        if column.field == "used_in_public_place":
            word = _text(value).lower()
            if word in TRUE_WORDS or value is True:
                row.values[column.field] = True
            elif word in FALSE_WORDS or value is False:
                row.values[column.field] = False
            else:
                row.values[column.field] = False
                row.add_error(column, columns, _("Enter 是 or 否 (yes or no)."))
        elif column.field == "count_reached_on" and isinstance(value, int | float):
            row.values[column.field] = ""
            row.add_error(column, columns, _("Enter a date as YYYY-MM-DD."))
        else:
            row.values[column.field] = _text(value)
    return row


def cell_error(number: int, column: Column, columns: dict[str, int], message) -> str:
    return _("Row %(row)s, column %(column)s (%(label)s): %(message)s") % {
        "row": number,
        "column": column_letter(columns[column.field]) if column.field in columns else "?",
        "label": column.label,
        "message": message,
    }


# --- Validation with the form's rules ------------------------------------------------------------


def validate(rows: list[Row], systems, columns: dict[str, int] | None = None) -> list[Row]:
    """Run every row through ``SystemForm`` (with the system it updates, if any) and add the
    errors of the file as a whole: a name twice in the file, a name that two systems share."""
    columns = columns or {column.field: index for index, column in enumerate(COLUMNS)}
    by_name: dict[str, list] = {}
    for system in systems:
        by_name.setdefault(system.name, []).append(system)
    first_row_of: dict[str, int] = {}
    name_column = COLUMNS[0]
    for row in rows:
        name = row.values.get("name", "")
        existing = by_name.get(name, [])
        if name and name in first_row_of:
            row.add_error(
                name_column,
                columns,
                _("This name is already on row %(row)s; a system may appear once.")
                % {"row": first_row_of[name]},
            )
        first_row_of.setdefault(name, row.number)
        if len(existing) > 1:
            row.add_error(
                name_column,
                columns,
                _("Several of your systems have this name; update them on the form."),
            )
        system = existing[0] if len(existing) == 1 else None
        form = SystemForm(
            data={
                **row.values,
                "used_in_public_place": "on" if row.values.get("used_in_public_place") else "",
            },
            # A copy: the form writes the row's values into its instance while validating.
            instance=copy.copy(system) if system is not None else None,
        )
        if form.is_valid():
            row.values = _serializable(form.cleaned_data)
        else:
            for column in COLUMNS:
                for message in form.errors.get(column.field, ()):
                    row.add_error(column, columns, message)
            for message in form.non_field_errors():
                row.add_error(None, columns, message)
        if system is None:
            row.action = "new"
        else:
            row.system_id = system.pk
            row.before = {
                "people_stored": system.people_stored,
                "used_in_public_place": system.used_in_public_place,
                "count_reached_on": system.count_reached_on.isoformat(),
            }
            unchanged = all(
                str(row.values.get(key)) == str(value) for key, value in row.before.items()
            )
            row.action = "unchanged" if unchanged else "update"
    return rows


def _serializable(cleaned: dict) -> dict:
    return {
        "name": cleaned["name"],
        "people_stored": cleaned["people_stored"],
        "used_in_public_place": bool(cleaned["used_in_public_place"]),
        "count_reached_on": cleaned["count_reached_on"].isoformat(),
    }


def read_and_validate(upload, systems) -> tuple[list[Row], dict[str, int]]:
    """The rows of an uploaded file, validated; raises FileRefused for a file it cannot read."""
    content = check_file(upload)
    rows, columns = read_rows(content)
    if not rows:
        raise FileRefused(_("The file has no system in it: fill in one row per system."))
    return validate(rows, systems, columns), columns
