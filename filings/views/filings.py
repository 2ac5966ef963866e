"""The filing pages. Not behind login_required: for anyone who is not a member, anonymous
visitors included, a filing does not exist (404), as the access rules in
filings/registry/access.py say."""

import functools
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from filings.documents import attachments, comparisons, documents, summary
from filings.forms.filing_steps import STEP_FORMS, DeclarationStep, DeploymentFormSet
from filings.forms.uploads import AttachmentForm
from filings.law import compliance, materials, outcomes, steps
from filings.lifecycle import obligations, services
from filings.models import Attachment, Document, Filing, FilingEvent
from filings.registry import audit
from filings.registry.access import editor_membership, membership_or_404

OUTCOME_ACTIONS = {
    Filing.Status.RETURNED: [FilingEvent.Action.RETURNED],
    Filing.Status.REFUSED: [FilingEvent.Action.REFUSED],
    Filing.Status.WITHDRAWN: [FilingEvent.Action.WITHDRAWN],
    Filing.Status.REVOKED: [FilingEvent.Action.REVOKED],
}
MESSAGE_ACTIONS = [
    FilingEvent.Action.MESSAGE_FROM_OFFICE,
    FilingEvent.Action.MESSAGE_FROM_ORGANIZATION,
]


def _filing(membership, filing_id) -> Filing:
    return get_object_or_404(
        Filing.objects.select_related("office", "original", "obligation", "duty"),
        pk=filing_id,
        organization=membership.organization,
    )


@require_POST
def start_initial(request, org_id):
    membership = editor_membership(request.user, org_id)
    filing = services.start_initial_filing(membership.organization, request.user)
    return redirect(
        "filing_step", org_id=org_id, filing_id=filing.pk, step=steps.first_incomplete(filing)
    )


@require_POST
def start_follow_up(request, org_id, filing_id, kind):
    membership = editor_membership(request.user, org_id)
    original = _filing(membership, filing_id)
    if kind not in (Filing.Kind.CHANGE, Filing.Kind.CANCELLATION):
        raise Http404
    try:
        filing = services.start_follow_up(original, request.user, kind, reuse=False)
    except services.FilingInProgress as in_progress:
        filing = in_progress.filing
        if not filing.editable:
            # Waiting for the office: its page says so and offers to withdraw it.
            messages.info(request, waiting_for_the_office(filing))
            return redirect("filing_detail", org_id=org_id, filing_id=filing.pk)
    except services.FilingError as error:
        messages.error(request, error.message)
        return redirect("filing_detail", org_id=org_id, filing_id=original.pk)
    return redirect(
        "filing_step", org_id=org_id, filing_id=filing.pk, step=steps.first_incomplete(filing)
    )


def waiting_for_the_office(filing) -> str:
    submitted = filing.submitted_at
    return _(
        "A %(kind)s of this filing, submitted on %(date)s, is waiting for the office: a new one "
        "can be started once the office has decided. Here it is; you can withdraw it while no "
        "reviewer has opened it."
    ) % {
        "kind": filing.get_kind_display().lower(),
        "date": timezone.localdate(submitted).isoformat() if submitted else "—",
    }


def detail(request, org_id, filing_id):
    membership = membership_or_404(request.user, org_id)
    filing = _filing(membership, filing_id)
    versions = list(filing.versions.order_by("number"))
    events = (
        filing.events.exclude(action__in=FilingEvent.OFFICE_INTERNAL)
        .select_related("actor")
        .order_by("created_at", "pk")
    )
    last_return = _last_return(filing)
    changes = comparisons.changes_shown(filing, versions)
    outcome = (
        filing.events.filter(action__in=OUTCOME_ACTIONS[filing.status])
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
        if filing.status in OUTCOME_ACTIONS
        else None
    )
    today = timezone.localdate()
    return render(
        request,
        "filings/filing_detail.html",
        {
            "organization": membership.organization,
            "membership": membership,
            "filing": filing,
            "steps": steps.steps_of(filing),
            "next_step": steps.first_incomplete(filing),
            "versions": versions,
            "latest": versions[-1] if versions else None,
            "sections": summary.sections(
                filing.kind, versions[-1].data if versions and not filing.editable else filing.data
            ),
            "events": events,
            "last_return": last_return,
            "changes": changes,
            "attachments": services.current_attachments(filing).select_related("uploaded_by"),
            "follow_ups": filing.follow_ups.order_by("-created_at"),
            "pending_follow_up": filing.follow_ups.filter(
                status__in=[Filing.Status.SUBMITTED, Filing.Status.UNDER_REVIEW]
            ).first(),
            "outcome": outcome,
            "next_steps": outcomes.next_steps(
                filing.status, filing, services.duty_of(filing), today
            )
            if outcome
            else [],
            "can_withdraw": membership.can_edit and filing.status == Filing.Status.SUBMITTED,
            "can_delete": membership.can_edit and filing.status == Filing.Status.DRAFT,
            "can_refile": membership.can_edit
            and filing.status in services.ENDED
            and not filing.refilings.exists(),
            "refilings": filing.refilings.order_by("-created_at")[:5],
            "messages_thread": filing.events.filter(action__in=MESSAGE_ACTIONS)
            .select_related("actor")
            .order_by("created_at", "pk")[:200],
            "can_write": membership.can_edit
            and filing.status not in (Filing.Status.DRAFT, Filing.Status.WITHDRAWN),
            "max_message": services.MAX_MESSAGE,
            **_documents_context(filing),
        },
    )


def _last_return(filing):
    """The office's return of a filing being corrected (its reasons), else None."""
    if filing.status != Filing.Status.RETURNED:
        return None
    return filing.events.filter(action=FilingEvent.Action.RETURNED).order_by("-created_at").first()


def _told_where_to_go(view):
    """A page sent by script to show the progress of its upload is told where to go next (JSON)
    instead of being redirected: the script leaves for it, and the messages wait there."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if request.headers.get("X-Upload-Progress") and response.status_code in (301, 302, 303):
            return JsonResponse({"location": response["Location"]})
        return response

    return wrapped


@_told_where_to_go
def step(request, org_id, filing_id, step):
    membership = membership_or_404(request.user, org_id)
    filing = _filing(membership, filing_id)
    if step not in steps.STEPS_BY_KIND[filing.kind]:
        raise Http404
    if step == "review":
        return review(request, membership, filing)
    can_edit = membership.can_edit and filing.editable
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    section = filing.data.get(step, [] if step == "deployments" else {})
    if step == "deployments":
        form = DeploymentFormSet(
            request.POST or None, initial=section or None, prefix="deployments"
        )
    else:
        form_class = STEP_FORMS[step]
        initial = form_class.initial_from(section)
        if step == "facial_data" and initial.get("people_stored") in (None, ""):
            # What the organization declared: its total across systems, else their sum.
            people = obligations.people_declared(filing.organization)
            if people:
                initial["people_stored"] = people
        form = form_class(request.POST or None, initial=initial)
    # A step opened from the review page ("Fix it", "Edit") leads back to it once saved.
    return_to_review = request.GET.get("from") == "review"
    error_count = 0
    missing = []
    if request.method == "POST" and step == "assessment":
        # One form: a file chosen is stored with the step, whichever button sent it.
        _store_chosen_file(request, filing)
        missing = materials.missing(
            filing.regime, services.current_attachments(filing).values_list("kind", flat=True)
        )
        if "upload" in request.POST:
            # "Upload": the file is stored, and what was typed is kept as it stands.
            valid = form.is_valid()
            section = steps.section_from(step, form, section, valid=valid)
            services.save_step(filing, request.user, step, section, complete=valid and not missing)
            return redirect(_step_url(org_id, filing.pk, step, return_to_review))
    if request.method == "POST":
        valid = form.is_valid()
        if valid or "save_draft" in request.POST:
            section = steps.section_from(step, form, section, valid=valid)
            try:
                # A required material missing keeps the step incomplete.
                services.save_step(
                    filing, request.user, step, section, complete=valid and not missing
                )
            except services.FilingError as error:
                messages.error(request, error.message)
                return redirect("filing_detail", org_id=org_id, filing_id=filing.pk)
            if valid and missing:
                still = _(
                    "Saved. Still to upload: %(materials)s. The step stays incomplete until then."
                )
                messages.warning(
                    request,
                    str(compliance.fmt(still, materials=[m.label for m in missing])),
                )
        if valid and request.POST.get("save_draft") == "add_place":
            # Saved with the block filled in: the page comes back with an empty block after it.
            messages.success(request, _("Place saved. Fill in the next one below."))
            url = _step_url(org_id, filing.pk, step, return_to_review)
            return redirect(f"{url}#place-{len(section) + 1}")
        if valid and "save_draft" in request.POST:
            messages.success(request, _("Draft saved. You can come back to it at any time."))
            return redirect(_step_url(org_id, filing.pk, step, return_to_review))
        if valid:
            next_step = "review" if return_to_review else steps.after(filing, step)
            return redirect("filing_step", org_id=org_id, filing_id=filing.pk, step=next_step)
        error_count = (
            form.total_error_count() if hasattr(form, "total_error_count") else len(form.errors)
        )
        if "save_draft" in request.POST:
            messages.warning(
                request,
                _("Draft saved. Some answers still need attention before this step is complete."),
            )
    if not can_edit:
        for field in _fields_of(form):
            field.disabled = True
    context = {
        "organization": membership.organization,
        "membership": membership,
        "filing": filing,
        "steps": steps.steps_of(filing),
        "step": step,
        "step_label": steps.LABELS[step],
        "form": form,
        "can_edit": can_edit,
        "return_to_review": return_to_review,
        "error_count": error_count,
        "last_return": _last_return(filing),
    }
    if step == "assessment":
        context["attachments"] = services.current_attachments(filing)
        context["upload_form"] = AttachmentForm()
        context["materials"] = materials.checklist(
            filing.regime, [a.kind for a in context["attachments"]]
        )
    return render(request, "filings/filing_step.html", context)


def _store_chosen_file(request, filing) -> None:
    """The attachment chosen on the assessment step, stored as the upload form would."""
    if not request.FILES.get("file"):
        return
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return
    try:
        attachment = attachments.store(
            filing, request.user, form.cleaned_data["kind"], form.cleaned_data["file"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(name)s uploaded.") % {"name": attachment.original_name})


def _step_url(org_id, filing_id, step, return_to_review=False) -> str:
    url = reverse("filing_step", args=[org_id, filing_id, step])
    return f"{url}?from=review" if return_to_review else url


def _fields_of(form):
    if hasattr(form, "forms"):
        return [field for inner in form.forms for field in inner.fields.values()]
    return list(form.fields.values())


def review(request, membership, filing):
    can_submit = membership.can_edit and filing.editable
    if request.method == "POST" and not membership.can_edit:
        raise PermissionDenied
    if request.method == "POST" and not filing.editable:
        # A second click or a second tab: the first submission stands.
        messages.info(request, _("This filing has already been submitted."))
        return redirect("filing_detail", org_id=membership.organization_id, filing_id=filing.pk)
    # Never ticked in advance: the filer declares afresh at every submission.
    form = DeclarationStep(request.POST or None)
    findings = services.submission_findings(filing)
    if request.method == "POST" and form.is_valid():
        services.save_step(filing, request.user, "declaration", form.section())
        try:
            services.submit_filing(filing.pk, request.user)
        except services.SubmissionBlocked as blocked:
            findings = blocked.findings
            messages.error(request, blocked.message)
        except services.TransitionNotAllowed:
            messages.info(request, _("This filing has already been submitted."))
            return redirect("filing_detail", org_id=membership.organization_id, filing_id=filing.pk)
        else:
            messages.success(
                request,
                _(
                    "Submitted. Your receipt number is on this page; "
                    "the receipt will be emailed to you shortly."
                ),
            )
            return redirect("filing_detail", org_id=membership.organization_id, filing_id=filing.pk)
        filing.refresh_from_db()
    errors = compliance.errors(findings)
    if can_submit:
        # The declaration is ticked in the form beside the list: listing it as a problem to fix
        # elsewhere would keep "fix the problems first" on a filing that has none.
        errors = [f for f in errors if f.code != compliance.NOT_DECLARED_TRUTHFUL.code]
    return render(
        request,
        "filings/filing_review.html",
        {
            "organization": membership.organization,
            "membership": membership,
            "filing": filing,
            "steps": steps.steps_of(filing),
            "step": "review",
            "form": form,
            "can_submit": can_submit,
            "errors": errors,
            "warnings": compliance.warnings(findings),
            "attachments": services.current_attachments(filing),
            "sections": summary.sections(filing.kind, filing.data),
            "last_return": _last_return(filing),
        },
    )


@require_POST
def upload(request, org_id, filing_id):
    membership = editor_membership(request.user, org_id)
    filing = _filing(membership, filing_id)
    if not filing.editable:
        raise PermissionDenied
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = attachments.store(
                filing, request.user, form.cleaned_data["kind"], form.cleaned_data["file"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("%(name)s uploaded.") % {"name": attachment.original_name})
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    return redirect(
        _step_url(org_id, filing.pk, "assessment", request.POST.get("from") == "review")
    )


@require_POST
def withdraw(request, org_id, filing_id, attachment_id):
    membership = editor_membership(request.user, org_id)
    filing = _filing(membership, filing_id)
    attachment = get_object_or_404(Attachment, pk=attachment_id, filing=filing, withdrawn_at=None)
    try:
        services.withdraw_attachment(attachment, request.user)
    except services.FilingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(name)s removed.") % {"name": attachment.original_name})
    return redirect(
        _step_url(org_id, filing.pk, "assessment", request.POST.get("from") == "review")
    )


def download(request, org_id, filing_id, attachment_id):
    membership = membership_or_404(request.user, org_id)
    filing = _filing(membership, filing_id)
    attachment = get_object_or_404(Attachment, pk=attachment_id, filing=filing)
    # Checked against its recorded hash, then written in the history and the audit trail.
    return documents.served_attachment(attachment, request)


def documents_panel(request, org_id, filing_id):
    """The documents of a filing; while one is generating, the panel polls itself (htmx)."""
    membership = membership_or_404(request.user, org_id)
    filing = _filing(membership, filing_id)
    return render(
        request,
        "filings/includes/documents.html",
        {"organization": membership.organization, "filing": filing, **_documents_context(filing)},
    )


def _documents_context(filing):
    rows = list(filing.documents.select_related("version").order_by("-created_at", "-pk"))
    return {"documents": rows, "generating": any(d.status == Document.Status.PENDING for d in rows)}


def document_download(request, org_id, filing_id, document_id):
    membership = membership_or_404(request.user, org_id)
    filing = _filing(membership, filing_id)
    document = get_object_or_404(
        Document.objects.select_related("version"),
        pk=document_id,
        filing=filing,
        status=Document.Status.READY,
    )
    return documents.served(document, request)


def letter(request, org_id, filing_id, kind):
    """A pre-filled letter of authorisation or of commitment, as a PDF to print, sign and seal;
    or the system information form the portal makes from the filing."""
    membership = membership_or_404(request.user, org_id)
    filing = _filing(membership, filing_id)
    if kind == "system_form":
        content = documents.system_form_pdf(filing)
    elif kind in materials.LETTERS:
        content = documents.letter_pdf(filing, kind)
    else:
        raise Http404
    name = f"{materials.BY_KIND[kind].label}.pdf"
    audit.record_made_file(request, filing, name)
    return FileResponse(
        io.BytesIO(content), as_attachment=True, filename=name, content_type="application/pdf"
    )


@require_POST
def withdraw_filing(request, org_id, filing_id):
    membership = editor_membership(request.user, org_id)
    filing = _filing(membership, filing_id)
    try:
        services.withdraw_filing(filing.pk, request.user, request.POST.get("reason", ""))
    except services.FilingError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("The filing is withdrawn. Your duty to file is open again on the dashboard.")
        )
    return redirect("filing_detail", org_id=org_id, filing_id=filing.pk)


@require_POST
def delete_draft(request, org_id, filing_id):
    membership = editor_membership(request.user, org_id)
    filing = _filing(membership, filing_id)
    try:
        services.delete_draft(filing.pk, request.user)
    except services.FilingError as error:
        messages.error(request, error.message)
        return redirect("filing_detail", org_id=org_id, filing_id=filing.pk)
    messages.success(
        request,
        _("The draft is deleted with its uploaded files. Your duty to file stays open."),
    )
    return redirect("dashboard", org_id=org_id)


@require_POST
def refile(request, org_id, filing_id):
    membership = editor_membership(request.user, org_id)
    source = _filing(membership, filing_id)
    try:
        filing = services.start_refiling(source, request.user)
    except services.FilingError as error:
        messages.error(request, error.message)
        return redirect("filing_detail", org_id=org_id, filing_id=source.pk)
    messages.success(
        request,
        _("A new draft starts from the content of %(receipt)s: correct it and submit it.")
        % {"receipt": source.receipt_number},
    )
    return redirect("filing_step", org_id=org_id, filing_id=filing.pk, step="review")


@require_POST
def write_message(request, org_id, filing_id):
    membership = editor_membership(request.user, org_id)
    filing = _filing(membership, filing_id)
    try:
        services.post_message(
            filing.pk, request.user, request.POST.get("body", ""), from_office=False
        )
    except services.FilingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Message sent to the office."))
    return redirect(reverse("filing_detail", args=[org_id, filing.pk]) + "#messages")
