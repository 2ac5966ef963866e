"""The filer's pages of an organization: which organization (``my_dashboard``), and its dashboard.

What the dashboard shows is read by ``lifecycle.dashboard``; this view keeps it rendered in the
page cache under its fingerprint, and renders the header and the request's CSRF token each time.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from filings.lifecycle import dashboard
from filings.lifecycle.dashboard import DUTIES_PER_PAGE, FILINGS_PER_PAGE
from filings.models import Membership
from filings.review.review_scope import may_review
from portal import fragments

__all__ = ["DUTIES_PER_PAGE", "FILINGS_PER_PAGE", "my_dashboard", "organization_dashboard"]


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
    """The organization's page. Its first page, as this member sees it today, is kept rendered
    under the fingerprint of what it shows, read with the membership: unchanged, the page runs
    no query of its own beyond that one."""
    membership = dashboard.membership_with_fingerprint(request.user, org_id)
    today = timezone.localdate()
    duties_page, filings_page = request.GET.get("duties"), request.GET.get("filings")
    key = None
    if not (duties_page or filings_page):  # other pages are rendered each time
        key = dashboard.page_key(membership, today)
    body = caches["pages"].get(key) if key else None
    if body is None:
        context = dashboard.content(
            membership.organization, today, duties_page=duties_page, filings_page=filings_page
        )
        body = fragments.render_fragment(
            "filings/includes/dashboard_body.html", {**context, "membership": membership}
        )
        if key:
            caches["pages"].set(key, body, dashboard.CACHED_FOR)
    return render(
        request,
        "filings/dashboard.html",
        {"organization": membership.organization, "body": fragments.with_csrf(body, request)},
    )
