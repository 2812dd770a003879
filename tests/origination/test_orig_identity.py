"""Identity numbers: GB 11643 and GB 32100 checksums, hashing and masking."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loanfactory.errors import InvalidInput
from loanfactory.origination._identity import (
    CREDIT_CODE_ALPHABET,
    Sex,
    identity_hash,
    mask_account,
    mask_credit_code,
    mask_id_number,
    mask_phone,
    parse_account_number,
    parse_credit_code,
    parse_id_number,
    parse_phone,
)
from loanfactory.testing.strategies import credit_codes, id_numbers

# The example of GB 11643-1999 itself, and real published credit codes (Huawei, PetroChina ...).
STANDARD_ID = "11010519491231002X"
REAL_CODES = ("91440300708461136T", "91350100M000100Y43", "91110000802100433B", "914403001922038216")


def test_the_standard_example_is_valid() -> None:
    parsed = parse_id_number(STANDARD_ID)
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.region == "110105"
    assert parsed.sex is Sex.female  # sequence 002: even
    assert parse_id_number(STANDARD_ID.lower()).number == STANDARD_ID


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_credit_codes_are_valid(code: str) -> None:
    assert parse_credit_code(code.lower()) == code


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("110105194912310021", "id-checksum"),
        ("11010519491231002", "id-length"),
        ("110105491231002", "id-length"),  # 15-digit first generation
        ("1101051949123100XX", "id-format"),
        ("99010519491231002X", "id-region"),
        ("110105194902300021", "id-birth-date"),  # 30 February
        ("110105189912310021", "id-birth-date"),
    ],
)
def test_bad_id_numbers_are_clear_errors(value: str, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_id_number(value)
    assert caught.value.code == code
    assert caught.value.field == "id_number"
    assert caught.value.message_zh
    assert value not in str(caught.value)  # never echo a full ID number


def test_a_birth_date_after_the_business_date_is_refused() -> None:
    with pytest.raises(InvalidInput, match="out of range"):
        parse_id_number(STANDARD_ID, as_of=date(1949, 12, 30))


def test_non_strings_are_refused() -> None:
    with pytest.raises(InvalidInput):
        parse_id_number(110105194912310021)
    with pytest.raises(InvalidInput):
        parse_credit_code(None)


@given(id_numbers(), st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_typo_in_an_id_number_is_caught(number: str, position: int, shift: int) -> None:
    digit = (int(number[position]) + shift) % 10
    typo = number[:position] + str(digit) + number[position + 1 :]
    with pytest.raises(InvalidInput) as caught:
        parse_id_number(typo)
    assert caught.value.code in ("id-checksum", "id-region", "id-birth-date")


@given(credit_codes(), st.integers(0, 17), st.integers(1, 30))
def test_any_single_character_typo_in_a_credit_code_is_caught(code: str, position: int, shift: int) -> None:
    alphabet = CREDIT_CODE_ALPHABET
    typo = code[:position] + alphabet[(alphabet.index(code[position]) + shift) % 31] + code[position + 1 :]
    with pytest.raises(InvalidInput):
        parse_credit_code(typo)


@given(id_numbers())
def test_generated_id_numbers_are_valid(number: str) -> None:
    assert parse_id_number(number).number == number


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("91440300708461136", "credit-code-length"),
        ("91440300708461136I", "credit-code-format"),  # I is never used
        ("Z1440300708461136T", "credit-code-format"),
        ("91440300708461136U", "credit-code-checksum"),
        ("9144ABCD708461136T", "credit-code-format"),  # region must be digits
    ],
)
def test_bad_credit_codes_are_clear_errors(value: str, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_credit_code(value)
    assert caught.value.code == code
    assert caught.value.message_zh


def test_identity_hash_is_stable_kind_separated_and_keyed() -> None:
    plain = identity_hash("id", STANDARD_ID)
    assert plain == identity_hash("id", STANDARD_ID)
    assert len(plain) == 64
    assert plain != identity_hash("uscc", STANDARD_ID)
    assert identity_hash("id", STANDARD_ID, key=b"bank-secret") != plain


def test_masks() -> None:
    assert mask_id_number("110105199003071234") == "110***********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_account("6222021234567890123") == "622202*********0123"
    assert mask_credit_code("91440300708461136T") == "9144**********136T"


def test_phones_and_accounts() -> None:
    assert parse_phone("+86 138-1234-5678") == "13812345678"
    with pytest.raises(InvalidInput):
        parse_phone("12812345678")
    assert parse_account_number("6222 0212 3456 7890") == "6222021234567890"
    with pytest.raises(InvalidInput):
        parse_account_number("62220A")
