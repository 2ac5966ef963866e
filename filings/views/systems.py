from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from filings import obligations
from filings.access import editor_membership
from filings.forms.systems import SystemForm
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
