"""Calls per token and per organization, and what is left of each, told in the IETF draft's
``RateLimit-Limit``, ``RateLimit-Remaining`` and ``RateLimit-Reset`` headers (the tighter of the
two), with ``Retry-After`` on a 429. An organization's tokens share its limit: making more
tokens does not buy more calls."""

import math

from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken


class _Counted(SimpleRateThrottle):
    def ident_of(self, token) -> int:
        raise NotImplementedError

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.ident_of(request.auth)}

    def allow_request(self, request, view):
        allowed = super().allow_request(request, view)
        if self.rate is not None and getattr(self, "key", None) is not None:
            remaining = max(0, self.num_requests - len(self.history))
            if self.history:
                reset = math.ceil(self.history[-1] + self.duration - self.now)
            else:
                reset = self.duration
            limits = request._request.__dict__.setdefault("rate_limits", [])
            limits.append((self.num_requests, remaining, max(0, reset)))
        return allowed


class PublicRateThrottle(_Counted):
    """Calls without a token (the public self-check), per client address (API_RATE_PUBLIC)."""

    scope = "api_public"

    def get_cache_key(self, request, view):
        from accounts.throttling import client_key

        return self.cache_format % {"scope": self.scope, "ident": client_key(request._request)}


class TokenRateThrottle(_Counted):
    """Calls per token (API_RATE_PER_TOKEN, e.g. 120/min), whatever address they come from."""

    scope = "api_token"

    def ident_of(self, token):
        return token.pk


class OrganizationRateThrottle(_Counted):
    """Calls per organization, all its tokens together (API_RATE_PER_ORGANIZATION)."""

    scope = "api_organization"

    def ident_of(self, token):
        return token.organization_id


def rate_limit_headers(request) -> dict:
    """The headers of the tightest limit this request was counted against (none if it was not)."""
    limits = getattr(request, "rate_limits", None)
    if not limits:
        return {}
    limit, remaining, reset = min(limits, key=lambda item: (item[1], -item[2]))
    return {
        "RateLimit-Limit": str(limit),
        "RateLimit-Remaining": str(remaining),
        "RateLimit-Reset": str(reset),
    }
