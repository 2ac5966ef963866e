from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filings.registry.identifiers import mask_ric
from portal.encrypted_fields import BlindIndexField, EncryptedTextField


class Organization(models.Model):
    """A user of facial recognition technology, identified by its Unified Social Credit Code."""

    name = models.CharField(_("organization name"), max_length=200)
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    address_division = models.CharField(
        _("registered address: division code"),
        max_length=6,
        help_text=_("GB/T 2260 code of the prefecture-level division (or municipality)."),
    )
    street_address = models.CharField(_("street address"), max_length=200)
    legal_representative = models.CharField(_("legal representative"), max_length=100)
    responsible_person = models.CharField(_("responsible person"), max_length=100)
    # Sealed in the database (portal.crypto); found by its blind index, never by decrypting rows.
    responsible_person_id_number = EncryptedTextField(
        _("responsible person's ID number"), max_length=18
    )
    responsible_person_id_digest = BlindIndexField(source="responsible_person_id_number")
    contact_name = models.CharField(_("contact person"), max_length=100)
    contact_mobile = EncryptedTextField(_("contact mobile number"), max_length=11)
    contact_email = models.EmailField(_("contact email"))
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    # Stops every retention purge of the organization's files and personal details (a dispute,
    # an investigation, a court's order). Set and lifted by an administrator, both audited.
    legal_hold = models.BooleanField(
        _("legal hold"),
        default=False,
        help_text=_(
            "While set, nothing of this organization is deleted when its retention period ends."
        ),
    )
    legal_hold_reason = models.CharField(_("reason for the legal hold"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @classmethod
    def with_responsible_person_id_number(cls, number: str) -> models.Q:
        """The organizations whose responsible person holds this ID number: an exact lookup of
        its keyed hash (the number itself is sealed and cannot be compared)."""
        return cls._meta.get_field("responsible_person_id_digest").lookup(number)

    @property
    def masked_responsible_person_id_number(self) -> str:
        return mask_ric(self.responsible_person_id_number)


# What an organization says of itself: registration asks it, a member with the admin role edits it
# (uscc aside), and a filing carries a copy of it.
ORGANIZATION_FIELDS = (
    "name",
    "uscc",
    "address_division",
    "street_address",
    "legal_representative",
    "responsible_person",
    "responsible_person_id_number",
    "contact_name",
    "contact_mobile",
    "contact_email",
)


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        EDITOR = "editor", _("Editor")
        VIEWER = "viewer", _("Viewer")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="one_membership_each")
        ]

    def __str__(self):
        return f"{self.user} @ {self.organization} ({self.role})"

    @property
    def can_edit(self) -> bool:
        return self.role in (self.Role.ADMIN, self.Role.EDITOR)

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


class Invitation(models.Model):
    """A one-time link for a colleague to join; only the hash of the token is stored."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=10, choices=Membership.Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.organization}"

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )
