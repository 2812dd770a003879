"""Money, rates and rounding — the exact vocabulary every other module uses.

Money is :class:`decimal.Decimal` in yuan, never ``float``. Amounts are quantised to a unit
(default the fen, 0.01) by a :class:`RoundingPolicy` that names its mode; nothing here touches
the global decimal context.

Rates are fractions of one (``Decimal("0.049")`` is 4.9 % a year). They are written for people as
``"4.9%"`` or ``"85bp"``; a plain number is accepted only as a fraction below one (``0.049``).
A bare ``4.9`` is refused as ambiguous (4.9 % or 490 %?), with a hint showing the intended form.
"""

from __future__ import annotations

import decimal
import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from loanfactory.errors import FieldError, InvalidInput

ZERO = Decimal(0)
ONE = Decimal(1)
CENT = Decimal("0.01")
YUAN = Decimal(1)
HUNDRED = Decimal(100)
BASIS_POINT = Decimal("0.0001")


class RoundingMode(StrEnum):
    """How a figure is rounded to its unit (舍入方式)."""

    half_up = "half-up"  # 四舍五入, the Chinese default
    half_even = "half-even"  # banker's rounding
    down = "down"  # toward zero (截尾)
    up = "up"  # away from zero (进位)

    @property
    def decimal_rounding(self) -> str:
        return _DECIMAL_ROUNDING[self]


_DECIMAL_ROUNDING = {
    RoundingMode.half_up: decimal.ROUND_HALF_UP,
    RoundingMode.half_even: decimal.ROUND_HALF_EVEN,
    RoundingMode.down: decimal.ROUND_DOWN,
    RoundingMode.up: decimal.ROUND_UP,
}


def quantize(value: Decimal, unit: Decimal = CENT, mode: RoundingMode = RoundingMode.half_up) -> Decimal:
    """``value`` rounded to a multiple of ``unit`` (0.01, 1, 0.5 ...) by ``mode``."""
    if unit <= 0:
        raise InvalidInput(f"rounding unit must be positive, got {unit}", field="unit")
    if unit.as_tuple().digits == (1,):  # 0.01, 1, 10: a power of ten
        return value.quantize(unit, rounding=mode.decimal_rounding)
    steps = (value / unit).quantize(ONE, rounding=mode.decimal_rounding)
    return (steps * unit).quantize(unit)


@dataclass(frozen=True, slots=True)
class RoundingPolicy:
    """A stated rounding convention: the mode and the unit (default half-up to the fen)."""

    mode: RoundingMode = RoundingMode.half_up
    unit: Decimal = CENT

    def __call__(self, value: Decimal) -> Decimal:
        return quantize(value, self.unit, self.mode)


FEN_HALF_UP = RoundingPolicy()


class ResiduePlacement(StrEnum):
    """Which installment absorbs the rounding residue (尾差处理)."""

    last = "last"  # the last installment absorbs it
    first = "first"  # the first installment absorbs it


def to_money(value: object, *, field: str = "amount", allow_negative: bool = False) -> Decimal:
    """An exact amount from ``str``, ``int`` or ``Decimal`` (never ``float``), at most 2 decimals."""
    amount = to_decimal(value, field=field)
    try:
        fen = amount.quantize(CENT, rounding=decimal.ROUND_DOWN)
    except decimal.InvalidOperation:  # more digits than the context holds: no amount is that large
        raise InvalidInput(
            f"{value!s} is too large for an amount", field=field, message_zh=f"{value!s} 超出金额范围"
        ) from None
    if amount != fen:
        raise InvalidInput(
            f"{value!s} has more than 2 decimal places",
            field=field,
            message_zh=f"{value!s} 的小数位超过 2 位（金额精确到分）",
        )
    if amount < 0 and not allow_negative:
        raise InvalidInput(
            f"must not be negative, got {value!s}", field=field, message_zh=f"不能为负数：{value!s}"
        )
    return amount


def to_decimal(value: object, *, field: str = "value") -> Decimal:
    """A finite Decimal from ``str``, ``int`` or ``Decimal``; floats are refused as inexact."""
    if isinstance(value, bool):
        raise InvalidInput(f"expected a number, got {value!r}", field=field)
    if isinstance(value, float):
        raise InvalidInput(
            f"floats are inexact; pass {value!r} as a string or Decimal",
            field=field,
            message_zh=f"浮点数不精确，请以字符串或 Decimal 传入 {value!r}",
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "").replace("_", "")
        try:
            result = Decimal(text)
        except decimal.InvalidOperation:
            raise InvalidInput(
                f"'{value}' is not a number", field=field, message_zh=f"'{value}' 不是数字"
            ) from None
    else:
        raise InvalidInput(f"expected a number, got {type(value).__name__}", field=field)
    if not result.is_finite():
        raise InvalidInput(f"'{value}' is not a finite number", field=field)
    return result


_AMOUNT_TEXT = re.compile(r"[0-9]+(?:\.[0-9]+)?", re.ASCII)
MAX_AMOUNT_DIGITS = 15  # digits before the point: a quadrillion yuan is a typo, not a loan


def parse_amount(value: object, *, field: str = "amount") -> Decimal:
    """An amount as a client writes it (HTTP bodies, command-line flags), read strictly.

    A string of ASCII digits with at most one ``.`` (``"4333.33"``), or an integer. Refused, each
    with the reason: signs, spaces, thousands separators (``"1,000"``, ``"1_000"``), digits of other
    scripts (``"１００"``, ``"١٠٠"``), exponents (``"1e4"``), floats, more than 15 digits before
    the point. Then :func:`to_money` (at most two decimals). Product files keep :func:`to_money`.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    elif isinstance(value, Decimal) and value.is_finite():
        text = format(value, "f")
    elif isinstance(value, str):
        text = value
    elif isinstance(value, float):
        raise _bad_amount(
            value,
            field,
            'floats are inexact: send the amount as a string such as "4333.33"',
            '浮点数不精确：请以字符串发送金额，例如 "4333.33"',
        )
    else:
        raise _bad_amount(value, field, 'expected an amount such as "4333.33"', '应为金额，例如 "4333.33"')
    if not _AMOUNT_TEXT.fullmatch(text):
        raise _bad_amount(value, field, *_why_not_an_amount(text))
    if len(text.partition(".")[0].lstrip("0")) > MAX_AMOUNT_DIGITS:
        raise _bad_amount(
            value,
            field,
            f"more than {MAX_AMOUNT_DIGITS} digits before the point",
            f"整数部分超过 {MAX_AMOUNT_DIGITS} 位",
        )
    return to_money(text, field=field)


def _why_not_an_amount(text: str) -> tuple[str, str]:
    """Why ``text`` is not written as an amount, in English and Chinese."""
    if not text.strip():
        return "an amount is empty", "金额为空"
    if text[0] in "+-＋－":
        return "amounts are written without a sign", "金额不带正负号"
    if any(c.isspace() for c in text):
        return "amounts are written without spaces", "金额中不能有空格"
    if any(c in ",_'，、·" for c in text):
        return (
            "amounts are written without thousands separators (1000, not 1,000)",
            "金额不使用千位分隔符（写 1000，而非 1,000）",
        )
    if any(c.isdigit() and not c.isascii() for c in text):
        return "amounts use the ASCII digits 0-9 only", "金额只能使用半角数字 0-9"
    if any(c in "eE" for c in text) and any(c.isdigit() for c in text):
        return (
            "amounts are written without an exponent (10000, not 1e4)",
            "金额不使用科学计数法（写 10000，而非 1e4）",
        )
    if text.count(".") > 1 or text.startswith(".") or text.endswith("."):
        return (
            "an amount has digits on both sides of at most one decimal point",
            "金额最多一个小数点，且小数点两侧都要有数字",
        )
    return (
        "not an amount: ASCII digits with at most one decimal point",
        "不是金额：应为半角数字，最多一个小数点",
    )


def _bad_amount(value: object, field: str, message: str, message_zh: str) -> InvalidInput:
    shown = str(value)[:40]
    return InvalidInput(f"'{shown}': {message}", field=field, message_zh=f"'{shown}'：{message_zh}")


_RATE_RE = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(%|‰|bp|bps)\s*$", re.IGNORECASE)
MAX_RATE = Decimal(10)  # 1000 % a year: anything above is a typo, not a product


def parse_rate(value: object, *, field: str = "rate", signed: bool = False) -> Decimal:
    """A rate as a fraction of one, from ``"4.9%"``, ``"85bp"``, ``"4.9‰"`` or a fraction ``0.049``.

    ``signed`` allows negative values (spreads, discounts). A plain number of 1 or more is
    refused as ambiguous, and so is anything unreadable.
    """
    if isinstance(value, str) and (m := _RATE_RE.match(value)):
        number = Decimal(m.group(1))
        unit = m.group(2).lower()
        divisor = {"%": HUNDRED, "‰": Decimal(1000), "bp": Decimal(10000), "bps": Decimal(10000)}[unit]
        rate = number / divisor
    else:
        try:
            rate = to_decimal(value, field=field)
        except InvalidInput:
            raise InvalidInput(
                f"'{value}' is not a rate; write it as '4.9%', '85bp' or a fraction such as 0.049",
                field=field,
                message_zh=f"'{value}' 不是利率；请写成 '4.9%'、'85bp' 或小数 0.049",
            ) from None
        if abs(rate) >= ONE:
            raise InvalidInput(
                f"'{value}' is ambiguous: write '{value}%' for {value} percent "
                f"(a plain number is a fraction of one, e.g. 0.049)",
                field=field,
                message_zh=f"'{value}' 有歧义：{value}% 请写成 '{value}%'（纯数字表示小数，例如 0.049）",
            )
    if rate < 0 and not signed:
        raise InvalidInput(f"rate must not be negative, got '{value}'", field=field)
    if abs(rate) > MAX_RATE:
        raise InvalidInput(f"rate '{value}' is above 1000 % a year", field=field)
    return rate


def format_rate(rate: Decimal, places: int = 4) -> str:
    """``Decimal("0.049")`` -> ``"4.9%"`` (up to ``places`` decimals of a percent, trimmed)."""
    pct = (rate * HUNDRED).quantize(Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_UP)
    text = format(pct.normalize(), "f")
    return f"{text}%"


def format_money(amount: Decimal) -> str:
    """``Decimal("1234.5")`` -> ``"1234.50"`` (plain, two decimals, no grouping)."""
    return format(amount.quantize(CENT), "f")


def _rate_validator(value: Any) -> Decimal:
    try:
        return parse_rate(value)
    except InvalidInput as exc:
        raise FieldError(exc) from None


def _spread_validator(value: Any) -> Decimal:
    try:
        return parse_rate(value, signed=True)
    except InvalidInput as exc:
        raise FieldError(exc) from None


def _money_validator(value: Any) -> Decimal:
    try:
        return to_money(value)
    except InvalidInput as exc:
        raise FieldError(exc) from None


def _strict_money_validator(value: Any) -> Decimal:
    try:
        return parse_amount(value)
    except InvalidInput as exc:
        raise FieldError(exc) from None


_RATE_SCHEMA = {
    "anyOf": [
        {"type": "string", "pattern": r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*(%|‰|bp|bps)\s*$"},
        {"type": "number", "exclusiveMinimum": -1, "exclusiveMaximum": 1},
    ],
    "description": "A rate: '4.9%', '85bp', or a fraction below one such as 0.049.",
    "examples": ["4.9%", "85bp"],
}
_MONEY_SCHEMA = {
    "anyOf": [
        {"type": "number", "minimum": 0, "multipleOf": 0.01},
        {"type": "string", "pattern": r"^\s*\d[\d,_]*(\.\d{1,2})?\s*$"},
    ],
    "description": "An amount in yuan, at most two decimals (精确到分).",
}

Rate = Annotated[
    Decimal,
    BeforeValidator(_rate_validator),
    PlainSerializer(format_rate, return_type=str, when_used="json"),
    WithJsonSchema(_RATE_SCHEMA),
]
"""A non-negative annual rate (fraction of one) read from '4.9%', '85bp' or 0.049."""

Spread = Annotated[
    Decimal,
    BeforeValidator(_spread_validator),
    PlainSerializer(format_rate, return_type=str, when_used="json"),
    WithJsonSchema(_RATE_SCHEMA),
]
"""A signed rate difference (fraction of one), e.g. '+85bp' or '-30bp'."""

Money = Annotated[
    Decimal,
    BeforeValidator(_money_validator),
    PlainSerializer(format_money, return_type=str, when_used="json"),
    WithJsonSchema(_MONEY_SCHEMA),
]
"""A non-negative amount in yuan with at most two decimals."""

StrictMoney = Annotated[
    Decimal,
    BeforeValidator(_strict_money_validator),
    PlainSerializer(format_money, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": rf"^[0-9]{{1,{MAX_AMOUNT_DIGITS}}}(\.[0-9]{{1,2}})?$"},
                {"type": "integer", "minimum": 0, "maximum": 10**MAX_AMOUNT_DIGITS - 1},
            ],
            "description": "An amount in yuan: ASCII digits, at most two decimals, no separators (精确到分).",
            "examples": ["4333.33"],
        }
    ),
]
"""A non-negative amount written strictly (see :func:`parse_amount`): what the HTTP API accepts."""
