"""Declaring many systems at once from an XLSX workbook (issue 17).

The portal gives the template (``template_workbook``): a sheet of systems whose headers carry the
field names in Chinese and English, one example row and the organization's systems as they stand,
and a sheet of instructions. The uploaded file (``read_rows``) is checked as a file first (XLSX,
size, no zip bomb, no formula), then every row is validated by ``SystemForm``, the form of the
single-system page (``validate``): the rules are the form's, never a copy. Errors name the row and
the column, in the language of the request. Nothing is saved unless every row is valid; saving goes
through ``obligations.declare_systems``, that is through ``declare_system`` for each row.

A row's key is the system's name: a name that matches a system of the organization updates it, any
other name declares a new system. A system is renamed on the form, not here.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from filings.forms.systems import SystemForm

MAX_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 60 * 1024 * 1024  # an XLSX of MAX_ROWS rows is about 1 MB unpacked
MAX_ROWS = 5_000
MAX_COLUMNS = 30
MAX_LINES = 4 * MAX_ROWS  # rows read at most, empty ones included
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
                system.name,
                system.people_stored,
                "是 yes" if system.used_in_public_place else "否 no",
                system.count_reached_on,
            ]
        )
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
    """The upload's bytes if it can be an XLSX workbook of a reasonable size."""
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
            members = archive.infolist()
            names = {member.filename for member in members}
            unpacked = sum(member.file_size for member in members)
    except (zipfile.BadZipFile, ValueError, OSError):
        raise FileRefused(_("The file cannot be read; it may be damaged.")) from None
    if "xl/workbook.xml" not in names:
        raise FileRefused(
            _("This is not an XLSX file. Download the template, fill it in and upload it as .xlsx.")
        )
    if unpacked > MAX_UNCOMPRESSED_BYTES or len(members) > 1000:
        raise FileRefused(
            _("The workbook is too large once unpacked; split it into several files.")
        )
    return content


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
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (
        Exception
    ):  # openpyxl raises many kinds on a damaged file; any of them is the same answer
        raise FileRefused(_("The file cannot be read; it may be damaged.")) from None
    try:
        sheet = (
            workbook[SHEET_TITLE] if SHEET_TITLE in workbook.sheetnames else workbook.worksheets[0]
        )
        return _rows_of(sheet)
    except FileRefused:
        raise
    except Exception:
        raise FileRefused(_("The file cannot be read; it may be damaged.")) from None
    finally:
        workbook.close()


def _rows_of(sheet) -> tuple[list[Row], dict[str, int]]:
    lines = sheet.iter_rows(max_col=MAX_COLUMNS)
    header = next(lines, None)
    columns = _match_columns([cell.value for cell in header or ()])
    missing = [column for column in COLUMNS if column.field not in columns]
    if missing:
        raise FileRefused(
            _("The first row must hold the template's headers; missing: %(columns)s.")
            % {"columns": ", ".join(f"{c.chinese} / {c.english}" for c in missing)}
        )
    rows = []
    example = [_text(value) for value in EXAMPLE]
    for number, cells in enumerate(lines, start=2):
        cells = list(cells)
        by_field = {
            name: cells[index] if index < len(cells) else None for name, index in columns.items()
        }
        texts = [
            _text(by_field[c.field].value if by_field[c.field] is not None else None)
            for c in COLUMNS
        ]
        if not any(texts) or texts == example:
            if number > MAX_LINES:  # a sheet of a million empty rows is not read to its end
                raise FileRefused(
                    _("The file has more than %(n)s systems; split it into several files.")
                    % {"n": MAX_ROWS}
                )
            continue
        if len(rows) >= MAX_ROWS:
            raise FileRefused(
                _("The file has more than %(n)s systems; split it into several files.")
                % {"n": MAX_ROWS}
            )
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
