"""The filer's dashboard against the signed-in home page, in one process, in alternation.

Builds one PostgreSQL database (or uses SQLite with --sqlite) holding two organizations made by the
portal's own services: five declared systems, a declared total, an initial filing returned once,
then filed, a change filing in draft, and 2 or 50 open duties. Then, with Django's test client
signed in as their filer, it asks in turn for the home page and each dashboard, round after round,
and prints the median time of each and the ratio home ÷ page: the dashboard's requests per second
as a share of the home page's (1.0: it costs no more than a signed-in page that does nothing).
Exits 1 when a warm dashboard's ratio is below AIM, or when the cold ones' queries differ.

"warm" is the dashboard as a filer sees it when nothing changed since the last visit; "cold" asks
for it after emptying the page cache, as after any change of the organization's filings, duties or
systems. Also prints the number of queries of each, and, with --profile, where a cold request
spends its time (cProfile).

    python bench/bench_dashboard.py [--rounds 300] [--profile] [--keep] [--reuse] [--sqlite]

PostgreSQL: BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432); the database is
BENCH_DATABASE_PREFIX (default bench_dashboard) + "_dashboard", created and dropped here.
Timings are figures to compare, never assertions: run it on a quiet machine (see `uptime`).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DATABASE = os.environ.get("BENCH_DATABASE_PREFIX", "bench_dashboard") + "_dashboard"
FILER = "filer@bench-dashboard.example"
# A dashboard nothing changed on since the last visit answers at least half as many requests as
# the signed-in home page, which does nothing of its own (issue 29).
AIM = 0.5


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300, help="requests of each page")
    parser.add_argument("--profile", action="store_true", help="profile cold dashboard requests")
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument("--reuse", action="store_true", help="use a database kept by --keep")
    parser.add_argument("--sqlite", action="store_true", help="SQLite in a temporary folder")
    return parser.parse_args()


def server_connection():
    import psycopg

    return psycopg.connect(f"{SERVER}/postgres", autocommit=True)


def setup_django(var_dir: str, sqlite: bool, reuse: bool) -> bool:
    """Django on the bench database; returns whether the data is there already."""
    exists = False
    if sqlite:
        os.environ["DATABASE_URL"] = f"sqlite:///{var_dir}/bench.sqlite3"
    else:
        with server_connection() as connection:
            exists = bool(
                connection.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]
                ).fetchone()
            )
            if not (reuse and exists):
                connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
                connection.execute(f'CREATE DATABASE "{DATABASE}"')
        os.environ["DATABASE_URL"] = f"{SERVER}/{DATABASE}"
    os.environ["VAR_DIR"] = var_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DRAFT_APPLIES_FROM", "2000-01-01")
    for name in ("CELERY_BROKER_URL", "CACHE_URL", "EMAIL_HOST"):
        os.environ.pop(name, None)
    import django

    django.setup()
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return reuse and exists


def build() -> None:
    """Two organizations of the filer, made by the services; 2 and 50 open duties."""
    from django.core.management import call_command

    from accounts.models import User
    from filings.lifecycle import obligations, services
    from filings.models import Membership, Obligation
    from tests.factories import MembershipFactory, approved_by_the_office, reviewer_of
    from tests.integration.test_concurrency import draft_ready_to_submit

    call_command("migrate", verbosity=0)
    filer = User.objects.create_user(email=FILER, password="x", name="填报人")
    reviewer = reviewer_of("440300", email="reviewer@bench-dashboard.example")
    today = date.today()
    for duties in (2, 50):
        membership = MembershipFactory(
            user=filer, role=Membership.Role.ADMIN, organization__address_division="440300"
        )
        organization = membership.organization
        systems = [
            obligations.declare_system(
                organization,
                filer,
                name=f"门禁系统{n}",
                people_stored=4_000 + 3_000 * n,
                used_in_public_place=False,
                count_reached_on=today - timedelta(days=40),
            )
            for n in range(5)
        ]
        obligations.declare_total(
            organization, filer, people_total=20_000, reached_on=today - timedelta(days=40)
        )
        filing = draft_ready_to_submit(membership)
        services.submit_filing(filing.pk, filer)
        services.start_review(filing.pk, reviewer)
        services.return_filing(filing.pk, reviewer, "请补充影响评估报告的结论。")
        services.save_step(filing, filer, "declaration", {"truthful": True})
        services.submit_filing(filing.pk, filer)
        approved_by_the_office(filing.pk, reviewer)
        obligations.declare_system(
            organization,
            filer,
            system=systems[4],
            name=systems[4].name,
            people_stored=30_000,
            used_in_public_place=False,
            count_reached_on=today - timedelta(days=5),
        )
        filing.refresh_from_db()
        services.start_follow_up(filing, filer, "change")
        duty = Obligation.objects.filter(organization=organization, status="open").first()
        more = duties - Obligation.objects.filter(organization=organization, status="open").count()
        for n in range(more):
            duty.pk = None
            duty.kind = Obligation.Kind.CHANGE
            duty.deadline = duty.deadline + timedelta(days=n + 1)
            duty.save()


def organizations() -> dict[int, int]:
    """{open duties: organization id} of the filer's organizations."""
    from filings.models import Membership, Obligation

    found = {}
    for membership in Membership.objects.filter(user__email=FILER):
        count = Obligation.objects.filter(
            organization=membership.organization_id, status="open"
        ).count()
        found[count] = membership.organization_id
    return found


def empty_page_cache() -> None:
    """What a change of the organization does to its cached dashboard (where there is one)."""
    from django.conf import settings
    from django.core.cache import caches

    if "pages" in settings.CACHES:
        caches["pages"].clear()


def query_count(client, path: str, cold: bool) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)
    if cold:
        empty_page_cache()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(captured.captured_queries)


def measure(client, pages: dict[str, tuple[str, bool]], rounds: int) -> dict[str, float]:
    """Median milliseconds of each page, asked for in turn (the order rotates every round), and
    of the home page asked for among them (``home ÷ page`` compares the two of one pass). The
    warm pages are measured in one pass, the cold ones in another: emptying the cache for a cold
    page would empty it for the warm ones too."""
    home = [label for label in pages if label.startswith("home")]
    medians = {}
    for cold_pass in (False, True):
        labels = [label for label, (_p, cold) in pages.items() if cold == cold_pass]
        if cold_pass:
            labels = home + labels
        times: dict[str, list[float]] = {label: [] for label in labels}
        for number in range(rounds):
            shift = number % len(labels)
            for label in labels[shift:] + labels[:shift]:
                path, cold = pages[label]
                if cold:
                    empty_page_cache()
                started = time.perf_counter()
                response = client.get(path)
                times[label].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (path, response.status_code)
        for label, values in times.items():
            name = f"{label} (cold pass)" if cold_pass and label in home else label
            medians[name] = statistics.median(values)
    return medians


def profile(client, path: str, rounds: int) -> None:
    profiler = cProfile.Profile()
    client.get(path)
    for _ in range(rounds):
        empty_page_cache()
        profiler.enable()
        client.get(path)
        profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(row[3] for row in stats.stats.values() if row[4] == {})  # roots' cumulative
    print(f"\nProfile of {rounds} cold requests of {path} (cumulative ms per request):")
    wanted = {
        "SQLCompiler.as_sql": ("compiler.py", "as_sql"),
        "database execute": ("utils.py", "_execute"),
        "Template.render": ("base.py", "render"),
        "model instances (from_db)": ("base.py", "from_db"),
    }
    for label, (filename, function) in wanted.items():
        cumulative = max(
            (
                row[3]
                for (name, _line, func), row in stats.stats.items()
                if name.endswith(filename) and func == function
            ),
            default=0.0,
        )
        print(f"  {label:<28} {cumulative * 1000 / rounds:6.2f}")
    print(f"  {'whole request':<28} {total * 1000 / rounds:6.2f}")
    stats.sort_stats("cumulative").print_stats(30)


def main() -> None:
    args = parse_args()
    # A kept database's encrypted columns are read with the keys it was written with: under
    # --keep and --reuse, VAR_DIR (which holds the keys) is kept too.
    kept = ROOT / "var" / "bench-dashboard"
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as temporary:
        var_dir = str(kept) if (args.keep or args.reuse) and not args.sqlite else temporary
        Path(var_dir).mkdir(parents=True, exist_ok=True)
        reused = setup_django(var_dir, args.sqlite, args.reuse)
        missed = []
        try:
            if not reused:
                started = time.perf_counter()
                build()
                print(f"built in {time.perf_counter() - started:.1f} s", flush=True)
            from django.test import Client

            client = Client()
            client.force_login(type_of_user().objects.get(email=FILER))
            ids = organizations()
            pages = {"home page, signed in": ("/", False)}
            for duties, org_id in sorted(ids.items()):
                pages[f"dashboard, {duties} duties, warm"] = (f"/organizations/{org_id}/", False)
                pages[f"dashboard, {duties} duties, cold"] = (f"/organizations/{org_id}/", True)
            for path, _cold in pages.values():  # the calendar's index, the templates
                empty_page_cache()
                client.get(path)
            queries = {label: query_count(client, *page) for label, page in pages.items()}
            medians = measure(client, pages, args.rounds)
            print(f"\n{'page':<36} {'ms':>7} {'home ÷ page':>12} {'aim':>5} {'queries':>8}")
            for label, median in medians.items():
                cold = label.endswith(("cold", "(cold pass)"))
                home = medians["home page, signed in" + (" (cold pass)" if cold else "")]
                aim = AIM if label.endswith("warm") else None
                if aim and home / median < aim:
                    missed.append(label)
                shown = f"{aim:5.2f}" if aim else ""
                count = queries[label.removesuffix(" (cold pass)")]
                print(f"{label:<36} {median:7.2f} {home / median:12.2f} {shown:>5} {count:8d}")
            fixed = {queries[label] for label in queries if label.endswith("cold")}
            if len(fixed) != 1:
                missed.append(f"cold queries differ with the duties: {sorted(fixed)}")
            if args.profile:
                profile(client, f"/organizations/{ids[max(ids)]}/", min(args.rounds, 200))
        finally:
            from django.db import connection

            connection.close()
            if not (args.sqlite or args.keep):
                with server_connection() as server:
                    server.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    if missed:
        print(f"MISSED: {'; '.join(missed)}")
        sys.exit(1)


def type_of_user():
    from django.contrib.auth import get_user_model

    return get_user_model()


if __name__ == "__main__":
    main()
