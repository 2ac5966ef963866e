"""One direction for the imports.

Every module of the project's packages sits in one layer; a module imports from its own layer and
the layers below it, never from one above, and no chain of imports comes back to where it started.
Every import counts: at the top of a module, inside a function (where a circle hides, since Python
then does not fail at start), under ``if TYPE_CHECKING``. Read from the bottom up:

    layer           what lives there                                           modules
    --------------  ---------------------------------------------------------  -------------------
    interface       what a request, a worker, beat or a command enters by:     views, admin, tasks,
                    thin, they call the services                               urls, commands, apps
    services        state changes as verbs (one transaction, the audit row,    services, documents,
                    follow-up work queued after commit), documents, emails,    emails, deadlines,
                    and the forms that define what a filing's steps accept     reminders, forms ...
                    (the summary and the PDF read their labels)
    models          the tables                                                 models
    rules           pure functions: working days, rule sets, checks, words     workdays, regimes,
                    (no ORM, no transaction, time passed in)                   compliance ...
    foundation      settings, the Celery app and the one helper that queues    portal.settings,
                    a task by name after commit (portal.queueing)              portal.queueing ...

The domain app ``filings`` is also cut the other way, into wings by subject, and a wing imports only
from itself and the wings below it (WINGS, bottom first):

    wing        what it holds                                         imports from
    ----------  ----------------------------------------------------  ------------------------------
    lifecycle   the service verbs and what they start: duties,        everything below
                deadlines, reminders, overdue follow-up, members,
                the public self-check
    review      the offices' side: scope, statistics, exports         documents, law, calendar,
                                                                      registry
    documents   files in and out: attachments, the PDFs, notice       law, calendar, registry
                verification, a filing's summary and diffs,
                spreadsheets and bulk declarations
    law         what the rule sets say: regimes, rule texts,          calendar, registry
                compliance, materials, outcomes, words, the steps
    calendar    working days, holidays, the years an administrator    registry
                enters
    registry    who and where: identifiers, division codes and        nothing
                offices, access, the audit trail

The models, forms, views, admin, tasks, urls and commands stay beside the wings (they serve all of
them); the layers above say how they and the wings' modules stand to each other.

Tasks are queued by name (``portal.queueing.queue_after_commit("filings.tasks.x", id)``), so no
service imports a tasks module. Apps are independent where INDEPENDENT says so: the notifications
app asks about the PDFs it attaches through ``settings.NOTIFICATION_ATTACHMENTS`` and never imports
``filings``.
"""

import ast
import fnmatch
from itertools import pairwise
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("portal", "accounts", "notifications", "filings", "api")

# Bottom first. A module belongs to the one layer with a pattern that matches its dotted name.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "foundation",
        (
            "portal",
            "portal.settings",
            "portal.env",
            "portal.embedded_redis",
            "portal.celery",
            "portal.queueing",
            "portal.storage",
            # Encryption at rest: the ciphers and key ring, the fields that use them, the rotation.
            "portal.crypto",
            "portal.encrypted_fields",
            "portal.rotation",
            # Reads the settings only; the worker (portal.celery) runs it at start.
            "portal.checks",
            "portal.logs",
            "portal.pagination",
            # Renders a template for the page cache; the request only lends its CSRF token.
            "portal.fragments",
            "portal.formats",
            "portal.formats.*",
            # The apps' packages themselves: their __init__ imports nothing.
            "accounts",
            "notifications",
            "filings",
            "api",
            # The wings of filings: packages whose __init__ imports nothing.
            "filings.registry",
            "filings.calendar",
            "filings.law",
            "filings.documents",
            "filings.review",
            "filings.lifecycle",
        ),
    ),
    (
        "rules",
        (
            "filings.calendar.workdays",
            "filings.calendar.holidays",
            "filings.registry.jurisdictions",
            "filings.registry.identifiers",
            "filings.law.regimes",
            "filings.law.compliance",
            "filings.law.materials",
            "filings.law.outcomes",
            "filings.law.rules_text",
            "filings.law.vocabulary",
            "filings.documents.diffs",
            "filings.documents.spreadsheets",
        ),
    ),
    ("models", ("*.models", "*.models.*")),
    (
        "services",
        (
            "filings.lifecycle.services",
            "filings.documents.documents",
            "filings.lifecycle.deadlines",
            "filings.lifecycle.reminders",
            "filings.lifecycle.obligations",
            "filings.lifecycle.self_check",
            "filings.lifecycle.memberships",
            "filings.lifecycle.retention",
            "filings.lifecycle.account_rights",
            "filings.calendar.calendars",
            "filings.review.exports",
            "filings.lifecycle.overdue",
            "filings.lifecycle.dashboard",
            "filings.review.statistics",
            "filings.review.province",
            "filings.lifecycle.review_period",
            "filings.lifecycle.transfers",
            "filings.lifecycle.escalation",
            "filings.documents.attachments",
            "filings.documents.summary",
            "filings.documents.comparisons",
            "filings.law.steps",
            "filings.registry.access",
            "filings.review.review_scope",
            "filings.review.reviewer_group",
            "filings.review.handling",
            "filings.review.holders",
            "filings.lifecycle.assignment",
            "filings.lifecycle.sign_off",
            "filings.lifecycle.appointments",
            "filings.documents.verification",
            "filings.registry.audit",
            "filings.documents.bulk_declarations",
            "api.tokens",
            "notifications.emails",
            "accounts.throttling",
            "accounts.two_factor",
            "*.forms",
            "*.forms.*",
        ),
    ),
    (
        "interface",
        (
            "*.views",
            "*.views.*",
            "*.admin",
            "*.admin.*",
            "*.tasks",
            "*.urls",
            "*_urls",
            "*.apps",
            "*.middleware",
            "*.management",
            "*.management.*",
            "*.templatetags",
            "*.templatetags.*",
            "filings.law.checks",
            "portal.admin_site",
            "portal.auth_backend",
            "portal.celery_beat_admin",
            "portal.admin_strings",
            "portal.context_processors",
            "portal.health",
            "portal.metrics",
            "portal.launcher",
            "portal.wsgi",
            "portal.asgi",
            # The REST API is an interface of its own: DRF's pieces around the same services.
            "api.authentication",
            "api.docs",
            "api.dates",
            "api.errors",
            "api.idempotency",
            "api.inputs",
            "api.pages",
            "api.pagination",
            "api.schema",
            "api.permissions",
            "api.serializers",
            "api.throttling",
        ),
    ),
]

# The wings of filings, bottom first: a wing's modules import only their own wing and those below.
WINGS = ("registry", "calendar", "law", "documents", "review", "lifecycle")

# What stays beside the wings, serving all of them.
BESIDE_THE_WINGS = (
    "filings.models*",
    "filings.forms*",
    "filings.views*",
    "filings.admin*",
    "filings.management*",
    "filings.templatetags*",
    "filings.tasks",
    "filings.urls",
    "filings.*_urls",
    "filings.apps",
)

# (app, app it must not import): an app that stands on its own.
INDEPENDENT = [("notifications", "filings"), ("accounts", "filings")]


# --- The checker ---------------------------------------------------------------------------------


def project_modules(root: Path, packages) -> dict[str, Path]:
    """Dotted name -> file, for every module of the packages (migrations aside: Django writes them
    and they import nothing of the project's code)."""
    modules = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" in path.relative_to(root).parts:
                continue
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def import_graph(root: Path, packages=PACKAGES) -> dict[str, dict[str, int]]:
    """module -> {project module it imports: line of the first such import}, from every import
    statement anywhere in the module."""
    modules = project_modules(root, packages)

    def resolve(name: str) -> str | None:
        """The project module an imported name lives in (``filings.models.Document`` ->
        ``filings.models``), or None for another library."""
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        edges: dict[str, int] = {}
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: from . import x, from ..y import z
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    origin = ".".join(base + ([node.module] if node.module else []))
                else:
                    origin = node.module
                names = [f"{origin}.{alias.name}" for alias in node.names]
            else:
                continue
            for name in names:
                target = resolve(name)
                if target and target != module:
                    edges[target] = min(edges.get(target, node.lineno), node.lineno)
        graph[module] = edges
    return graph


def tangles(graph: dict[str, dict[str, int]]) -> list[set[str]]:
    """The groups of modules that import each other, directly or through others (Tarjan's
    strongly connected components of more than one module)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in graph.get(module, ()):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(group)

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return groups


def circle_in(graph, group: set[str]) -> list[str]:
    """The shortest circle from the group's first module back to itself: [a, b, ..., a]."""
    start = min(group)
    previous = {start: None}
    frontier = [start]
    while frontier:
        following = []
        for module in frontier:
            for target in sorted(graph[module]):
                if target == start:
                    path = [module]
                    while previous[path[-1]] is not None:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if target in group and target not in previous:
                    previous[target] = module
                    following.append(target)
        frontier = following
    raise AssertionError(f"no circle in {group}")


def layer_of(module: str, layers=LAYERS) -> list[str]:
    """The layers whose patterns match the module (exactly one when the table is right)."""
    return [
        name
        for name, patterns in layers
        if any(fnmatch.fnmatchcase(module, pattern) for pattern in patterns)
    ]


def upward_imports(graph, layers=LAYERS) -> list[str]:
    rank = {name: position for position, (name, _patterns) in enumerate(layers)}
    found = []
    for module, edges in sorted(graph.items()):
        (here,) = layer_of(module, layers)
        for target, line in sorted(edges.items()):
            (there,) = layer_of(target, layers)
            if rank[there] > rank[here]:
                found.append(f"{module}:{line} ({here}) imports {target} ({there})")
    return found


def wing_of(module: str, wings=WINGS, package: str = "filings") -> str | None:
    """``filings.law.regimes`` -> ``law``; None for a module beside the wings."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[0] == package and parts[1] in wings else None


def imports_against_the_wings(graph, wings=WINGS, package: str = "filings") -> list[str]:
    rank = {wing: position for position, wing in enumerate(wings)}
    found = []
    for module, edges in sorted(graph.items()):
        here = wing_of(module, wings, package)
        if here is None:
            continue
        for target, line in sorted(edges.items()):
            there = wing_of(target, wings, package)
            if there is not None and rank[there] > rank[here]:
                found.append(f"{module}:{line} ({here}) imports {target} ({there})")
    return found


def crossings(graph, independent=INDEPENDENT) -> list[str]:
    return [
        f"{module}:{line} imports {target}"
        for module, edges in sorted(graph.items())
        for target, line in sorted(edges.items())
        for app, other in independent
        if module.split(".")[0] == app and target.split(".")[0] == other
    ]


def describe(graph, group: set[str]) -> str:
    """'3 modules import each other: a, b, c; one circle (module:line): a:4 -> b:1 -> a'."""
    circle = circle_in(graph, group)
    steps = [f"{module}:{graph[module][target]}" for module, target in pairwise(circle)]
    return (
        f"{len(group)} modules import each other: {', '.join(sorted(group))}; "
        f"one circle (module:line): {' -> '.join(steps)} -> {circle[-1]}"
    )


# --- The project ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph():
    return import_graph(ROOT)


def test_every_module_is_in_exactly_one_layer(graph):
    wrong = {module: layer_of(module) for module in graph if len(layer_of(module)) != 1}
    assert not wrong, f"add each to one row of LAYERS: {wrong}"


def test_no_import_circle(graph):
    found = [describe(graph, group) for group in tangles(graph)]
    assert not found, "\n".join(found)


def test_no_import_points_upward(graph):
    found = upward_imports(graph)
    assert not found, "imports against the layers:\n" + "\n".join(found)


def test_every_module_of_filings_is_in_a_wing_or_beside_them(graph):
    loose = [
        module
        for module in graph
        if module.startswith("filings.")
        and module.split(".")[1] not in WINGS
        and not any(fnmatch.fnmatchcase(module, pattern) for pattern in BESIDE_THE_WINGS)
    ]
    assert not loose, f"put each in a wing of filings (WINGS) or say why it stays beside: {loose}"


def test_each_wing_imports_only_the_wings_below_it(graph):
    found = imports_against_the_wings(graph)
    assert not found, "imports against the wings' order:\n" + "\n".join(found)


def test_notifications_and_accounts_know_nothing_of_filings(graph):
    found = crossings(graph)
    assert not found, "\n".join(found)


def test_the_graph_sees_imports_inside_functions(graph):
    """The export task reads the admin's selection through an import inside the task."""
    assert "filings.admin.review" in graph["filings.tasks"]


# --- The checker itself, on today's circle in miniature -------------------------------------------


def write_package(root: Path, files: dict[str, str]) -> None:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)


# How filings and notifications were before issue 16: the domain modules queued their tasks by
# importing the tasks module inside a function, and the email module asked the documents module
# about a PDF the same way.
BEFORE = {
    "app/__init__.py": "",
    "app/tasks.py": "from app import documents\n",
    "app/documents.py": (
        "from app import emails\n\n"
        "def queue(pk):\n"
        "    from app.tasks import render\n"
        "    render.delay(pk)\n"
    ),
    "app/emails.py": (
        "def waiting(pk):\n    from app.documents import MAX_ATTEMPTS\n    return MAX_ATTEMPTS\n"
    ),
}
MINIATURE_LAYERS = [
    ("services", ("app.documents", "app.emails")),
    ("interface", ("app.tasks", "app")),
]


def test_the_checker_finds_circles_held_by_imports_inside_functions(tmp_path):
    write_package(tmp_path, BEFORE)
    graph = import_graph(tmp_path, ["app"])

    (group,) = tangles(graph)

    assert group == {"app.documents", "app.emails", "app.tasks"}
    assert circle_in(graph, group) == ["app.documents", "app.emails", "app.documents"]
    assert describe(graph, group) == (
        "3 modules import each other: app.documents, app.emails, app.tasks; "
        "one circle (module:line): app.documents:1 -> app.emails:2 -> app.documents"
    )


def test_the_checker_finds_an_import_that_points_upward(tmp_path):
    write_package(tmp_path, BEFORE)
    graph = import_graph(tmp_path, ["app"])

    assert upward_imports(graph, MINIATURE_LAYERS) == [
        "app.documents:4 (services) imports app.tasks (interface)"
    ]


def test_the_checker_passes_the_same_code_queued_by_name(tmp_path):
    write_package(
        tmp_path,
        {
            **BEFORE,
            "app/documents.py": (
                "from app import emails\n\n"
                "def queue(pk):\n"
                "    queue_after_commit('app.tasks.render', pk)\n"
            ),
            "app/emails.py": "def waiting(pk, attachments):\n    return attachments.waiting(pk)\n",
        },
    )
    graph = import_graph(tmp_path, ["app"])

    assert tangles(graph) == []
    assert upward_imports(graph, MINIATURE_LAYERS) == []


def test_the_checker_reads_relative_imports_and_names_from_a_package(tmp_path):
    write_package(
        tmp_path,
        {
            "app/__init__.py": "from .models import Thing\n",
            "app/models.py": "",
            "app/sub/__init__.py": "",
            "app/sub/views.py": (
                "from .. import models\nfrom ..models import Thing\nimport app.sub\n"
            ),
        },
    )
    graph = import_graph(tmp_path, ["app"])

    assert graph["app"] == {"app.models": 1}
    assert graph["app.sub.views"] == {"app.models": 1, "app.sub": 3}


def test_the_checker_finds_an_import_from_a_higher_wing(tmp_path):
    """A calendar module that asks the lifecycle about a duty points upward."""
    write_package(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/calendar/__init__.py": "",
            "app/calendar/workdays.py": "def add(day, n):\n    from app.lifecycle import duties\n",
            "app/lifecycle/__init__.py": "",
            "app/lifecycle/duties.py": "from app.calendar import workdays\n",
        },
    )
    graph = import_graph(tmp_path, ["app"])

    assert imports_against_the_wings(graph, ("calendar", "lifecycle"), "app") == [
        "app.calendar.workdays:2 (calendar) imports app.lifecycle.duties (lifecycle)"
    ]
