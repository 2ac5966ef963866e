"""Appointing a reviewer of a cyberspace office, in one step: the person's name, address, office and
roles. A new account is made without a password, as staff in the reviewers' group (and the lead's
or signer's group when asked), and the person is emailed an invitation: a one-time link to choose a
password (Django's password-reset token, which the password it sets makes void), after which the
first login sets up the authenticator (staff always log in with two steps, accounts.middleware).
A person who already has an account of their own is appointed as they are and told so.

The admin's "add reviewer" page is this verb's form; changing an office or ending an appointment
stays on the reviewer's admin page, which records both (filings/admin/review.py)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from filings.lifecycle.memberships import Refused
from filings.models import AuditEntry, Jurisdiction, Membership, Reviewer
from filings.registry import audit
from filings.review.reviewer_group import (
    LEAD_GROUP,
    SIGNER_GROUP,
    ensure_reviewer_group,
    ensure_role_groups,
)
from notifications import emails

User = get_user_model()
ROLES = (LEAD_GROUP, SIGNER_GROUP)


def check_appointable(email: str) -> str:
    """The normalised address, or ``Refused`` when its account cannot become a reviewer: it is one
    already, or it belongs to an organization that files (the office and the filer stay apart)."""
    email = User.objects.normalize_email((email or "").strip()).lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        return email
    appointment = Reviewer.objects.filter(user=existing).select_related("office").first()
    if appointment is not None:
        raise Refused(
            _("%(email)s is already a reviewer of %(office)s.")
            % {"email": email, "office": appointment.office.office_name},
            code="already_reviewer",
            field="email",
        )
    if Membership.objects.filter(user=existing).exists():
        raise Refused(
            _(
                "%(email)s is the account of a member of an organization that files: a reviewer "
                "needs an address of their own."
            )
            % {"email": email},
            code="member_of_organization",
            field="email",
        )
    return email


def appoint_reviewer(
    *, actor, email: str, name: str, office: Jurisdiction, language: str, roles=()
) -> Reviewer:
    """Appoint, record and invite; the email leaves when the transaction commits."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"not a reviewer's role: {sorted(unknown)}")
    try:
        with transaction.atomic():
            return _appoint(actor, email, name, office, language, roles)
    except IntegrityError:  # the same address appointed, or registered, at the same moment
        check_appointable(email)
        raise


def _appoint(actor, email, name, office, language, roles) -> Reviewer:
    """The appointment itself: a lock on an existing account, the rows, the record, the email."""
    email = check_appointable(email)
    user = User.objects.select_for_update().filter(email__iexact=email).first()
    invited = user is None or not user.has_usable_password()
    if user is None:
        user = User.objects.create_user(
            email=email, password=None, name=name.strip(), language=language
        )
    user.is_staff = True
    user.is_active = True
    user.save(update_fields=["is_staff", "is_active"])
    reviewer = Reviewer.objects.create(user=user, office=office)
    groups = ensure_role_groups()
    user.groups.add(ensure_reviewer_group(), *(groups[role] for role in roles))
    audit.record(
        AuditEntry.Action.REVIEWER_APPOINTED,
        actor=actor,
        obj=reviewer,
        object_repr=email,
        after={**appointment_facts(reviewer), "roles": list(roles)},
    )
    send_invitation(reviewer, invited_by=actor, invited=invited)
    return reviewer


def send_invitation(reviewer: Reviewer, *, invited_by, invited: bool | None = None) -> None:
    """The appointment's email: with a link to choose a password while the account has none (a
    new link voids no other: each is void once a password is chosen, or after a day)."""
    user = reviewer.user
    if invited is None:
        invited = not user.has_usable_password()
    context = {"user": user, "office": reviewer.office, "invited_by": invited_by}
    if invited:
        context["uid"] = urlsafe_base64_encode(force_bytes(user.pk))
        context["token"] = default_token_generator.make_token(user)
    emails.send("reviewer_invitation", to=user.email, language=user.language, context=context)


def appointment_facts(reviewer) -> dict:
    """A reviewer's appointment as facts: the account and the office (its code and name)."""
    if reviewer is None:
        return {}
    office = reviewer.office
    return {"user": reviewer.user.email, "office": f"{office.code} {office.office_name}".strip()}
