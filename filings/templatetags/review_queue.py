"""The review queue's table, drawn in one pass.

Django's ``result_list`` looks every cell up again through the generic admin machinery (the field,
its display function, its empty value, its link), about half a millisecond a row: on a page of 50
filings that was the largest part of the queue's time. The queue knows its columns, so
``filings/admin/queue_rows.py`` draws a row in one string, with what the page's rows share worked
out once; the headers (sorting links and all) stay Django's. ``tests/test_queue_scale.py`` checks
the rows against Django's own rendering.
"""

from django import template
from django.contrib.admin.templatetags.admin_list import admin_list_filter, result_headers
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.urls import reverse
from django.utils.encoding import iri_to_uri
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from filings.admin.queue_rows import QueueRows

register = template.Library()

PLACEHOLDER = 2_147_483_647  # a primary key no filing has: replaced by each row's own


@register.inclusion_tag("admin/filings/filing/_queue_results.html")
def review_queue_results(cl):
    headers = list(result_headers(cl))
    opts = cl.opts
    link = add_preserved_filters(
        {"preserved_filters": cl.preserved_filters, "opts": opts},
        reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[PLACEHOLDER]),
    )
    before, after = link.split(str(PLACEHOLDER), 1)
    drawer = QueueRows(cl.model_admin)
    return {
        "cl": cl,
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "rows": [drawer.row(filing, f"{before}{filing.pk}{after}") for filing in cl.result_list],
    }


FILTER_TEMPLATE = "admin/filter.html"


@register.simple_tag
def review_queue_filters(cl):
    """The queue's filters, each as Django's ``admin/filter.html`` draws it, in one pass: eight
    filters rendered through the template engine cost as much as the fifty rows did. A filter
    with a template of its own is still rendered by Django's tag."""
    drawn = []
    for spec in cl.filter_specs:
        if spec.template != FILTER_TEMPLATE:
            drawn.append(str(admin_list_filter(cl, spec)))
            continue
        title = escape(str(spec.title))
        summary = gettext(" By %(filter_title)s ") % {"filter_title": title}
        items = "\n  ".join(
            '<li{}>\n    <a href="{}">{}</a></li>'.format(
                ' class="selected"' if choice["selected"] else "",
                escape(iri_to_uri(choice["query_string"])),
                conditional_escape(choice["display"]),
            )
            for choice in spec.choices(cl)
        )
        drawn.append(
            f'<details data-filter-title="{title}" open>\n  <summary>\n    {summary}\n'
            f"  </summary>\n  <ul>\n  {items}\n  </ul>\n</details>\n"
        )
    return mark_safe("".join(drawn))  # noqa: S308 - every value is escaped above
