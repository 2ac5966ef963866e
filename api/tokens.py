"""Making, finding and revoking API tokens. A token reads ``frp_<prefix>_<secret>``: the prefix
finds the row, the SHA-256 of the whole token is compared in constant time."""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from api.models import ApiToken

TOKEN_START = "frp_"  # noqa: S105 (a marker that the string is a token, not a secret)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenLimitReached(Exception):
    def __init__(self, limit: int):
        self.limit = limit
        super().__init__(
            _(
                "The organization already has %(limit)d active tokens, the most it may have. "
                "Revoke one that is no longer used, then make the new one."
            )
            % {"limit": limit}
        )


@transaction.atomic
def create_token(
    organization, actor, *, name: str, scope: str, address: str | None = None
) -> tuple[ApiToken, str]:
    """The new token and its secret, which is never stored and cannot be shown again. At most
    API_TOKENS_PER_ORGANIZATION active tokens an organization (TokenLimitReached). The making is
    in the audit trail (who, from where, the token's name, prefix and scope)."""
    from filings.models import AuditEntry, Organization
    from filings.registry import audit

    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    limit = settings.API_TOKENS_PER_ORGANIZATION
    if ApiToken.objects.filter(organization=organization, revoked_at__isnull=True).count() >= limit:
        raise TokenLimitReached(limit)
    prefix = secrets.token_hex(6)
    token = f"{TOKEN_START}{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiToken.objects.create(
        organization=organization,
        name=name,
        scope=scope,
        prefix=prefix,
        secret_hash=_hash(token),
        created_by=actor,
    )
    audit.record(
        AuditEntry.Action.API_TOKEN_CREATED,
        actor=actor,
        obj=row,
        organization=organization,
        object_repr=f"{name} (frp_{prefix})",
        after={"token": f"{name} (frp_{prefix})", "scope": scope},
        address=address,
    )
    return row, token


@transaction.atomic
def revoke_token(token: ApiToken, actor, *, address: str | None = None) -> bool:
    """False when it was revoked already; the revocation is in the audit trail."""
    from filings.models import AuditEntry
    from filings.registry import audit

    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor
    )
    if revoked:
        audit.record(
            AuditEntry.Action.API_TOKEN_REVOKED,
            actor=actor,
            obj=token,
            organization=token.organization,
            object_repr=f"{token.name} (frp_{token.prefix})",
            before={"token": f"{token.name} (frp_{token.prefix})", "scope": token.scope},
            address=address,
        )
    return bool(revoked)


def find_token(presented: str) -> ApiToken | None:
    """The token, revoked or not, whose secret this is; None for anything else."""
    if not presented.startswith(TOKEN_START) or len(presented) > 200:
        return None
    prefix, _sep, _secret = presented[len(TOKEN_START) :].partition("_")
    row = (
        ApiToken.objects.select_related("organization", "created_by").filter(prefix=prefix).first()
    )
    if row is None or not hmac.compare_digest(row.secret_hash, _hash(presented)):
        return None
    return row
