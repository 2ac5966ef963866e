"""Administrators' pages: the working-day calendar, jurisdictions, organizations, obligations."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from filings import calendars, deadlines
from filings.models import (
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


class CalendarPeriodFormSet(BaseInlineFormSet):
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

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Touch the year so every process rebuilds its index, then move the deadlines it affects.
        form.instance.save(update_fields=["updated_at"])
        deadlines.calendar_changed(form.instance.year)

    def delete_model(self, request, obj):
        year = obj.year
        super().delete_model(request, obj)
        deadlines.calendar_changed(year)

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
                calendars.replace_periods(calendar_year, periods)
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


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "level", "office_name")
    list_filter = ("level",)
    search_fields = ("code", "name", "name_en", "office_name")
    list_select_related = ("province",)
    readonly_fields = ("code", "name", "name_en", "level", "province")
    fields = ("code", "name", "name_en", "level", "province", "office_name", "office_name_en")

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
    list_display = ("name", "uscc", "address_division", "contact_name", "created_at")
    search_fields = ("name", "uscc")
    inlines = [MembershipInline, HeadcountInline]
    exclude = ("responsible_person_id_number",)
    readonly_fields = ("masked_responsible_person_id_number", "created_at")

    @admin.display(description=_("responsible person's ID number"))
    def masked_responsible_person_id_number(self, obj):
        return obj.masked_responsible_person_id_number


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
