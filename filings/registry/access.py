"""Who may see and change what. Every organization page goes through here: a person who is not a
member gets 404 (the page does not exist for them), a member without the role gets 403."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from filings.models import Membership


def membership_or_404(user, organization_id) -> Membership:
    if not user.is_authenticated:
        raise Http404
    try:
        return Membership.objects.select_related("organization").get(
            user=user, organization_id=organization_id
        )
    except (Membership.DoesNotExist, ValueError):
        raise Http404 from None


def editor_membership(user, organization_id) -> Membership:
    """Administrators and editors may change an organization's declarations and filings."""
    membership = membership_or_404(user, organization_id)
    if not membership.can_edit:
        raise PermissionDenied
    return membership


def admin_membership(user, organization_id) -> Membership:
    """Only the organization's administrators manage its members and its registration."""
    membership = membership_or_404(user, organization_id)
    if not membership.is_admin:
        raise PermissionDenied
    return membership
