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
def create_token(organization, actor, *, name: str, scope: str) -> tuple[ApiToken, str]:
    """The new token and its secret, which is never stored and cannot be shown again. At most
    API_TOKENS_PER_ORGANIZATION active tokens an organization (TokenLimitReached)."""
    from filings.models import Organization

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
    return row, token


def revoke_token(token: ApiToken, actor) -> bool:
    """False when it was revoked already."""
    return bool(
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=actor
        )
    )


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
