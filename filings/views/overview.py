"""One page over every organization a person belongs to: the duties, filings and reminders of all
of them, in the words of each organization's dashboard. Filters (city, office, state) and the sort
come from the query string through a form, so a bad value is ignored with a message, never a 500.
Every list is paginated and the page runs the same number of queries for 2 organizations or 30."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, F, Min, OuterRef, Prefetch, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filings.calendar import calendars
from filings.law import rules_text
from filings.lifecycle import reminders
from filings.models import (
    Filing,
    FilingEvent,
    Jurisdiction,
    Membership,
    Obligation,
    Reminder,
)
from filings.views.dashboard import DUTIES_PER_PAGE, FILINGS_PER_PAGE
from portal.pagination import OnePassPaginator

ORGANIZATIONS_PER_PAGE = 20
REMINDERS_PER_PAGE = 10
PAGE_PARAMS = ("organizations", "duties", "filings", "reminders")

OVERDUE = "overdue"
DUE_SOON = "due_soon"
DUE_SOON_DAYS = 10  # working days: the first reminder's horizon


class OverviewFilter(forms.Form):
    city = forms.ChoiceField(label=_("City"), required=False)
    office = forms.ChoiceField(label=_("Office"), required=False)
    duty = forms.ChoiceField(
        label=_("Duties"),
        required=False,
        choices=[
            ("", _("All open duties")),
            (OVERDUE, _("Overdue")),
            (DUE_SOON, _("Due within 10 working days")),
        ],
    )
    state = forms.ChoiceField(
        label=_("Filing status"),
        required=False,
        choices=[("", _("All filings")), *Filing.Status.choices],
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("", _("Deadline, earliest first; filings newest first")),
            ("deadline", _("Deadline, earliest first")),
            ("-deadline", _("Deadline, latest first")),
            ("organization", _("Organization")),
        ],
    )

    def __init__(self, data, *, cities, offices):
        super().__init__(data)
        self.fields["city"].choices = [("", _("All cities")), *cities]
        self.fields["office"].choices = [("", _("All offices")), *offices]

    def chosen(self) -> dict:
        """The values that are valid; an invalid one counts as not chosen."""
        self.is_valid()
        return {
            name: self.cleaned_data.get(name, "")
            for name in self.fields
            if name not in self.errors and self.cleaned_data.get(name)
        }


def _query_without(params, name) -> str:
    """The other parameters of the page, for a pager link that changes only ``name``."""
    others = params.copy()
    others.pop(name, None)
    encoded = others.urlencode()
    return f"{encoded}&" if encoded else ""


@login_required
def overview(request):
    memberships = Membership.objects.filter(user=request.user)
    organization_ids = memberships.values("organization_id")
    if not memberships.exists():
        return redirect("my_dashboard")
    cities = [
        (jurisdiction.code, jurisdiction.display_name)
        for jurisdiction in Jurisdiction.objects.filter(
            code__in=memberships.values("organization__address_division")
        ).order_by("code")
    ]
    offices = [
        (jurisdiction.code, jurisdiction.office_display_name)
        for jurisdiction in Jurisdiction.objects.filter(
            Exists(
                Obligation.objects.filter(
                    office=OuterRef("pk"),
                    organization_id__in=organization_ids,
                    status=Obligation.Status.OPEN,
                )
            )
            | Exists(
                Filing.objects.filter(office=OuterRef("pk"), organization_id__in=organization_ids)
            )
        ).order_by("code")
    ]
    form = OverviewFilter(request.GET, cities=cities, offices=offices)
    chosen = form.chosen()
    today = timezone.localdate()
    index = calendars.current_index()

    organizations_filter = Q()
    if "city" in chosen:
        organizations_filter &= Q(organization__address_division=chosen["city"])

    organization_rows = OnePassPaginator(
        memberships.filter(organizations_filter)
        .select_related("organization")
        .annotate(
            open_duties=Count(
                "organization__obligations",
                filter=Q(organization__obligations__status=Obligation.Status.OPEN),
            ),
            next_deadline=Min(
                "organization__obligations__deadline",
                filter=Q(organization__obligations__status=Obligation.Status.OPEN),
            ),
        )
        .order_by("organization__name", "pk"),
        ORGANIZATIONS_PER_PAGE,
    ).get_page(request.GET.get("organizations"))

    scope = Q(organization_id__in=organization_ids)
    if "city" in chosen:
        scope &= Q(organization__address_division=chosen["city"])
    if "office" in chosen:
        scope &= Q(office__code=chosen["office"])

    duties = Obligation.objects.filter(scope, status=Obligation.Status.OPEN)
    if chosen.get("duty") == OVERDUE:
        duties = duties.filter(deadline__lt=today)
    elif chosen.get("duty") == DUE_SOON:
        horizon = index.add_working_days(today, DUE_SOON_DAYS).date
        duties = duties.filter(deadline__gte=today, deadline__lte=horizon)
    sort = chosen.get("sort", "")
    duty_order = {
        "": ("deadline", "pk"),
        "deadline": ("deadline", "pk"),
        "-deadline": ("-deadline", "-pk"),
        "organization": ("organization__name", "deadline", "pk"),
    }[sort]
    duties_page = OnePassPaginator(
        duties.select_related("office", "organization").order_by(*duty_order), DUTIES_PER_PAGE
    ).get_page(request.GET.get("duties"))
    open_obligations = [
        {
            "obligation": obligation,
            "basis": rules_text.DUTY_BASIS[obligation.regime],
            "working_days_left": (left := index.working_days_between(today, obligation.deadline)),
            "working_days_overdue": max(0, -left),
        }
        for obligation in duties_page
    ]

    filings = Filing.objects.filter(scope)
    if "state" in chosen:
        filings = filings.filter(status=chosen["state"])
    filing_order = {
        "": ("-created_at", "-pk"),  # the newest first, as on the dashboard
        "deadline": (F("deadline").asc(nulls_last=True), "-created_at", "-pk"),
        "-deadline": (F("deadline").desc(nulls_last=True), "-created_at", "-pk"),
        "organization": ("organization__name", "-created_at", "-pk"),
    }[sort]
    filings_page = OnePassPaginator(
        filings.select_related("office", "organization")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=FilingEvent.objects.exclude(action__endswith="_downloaded").order_by(
                    "-created_at", "-pk"
                ),
            )
        )
        .order_by(*filing_order),
        FILINGS_PER_PAGE,
    ).get_page(request.GET.get("filings"))

    reminder_scope = Q(obligation__organization_id__in=organization_ids)
    if "city" in chosen:
        reminder_scope &= Q(obligation__organization__address_division=chosen["city"])
    if "office" in chosen:
        reminder_scope &= Q(obligation__office__code=chosen["office"])
    reminders_page = OnePassPaginator(
        Reminder.objects.filter(reminder_scope)
        .select_related("obligation__organization", "obligation__office")
        .order_by("-sent_on", "-pk"),
        REMINDERS_PER_PAGE,
    ).get_page(request.GET.get("reminders"))

    return render(
        request,
        "filings/overview.html",
        {
            "form": form,
            "filtered": bool(chosen),
            "organization_rows": organization_rows,
            "open_obligations": open_obligations,
            "duties_page": duties_page,
            "filings": list(filings_page),
            "filings_page": filings_page,
            "reminders_page": reminders_page,
            "reminders": [
                {"reminder": reminder, "label": reminders.describe_kind(reminder.kind)}
                for reminder in reminders_page
            ],
            "queries": {name: _query_without(request.GET, name) for name in PAGE_PARAMS},
            "today": today,
            "show_organization": True,
        },
    )
