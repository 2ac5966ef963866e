"""What encryption at rest costs: the same pages with ENCRYPTION_AT_REST on and off, in one run.

Two databases with the same content are built, one with encryption on (the demo, then 1,000
submitted filings of 1,000 more organizations in the demo reviewer's queue, each with its sealed
ID and mobile numbers in its row and in its content) and one with it off (the same, in plain form).
Each is measured in a process of its own, started with ENCRYPTION_AT_REST=1 or 0, through Django's
test client (the whole middleware, no network):

- the filer's dashboard (the organization's sealed fields are read);
- a filing's review page in the workspace (the filing's sealed content, its versions);
- the 1,000-row CSV export and Excel export of the queue (neither carries a sealed column: the
  queue's columns are plain);
- the 1,000-row Excel export written by a worker, stored (sealed), then downloaded (opened).

Off and on alternate twice (the second turn on the same databases); each figure is the best of
3 rounds of 5 requests in each turn (ms per request); the ratio is on ÷ off.
Exits non-zero when a ratio passes 1.25.

    python bench/bench_encryption.py [--rows 1000] [--rounds 5] [--postgres]

--postgres builds the two databases on PostgreSQL (BENCH_POSTGRES_URL, default
postgres://postgres@127.0.0.1:5432: bench_encryption_on and bench_encryption_off), else SQLite files
in a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
BOUND = 1.25
PAGES = [
    ("dashboard", "filer dashboard"),
    ("review", "review page"),
    ("csv", "export, 1,000 rows, CSV"),
    ("xlsx", "export, 1,000 rows, Excel"),
    ("job", "export, 1,000 rows, Excel by a worker, stored and downloaded"),
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--turns", type=int, default=2, help="off-then-on runs, alternating")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--measure", choices=["on", "off"], help=argparse.SUPPRESS)
    parser.add_argument("--var-dir", help=argparse.SUPPRESS)
    return parser.parse_args()


# --- In the measuring process --------------------------------------------------------------------


def build(rows: int) -> dict:
    from io import StringIO

    from django.core.management import call_command
    from django.db import transaction

    from filings.models import Filing, Organization, Reviewer
    from filings.models.organizations import ORGANIZATION_FIELDS

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=StringIO())
    reviewer = Reviewer.objects.select_related("office", "user").get()
    template = Filing.objects.filter(kind="initial", office=reviewer.office).first()
    model = Organization.objects.get(pk=template.organization_id)
    with transaction.atomic():
        organizations = Organization.objects.bulk_create(
            [
                Organization(
                    **{field: getattr(model, field) for field in ORGANIZATION_FIELDS}
                    | {"name": f"基准科技有限公司{n}", "uscc": f"91440300B{n:08d}X"}
                )
                for n in range(rows)
            ]
        )
        Filing.objects.bulk_create(
            [
                Filing(
                    organization=organization,
                    kind="initial",
                    status="submitted",
                    office=template.office,
                    regime=template.regime,
                    data=template.data,
                    completed_steps=template.completed_steps,
                    receipt_number=f"BENCH-{n:06d}",
                    submitted_at=template.submitted_at,
                    review_due=template.review_due,
                )
                for n, organization in enumerate(organizations)
            ]
        )
    return {"reviewer": reviewer.user_id}


def timed(call, rounds: int, per_round: int = 5) -> float:
    best = float("inf")
    call()  # warm the caches, the templates, the first query plans
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(per_round):
            call()
        best = min(best, (time.perf_counter() - start) / per_round)
    return best * 1000


def body(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content) if response.streaming else response.content


def measure(mode: str, rows: int, rounds: int) -> dict:
    import django

    django.setup()
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from filings.models import ExportJob, Filing, Membership
    from filings.review import exports
    from portal import crypto
    from tests.factories import login_with_second_factor

    assert crypto.ring().enabled == (mode == "on")
    built = Path(os.environ["VAR_DIR"]) / "built.json"
    if built.exists():
        ids = json.loads(built.read_text())
    else:
        ids = build(rows)
        built.write_text(json.dumps(ids))
    filer = Membership.objects.select_related("organization", "user").get(
        user__email="filer@demo.example"
    )
    client = Client()
    client.force_login(filer.user)
    staff = Client()
    login_with_second_factor(staff, User.objects.get(pk=ids["reviewer"]))
    change = Filing.objects.get(kind="change", organization=filer.organization)
    queue = reverse("admin:filings_filing_changelist")
    csv_rows = body(staff.get(queue.replace("/filing/", "/filing/export.csv"))).count(b"\n")
    assert csv_rows >= rows, csv_rows

    def job():
        record = ExportJob.objects.create(user=staff_user, language="zh-hans")
        exports.build_job(record.pk, lambda user, query: Filing.objects.filter(office=office))
        body(staff.get(reverse("admin:filings_filing_export_job_download", args=[record.pk])))

    staff_user = User.objects.get(pk=ids["reviewer"])
    office = change.office
    calls = {
        "dashboard": lambda: body(client.get(reverse("dashboard", args=[filer.organization.pk]))),
        "review": lambda: body(staff.get(reverse("admin:filings_filing_change", args=[change.pk]))),
        "csv": lambda: body(staff.get(reverse("admin:filings_filing_export_csv"))),
        "xlsx": lambda: body(staff.get(reverse("admin:filings_filing_export_xlsx"))),
        "job": job,
    }
    return {key: timed(calls[key], rounds) for key, _label in PAGES}


# --- The run ---------------------------------------------------------------------------------


def run_mode(mode: str, args, var_dir: str, fresh: bool) -> dict:
    env = {
        **os.environ,
        "VAR_DIR": var_dir,
        "ENCRYPTION_AT_REST": "1" if mode == "on" else "0",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "LOG_LEVEL": "ERROR",
        "ALLOWED_HOSTS": "testserver",
        "DEBUG": "0",
    }
    if args.postgres and not fresh:
        env.update(DATABASE_URL=f"{SERVER}/bench_encryption_{mode}", SINGLE_HOST="1")
    elif args.postgres:
        import psycopg

        name = f"bench_encryption_{mode}"
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
        env.update(DATABASE_URL=f"{SERVER}/{name}", SINGLE_HOST="1")
    else:
        env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [
            sys.executable,
            __file__,
            "--measure",
            mode,
            "--var-dir",
            var_dir,
            "--rows",
            str(args.rows),
            "--rounds",
            str(args.rounds),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        sys.exit(f"the {mode} run failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    args = parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.rows, args.rounds)))
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-encryption-") as var_dir:
        # The same development ring for both; each its own database and files.
        from portal.crypto import ring_from_file

        ring = ring_from_file(Path(var_dir) / "encryption_keys")
        os.environ["ENCRYPTION_KEYS"] = ring
        # Off and on alternate (the second time on the databases the first built), and each
        # figure is the best of both: a machine that slows down meanwhile weighs on both alike.
        figures = {"off": {}, "on": {}}
        for turn in range(args.turns):
            for mode in ("off", "on"):
                mode_dir = Path(var_dir) / mode
                mode_dir.mkdir(exist_ok=True)
                measured = run_mode(mode, args, str(mode_dir), fresh=turn == 0)
                for key, value in measured.items():
                    figures[mode][key] = min(value, figures[mode].get(key, value))
    database = "PostgreSQL" if args.postgres else "SQLite"
    print(f"Encryption at rest, {database}, {args.rows:,} filings in the queue (ms per request)")
    print(f"{'page':<62} {'off':>8} {'on':>8} {'on/off':>7}")
    missed = []
    for key, label in PAGES:
        off, on = figures["off"][key], figures["on"][key]
        ratio = on / off
        print(f"{label:<62} {off:8.1f} {on:8.1f} {ratio:7.2f}")
        if ratio > BOUND:
            missed.append(label)
    if missed:
        print(f"MISSED (ratio above {BOUND}): {', '.join(missed)}")
        return 1
    print(f"every ratio at most {BOUND}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
