"""The review workspace and the filer's pages at regulator scale, served as `make run` serves them.

Builds two PostgreSQL databases with the same shape: a "demo-sized" one (1,000 filings, 200
organizations, 10,008 open duties) and a regulator-sized one (100,000 filings, 20,000 organizations,
1,000,800 open duties; 3 in 10 organizations in Shenzhen, whose reviewer is the one measured). The
rows are cloned with INSERT … SELECT from generate_series out of one filing made by the portal's own
services, so the content is a real filing's.

Each database is served by gunicorn exactly as the Procfile starts it (2 workers). For every page:

- the time per request with one connection (wrk -c1, the best of three runs of 3 s), on both
  databases: the data ratio is demo time ÷ 100k time (1.0: the page does not slow down with the
  data; aim >= 0.7);
- the requests per second with 4 connections at 100k, in alternation with its floor (issue 29):
  the page of Django's own that does the least of what it does (an admin list of one row for the
  queue pages and the statistics, the admin's password form for the review page, the signed-in
  home page for the filer's dashboard). Aim: page ÷ floor >= 0.5;
- the 99th percentile of the latency under that load (aim: under 250 ms).

The floors, the home page signed out and the review workspace's index are also printed against
/healthz, for reference.

It also checks that every page runs the same number of queries on both databases, and measures the
CSV export's first byte and the exports' peak memory on both. Prints a table and exits non-zero when
an aim is missed.

    python bench/bench_pages.py [--keep] [--reuse] [--seconds 5] [--large 100000]

Needs PostgreSQL (BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432) and Debian's wrk
(`make setup` installs it).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
# Several people benching on one server: their own database names and web port.
DATABASE_PREFIX = os.environ.get("BENCH_DATABASE_PREFIX", "bench_pages")
PORT = int(os.environ.get("BENCH_PORT", "0"))
SHENZHEN = "440300"
ADMINISTRATOR = "administrator@bench.example"
# Cities of the other organizations (prefecture-level divisions with an office of their own).
OTHER_CITIES = ["440100", "440600", "441900", "330100", "320500", "510100", "420100"]


@dataclass(frozen=True)
class Size:
    name: str
    filings: int
    organizations: int
    duties: int

    @property
    def database(self) -> str:
        return f"{DATABASE_PREFIX}_{self.name}"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the databases at the end")
    parser.add_argument("--reuse", action="store_true", help="use databases kept by --keep")
    parser.add_argument("--seconds", type=int, default=5, help="seconds of each req/s run")
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    return parser.parse_args()


# --- The databases -------------------------------------------------------------------------------


def server_connection():
    import psycopg

    return psycopg.connect(f"{SERVER}/postgres", autocommit=True)


def recreate_database(name: str) -> None:
    with server_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    with server_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_exists(name: str) -> bool:
    with server_connection() as connection:
        return bool(
            connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        )


def use_database(name: str) -> None:
    """Point Django's default connection at another database of the same server."""
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


def setup_django(var_dir: str) -> None:
    os.environ["DATABASE_URL"] = f"{SERVER}/{DATABASE_PREFIX}_small"
    os.environ["VAR_DIR"] = var_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"  # the in-process query counts
    for name in ("CELERY_BROKER_URL", "CACHE_URL", "EMAIL_HOST"):
        os.environ.pop(name, None)
    import django

    django.setup()
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


# --- The data ------------------------------------------------------------------------------------


def columns_of(model) -> list[str]:
    return [field.column for field in model._meta.concrete_fields if field.column != "id"]


def clone(model, template_id: int, count: int, overrides: dict[str, str], extra_from: str = ""):
    """INSERT ``count`` copies of one row, each column taken from the template (alias t) unless
    ``overrides`` gives an SQL expression for it, in which ``g`` is the copy's number (1..count).
    New columns that later migrations add are copied from the template: the bench keeps working."""
    from django.db import connection

    table = model._meta.db_table
    columns = columns_of(model)
    unknown = set(overrides) - set(columns)
    if unknown:
        raise SystemExit(f"{table} has no column {sorted(unknown)}")
    select = ", ".join(overrides.get(column, f"t.{column}") for column in columns)
    select = select.replace("%", "%%")  # SQL's modulo, not a placeholder
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"SELECT {select} FROM {table} t CROSS JOIN generate_series(1, %s) g {extra_from} "
            f"WHERE t.id = %s",
            [count, template_id],
        )


def build(size: Size) -> dict:
    """The data set, made in this database; returns the ids that the pages need."""
    from datetime import date

    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User
    from filings.lifecycle import obligations, services
    from filings.models import Filing, FilingVersion, Jurisdiction, Membership, Obligation, Reviewer
    from filings.models import Organization as Org
    from filings.review.reviewer_group import ensure_reviewer_group
    from tests.factories import MembershipFactory
    from tests.integration.test_concurrency import draft_ready_to_submit

    started = time.perf_counter()
    call_command("migrate", verbosity=0)

    reviewer = User.objects.create_user(email="reviewer@bench.example", password="x", name="审核员")
    reviewer.is_staff = True
    reviewer.save(update_fields=["is_staff"])
    reviewer.groups.add(ensure_reviewer_group())
    Reviewer.objects.create(user=reviewer, office=Jurisdiction.objects.get(code=SHENZHEN))
    ensure_administrator()

    # One filing as the portal makes it: the template of every other.
    template_member = MembershipFactory()
    template = draft_ready_to_submit(template_member)
    services.submit_filing(template.pk, template_member.user)
    template.refresh_from_db()
    version = FilingVersion.objects.get(filing=template, number=1)

    offices = {
        j.code: j.pk for j in Jurisdiction.objects.filter(code__in=[SHENZHEN, *OTHER_CITIES])
    }
    # City of the organization numbered i (0-based): 3 in 10 in Shenzhen, the rest spread.
    city_case = (
        "CASE WHEN ({i}) % 10 < 3 THEN '" + SHENZHEN + "' ELSE (ARRAY["
        + ",".join(f"'{c}'" for c in OTHER_CITIES)
        + "])[1 + ({i}) % " + str(len(OTHER_CITIES)) + "] END"
    )  # fmt: skip
    office_case = (
        "CASE WHEN ({i}) % 10 < 3 THEN " + str(offices[SHENZHEN]) + " ELSE (ARRAY["
        + ",".join(str(offices[c]) for c in OTHER_CITIES)
        + "])[1 + ({i}) % " + str(len(OTHER_CITIES)) + "] END"
    )  # fmt: skip

    clone(
        Org,
        template.organization_id,
        size.organizations,
        {
            "name": "'测试科技有限公司' || g",
            "uscc": "'9144' || lpad(g::text, 14, '0')",
            "address_division": city_case.format(i="g - 1"),
            "contact_email": "'contact' || g || '@bench.example'",
        },
    )
    # One INSERT: the clones' ids are consecutive.
    clones = Org.objects.filter(contact_email__endswith="@bench.example")
    first_org = clones.order_by("pk").values_list("pk", flat=True)[0]
    assert (
        clones.order_by("-pk").values_list("pk", flat=True)[0] == first_org + size.organizations - 1
    )
    statuses = "(ARRAY['submitted','under_review','returned','refused','filed','filed','filed','filed','filed','cancelled'])[1 + g % 10]"  # noqa: E501
    org_index = f"((g - 1) % {size.organizations})"
    clone(
        Filing,
        template.pk,
        size.filings,
        {
            "organization_id": f"{first_org} + {org_index}",
            "office_id": office_case.format(i=org_index),
            "status": statuses,
            "kind": "CASE WHEN g % 7 = 0 THEN 'change' ELSE 'initial' END",
            "original_id": f"CASE WHEN g % 7 = 0 THEN {template.pk} ELSE NULL END",
            "receipt_number": "'BR' || g",
            "filing_number": f"CASE WHEN {statuses} IN ('filed','cancelled') THEN 'BN' || g END",
            "submitted_at": "now() - (g % 400) * interval '1 day'",
            "review_due": "current_date + (g % 60) - 20",
            "late": "g % 13 = 0",
            "warning_count": "g % 3",
            "obligation_id": "NULL",
            "created_at": "now() - (g % 400) * interval '1 day'",
        },
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FilingVersion._meta.db_table} ({', '.join(columns_of(FilingVersion))}) "
            f"SELECT "
            + ", ".join(
                {"filing_id": "f.id", "submitted_at": "f.submitted_at"}.get(column, f"t.{column}")
                for column in columns_of(FilingVersion)
            )
            + f" FROM {Filing._meta.db_table} f, {FilingVersion._meta.db_table} t "  # noqa: S608
            f"WHERE t.id = %s AND f.id > %s",
            [version.pk, template.pk],
        )

    # The filer measured: one organization with 2 open duties, one with 50.
    filer = User.objects.create_user(email="filer@bench.example", password="x", name="填报人")
    dashboards = {}
    for duties in (2, 50):
        membership = MembershipFactory(user=filer, role=Membership.Role.ADMIN)
        obligations.declare_system(
            membership.organization,
            filer,
            name="门禁",
            people_stored=12_000,
            used_in_public_place=False,
            count_reached_on=date.today(),
        )
        duty = Obligation.objects.filter(organization=membership.organization).first()
        if duties > 1:
            clone(
                Obligation,
                duty.pk,
                duties - 1,
                {"kind": "'change'", "deadline": "t.deadline + g", "next_reminder_on": "NULL"},
            )
        dashboards[duties] = membership.organization_id

    # The other open duties, spread over every organization.
    spread = size.duties - 52
    any_duty = Obligation.objects.order_by("pk").first()
    clone(
        Obligation,
        any_duty.pk,
        spread,
        {
            "organization_id": f"{first_org} + ((g - 1) % {size.organizations})",
            "kind": "'change'",
            "office_id": office_case.format(i=f"((g - 1) % {size.organizations})"),
            "deadline": "current_date + (g % 200)",
            "next_reminder_on": "current_date + 1 + (g % 200)",
        },
    )
    with connection.cursor() as cursor:
        # What autovacuum does after a bulk load: the statistics, and the visibility map without
        # which an index-only scan (the queue's count) still reads the table.
        cursor.execute("VACUUM ANALYZE")
    shenzhen = Filing.objects.filter(office__code=SHENZHEN).exclude(status="draft")
    one = shenzhen.filter(status="submitted").order_by("pk").values_list("pk", flat=True)[0]
    print(
        f"  {size.database}: {Filing.objects.count():,} filings "
        f"({shenzhen.count():,} in Shenzhen's queue), {Org.objects.count():,} organizations, "
        f"{Obligation.objects.filter(status='open').count():,} open duties "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return {"filing": one, "dashboards": dashboards, "deep_page": deep_page()}


def deep_page() -> int:
    from filings.models import Filing

    queue = Filing.objects.filter(office__code=SHENZHEN).exclude(status="draft").count()
    # The last full page: the demo queue's last page holds one filing (301 = 6 × 50 + 1), and a
    # page of one row against a page of fifty is no measure of how the cost grows with the data.
    return min(50, queue // 50)


def ensure_administrator() -> None:
    """A superuser: the one who opens Django's own admin pages in the references."""
    from accounts.models import User

    if not User.objects.filter(email=ADMINISTRATOR).exists():
        User.objects.create_superuser(email=ADMINISTRATOR, password="x", name="管理员")


def ids_of(size: Size) -> dict:
    from filings.models import Filing, Membership, Obligation

    ensure_administrator()  # databases kept by an older bench have none

    one = (
        Filing.objects.filter(office__code=SHENZHEN, status="submitted")
        .order_by("pk")
        .values_list("pk", flat=True)[0]
    )
    dashboards = {}
    for membership in Membership.objects.filter(user__email="filer@bench.example"):
        count = Obligation.objects.filter(
            organization=membership.organization_id, status="open"
        ).count()
        dashboards[count] = membership.organization_id
    return {"filing": one, "dashboards": dashboards, "deep_page": deep_page()}


# --- Sessions and pages --------------------------------------------------------------------------


def signed_in(email: str):
    """A test client signed in as the user, past the second factor that staff give."""
    from django.test import Client

    from accounts.models import User
    from tests.factories import login_with_second_factor

    client = Client()
    user = User.objects.get(email=email)
    if user.is_staff:
        login_with_second_factor(client, user)
    else:
        client.force_login(user)
    return client


def session_cookie(email: str) -> str:
    """A signed-in session of the user in this database, as a Cookie header value."""
    return f"sessionid={signed_in(email).cookies['sessionid'].value}"


# The floors (issue 29): the least a page of each kind costs here, Django's own pages with nothing
# of the portal's in them but the middleware. Every page aims at half its floor's requests per
# second or more, measured in the same run, in alternation with it.
LIST_FLOOR = "Django's admin, list of 1 row"
FORM_FLOOR = "Django's admin, password form"
SIGNED_IN_FLOOR = "home page, signed in"
FLOOR_AIM = 0.5
P99_AIM_MS = 250.0


def pages(ids: dict, large: bool) -> list[tuple[str, str, str, str]]:
    """(label, who, path, its floor) of every page measured."""
    # Page 50 of Shenzhen's queue at 100k; the demo-sized queue has fewer pages: its last full one.
    deep = ids["deep_page"]
    queue = "/admin/filings/filing/"
    return [
        ("admin review queue", "reviewer", queue, LIST_FLOOR),
        # The whole queue's deep page (the queue opens on "needs action", a fifth of it).
        (f"queue, page {deep}", "reviewer", f"{queue}?view=all&p={deep}", LIST_FLOOR),
        ("queue, ?q= name", "reviewer", f"{queue}?q=测试科技有限公司1234", LIST_FLOOR),
        ("queue, ?q= USCC", "reviewer", f"{queue}?q=914400000000001234", LIST_FLOOR),
        ("queue, status filter", "reviewer", f"{queue}?status__exact=submitted", LIST_FLOOR),
        ("queue, city filter", "reviewer", f"{queue}?office={SHENZHEN}", LIST_FLOOR),
        ("review page", "reviewer", f"{queue}{ids['filing']}/change/", FORM_FLOOR),
        ("statistics", "reviewer", f"{queue}statistics/", LIST_FLOOR),
        ("filer dashboard, 2 duties", "filer", f"/organizations/{ids['dashboards'][2]}/",
         SIGNED_IN_FLOOR),
        ("filer dashboard, 50 duties", "filer", f"/organizations/{ids['dashboards'][50]}/",
         SIGNED_IN_FLOOR),
    ]  # fmt: skip


def references() -> list[tuple[str, str, str]]:
    """(label, who, path) of pages with no aim, measured against /healthz as the others are: what
    a page costs before it does any work of its own (the session, the second factor, the
    permissions, the base template): the floor under the aims. The last two are Django's own
    admin pages, with nothing of the portal's in them but the middleware: a list of one row (the
    reviewers' group, seen by a superuser) and the form to change one's password. A queue page
    can cost no less than the first, nor the review page less than the second."""
    return [
        ("home page, signed out", "anonymous", "/"),
        ("home page, signed in", "filer", "/"),
        ("workspace index", "reviewer", "/admin/"),
        ("Django's admin, list of 1 row", "administrator", "/admin/auth/group/"),
        ("Django's admin, password form", "reviewer", "/admin/password_change/"),
    ]


def query_count(path: str, email: str) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(email)
    client.get(path)  # warm: the calendar index, caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    return response.status_code, len(captured.captured_queries)


# --- The server and the load ---------------------------------------------------------------------


def free_port() -> int:
    if PORT:
        return PORT
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn as the Procfile starts it, on one of the bench databases."""

    def __init__(self, database: str, var_dir: str):
        self.port = free_port()
        procfile = (ROOT / "Procfile").read_text()
        web = next(line for line in procfile.splitlines() if line.startswith("web:"))
        command = web.split(":", 1)[1].strip().replace("$PORT", str(self.port))
        command = command.replace("--access-logfile -", "")
        env = {
            **os.environ,
            "DATABASE_URL": f"{SERVER}/{database}",
            "VAR_DIR": var_dir,
            "PORT": str(self.port),
            "LOG_LEVEL": "WARNING",
            # One gunicorn on this machine's disk and cache, deliberately (portal.E001/E002).
            "SINGLE_HOST": "1",
            # The exports' streaming responses must not be cut by gunicorn's timeout here either.
        }
        self.process = subprocess.Popen(
            ["/bin/sh", "-c", f"exec {command}"], cwd=ROOT, env=env, start_new_session=True
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit("gunicorn did not answer within 60 s")

    def worker_pids(self) -> list[int]:
        found = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        )
        return [int(pid) for pid in found.stdout.split()]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


LATENCY_RUNS = 3
LATENCY_SECONDS = 3
WRK_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_LATENCY = re.compile(r"Latency\s+([\d.]+)(us|ms|s)\b")
WRK_P99 = re.compile(r"^\s+99%\s+([\d.]+)(us|ms|s)\b", re.MULTILINE)
WRK_ERRORS = re.compile(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)")


def milliseconds(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, cookie: str, connections: int, seconds: int) -> tuple[float, float, float]:
    """(requests per second, mean latency in ms, 99th percentile in ms); fails on any non-2xx
    answer."""
    threads = min(connections, 2)
    result = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "60s",
         "--latency", "-H", f"Cookie: {cookie}", url],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    errors = WRK_ERRORS.search(result.stdout)
    if errors:
        raise SystemExit(f"wrk {url}: {errors.group(0)}\n{result.stdout}")
    rate = float(WRK_RATE.search(result.stdout).group(1))
    latency = milliseconds(*WRK_LATENCY.search(result.stdout).groups())
    p99 = milliseconds(*WRK_P99.search(result.stdout).groups())
    return rate, latency, p99


def first_byte_and_total(url: str, cookie: str) -> tuple[float, float, int]:
    """(seconds to the first byte of the body, seconds to the end, bytes) of one download."""
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        first = response.read(1)
        first_byte = time.perf_counter() - started
        size = len(first)
        while chunk := response.read(1 << 16):
            size += len(chunk)
    return first_byte, time.perf_counter() - started, size


def peak_rss_kb(pids: list[int]) -> int:
    """The largest peak resident size (VmHWM) among the processes."""
    peaks = []
    for pid in pids:
        status = Path(f"/proc/{pid}/status").read_text()
        peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)))
    return max(peaks)


def xlsx_peak_memory(rows_expected: int) -> tuple[float, int]:
    """Build the XLSX export of Shenzhen's queue into a file: (seconds, peak traced bytes)."""
    from accounts.models import User
    from filings.review import exports
    from filings.review.review_scope import filings_visible_to

    reviewer = User.objects.get(email="reviewer@bench.example")
    queryset = filings_visible_to(reviewer).order_by("pk")
    with tempfile.TemporaryFile() as target:
        tracemalloc.start()
        started = time.perf_counter()
        exports.write_workbook(queryset, target)
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return elapsed, peak


# --- The run -------------------------------------------------------------------------------------


def measure(size: Size, ids: dict, var_dir: str, seconds: int, large: bool) -> dict:
    use_database(size.database)
    cookies = {
        "reviewer": session_cookie("reviewer@bench.example"),
        "filer": session_cookie("filer@bench.example"),
        "administrator": session_cookie(ADMINISTRATOR),
        "anonymous": "",
    }
    emails = {"reviewer": "reviewer@bench.example", "filer": "filer@bench.example"}
    results = {"pages": {}, "queries": {}}
    for label, who, path, _floor in pages(ids, large):
        status, count = query_count(path, emails[who])
        if status != 200:
            raise SystemExit(f"{size.database} {path}: HTTP {status}")
        results["queries"][label] = count

    server = Server(size.database, var_dir)
    try:
        quoted = {label: (who, urllib.parse.quote(path, safe="/?=&")) for label, who, path, _ in
                  pages(ids, large)}  # fmt: skip
        for label, (who, path) in quoted.items():
            wrk(server.url + path, cookies[who], 1, 1)  # warm both workers' caches
            # The best of a few runs: this machine's jitter only ever adds time, and the two
            # databases are measured minutes apart.
            latency = min(
                wrk(server.url + path, cookies[who], 1, LATENCY_SECONDS)[1]
                for _ in range(LATENCY_RUNS)
            )
            results["pages"][label] = {"latency": latency}
        if large:
            healthz = wrk(server.url + "/healthz", "", 4, seconds)[0]
            floors = {label: (who, path) for label, who, path in references()}
            for _label, who, path in references():
                wrk(server.url + path, cookies[who], 1, 1)  # warm
            results["references"] = {label: [] for label in floors}
            for label, (who, path) in quoted.items():
                # In alternation with its floor, 4 connections each: floor, page, floor, page.
                floor = next(f for lbl, _w, _p, f in pages(ids, large) if lbl == label)
                floor_who, floor_path = floors[floor]
                rates, floor_rates, p99s = [], [], []
                for _round in range(2):
                    floor_rates.append(
                        wrk(server.url + floor_path, cookies[floor_who], 4, seconds)[0]
                    )
                    rate, _latency, p99 = wrk(server.url + path, cookies[who], 4, seconds)
                    rates.append(rate)
                    p99s.append(p99)
                results["references"][floor] += floor_rates
                results["pages"][label].update(
                    rate=sum(rates) / len(rates),
                    floor=floor,
                    floor_rate=sum(floor_rates) / len(floor_rates),
                    p99=max(p99s),
                )
            for label, who, path in references():
                if not results["references"][label]:
                    results["references"][label] = [
                        wrk(server.url + path, cookies[who], 4, seconds)[0]
                    ]
            results["references"] = {
                label: sum(rates) / len(rates) for label, rates in results["references"].items()
            }
            healthz_after = wrk(server.url + "/healthz", "", 4, seconds)[0]
            results["healthz"] = (healthz + healthz_after) / 2
        before = peak_rss_kb(server.worker_pids())
        first, total, size_bytes = first_byte_and_total(
            server.url + "/admin/filings/filing/export.csv", cookies["reviewer"]
        )
        after = peak_rss_kb(server.worker_pids())
        results["csv"] = {
            "first_byte": first,
            "total": total,
            "bytes": size_bytes,
            "peak_growth_kb": max(0, after - before),
        }
    finally:
        server.stop()
    results["xlsx"] = xlsx_peak_memory(0)
    return results


@contextlib.contextmanager
def var_folder(kept: bool):
    """The VAR_DIR of the run: a temporary folder; for kept databases, one that is kept with them
    (var/bench-pages/<prefix>), since it holds the key ring that sealed their personal data."""
    if not kept:
        with tempfile.TemporaryDirectory(prefix="bench-pages-") as var_dir:
            yield var_dir
        return
    var_dir = ROOT / "var" / "bench-pages" / DATABASE_PREFIX
    var_dir.mkdir(parents=True, exist_ok=True)
    yield str(var_dir)


def main() -> None:
    args = parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: `make setup` installs it (Debian: apt-get install wrk)")
    small = Size("small", args.small, args.small // 5, args.small * 10 + 8)
    large = Size("large", args.large, args.large // 5, args.large * 10 + 800)
    with var_folder(args.keep or args.reuse) as var_dir:
        setup_django(var_dir)
        ids = {}
        try:
            for size in (small, large):
                if args.reuse and database_exists(size.database):
                    use_database(size.database)
                    ids[size.name] = ids_of(size)
                    print(f"  {size.database}: reused", flush=True)
                    continue
                recreate_database(size.database)
                use_database(size.database)
                ids[size.name] = build(size)
            from portal import embedded_redis

            # The broker that /healthz checks: the Redis that `make run` would start.
            with embedded_redis.running(Path(var_dir)):
                measured = {
                    size.name: measure(size, ids[size.name], var_dir, args.seconds, size is large)
                    for size in (small, large)
                }
        finally:
            from django.db import connection

            connection.close()
            if not args.keep:
                for size in (small, large):
                    drop_database(size.database)
    sys.exit(report(measured, ids))


def report(measured: dict, ids: dict) -> int:
    failures = []
    small, large = measured["small"], measured["large"]
    print()
    print(
        f"{'page':<28} {'demo ms':>8} {'100k ms':>8} {'data ratio':>10} {'÷ floor':>8} "
        f"{'p99 ms':>7} {'÷ healthz':>10} {'queries':>8}"
    )
    labels_small = [label for label, *_ in pages(ids["small"], False)]
    labels_large = [label for label, *_ in pages(ids["large"], True)]
    for label_small, label in zip(labels_small, labels_large, strict=True):
        s = small["pages"][label_small]["latency"]
        big = large["pages"][label]
        ratio = s / big["latency"]
        to_floor = big["rate"] / big["floor_rate"]
        weight = big["rate"] / large["healthz"]
        queries_small = small["queries"][label_small]
        queries_large = large["queries"][label]
        marks = []
        if ratio < 0.7:
            marks.append("data ratio < 0.7")
        if to_floor < FLOOR_AIM:
            marks.append(f"÷ floor < {FLOOR_AIM}")
        if big["p99"] >= P99_AIM_MS:
            marks.append(f"p99 ≥ {P99_AIM_MS:.0f} ms")
        if queries_small != queries_large:
            marks.append(f"queries {queries_small} vs {queries_large}")
        if marks:
            failures.append(f"{label}: {', '.join(marks)}")
        print(
            f"{label:<28} {s:>8.1f} {big['latency']:>8.1f} {ratio:>10.2f} {to_floor:>8.2f} "
            f"{big['p99']:>7.0f} {weight:>10.2f} {queries_large:>8}"
            f"{'  <- ' + '; '.join(marks) if marks else ''}"
        )
    print(f"{'/healthz req/s at 100k':<28} {large['healthz']:>8.0f}")
    print("the floors (req/s at 100k, 4 connections, in alternation with the pages; ÷ /healthz):")
    for label, rate in large["references"].items():
        print(f"  {label:<30} {rate:>8.0f} req/s {rate / large['healthz']:>6.2f}")
    print(
        f"aims: every page ÷ its floor ≥ {FLOOR_AIM}, p99 < {P99_AIM_MS:.0f} ms with 4 "
        "connections, data ratio ≥ 0.7, the same query count on both databases"
    )
    print()
    for name, data in (("demo", small), ("100k", large)):
        csv = data["csv"]
        xlsx_seconds, xlsx_peak = data["xlsx"]
        print(
            f"CSV export ({name}): {csv['bytes'] / 1e6:.1f} MB, "
            f"first byte {csv['first_byte']:.2f} s, all {csv['total']:.1f} s, "
            f"worker peak grew {csv['peak_growth_kb'] / 1024:.1f} MB; "
            f"XLSX written in {xlsx_seconds:.1f} s, "
            f"peak Python memory {xlsx_peak / 1e6:.1f} MB"
        )
    if large["csv"]["first_byte"] >= 1:
        failures.append("CSV export: first byte after 1 s or more")
    if large["csv"]["peak_growth_kb"] > 50 * 1024:
        failures.append("CSV export: the worker's peak memory grew by more than 50 MB")
    if large["xlsx"][1] > 3 * max(small["xlsx"][1], 10e6):
        failures.append("XLSX export: peak memory grows with the rows")
    print()
    if failures:
        print("MISSED: " + " | ".join(failures))
        return 1
    print("every aim met")
    return 0


if __name__ == "__main__":
    main()
