from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from filings.calendar import calendars
from filings.law import rules_text
from filings.law.regimes import current_regime, get_regime
from filings.lifecycle import obligations, services
from filings.models import (
    CorrectionOrder,
    Filing,
    FilingEvent,
    Membership,
    Obligation,
    SystemDeclaration,
)
from filings.registry.access import membership_or_404
from filings.review.review_scope import may_review
from portal.pagination import OnePassPaginator

DUTIES_PER_PAGE = 20
FILINGS_PER_PAGE = 10
ENDING_ACTIONS = {
    FilingEvent.Action.REFUSED,
    FilingEvent.Action.WITHDRAWN,
    FilingEvent.Action.REVOKED,
}


@login_required
def my_dashboard(request):
    memberships = list(Membership.objects.filter(user=request.user).select_related("organization"))
    if not memberships:
        if request.user.is_staff:
            # A reviewer's work is the queue; an administrator's the whole workspace.
            if may_review(request.user) and not request.user.is_superuser:
                return redirect("admin:filings_filing_changelist")
            return redirect("admin:index")
        messages.info(request, _("Your account does not belong to an organization yet."))
        return redirect("register")
    if len(memberships) == 1:
        return redirect("dashboard", org_id=memberships[0].organization_id)
    return render(request, "filings/choose_organization.html", {"memberships": memberships})


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


@login_required
def organization_dashboard(request, org_id):
    membership = membership_or_404(request.user, org_id)
    organization = membership.organization
    today = timezone.localdate()
    index = calendars.current_index()
    # Both lists are paginated: a group's organization can hold many duties and filings.
    duties_page = OnePassPaginator(
        organization.obligations.filter(status=Obligation.Status.OPEN)
        .select_related("office")
        .order_by("deadline", "pk"),
        DUTIES_PER_PAGE,
    ).get_page(request.GET.get("duties"))
    open_obligations = [
        {
            "obligation": obligation,
            "regime": get_regime(obligation.regime),
            "basis": rules_text.DUTY_BASIS[obligation.regime],
            "working_days_left": (left := index.working_days_between(today, obligation.deadline)),
            "working_days_overdue": max(0, -left),
        }
        for obligation in duties_page
    ]
    closed_obligations = list(
        organization.obligations.exclude(status=Obligation.Status.OPEN)
        .select_related("office")
        .order_by("-updated_at")[:10]
    )
    _say_where_the_answer_stands(closed_obligations)
    filings_page = OnePassPaginator(
        organization.filings.select_related("office", "original")
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
    ).get_page(request.GET.get("filings"))
    filings = list(filings_page)
    initials = organization.filings.filter(kind=Filing.Kind.INITIAL).order_by("-created_at", "-pk")
    initial_filing = (
        initials.exclude(status__in=services.CLOSED).select_related("office", "original").first()
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
    correction_orders = (
        CorrectionOrder.objects.filter(
            organization=organization, obligation__status=Obligation.Status.OPEN
        )
        .select_related("office", "obligation")
        .order_by("-created_at")[:5]
    )
    declarations = (
        SystemDeclaration.objects.filter(system__organization=organization)
        .select_related("system", "declared_by")
        .order_by("-declared_at", "-pk")[:20]
    )
    return render(
        request,
        "filings/dashboard.html",
        {
            "organization": organization,
            "membership": membership,
            "systems": systems,
            "total": total,
            "headcounts": headcounts,
            "bounds": obligations.bounds(systems),
            "assessment": obligations.assess(systems, regime, total),
            "no_filing_needed": rules_text.NO_FILING_NEEDED[regime.code],
            "open_obligations": open_obligations,
            "closed_obligations": closed_obligations,
            "declarations": declarations,
            "filings": filings,
            "filings_page": filings_page,
            "duties_page": duties_page,
            "initial_filing": initial_filing,
            "cancelled_filing": cancelled_filing,
            "ended_filing": ended_filing,
            "ended_event": ended_event,
            "correction_orders": correction_orders,
            "today": today,
        },
    )
