"""The public check of a filing number: is the filing valid, for which organization, since when.

Anyone may ask, without an account, so the answer holds the organization's public registration
data only (its name and unified social credit code), the names of the systems filed, the office
and the dates: never a person, an address or anything else the filing says. A number nobody was
given, and any input that cannot be a number, get the same answer: "unknown".

What is shown is what the office approved (issue 30): the name, code and systems of the submitted
version it approved (for the original number, the latest change approved since; for a
cancellation, the record it cancels), never the organization's profile as it stands, which its
filers edit without review. The answer only says that the current details differ.
"""

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from django.utils import timezone
from django.utils.translation import get_language

from filings.law import vocabulary
from filings.models import Filing, FilingVersion

MAX_INPUT = 200  # characters worth reading: a number is 40 at most, with room for spaces
SUFFIX = "号"
# Dashes a keyboard, an input method or a PDF viewer may put in "…-变更1号" (NFKC keeps these).
DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−﹘﹣", "-"))

Status = Literal["valid", "cancelled", "revoked", "unknown"]


@dataclass(frozen=True)
class Result:
    """What the verification page may show about a number, and nothing more."""

    status: Status
    number: str = ""
    kind: str = ""  # Filing.Kind: "initial", "change" or "cancellation"
    organization_name: str = ""
    uscc: str = ""
    office_name: str = ""
    office_name_en: str = ""
    filed_on: date | None = None
    cancelled_on: date | None = None
    revoked_on: date | None = None  # an office revoked the record: the number no longer verifies
    original_number: str = ""  # the filing a change or a cancellation is about
    systems: tuple[str, ...] = ()  # the systems (deployments) as filed in the approved record
    current_details_differ: bool = False  # the organization's profile no longer says the same

    @property
    def office(self) -> str:
        return self.office_name_en if get_language() == "en" else self.office_name

    @property
    def is_change(self) -> bool:
        return self.kind == Filing.Kind.CHANGE

    @property
    def is_cancellation(self) -> bool:
        return self.kind == Filing.Kind.CANCELLATION


UNKNOWN = Result(status="unknown")


def normalise(raw: str) -> str | None:
    """The filing number as it is stored, or None when the input cannot be one.

    Full-width characters become half-width (NFKC), whitespace goes wherever it is (a number copied
    from a PDF may be broken over lines), and the final 号 may be left out.
    """
    if not isinstance(raw, str) or len(raw) > MAX_INPUT:
        return None
    text = "".join(unicodedata.normalize("NFKC", raw).translate(DASHES).split())
    if not text:
        return None
    if not text.endswith(SUFFIX):
        text += SUFFIX
    if text[0].isdigit():  # the digits alone, as people read them out
        text = vocabulary.FILING_NUMBER_PREFIX + text
    max_length = Filing._meta.get_field("filing_number").max_length
    # Control characters (NUL among them, which PostgreSQL refuses in a query) are no number's.
    if len(text) > max_length or not text.isprintable():
        return None
    return text


def _local_date(moment: datetime | None) -> date | None:
    return timezone.localdate(moment) if moment else None


def verify(raw: str) -> Result:
    number = normalise(raw)
    if number is None:
        return UNKNOWN
    filing = (
        Filing.objects.filter(
            filing_number=number,
            status__in=[Filing.Status.FILED, Filing.Status.CANCELLED, Filing.Status.REVOKED],
        )
        .select_related("organization", "office", "original")
        .first()
    )
    if filing is None:
        return UNKNOWN
    original = filing.original
    filed_on = _local_date(filing.filed_at)
    revoked_on = None
    if filing.status == Filing.Status.REVOKED:
        status, cancelled_on = "revoked", None
        revoked_on = _local_date(filing.revoked_at)
    elif original is not None and original.status == Filing.Status.REVOKED:
        # A change or a cancellation lapses with the record it was about.
        status, cancelled_on = "revoked", None
        revoked_on = _local_date(original.revoked_at)
    elif filing.kind == Filing.Kind.CANCELLATION:
        # The record of a cancellation: the filing it names is cancelled from its approval.
        status = "cancelled"
        cancelled_on = _local_date(original.cancelled_at if original else None) or filed_on
    elif filing.status == Filing.Status.CANCELLED:
        status, cancelled_on = "cancelled", _local_date(filing.cancelled_at)
    elif original is not None and original.status == Filing.Status.CANCELLED:
        # A change stays filed; it lapses with the filing it changed.
        status, cancelled_on = "cancelled", _local_date(original.cancelled_at)
    else:
        status, cancelled_on = "valid", None
    approved = approved_record(filing)
    section = approved.get("organization") or {}
    name, uscc = section.get("name", ""), section.get("uscc", "")
    organization = filing.organization
    return Result(
        status=status,
        number=number,
        kind=filing.kind,
        organization_name=name,
        uscc=uscc,
        systems=tuple(
            deployment.get("name", "")
            for deployment in approved.get("deployments") or ()
            if isinstance(deployment, dict) and deployment.get("name")
        ),
        current_details_differ=(name, uscc) != (organization.name, organization.uscc),
        office_name=filing.office.office_name,
        office_name_en=filing.office.office_name_en,
        filed_on=filed_on,
        cancelled_on=cancelled_on,
        revoked_on=revoked_on,
        original_number=(original.filing_number or "") if original else "",
    )


def approved_record(filing: Filing) -> dict:
    """The content the office approved for this number: the submitted version it approved; for an
    initial filing, that of the latest change approved since (the record as it stands); for a
    cancellation, the record it cancelled. A filing cannot be submitted again once approved, so
    the approved version is its last."""
    record = filing.original if filing.kind == Filing.Kind.CANCELLATION else filing
    if record is None:
        return {}
    source = record.pk
    if record.kind == Filing.Kind.INITIAL:
        latest_change = (
            Filing.objects.filter(original=record, kind=Filing.Kind.CHANGE, filed_at__isnull=False)
            .exclude(status=Filing.Status.REVOKED)
            .order_by("-filed_at", "-pk")
            .values_list("pk", flat=True)
            .first()
        )
        if latest_change is not None:
            source = latest_change
    version = (
        FilingVersion.objects.filter(filing_id=source).order_by("-number").only("data").first()
    )
    return version.data if version is not None else {}
