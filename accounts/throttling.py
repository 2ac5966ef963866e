"""Limits on what anyone can try without an account: logging in, and making the portal send email.

Login failures are counted by django-axes (settings ``AXES_*``) and locked by two rules
(``LoginLockoutHandler``): LOGIN_FAILURE_LIMIT failures for one account from one client address
lock that account from that address only, and LOGIN_ADDRESS_FAILURE_LIMIT failures from one
address, whatever the accounts, lock that address. An account is never locked for every address
because of one address's failures: that let anyone lock anyone out (issue 30). A reset link still
works for a locked-out person, and choosing a new password with it clears the account's failures.
This module gives axes the account and client address as this portal sees them, and the page a
locked-out person sees.

Emails that anyone can trigger (password reset, registration, a new confirmation link) are
counted in Django's cache per address and per client address, a fixed window of an hour each.
Over the per-address limit nothing is sent, and the page says what it says when an email was
sent: the answer must not tell an address with an account from one without. Over the per-client
limit, which tells nothing about any account, the page says so and when to try again
(``email_client_wait``, ``too_many_requests_message``): the request is refused, not dropped.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone

logger = logging.getLogger("accounts.security")

EMAIL_WINDOW = 60 * 60  # seconds


def client_address(request) -> str | None:
    """The client's IP address: the socket's, or behind the documented TLS proxy
    (``BEHIND_TLS_PROXY``) the last hop of X-Forwarded-For, the one the proxy added. Hops before
    it are whatever the client wrote. None when neither is an IP address."""
    candidates = []
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        candidates.append(forwarded.rsplit(",", 1)[-1].strip())
    candidates.append(request.META.get("REMOTE_ADDR", ""))
    for raw in candidates:
        try:
            address = ipaddress.ip_address(raw)
        except ValueError:
            continue
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(address)
    return None


def client_key(request) -> str:
    """What a client is counted by: its address, an IPv6 client by its /64 (one subscriber
    usually holds a whole /64)."""
    address = client_address(request)
    if address is None:
        return "unknown"
    parsed = ipaddress.ip_address(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return address


def normalize_login(value) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip().lower()[: settings.LOGIN_MAX_LENGTH]
    return value or None


def login_username(request, credentials=None) -> str | None:
    """The account a login attempt is for, for axes: the email address as typed, trimmed and in
    lower case, so that "Li.Ming@…" and "li.ming@…" count as one account."""
    if credentials and credentials.get("username"):
        return normalize_login(credentials["username"])
    data = getattr(request, "POST", None) or {}
    return normalize_login(data.get("username"))


class LoginLockoutHandler(AxesDatabaseHandler):
    """axes' database handler with two limits where axes has one: the failures of the pair
    (account, client address) against LOGIN_FAILURE_LIMIT (``AXES_FAILURE_LIMIT``), and those of
    the address, whatever the account, against LOGIN_ADDRESS_FAILURE_LIMIT. ``AXES_LOCKOUT_
    PARAMETERS`` gives axes the two sets of attempts, in that order; the count returned here
    reaches axes' one limit when either of them is reached."""

    def get_failures(self, request, credentials=None) -> int:
        pair, address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(pair, settings.AXES_FAILURE_LIMIT)
        return pair


def _lock(request, credentials=None):
    """(whether the address as a whole is locked, when the lockout ends): the last failure
    counted by the lock, or the later of the two locks, plus the cool-off period."""
    cool_off = get_cool_off(request)
    address = getattr(request, "axes_ip_address", None) or client_address(request)
    recent = AccessAttempt.objects.filter(
        ip_address=address, attempt_time__gte=timezone.now() - cool_off
    )
    pair = recent.filter(username=login_username(request, credentials))
    ends = []
    for attempts, limit in (
        (pair, settings.AXES_FAILURE_LIMIT),
        (recent, settings.LOGIN_ADDRESS_FAILURE_LIMIT),
    ):
        found = attempts.aggregate(failures=Sum("failures_since_start"), latest=Max("attempt_time"))
        ends.append((found["latest"] + cool_off) if (found["failures"] or 0) >= limit else None)
    until = max((end for end in ends if end), default=timezone.now() + cool_off)
    return ends[1] is not None, until


def retry_at(request, credentials=None):
    """When the lockout of this account from this client address, or of the address, ends."""
    return _lock(request, credentials)[1]


def lockout_response(request, original_response=None, credentials=None):
    """The lockout page: what happened, and when to try again, in the person's language."""
    by_address, until = _lock(request, credentials)
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
    response = render(
        request,
        "accounts/locked_out.html",
        {
            "retry_at": timezone.localtime(until),
            "minutes": math.ceil(seconds / 60),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "address_failure_limit": settings.LOGIN_ADDRESS_FAILURE_LIMIT,
            "by_address": by_address,
            "admin_login": request.path.startswith("/admin/"),
        },
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


def forget_failures(sender, request, user, **kwargs):
    """A successful login (user_logged_in) clears the failures counted against that account, and
    only those."""
    forget_failures_of(user)


def forget_failures_of(user) -> None:
    """Clear the failures counted against the account, from every address: after a login, or a
    new password chosen with a reset link (whoever holds the mailbox is the account's owner). An
    address's failures for other accounts stay."""
    AccessAttempt.objects.filter(username=normalize_login(user.get_username())).delete()


def log_lockout(sender, request, username, ip_address, **kwargs):
    """Every lockout is logged, with the account and the client address (axes' own log lines
    mask both)."""
    logger.warning(
        "Login locked out: account %r, client %s, path %s",
        username,
        ip_address,
        getattr(request, "path", ""),
    )


# --- Emails anyone can trigger -------------------------------------------------------------------


def _take(key: str, limit: int, now: float) -> bool:
    window = int(now // EMAIL_WINDOW)
    bucket = f"email-rate:{key}:{window}"
    cache.add(bucket, 0, timeout=EMAIL_WINDOW * 2)
    try:
        count = cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.set(bucket, 1, timeout=EMAIL_WINDOW * 2)
        count = 1
    cache.touch(bucket, timeout=EMAIL_WINDOW * 2)  # the file cache's incr resets the timeout
    return count <= limit


def email_client_wait(request, now: float | None = None) -> int:
    """Seconds until this client may ask for an email again, 0 when it may now. Counts nothing:
    a page asks first, and refuses the request with ``too_many_requests_message``."""
    now = time.time() if now is None else now
    bucket = f"email-rate:client:{client_key(request)}:{int(now // EMAIL_WINDOW)}"
    try:
        count = cache.get(bucket, 0)
    except Exception:
        logger.exception("Email rate limit unavailable")
        return 0
    if count < settings.EMAIL_RATE_PER_CLIENT:
        return 0
    return max(1, math.ceil(EMAIL_WINDOW - now % EMAIL_WINDOW))


def too_many_requests_message(wait_seconds: int) -> str:
    from django.utils.translation import ngettext

    minutes = max(1, math.ceil(wait_seconds / 60))
    return ngettext(
        "Too many requests from your network: try again in %(minutes)s minute.",
        "Too many requests from your network: try again in %(minutes)s minutes.",
        minutes,
    ) % {"minutes": minutes}


def allow_email(request, address: str, kind: str, now: float | None = None) -> bool:
    """Count one email of ``kind`` to ``address`` asked by this client; False when the client or
    the address has had its share this hour. The caller then sends nothing; past the address's
    limit it says the same as when it sent (the client's limit a page checks before, with
    ``email_client_wait``)."""
    now = time.time() if now is None else now
    digest = hashlib.sha256(address.strip().lower().encode()).hexdigest()[:32]
    client = client_key(request)
    try:
        allowed = _take(f"client:{client}", settings.EMAIL_RATE_PER_CLIENT, now) and _take(
            f"address:{digest}", settings.EMAIL_RATE_PER_ADDRESS, now
        )
    except Exception:
        # The cache is away (Redis down, disk full): the email goes out; the limit only slows abuse.
        logger.exception("Email rate limit unavailable; %s email allowed", kind)
        return True
    if not allowed:
        logger.warning("Email rate limit: %s email to %s from %s not sent", kind, digest, client)
    return allowed


# --- Counts in a window, for anything a person may do only so often ------------------------------


def take(counts: list[tuple[str, int]], window: int, now: float | None = None) -> int:
    """Count one against each (key, limit) of ``counts`` in the current fixed window of ``window``
    seconds: 0 when every count is within its limit, else the seconds until the window ends. A
    refused try is not counted, so a person who keeps trying is not held back longer. When the
    cache is away (Redis down, disk full) the try is allowed: the limits only slow abuse."""
    now = time.time() if now is None else now
    bucket = int(now // window)
    taken: list[str] = []
    try:
        over = False
        for key, limit in counts:
            name = f"rate:{key}:{window}:{bucket}"
            cache.add(name, 0, timeout=window * 2)
            try:
                count = cache.incr(name)
            except ValueError:  # expired between add and incr
                cache.set(name, 1, timeout=window * 2)
                count = 1
            cache.touch(name, timeout=window * 2)  # the file cache's incr resets the timeout
            taken.append(name)
            if count > limit:
                over = True
                break
        if not over:
            return 0
        for name in taken:
            cache.decr(name)
            cache.touch(name, timeout=window * 2)
    except Exception:
        logger.exception("Rate limit unavailable; %s allowed", [key for key, _limit in counts])
        return 0
    return max(1, math.ceil((bucket + 1) * window - now))


def registration_lookup_wait(request) -> int:
    """Count one look-up of a unified social credit code by the registration form from this
    client address: 0 when allowed, else the seconds to wait. The form answers whether a code is
    registered, so it is limited like the other anonymous forms: REGISTRATION_RATE_PER_CLIENT an
    hour."""
    return take(
        [(f"uscc-lookup:{client_key(request)}", settings.REGISTRATION_RATE_PER_CLIENT)],
        EMAIL_WINDOW,
    )
