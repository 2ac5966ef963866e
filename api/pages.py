"""The organization's API tokens page: its administrators make and revoke tokens; the secret is
shown once, on the page that answers the making, and is never stored."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.throttling import client_address
from api import tokens
from api.forms import TokenForm
from api.models import ApiToken
from filings.registry.access import admin_membership


@login_required
def token_list(request, org_id):
    membership = admin_membership(request.user, org_id)
    organization = membership.organization
    form = TokenForm(request.POST or None)
    secret = None
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = tokens.create_token(
                organization,
                request.user,
                address=client_address(request),
                **form.cleaned_data,
            )
        except tokens.TokenLimitReached as full:
            form.add_error(None, str(full))
        else:
            form = TokenForm()
    rows = organization.api_tokens.select_related("created_by", "revoked_by").order_by(
        "revoked_at", "-created_at", "-pk"
    )[:200]
    response = render(
        request,
        "api/tokens.html",
        {
            "organization": organization,
            "membership": membership,
            "form": form,
            "tokens": rows,
            "created": created,
            "secret": secret,
        },
    )
    return response


@login_required
@require_POST
def token_revoke(request, org_id, token_id):
    membership = admin_membership(request.user, org_id)
    token = get_object_or_404(ApiToken, pk=token_id, organization=membership.organization)
    if tokens.revoke_token(token, request.user, address=client_address(request)):
        messages.success(request, _("The token %(name)s is revoked.") % {"name": token.name})
    return redirect("api_tokens", org_id=org_id)
