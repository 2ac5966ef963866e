"""Identifier cleaning: the published valid samples pass, each kind of mistake gets its own code."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from stdnum.cn import ric

from filings.registry.identifiers import clean_mobile, clean_ric, clean_uscc, mask_ric

HUAWEI_USCC = "914403001922038216"
STANDARD_RIC = "11010519491231002X"


@pytest.fixture(autouse=True, scope="module")
def _django_ready() -> None:
    """Let lazy messages render without pytest-django; a no-op once pytest-django set Django up."""
    import django
    from django.apps import apps
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_I18N=False)
    if not apps.ready:
        django.setup()


def error_code(func, value: str) -> str:
    """The ValidationError code ``func`` raises for ``value``, after checking it has a message."""
    with pytest.raises(ValidationError) as excinfo:
        func(value)
    assert excinfo.value.messages[0]
    return excinfo.value.code


def english_message(func, value: str) -> str:
    """The (English source) message ``func`` raises for ``value``."""
    with pytest.raises(ValidationError) as excinfo:
        func(value)
    with translation.override("en"):
        return excinfo.value.messages[0]


def with_check_digit(first_17: str) -> str:
    """An ID card number with a correct check character, to test the later checks on their own."""
    return first_17 + ric.calc_check_digit(first_17 + "0")


# --- USCC ---


def test_uscc_valid() -> None:
    assert clean_uscc(HUAWEI_USCC) == HUAWEI_USCC


def test_uscc_lowercase_and_separators_are_normalised() -> None:
    assert clean_uscc("91350100m000100y43") == "91350100M000100Y43"
    assert clean_uscc(" 9144 0300-1922 0382 16 ") == HUAWEI_USCC


def test_uscc_full_width_input_is_accepted() -> None:
    assert clean_uscc("９１４４０３００１９２２０３８２１６") == HUAWEI_USCC


def test_uscc_standard_invalid_example_has_wrong_check_character() -> None:
    # GB 32100-2015's own counter-example; the correct check character would be 3.
    assert error_code(clean_uscc, "91350100M000100Y4Z") == "uscc_checksum"


def test_uscc_wrong_check_character() -> None:
    assert error_code(clean_uscc, HUAWEI_USCC[:-1] + "7") == "uscc_checksum"


def test_uscc_check_message_tells_what_to_do() -> None:
    assert "business licence" in english_message(clean_uscc, HUAWEI_USCC[:-1] + "7")


@pytest.mark.parametrize("value", ["", "91440300192203821", "9144030019220382160"])
def test_uscc_wrong_length(value: str) -> None:
    assert error_code(clean_uscc, value) == "uscc_length"


def test_uscc_length_message_gives_the_count() -> None:
    assert "this one has 5" in english_message(clean_uscc, "12345")


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_uscc_letters_never_used_are_rejected(letter: str) -> None:
    assert error_code(clean_uscc, "91440300" + letter + "922038216") == "uscc_characters"


def test_uscc_punctuation_is_rejected() -> None:
    assert error_code(clean_uscc, "91440300.922038216") == "uscc_characters"


def test_uscc_letter_in_the_region_part_is_rejected() -> None:
    assert error_code(clean_uscc, "9144A300192203821X") == "uscc_format"


# --- Resident identity card number ---


def test_ric_valid() -> None:
    assert clean_ric(STANDARD_RIC) == STANDARD_RIC


def test_ric_lowercase_x_and_spaces_are_accepted() -> None:
    assert clean_ric("110105 19491231 002x") == STANDARD_RIC


def test_ric_wrong_check_character() -> None:
    assert error_code(clean_ric, "110105194912310021") == "ric_checksum"


@pytest.mark.parametrize(
    "value", ["", "11010519491231002", "11010519491231002X1", "110105491231002"]
)
def test_ric_wrong_length(value: str) -> None:
    assert error_code(clean_ric, value) == "ric_length"


@pytest.mark.parametrize(
    "value", ["1101051949123100XX", "A1010519491231002X", "11010519491231002Y"]
)
def test_ric_invalid_characters(value: str) -> None:
    assert error_code(clean_ric, value) == "ric_characters"


@pytest.mark.parametrize(
    "first_17",
    [
        "11010519490231002",  # 31 February
        "11010519491301002",  # month 13
        "11010518991231002",  # before 1900
        "11010530001231002",  # in the future
    ],
)
def test_ric_bad_birth_date(first_17: str) -> None:
    assert error_code(clean_ric, with_check_digit(first_17)) == "ric_birth_date"


def test_ric_unknown_region() -> None:
    assert error_code(clean_ric, with_check_digit("99999919800101123")) == "ric_region"


def test_ric_region_created_after_the_birth_year_is_accepted() -> None:
    # Guangming district (440311) dates from 2018; adults registered there carry its code.
    number = with_check_digit("44031119800101123")
    assert not ric.is_valid(number)  # stdnum's stricter check would refuse a real card
    assert clean_ric(number) == number


# --- Masking ---


def test_mask_ric_keeps_first_six_and_last_four() -> None:
    assert mask_ric(STANDARD_RIC) == "110105********002X"
    assert mask_ric("11010519491231002x") == "110105********002X"


def test_mask_ric_masks_short_values_entirely() -> None:
    assert mask_ric("1234") == "****"
    assert mask_ric("") == ""


# --- Mobile ---


@pytest.mark.parametrize(
    "value",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+8613812345678",
        "8613812345678",
        "0086 13812345678",
        "１３８１２３４５６７８",
    ],
)
def test_mobile_valid(value: str) -> None:
    assert clean_mobile(value) == "13812345678"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "mobile_length"),
        ("1381234567", "mobile_length"),
        ("138123456789", "mobile_length"),
        ("12812345678", "mobile_format"),
        ("23812345678", "mobile_format"),
        ("010 12345678", "mobile_format"),
        ("138l2345678", "mobile_characters"),
        ("(138)12345678", "mobile_characters"),
        ("+852 91234567", "mobile_country"),
    ],
)
def test_mobile_invalid(value: str, code: str) -> None:
    assert error_code(clean_mobile, value) == code
