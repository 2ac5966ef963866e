"""What the retention rules delete in the next 30 days, for administrators: each filing, what
goes, on which day; an organization under a legal hold is not listed (nothing of it goes)."""

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from filings.admin.review import BoundedCountPaginator
from filings.lifecycle import retention
from filings.models import PurgeDue
from portal.admin_site import ReadOnlyAdmin

WINDOW_DAYS = 30


@admin.register(PurgeDue)
class PurgeDueAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("reference", "organization_link", "kind", "status", "due_on", "what_goes")
    list_display_links = None
    list_select_related = ("organization", "original")
    search_fields = ("organization__name", "organization__uscc", "receipt_number")
    show_full_result_count = False
    paginator = BoundedCountPaginator
    list_per_page = 100

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def changelist_view(self, request, extra_context=None):
        title = _(
            "Due for deletion in the next 30 days: the daily purge deletes these filings' files "
            "and personal details on the day shown. Organizations under a legal hold "
            "are not listed."
        )
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def get_queryset(self, request):
        return retention.due_within(timezone.now(), WINDOW_DAYS)

    @admin.display(description=_("filing"))
    def reference(self, filing):
        return filing.filing_number or filing.receipt_number or f"#{filing.pk}"

    @admin.display(description=_("organization"))
    def organization_link(self, filing):
        url = reverse("admin:filings_organization_change", args=[filing.organization_id])
        return format_html('<a href="{}">{}</a>', url, filing.organization.name)

    @admin.display(description=_("deleted on"))
    def due_on(self, filing):
        day = retention.due_on(filing)
        return max(day, timezone.localdate()) if day else "—"

    @admin.display(description=_("what is deleted"))
    def what_goes(self, filing):
        return _("attachments, the filing form, the responsible person's and the contact's details")
