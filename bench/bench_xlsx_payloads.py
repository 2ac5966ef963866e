"""Spreadsheets built to take a web worker down, against a filer's real files (issue 30).

Each file is read as the bulk declaration page reads an upload (``check_file`` then ``read_rows``)
in a process of its own, which prints the time it took and how much its peak resident memory
grew past its resident size before the file was read (Linux: the peak reset through
``/proc/self/clear_refs`` and read as ``VmHWM``; elsewhere ``ru_maxrss``): what a gunicorn worker
would grow by. The payloads:
one row of 14,500,000 empty cells (58 KB zipped) and 3,000,000 empty rows (28 KB), and the same
kinds just under the archive's size limits, so that the reader's own counts stop them; the
baselines: the template filled in with 1,000 and 5,000 systems. Exits non-zero when any file takes
2 s or more or grows the process by 100 MB or more (the aim of issue 30), or a payload is read.

    python bench/bench_xlsx_payloads.py
"""

import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
AIM_SECONDS = 2.0
AIM_MB = 100.0
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

CHILD = """
import json, os, resource, sys, time
sys.path.insert(0, {root!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from filings.documents import bulk_declarations


def status(field):
    with open("/proc/self/status") as lines:
        return next(int(line.split()[1]) for line in lines if line.startswith(field))


content = open(sys.argv[1], "rb").read()
try:  # Linux: reset the peak (VmHWM) to the resident size now, so the peak is the parse's own
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
    before, peak = status("VmRSS:"), lambda: status("VmHWM:")
except OSError:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    rows, _columns = bulk_declarations.read_rows(
        bulk_declarations.check_file(SimpleUploadedFile("systems.xlsx", content))
    )
    answer = f"read: {{len(rows)}} rows"
except bulk_declarations.FileRefused as refused:
    answer = f"refused: {{refused}}"
seconds = time.perf_counter() - started
print(json.dumps({{"seconds": seconds, "grew_mb": (peak() - before) / 1024, "answer": answer}}))
"""


def with_sheet(sheet_data: bytes) -> bytes:
    from openpyxl import Workbook

    from filings.documents import bulk_declarations

    workbook = Workbook()
    workbook.active.title = bulk_declarations.SHEET_TITLE
    output = io.BytesIO()
    workbook.save(output)
    source = zipfile.ZipFile(io.BytesIO(output.getvalue()))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                opening = f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>'
                data = opening.encode() + sheet_data + b"</sheetData></worksheet>"
            zipped.writestr(item.filename, data)
    return archive.getvalue()


def template(rows: int) -> bytes:
    from filings.documents import bulk_declarations

    class System:
        def __init__(self, n):
            self.name = f"前台人脸闸机 {n}"
            self.people_stored = 10_000 + n
            self.used_in_public_place = bool(n % 2)
            self.count_reached_on = date(2026, 1, 5)

    return bulk_declarations.template_workbook([System(n) for n in range(rows)])


def files() -> list[tuple[str, bytes, bool]]:
    """(what, content, whether it must be refused)"""

    def one_row(cells: int) -> bytes:
        return with_sheet(b"<row>" + b"<c/>" * cells + b"</row>")

    return [
        ("1 row of 14,500,000 empty cells", one_row(14_500_000), True),
        ("3,000,000 empty rows", with_sheet(b"<row/>" * 3_000_000), True),
        ("1 row of 2,000,000 empty cells (8 MB)", one_row(2_000_000), True),
        ("1 row of 60,000 empty cells", one_row(60_000), True),
        ("25,000 empty rows", with_sheet(b"<row/>" * 25_000), True),
        ("the template with 1,000 systems", template(1_000), False),
        ("the template with 5,000 systems", template(5_000), False),
    ]


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="bench-xlsx-"))
    import django

    django.setup()
    missed = []
    child = CHILD.format(root=str(ROOT))
    with tempfile.TemporaryDirectory() as folder:
        for what, content, payload in files():
            path = Path(folder) / "upload.xlsx"
            path.write_bytes(content)
            result = subprocess.run(
                [sys.executable, "-c", child, str(path)],
                capture_output=True,
                text=True,
                check=True,
                env={**os.environ, "LOG_LEVEL": "WARNING"},
            )
            figures = json.loads(result.stdout.strip().splitlines()[-1])
            ok = (
                figures["seconds"] < AIM_SECONDS
                and figures["grew_mb"] < AIM_MB
                and figures["answer"].startswith("refused" if payload else "read")
            )
            if not ok:
                missed.append(what)
            print(
                f"{what:40} {len(content) / 1024:7.1f} KB zipped"
                f"  {figures['seconds'] * 1000:7.1f} ms  +{figures['grew_mb']:5.1f} MB"
                f"  {figures['answer'][:70]}"
                f"{'' if ok else '  MISSED'}"
            )
    print(f"aim: under {AIM_SECONDS:.0f} s and {AIM_MB:.0f} MB each, every payload refused")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
