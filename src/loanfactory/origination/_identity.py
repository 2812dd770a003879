"""Identity numbers: checksums, hashing and masking (身份证号与统一社会信用代码).

* Resident identity numbers follow GB 11643-1999: 17 digits (6 region, 8 birth date, 3 sequence)
  and a check character from ISO 7064 MOD 11-2 (``0``-``9`` or ``X``).
* Unified social credit codes follow GB 32100-2015: 18 characters from a 31-letter alphabet
  (no I, O, S, V, Z); the last is a MOD 31 check character. Characters 9-17 are the
  organisation code of GB 11714, which carries its own MOD 11 check in character 17.

Raw numbers are never used as look-up keys: stores index :func:`identity_hash` (SHA-256, or
HMAC-SHA-256 with a bank-held key, because the ID space is small enough to enumerate), and
everything printed goes through the ``mask_*`` functions (those of :mod:`loanfactory.pii`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from loanfactory.errors import InvalidInput
from loanfactory.pii import mask_bank_card as mask_account
from loanfactory.pii import mask_id_number, mask_name, mask_phone

__all__ = [
    "CREDIT_CODE_ALPHABET",
    "ResidentId",
    "Sex",
    "credit_code_check_character",
    "id_check_character",
    "identity_hash",
    "mask_account",
    "mask_credit_code",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "organisation_check_character",
    "parse_account_number",
    "parse_credit_code",
    "parse_id_number",
    "parse_phone",
]

_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))  # 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, ...
_ID_CHECK = "10X98765432"
# Province-level codes of GB/T 2260 (11 Beijing ... 65 Xinjiang, 71 Taiwan, 81/82 HK/Macau).
_PROVINCES = frozenset(
    {
        11,
        12,
        13,
        14,
        15,
        21,
        22,
        23,
        31,
        32,
        33,
        34,
        35,
        36,
        37,
        41,
        42,
        43,
        44,
        45,
        46,
        50,
        51,
        52,
        53,
        54,
        61,
        62,
        63,
        64,
        65,
        71,
        81,
        82,
    }
)

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CODE_VALUE = {c: i for i, c in enumerate(CREDIT_CODE_ALPHABET)}
_CODE_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, ...
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_REGISTRARS = frozenset("123456789ANY")  # 登记管理部门代码 (1 机构编制, 5 民政, 9 工商, Y 其他 ...)

_PHONE_RE = re.compile(r"\A1[3-9][0-9]{9}\Z")
_ASCII_DIGITS = frozenset("0123456789")
_DIGITS_RE = re.compile(r"\A[0-9]+\Z")  # ASCII only: no full-width digits


class Sex(StrEnum):
    male = "male"  # 男: odd sequence digit
    female = "female"  # 女: even sequence digit


@dataclass(frozen=True, slots=True)
class ResidentId:
    """What a valid resident identity number tells: region, birth date and sex."""

    number: str
    region: str
    birth_date: date
    sex: Sex


def id_check_character(first17: str) -> str:
    """The GB 11643 check character of 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def parse_id_number(value: object, *, field: str = "id_number", as_of: date | None = None) -> ResidentId:
    """Validate an 18-character resident identity number; raises :class:`InvalidInput`.

    ``as_of`` refuses birth dates after that day. Lower-case ``x`` is accepted and normalised.
    """
    if not isinstance(value, str):
        raise InvalidInput("an ID number must be a string", field=field, message_zh="身份证号必须是字符串")
    number = value.strip().upper()
    if len(number) == 15 and _DIGITS_RE.match(number):
        raise InvalidInput(field=field, code="id-length")
    if len(number) != 18:
        raise InvalidInput(
            f"an ID number has 18 characters, got {len(number)}",
            field=field,
            code="id-length",
            message_zh=f"身份证号应为 18 位，实际 {len(number)} 位",
        )
    if not (_DIGITS_RE.match(number[:17]) and number[17] in "0123456789X"):
        raise InvalidInput(field=field, code="id-format")
    if int(number[:2]) not in _PROVINCES:
        raise InvalidInput(
            f"region code {number[:2]} is not a province",
            field=field,
            code="id-region",
            message_zh=f"地区码 {number[:2]} 不是有效的省级代码",
        )
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidInput(
            "the birth date in the ID number is not a date",
            field=field,
            code="id-birth-date",
            message_zh="身份证号中的出生日期无效",
        ) from None
    if born.year < 1900 or (as_of is not None and born > as_of):
        raise InvalidInput(field=field, code="id-birth-date")
    if id_check_character(number[:17]) != number[17]:
        raise InvalidInput(
            f"ID number {mask_id_number(number)} fails the GB 11643 checksum (a character is mistyped)",
            field=field,
            code="id-checksum",
            message_zh=f"身份证号 {mask_id_number(number)} 校验位错误（有字符输入有误）",
        )
    sex = Sex.male if int(number[16]) % 2 else Sex.female
    return ResidentId(number=number, region=number[:6], birth_date=born, sex=sex)


def credit_code_check_character(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters."""
    total = sum(_CODE_VALUE[c] * w for c, w in zip(first17, _CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def organisation_check_character(first8: str) -> str:
    """The GB 11714 check character of an organisation code's first 8 characters."""
    total = sum(_org_value(c) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def _org_value(char: str) -> int:
    return int(char) if char in _ASCII_DIGITS else ord(char) - ord("A") + 10


def parse_credit_code(value: object, *, field: str = "credit_code") -> str:
    """Validate a unified social credit code; returns it upper-cased. Raises :class:`InvalidInput`."""
    if not isinstance(value, str):
        raise InvalidInput(
            "a credit code must be a string", field=field, message_zh="统一社会信用代码必须是字符串"
        )
    code = value.strip().upper()
    if len(code) != 18:
        raise InvalidInput(
            f"a unified social credit code has 18 characters, got {len(code)}",
            field=field,
            code="credit-code-length",
            message_zh=f"统一社会信用代码应为 18 位，实际 {len(code)} 位",
        )
    bad = [c for c in code if c not in _CODE_VALUE]
    if bad:
        raise InvalidInput(
            f"'{bad[0]}' cannot appear in a credit code (I, O, S, V and Z are never used)",
            field=field,
            code="credit-code-format",
            message_zh=f"统一社会信用代码中不能出现 '{bad[0]}'（不使用 I、O、S、V、Z）",
        )
    if code[0] not in _REGISTRARS or not _DIGITS_RE.match(code[2:8]):
        raise InvalidInput(
            "the registrar or region part of the credit code is invalid",
            field=field,
            code="credit-code-format",
            message_zh="统一社会信用代码的登记管理部门或行政区划码无效",
        )
    if credit_code_check_character(code[:17]) != code[17]:
        raise InvalidInput(
            f"credit code {mask_credit_code(code)} fails the GB 32100 checksum (a character is mistyped)",
            field=field,
            code="credit-code-checksum",
            message_zh=f"统一社会信用代码 {mask_credit_code(code)} 校验位错误（有字符输入有误）",
        )
    org = code[8:17]
    if (
        all(c in _ASCII_DIGITS or "A" <= c <= "Z" for c in org[:8])
        and organisation_check_character(org[:8]) != org[8]
    ):
        raise InvalidInput(
            f"the organisation code inside {mask_credit_code(code)} fails the GB 11714 checksum",
            field=field,
            code="credit-code-checksum",
            message_zh=f"{mask_credit_code(code)} 中的组织机构代码校验位错误",
        )
    return code


def parse_phone(value: object, *, field: str = "phone") -> str:
    """A mainland mobile number (11 digits starting 13-19); ``+86`` and spaces are dropped."""
    text = str(value).replace(" ", "").replace("-", "") if isinstance(value, str | int) else ""
    if text.startswith("+86"):
        text = text[3:]
    if not _PHONE_RE.match(text):
        raise InvalidInput(field=field, code="phone-format")
    return text


def parse_account_number(value: object, *, field: str = "card_number") -> str:
    """A bank card or account number: 8 to 30 digits once spaces are removed."""
    text = value.replace(" ", "") if isinstance(value, str) else ""
    if not (_DIGITS_RE.match(text) and 8 <= len(text) <= 30):
        raise InvalidInput(field=field, code="account-format")
    return text


def identity_hash(kind: str, number: str, *, key: bytes | None = None) -> str:
    """The look-up key for an identity: SHA-256 of ``kind:number``, or HMAC-SHA-256 with ``key``.

    ``kind`` separates ID numbers from credit codes. Pass a bank-held ``key`` in production: a plain
    hash of an ID number can be reversed by trying every region and birth date.
    """
    data = f"{kind}:{number}".encode()
    if key is not None:
        return hmac.new(key, data, hashlib.sha256).hexdigest()
    return hashlib.sha256(data).hexdigest()


def mask_credit_code(code: str) -> str:
    """``91350100M000100Y43`` -> ``9135**********0Y43``."""
    return code[:4] + "*" * max(len(code) - 8, 0) + code[-4:] if len(code) > 8 else "*" * len(code)
