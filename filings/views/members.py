"""An organization's members: the list, invitations, roles, removing and leaving."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from filings.forms.organizations import InvitationForm, InvitationSignupForm, RoleForm
from filings.lifecycle import memberships
from filings.models import Invitation, Membership
from filings.registry import audit
from filings.registry.access import admin_membership, membership_or_404

User = get_user_model()

# The latest changes to the organization and its members shown to its administrators.
HISTORY = 20


@login_required
@require_http_methods(["GET", "POST"])
def members(request, org_id):
    membership = membership_or_404(request.user, org_id)
    organization = membership.organization
    if request.method == "POST" and not membership.is_admin:
        raise PermissionDenied
    form = None
    if membership.is_admin:
        form = InvitationForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                invitation = memberships.invite_member(
                    organization=organization,
                    actor=request.user,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                )
            except memberships.Refused as refused:
                form.add_error("email", refused.message)
            else:
                messages.success(
                    request,
                    _("An invitation is on its way to %(email)s.") % {"email": invitation.email},
                )
                return redirect("members", organization.pk)
    # Role values sort as admin, editor, viewer: administrators first.
    member_list = organization.memberships.select_related("user").order_by(
        "role", "user__name", "user__email"
    )
    invitations = []
    history = []
    if membership.is_admin:
        invitations = organization.invitations.select_related("invited_by").filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        entries = organization.audit_entries.select_related("actor", "content_type")[:HISTORY]
        history = [(entry, audit.describe(entry)) for entry in entries]
    return render(
        request,
        "filings/members/list.html",
        {
            "membership": membership,
            "organization": organization,
            "members": member_list,
            "invitations": invitations,
            "history": history,
            "form": form,
            "roles": Membership.Role.choices,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_remove(request, org_id, membership_id):
    membership = admin_membership(request.user, org_id)
    organization = membership.organization
    target = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, organization=organization
    )
    if target.pk == membership.pk:
        return redirect("member_leave", organization.pk)
    if request.method == "POST":
        try:
            memberships.remove_member(
                organization=organization, actor=request.user, membership=target
            )
        except memberships.Refused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(
                request,
                _("%(person)s is no longer a member of %(organization)s.")
                % {"person": target.user.get_full_name(), "organization": organization.name},
            )
        return redirect("members", organization.pk)
    return render(
        request,
        "filings/members/remove.html",
        {"membership": membership, "organization": organization, "target": target},
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_leave(request, org_id):
    membership = membership_or_404(request.user, org_id)
    organization = membership.organization
    if request.method == "POST":
        try:
            memberships.remove_member(
                organization=organization, actor=request.user, membership=membership
            )
        except memberships.Refused as refused:
            messages.error(request, refused.message)
            return redirect("members", organization.pk)
        messages.success(
            request,
            _("You have left %(organization)s.") % {"organization": organization.name},
        )
        return redirect("my_dashboard")
    return render(
        request,
        "filings/members/leave.html",
        {"membership": membership, "organization": organization},
    )


@login_required
@require_POST
def member_role(request, org_id, membership_id):
    membership = admin_membership(request.user, org_id)
    organization = membership.organization
    target = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, organization=organization
    )
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the roles."))
        return redirect("members", organization.pk)
    try:
        memberships.change_role(
            organization=organization,
            actor=request.user,
            membership=target,
            role=form.cleaned_data["role"],
        )
    except memberships.Refused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("%(person)s is now: %(role)s.")
            % {
                "person": target.user.get_full_name(),
                "role": Membership.Role(form.cleaned_data["role"]).label,
            },
        )
    return redirect("members", organization.pk)


@login_required
@require_POST
def invitation_revoke(request, org_id, invitation_id):
    membership = admin_membership(request.user, org_id)
    organization = membership.organization
    invitation = get_object_or_404(Invitation, pk=invitation_id, organization=organization)
    memberships.revoke_invitation(
        organization=organization, actor=request.user, invitation=invitation
    )
    messages.success(
        request,
        _("The invitation to %(email)s is withdrawn.") % {"email": invitation.email},
    )
    return redirect("members", organization.pk)


def _already_joined(request, invitation):
    """A second click on a link already used by this person: take them where they belong."""
    if (
        invitation is not None
        and request.user.is_authenticated
        and Membership.objects.filter(
            organization_id=invitation.organization_id, user=request.user
        ).exists()
    ):
        messages.info(
            request,
            _("You are a member of %(organization)s.")
            % {"organization": invitation.organization.name},
        )
        return redirect("dashboard", invitation.organization_id)
    return None


def _invalid(request, invalid):
    return render(
        request,
        "filings/members/invitation_invalid.html",
        {"reason": invalid.code, "message": invalid.message},
        status=400,
    )


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    invitation = memberships.find_invitation(token)
    try:
        memberships.check_invitation(invitation)
    except memberships.InvalidLink as invalid:
        return _already_joined(request, invitation) or _invalid(request, invalid)
    context = {
        "invitation": invitation,
        "organization": invitation.organization,
        "inviter": invitation.invited_by,
    }
    if request.user.is_authenticated:
        if request.user.email.lower() != invitation.email.lower():
            context["state"] = "wrong_account"
        elif request.method == "POST":
            return _accept(request, invitation, token=token, user=request.user)
        else:
            context["state"] = "join"
        return render(request, "filings/members/invitation.html", context)

    existing = User.objects.filter(email__iexact=invitation.email).first()
    if existing is not None:
        context["state"] = "log_in" if existing.is_active else "unconfirmed"
        context["login_url"] = f"{reverse('login')}?{urlencode({'next': request.path})}"
        return render(request, "filings/members/invitation.html", context)

    form = InvitationSignupForm(
        request.POST if request.method == "POST" else None, email=invitation.email
    )
    if request.method == "POST" and form.is_valid():
        return _accept(
            request,
            invitation,
            token=token,
            new_user_data=form.user_data(request.LANGUAGE_CODE),
        )
    context.update(state="sign_up", form=form)
    return render(request, "filings/members/invitation.html", context)


def _accept(request, invitation, *, token, user=None, new_user_data=None):
    try:
        membership = memberships.accept_invitation(
            token=token, user=user, new_user_data=new_user_data
        )
    except memberships.InvalidLink as invalid:
        return _already_joined(request, invitation) or _invalid(request, invalid)
    except memberships.Refused as refused:
        # An account was created at this address meanwhile: it has to log in.
        messages.error(request, refused.message)
        return redirect("invitation_accept", token)
    if user is None:
        login(request, membership.user, backend="portal.auth_backend.PortalBackend")
    messages.success(
        request,
        _("Welcome to %(organization)s! Your role: %(role)s.")
        % {
            "organization": invitation.organization.name,
            "role": membership.get_role_display(),
        },
    )
    return redirect("dashboard", membership.organization_id)
