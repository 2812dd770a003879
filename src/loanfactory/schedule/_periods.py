"""Periods of a schedule: due dates, calendar days and the interest factor of each period.

The interest of period ``k`` on a base ``B`` is ``B * num[k] / den[k]`` — multiply first, divide
last — so that a result lying exactly on a rounding tie is rounded as the exact rational would
be (a pre-divided rate such as 0.1/12 = 0.008333… can miss a tie by 1e-28 and round it down).

- per-period interest: ``num = annual * every``, ``den = periods per year``, whatever the days;
- daily interest: ``num/den = annual * year fraction`` under the day count (ACT/ACT splits a
  period at 1 January; a rate change inside a period splits it at the change date);
- an irregular first period (a first due date or due day other than one period after the start)
  is charged by actual days when ``first_period`` is ``actual-days``, under the same rate rule as
  every period of its mode: per-period interest takes the rate in force at the period's start
  (a change inside the period applies from the next one), daily interest splits at the change.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from loanfactory.calendar import (
    DayCount,
    FirstPeriod,
    days_30_360,
    days_in_month,
    month_series,
    month_series_with_days,
    year_fraction_ratio,
)
from loanfactory.conventions import InterestMode
from loanfactory.schedule._terms import LoanTerms


@dataclass(frozen=True, slots=True)
class Plan:
    """Per-period data the engine loops over (index 0 is installment 1)."""

    due: list[date | None]
    days: list[int | None]
    num: list[Decimal]
    den: list[int]
    regular_num: list[Decimal]  # regular interest = base * regular_num / ppy (annual in force * every)
    ppy: int
    annual: list[Decimal]  # the annual rate in force at the start of each period
    irregular_first: bool


def plan(terms: LoanTerms, *, single_payment: bool = False) -> Plan:
    """The periods of ``terms``; one period from the start to maturity for a single-payment method."""
    n = terms.term
    starts, due, days, irregular = _dates(terms)
    annual = _annual_by_period(terms, starts, n)
    ppy = terms.frequency.periods_per_year
    every = terms.every
    regular_num = [a * every for a in annual] if every != 1 else annual
    if terms.interest is InterestMode.per_period:
        num = list(regular_num)
        den = [ppy] * n
        if irregular and terms.first_period is FirstPeriod.actual_days:
            # by actual days, at the rate in force when the period starts: a rate change inside a
            # per-period-mode period applies from the next period, irregular or not
            num[0], den[0] = _factor(terms, starts[0], due[0], split=False)  # type: ignore[arg-type]
    else:
        num, den = [], []
        for s, e in zip(starts, due, strict=True):
            f_num, f_den = _factor(terms, s, e)  # type: ignore[arg-type]
            num.append(f_num)
            den.append(f_den)
    if single_payment:
        return _collapse(starts, due, num, den, regular_num, ppy, annual)
    return Plan(due, days, num, den, regular_num, ppy, annual, irregular)


def _dates(terms: LoanTerms) -> tuple[list[date | None], list[date | None], list[int | None], bool]:
    """Start date, due date and calendar days of each period; whether the first is irregular."""
    n = terms.term
    start = terms.start
    if start is None:
        return [None] * n, [None] * n, [None] * n, False
    months = terms.frequency.months
    if months is not None:
        step = months * terms.every
        anchor = terms.anchor_day
        assert anchor is not None
        on_grid = terms.due_day is not None and start.day == min(
            terms.due_day, days_in_month(start.year, start.month)
        )
        regular_first = month_series(start, step, 1, anchor if on_grid else start.day)[0]
        if terms.first_due is not None:
            first = terms.first_due
        elif terms.due_day is not None:
            first = month_series(start, step, 1, terms.due_day)[0]
        else:
            first = regular_first
        later, gaps = month_series_with_days(first, step, n - 1, anchor)
        due: list[date | None] = [first, *later]
        days: list[int | None] = [(first - start).days, *gaps]
    else:
        step_days = terms.frequency.days
        assert step_days is not None
        gap = timedelta(days=step_days * terms.every)
        regular_first = start + gap
        first = terms.first_due or regular_first
        due = [first + gap * k for k in range(n)]
        days = [(first - start).days, *([gap.days] * (n - 1))]
    starts: list[date | None] = [start, *due[:-1]]
    return starts, due, days, first != regular_first


def _annual_by_period(terms: LoanTerms, starts: list[date | None], n: int) -> list[Decimal]:
    """The annual rate in force at the start of each period."""
    if not terms.rate_changes:
        return [terms.annual_rate] * n
    out: list[Decimal] = []
    changes = terms.rate_changes
    for s in starts:
        assert s is not None
        rate = terms.annual_rate
        for change in changes:
            if change.on <= s:
                rate = change.annual
            else:
                break
        out.append(rate)
    return out


def _factor(terms: LoanTerms, start: date, end: date, *, split: bool = True) -> tuple[Decimal, int]:
    """``annual * year fraction`` of one period as ``(num, den)``: split at rate changes inside it
    (daily interest), or all at the rate in force at its start (``split=False``, per-period mode)."""
    day_count = terms.day_count
    if day_count is DayCount.thirty_360 and terms.frequency.days is not None:
        # a week is 7 days under any basis: 30/360 shapes months, not day-based periods (as Fineract)
        day_count = DayCount.act_360
    pieces = _rate_pieces(terms, start, end)
    if not split:
        pieces = [(pieces[0][0], start, end)]
    if len(pieces) == 1:
        rate, s, e = pieces[0]
        simple = _simple_fraction(day_count, s, e)
        if simple is not None:
            return rate * simple[0], simple[1]
    total = Fraction(0)
    for rate, s, e in pieces:
        total += Fraction(rate) * year_fraction_ratio(day_count, s, e)
    return Decimal(total.numerator), total.denominator


def _simple_fraction(day_count: DayCount, start: date, end: date) -> tuple[int, int] | None:
    """(days, basis) when the year fraction has one basis (not an ACT/ACT year crossing)."""
    if day_count is DayCount.act_360:
        return (end - start).days, 360
    if day_count is DayCount.act_365f:
        return (end - start).days, 365
    if day_count is DayCount.thirty_360:
        return days_30_360(start, end), 360
    if start.year == end.year or end == date(start.year + 1, 1, 1):
        return (end - start).days, 366 if _stdlib_calendar.isleap(start.year) else 365
    return None


def _rate_pieces(terms: LoanTerms, start: date, end: date) -> list[tuple[Decimal, date, date]]:
    """The period split at rate changes: (annual rate, from, to)."""
    rate = terms.annual_rate
    pieces: list[tuple[Decimal, date, date]] = []
    cursor = start
    for change in terms.rate_changes:
        if change.on <= cursor:
            rate = change.annual
        elif change.on < end:
            pieces.append((rate, cursor, change.on))
            cursor, rate = change.on, change.annual
    pieces.append((rate, cursor, end))
    return pieces


def _collapse(
    starts: list[date | None],
    due: list[date | None],
    num: list[Decimal],
    den: list[int],
    regular_num: list[Decimal],
    ppy: int,
    annual: list[Decimal],
) -> Plan:
    """A single payment: one period from the start to maturity, simple interest over all of it."""
    total = sum((Fraction(a) / b for a, b in zip(num, den, strict=True)), Fraction(0))
    end, begin = due[-1], starts[0]
    span = None if end is None or begin is None else (end - begin).days
    return Plan(
        [end],
        [span],
        [Decimal(total.numerator)],
        [total.denominator],
        [regular_num[0]],
        ppy,
        [annual[0]],
        False,
    )
