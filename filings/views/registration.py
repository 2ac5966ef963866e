"""Registering an organization, confirming the registrant's address, and its profile."""

import copy

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts import throttling
from filings.forms.organizations import (
    AccountForm,
    OrganizationForm,
    ResendConfirmationForm,
    address_label,
    division_name,
    is_province,
    municipality_hint,
)
from filings.lifecycle import memberships
from filings.models import Membership
from filings.registry import jurisdictions
from filings.registry.access import admin_membership, membership_or_404

REGISTERED_EMAIL_KEY = "filings.registered_email"


@require_http_methods(["GET", "POST"])
def register(request):
    data = request.POST if request.method == "POST" else None
    account_form = None if request.user.is_authenticated else AccountForm(data)
    organization_form = OrganizationForm(
        data,
        initial=_address_from_self_check(request),
        uscc_lookup_wait=lambda: throttling.registration_lookup_wait(request),
    )
    forms = [f for f in (account_form, organization_form) if f is not None]
    # Every form is validated, so that all the errors show at once.
    valid = [form.is_valid() for form in forms]
    wait = throttling.email_client_wait(request) if account_form and all(valid) else 0
    if wait:
        # Refused in words, nothing registered: the confirmation email could not be sent.
        account_form.add_error(None, throttling.too_many_requests_message(wait))
    elif data is not None and all(valid):
        try:
            user, organization = memberships.register_organization(
                user_data=account_form.user_data() if account_form else None,
                user=None if account_form else request.user,
                organization_data=organization_form.organization_data(),
                language=request.LANGUAGE_CODE,
                send_email=account_form is None
                or throttling.allow_email(
                    request, account_form.cleaned_data["email"], "registration"
                ),
            )
        except memberships.Refused as refused:
            organization_form.add_error(refused.field, refused.message)
        else:
            if account_form is None:
                messages.success(
                    request,
                    _("%(organization)s is registered; you are its administrator.")
                    % {"organization": organization.name},
                )
                return redirect("dashboard", organization.pk)
            # The same page whether the address was new or had an account (then its owner
            # was told by email): the page does not tell which addresses have accounts.
            request.session[REGISTERED_EMAIL_KEY] = account_form.cleaned_data["email"]
            return redirect("registration_done")
    return render(
        request,
        "filings/registration/register.html",
        {
            # In the page's order: the error summary lists the errors in this order.
            "organization_form": organization_form,
            "account_form": account_form,
            "error_count": sum(len(form.errors) for form in forms) if data is not None else 0,
        },
    )


def _address_from_self_check(request) -> dict:
    """The city the self-check was answered for, as the registration asks it."""
    from filings.registry import jurisdictions
    from filings.views.self_check import carried_over

    code = carried_over(request).get("address_division", "")
    if not code:
        return {}
    province = jurisdictions.province_of(code)
    return {"province": province, **({} if code == province else {"city": code})}


@require_GET
def registration_done(request):
    return render(
        request,
        "filings/registration/done.html",
        {"email": request.session.get(REGISTERED_EMAIL_KEY)},
    )


@require_GET
def confirm_email(request, token):
    try:
        user = memberships.confirm_email(token)
    except memberships.InvalidLink as invalid:
        return render(
            request,
            "filings/registration/confirm_invalid.html",
            {"reason": invalid.code, "message": invalid.message},
            status=400,
        )
    login(request, user, backend="portal.auth_backend.PortalBackend")
    request.session.pop(REGISTERED_EMAIL_KEY, None)
    messages.success(request, _("Your email address is confirmed. Welcome to the Filing Portal!"))
    membership = Membership.objects.filter(user=user).order_by("pk").first()
    if membership is None:
        return redirect("my_dashboard")
    return redirect("dashboard", membership.organization_id)


@require_http_methods(["GET", "POST"])
def resend_confirmation(request):
    form = ResendConfirmationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        wait = throttling.email_client_wait(request)
        if wait:
            form.add_error(None, throttling.too_many_requests_message(wait))
            return render(request, "filings/registration/resend.html", {"form": form})
        if throttling.allow_email(request, email, "confirmation"):
            memberships.resend_confirmation(email)
        # The same answer whether or not the address has an account waiting for confirmation.
        messages.info(
            request,
            _(
                "If an account waiting for confirmation uses this address, a new link is on its "
                "way. It is valid for 3 days."
            ),
        )
        return redirect("resend_confirmation")
    return render(request, "filings/registration/resend.html", {"form": form})


@require_GET
def division_options(request, province_code):
    """The <option>s of the city select for a province (htmx swaps them in)."""
    if not is_province(province_code):
        raise Http404
    if jurisdictions.is_municipality(province_code):
        options = [("", municipality_hint(province_code))]
    else:
        options = [("", _("Choose the city"))] + [
            (d.code, division_name(d)) for d in jurisdictions.address_choices(province_code)
        ]
    return render(
        request,
        "filings/registration/division_options.html",
        {
            "options": options,
            "municipality": jurisdictions.is_municipality(province_code),
        },
    )


@login_required
@require_GET
def organization_profile(request, org_id):
    membership = membership_or_404(request.user, org_id)
    organization = membership.organization
    return render(
        request,
        "filings/organization/profile.html",
        {
            "membership": membership,
            "organization": organization,
            "address_division_label": address_label(organization.address_division),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def organization_edit(request, org_id):
    membership = admin_membership(request.user, org_id)
    organization = membership.organization
    # A copy: a rejected form must not leave its values on the organization the page shows.
    form = OrganizationForm(
        request.POST if request.method == "POST" else None, instance=copy.copy(organization)
    )
    if request.method == "POST" and form.is_valid():
        memberships.update_organization(
            organization=organization, actor=request.user, changes=form.organization_data()
        )
        messages.success(request, _("The registration is saved."))
        return redirect(reverse("organization_profile", args=[organization.pk]))
    return render(
        request,
        "filings/organization/edit.html",
        {"membership": membership, "organization": organization, "form": form},
    )
