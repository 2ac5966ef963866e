"""Registering an organization and managing who belongs to it.

Every change of an account, an organization's registration or its membership goes through a verb
here: guard, lock what a concurrent request could change, change, and send email only after the
transaction commits (``notifications.emails.send`` queues on commit). Views call these and turn a
``Refused`` into a message for the person who asked.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filings.lifecycle import obligations
from filings.models import AuditEntry, Invitation, Membership, Organization
from filings.models.organizations import ORGANIZATION_FIELDS
from filings.registry import audit
from notifications import emails

User = get_user_model()

CONFIRMATION_SALT = "filings.lifecycle.memberships.confirm_email"
CONFIRMATION_MAX_AGE = timedelta(days=3)
INVITATION_VALIDITY = timedelta(days=getattr(settings, "INVITATION_VALID_DAYS", 7))


class Refused(Exception):
    """A change the rules do not allow; ``message`` tells the person why, ``code`` the tests."""

    def __init__(self, message, code: str, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.field = field


class InvalidLink(Refused):
    """A confirmation or invitation link that cannot be used: code is invalid, expired, used or
    revoked."""


# --- Registration and email confirmation ---------------------------------------------------------


def register_organization(
    *,
    user_data: dict | None,
    organization_data: dict,
    language: str,
    user=None,
    send_email: bool = True,
):
    """Register an organization; its registrant becomes its first administrator.

    With ``user_data`` (name, email, password) a new account is created inactive and a link to
    confirm the address is emailed; a person already logged in passes ``user`` instead.
    Returns ``(user, organization)``.

    An address that already has an account registers nothing and returns ``(that account,
    None)``: the caller answers as if it had worked, and the address's owner learns by email
    (a new confirmation link while the account waits for one). The page must not tell anyone
    which addresses have accounts. ``send_email=False`` (the sender's rate limit) sends nothing.
    """
    if (user_data is None) == (user is None):
        raise ValueError("pass either user_data for a new account or an existing user")
    data = {field: organization_data[field] for field in ORGANIZATION_FIELDS}
    with transaction.atomic():
        if Organization.objects.filter(uscc=data["uscc"]).exists():
            raise _uscc_taken()
        if user is None:
            email = User.objects.normalize_email(user_data["email"]).lower()
            existing = User.objects.filter(email__iexact=email).first()
            if existing is None:
                try:
                    with transaction.atomic():
                        user = User.objects.create_user(
                            email=email,
                            password=user_data["password"],
                            name=user_data["name"],
                            language=language,
                            is_active=False,
                        )
                except IntegrityError:  # registered by a concurrent request since the check
                    existing = User.objects.filter(email__iexact=email).first()
            if existing is not None:
                # As long as creating the account would have taken: hashing the password.
                make_password(user_data["password"])
                if send_email:
                    _tell_owner_of_registration(existing, data["name"])
                return existing, None
            new_account = True
        else:
            new_account = False
        try:
            with transaction.atomic():
                organization = Organization.objects.create(**data)
        except IntegrityError:
            raise _uscc_taken() from None
        membership = Membership.objects.create(
            organization=organization, user=user, role=Membership.Role.ADMIN
        )
        audit.record(
            AuditEntry.Action.ORGANIZATION_REGISTERED,
            actor=user,
            obj=organization,
            organization=organization,
            after=audit.field_values(organization, ORGANIZATION_FIELDS),
        )
        audit.record_member(
            AuditEntry.Action.MEMBER_ADDED, actor=user, membership=membership, after=True
        )
        if new_account and send_email:
            _send_confirmation(user, organization)
    return user, organization


def _tell_owner_of_registration(user, organization_name: str) -> None:
    """Someone registered with an address that has an account: its owner hears of it, by email."""
    if not user.is_active:
        if user.last_login is None:  # still waiting for confirmation: a new link
            resend_confirmation(user.email)
        return  # an account an administrator deactivated hears nothing
    emails.send(
        "registration_attempt",
        to=user.email,
        language=user.language,
        context={"user": user, "organization_name": organization_name},
    )


def _uscc_taken() -> Refused:
    return Refused(
        _(
            "An organization with this unified social credit code is already registered. "
            "Ask one of its administrators to invite you."
        ),
        code="uscc_taken",
        field="uscc",
    )


def _email_digest(email: str) -> str:
    # The token is readable base64: it binds the address without showing it in URLs and logs.
    return hashlib.sha256(email.lower().encode()).hexdigest()[:16]


def confirmation_token(user) -> str:
    """A signed, dated token naming the account and its address, valid CONFIRMATION_MAX_AGE."""
    signer = signing.TimestampSigner(salt=CONFIRMATION_SALT)
    return signer.sign_object({"u": user.pk, "e": _email_digest(user.email)})


def _send_confirmation(user, organization) -> None:
    emails.send(
        "confirm_email",
        to=user.email,
        language=user.language,
        context={
            "user": user,
            "organization": organization,
            "token": confirmation_token(user),
            "expires_at": timezone.now() + CONFIRMATION_MAX_AGE,
        },
    )


def confirm_email(token: str):
    """Activate the account a confirmation link names and return it.

    A link works once: an account that is active, or has ever logged in (an account an
    administrator deactivated), is not activated by it again.
    """
    signer = signing.TimestampSigner(salt=CONFIRMATION_SALT)
    try:
        payload = signer.unsign_object(token, max_age=CONFIRMATION_MAX_AGE)
        user_id, email = payload["u"], payload["e"]
    except signing.SignatureExpired:
        raise InvalidLink(
            _("This confirmation link has expired: links are valid for 3 days."), code="expired"
        ) from None
    except (signing.BadSignature, TypeError, KeyError, ValueError):
        raise _invalid_confirmation() from None
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None or _email_digest(user.email) != email:
            raise _invalid_confirmation()
        if user.is_active:
            raise InvalidLink(
                _("Your email address is already confirmed: log in with it."), code="used"
            )
        if user.last_login is not None:
            raise _invalid_confirmation()
        user.is_active = True
        user.save(update_fields=["is_active"])
    return user


def _invalid_confirmation() -> InvalidLink:
    return InvalidLink(
        _("This confirmation link is not valid. Check that you copied it completely."),
        code="invalid",
    )


def resend_confirmation(email: str) -> bool:
    """Send a new confirmation link if an account awaits confirmation at this address.

    The caller must not tell the person whether one did: the return value is for tests.
    """
    user = (
        User.objects.filter(email__iexact=email.strip(), is_active=False, last_login=None)
        .order_by("pk")
        .first()
    )
    if user is None:
        return False
    membership = (
        Membership.objects.filter(user=user).select_related("organization").order_by("pk").first()
    )
    if membership is None:
        return False
    with transaction.atomic():
        _send_confirmation(user, membership.organization)
    return True


def update_organization(*, organization: Organization, actor, changes: dict) -> Organization:
    """Save an administrator's corrections to the registration (the USCC is never changed)."""
    fields = [field for field in ORGANIZATION_FIELDS if field != "uscc" and field in changes]
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        _require_admin(organization, actor)
        moved = [
            field
            for field in ("address_division", "street_address")
            if field in fields and changes[field] != getattr(organization, field)
        ]
        before = audit.field_values(organization, fields)
        for field in fields:
            setattr(organization, field, changes[field])
        organization.save(update_fields=fields)
        before, after = audit.changed(before, audit.field_values(organization, fields))
        if after:
            audit.record(
                AuditEntry.Action.ORGANIZATION_EDITED,
                actor=actor,
                obj=organization,
                organization=organization,
                before=before,
                after=after,
            )
        if moved:
            # A new address after filing is a substantive change to what was filed (变更).
            obligations.prompt_change_filing(
                organization,
                timezone.localdate(),
                _("The registered address changed: %(address)s.")
                % {"address": organization.street_address},
            )
    return organization


# --- Invitations ---------------------------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _require_admin(organization: Organization, actor) -> None:
    if not Membership.objects.filter(
        organization=organization, user=actor, role=Membership.Role.ADMIN
    ).exists():
        raise PermissionDenied


def invite_member(*, organization: Organization, actor, email: str, role: str) -> Invitation:
    """Email a one-time link to join; a new invitation to the same address revokes the open one."""
    if role not in Membership.Role.values:
        raise ValueError(f"{role!r} is not a membership role")
    email = User.objects.normalize_email(email.strip()).lower()
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        _require_admin(organization, actor)
        if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
            raise Refused(
                _("%(email)s is already a member of this organization.") % {"email": email},
                code="already_member",
                field="email",
            )
        Invitation.objects.filter(
            organization=organization,
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        ).update(revoked_at=now)
        invitation = Invitation.objects.create(
            organization=organization,
            email=email,
            role=role,
            token_hash=_hash_token(token),
            invited_by=actor,
            expires_at=now + INVITATION_VALIDITY,
        )
        audit.record(
            AuditEntry.Action.INVITATION_SENT,
            actor=actor,
            obj=invitation,
            organization=organization,
            object_repr=email,
            after={"email": email, "role": role},
        )
        invitee = User.objects.filter(email__iexact=email).first()
        emails.send(
            "invitation",
            to=email,
            language=invitee.language if invitee else actor.language,
            context={
                "invitation": invitation,
                "organization": organization,
                "inviter": actor,
                "invitee": invitee,
                "token": token,
            },
        )
    return invitation


def find_invitation(token: str) -> Invitation | None:
    """The invitation a link's token belongs to, whatever its state; None for an unknown token."""
    return (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(token_hash=_hash_token(token))
        .first()
    )


def check_invitation(invitation: Invitation | None) -> Invitation:
    """The invitation if it can still be accepted, else InvalidLink saying why not."""
    if invitation is None:
        raise InvalidLink(
            _("This invitation link is not valid. Check that you copied it completely."),
            code="invalid",
        )
    if invitation.accepted_at is not None:
        raise InvalidLink(_("This invitation has already been accepted."), code="used")
    if invitation.revoked_at is not None:
        raise InvalidLink(
            _("This invitation was withdrawn, or replaced by a newer one."), code="revoked"
        )
    if invitation.expires_at <= timezone.now():
        raise InvalidLink(_("This invitation has expired."), code="expired")
    return invitation


def accept_invitation(*, token: str, user=None, new_user_data: dict | None = None) -> Membership:
    """Join the organization of an invitation, as ``user`` or as a new account.

    ``new_user_data`` (name, password, optional language) creates an active account at the invited
    address: the link arrived in that mailbox, which proves it. The invitation row is locked, so
    accepting twice at once makes one membership.
    """
    if (user is None) == (new_user_data is None):
        raise ValueError("pass either the logged-in user or new_user_data")
    with transaction.atomic():
        invitation = check_invitation(
            Invitation.objects.select_for_update()
            .select_related("organization")
            .filter(token_hash=_hash_token(token))
            .first()
        )
        if user is not None:
            if user.email.lower() != invitation.email.lower():
                raise Refused(
                    _(
                        "This invitation was sent to %(email)s: log in with that address to "
                        "accept it."
                    )
                    % {"email": invitation.email},
                    code="wrong_account",
                )
        else:
            if User.objects.filter(email__iexact=invitation.email).exists():
                raise Refused(
                    _("An account with %(email)s already exists: log in to accept.")
                    % {"email": invitation.email},
                    code="account_exists",
                )
            user = User.objects.create_user(
                email=invitation.email,
                password=new_user_data["password"],
                name=new_user_data["name"],
                language=new_user_data.get("language") or settings.LANGUAGE_CODE,
                is_active=True,
            )
        membership, joined = Membership.objects.get_or_create(
            organization=invitation.organization,
            user=user,
            defaults={"role": invitation.role},
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        if joined:
            audit.record_member(
                AuditEntry.Action.MEMBER_JOINED, actor=user, membership=membership, after=True
            )
    return membership


def revoke_invitation(*, organization: Organization, actor, invitation: Invitation) -> None:
    with transaction.atomic():
        _require_admin(organization, actor)
        revoked = Invitation.objects.filter(
            pk=invitation.pk,
            organization=organization,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        ).update(revoked_at=timezone.now())
        if revoked:
            audit.record(
                AuditEntry.Action.INVITATION_REVOKED,
                actor=actor,
                obj=invitation,
                organization=organization,
                object_repr=invitation.email,
                before={"email": invitation.email, "role": invitation.role},
            )


# --- Members -------------------------------------------------------------------------------------


def _last_admin_refusal() -> Refused:
    return Refused(
        _(
            "An organization needs at least one administrator: make another member an "
            "administrator first."
        ),
        code="last_admin",
    )


def _lock_membership(organization: Organization, membership: Membership) -> Membership:
    """Lock the organization (all membership changes of it queue here) and re-read the member."""
    Organization.objects.select_for_update().get(pk=organization.pk)
    try:
        return Membership.objects.select_related("user").get(
            pk=membership.pk, organization=organization
        )
    except Membership.DoesNotExist:
        raise Refused(_("This person is no longer a member."), code="not_member") from None


def _admin_count(organization: Organization) -> int:
    return Membership.objects.filter(organization=organization, role=Membership.Role.ADMIN).count()


def remove_member(*, organization: Organization, actor, membership: Membership) -> None:
    """An administrator removes a member, or a member leaves; never the last administrator."""
    with transaction.atomic():
        membership = _lock_membership(organization, membership)
        if membership.user_id != actor.pk:
            _require_admin(organization, actor)
        if membership.is_admin and _admin_count(organization) <= 1:
            raise _last_admin_refusal()
        audit.record_member(
            AuditEntry.Action.MEMBER_LEFT
            if membership.user_id == actor.pk
            else AuditEntry.Action.MEMBER_REMOVED,
            actor=actor,
            membership=membership,
            before=True,
        )
        membership.delete()


def change_role(*, organization: Organization, actor, membership: Membership, role: str) -> None:
    """An administrator changes a member's role; the last administrator stays one."""
    if role not in Membership.Role.values:
        raise ValueError(f"{role!r} is not a membership role")
    with transaction.atomic():
        membership = _lock_membership(organization, membership)
        _require_admin(organization, actor)
        if membership.role == role:
            return
        if membership.is_admin and _admin_count(organization) <= 1:
            raise _last_admin_refusal()
        audit.record(
            AuditEntry.Action.ROLE_CHANGED,
            actor=actor,
            obj=membership,
            organization=organization,
            object_repr=membership.user.email,
            before={"role": membership.role},
            after={"role": role},
        )
        membership.role = role
        membership.save(update_fields=["role"])
