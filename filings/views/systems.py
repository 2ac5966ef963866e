import secrets
import time
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from filings.documents import bulk_declarations
from filings.forms.systems import BulkDeclarationForm, RetireSystemForm, SystemForm, TotalForm
from filings.lifecycle import obligations
from filings.models import AuditEntry, RecognitionSystem
from filings.registry import audit
from filings.registry.access import editor_membership
from filings.views.self_check import carried_over


@login_required
def declare(request, org_id, system_id=None):
    membership = editor_membership(request.user, org_id)
    organization = membership.organization
    system = None
    if system_id is not None:
        system = get_object_or_404(
            RecognitionSystem, pk=system_id, organization=organization, retired_on__isnull=True
        )
    initial = {}
    if system is None and not organization.systems.exists():
        # The first system starts from the self-check's answers, if this browser gave some.
        answers = carried_over(request)
        initial = {
            "people_stored": answers.get("people_stored"),
            "used_in_public_place": answers.get("used_in_public_place"),
            "research_only": answers.get("research_only"),
            "count_reached_on": answers.get("reached_on"),
        }
        initial = {key: value for key, value in initial.items() if value is not None}
    form = SystemForm(request.POST or None, instance=system, initial=initial)
    if request.method == "POST" and form.is_valid():
        obligations.declare_system(organization, request.user, system=system, **form.cleaned_data)
        messages.success(request, _("Declaration saved. Your obligation has been updated."))
        return redirect("dashboard", org_id=organization.pk)
    return render(
        request,
        "filings/system_form.html",
        {"form": form, "organization": organization, "system": system},
    )


@login_required
def retire(request, org_id, system_id):
    """Declare that the organization stopped using a system: after filing, this opens the
    change or the cancellation duty (filings.lifecycle.obligations.retire_system)."""
    membership = editor_membership(request.user, org_id)
    organization = membership.organization
    system = get_object_or_404(
        RecognitionSystem, pk=system_id, organization=organization, retired_on__isnull=True
    )
    form = RetireSystemForm(request.POST or None, system=system)
    if request.method == "POST" and form.is_valid():
        try:
            obligations.retire_system(organization, request.user, system, **form.cleaned_data)
        except obligations.RetirementRefused as refused:  # declared meanwhile in another tab
            form.add_error("retired_on", str(refused))
        else:
            messages.success(
                request,
                _("%(name)s is declared retired. Your obligations have been updated.")
                % {"name": system.name},
            )
            return redirect("dashboard", org_id=organization.pk)
    return render(
        request,
        "filings/system_retire.html",
        {"form": form, "organization": organization, "system": system},
    )


@login_required
def declare_total(request, org_id):
    membership = editor_membership(request.user, org_id)
    organization = membership.organization
    systems = list(organization.systems.all())
    latest = obligations.latest_total(organization)
    initial = (
        {"people_total": latest.people_total, "reached_on": latest.reached_on} if latest else {}
    )
    form = TotalForm(request.POST or None, initial=initial, systems=systems)
    if request.method == "POST" and form.is_valid():
        try:
            obligations.declare_total(organization, request.user, **form.cleaned_data)
        except obligations.TotalRefused as refused:  # a system changed meanwhile
            form.add_error("people_total", str(refused))
        else:
            messages.success(request, _("Declaration saved. Your obligation has been updated."))
            return redirect("dashboard", org_id=organization.pk)
    return render(
        request,
        "filings/total_form.html",
        {
            "form": form,
            "organization": organization,
            "bounds": obligations.bounds(systems),
            "systems": systems,
        },
    )


# --- Bulk declaration: upload, preview, confirm ---------------------------------------------------

BULK_SESSION_KEY = "bulk_declaration:%s"
BULK_MAX_AGE = 60 * 60  # seconds between the preview and its confirmation
BULK_ROWS_SHOWN = 300


def _bulk_page(request, organization, form, *, rows=(), columns=None, token=None, refused=None):
    rows = list(rows)
    errors = [message for row in rows for message in row.errors]
    changed = [row for row in rows if row.action != "unchanged"]
    return render(
        request,
        "filings/bulk_declaration.html",
        {
            "organization": organization,
            "form": form,
            "refused": refused,
            "rows": rows,
            "errors": errors[:BULK_ROWS_SHOWN],
            "errors_hidden": max(0, len(errors) - BULK_ROWS_SHOWN),
            "changed": changed[:BULK_ROWS_SHOWN],
            "changed_hidden": max(0, len(changed) - BULK_ROWS_SHOWN),
            "counts": {
                action: sum(1 for row in rows if row.action == action)
                for action in ("new", "update", "unchanged")
            },
            "token": token if rows and not errors and changed else None,
            "max_rows": bulk_declarations.MAX_ROWS,
        },
        status=400 if refused or errors else 200,
    )


@login_required
def bulk_template(request, org_id):
    membership = editor_membership(request.user, org_id)
    organization = membership.organization
    content = bulk_declarations.template_workbook(organization.systems.order_by("name", "pk"))
    audit.record_look(
        request,
        AuditEntry.Action.FILE_READ,
        obj=organization,
        organization=organization,
        facts={"file": f"systems-{organization.uscc}.xlsx"},
    )
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="systems-{organization.uscc}.xlsx"'
    return response


@login_required
def bulk_declare(request, org_id):
    """Upload a filled-in template: every row is validated and the result shown; nothing is
    saved here. The valid rows wait in the session, under a token, for ``bulk_confirm``."""
    membership = editor_membership(request.user, org_id)
    organization = membership.organization
    if request.method != "POST":
        return _bulk_page(request, organization, BulkDeclarationForm())
    # A file far too large is refused before Django reads it to disk.
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > bulk_declarations.MAX_BYTES + 64 * 1024:
        return _bulk_page(
            request,
            organization,
            BulkDeclarationForm(),
            refused=_("The file is larger than %(n)s MB; split it into several files.")
            % {"n": bulk_declarations.MAX_BYTES // (1024 * 1024)},
        )
    # The latest upload is the one that may be confirmed: an earlier preview expires.
    request.session.pop(BULK_SESSION_KEY % organization.pk, None)
    form = BulkDeclarationForm(request.POST, request.FILES)
    if not form.is_valid():
        return _bulk_page(
            request, organization, form, refused=" ".join(form.errors.get("file", []))
        )
    systems = list(organization.systems.all())
    try:
        rows, columns = bulk_declarations.read_and_validate(form.cleaned_data["file"], systems)
    except bulk_declarations.FileRefused as refused:
        return _bulk_page(request, organization, BulkDeclarationForm(), refused=str(refused))
    token = None
    if not any(row.errors for row in rows):
        token = secrets.token_urlsafe(24)
        request.session[BULK_SESSION_KEY % organization.pk] = {
            "token": token,
            "user": request.user.pk,
            "at": time.time(),
            "columns": columns,
            "rows": [
                {
                    "number": row.number,
                    "values": row.values,
                    "action": row.action,
                    "system": row.system_id,
                }
                for row in rows
            ],
        }
    return _bulk_page(
        request, organization, BulkDeclarationForm(), rows=rows, columns=columns, token=token
    )


@require_POST
@login_required
def bulk_confirm(request, org_id):
    membership = editor_membership(request.user, org_id)
    organization = membership.organization
    key = BULK_SESSION_KEY % organization.pk
    pending = request.session.get(key)
    if (
        not isinstance(pending, dict)
        or pending.get("user") != request.user.pk
        or not secrets.compare_digest(
            str(pending.get("token")).encode(), request.POST.get("token", "").encode()
        )
        or time.time() - pending.get("at", 0) > BULK_MAX_AGE
    ):
        request.session.pop(key, None)
        messages.error(
            request,
            _("This preview has expired or was already confirmed: upload the file again."),
        )
        return redirect("system_bulk", org_id=organization.pk)
    # Validated again against the systems as they are now: one may have changed since the preview.
    systems = {system.pk: system for system in organization.systems.all()}
    rows = bulk_declarations.validate(
        [
            bulk_declarations.Row(number=row["number"], values=dict(row["values"]))
            for row in pending["rows"]
        ],
        systems.values(),
        pending["columns"],
    )
    if any(row.errors for row in rows):
        request.session.pop(key, None)
        return _bulk_page(request, organization, BulkDeclarationForm(), rows=rows)
    if [(row.action, row.system_id) for row in rows] != [
        (row["action"], row["system"]) for row in pending["rows"]
    ]:
        # A system was declared, renamed or changed since the preview: show what would happen now.
        pending.update(token=secrets.token_urlsafe(24), at=time.time())
        pending["rows"] = [
            {"number": r.number, "values": r.values, "action": r.action, "system": r.system_id}
            for r in rows
        ]
        request.session[key] = pending
        messages.warning(
            request,
            _("Your systems changed since the preview: check the new preview and confirm again."),
        )
        return _bulk_page(
            request, organization, BulkDeclarationForm(), rows=rows, token=pending["token"]
        )
    declared = [
        {
            "name": row.values["name"],
            "people_stored": row.values["people_stored"],
            "used_in_public_place": row.values["used_in_public_place"],
            "count_reached_on": date.fromisoformat(row.values["count_reached_on"]),
            "system": systems.get(row.system_id),
        }
        for row in rows
        if row.action != "unchanged"
    ]
    obligations.declare_systems(organization, request.user, declared)
    request.session.pop(key, None)
    messages.success(
        request,
        ngettext(
            "%(n)s system declared. Your obligation has been updated.",
            "%(n)s systems declared. Your obligation has been updated.",
            len(declared),
        )
        % {"n": len(declared)},
    )
    return redirect("dashboard", org_id=organization.pk)
