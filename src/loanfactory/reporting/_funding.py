"""Cost of funds (资金成本，内部资金转移定价 FTP): a yearly rate charged on the average daily balance.

A ``ftp`` measure names a money field of a source (the loans' control accounts' ``debit_net`` in
the ``gl`` source) and a yearly ``rate``. Its cost over a window is

    Σ over the days d of the window of  balance(d) × rate × year fraction of d

where balance(d) is the field summed over every row dated on or before d (the closing balance of
the day: the opening balance of the books plus the day's movements), and the year fraction of a day
is 1/365 (ACT/365F), 1/360 (ACT/360) or 1/365 or 1/366 by its calendar year (ACT/ACT). So the cost
equals rate × average outstanding balance × days ÷ basis. The store answers one set-based query per
measure — the field's sum per group and day, from the beginning of the books — and the days are
folded here, per group: the work grows with groups × days, never with loans.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from loanfactory.reporting._definition import Measure
from loanfactory.reporting._evaluate import period_label
from loanfactory.reporting._query import Aggregate, Grain, Group, Query, Row

ZERO = Decimal(0)
_DAY = "*day*"  # the group of the day's movements (no dimension is named with a "*")


def year_basis(day: date, day_count: str) -> int:
    """The days of the year a day is a fraction of: 365, 360, or 365/366 by the calendar (ACT/ACT)."""
    if day_count == "ACT/360":
        return 360
    if day_count == "ACT/ACT":
        return 366 if calendar.isleap(day.year) else 365
    return 365


def cost_of_funds(
    run: Callable[[Query], list[Row]],
    measure: Measure,
    groups: tuple[Group, ...],
    date_field: str,
    start: date,
    end: date,
    products: Mapping[str, Mapping[str, str]],
) -> dict[tuple[Any, ...], Decimal]:
    """The cost of funds of ``measure`` from ``start`` to ``end`` per key of ``groups`` (a period
    group gives the cost of each period's days); exact, not rounded."""
    assert measure.rate is not None
    assert measure.day_count is not None
    assert measure.field is not None
    plain = tuple(g for g in groups if g.kind != "period")
    query = Query(
        source=measure.source,
        groups=(*plain, Group(_DAY, date_field)),
        aggregates=(Aggregate(measure.name, "sum", measure.field),),
        where=measure.where,
        start=None,
        end=end,
        date_field=date_field,
        products=products,
    )
    movements: dict[tuple[Any, ...], dict[date, Decimal]] = {}
    for row in run(query):
        key, day, amount = tuple(row[:-2]), row[-2], row[-1]
        if day is not None and amount is not None:
            days = movements.setdefault(key, {})
            days[day] = days.get(day, ZERO) + amount
    grain: Grain | None = next((g.grain for g in groups if g.kind == "period"), None)
    out: dict[tuple[Any, ...], Decimal] = {}
    for plain_key, days in movements.items():
        balance = sum((amount for day, amount in days.items() if day < start), ZERO)
        day = start
        while day <= end:
            balance += days.get(day, ZERO)
            if balance:  # no figure (and no row) for a group's days without a balance
                label = period_label(day, grain) if grain is not None else None
                full = _key(groups, plain_key, label)
                cost = balance * measure.rate / year_basis(day, measure.day_count)
                out[full] = out.get(full, ZERO) + cost
            day += timedelta(days=1)
    return out


def _key(groups: tuple[Group, ...], plain: tuple[Any, ...], label: str | None) -> tuple[Any, ...]:
    values = iter(plain)
    return tuple(label if g.kind == "period" else next(values) for g in groups)
