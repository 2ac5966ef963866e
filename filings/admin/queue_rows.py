"""The review queue's rows, drawn as Django's admin draws them (``result_list``), in one pass.

Django looks every cell up again through the generic admin machinery; the queue knows its columns.
What every row of a page shares is worked out once a page (``QueueRows``): the language's labels,
today's date, the words and the date format. A row is then one string, its values escaped as
``format_html`` would escape them. ``tests/test_queue_scale.py`` checks the rows against Django's
own rendering, in both languages.
"""

from __future__ import annotations

import functools
from html import escape

from django.utils import timezone, translation
from django.utils.dateformat import format as django_date_format
from django.utils.formats import get_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from filings.models import Filing
from filings.review import handling
from filings.review.statistics import OPEN_STATUSES as OPEN
from filings.review.statistics import city_name

ISO_MINUTES = "Y-m-d H:i"  # the portal's DATETIME_FORMAT in both languages (portal/formats)

ROW = (
    '<tr{overdue}><th class="field-receipt"><a href="{url}">{receipt}</a></th>'
    '<td class="field-organization_name">{organization}</td><td class="field-uscc">{uscc}</td>'
    '<td class="field-city">{city}</td><td class="field-kind">{kind}</td>'
    '<td class="field-status">{status}</td><td class="field-holder_name">{holder}</td>'
    '<td class="field-submitted_at nowrap">{submitted}</td>'
    '<td class="field-review_due_flagged">{due}</td><td class="field-late_flag">{late}</td>'
    '<td class="field-warning_count">{warnings}</td></tr>'
)


@functools.cache
def _choice_labels(language: str) -> tuple[dict, dict]:
    """The kinds' and statuses' labels in a language, translated once per process: a row asking
    ``get_status_display`` hashes every choice's lazy label again (900 translations a page)."""
    with translation.override(language):
        return (
            {value: escape(str(label)) for value, label in Filing.Kind.choices},
            {value: escape(str(label)) for value, label in Filing.Status.choices},
        )


def review_overdue(filing, today) -> bool:
    """Past its review due date with the decision still to take: red in the queue."""
    return filing.status in OPEN and filing.review_due is not None and filing.review_due < today


class QueueRows:
    """The rows of one page of the queue, for the model admin that lists them."""

    def __init__(self, model_admin):
        self.empty = escape(str(model_admin.get_empty_value_display()))
        self.kinds, self.statuses = _choice_labels(get_language())
        self.today = timezone.localdate()
        self.zone = timezone.get_current_timezone()
        self.date_format = get_format("DATETIME_FORMAT")
        self.overdue = escape(gettext("overdue"))
        self.late = '<span class="late">{}</span>'.format(escape(gettext("Filed late")))
        self.awaiting = '<strong class="awaiting-sign-off">{}</strong>'.format(
            escape(gettext("Awaiting sign-off"))
        )
        self.cities: dict[str, str] = {}

    def city(self, division: str) -> str:
        if division not in self.cities:
            self.cities[division] = escape(city_name(division))
        return self.cities[division]

    def submitted(self, moment) -> str:
        if moment is None:
            return self.empty
        local = moment.astimezone(self.zone)
        if self.date_format == ISO_MINUTES:
            return local.strftime("%Y-%m-%d %H:%M")
        return escape(django_date_format(local, self.date_format))

    def holder(self, filing) -> str:
        name = escape(handling.person(filing.holder)) if filing.holder_id else ""
        if filing.proposed_decision:
            return f"{name} {self.awaiting}"
        return name or self.empty

    def due(self, filing, overdue: bool) -> str:
        if filing.review_due is None:
            return "—"
        due = filing.review_due.isoformat()
        if overdue:
            return f'<strong class="overdue">{due} · {self.overdue}</strong>'
        return due

    def row(self, filing, change_url: str) -> str:
        """One row: the columns of ``list_display``, the first a link to the filing."""
        organization = filing.organization
        overdue = review_overdue(filing, self.today)
        return mark_safe(  # noqa: S308 - every value is escaped above or here
            ROW.format(
                overdue=' class="review-overdue"' if overdue else "",
                url=escape(change_url),
                receipt=escape(filing.receipt_number) if filing.receipt_number else self.empty,
                organization=escape(organization.name),
                uscc=escape(organization.uscc),
                city=self.city(organization.address_division),
                kind=self.kinds.get(filing.kind) or escape(filing.kind),
                status=self.statuses.get(filing.status) or escape(filing.status),
                holder=self.holder(filing),
                submitted=self.submitted(filing.submitted_at),
                due=self.due(filing, overdue),
                late=self.late if filing.late else "—",
                warnings=filing.warning_count,
            )
        )
