"""The account holder's rights (PIPL Arts. 45 and 47; issue 27): a copy of what the portal holds
about a person, and closing the account.

``account_data`` gathers the profile, the memberships, the logins, the person's actions in the
audit trail and in filings' histories, the API tokens they made and the emails sent to them; the
pages render it as JSON and as a readable page. ``close_account`` ends the account: the person
can no longer sign in, their address and authenticator are deleted, their memberships and tokens
end; the organizations keep their filings and histories under the name recorded there.
"""

from __future__ import annotations

import datetime

from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiToken
from filings.models import AuditEntry, FilingEvent, Membership, Obligation, Organization
from filings.registry import audit
from notifications.models import Notification

# Rows of each kind in one copy: a person's whole history for years of daily use fits.
LIMIT = 5000


def _at(value) -> str | None:
    """A moment in the portal's time zone, with its offset (2026-12-08T04:56:00+08:00)."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    return None


def account_data(user, *, now: datetime.datetime | None = None) -> dict:
    """Everything the portal holds about ``user`` as JSON-ready facts (codes, ISO times)."""
    now = now or timezone.now()
    logins_by = AccessLog.objects.filter(username__iexact=user.email).order_by("-attempt_time")
    failures_by = AccessFailureLog.objects.filter(username__iexact=user.email).order_by(
        "-attempt_time"
    )
    memberships = Membership.objects.filter(user=user).select_related("organization")
    actions = (
        AuditEntry.objects.filter(actor=user)
        .select_related("organization")
        .order_by("-created_at", "-pk")
    )
    events = FilingEvent.objects.filter(actor=user).select_related("filing").order_by("-pk")
    reviewer = getattr(user, "reviewer", None)
    return {
        "generated_at": _at(now),
        "profile": {
            "email": user.email,
            "name": user.name,
            "language": user.language,
            "language_label": str(dict(settings.LANGUAGES).get(user.language, user.language)),
            "joined_at": _at(user.date_joined),
            "last_login_at": _at(user.last_login),
            "active": user.is_active,
            "staff": user.is_staff,
            "office": reviewer.office.name if reviewer is not None else None,
        },
        "memberships": [
            {
                "organization": row.organization.name,
                "uscc": row.organization.uscc,
                "role": row.role,
                "role_label": str(row.get_role_display()),
                "joined_at": _at(row.created_at),
            }
            for row in memberships
        ],
        "logins": [
            {
                "at": _at(row.attempt_time),
                "address": row.ip_address,
                "browser": row.user_agent,
                "logged_out_at": _at(row.logout_time),
            }
            for row in logins_by[:LIMIT]
        ],
        "failed_logins": [
            {"at": _at(row.attempt_time), "address": row.ip_address, "browser": row.user_agent}
            for row in failures_by[:LIMIT]
        ],
        "actions": [
            {
                "at": _at(row.created_at),
                "action": row.action,
                "label": str(row.get_action_display()),
                "organization": row.organization.name if row.organization_id else None,
                "object": row.object_repr,
                "address": row.address,
                "before": row.before,
                "after": row.after,
            }
            for row in actions[:LIMIT]
        ],
        "filing_events": [
            {
                "at": _at(row.created_at),
                "filing": row.filing.receipt_number or f"#{row.filing_id}",
                "action": row.action,
                "label": str(row.get_action_display()),
                "note": row.note,
            }
            for row in events[:LIMIT]
        ],
        "api_tokens": [
            {
                "name": row.name,
                "prefix": f"frp_{row.prefix}",
                "scope": row.scope,
                "organization": row.organization.name,
                "created_at": _at(row.created_at),
                "revoked_at": _at(row.revoked_at),
            }
            for row in ApiToken.objects.filter(created_by=user).select_related("organization")
        ],
        "emails": [
            {"at": _at(row.created_at), "kind": row.kind, "subject": row.subject}
            for row in Notification.objects.filter(recipient__iexact=user.email).order_by(
                "-created_at"
            )[:LIMIT]
        ],
    }


def record_export(request, what: str) -> None:
    """A copy taken is itself in the audit trail (who, when, from where, which form)."""
    audit.record_look(
        request,
        AuditEntry.Action.ACCOUNT_DATA_EXPORTED,
        obj=request.user,
        organization=None,
        facts={"file": what},
    )


# --- Closing an account --------------------------------------------------------------------------


class Refused(Exception):
    def __init__(self, message: str, *, code: str, organizations=()):
        super().__init__(message)
        self.message, self.code, self.organizations = message, code, list(organizations)


def handover_needed(user) -> list[Organization]:
    """The organizations whose last administrator ``user`` is while they have open duties or
    filings in progress: someone must take over before the account closes."""
    sole = []
    for membership in Membership.objects.filter(
        user=user, role=Membership.Role.ADMIN
    ).select_related("organization"):
        organization = membership.organization
        others = (
            Membership.objects.filter(organization=organization, role=Membership.Role.ADMIN)
            .exclude(user=user)
            .filter(user__is_active=True)
        )
        if others.exists():
            continue
        open_duties = Obligation.objects.filter(
            organization=organization, status=Obligation.Status.OPEN
        ).exists()
        in_progress = organization.filings.exclude(
            status__in=("filed", "refused", "cancelled", "withdrawn", "revoked")
        ).exists()
        if open_duties or in_progress:
            sole.append(organization)
    return sole


def close_account(user, *, password: str, address: str | None = None) -> None:
    """Close ``user``'s own account, or raise Refused (wrong password, a reviewer's or an
    administrator's account, an organization to hand over first)."""
    if user.is_staff:
        raise Refused(
            _(
                "Reviewer and administrator accounts are closed by a portal administrator, who "
                "also ends the appointment."
            ),
            code="staff",
        )
    if not user.check_password(password or ""):
        raise Refused(_("The password is not right."), code="password")
    sole = handover_needed(user)
    if sole:
        raise Refused(
            _(
                "You are the last administrator of an organization that still has duties or "
                "filings in progress: make another member its administrator first (Members), "
                "then close your account."
            ),
            code="handover",
            organizations=sole,
        )
    from accounts import two_factor

    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        recorded_as = str(user)  # what every history shows, and keeps showing
        for membership in Membership.objects.filter(user=user).select_related(
            "organization", "user"
        ):
            audit.record_member(
                AuditEntry.Action.MEMBER_LEFT, actor=user, membership=membership, before=True
            )
            membership.delete()
        for token in ApiToken.objects.filter(created_by=user, revoked_at__isnull=True):
            from api import tokens

            tokens.revoke_token(token, user, address=address)
        two_factor.remove(user, user)
        user.name = recorded_as[:100]
        user.email = f"closed-{user.pk}@closed.invalid"
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["name", "email", "is_active", "password"])
        audit.record(
            AuditEntry.Action.ACCOUNT_CLOSED,
            actor=user,
            obj=user,
            object_repr=recorded_as,
            address=address,
        )
