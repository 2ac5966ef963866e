"""The addresses of the lead's and the province's pages, under the review queue's."""

import functools

from django.urls import path

from filings.admin import province


def province_urls(model_admin) -> list:
    wrap = model_admin.admin_site.admin_view

    def view(function):
        return wrap(functools.partial(function, model_admin))

    return [
        path(
            "overdue-reviews/",
            view(province.overdue_reviews),
            name="filings_filing_overdue_reviews",
        ),
        path("province/", view(province.province), name="filings_filing_province"),
        path(
            "province/cities.csv", view(province.province_csv), name="filings_filing_province_csv"
        ),
        path(
            "province/<str:code>/",
            view(province.city),
            name="filings_filing_province_city",
        ),
        path(
            "<int:pk>/take-over/",
            view(province.take_over),
            name="filings_filing_take_over",
        ),
    ]
