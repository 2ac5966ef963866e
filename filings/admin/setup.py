"""Administrators' pages: the working-day calendar, jurisdictions, organizations, obligations."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.throttling import client_address
from filings.calendar import calendars
from filings.lifecycle import deadlines, retention
from filings.models import (
    AuditEntry,
    CalendarPeriod,
    CalendarYear,
    DeadlineChange,
    HeadcountDeclaration,
    Jurisdiction,
    Membership,
    Obligation,
    ObligationEvent,
    Organization,
)
from filings.models.organizations import ORGANIZATION_FIELDS
from filings.registry import audit, identifiers


class CalendarPeriodFormSet(BaseInlineFormSet):
    """A table of periods: each input named by its column and row (a table's header labels no
    input for a screen reader, and axe counts each one unlabelled)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        row = _("new") if index is None else index + 1
        for name, field in form.fields.items():
            label = field.label or name
            if name == "DELETE":
                label = _("Delete")
            field.widget.attrs["aria-label"] = f"{label} · {row}"

    def clean(self):
        super().clean()
        if any(self.errors) or not self.instance.year:
            return
        periods = [
            calendars.Period(
                form.cleaned_data["kind"],
                form.cleaned_data["first_day"],
                form.cleaned_data["last_day"],
            )
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("first_day")
            and form.cleaned_data.get("last_day")
        ]
        errors = calendars.period_errors(self.instance.year, periods)
        if errors:
            raise ValidationError(errors)


class CalendarPeriodInline(admin.TabularInline):
    model = CalendarPeriod
    formset = CalendarPeriodFormSet
    extra = 3
    fields = ("kind", "first_day", "last_day", "label")


class CalendarCSVForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "One period per line: kind (off/休 or work/班), first day, last day, label. "
            "Dates as YYYY-MM-DD. It replaces the year's periods."
        ),
    )


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "published", "notice", "period_count", "updated_at")
    list_filter = ("published",)
    inlines = [CalendarPeriodInline]
    readonly_fields = ("source", "updated_at")
    change_form_template = "admin/filings/calendaryear/change_form.html"

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(_periods=Count("periods"))

    @admin.display(description=_("periods"), ordering="_periods")
    def period_count(self, obj):
        return obj._periods

    def save_model(self, request, obj, form, change):
        # What the year and its periods were, read before anything of the form is saved.
        stored = CalendarYear.objects.filter(pk=obj.pk).first() if change else None
        request._calendar_before = _calendar_facts(stored) if stored else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Touch the year so every process rebuilds its index, then move the deadlines it affects.
        form.instance.save(update_fields=["updated_at"])
        before, after = audit.changed(
            getattr(request, "_calendar_before", {}), _calendar_facts(form.instance)
        )
        if after:
            audit.record(
                AuditEntry.Action.CALENDAR_YEAR_CHANGED
                if change
                else AuditEntry.Action.CALENDAR_YEAR_ADDED,
                actor=request.user,
                obj=form.instance,
                before=before,
                after=after,
            )
        deadlines.calendar_changed(form.instance.year)

    def delete_model(self, request, obj):
        year = obj.year
        audit.record(
            AuditEntry.Action.CALENDAR_YEAR_DELETED,
            actor=request.user,
            obj=obj,
            before=_calendar_facts(obj),
        )
        super().delete_model(request, obj)
        deadlines.calendar_changed(year)

    def delete_queryset(self, request, queryset):
        years = list(queryset)
        for calendar_year in years:
            audit.record(
                AuditEntry.Action.CALENDAR_YEAR_DELETED,
                actor=request.user,
                obj=calendar_year,
                before=_calendar_facts(calendar_year),
            )
        super().delete_queryset(request, queryset)
        for calendar_year in years:
            deadlines.calendar_changed(calendar_year.year)

    def get_urls(self):
        return [
            path(
                "<int:pk>/import/",
                self.admin_site.admin_view(self.import_csv),
                name="filings_calendaryear_import",
            ),
            *super().get_urls(),
        ]

    def import_csv(self, request, pk):
        calendar_year = get_object_or_404(CalendarYear, pk=pk)
        if not self.has_change_permission(request, calendar_year):
            return redirect("admin:index")
        form = CalendarCSVForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                periods = calendars.parse_csv(form.cleaned_data["file"].read(1_000_000))
                calendars.replace_periods(calendar_year, periods, actor=request.user)
            except calendars.CalendarCSVError as error:
                form.add_error("file", str(error))
            else:
                deadlines.calendar_changed(calendar_year.year)
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d period imported for %(year)s.",
                        "%(count)d periods imported for %(year)s.",
                        len(periods),
                    )
                    % {"count": len(periods), "year": calendar_year.year},
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:filings_calendaryear_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": calendar_year,
            "form": form,
            "title": _("Import the periods of %(year)s") % {"year": calendar_year.year},
        }
        return render(request, "admin/filings/calendaryear/import.html", context)


def _calendar_facts(calendar_year: CalendarYear) -> dict:
    return {
        **audit.field_values(calendar_year, ["year", "published", "notice"]),
        "periods": audit.period_facts(calendar_year.periods.order_by("first_day", "pk")),
    }


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "level", "office_name", "sign_off")
    list_filter = ("level", "sign_off")
    search_fields = ("code", "name", "name_en", "office_name")
    list_select_related = ("province",)
    readonly_fields = ("code", "name", "name_en", "level", "province")
    fields = (
        "code",
        "name",
        "name_en",
        "level",
        "province",
        "office_name",
        "office_name_en",
        "sign_off",
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class HeadcountInline(admin.TabularInline):
    """The declared totals of distinct people, read-only: a history, never edited."""

    model = HeadcountDeclaration
    extra = 0
    can_delete = False
    readonly_fields = [
        "people_total",
        "reached_on",
        "largest_system",
        "systems_sum",
        "declared_by",
        "declared_at",
    ]

    def has_add_permission(self, request, obj=None):
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "uscc", "address_division", "contact_name", "legal_hold", "created_at")
    list_filter = ("legal_hold",)
    search_fields = ("name", "uscc")
    search_help_text = _(
        "Name, unified social credit code, or the responsible person's full ID number."
    )
    inlines = [MembershipInline, HeadcountInline]
    exclude = ("responsible_person_id_number",)
    readonly_fields = ("masked_responsible_person_id_number", "created_at", "audit_trail")

    def get_search_results(self, request, queryset, search_term):
        results, duplicates = super().get_search_results(request, queryset, search_term)
        try:
            number = identifiers.clean_ric(search_term)
        except ValidationError:
            return results, duplicates
        found = queryset.filter(Organization.with_responsible_person_id_number(number))
        return results | found, duplicates

    @admin.display(description=_("responsible person's ID number"))
    def masked_responsible_person_id_number(self, obj):
        return obj.masked_responsible_person_id_number

    @admin.display(description=_("audit trail"))
    def audit_trail(self, obj):
        if obj.pk is None:
            return "—"
        url = reverse("admin:filings_auditentry_changelist")
        return format_html(
            '<a href="{}?organization={}">{}</a>', url, obj.pk, _("Who changed what, and when")
        )

    def save_model(self, request, obj, form, change):
        fields = [name for name in form.changed_data if name in ORGANIZATION_FIELDS]
        stored = Organization.objects.filter(pk=obj.pk).first() if change else None
        before = audit.field_values(stored, fields) if stored else {}
        hold = (obj.legal_hold, obj.legal_hold_reason)
        if stored is not None:
            # The hold goes through its verb (audited), not through the form's save.
            obj.legal_hold, obj.legal_hold_reason = stored.legal_hold, stored.legal_hold_reason
        super().save_model(request, obj, form, change)
        if hold != (obj.legal_hold, obj.legal_hold_reason):
            retention.set_legal_hold(
                obj, request.user, hold=hold[0], reason=hold[1], address=client_address(request)
            )
        if change:
            before, after = audit.changed(before, audit.field_values(obj, fields))
            action = AuditEntry.Action.ORGANIZATION_EDITED
        else:
            after = audit.field_values(obj, ORGANIZATION_FIELDS)
            action = AuditEntry.Action.ORGANIZATION_REGISTERED
        if after:
            audit.record(
                action, actor=request.user, obj=obj, organization=obj, before=before, after=after
            )

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        roles = dict(
            Membership.objects.filter(organization=form.instance).values_list("pk", "role")
        )
        action = AuditEntry.Action
        for membership in [f.instance for f in formset.deleted_forms if f.instance.pk]:
            membership.role = roles.get(membership.pk, membership.role)  # as stored, not as posted
            audit.record_member(
                action.MEMBER_REMOVED, actor=request.user, membership=membership, before=True
            )
        super().save_formset(request, form, formset, change)
        for membership in formset.new_objects:
            audit.record_member(
                action.MEMBER_ADDED, actor=request.user, membership=membership, after=True
            )
        for membership, _fields in formset.changed_objects:
            if roles.get(membership.pk) != membership.role:
                audit.record(
                    action.ROLE_CHANGED,
                    actor=request.user,
                    obj=membership,
                    organization=membership.organization,
                    object_repr=membership.user.email,
                    before={"role": roles.get(membership.pk)},
                    after={"role": membership.role},
                )


class ObligationEventInline(admin.TabularInline):
    model = ObligationEvent
    extra = 0
    can_delete = False
    readonly_fields = [
        "action",
        "old_regime",
        "new_regime",
        "old_office",
        "new_office",
        "old_deadline",
        "new_deadline",
        "note",
        "created_at",
    ]

    def has_add_permission(self, request, obj=None):
        return False


class DeadlineChangeInline(admin.TabularInline):
    model = DeadlineChange
    extra = 0
    can_delete = False
    readonly_fields = [
        "old_deadline",
        "old_final",
        "new_deadline",
        "new_final",
        "calendar_year",
        "changed_at",
    ]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Obligation)
class ObligationAdmin(admin.ModelAdmin):
    list_display = (
        "organization",
        "kind",
        "status",
        "office",
        "trigger_date",
        "deadline",
        "deadline_final",
        "regime",
    )
    list_filter = ("status", "kind", "deadline_final", "regime")
    list_select_related = ("organization", "office")
    search_fields = ("organization__name", "organization__uscc")
    inlines = [DeadlineChangeInline, ObligationEventInline]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
