"""The audit trail in the admin: read by administrators, changed by no one."""

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from filings.admin.review import BoundedCountPaginator
from filings.models import AuditEntry, Organization
from filings.registry import audit
from portal.admin_site import ReadOnlyAdmin


class OrganizationFilter(admin.SimpleListFilter):
    """One organization's rows. Offered from the organization's admin page (and kept while
    filtering further): listing every organization here would read them all on each page."""

    title = _("organization")
    parameter_name = "organization"

    def organization_id(self) -> int | None:
        value = self.value() or ""
        # An id, and one a 64-bit column can hold: anything else matches no organization.
        return int(value) if value.isdigit() and len(value) <= 18 else None

    def lookups(self, request, model_admin):
        pk = self.organization_id()
        if pk is None:
            return []
        return list(Organization.objects.filter(pk=pk).values_list("pk", "name"))

    def has_output(self):
        return True  # applied even for an organization offered nowhere (or none at all)

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        pk = self.organization_id()
        return queryset.none() if pk is None else queryset.filter(organization_id=pk)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("created_at", "action", "actor", "organization", "object_repr", "what_changed")
    list_filter = ("action", OrganizationFilter)
    list_select_related = ("actor", "organization", "content_type")
    search_fields = ("object_repr", "actor__email", "organization__name", "organization__uscc")
    show_full_result_count = False
    paginator = BoundedCountPaginator
    fields = (
        "created_at",
        "action",
        "actor",
        "organization",
        "content_type",
        "object_id",
        "object_repr",
        "what_changed",
    )
    readonly_fields = fields

    @admin.display(description=_("Before → after"))
    def what_changed(self, obj):
        return format_html_join(
            "",
            "<div>{}: {} → {}</div>",
            audit.describe(obj),
        )
