"""Floating rates on the LPR (LPR 浮动利率): the rate at signing and the repricing changes.

The rate is the LPR of the product's tenor in force on a day plus the spread, kept within the
product's floor and cap. It is fixed at ``fixed_on`` (the contract date, default the start) and
reset on each repricing date to the LPR in force that day:

- ``january-first``: every 1 January after the start (每年1月1日);
- ``anniversary``: each anniversary of the start (放款对年对月对日);
- ``monthly`` / ``quarterly``: every 1 / 3 months after the start;
- ``none``: never.

Repricing dates beyond the last published fixing use the latest fixing (the projection a bank
prints); a changed rate becomes a :class:`RateChange`, from which the engine re-amortises: per
period interest takes the new rate from the first period starting on or after the change; daily
interest splits the period at the change date.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from loanfactory.calendar import add_months
from loanfactory.conventions import LprTenor
from loanfactory.errors import InvalidInput
from loanfactory.lpr import LprSeries
from loanfactory.schedule._terms import RateChange

REPRICING_RULES = ("none", "january-first", "anniversary", "monthly", "quarterly")


def lpr_price(
    spread: Decimal, *, floor: Decimal | None = None, cap: Decimal | None = None
) -> Callable[[Decimal], Decimal]:
    """The contract rate for an LPR fixing: LPR + ``spread``, kept within ``floor`` and ``cap``."""

    def price(lpr: Decimal) -> Decimal:
        rate = lpr + spread
        if floor is not None:
            rate = max(rate, floor)
        if cap is not None:
            rate = min(rate, cap)
        return rate

    return price


def floating_rate(
    series: LprSeries, tenor: LprTenor | str, on: date, price: Callable[[Decimal], Decimal]
) -> Decimal:
    """The contract rate on ``on``: ``price`` of the ``tenor`` LPR in force that day."""
    rate = price(series.rate(tenor, on))
    if rate < 0:
        raise InvalidInput(
            f"LPR plus spread is negative on {on}", field="spread", message_zh="LPR 加点后为负"
        )
    return rate


def repricing_dates(rule: str, start: date, maturity: date) -> list[date]:
    """The repricing dates strictly after ``start`` and before ``maturity``."""
    if rule not in REPRICING_RULES:
        raise InvalidInput(
            f"unknown repricing rule '{rule}'", field="repricing", message_zh=f"未知的重定价规则 '{rule}'"
        )
    if rule == "none":
        return []
    out: list[date] = []
    if rule == "january-first":
        year = start.year + 1
        while (day := date(year, 1, 1)) < maturity:
            out.append(day)
            year += 1
        return out
    step = {"anniversary": 12, "monthly": 1, "quarterly": 3}[rule]
    k = 1
    while (day := add_months(start, step * k, start.day)) < maturity:
        out.append(day)
        k += 1
    return out


def lpr_rate_changes(
    series: LprSeries,
    tenor: LprTenor | str,
    rule: str,
    start: date,
    maturity: date,
    price: Callable[[Decimal], Decimal],
    *,
    fixed_on: date | None = None,
    initial: Decimal | None = None,
) -> tuple[Decimal, tuple[RateChange, ...]]:
    """(rate at signing, rate changes until maturity) for an LPR-linked loan.

    ``price`` maps an LPR fixing to the contract rate (see :func:`lpr_price`, or a product's own
    pricing with its rate table, floor and cap). ``initial`` is the rate at signing when it is
    already fixed (a contract's), else it is priced from the fixing in force on ``fixed_on``.
    """
    if initial is None:
        initial = floating_rate(series, tenor, fixed_on or start, price)
    changes: list[RateChange] = []
    current = initial
    for day in repricing_dates(rule, start, maturity):
        rate = floating_rate(series, tenor, day, price)
        if rate != current:
            changes.append(RateChange(day, rate))
            current = rate
    return initial, tuple(changes)
