"""The audit trail in the admin: read by administrators, changed by no one."""

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from filings.admin.review import BoundedCountPaginator
from filings.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "action", "actor", "organization", "object_repr", "what_changed")
    list_filter = ("action", ("organization", admin.RelatedOnlyFieldListFilter))
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
            obj.changes,
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
