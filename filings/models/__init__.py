from filings.models.audit import AuditEntry
from filings.models.calendar import CalendarPeriod, CalendarYear
from filings.models.documents import Document
from filings.models.exports import ExportJob
from filings.models.filings import (
    Attachment,
    Filing,
    FilingEvent,
    FilingVersion,
    NumberCounter,
    PurgeDue,
)
from filings.models.jurisdictions import Jurisdiction
from filings.models.obligations import (
    AppliedRegime,
    CorrectionOrder,
    DeadlineChange,
    Deployment,
    HeadcountDeclaration,
    Obligation,
    ObligationEvent,
    OverdueDuty,
    RecognitionSystem,
    SystemDeclaration,
)
from filings.models.organizations import Invitation, Membership, Organization
from filings.models.reminders import Reminder, ReviewerDigest, ReviewEscalation
from filings.models.reviewers import Reviewer

__all__ = [
    "AuditEntry",
    "AppliedRegime",
    "HeadcountDeclaration",
    "ObligationEvent",
    "Attachment",
    "Filing",
    "FilingEvent",
    "FilingVersion",
    "NumberCounter",
    "CalendarPeriod",
    "CalendarYear",
    "CorrectionOrder",
    "DeadlineChange",
    "Deployment",
    "Document",
    "ExportJob",
    "Invitation",
    "Jurisdiction",
    "Membership",
    "Obligation",
    "Organization",
    "OverdueDuty",
    "PurgeDue",
    "RecognitionSystem",
    "Reminder",
    "ReviewEscalation",
    "Reviewer",
    "ReviewerDigest",
    "SystemDeclaration",
]
