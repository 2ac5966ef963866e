"""The public verification page: anyone checks a filing number, a limited number of times.

A lookup is a GET with ``number``; each client address may make RATE_LIMIT of them in any
RATE_WINDOW seconds. Lookups are counted in Django's cache in one-minute buckets: a lookup is
allowed when the buckets of the last RATE_WINDOW seconds, its own minute included, hold at most
RATE_LIMIT lookups. Counting is an atomic increment on Redis; the file cache of a single machine
may let a few more through under a burst of simultaneous requests.
"""

import logging
import math
import time

from django.core.cache import cache
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from accounts import throttling
from filings.documents.verification import MAX_INPUT, verify

logger = logging.getLogger(__name__)

RATE_LIMIT = 30  # lookups per client address…
RATE_WINDOW = 10 * 60  # …in this many seconds
BUCKET = 60  # seconds counted together
_SPAN = RATE_WINDOW // BUCKET  # earlier buckets that reach into the window
_KEEP = (_SPAN + 2) * BUCKET  # how long a bucket is kept
_PREFIX = "verify-lookups"


def client_key(request) -> str:
    """The client, as login throttling counts it (accounts.throttling): the socket's address, or
    behind the documented TLS proxy (BEHIND_TLS_PROXY) the hop the proxy added to
    X-Forwarded-For, never one the client wrote; an IPv6 client by its /64."""
    return throttling.client_key(request)


def take_lookup(client: str, now: float | None = None) -> int:
    """Count one lookup for ``client``: 0 when it is allowed, else the seconds until it would be.

    A refused lookup is not counted, so a client that keeps trying is not shut out for longer.
    """
    now = time.time() if now is None else now
    current = int(now // BUCKET)
    keys = {
        minute: f"{_PREFIX}:{client}:{minute}" for minute in range(current - _SPAN, current + 1)
    }
    key = keys.pop(current)
    cache.add(key, 0, timeout=_KEEP)
    try:
        mine = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=_KEEP)
        mine = 1
    cache.touch(key, timeout=_KEEP)  # the file cache's incr rewrites with the default timeout
    earlier = cache.get_many(list(keys.values()))
    counts = {minute: earlier.get(bucket, 0) for minute, bucket in keys.items()}
    if sum(counts.values()) + mine <= RATE_LIMIT:
        return 0
    cache.decr(key)
    cache.touch(key, timeout=_KEEP)
    # Wait until enough of the oldest lookups leave the window (a bucket leaves _SPAN + 1 minutes
    # after its own minute started).
    excess = sum(counts.values()) + mine - RATE_LIMIT
    for minute in sorted(counts):
        excess -= counts[minute]
        if excess <= 0:
            return max(1, math.ceil((minute + _SPAN + 1) * BUCKET - now))
    return max(1, math.ceil((current + _SPAN + 1) * BUCKET - now))


def seconds_to_wait(request) -> int:
    client = client_key(request)
    try:
        return take_lookup(client)
    except Exception:
        # The page stays up when the cache is away (Redis down, disk full): the limit only slows
        # the listing of public data.
        logger.exception("Verification rate limit unavailable; lookup allowed")
        return 0


# The form of a filing number, with sequence 00000: numbers start at 00001, so this one can never
# be issued (a real-looking first number would send people to a real organization's record).
EXAMPLE_NUMBER = "网信人脸备440300202600000号"


@never_cache
@require_safe
def verify_number(request):
    context = {"query": "", "max_input": MAX_INPUT, "example_number": EXAMPLE_NUMBER}
    wait = 0
    if "number" in request.GET:
        raw = request.GET["number"]
        context["query"] = raw.strip()[:MAX_INPUT]
        wait = seconds_to_wait(request)
        if wait:
            context["retry_minutes"] = math.ceil(wait / 60)
        else:
            context["result"] = verify(raw)
    response = render(request, "filings/verify.html", context, status=429 if wait else 200)
    if wait:
        response["Retry-After"] = str(wait)
    # Looked-up numbers are not for search engines.
    response["X-Robots-Tag"] = "noindex"
    return response
