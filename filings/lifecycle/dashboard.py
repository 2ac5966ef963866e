"""What an organization's dashboard shows, and the fingerprint of everything it shows.

``content`` reads the page's duties, filings, systems and declarations in a fixed number of
queries, whatever their number. ``last_change`` is the fingerprint the rendered page is kept under
in the page cache: ONE query of the organization's filings and their events, duties and their
events, systems and their declarations, declared totals and orders to correct (how many, the
latest ``updated_at`` or the latest id of each), and the calendar's revision (a year entered moves
the working days left). Every service verb that changes what the page shows saves one of those
rows or adds one (a submission, a decision, a return, a withdrawal, a revocation, a system
declared or retired, a duty opened, closed or given a new deadline) or deletes one (a draft
deleted: the count falls), so the next request finds another fingerprint and renders the page
afresh: no decision is ever shown late.

What the fingerprint leaves out is either read again on every request (the organization's name
and code, the member's role, the language, the day, the rule set in force: they are in the key or
outside the cached part) or kept no longer than CACHED_FOR (an office's display name, a member's
name in the declarations' history, a deployment's new wording).
"""

from __future__ import annotations

import functools
import hashlib
from datetime import date

from django.db import connection
from django.db.models import Count, Prefetch, Window
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from filings.calendar import calendars
from filings.law import rules_text
from filings.law.regimes import current_regime, get_regime
from filings.lifecycle import obligations, services
from filings.models import (
    CalendarYear,
    CorrectionOrder,
    Filing,
    FilingEvent,
    HeadcountDeclaration,
    Membership,
    Obligation,
    ObligationEvent,
    Organization,
    RecognitionSystem,
    SystemDeclaration,
)
from portal.pagination import OnePassPaginator

DUTIES_PER_PAGE = 20
FILINGS_PER_PAGE = 10
ENDING_ACTIONS = {
    FilingEvent.Action.REFUSED,
    FilingEvent.Action.WITHDRAWN,
    FilingEvent.Action.REVOKED,
}
# A filing's content, sealed (EncryptedJSONField): the page shows none of it, so none is opened.
UNREAD = ("data", "original__data")
# What no fingerprint follows (see the module's docstring) is kept no longer than this.
CACHED_FOR = 10 * 60


# --- The fingerprint -----------------------------------------------------------------------------


@functools.cache
def _fingerprint_sql() -> str:
    """One text of scalar subqueries, each an index range of the organization's rows (their
    foreign key): how many there are, and the latest ``updated_at`` or the latest id. It is read
    as a column of the member's own row (``membership_with_fingerprint``), in the query the page
    runs anyway, and written once from the models' tables: built by the ORM on every request, it
    cost as much as the rest of a cached page.

    The ids of the rows that are only ever added (events, declarations, orders) move with every
    verb that adds one, whatever the clock says; the latest ``updated_at`` catches the changes
    made without such a row, and the counts the rows deleted (a draft and its events)."""
    quote = connection.ops.quote_name

    def table(model) -> str:
        return quote(model._meta.db_table)

    organization = f"{table(Membership)}.{quote('organization_id')}"
    filing, duty, system = table(Filing), table(Obligation), table(RecognitionSystem)
    events = f"{table(FilingEvent)} e INNER JOIN {filing} f ON f.id = e.filing_id"
    duty_events = f"{table(ObligationEvent)} e INNER JOIN {duty} o ON o.id = e.obligation_id"
    declarations = f"{table(SystemDeclaration)} d INNER JOIN {system} s ON s.id = d.system_id"
    kinds = [  # (rows, their organization's column, what changes with them)
        (filing, "organization_id", "MAX(updated_at)"),
        (events, "f.organization_id", "MAX(e.id)"),
        (duty, "organization_id", "MAX(updated_at)"),
        (duty_events, "o.organization_id", "MAX(e.id)"),
        (system, "organization_id", "MAX(updated_at)"),
        (declarations, "s.organization_id", "MAX(d.id)"),
        (table(HeadcountDeclaration), "organization_id", "MAX(id)"),
        (table(CorrectionOrder), "organization_id", "MAX(id)"),
    ]

    def counted(latest: str) -> str:  # "how many,latest" as text on SQLite and PostgreSQL alike
        return f"CAST(COUNT(*) AS TEXT) || ',' || COALESCE(CAST({latest} AS TEXT), '')"

    subqueries = [
        f"SELECT {counted(latest)} FROM {rows} WHERE {column} = {organization}"  # noqa: S608
        for rows, column, latest in kinds
    ]
    # The working days left move when a calendar year is entered (calendars.current_index).
    subqueries.append(f"SELECT {counted('MAX(updated_at)')} FROM {table(CalendarYear)}")  # noqa: S608
    return " || ';' || ".join(f"({subquery})" for subquery in subqueries)


def membership_with_fingerprint(user, organization_id) -> Membership:
    """The user's membership of the organization (``Http404`` if none), with the organization's
    name and code, and the fingerprint of what its dashboard shows as ``fingerprint``: one query.
    The organization's other columns are not read (two of them would be decrypted for nothing)."""
    try:
        return (
            Membership.objects.select_related("organization")
            .only("role", "organization__name", "organization__uscc")
            .annotate(fingerprint=RawSQL(_fingerprint_sql(), ()))  # noqa: S611 - no parameters
            .get(user=user, organization_id=organization_id)
        )
    except (Membership.DoesNotExist, ValueError):
        raise Http404 from None


def page_key(membership: Membership, today: date) -> str:
    """The cache key of the first page of the dashboard as this member sees it: the role decides
    the buttons, the day the working days left, the language the words, the rule set in force
    the notes beside the systems."""
    parts = (
        membership.organization_id,
        membership.role,
        get_language(),
        today.isoformat(),
        current_regime().code,
        membership.fingerprint,
    )
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()
    return f"dashboard:{membership.organization_id}:{digest}"


# --- The content ---------------------------------------------------------------------------------


def _say_where_the_answer_stands(duties) -> None:
    """A duty is fulfilled once its filing is submitted, but the filing may still await the
    office or be returned: say that, not "fulfilled" (one query for the list)."""
    fulfilled = [duty.pk for duty in duties if duty.status == Obligation.Status.FULFILLED]
    latest = {}
    answers = (
        Filing.objects.filter(duty_id__in=fulfilled)
        .order_by("created_at", "pk")
        .values_list("duty_id", "status", "correction_deadline")
    )
    for duty_id, status, correction_deadline in answers:
        latest[duty_id] = (status, correction_deadline)
    for duty in duties:
        status, correction_deadline = latest.get(duty.pk, (None, None))
        duty.state_label = ""
        if status in (Filing.Status.SUBMITTED, Filing.Status.UNDER_REVIEW):
            duty.state_label = _("Submitted, awaiting the office's review")
        elif status == Filing.Status.RETURNED:
            duty.state_label = _("To be corrected by %(date)s") % {
                "date": correction_deadline.isoformat() if correction_deadline else "—"
            }


def _paginated(rows, per_page: int, number):
    """A page of ``rows`` (annotated with ``total_rows``, their count, by a window): the first
    page is read in one query however long the list, where a COUNT came first."""
    paginator = OnePassPaginator(rows.annotate(total_rows=Window(Count("pk"))), per_page)
    page = paginator.get_page(number)
    if page.number == 1 and page.object_list:
        paginator.count = page.object_list[0].total_rows
    return page


def content(
    organization: Organization, today: date, *, duties_page=None, filings_page=None
) -> dict:
    """Everything the dashboard shows of ``organization`` on ``today``, in a fixed number of
    queries (pages of 20 duties and of 10 filings)."""
    index = calendars.current_index()
    duties = _paginated(
        organization.obligations.filter(status=Obligation.Status.OPEN)
        .select_related("office")
        .order_by("deadline", "pk"),
        DUTIES_PER_PAGE,
        duties_page,
    )
    open_obligations = [
        {
            "obligation": obligation,
            "regime": get_regime(obligation.regime),
            "basis": rules_text.DUTY_BASIS[obligation.regime],
            "working_days_left": (left := index.working_days_between(today, obligation.deadline)),
            "working_days_overdue": max(0, -left),
        }
        for obligation in duties
    ]
    closed_obligations = list(
        organization.obligations.exclude(status=Obligation.Status.OPEN)
        .select_related("office")
        .order_by("-updated_at")[:10]
    )
    _say_where_the_answer_stands(closed_obligations)
    filings = _paginated(
        organization.filings.select_related("office", "original")
        .defer(*UNREAD)
        .prefetch_related(
            Prefetch(
                "events",
                queryset=FilingEvent.objects.exclude(action__endswith="_downloaded")
                .exclude(action__in=FilingEvent.OFFICE_INTERNAL)
                .select_related("actor")
                .order_by("-created_at", "-pk"),
            )
        )
        .order_by("-created_at", "-pk"),
        FILINGS_PER_PAGE,
        filings_page,
    )
    initials = (
        organization.filings.filter(kind=Filing.Kind.INITIAL)
        .defer("data")
        .order_by("-created_at", "-pk")
    )
    initial_filing = (
        initials.exclude(status__in=services.CLOSED)
        .select_related("office", "original")
        .defer(*UNREAD)
        .first()
    )
    cancelled_filing = (
        None if initial_filing else initials.filter(status=Filing.Status.CANCELLED).first()
    )
    systems = list(organization.systems.order_by("name"))
    headcounts = list(
        organization.headcounts.select_related("declared_by").order_by("-declared_at", "-pk")[:10]
    )
    total = headcounts[0] if headcounts else None
    regime = current_regime()
    for system in systems:  # why it counts toward the threshold or not, where that is not plain
        system.threshold_note = obligations.threshold_note(system, regime)
    # The last initial filing that ended without standing (refused, withdrawn, revoked): what
    # happened, why, and the way to file again from its content.
    ended_filing = (
        None
        if initial_filing
        else initials.filter(status__in=services.ENDED).select_related("office").first()
    )
    ended_event = (
        ended_filing.events.filter(action__in=ENDING_ACTIONS)
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
        if ended_filing
        else None
    )
    correction_orders = list(
        CorrectionOrder.objects.filter(
            organization=organization, obligation__status=Obligation.Status.OPEN
        )
        .select_related("office", "obligation")
        .order_by("-created_at")[:5]
    )
    declarations = list(
        SystemDeclaration.objects.filter(system__organization=organization)
        .select_related("system", "declared_by")
        .order_by("-declared_at", "-pk")[:20]
    )
    return {
        "organization": organization,
        "systems": systems,
        "total": total,
        "headcounts": headcounts,
        "bounds": obligations.bounds(systems),
        "assessment": obligations.assess(systems, regime, total),
        "no_filing_needed": rules_text.NO_FILING_NEEDED[regime.code],
        "open_obligations": open_obligations,
        "closed_obligations": closed_obligations,
        "declarations": declarations,
        "filings": list(filings),
        "filings_page": filings,
        "duties_page": duties,
        "initial_filing": initial_filing,
        "cancelled_filing": cancelled_filing,
        "ended_filing": ended_filing,
        "ended_event": ended_event,
        "correction_orders": correction_orders,
        "today": today,
    }
