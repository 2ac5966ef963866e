"""A person's own data: the privacy notice (public), a copy of one's account data (a page to read
or print, and JSON), and closing one's account."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts.throttling import client_address
from filings.documents.documents import content_disposition
from filings.lifecycle import account_rights


@require_safe
def privacy(request):
    retention = settings.RETENTION
    return render(
        request,
        "filings/privacy.html",
        {
            "ended_years": retention["ended_filing_years"],
            "cancelled_years": retention["cancelled_filing_years"],
            "draft_months": retention["draft_months"],
            "draft_warning_days": retention["draft_warning_days"],
            "contact": settings.PRIVACY_CONTACT_EMAIL,
        },
    )


@login_required
@require_safe
def account_data(request):
    data = account_rights.account_data(request.user)
    account_rights.record_export(request, "html")
    return render(request, "filings/account_data.html", {"data": data})


@login_required
@require_safe
def account_data_json(request):
    data = account_rights.account_data(request.user)
    account_rights.record_export(request, "json")
    stamp = timezone.localdate().isoformat()
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition(f"account-data-{stamp}.json")
    return response


@login_required
def close(request):
    refused = None
    if request.method == "POST":
        try:
            account_rights.close_account(
                request.user,
                password=request.POST.get("password", ""),
                address=client_address(request),
            )
        except account_rights.Refused as error:
            refused = error
        else:
            logout(request)
            messages.success(
                request,
                _(
                    "Your account is closed. The organizations keep their filings and their "
                    "history under your name as recorded there."
                ),
            )
            return redirect("home")
    return render(
        request,
        "filings/account_close.html",
        {
            "refused": refused,
            "handover": account_rights.handover_needed(request.user),
        },
        status=400 if refused else 200,
    )
