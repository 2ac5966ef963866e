"""Cleaning and validation of the identifiers a filing carries: USCC, ID card number, mobile.

Each ``clean_*`` function returns the compact form to store, or raises Django's ValidationError
with a specific ``code`` and a message telling the user what to fix. Input is NFKC-normalised
first, so full-width digits and letters typed with a Chinese input method are accepted.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent
from stdnum.exceptions import ValidationError as StdnumValidationError

USCC_LENGTH = 18
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, S, V, Z
RIC_LENGTH = 18
MOBILE_LENGTH = 11
# The keys of a filing's content (and of the audit trail's facts) whose values are sealed in the
# database (portal.crypto): the personal identifiers the PIPL calls sensitive, and mobile numbers.
SEALED_KEYS = ("contact_mobile", "responsible_person_id_number")
EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)  # no living card holder was born earlier

_SEPARATORS = re.compile(r"[\s\-]+")
_RIC_PATTERN = re.compile(r"[0-9]{17}[0-9X]")
_DIGITS = re.compile(r"[0-9]*")
_MOBILE_PATTERN = re.compile(r"1[3-9][0-9]{9}")


def _compact(value: str | None) -> str:
    """NFKC-normalise, drop spaces and hyphens, uppercase."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value or "")).upper()


def clean_uscc(value: str) -> str:
    """The compact unified social credit code (GB 32100-2015), validated with stdnum.cn.uscc."""
    code = _compact(value)
    if len(code) != USCC_LENGTH:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(length)d."),
            code="uscc_length",
            params={"length": len(code)},
        )
    if any(c not in USCC_ALPHABET for c in code[:-1]):
        raise ValidationError(
            _(
                "The code contains a character that credit codes never use "
                "(the letters I, O, S, V and Z are not used)."
            ),
            code="uscc_characters",
        )
    if not code[:8].isdigit():
        raise ValidationError(
            _("The first 8 characters of the code must be digits."),
            code="uscc_format",
        )
    try:
        return uscc.validate(code)
    except (InvalidChecksum, StdnumValidationError):
        # Everything else was checked above; what remains is the 18th, check character
        # (a check character outside the alphabet, like the standard's example "…Y4Z", too).
        raise ValidationError(
            _("The check character is wrong: please re-read the code from the business licence."),
            code="uscc_checksum",
        ) from None


def clean_ric(value: str) -> str:
    """The compact resident identity card number (GB 11643-1999), X uppercase.

    Built from stdnum.cn.ric's parts rather than ``ric.validate``: that also requires the region
    code to have existed in the birth year, which rejects real cards (the code is that of the
    household registration when the card is issued, e.g. a 1980-born in Shenzhen's 440311).
    Here the region only has to be a code that has existed at some time.
    """
    number = _compact(value)
    if len(number) != RIC_LENGTH:
        raise ValidationError(
            _("An identity card number has 18 characters; this one has %(length)d."),
            code="ric_length",
            params={"length": len(number)},
        )
    if not _RIC_PATTERN.fullmatch(number):
        raise ValidationError(
            _("An identity card number has only digits, and X as its last character."),
            code="ric_characters",
        )
    if ric.calc_check_digit(number) != number[-1]:
        raise ValidationError(
            _(
                "The last character does not match the rest of the number: please re-read "
                "the number from the identity card."
            ),
            code="ric_checksum",
        )
    try:
        birth_date = ric.get_birth_date(number)
    except InvalidComponent:
        birth_date = None
    if birth_date is None or not EARLIEST_BIRTH_DATE <= birth_date <= datetime.date.today():
        raise ValidationError(
            _("Characters 7 to 14 must be a real date of birth (YYYYMMDD)."),
            code="ric_birth_date",
        )
    if not _is_known_region(number[:6]):
        raise ValidationError(
            _("The first 6 digits are not a region code used on identity cards."),
            code="ric_region",
        )
    return number


def _is_known_region(code: str) -> bool:
    """Whether stdnum's table of GB/T 2260 codes (past and present) has this county code."""
    return any("county" in props for _part, props in numdb.get("cn/loc").info(code))


def mask_ric(value: str) -> str:
    """An ID card number for display: first 6 and last 4 kept, '110105********002X'.

    Never raises, for use in templates; a value too short to mask safely is masked entirely.
    """
    number = _compact(value)
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


# Where a filing's content holds a full ID number (filings/law/vocabulary.py).
ID_NUMBER_FIELDS = {"organization": ("responsible_person_id_number",)}


def masked_content(data: dict) -> dict:
    """A filing's content with every ID number masked: what the API, exports and pages show.
    The full number is shown only on a reviewer's request, which is recorded."""
    if not isinstance(data, dict):
        return data
    masked = dict(data)
    for section, fields in ID_NUMBER_FIELDS.items():
        if isinstance(masked.get(section), dict):
            masked[section] = {
                key: mask_ric(value)
                if key in fields and isinstance(value, str) and value
                else value
                for key, value in masked[section].items()
            }
    return masked


# What a filing's content says of people, blanked when its retention period ends (the
# organization's own details, its name, code and address, are the record's and stay).
PERSONAL_DETAILS = (
    "responsible_person",
    "responsible_person_id_number",
    "contact_name",
    "contact_mobile",
    "contact_email",
)


def without_personal_details(data: dict) -> dict:
    """A filing's content with the people's details blanked (filings/lifecycle/retention.py)."""
    if not isinstance(data, dict) or not isinstance(data.get("organization"), dict):
        return data
    section = data["organization"]
    blanked = {field: "" for field in PERSONAL_DETAILS if section.get(field)}
    return {**data, "organization": {**section, **blanked}}


def clean_mobile(value: str) -> str:
    """The 11-digit mainland China mobile number, without +86."""
    number = _compact(value)
    if number.startswith("+86"):
        number = number[3:]
    elif number.startswith("0086"):
        number = number[4:]
    elif number.startswith("86") and len(number) == MOBILE_LENGTH + 2:
        number = number[2:]
    elif number.startswith("+"):
        raise ValidationError(
            _("Only mainland China mobile numbers (+86) can be used."),
            code="mobile_country",
        )
    if not _DIGITS.fullmatch(number):
        raise ValidationError(
            _("A mobile number has only digits, with an optional +86 in front."),
            code="mobile_characters",
        )
    if len(number) != MOBILE_LENGTH:
        raise ValidationError(
            _("A mobile number has 11 digits; this one has %(length)d."),
            code="mobile_length",
            params={"length": len(number)},
        )
    if not _MOBILE_PATTERN.fullmatch(number):
        raise ValidationError(
            _("This is not a mainland mobile number: they start with 13 to 19."),
            code="mobile_format",
        )
    return number
