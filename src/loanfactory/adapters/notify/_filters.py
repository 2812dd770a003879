"""The Jinja environment of the notification templates and its filters (money, rate, date, tail).

Filters accept what an outbox payload holds after a JSON round trip (strings, ints, Decimals,
dates) and raise :class:`~loanfactory.errors.InvalidInput` for anything else; an undefined value
reaching a filter raises Jinja's undefined error, as a bare ``{{ name }}`` would.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from loanfactory.errors import InvalidInput, Language
from loanfactory.money import format_rate, parse_rate, to_decimal


def environment(lang: Language) -> jinja2.Environment:
    env = ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False
    )
    env.filters["money"] = _strict(_money)
    env.filters["rate"] = _strict(_rate)
    env.filters["date"] = _strict(_date_zh if lang == "zh" else _date_en)
    env.filters["tail"] = _strict(_tail)
    return env


def _strict(filter: Callable[[Any], str]) -> Callable[[Any], str]:
    """A filter that raises on an undefined value (filters receive it instead of the error)."""

    def apply(value: Any) -> str:
        if isinstance(value, jinja2.Undefined):
            value._fail_with_undefined_error()
        return filter(value)

    return apply


def _money(value: Any) -> str:
    amount = to_decimal(value, field="amount")
    return format(amount.quantize(Decimal("0.01")), ",.2f")


def _rate(value: Any) -> str:
    if isinstance(value, str) and value.strip().endswith(("%", "bp", "bps", "‰")):
        return format_rate(parse_rate(value))
    return format_rate(to_decimal(value, field="rate"))


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise InvalidInput(
        f"'{value}' is not a date (YYYY-MM-DD)", field="date", message_zh=f"'{value}' 不是日期（YYYY-MM-DD）"
    )


def _date_zh(value: Any) -> str:
    day = _as_date(value)
    return f"{day.year}年{day.month}月{day.day}日"


def _date_en(value: Any) -> str:
    return _as_date(value).isoformat()


def _tail(value: Any) -> str:
    digits = "".join(ch for ch in str(value) if ch.isalnum())
    return digits[-4:]
