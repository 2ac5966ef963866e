"""Organizations with API tokens, for the API's tests."""

import hashlib
from datetime import date

from django.core.files.base import ContentFile
from django.utils import timezone

from api import tokens
from filings.lifecycle import obligations
from tests.factories import MembershipFactory


def organization_with_tokens():
    """An organization (with a system over the threshold, so it has a duty), its administrator,
    and a read token, a write token and a revoked token, as (membership, {persona: secret})."""
    admin = MembershipFactory(role="admin")
    obligations.declare_system(
        admin.organization,
        admin.user,
        name="门禁",
        people_stored=12_000,
        used_in_public_place=False,
        count_reached_on=date(2026, 2, 2),
    )
    secrets = {}
    for scope in ("read", "write"):
        _row, secrets[scope] = tokens.create_token(
            admin.organization, admin.user, name=f"{scope} tool", scope=scope
        )
    revoked, secrets["revoked"] = tokens.create_token(
        admin.organization, admin.user, name="old", scope="write"
    )
    tokens.revoke_token(revoked, admin.user)
    return admin, secrets


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def ready_document(filing):
    """A filing form ready to download, as the PDF task leaves it (with a version 1)."""
    from filings.models import Document, FilingVersion
    from tests.pdfs import pdf_bytes

    version = FilingVersion.objects.create(
        filing=filing, number=1, data={}, on_time=True, submitted_at=timezone.now()
    )
    content = pdf_bytes()
    document = Document(
        filing=filing,
        version=version,
        kind=Document.Kind.FORM,
        language="zh-hans",
        status=Document.Status.READY,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
    )
    document.file.save("form.pdf", ContentFile(content), save=False)
    document.save()
    return document
