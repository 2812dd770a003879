"""Text functions of rule expressions (文本函数), after FEEL's string functions.

Positions are 1-based as in FEEL (``substring("foobar", 3)`` is ``"obar"``; a negative start
counts from the end). ``a + b`` joins two texts. Text built while deciding that would pass
:data:`~._signature.MAX_TEXT_RUNTIME` characters is a missing value.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from loanfactory.rules._signature import MAX_TEXT_RUNTIME, Function, is_text, texts
from loanfactory.rules._types import BOOL, INT, STR, Type


def concat(a: Any, b: Any) -> str | None:
    if a is None or b is None or len(a) + len(b) > MAX_TEXT_RUNTIME:
        return None
    return str(a + b)


def upper(text: str) -> str:
    return text.upper()


def lower(text: str) -> str:
    return text.lower()


def contains(text: str, part: str) -> bool:
    return part in text


def starts_with(text: str, prefix: str) -> bool:
    return text.startswith(prefix)


def ends_with(text: str, suffix: str) -> bool:
    return text.endswith(suffix)


def substring(text: str, start: Any, length: Any = None) -> str | None:
    """FEEL ``substring``: 1-based ``start`` (negative from the end), optional ``length``."""
    begin = int(start)
    if begin == 0 or abs(begin) > len(text) + (1 if begin > 0 else 0):
        return None
    index = begin - 1 if begin > 0 else len(text) + begin
    if length is None:
        return text[index:]
    count = int(length)
    return text[index : index + count] if count >= 0 else None


def substring_before(text: str, match: str) -> str:
    at = text.find(match)
    return text[:at] if at >= 0 and match else ""


def substring_after(text: str, match: str) -> str:
    at = text.find(match)
    return text[at + len(match) :] if at >= 0 else ""


def to_text(value: Any) -> str | None:
    """FEEL ``string``: numbers without exponents, dates ISO, durations ISO 8601."""
    from loanfactory.rules._temporal import YearsMonths, duration_text

    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | str):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return duration_text(value)
    if isinstance(value, YearsMonths):
        return value.isoformat()
    return None


def _substring(types: list[Type]) -> Type | str:
    if not is_text(types[0]) or not all(t.numeric or t.kind == "any" for t in types[1:]):
        return "expects a text and whole-number positions"
    return STR


def _string(types: list[Type]) -> Type | str:
    return "expects a single value, not a list or record" if types[0].kind in ("list", "record") else STR


FUNCTIONS = (
    Function("upper", (1, 1), texts(STR), "_upper", summary="text in capitals (FEEL upper case)"),
    Function("lower", (1, 1), texts(STR), "_lower", summary="text in small letters (FEEL lower case)"),
    Function("contains", (2, 2), texts(BOOL), "_contains", summary="whether text contains a part"),
    Function("starts_with", (2, 2), texts(BOOL), "_starts_with", summary="whether text starts with a prefix"),
    Function("startswith", (2, 2), texts(BOOL), "_starts_with", summary="the same as starts_with"),
    Function("ends_with", (2, 2), texts(BOOL), "_ends_with", summary="whether text ends with a suffix"),
    Function("substring", (2, 3), _substring, "_substring", summary="part of a text, from a 1-based start"),
    Function("substring_before", (2, 2), texts(STR), "_substring_before", summary="text before a match"),
    Function("substring_after", (2, 2), texts(STR), "_substring_after", summary="text after a match"),
    Function("string", (1, 1), _string, "_to_text", summary="a value written as text"),
    Function("string_length", (1, 1), texts(INT), "len", summary="number of characters"),
)

RUNTIME: dict[str, Any] = {
    "_concat": concat,
    "_upper": upper,
    "_lower": lower,
    "_contains": contains,
    "_starts_with": starts_with,
    "_ends_with": ends_with,
    "_substring": substring,
    "_substring_before": substring_before,
    "_substring_after": substring_after,
    "_to_text": to_text,
}
