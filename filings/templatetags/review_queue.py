"""The review queue's table, drawn in one pass.

Django's ``result_list`` looks every cell up again through the generic admin machinery (the field,
its display function, its empty value, its link), about half a millisecond a row: on a page of 50
filings that was the largest part of the queue's time. The queue knows its columns, so
``FilingAdmin.queue_row`` draws a row in one ``format_html``; the headers (sorting links and all)
stay Django's. ``tests/test_queue_scale.py`` checks the rows against Django's own rendering.
"""

from django import template
from django.contrib.admin.templatetags.admin_list import result_headers
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.urls import reverse

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
    admin = cl.model_admin
    return {
        "cl": cl,
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "rows": [
            admin.queue_row(filing, f"{before}{filing.pk}{after}") for filing in cl.result_list
        ],
    }
