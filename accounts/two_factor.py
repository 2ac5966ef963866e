"""The second factor: a TOTP authenticator app, and one-time recovery codes.

Staff (reviewers and administrators) must have one before they reach the review workspace; a
filer may turn it on. Devices are django-otp's: a ``TOTPDevice`` named "authenticator" and a
``StaticDevice`` named "recovery" whose tokens are the recovery codes. Every change of a person's
second factor goes through a function here and is logged.
"""

from __future__ import annotations

import logging
import math
import re
from base64 import b32encode

import django_otp
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

logger = logging.getLogger("accounts.security")

AUTHENTICATOR = "authenticator"
RECOVERY = "recovery"
RECOVERY_CODE_COUNT = 10

# The demo reviewer's and administrator's authenticator secret (20 bytes, hex as django-otp keeps
# it). Public in the source: load_demo gives it only where DEBUG or --demo-totp allows and never
# on an https:// SITE_URL.
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"

# Session keys of accounts.middleware and accounts.apps.
HAS_SECOND_FACTOR = "accounts.has_second_factor"


def login(request, device) -> None:
    """Mark the session as having given the second factor, under a new session key: the
    person's privilege rises here as it did at the password (where Django renews the key), so a
    key someone saw or planted before this step is worth nothing after it (issue 30)."""
    django_otp.login(request, device)
    request.session.cycle_key()


def required(user) -> bool:
    """Staff always need a second factor; anyone else once they turned it on."""
    return user.is_staff or has_authenticator(user)


def has_authenticator(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def secret_for_display(device: TOTPDevice) -> str:
    """The key as authenticator apps take it typed in: base32, in groups of four."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def pending_device(user) -> TOTPDevice:
    """The unconfirmed authenticator being set up: the same one until it is confirmed, so the
    QR code does not change between the page and its image."""
    device = (
        TOTPDevice.objects.filter(user=user, name=AUTHENTICATOR, confirmed=False)
        .order_by("-pk")
        .first()
    )
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)
    return device


def confirm_authenticator(user, token: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the pending authenticator with a code it shows: it replaces any earlier one, and
    new recovery codes are made. Returns the device and the codes (shown once), or None."""
    token = _digits(token)
    if token is None:
        return None
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, name=AUTHENTICATOR, confirmed=False)
            .order_by("-pk")
            .first()
        )
        if device is None or not device.verify_token(token):
            return None
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _replace_recovery_codes(user)
    logger.info("Second factor set up for %s", user.email)
    return device, codes


def new_recovery_codes(user) -> list[str]:
    with transaction.atomic():
        codes = _replace_recovery_codes(user)
    logger.info("New recovery codes for %s", user.email)
    return codes


def _replace_recovery_codes(user) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(
        device__user=user, device__name=RECOVERY, device__confirmed=True
    ).count()


def _digits(token: str) -> str | None:
    cleaned = re.sub(r"[\s-]", "", token or "")
    return cleaned if re.fullmatch(r"\d{6}", cleaned) else None


def verify(user, token: str):
    """The device that accepts ``token`` (a 6-digit code from the app, or a recovery code, used
    up by this), or None. A device refuses while it is throttled after wrong codes."""
    cleaned = re.sub(r"[\s-]", "", token or "").lower()
    if not cleaned or len(cleaned) > 16:
        return None
    if _digits(cleaned):
        model, name = TOTPDevice, AUTHENTICATOR
    else:
        model, name = StaticDevice, RECOVERY
    device = model.objects.filter(user=user, name=name, confirmed=True).first()
    if device is None:
        return None
    verified = django_otp.verify_token(user, device.persistent_id, cleaned)
    if verified is not None and model is StaticDevice:
        logger.info("Recovery code used by %s", user.email)
    return verified


def seconds_throttled(user) -> int:
    """How long the person must wait before another code is checked (0: not throttled)."""
    now = timezone.now()
    wait = 0
    for model in (TOTPDevice, StaticDevice):
        for device in model.objects.filter(user=user, confirmed=True):
            allowed, data = device.verify_is_allowed()
            if not allowed and data and data.get("locked_until"):
                wait = max(wait, math.ceil((data["locked_until"] - now).total_seconds()))
    return wait


def remove(user, actor) -> int:
    """Remove a person's authenticator and recovery codes (an administrator's reset, or a filer
    turning the second factor off). Staff must set a new one up at their next page."""
    with transaction.atomic():
        count = TOTPDevice.objects.filter(user=user).delete()[0]
        count += StaticDevice.objects.filter(user=user).delete()[0]
    logger.warning("Second factor removed for %s by %s", user.email, actor.email)
    return count


def give_demo_authenticator(user) -> TOTPDevice:
    """The demo accounts' fixed authenticator (load_demo, never in production)."""
    if settings.HTTPS:
        raise RuntimeError("the demo authenticator is never given on an https:// SITE_URL")
    device, _created = TOTPDevice.objects.update_or_create(
        user=user, name=AUTHENTICATOR, defaults={"key": DEMO_TOTP_KEY, "confirmed": True}
    )
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    return device


def current_code(device: TOTPDevice) -> str:
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"
