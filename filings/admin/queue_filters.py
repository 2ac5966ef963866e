"""The review queue's views and status filter (issue 28, point 5).

The queue opens on "needs action": every filing a decision is waiting for, the most urgent first
(past their review due date at the top, FilingAdmin.get_ordering). A status chosen, or a search,
looks through the whole queue instead. The status filter offers only the statuses a queue can
hold: a draft or a withdrawn filing is the organization's own and never in it."""

from datetime import timedelta

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filings.models import Filing
from filings.models.filings import OUTSIDE_THE_QUEUE

NEEDS_ACTION = "needs_action"
DUE_THIS_WEEK = "due_this_week"
EVERYTHING = "all"


def end_of_week(today):
    """The Sunday of ``today``'s week (weeks run Monday to Sunday, as in China)."""
    return today + timedelta(days=6 - today.weekday())


class QueueViewFilter(admin.SimpleListFilter):
    """The saved views of the queue. Its default (no ``view`` in the address) is "needs action",
    unless the reviewer chose a status or searched: then the whole queue."""

    title = _("view")
    parameter_name = "view"

    def __init__(self, request, params, model, model_admin):
        explicit = request.GET.get("status__exact") or request.GET.get("q", "").strip()
        self.default = EVERYTHING if explicit else NEEDS_ACTION
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [
            (NEEDS_ACTION, _("Needs action")),
            (DUE_THIS_WEEK, _("Due this week")),
            (EVERYTHING, _("All filings")),
        ]

    def value(self):
        chosen = super().value()
        return chosen if chosen in (NEEDS_ACTION, DUE_THIS_WEEK, EVERYTHING) else self.default

    def choices(self, changelist):
        # No "All" of Django's own: "all filings" is one of the views, and none is the default.
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}, ["p"]),
                "display": title,
            }

    def queryset(self, request, queryset):
        # The urgency (review_urgency) is 0 exactly for the filings a decision waits for: the
        # filter is a range of the index filing_review_queue, in the queue's order.
        if self.value() == NEEDS_ACTION:
            return queryset.filter(urgency=0)
        if self.value() == DUE_THIS_WEEK:
            return queryset.filter(urgency=0, review_due__lte=end_of_week(timezone.localdate()))
        return queryset


class QueueStatusFilter(admin.SimpleListFilter):
    """The statuses a filing in an office's queue can have, in the enum's order."""

    title = _("status")
    parameter_name = "status__exact"

    def lookups(self, request, model_admin):
        return [
            (value, label)
            for value, label in Filing.Status.choices
            if value not in OUTSIDE_THE_QUEUE
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(status=self.value())
        return queryset
