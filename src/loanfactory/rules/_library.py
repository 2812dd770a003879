"""The function library of rule expressions: signatures for the checker, code for the engines.

Only these names may be called from a rule. Every function treats a missing argument as making
its result missing, except ``coalesce`` (which exists to supply a default) and the aggregates
``sum``/``min``/``max`` over a list, which skip missing items. This module holds numbers and
aggregates; text, lists and dates live in :mod:`._text`, :mod:`._lists` and :mod:`._temporal`,
and :data:`FUNCTIONS` / :data:`RUNTIME` join them all.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, DecimalException
from typing import Any

from loanfactory.rules import _lists, _temporal, _text
from loanfactory.rules._signature import Function, numbers
from loanfactory.rules._types import BOOL, DECIMAL, INT, Type

MAX_ROUND_DIGITS = 12
MAX_EXPONENT = 1000
"""``x ** n`` with ``|n|`` above this is refused in a literal and missing at run time."""
MAX_POWER = Decimal("1e30")
"""A power at least this large is missing (so a result never grows without bound)."""
_POWER = Context(prec=34, Emax=999_999, Emin=-999_999)


def divide(a: Any, b: Any) -> Decimal | None:
    """``a / b`` exactly as Decimal; missing when either is missing or ``b`` is zero."""
    if a is None or b is None or b == 0:
        return None
    return Decimal(a) / Decimal(b)


_QUANTA = tuple(Decimal(1).scaleb(-d) for d in range(MAX_ROUND_DIGITS + 1))


def round_half_up(value: Any, digits: int = 0) -> Decimal:
    """Round half up (四舍五入) to ``digits`` decimals."""
    number = value if type(value) is Decimal else Decimal(value)
    return number.quantize(_QUANTA[digits], rounding=ROUND_HALF_UP)


def floor_(value: Any) -> int:
    result: int = math.floor(value)
    return result


def ceil_(value: Any) -> int:
    result: int = math.ceil(value)
    return result


def days_between(start: date, end: date) -> int:
    """Calendar days from ``start`` to ``end`` (negative when ``end`` is earlier)."""
    return (end - start).days


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (a month is complete on the same day of month)."""
    if end < start:
        return -months_between(end, start)
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return months


def age_on(birth: date, on: date) -> int:
    """Age in whole years (周岁) on a date."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def sum_of(values: Iterable[Any]) -> Any:
    total: Any = 0
    for v in values:
        if v is not None:
            total += v
    return total


def min_of(values: Iterable[Any]) -> Any:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def max_of(values: Iterable[Any]) -> Any:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def coalesce(*values: Any) -> Any:
    for v in values:
        if v is not None:
            return v
    return None


def power(base: Any, exponent: Any) -> Decimal | None:
    """``base ** exponent`` in 34-digit Decimal; missing when either is missing, the exponent
    is beyond :data:`MAX_EXPONENT`, the result is not a real number or reaches :data:`MAX_POWER`."""
    if base is None or exponent is None:
        return None
    try:
        b = base if type(base) is Decimal else Decimal(base)
        if type(exponent) is int:  # the common case (a term in months): exact, no conversion
            if not -MAX_EXPONENT <= exponent <= MAX_EXPONENT:
                return None
            result = _POWER.power(b, exponent)
        else:
            e = Decimal(exponent)
            if e.copy_abs() > MAX_EXPONENT:
                return None
            result = _POWER.power(b, int(e)) if e == e.to_integral_value() else _POWER.power(b, e)
    except (DecimalException, ValueError):
        return None
    if not result.is_finite() or result.copy_abs() >= MAX_POWER:
        return None
    return Decimal(0) if result.adjusted() < -34 else result


def modulo(dividend: Any, divisor: Any) -> Any:
    """FEEL ``modulo``: the remainder takes the divisor's sign; missing for a zero divisor."""
    if divisor == 0:
        return None
    return dividend - divisor * math.floor(Decimal(dividend) / Decimal(divisor))


def sqrt(value: Any) -> Decimal | None:
    if value < 0:
        return None
    return Decimal(value).sqrt(_POWER)


def decimal_scale(value: Any, scale: Any) -> Decimal | None:
    """FEEL ``decimal``: rounded half even to ``scale`` decimals (-12 to 12)."""
    if not -MAX_ROUND_DIGITS <= scale <= MAX_ROUND_DIGITS:
        return None
    return Decimal(value).quantize(Decimal(1).scaleb(-int(scale)), rounding=ROUND_HALF_EVEN)


def field_of(record: Any, name: str) -> Any:
    """A record's field; missing when the record (or the field) is missing."""
    return record.get(name) if isinstance(record, dict) else None


def odd(value: Any) -> bool | None:
    return None if value != int(value) else int(value) % 2 == 1


def even(value: Any) -> bool | None:
    return None if value != int(value) else int(value) % 2 == 0


def _min_max(types: list[Type]) -> Type | str:
    if len(types) == 1:
        only = types[0]
        if only.kind == "list" and only.item is not None:
            return only.item.maybe_missing()
        return "expects two or more values, or one list"
    kinds = {t.kind for t in types}
    if len(kinds) == 1 and kinds & {"date", "datetime", "time", "duration", "ym_duration"}:
        return types[0].present()
    return numbers(types)


def _one_number(types: list[Type]) -> Type | str:
    return numbers(types[:1])


def _round(types: list[Type]) -> Type | str:
    if not (types[0].numeric or types[0].kind == "any"):
        return "expects a number"
    if len(types) == 2 and types[1].kind != "int":
        return "expects a whole number of digits"
    return DECIMAL


def _to_int(types: list[Type]) -> Type | str:
    return INT if types[0].numeric or types[0].kind == "any" else "expects a number"


def _len(types: list[Type]) -> Type | str:
    return INT if types[0].kind in ("list", "str", "any") else "expects a list or text"


def _bools(types: list[Type]) -> Type | str:
    only = types[0]
    if only.kind == "list" and only.item is not None and only.item.kind in ("bool", "any"):
        return BOOL
    return "expects a list of conditions, e.g. any(c.value > 0 for c in collateral)"


def _sum(types: list[Type]) -> Type | str:
    only = types[0]
    if only.kind == "list" and only.item is not None and (only.item.numeric or only.item.kind == "any"):
        return DECIMAL if only.item.kind != "int" else INT
    return "expects a list of numbers"


def _two_dates(types: list[Type]) -> Type | str:
    return INT if all(t.kind in ("date", "any") for t in types) else "expects two dates"


def _lpr(types: list[Type]) -> Type | str:
    if types[0].kind not in ("str", "any") or types[1].kind not in ("date", "any"):
        return "expects a tenor ('1y' or '5y+') and a date, e.g. lpr('1y', as_of)"
    return DECIMAL


def _coalesce(types: list[Type]) -> Type | str:
    first = types[0]
    nullable = all(t.nullable for t in types)
    if all(t.numeric for t in types):
        merged = INT if all(t.kind == "int" for t in types) else DECIMAL
        return merged.maybe_missing() if nullable else merged
    kinds = {t.kind for t in types if t.kind not in ("null", "any")}
    if len(kinds) > 1:
        return "expects values of one kind"
    base = first if first.kind not in ("null", "any") else next((t for t in types if t.kind != "null"), first)
    return base.maybe_missing() if nullable else base.present()


def _two_numbers(result: Type | None) -> Any:
    def check(types: list[Type]) -> Type | str:
        found = numbers(types)
        return found if result is None or isinstance(found, str) else result

    return check


def _one_decimal(types: list[Type]) -> Type | str:
    found = numbers(types)
    return found if isinstance(found, str) else DECIMAL


def _parity(types: list[Type]) -> Type | str:
    found = numbers(types)
    return found if isinstance(found, str) else BOOL


_CORE: dict[str, Function] = {
    f.name: f
    for f in (
        Function(
            "min",
            (1, -1),
            _min_max,
            "_min",
            generator=True,
            summary="smallest of numbers or dates, or of a list",
        ),
        Function(
            "max",
            (1, -1),
            _min_max,
            "_max",
            generator=True,
            summary="largest of numbers or dates, or of a list",
        ),
        Function("abs", (1, 1), _one_number, "abs", summary="absolute value"),
        Function("round", (1, 2), _round, "_round", summary="round half up to N decimals (default 0)"),
        Function("floor", (1, 1), _to_int, "_floor", summary="largest whole number not above"),
        Function("ceil", (1, 1), _to_int, "_ceil", summary="smallest whole number not below"),
        Function("len", (1, 1), _len, "len", summary="number of items in a list"),
        Function("any", (1, 1), _bools, "any", generator=True, summary="true when any item is true"),
        Function("all", (1, 1), _bools, "all", generator=True, summary="true when every item is true"),
        Function(
            "sum", (1, 1), _sum, "_sum_of", strict=False, generator=True, summary="sum, missing items skipped"
        ),
        Function(
            "days_between",
            (2, 2),
            _two_dates,
            "_days_between",
            summary="days from the first date to the second",
        ),
        Function(
            "months_between", (2, 2), _two_dates, "_months_between", summary="whole months between two dates"
        ),
        Function("age_on", (2, 2), _two_dates, "_age_on", summary="age in whole years on a date"),
        Function("lpr", (2, 2), _lpr, "_lpr", summary="the LPR of a tenor ('1y', '5y+') in force on a date"),
        Function(
            "coalesce", (2, -1), _coalesce, "_coalesce", strict=False, summary="the first value present"
        ),
        Function("ceiling", (1, 1), _to_int, "_ceil", summary="the same as ceil"),
        Function(
            "modulo", (2, 2), _two_numbers(None), "_modulo", summary="remainder, with the divisor's sign"
        ),
        Function("sqrt", (1, 1), _one_decimal, "_sqrt", summary="square root (missing below zero)"),
        Function(
            "decimal", (2, 2), _two_numbers(DECIMAL), "_decimal", summary="rounded half even to N decimals"
        ),
        Function("odd", (1, 1), _parity, "_odd", summary="whether a whole number is odd"),
        Function("even", (1, 1), _parity, "_even", summary="whether a whole number is even"),
    )
}

FUNCTIONS: dict[str, Function] = {
    **_CORE,
    **{f.name: f for f in _text.FUNCTIONS},
    **{f.name: f for f in _lists.FUNCTIONS},
    **{f.name: f for f in _temporal.FUNCTIONS},
}
"""Every function a rule may call, by name."""

RUNTIME: dict[str, Any] = {
    "_min": min,
    "_max": max,
    "_min_of": min_of,
    "_max_of": max_of,
    "_round": round_half_up,
    "_floor": floor_,
    "_ceil": ceil_,
    "_sum_of": sum_of,
    "_days_between": days_between,
    "_months_between": months_between,
    "_age_on": age_on,
    "_coalesce": coalesce,
    "_div": divide,
    "_pow": power,
    "_field": field_of,
    "_modulo": modulo,
    "_sqrt": sqrt,
    "_decimal": decimal_scale,
    "_odd": odd,
    "_even": even,
    "_D": Decimal,
    **_text.RUNTIME,
    **_lists.RUNTIME,
    **_temporal.RUNTIME,
}
