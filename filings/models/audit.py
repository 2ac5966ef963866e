from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from filings.registry.identifiers import SEALED_KEYS
from portal.encrypted_fields import EncryptedJSONField


class AuditEntry(models.Model):
    """Who did what to which object, when, with what it was before and after: every actor's action
    that is not a filing's own transition (those are FilingEvents).

    ``before`` and ``after`` hold facts (field names and stored values, codes not labels); the
    words are rendered in the reader's language when shown (``changes``), never stored in the
    actor's. Rows are written by filings/registry/audit.py and never changed.
    """

    class Action(models.TextChoices):
        ORGANIZATION_REGISTERED = "organization_registered", _("Organization registered")
        ORGANIZATION_EDITED = "organization_edited", _("Organization details changed")
        INVITATION_SENT = "invitation_sent", _("Invitation sent")
        INVITATION_REVOKED = "invitation_revoked", _("Invitation withdrawn")
        MEMBER_JOINED = "member_joined", _("Member joined")
        MEMBER_ADDED = "member_added", _("Member added")
        MEMBER_REMOVED = "member_removed", _("Member removed")
        MEMBER_LEFT = "member_left", _("Member left")
        ROLE_CHANGED = "role_changed", _("Role changed")
        ATTACHMENT_UPLOADED = "attachment_uploaded", _("Attachment uploaded")
        ATTACHMENT_WITHDRAWN = "attachment_withdrawn", _("Attachment withdrawn")
        DRAFT_DELETED = "draft_deleted", _("Draft deleted")
        REVIEWER_APPOINTED = "reviewer_appointed", _("Reviewer appointed")
        REVIEWER_CHANGED = "reviewer_changed", _("Reviewer's office changed")
        REVIEWER_REMOVED = "reviewer_removed", _("Reviewer's appointment ended")
        CALENDAR_YEAR_ADDED = "calendar_year_added", _("Calendar year added")
        CALENDAR_YEAR_CHANGED = "calendar_year_changed", _("Calendar year changed")
        CALENDAR_YEAR_DELETED = "calendar_year_deleted", _("Calendar year deleted")
        CALENDAR_IMPORTED = "calendar_imported", _("Calendar periods imported")
        FILING_TAKEN = "filing_taken", _("Filing taken by a reviewer")
        FILING_ASSIGNED = "filing_assigned", _("Filing assigned by the office lead")
        FILING_RELEASED = "filing_released", _("Filing released")
        FILING_TRANSFERRED = "filing_transferred", _("Filing transferred to another office")
        # Every look at a file or at a full ID number (issue 27): who, when, from where, which.
        ATTACHMENT_READ = "attachment_read", _("Attachment opened")
        DOCUMENT_READ = "document_read", _("Document opened")
        FILE_READ = "file_read", _("File made and downloaded")
        ID_NUMBER_SHOWN = "id_number_shown", _("Full ID number shown")
        API_TOKEN_CREATED = "api_token_created", _("API token made")
        API_TOKEN_REVOKED = "api_token_revoked", _("API token revoked")
        LEGAL_HOLD_SET = "legal_hold_set", _("Legal hold placed")
        LEGAL_HOLD_LIFTED = "legal_hold_lifted", _("Legal hold lifted")
        FILES_PURGED = "files_purged", _("Files and personal details deleted (retention)")
        ACCOUNT_DATA_EXPORTED = "account_data_exported", _("Account data downloaded")
        ACCOUNT_CLOSED = "account_closed", _("Account closed")

    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    organization = models.ForeignKey(
        "filings.Organization",
        verbose_name=_("organization"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    content_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    object_id = models.CharField(max_length=64, blank=True)
    # What the object was called when it was acted on (an email, a year, a file name): data, not
    # words of the portal, so it reads the same in every language and outlives the object.
    object_repr = models.CharField(pgettext_lazy("audit", "object"), max_length=200, blank=True)
    # The client's address for a look at a file or an ID number (and wherever a request is known).
    address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    # An organization's edit records its contact's mobile number: sealed like the organization's.
    before = EncryptedJSONField(_("before"), default=dict, blank=True, sealed_keys=SEALED_KEYS)
    after = EncryptedJSONField(_("after"), default=dict, blank=True, sealed_keys=SEALED_KEYS)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "-created_at"]),
            # "Who looked at this file": one file's rows, newest first.
            models.Index(
                fields=["content_type", "object_id", "-created_at"], name="audit_by_object"
            ),
            models.Index(fields=["actor", "-created_at"], name="audit_by_actor"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} · {self.object_repr}"
