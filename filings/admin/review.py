"""The review workspace: the queue of filings sorted by urgency, the filing page with the
decisions, downloads, exports and statistics. Everything starts from ``filings_visible_to``, so a
reviewer sees the filings of its office and nothing else (another office's filing is 404)."""

import re

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponseNotAllowed, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from filings.admin.handling import HandlingAdminMixin, HolderFilter
from filings.admin.province_urls import province_urls
from filings.admin.queue_filters import QueueStatusFilter, QueueViewFilter
from filings.admin.queue_rows import OPEN, review_overdue
from filings.documents import comparisons, documents, summary
from filings.law import compliance
from filings.lifecycle import services
from filings.models import (
    Attachment,
    AuditEntry,
    Document,
    ExportJob,
    Filing,
    FilingEvent,
    RecognitionSystem,
)
from filings.models.filings import review_urgency
from filings.registry import audit
from filings.review.review_scope import (
    filings_visible_to,
    may_review,
    office_of,
    offices_in_jurisdiction,
    offices_visible_to,
)
from filings.review.reviewer_group import is_office_lead
from filings.review.statistics import city_name
from portal.admin_site import ReadOnlyAdmin

USCC_LIKE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")
RECEIPT_LIKE = re.compile(r"FR\d{14,}")
FILING_NUMBER_PREFIX = "网信人脸备"


SYSTEM_FIELDS_SHOWN = (
    "name",
    "people_stored",
    "used_in_public_place",
    "count_reached_on",
    "research_only",
    "retired_on",
)


class BoundedCountPaginator(Paginator):
    """Counts at most LIMIT + 1 rows: on a large table the admin would otherwise count them all.
    The count drops the list's ORDER BY: sorting ten thousand rows to count them is wasted."""

    LIMIT = 10_000

    @cached_property
    def count(self):
        return self.object_list.order_by()[: self.LIMIT + 1].count()

    def page(self, number):
        """A page found by its keys first: the rows skipped to reach page 50 are read from the
        index alone (an index-only scan), and only the page's own rows from the table. The first
        page skips nothing: it is read as Django does, in as many queries as a queue of one page."""
        number = self.validate_number(number)
        if number == 1:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self.object_list.filter(pk__in=keys).order_by()}
        return self._get_page([rows[key] for key in keys if key in rows], number, self)


class ReadOnlyReviewAdmin(ReadOnlyAdmin):
    """The review workspace's read-only pages: a filing changes through the service verbs, which
    write its event; a row outside the reviewer's scope (left out by get_queryset) does not exist
    for them: 404, not a redirect."""

    def get_object(self, request, object_id, from_field=None):
        found = super().get_object(request, object_id, from_field)
        if found is None:
            raise Http404
        return found


class OverdueFilter(admin.SimpleListFilter):
    title = _("review overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        overdue = {"status__in": OPEN, "review_due__lt": timezone.localdate()}
        if self.value() == "yes":
            return queryset.filter(**overdue)
        if self.value() == "no":
            return queryset.exclude(**overdue)
        return queryset


class HasWarningsFilter(admin.SimpleListFilter):
    title = _("check warnings")
    parameter_name = "warnings"

    def lookups(self, request, model_admin):
        return [("yes", _("With warnings")), ("no", _("Without warnings"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(warning_count__gt=0)
        if self.value() == "no":
            return queryset.filter(warning_count=0)
        return queryset


class OfficeFilter(admin.SimpleListFilter):
    title = _("city")
    parameter_name = "office"

    def lookups(self, request, model_admin):
        # A city's reviewer sees its own office only: offered without a query. A provincial
        # reviewer (or a superuser) is offered the offices that hold filings: a few rows, not a
        # DISTINCT over the filings.
        english = get_language() == "en"
        own = office_of(request.user)
        if own is not None and own.level != own.Level.PROVINCE:
            offices = [(own.pk, own.code, own.name, own.name_en)]
        else:
            offices = offices_visible_to(request.user).values_list("pk", "code", "name", "name_en")
        self.office_ids = {}
        choices = []
        for pk, code, name, name_en in offices:
            self.office_ids[code] = pk
            choices.append((code, name_en if english else name))
        return choices

    def queryset(self, request, queryset):
        # By the office's key, which the choices read: no join of the offices for the filter.
        if not self.value():
            return queryset
        office_id = self.office_ids.get(self.value())
        return queryset.filter(office_id=office_id) if office_id else queryset.none()


# What a page of the queue shows (filings/admin/queue_rows.py), and nothing more: a row reads these
# columns, not all 60-odd of a filing's, its organization's and its holder's. The exports and the
# counts read the list as the changelist filters it, without this (FilingAdmin.get_paginator).
QUEUE_ROW_FIELDS = (
    "receipt_number",
    "kind",
    "status",
    "submitted_at",
    "review_due",
    "late",
    "warning_count",
    "proposed_decision",
    "organization",
    "organization__name",
    "organization__uscc",
    "organization__address_division",
    "holder",
    "holder__name",
    "holder__email",
)

QUEUE_UNREAD_ORGANIZATION_FIELDS = (
    "organization__responsible_person_id_number",
    "organization__responsible_person_id_digest",
    "organization__contact_mobile",
)


@admin.register(Filing)
class FilingAdmin(HandlingAdminMixin, ReadOnlyReviewAdmin, admin.ModelAdmin):
    list_display = (
        "receipt",
        "organization_name",
        "uscc",
        "city",
        "kind",
        "status",
        "holder_name",
        "submitted_at",
        "review_due_flagged",
        "late_flag",
        "warning_count",
    )
    list_display_links = ("receipt",)
    list_filter = (
        QueueViewFilter,
        QueueStatusFilter,
        HolderFilter,
        "kind",
        OverdueFilter,
        OfficeFilter,
        HasWarningsFilter,
        "regime",
    )
    search_fields = ("organization__name", "organization__uscc", "receipt_number", "filing_number")
    list_select_related = ("organization", "holder")
    paginator = BoundedCountPaginator
    show_full_result_count = False
    list_per_page = 50
    change_list_template = "admin/filings/filing/change_list.html"

    def changelist_view(self, request, extra_context=None):
        # Django would title it "Select filing to view"; the link to it says 审核队列.
        office = office_of(request.user)
        pages = {
            # Both read what the request has already read: the permissions and the office.
            "shows_overdue_reviews": is_office_lead(request.user),
            "shows_province": office is not None and office.level == office.Level.PROVINCE,
        }
        return super().changelist_view(
            request, {"title": gettext("Review queue"), **pages, **(extra_context or {})}
        )

    def get_queryset(self, request):
        # The content (a JSON document per filing) is never shown in a list: not read for one.
        # The pages that use it ask for it back (``_visible``). Nor are the organization's sealed
        # columns: each would be opened (decrypted) for every row of the page, for nothing.
        queryset = Filing.objects.annotate(urgency=review_urgency()).defer(
            "data", *QUEUE_UNREAD_ORGANIZATION_FIELDS
        )
        queryset = filings_visible_to(request.user, queryset)
        return queryset.order_by(*self.get_ordering(request))

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        if queryset.model is Filing:  # the queue's page, not a filing's history
            queryset = queryset.only(*QUEUE_ROW_FIELDS)
        return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)

    def get_ordering(self, request):
        # Open reviews first, the most urgent due date first; then returned, then decided.
        # The index filing_review_queue follows this order. Filtered to one status, the urgency
        # is one value: the order starts at the due date, as the index filing_queue_by_status.
        if request.GET.get("status__exact") in Filing.Status.values:
            return ("review_due", "submitted_at", "pk")
        return ("urgency", "review_due", "submitted_at", "pk")

    def get_search_results(self, request, queryset, search_term):
        """A USCC, a receipt number or a filing number is looked up exactly (an index each); any
        other words are each a part of the organization's name (a trigram index on PostgreSQL)."""
        term = " ".join(search_term.split())
        if not term:
            return queryset, False
        if USCC_LIKE.fullmatch(term.upper()):
            return queryset.filter(organization__uscc=term.upper()), False
        if RECEIPT_LIKE.fullmatch(term.upper()):
            return queryset.filter(receipt_number=term.upper()), False
        if term.startswith(FILING_NUMBER_PREFIX):
            return queryset.filter(filing_number=term), False
        for word in term.split():
            queryset = queryset.filter(organization__name__icontains=word)
        return queryset, False

    @admin.display(description=_("receipt number"), ordering="receipt_number")
    def receipt(self, filing):
        return filing.receipt_number

    @admin.display(description=_("organization"), ordering="organization__name")
    def organization_name(self, filing):
        return filing.organization.name

    @admin.display(description=_("USCC"))
    def uscc(self, filing):
        return filing.organization.uscc

    @admin.display(description=_("city"))
    def city(self, filing):
        return city_name(filing.organization.address_division)

    @admin.display(description=_("review due"), ordering="review_due")
    def review_due_flagged(self, filing):
        if filing.review_due is None:
            return "—"
        if review_overdue(filing, timezone.localdate()):
            return format_html(
                '<strong class="overdue">{} · {}</strong>',
                filing.review_due.isoformat(),
                gettext("overdue"),
            )
        return filing.review_due.isoformat()

    @admin.display(description=_("filed late"), ordering="late")
    def late_flag(self, filing):
        # Words, not Django's green tick: a late filing is not good news.
        if filing.late:
            return format_html('<span class="late">{}</span>', gettext("Filed late"))
        return "—"

    # --- The filing page ---------------------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/decide/", wrap(self.decide), name="filings_filing_decide"),
            path(
                "<int:pk>/documents/",
                wrap(self.documents_panel),
                name="filings_filing_documents_panel",
            ),
            path("<int:pk>/messages/", wrap(self.write_message), name="filings_filing_message"),
            path(
                "<int:pk>/id-number/",
                wrap(self.reveal_id_number),
                name="filings_filing_id_number",
            ),
            path(
                "<int:pk>/system-form.pdf",
                wrap(self.system_form),
                name="filings_filing_system_form",
            ),
            path(
                "<int:pk>/attachments/<int:attachment_id>/",
                wrap(self.attachment_download),
                name="filings_filing_attachment",
            ),
            path(
                "<int:pk>/documents/<int:document_id>/",
                wrap(self.document_download),
                name="filings_filing_document",
            ),
            path("export.csv", wrap(self.export_csv), name="filings_filing_export_csv"),
            path("export.xlsx", wrap(self.export_xlsx), name="filings_filing_export_xlsx"),
            path(
                "exports/<int:job_id>/",
                wrap(self.export_job),
                name="filings_filing_export_job",
            ),
            path(
                "exports/<int:job_id>/download/",
                wrap(self.export_job_download),
                name="filings_filing_export_job_download",
            ),
            path("statistics/", wrap(self.statistics), name="filings_filing_statistics"),
            *self.handling_urls(),
            *province_urls(self),
            *super().get_urls(),
        ]

    def _visible(self, request, pk, *, content: bool = True) -> Filing:
        """The filing, if the reviewer sees it (404 otherwise), with its content unless the page
        has no use for it: the review page shows the submitted version's, not the filing's."""
        if not self.has_view_permission(request):
            raise Http404
        queryset = self.get_queryset(request)
        if content:
            queryset = queryset.defer(None).defer(*QUEUE_UNREAD_ORGANIZATION_FIELDS)
        return get_object_or_404(
            # The organization with the filing; its sealed columns are opened only where a page
            # reads them.
            queryset.select_related(
                "organization", "office", "original", "duty", "holder", "proposed_by"
            ),
            pk=pk,
        )

    @staticmethod
    def _documents(filing) -> dict:
        rows = list(filing.documents.select_related("version").order_by("-created_at", "-pk"))
        generating = any(row.status == Document.Status.PENDING for row in rows)
        return {"documents": rows, "generating": generating}

    def documents_panel(self, request, pk):
        """The review page's list of documents; while one is generating it polls itself, as the
        filer's page does, so that a notice being written shows up without a reload."""
        filing = self._visible(request, pk)
        return TemplateResponse(
            request,
            "admin/filings/filing/_documents.html",
            {"filing": filing, **self._documents(filing)},
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        try:
            filing = self._visible(request, int(object_id), content=False)
        except ValueError:
            raise Http404 from None
        versions = list(filing.versions.select_related("submitted_by").order_by("number"))
        latest = versions[-1] if versions else None
        language = get_language()
        findings = [
            {
                "severity": item["severity"],
                "message": item["message"].get(language) or item["message"].get("en"),
                "rule": item["rule"].get(language) or item["rule"].get("en"),
            }
            for item in (latest.findings if latest else [])
        ]
        attachment_ids = [item["id"] for item in (latest.attachments if latest else [])]
        context_events = list(
            filing.events.select_related("actor").order_by("created_at", "pk")[:500]
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"{filing.get_kind_display()} {filing.receipt_number}",
            "filing": filing,
            "original": filing,
            "latest": latest,
            "versions": versions,
            "sections": summary.sections(filing.kind, latest.data) if latest else [],
            "errors": [f for f in findings if f["severity"] == compliance.ERROR],
            "warnings": [f for f in findings if f["severity"] == compliance.WARNING],
            "attachments": Attachment.objects.filter(pk__in=attachment_ids, filing=filing),
            **self._documents(filing),
            "changes": comparisons.changes_shown(filing, versions),
            # What the organization declares, as it stands: research-only and retired systems
            # shown as such (the history of each is on the organization's page).
            "systems": RecognitionSystem.objects.filter(organization_id=filing.organization_id)
            .order_by("name")
            .only(*SYSTEM_FIELDS_SHOWN)[:50],
            "events": context_events,
            "may_review": may_review(request.user),
            "may_reveal": bool(latest)
            and bool((latest.data.get("organization") or {}).get("responsible_person_id_number")),
            "can_start": filing.status == Filing.Status.SUBMITTED,
            "can_decide": filing.status in OPEN,
            "can_revoke": filing.status == Filing.Status.FILED
            and filing.kind == Filing.Kind.INITIAL,
            "messages_thread": [
                event
                for event in context_events
                if event.action
                in (
                    FilingEvent.Action.MESSAGE_FROM_OFFICE,
                    FilingEvent.Action.MESSAGE_FROM_ORGANIZATION,
                )
            ],
            "max_message": services.MAX_MESSAGE,
            "overdue": filing.status in OPEN
            and filing.review_due
            and filing.review_due < timezone.localdate(),
            **self.handling_context(request, filing),
        }
        return TemplateResponse(request, "admin/filings/filing/review.html", context)

    @staticmethod
    def _decision(verb, filing_id, user, reasons):
        if verb == "start_review":
            return services.start_review(filing_id, user)
        if verb == "approve":
            return services.approve_filing(filing_id, user, reasons)
        if verb == "return":
            return services.return_filing(filing_id, user, reasons)
        if verb == "refuse":
            return services.refuse_filing(filing_id, user, reasons)
        if verb == "revoke":
            return services.revoke_filing(filing_id, user, reasons)
        raise Http404

    @staticmethod
    def _outcome_message(verb) -> str:
        return {
            "start_review": gettext("You are reviewing this filing."),
            "approve": gettext("Approved: the filing number is issued, the organization emailed."),
            "return": gettext("Returned for correction. The organization has been emailed."),
            "refuse": gettext("Refused. The organization has been emailed."),
            "revoke": gettext(
                "Revoked: the number no longer verifies; the organization has been emailed."
            ),
        }[verb]

    def decide(self, request, pk):
        filing = self._visible(request, pk)
        change_url = reverse("admin:filings_filing_change", args=[filing.pk])
        if request.method != "POST":
            return redirect(change_url)
        if not may_review(request.user):
            raise Http404
        verb = request.POST.get("verb", "")
        try:
            self._decision(verb, filing.pk, request.user, request.POST.get("reasons", ""))
        except services.TransitionNotAllowed:
            filing.refresh_from_db()
            self.message_user(
                request,
                gettext("Someone else has already acted on this filing: it is now %(status)s.")
                % {"status": filing.get_status_display()},
                messages.WARNING,
            )
        except services.FilingError as error:
            self.message_user(request, str(error.message), messages.ERROR)
        else:
            self.message_user(request, self._outcome_message(verb), messages.SUCCESS)
        return redirect(change_url)

    def write_message(self, request, pk):
        """A question to the organization during review, without returning the filing."""
        filing = self._visible(request, pk)
        change_url = reverse("admin:filings_filing_change", args=[filing.pk])
        if request.method != "POST":
            return redirect(change_url)
        if not may_review(request.user):
            raise Http404
        try:
            services.post_message(
                filing.pk, request.user, request.POST.get("body", ""), from_office=True
            )
        except services.FilingError as error:
            self.message_user(request, str(error.message), messages.ERROR)
        else:
            self.message_user(
                request, gettext("Message sent to the organization."), messages.SUCCESS
            )
        return redirect(f"{change_url}#messages")

    def system_form(self, request, pk):
        """The system information form of the filing as submitted, made on request."""
        import io

        filing = self._visible(request, pk)
        name = f"{gettext('System information form')}-{filing.receipt_number}.pdf"
        audit.record_made_file(request, filing, name)
        return FileResponse(
            io.BytesIO(documents.system_form_pdf(filing)),
            as_attachment=False,
            filename=f"{gettext('System information form')}-{filing.receipt_number}.pdf",
            content_type="application/pdf",
        )

    def reveal_id_number(self, request, pk):
        """The full ID number of the filing as submitted, shown on a reviewer's click (a POST, so
        no link, prefetch or history entry shows it) and recorded in the audit trail."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        filing = self._visible(request, pk)
        latest = filing.versions.order_by("-number").first()
        number = ((latest.data if latest else {}).get("organization") or {}).get(
            "responsible_person_id_number", ""
        )
        if not number:
            raise Http404
        audit.record_look(
            request,
            AuditEntry.Action.ID_NUMBER_SHOWN,
            obj=filing,
            organization=filing.organization,
            facts={
                "filing": filing.receipt_number,
                "field": "responsible_person_id_number",
                "file": f"{filing.receipt_number} v{latest.number}",
            },
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Full ID number"),
            "filing": filing,
            "version": latest,
            "person": (latest.data.get("organization") or {}).get("responsible_person", ""),
            "number": number,
        }
        return TemplateResponse(request, "admin/filings/filing/id_number.html", context)

    def attachment_download(self, request, pk, attachment_id):
        filing = self._visible(request, pk)
        attachment = get_object_or_404(Attachment, pk=attachment_id, filing=filing)
        # Checked against its recorded hash, then written in the history and the audit trail.
        return documents.served_attachment(attachment, request)

    def document_download(self, request, pk, document_id):
        filing = self._visible(request, pk)
        document = get_object_or_404(
            Document.objects.select_related("version"),
            pk=document_id,
            filing=filing,
            status=Document.Status.READY,
        )
        return documents.served(document, request, inline=True)

    # --- Exports and statistics --------------------------------------------------------------

    def _changelist_queryset(self, request):
        if not self.has_view_permission(request):
            raise Http404
        return self.get_changelist_instance(request).get_queryset(request)

    def export_csv(self, request):
        from filings.review import exports

        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        queryset = self._changelist_queryset(request)
        record_export(request, f"filings-{stamp}.csv")
        return exports.csv_response(queryset, f"filings-{stamp}.csv")

    def export_xlsx(self, request):
        """A small selection is written now; a large one by a worker, with its progress shown."""
        from filings.review import exports

        queryset = self._changelist_queryset(request)
        limit = exports.DIRECT_XLSX_LIMIT
        if queryset.order_by()[: limit + 1].count() <= limit:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            record_export(request, f"filings-{stamp}.xlsx")
            return exports.xlsx_response(queryset, f"filings-{stamp}.xlsx")
        total = queryset.order_by().count()
        job = exports.start_job(request.user, request.GET.urlencode(), get_language(), total)
        return redirect("admin:filings_filing_export_job", job.pk)

    def _job(self, request, job_id) -> ExportJob:
        if not self.has_view_permission(request):
            raise Http404
        # An export is its requester's alone: another reviewer's is not found.
        return get_object_or_404(ExportJob, pk=job_id, user=request.user)

    def export_job(self, request, job_id):
        from filings.review import exports

        job = self._job(request, job_id)
        exports.requeue_if_stuck(job)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Excel export"),
            "job": job,
            "waiting": job.status in (ExportJob.Status.PENDING, ExportJob.Status.RUNNING),
        }
        return TemplateResponse(request, "admin/filings/filing/export_job.html", context)

    def export_job_download(self, request, job_id):
        job = self._job(request, job_id)
        if job.status != ExportJob.Status.READY:
            raise Http404
        stamp = timezone.localtime(job.finished_at).strftime("%Y%m%d-%H%M")
        record_export(request, f"filings-{stamp}.xlsx", obj=job)
        return FileResponse(
            job.file.open("rb"),
            as_attachment=True,
            filename=f"filings-{stamp}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )

    def statistics(self, request):
        from filings.review import statistics

        if not self.has_view_permission(request):
            raise Http404
        today = timezone.localdate()
        figures = statistics.cached_summary(
            filings_visible_to(request.user), today, offices_in_jurisdiction(request.user)
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Statistics"),
            "figures": figures,
            "chart": statistics.monthly_chart_svg(
                figures["per_month"], title=gettext("Filings submitted per month")
            ),
        }
        return TemplateResponse(request, "admin/filings/filing/statistics.html", context)


def record_export(request, name: str, *, obj=None) -> None:
    """A list of filings or of duties taken out of the workspace, in the audit trail: who, from
    where, which file, with the filters it was made with."""
    audit.record_look(
        request,
        AuditEntry.Action.FILE_READ,
        obj=obj,
        organization=None,
        facts={"file": name, "filters": request.GET.urlencode()[:500]},
    )


def review_queue_selection(user, query: str):
    """The filings of the review queue as ``user`` sees them with ``query`` (its filters and
    search): what an export job written later by a worker must contain."""
    from django.contrib.admin import site

    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = reverse("admin:filings_filing_changelist")
    request.GET = QueryDict(query)
    request.user = user
    return site._registry[Filing]._changelist_queryset(request)


@admin.register(FilingEvent)
class FilingEventAdmin(ReadOnlyReviewAdmin, admin.ModelAdmin):
    """The audit trail: read by reviewers of the filing's office; changed by no one."""

    list_display = ("created_at", "filing", "action", "from_status", "to_status", "actor")
    readonly_fields = [field.name for field in FilingEvent._meta.fields]
    list_filter = ("action",)
    list_select_related = ("filing", "actor")
    show_full_result_count = False
    paginator = BoundedCountPaginator

    def get_queryset(self, request):
        visible = filings_visible_to(request.user).values("pk")
        return super().get_queryset(request).filter(filing__in=visible)


@admin.register(Document)
class DocumentAdmin(ReadOnlyReviewAdmin, admin.ModelAdmin):
    """Generated PDFs; failed ones can be retried by administrators."""

    list_display = ("created_at", "filing", "kind", "version", "status", "attempts", "error")
    list_filter = ("status", "kind")
    list_select_related = ("filing", "version")
    # The file through the audited download, never a storage URL (private files have none).
    fields = [
        "file_link" if field.name == "file" else field.name for field in Document._meta.fields
    ]
    readonly_fields = fields
    actions = ["retry"]
    show_full_result_count = False

    @admin.display(description=_("file"))
    def file_link(self, document):
        if document.purged_at:
            return gettext("deleted on %(date)s (retention period ended)") % {
                "date": timezone.localdate(document.purged_at).isoformat()
            }
        if document.status != Document.Status.READY:
            return "—"
        url = reverse("admin:filings_filing_document", args=[document.filing_id, document.pk])
        return format_html('<a href="{}">{}</a>', url, document.download_name)

    def get_queryset(self, request):
        visible = filings_visible_to(request.user).values("pk")
        return super().get_queryset(request).filter(filing__in=visible)

    @admin.action(description=_("Generate the selected documents again"), permissions=["view"])
    def retry(self, request, queryset):
        if not request.user.is_superuser:
            message = gettext("Only administrators can retry documents.")
            self.message_user(request, message, messages.ERROR)
            return
        count = documents.retry(list(queryset.values_list("pk", flat=True)))
        message = ngettext(
            "%(count)d document queued again.", "%(count)d documents queued again.", count
        )
        self.message_user(request, message % {"count": count}, messages.SUCCESS)
