"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Every page a story shows goes through ``Auditor.check``: a full-page screenshot, axe-core (serious
and critical violations fail the test) and, on Chinese pages, a search for interface text left in
English. The problems of a whole story are reported together at its end, page by page.
"""

import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import connections
from playwright.sync_api import sync_playwright

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
# One folder for the run, whichever pytest-xdist worker took the story (tests/parallel.py).
SCREENSHOTS = Path(os.environ.get("TEST_RUN_VAR_DIR") or settings.VAR_DIR) / "e2e-screenshots"
CHROMIUM = "/usr/bin/chromium"
# How long a step may take to show its result: generous for 2 busy cores, short enough to fail fast.
TIMEOUT_MS = 15_000

# Words that are the same in both languages, or data rather than interface.
UNTRANSLATED_TOKENS = ("SHA-256", "PDF", "CSV", "Excel", "English", "USCC", "htmx")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
URL = re.compile(r"https?://\S+")
HEX = re.compile(r"\b[0-9a-f]{12,64}\b")
ENGLISH_RUN = re.compile(r"[A-Za-z]{3,}(?: [A-Za-z]{3,})+")
CODE_NAME = re.compile(r"\b[a-z]{2,}(?:_[a-z]+)+\b")  # a field or choice key shown as is

SETTLED = "*, *::before, *::after { transition: none !important; animation: none !important; }"

_folders_written: list[Path] = []
_session_started = time.time()


# --- Playwright for this package only ----------------------------------------------------------
#
# Playwright's sync API keeps an event loop running in the test's thread for as long as it is
# started. Two things follow for Django in that thread:
# - it refuses ORM calls unless DJANGO_ALLOW_ASYNC_UNSAFE is set. The calls beside the browser are
#   safe (the live server has its own thread and connection), so the variable is set, but only
#   while Playwright runs: pytest-playwright's fixtures are narrowed from the session to this
#   package. Set for the whole session (at import), it would reach the rest of the suite and its
#   subprocesses: `check --deploy` fails on it (async.E001).
# - its connections are looked up per async context, not per thread (asgiref's Local): the tests
#   get new connection objects, without the database contents serialized when the test database
#   was created. serialized_rollback would then restore nothing (no jurisdictions, no calendar)
#   and the next flush would re-run post_migrate, breaking later serialized tests. The contents
#   are handed over to the new connections, which are closed before Playwright stops.


def _serialized_contents() -> dict:
    return {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }


@pytest.fixture(scope="package")
def playwright(django_db_setup):
    contents = _serialized_contents()  # the connections of the thread, before the loop runs
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    started = sync_playwright().start()
    for alias, serialized in contents.items():
        connections[alias]._test_serialized_contents = serialized
    yield started
    connections.close_all()
    started.stop()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser_type(playwright, browser_name):
    return getattr(playwright, browser_name)


@pytest.fixture(scope="package")
def launch_browser(browser_type_launch_args, browser_type):
    def launch(**kwargs):
        return browser_type.launch(**{**browser_type_launch_args, **kwargs})

    return launch


# --- Content-Security-Policy: a violation in any page of any context fails the test -----------

_csp_violations: list[str] = []
# Chromium logs a refused script or style on the console; the page's own event says it too, with
# where. Init scripts run outside the page's policy, as the checks below do.
CSP_WATCH = """
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile || location.href}:${event.lineNumber}`;
  console.error(`Content Security Policy violation: ${event.effectiveDirective} refused `
    + `${event.blockedURI || "inline"} at ${where}`);
});
"""


def _note_csp(message) -> None:
    if message.type == "error" and "Content Security Policy" in message.text:
        _csp_violations.append(f"{message.text} ({message.location.get('url', '')})")


def watch_csp(context):
    context.add_init_script(CSP_WATCH)
    context.on("console", _note_csp)
    return context


@pytest.fixture(scope="package")
def browser(launch_browser):
    launched = launch_browser()
    # Every context, pytest-playwright's and those the stories open for a colleague or a
    # reviewer, is watched.
    new_context = launched.new_context
    launched.new_context = lambda *args, **kwargs: watch_csp(new_context(*args, **kwargs))
    yield launched
    launched.close()


@pytest.fixture(autouse=True)
def _no_content_security_policy_violation():
    _csp_violations.clear()
    yield
    if _csp_violations:
        found = "\n".join(dict.fromkeys(_csp_violations))
        pytest.fail(f"Content-Security-Policy violations:\n{found}", pytrace=False)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (make setup does, as root)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args():
    # pytest-playwright's own reads devices, base URL and videos from Playwright: not used here.
    return {
        "viewport": {"width": 1280, "height": 900},
        "accept_downloads": True,
        "locale": "zh-CN",
    }


@pytest.fixture(autouse=True)
def _static_files_by_their_own_names(settings):
    """The live server serves static files from the apps' folders (StaticFilesHandler), which know
    no hashed names: link them by their own names instead of the collected manifest's."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def page(page):
    page.set_default_timeout(TIMEOUT_MS)
    page.set_default_navigation_timeout(TIMEOUT_MS)
    return page


def english_leftovers(text: str, typed: list[str]) -> list[str]:
    """Runs of two or more English words, and code names such as ``facial_data``, in a Chinese
    page's text, once typed data and words that stay the same in Chinese are taken out."""
    for value in sorted((v for v in typed if v), key=len, reverse=True):
        text = text.replace(value, " ")
    text = URL.sub(" ", text)
    text = EMAIL.sub(" ", text)
    text = HEX.sub(" ", text)
    for token in UNTRANSLATED_TOKENS:
        text = text.replace(token, " ")
    return sorted(set(ENGLISH_RUN.findall(text)) | set(CODE_NAME.findall(text)))


def axe_violations(page) -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated, not added as a <script> element: the page's policy allows no inline script.
        page.evaluate(AXE.read_text())
    # No preload: axe would read the style sheets by copying them into <style> elements of its
    # own, which the page's policy refuses (the only rule it serves, css-orientation-lock, is moot
    # for pages that never lock the orientation), and the violation would be axe's, not the page's.
    results = page.evaluate("axe.run(document, {resultTypes: ['violations'], preload: false})")
    return [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]


def describe_violation(violation: dict) -> str:
    lines = [f"  [{violation['impact']}] {violation['id']}: {violation['help']}"]
    for node in violation["nodes"][:5]:
        target = " ".join(str(t) for t in node.get("target", []))
        summary = " ".join((node.get("failureSummary") or "").split())
        lines.append(f"      at {target}: {summary[:300]}")
    if len(violation["nodes"]) > 5:
        lines.append(f"      … and {len(violation['nodes']) - 5} more elements")
    return "\n".join(lines)


@dataclass
class Auditor:
    """Looks at each page of a story: screenshot, accessibility, leftover English."""

    folder: Path
    language: str
    typed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    shots: int = 0
    pages: list = field(default_factory=list)  # the filer's page first

    def check(self, page, name: str) -> None:
        page.wait_for_load_state("load")
        # Styles as they settle: a button caught mid-transition under the pointer (Bootstrap
        # fades colours over 0.15 s) has colours no one reads, and axe would measure them.
        # (A constructed style sheet: the page's policy allows no <style> element.)
        page.evaluate(
            """css => {
              const sheet = new CSSStyleSheet();
              sheet.replaceSync(css);
              document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
            }""",
            SETTLED,
        )
        if page not in self.pages:
            self.pages.append(page)
        self.shots += 1
        label = f"{self.shots:02d}-{name}"
        page.screenshot(path=str(self.folder / f"{label}.png"), full_page=True)
        violations = axe_violations(page)
        if violations:
            details = "\n".join(describe_violation(v) for v in violations)
            self.problems.append(f"{label} ({page.url}): accessibility\n{details}")
        if self.language.startswith("zh"):
            leftovers = english_leftovers(page.title() + "\n" + page.inner_text("body"), self.typed)
            if leftovers:
                self.problems.append(
                    f"{label} ({page.url}): English left on a Chinese page: {leftovers}"
                )

    def report(self) -> str:
        return f"{len(self.problems)} problem(s) on the pages of the story:\n" + "\n".join(
            self.problems
        )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def auditor_for(request):
    """auditor_for(language, story) -> an Auditor writing to var/…/e2e-screenshots/<story>/.

    When the story fails, the page it stopped on is saved as NN-FAILED.png beside the others."""
    made: list[Auditor] = []

    def make(language: str, story: str) -> Auditor:
        folder = SCREENSHOTS / story
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        _folders_written.append(folder)
        auditor = Auditor(folder=folder, language=language)
        made.append(auditor)
        return auditor

    yield make
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        for auditor in made:
            for page in auditor.pages:
                if not page.is_closed():
                    path = auditor.folder / f"{auditor.shots + 1:02d}-FAILED.png"
                    page.screenshot(path=str(path), full_page=True)
                    print(f"the page the story stopped on: {path}")
                    break
    problems = [auditor.report() for auditor in made if auditor.problems]
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


class Mailbox:
    """The emails the live server sends (locmem outbox, same process), read as they arrive."""

    def __init__(self):
        self.seen = len(mail.outbox)

    def new(self, count: int = 1, timeout: float = 10.0) -> list:
        deadline = time.monotonic() + timeout
        while len(mail.outbox) - self.seen < count and time.monotonic() < deadline:
            time.sleep(0.05)
        arrived = mail.outbox[self.seen :]
        assert len(arrived) >= count, (
            f"expected {count} new email(s), got {len(arrived)}: {[m.subject for m in arrived]}"
        )
        self.seen = len(mail.outbox)
        return arrived

    def nothing_new(self) -> None:
        assert len(mail.outbox) == self.seen, [m.subject for m in mail.outbox[self.seen :]]


@pytest.fixture
def mailbox(mailoutbox):
    return Mailbox()


def pytest_terminal_summary(terminalreporter):
    written = list(_folders_written)
    if not written and SCREENSHOTS.is_dir():
        # Under pytest-xdist the stories ran in the workers: the folders they wrote in this run.
        written = [
            folder
            for folder in SCREENSHOTS.iterdir()
            if folder.is_dir() and folder.stat().st_mtime >= _session_started
        ]
    if written:
        folders = sorted({str(folder.parent) for folder in written})
        terminalreporter.write_line(f"e2e screenshots: {', '.join(folders)}")
        for folder in sorted(set(written)):
            count = len(list(folder.glob("*.png")))
            terminalreporter.write_line(f"  {folder} ({count} pages)")
