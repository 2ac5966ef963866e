"""Organizations with API tokens, for the API's tests."""

from datetime import date

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
