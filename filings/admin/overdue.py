"""The review workspace's list of organizations that have not filed: the open duties of the
reviewer's jurisdiction past their deadline, exportable like the filings, and the order to correct
(责令改正) a reviewer records against one of them. Everything starts from
``obligations_visible_to``, so another jurisdiction's duty is 404."""

from django import forms
from django.contrib import admin, messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from filings.admin.review import BoundedCountPaginator, ReadOnlyReviewAdmin, record_export
from filings.lifecycle import overdue, services
from filings.models import CorrectionOrder, OverdueDuty
from filings.review.review_scope import may_review, obligations_visible_to


class CorrectionOrderForm(forms.Form):
    correct_by = forms.DateField(
        label=_("File by"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The date by which the organization must file."),
    )
    note = forms.CharField(
        label=_("Note to the organization"),
        required=False,
        max_length=services.MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


@admin.register(OverdueDuty)
class OverdueDutyAdmin(ReadOnlyReviewAdmin, admin.ModelAdmin):
    list_display = (
        "organization_name",
        "uscc",
        "kind",
        "systems",
        "deadline_date",
        "days_overdue",
        "reminders",
        "last_order",
        "order_link",
    )
    list_display_links = None
    list_filter = ("kind",)
    search_fields = ("organization__name", "organization__uscc")
    list_select_related = ("organization", "office")
    paginator = BoundedCountPaginator
    show_full_result_count = False
    list_per_page = 50
    change_list_template = "admin/filings/overdueduty/change_list.html"

    def get_queryset(self, request):
        today = timezone.localdate()
        return overdue.overdue_duties(
            obligations_visible_to(request.user, OverdueDuty.objects.all()), today
        )

    def get_ordering(self, request):
        return ("deadline", "pk")

    def get_object(self, request, object_id, from_field=None):
        raise Http404  # the list is the page; an order to correct has its own

    @admin.display(description=_("organization"), ordering="organization__name")
    def organization_name(self, duty):
        return duty.organization.name

    @admin.display(description=_("USCC"))
    def uscc(self, duty):
        return duty.organization.uscc

    @admin.display(description=_("systems concerned"))
    def systems(self, duty):
        return duty.reason or "—"

    @admin.display(description=_("deadline"), ordering="deadline")
    def deadline_date(self, duty):
        return duty.deadline.isoformat()

    @admin.display(description=_("working days overdue"))
    def days_overdue(self, duty):
        return format_html(
            '<strong class="overdue">{}</strong>',
            overdue.working_days_overdue(duty.deadline, timezone.localdate()),
        )

    @admin.display(description=_("reminders sent"), ordering="reminders_sent")
    def reminders(self, duty):
        return duty.reminders_sent

    @admin.display(description=_("last order to correct"), ordering="last_order")
    def last_order(self, duty):
        return duty.last_order.isoformat() if duty.last_order else "—"

    @admin.display(description=_("order to correct"))
    def order_link(self, duty):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:filings_overdueduty_order", args=[duty.pk]),
            gettext("Record an order to correct"),
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/order/", wrap(self.order), name="filings_overdueduty_order"),
            path("export.csv", wrap(self.export_csv), name="filings_overdueduty_export_csv"),
            path("export.xlsx", wrap(self.export_xlsx), name="filings_overdueduty_export_xlsx"),
            *super().get_urls(),
        ]

    def _visible(self, request, pk) -> OverdueDuty:
        if not self.has_view_permission(request):
            raise Http404
        return get_object_or_404(self.get_queryset(request), pk=pk)

    def order(self, request, pk):
        duty = self._visible(request, pk)
        if not may_review(request.user):
            raise Http404
        form = CorrectionOrderForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.order_correction(
                    duty.pk,
                    request.user,
                    form.cleaned_data["correct_by"],
                    form.cleaned_data["note"],
                )
            except services.FilingError as error:
                form.add_error("correct_by", str(error.message))
            else:
                self.message_user(
                    request,
                    gettext("Order to correct recorded; the organization has been emailed."),
                    messages.SUCCESS,
                )
                return redirect("admin:filings_overdueduty_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Order to correct"),
            "duty": duty,
            "form": form,
            "days_overdue": overdue.working_days_overdue(duty.deadline, timezone.localdate()),
            "orders": duty.correction_orders.select_related("issued_by")[:20],
        }
        return TemplateResponse(request, "admin/filings/overdueduty/order.html", context)

    def _changelist_queryset(self, request):
        if not self.has_view_permission(request):
            raise Http404
        return self.get_changelist_instance(request).get_queryset(request)

    def export_csv(self, request):
        today = timezone.localdate()
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        queryset = self._changelist_queryset(request)
        record_export(request, f"not-filed-{stamp}.csv")
        return overdue.csv_response(queryset, today, f"not-filed-{stamp}.csv")

    def export_xlsx(self, request):
        today = timezone.localdate()
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        queryset = self._changelist_queryset(request)
        record_export(request, f"not-filed-{stamp}.xlsx")
        return overdue.xlsx_response(queryset, today, f"not-filed-{stamp}.xlsx")


@admin.register(CorrectionOrder)
class CorrectionOrderAdmin(ReadOnlyReviewAdmin, admin.ModelAdmin):
    """The log of orders to correct: read by the office that gave them; changed by no one."""

    list_display = ("ordered_on", "organization", "office", "correct_by", "issued_by")
    readonly_fields = [field.name for field in CorrectionOrder._meta.fields]
    list_select_related = ("organization", "office", "issued_by")
    show_full_result_count = False
    paginator = BoundedCountPaginator

    def get_queryset(self, request):
        visible = obligations_visible_to(request.user).values("pk")
        return super().get_queryset(request).filter(obligation__in=visible)
