"""The bulk declaration with 1,000 systems in one XLSX, through the pages as a filer uses them.

Measures, for a file of ``--rows`` systems (default 1,000): the upload and its preview (reading the
workbook, SystemForm on every row, the page), then the confirmation (validated again, saved through
``declare_system`` for each row); once with every system new, once with every system updated. Prints
the time of each step and of each round trip, the queries of the confirmation, and exits non-zero
when a round trip (upload + confirm) takes more than the aim (10 s, issue 17).

Runs on a SQLite database of its own in a temporary directory by default; ``--postgres`` runs on a
database created and dropped on BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432).

    python bench/bench_bulk_declaration.py [--rows 1000] [--postgres]
"""

import argparse
import io
import os
import re
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
AIM_SECONDS = 10.0
SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DATABASE = "bench_bulk_declaration"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000)
    parser.add_argument("--postgres", action="store_true", help="run on PostgreSQL, not SQLite")
    return parser.parse_args()


def server_connection():
    import psycopg

    return psycopg.connect(f"{SERVER}/postgres", autocommit=True)


def setup_django(var_dir: str, postgres: bool) -> None:
    if postgres:
        with server_connection() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{DATABASE}"')
        os.environ["DATABASE_URL"] = f"{SERVER}/{DATABASE}"
    else:
        os.environ.pop("DATABASE_URL", None)  # the default: SQLite under VAR_DIR
    os.environ["VAR_DIR"] = var_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    for name in ("CELERY_BROKER_URL", "CACHE_URL", "EMAIL_HOST"):
        os.environ.pop(name, None)
    import django

    django.setup()
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def drop_database() -> None:
    from django.db import connections

    connections.close_all()
    with server_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def workbook(rows: int, people: int) -> bytes:
    from openpyxl import Workbook

    from filings.documents.bulk_declarations import COLUMNS

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([column.header for column in COLUMNS])
    first = date(2025, 6, 3)
    for n in range(rows):
        sheet.append(
            [
                f"门店{n:05d}人脸闸机",
                people + n,
                "是" if n % 7 == 0 else "否",
                first + timedelta(n % 90),
            ]
        )
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def round_trip(client, organization_id: int, content: bytes) -> tuple[float, float, int]:
    """Upload, then confirm: the seconds of each and the queries of the confirmation."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    began = time.perf_counter()
    response = client.post(
        reverse("system_bulk", args=[organization_id]),
        {"file": SimpleUploadedFile("systems.xlsx", content)},
    )
    preview = time.perf_counter() - began
    found = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    if response.status_code != 200 or not found:
        raise SystemExit(f"the preview offers no confirmation (status {response.status_code})")
    began = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            reverse("system_bulk_confirm", args=[organization_id]), {"token": found.group(1)}
        )
    confirm = time.perf_counter() - began
    if response.status_code != 302:
        raise SystemExit(f"the confirmation failed (status {response.status_code})")
    return preview, confirm, len(queries)


def main() -> int:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-bulk-") as var_dir:
        setup_django(var_dir, args.postgres)
        try:
            return run(args.rows)
        finally:
            if args.postgres:
                drop_database()


def run(rows: int) -> int:
    from django.core.management import call_command
    from django.test import Client

    from filings.models import RecognitionSystem, SystemDeclaration
    from tests.factories import MembershipFactory

    call_command("migrate", verbosity=0)
    membership = MembershipFactory(role="editor")
    client = Client()
    client.force_login(membership.user)
    organization_id = membership.organization_id

    results = []
    for label, people in (("new", 12_000), ("updated", 20_000)):
        content = workbook(rows, people)
        preview, confirm, queries = round_trip(client, organization_id, content)
        results.append((label, preview, confirm, queries, len(content)))

    systems = RecognitionSystem.objects.filter(organization_id=organization_id)
    assert systems.count() == rows, systems.count()
    assert SystemDeclaration.objects.filter(system__organization_id=organization_id).count() == (
        2 * rows
    )
    assert systems.filter(people_stored__gte=20_000).count() == rows

    print(f"Bulk declaration of {rows:,} systems (aim: upload + confirm under {AIM_SECONDS:.0f} s)")
    print(f"{'systems':<9}{'file':>10}{'preview':>10}{'confirm':>10}{'total':>10}{'queries':>10}")
    failed = False
    for label, preview, confirm, queries, size in results:
        total = preview + confirm
        failed |= total > AIM_SECONDS
        print(
            f"{label:<9}{size / 1024:>8.0f}KB{preview:>9.2f}s{confirm:>9.2f}s{total:>9.2f}s"
            f"{queries:>10,}"
        )
    print("FAILED: above the aim" if failed else "ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
