"""The daily reminder sweep with 10,000 and with 1,000,000 open obligations, the same number due.

The sweep reads only what is due (the ``obligation_reminder_due`` index on status and
next_reminder_on), so its time should follow the due rows, not the table. Prints the best of 3 runs
at each size, their ratio (aim: at most 2), the plan of the sweep's selecting query at the larger
size, and the queries of one sweep (aim: at most 3 per reminder plus a constant: it works in
batches). Runs on its own PostgreSQL database, created here and dropped at the end.

    python bench/bench_reminders.py [--keep] [--due 200] [--small 10000] [--large 1000000]
"""

import argparse
import logging
import os
import re
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RUNS = 3
QUERY_CONSTANT = 20  # per sweep, whatever is due: the calendar, the batches' reads
# The PostgreSQL server (no database name): the bench creates and drops its own database there.
SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument("--database", default="bench_reminders", help="a name starting bench_")
    parser.add_argument("--due", type=int, default=200, help="obligations due on the sweep day")
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    args = parser.parse_args()
    if not args.database.startswith("bench_"):
        parser.error("the database is created and dropped here: its name must start with bench_")
    if not 0 < args.due < args.small < args.large:
        parser.error("need 0 < due < small < large")
    return args


# --- The database --------------------------------------------------------------------------------


def server_connection():
    import psycopg

    return psycopg.connect(f"{SERVER}/postgres", autocommit=True)


def create_database(name: str) -> bool:
    """Create the bench database if missing; True when it was created now."""
    with server_connection() as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
    return not exists


def drop_database(name: str) -> None:
    from django.db import connections

    connections.close_all()
    with server_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(database: str, var_dir: str) -> None:
    os.environ["DATABASE_URL"] = f"{SERVER}/{database}"
    os.environ["VAR_DIR"] = var_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
    os.environ["LOG_LEVEL"] = "WARNING"  # not a line per task
    # Nothing here may reach a shared broker, cache or mail server: the defaults, under VAR_DIR.
    for name in ("CELERY_BROKER_URL", "CACHE_URL", "EMAIL_HOST"):
        os.environ.pop(name, None)
    import django

    django.setup()
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Eager tasks never need the broker (no Redis runs here); keep kombu quiet if it is asked.
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)


# --- The data ------------------------------------------------------------------------------------


def prepare(due_count: int, today):
    """An organization with one administrator, and ``due_count`` obligations due today: their
    deadline is the fifth working day after today, so the "5 working days before" reminder is
    due. Returns the organization's id."""
    from django.core.management import call_command
    from django.db import connection

    from filings.calendar import calendars
    from filings.models import Membership
    from tests.factories import MembershipFactory

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:  # a database kept from an earlier run starts empty
        cursor.execute(
            "TRUNCATE filings_obligation, filings_reminder, notifications_notification "
            "RESTART IDENTITY CASCADE"
        )
    membership = Membership.objects.filter(role="admin").first() or MembershipFactory(role="admin")
    deadline = calendars.add_working_days(today, 5).date
    insert(
        membership.organization_id,
        due_count,
        deadline=deadline,
        next_reminder_on=today,
        trigger_date=today - timedelta(days=30),
    )
    return membership.organization_id


def insert(organization_id: int, count: int, *, deadline, next_reminder_on, trigger_date) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO filings_obligation (
                organization_id, kind, regime, office_id, trigger_date, deadline, deadline_final,
                status, reason, created_at, updated_at, closed_at, next_reminder_on
            )
            SELECT %(organization)s, 'change', 'cac-2023-draft',
                   (SELECT id FROM filings_jurisdiction WHERE code = '440300'),
                   %(trigger)s, %(deadline)s, true, 'open', '', now(), now(), NULL,
                   %(next_on)s
            FROM generate_series(1, %(count)s)
            """,
            {
                "organization": organization_id,
                "trigger": trigger_date,
                "deadline": deadline,
                "next_on": next_reminder_on,
                "count": count,
            },
        )


def grow(organization_id: int, count: int, today) -> None:
    """Open obligations that are not due: their next look spread over the coming year."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO filings_obligation (
                organization_id, kind, regime, office_id, trigger_date, deadline, deadline_final,
                status, reason, created_at, updated_at, closed_at, next_reminder_on
            )
            SELECT %(organization)s, 'change', 'cac-2023-draft',
                   (SELECT id FROM filings_jurisdiction WHERE code = '440300'),
                   %(today)s::date, %(today)s::date + 60 + (i %% 365), true, 'open', '',
                   now(), now(), NULL, %(today)s::date + 1 + (i %% 365)
            FROM generate_series(1, %(count)s) AS i
            """,
            {"organization": organization_id, "today": today, "count": count},
        )
        cursor.execute("ANALYZE filings_obligation")


def open_count() -> int:
    from filings.models import Obligation

    return Obligation.objects.filter(status="open").count()


# --- The measurement -----------------------------------------------------------------------------


def reset(today) -> None:
    """Undo a sweep, so that every run has the same work: the due rows due again, the reminders and
    emails it wrote gone."""
    from django.core import mail
    from django.db import transaction

    from filings.models import Obligation, Reminder
    from notifications.models import Notification

    with transaction.atomic():
        swept = Reminder.objects.values("obligation_id")
        Obligation.objects.filter(pk__in=swept).update(next_reminder_on=today)
        Reminder.objects.all().delete()
        Notification.objects.all().delete()
    mail.outbox = []


def sweep_once(today, due_count: int) -> float:
    from django.core import mail

    from filings.lifecycle import reminders

    mail.outbox = []
    started = time.perf_counter()
    sent = reminders.sweep(today)
    elapsed = time.perf_counter() - started
    if sent != due_count or len(mail.outbox) != due_count:
        raise SystemExit(f"expected {due_count} reminders, sent {sent}, {len(mail.outbox)} emails")
    reset(today)
    return elapsed


def best_of(runs: int, today, due_count: int) -> float:
    sweep_once(today, due_count)  # warm up: templates compiled, the calendar index built
    return min(sweep_once(today, due_count) for _ in range(runs))


def queries_of_a_sweep(today, due_count: int) -> int:
    """The sweep's own queries: the emails' delivery, which a worker does after commit (here
    eager tasks would run it inline), is left out by holding the queued ids back."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from filings.lifecycle import reminders
    from notifications import emails

    held = []
    queue, emails.queue_after_commit = emails.queue_after_commit, lambda _task, pk: held.append(pk)
    try:
        with CaptureQueriesContext(connection) as captured:
            sent = reminders.sweep(today)
    finally:
        emails.queue_after_commit = queue
    reset(today)
    assert len(held) == due_count, len(held)
    assert sent == due_count, sent
    return len(captured.captured_queries)


def explain_selection(today) -> tuple[str, str]:
    """The plan of the query the sweep itself runs to select what is due (captured, not copied)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from filings.lifecycle import reminders

    with CaptureQueriesContext(connection) as captured:
        reminders.sweep(today)
    reset(today)
    selecting = next(
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith("SELECT") and "next_reminder_on" in query["sql"]
    )
    # The batch is read FOR UPDATE SKIP LOCKED; the plan is that of the reading.
    selecting = re.sub(r"\s+FOR UPDATE.*$", "", selecting)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + selecting)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return selecting, plan


def main() -> None:
    args = parse_args()
    created = create_database(args.database)
    with tempfile.TemporaryDirectory(prefix="bench-reminders-") as var_dir:
        setup_django(args.database, var_dir)
        from django.utils import timezone

        today = timezone.localdate()
        try:
            print(
                f"database {args.database} ({'created' if created else 'reused'}), "
                f"sweep day {today}, {args.due} due",
                flush=True,
            )
            organization_id = prepare(args.due, today)
            started = time.perf_counter()
            grow(organization_id, args.small - args.due, today)
            assert open_count() == args.small
            print(f"  {args.small:,} open obligations inserted", flush=True)
            small = best_of(RUNS, today, args.due)

            grow(organization_id, args.large - args.small, today)
            assert open_count() == args.large
            print(
                f"  grown to {args.large:,} open obligations "
                f"in {time.perf_counter() - started:.0f} s",
                flush=True,
            )
            large = best_of(RUNS, today, args.due)
            query, plan = explain_selection(today)
            queries = queries_of_a_sweep(today, args.due)

            ratio = large / small
            print()
            print(
                f"reminder sweep, {args.due} due: {args.small:,} open -> {small:.2f} s, "
                f"{args.large:,} open -> {large:.2f} s, ratio {ratio:.2f} (aim <= 2)"
            )
            print()
            print(f"The sweep's selecting query at {args.large:,} open obligations:")
            print(f"  {query}")
            print("  " + plan.replace("\n", "\n  "))
            uses_index = "obligation_reminder_due" in plan
            print()
            print(f"uses obligation_reminder_due: {'yes' if uses_index else 'NO'}")
            per_reminder = queries / args.due
            queries_ok = queries <= 3 * args.due + QUERY_CONSTANT
            print(
                f"queries of a sweep sending {args.due}: {queries} "
                f"({per_reminder:.2f} per reminder; aim <= 3 per reminder + {QUERY_CONSTANT})"
            )
            if ratio > 2 or not uses_index or not queries_ok:
                sys.exit(1)
        finally:
            if args.keep:
                print(f"kept database {args.database}")
            else:
                drop_database(args.database)


if __name__ == "__main__":
    main()
