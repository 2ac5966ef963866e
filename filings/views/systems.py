from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from filings import obligations
from filings.access import editor_membership
from filings.forms.systems import SystemForm, TotalForm
from filings.models import RecognitionSystem


@login_required
def declare(request, org_id, system_id=None):
    membership = editor_membership(request.user, org_id)
    organization = membership.organization
    system = None
    if system_id is not None:
        system = get_object_or_404(RecognitionSystem, pk=system_id, organization=organization)
    form = SystemForm(request.POST or None, instance=system)
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
