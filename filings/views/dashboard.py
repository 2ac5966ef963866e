from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from filings import calendars, obligations, rules_text, services
from filings.access import membership_or_404
from filings.models import (
    CorrectionOrder,
    Filing,
    FilingEvent,
    Membership,
    Obligation,
    SystemDeclaration,
)
from filings.regimes import current_regime, get_regime
from filings.review_scope import may_review

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


@login_required
def organization_dashboard(request, org_id):
    membership = membership_or_404(request.user, org_id)
    organization = membership.organization
    today = timezone.localdate()
    index = calendars.current_index()
    open_obligations = [
        {
            "obligation": obligation,
            "regime": get_regime(obligation.regime),
            "basis": rules_text.DUTY_BASIS[obligation.regime],
            "working_days_left": (left := index.working_days_between(today, obligation.deadline)),
            "working_days_overdue": max(0, -left),
        }
        for obligation in organization.obligations.filter(status=Obligation.Status.OPEN)
        .select_related("office")
        .order_by("deadline")
    ]
    closed_obligations = (
        organization.obligations.exclude(status=Obligation.Status.OPEN)
        .select_related("office")
        .order_by("-updated_at")[:10]
    )
    filings = list(
        organization.filings.select_related("office", "original")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=FilingEvent.objects.exclude(action__endswith="_downloaded")
                .select_related("actor")
                .order_by("-created_at", "-pk"),
            )
        )
        .order_by("-created_at")
    )
    initial_filing = next(
        (
            filing
            for filing in filings
            if filing.kind == Filing.Kind.INITIAL and filing.status not in services.CLOSED
        ),
        None,
    )
    cancelled_filing = (
        None
        if initial_filing
        else next(
            (
                filing
                for filing in filings
                if filing.kind == Filing.Kind.INITIAL and filing.status == Filing.Status.CANCELLED
            ),
            None,
        )
    )
    systems = list(organization.systems.order_by("name"))
    headcounts = list(
        organization.headcounts.select_related("declared_by").order_by("-declared_at", "-pk")[:10]
    )
    total = headcounts[0] if headcounts else None
    regime = current_regime()
    # The last initial filing that ended without standing (refused, withdrawn, revoked): what
    # happened, why, and the way to file again from its content.
    ended_filing = (
        None
        if initial_filing
        else next(
            (
                filing
                for filing in filings
                if filing.kind == Filing.Kind.INITIAL and filing.status in services.ENDED
            ),
            None,
        )
    )
    ended_event = (
        next(
            (e for e in ended_filing.events.all() if e.action in ENDING_ACTIONS),
            None,
        )
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
            "initial_filing": initial_filing,
            "cancelled_filing": cancelled_filing,
            "ended_filing": ended_filing,
            "ended_event": ended_event,
            "correction_orders": correction_orders,
            "today": today,
        },
    )
