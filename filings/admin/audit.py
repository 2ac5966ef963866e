"""The audit trail in the admin: read by administrators, changed by no one."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from filings.admin.review import BoundedCountPaginator
from filings.models import Attachment, AuditEntry, Document, Organization
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


class PersonFilter(admin.SimpleListFilter):
    """One person's actions (``?person=<user id>``): offered from a row's person, not listed
    whole, for the same reason as the organizations."""

    title = _("person")
    parameter_name = "person"

    def person_id(self) -> int | None:
        value = self.value() or ""
        return int(value) if value.isdigit() and len(value) <= 18 else None

    def lookups(self, request, model_admin):
        pk = self.person_id()
        if pk is None:
            return []
        return [(pk, str(user)) for user in get_user_model().objects.filter(pk=pk)]

    def has_output(self):
        return True

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        pk = self.person_id()
        return queryset.none() if pk is None else queryset.filter(actor_id=pk)


class FileFilter(admin.SimpleListFilter):
    """Every look at one file and what was done to it (``?file=attachment-<id>`` or
    ``document-<id>``): "who opened this person's ID card"."""

    title = _("file")
    parameter_name = "file"
    MODELS = {"attachment": Attachment, "document": Document}

    def target(self):
        model, _sep, pk = (self.value() or "").partition("-")
        if model not in self.MODELS or not pk.isdigit() or len(pk) > 18:
            return None, None
        return self.MODELS[model], pk

    def lookups(self, request, model_admin):
        model, pk = self.target()
        if model is None:
            return []
        return [(self.value(), str(row)) for row in model.objects.filter(pk=pk)]

    def has_output(self):
        return True

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        model, pk = self.target()
        if model is None:
            return queryset.none()
        return queryset.filter(content_type=ContentType.objects.get_for_model(model), object_id=pk)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "action",
        "person",
        "address",
        "organization",
        "object_repr",
        "what_changed",
    )
    list_filter = ("action", OrganizationFilter, PersonFilter, FileFilter)
    list_select_related = ("actor", "organization", "content_type")
    search_fields = (
        "object_repr",
        "actor__email",
        "actor__name",
        "organization__name",
        "organization__uscc",
        "=address",
    )
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
        "address",
        "what_changed",
    )
    readonly_fields = fields

    @admin.display(description=_("by"), ordering="actor__email")
    def person(self, obj):
        if obj.actor_id is None:
            return "—"
        return format_html('<a href="?person={}">{}</a>', obj.actor_id, obj.actor)

    @admin.display(description=_("Before → after"))
    def what_changed(self, obj):
        return format_html_join(
            "",
            "<div>{}: {} → {}</div>",
            audit.describe(obj),
        )
