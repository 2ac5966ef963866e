"""The lead's and the province's pages of the review workspace (issue 28, points 3 and 4).

- ``overdue_reviews``: an office lead's list of the reviews past their due date in their scope.
- ``province``: a provincial office's cities, their figures over a period, a chart and a CSV.
- ``city``: one city of the province: its figures, the refusals' reasons grouped, and its filings
  still pending, which the provincial lead can take over (``transfers.transfer_to_province``).

The FilingAdmin routes to these (``FilingAdmin.get_urls``); each is a thin view over the figures
in ``filings.review.province`` and the verb in ``filings.lifecycle.transfers``."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from filings.calendar import calendars
from filings.forms.periods import period_from
from filings.lifecycle import services, transfers
from filings.models import Filing, Jurisdiction
from filings.models.filings import OPEN_FOR_REVIEW
from filings.review import province as figures
from filings.review.review_scope import filings_visible_to, office_of
from filings.review.reviewer_group import is_office_lead

LISTED = 200


def _context(model_admin, request, title: str) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
    }


# --- The lead's page -----------------------------------------------------------------------------


def overdue_reviews(model_admin, request):
    """The reviews past their due date in the lead's scope (a provincial lead: its cities' too),
    the longest overdue first. Only leads (and administrators) have this page."""
    if not is_office_lead(request.user):
        raise Http404
    today = timezone.localdate()
    rows = list(
        filings_visible_to(request.user)
        .filter(status__in=OPEN_FOR_REVIEW, review_due__lt=today)
        .select_related("organization", "office")
        .defer("data")
        .order_by("review_due", "pk")[: LISTED + 1]
    )
    listed = [
        (filing, -calendars.working_days_between(today, filing.review_due))
        for filing in rows[:LISTED]
    ]
    context = {
        **_context(model_admin, request, gettext("Overdue reviews")),
        "rows": listed,
        "more": len(rows) > LISTED,
        "today": today,
    }
    return TemplateResponse(request, "admin/filings/filing/overdue_reviews.html", context)


# --- The province and its cities -----------------------------------------------------------------


def _province_of(request) -> Jurisdiction:
    """The provincial office of the reviewer; anyone else finds no such page."""
    office = office_of(request.user)
    if office is None or office.level != Jurisdiction.Level.PROVINCE:
        raise Http404
    return office


def _labels() -> dict:
    return {
        "received": gettext("Received"),
        "decided": gettext("Decided"),
        "pending": gettext("Pending today"),
        "past_due": gettext("Past due today"),
    }


def province(model_admin, request):
    province = _province_of(request)
    today = timezone.localdate()
    form, since, until = period_from(request.GET, today)
    offices = figures.province_offices(province)
    rows = figures.city_figures(offices, since, until, today)
    context = {
        **_context(model_admin, request, gettext("Cities of the province")),
        "province": province,
        "form": form,
        "since": since,
        "until": until,
        "rows": rows,
        "total": figures.totals(rows, province),
        "labels": _labels(),
        # A city with nothing to show has no bars: the table says so, the chart leaves it out.
        "chart": figures.cities_chart_svg(
            [row for row in rows if row.received or row.decided or row.pending],
            _labels(),
            title=gettext("Filings of each city, %(since)s to %(until)s")
            % {"since": since.isoformat(), "until": until.isoformat()},
        ),
        "query": request.GET.urlencode(),
    }
    return TemplateResponse(request, "admin/filings/filing/province.html", context)


def province_csv(model_admin, request):
    province = _province_of(request)
    today = timezone.localdate()
    _form, since, until = period_from(request.GET, today)
    rows = figures.city_figures(figures.province_offices(province), since, until, today)
    response = HttpResponse(
        figures.csv_text(rows, since, until), content_type="text/csv; charset=utf-8"
    )
    name = f"province-{province.code}-{since:%Y%m%d}-{until:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def city(model_admin, request, code):
    province = _province_of(request)
    office = get_object_or_404(
        Jurisdiction.objects.filter(pk=province.pk) | province.prefectures.all(), code=code
    )
    today = timezone.localdate()
    form, since, until = period_from(request.GET, today)
    (row,) = figures.city_figures([office], since, until, today)
    pending = list(
        Filing.objects.filter(office=office, status__in=transfers.TRANSFERABLE)
        .select_related("organization")
        .defer("data")
        .order_by("review_due", "pk")[: LISTED + 1]
    )
    context = {
        **_context(model_admin, request, office.office_display_name),
        "province": province,
        "office": office,
        "form": form,
        "since": since,
        "until": until,
        "row": row,
        "pending": pending[:LISTED],
        "more": len(pending) > LISTED,
        "today": today,
        "may_take_over": office.pk != province.pk and transfers.may_take_over(request.user),
        "query": request.GET.urlencode(),
    }
    return TemplateResponse(request, "admin/filings/filing/province_city.html", context)


def take_over(model_admin, request, pk):
    """POST: the provincial lead takes a city's filing to the province."""
    province = _province_of(request)
    filing = get_object_or_404(
        Filing.objects.select_related("office"), pk=pk, office__province=province
    )
    back = reverse("admin:filings_filing_province_city", args=[filing.office.code])
    if request.method != "POST":
        return redirect(back)
    try:
        transfers.transfer_to_province(filing.pk, request.user, request.POST.get("note", ""))
    except services.FilingError as error:
        model_admin.message_user(request, str(error.message), messages.ERROR)
    else:
        model_admin.message_user(
            request,
            gettext("%(receipt)s is now with %(office)s; its history goes with it.")
            % {"receipt": filing.receipt_number, "office": province.office_display_name},
            messages.SUCCESS,
        )
    return redirect(back)
