"""Daily interest accrual (利息按日计提), from the loan's own schedule.

Each installment's interest is earned evenly over the days of its period, counting the first day
and not the due date (算头不算尾): on the ``k``-th day of a period of ``n`` days the interest
accrued and not yet charged is ``round_half_up(interest x k / n)``, so the period's accrual sums
exactly to the interest the ledger charges on the due date. A period starts on the previous due
date, on the loan's value date for the first installment, or where the schedule was last
re-spread (a later tranche, a prepayment: ``Loan.tail_start``); the interest of a broken period
before a prepayment is charged by the prepayment itself.

Penalty interest needs no accrual of its own: the end of day already charges it day by day
(``penalty:<loan>:<date>``), and the books take each daily charge as that day's penalty income.

:func:`accrued` works on whole arrays in integer fen (exact: no float is involved).
"""

from __future__ import annotations

from datetime import date

import numpy as np

from loanfactory.accounting._store import NONE, AccrualPeriod, IntArray
from loanfactory.servicing import Loan

NEVER = date.max.toordinal()
"""The period fields of a loan with no period left to accrue (looked up again only when its
schedule changes)."""


def accrual_periods(loan: Loan) -> list[AccrualPeriod]:
    """The accrual periods of a loan's current schedule, one per installment with interest."""
    out: list[AccrualPeriod] = []
    previous = loan.start
    for row in loan.schedule:
        start = previous
        if loan.tail_start is not None and row.number == loan.tail_from:
            start = loan.tail_start
        if start is not None and row.interest > 0 and start < row.due_date:
            out.append(AccrualPeriod(start, row.due_date, int(row.interest * 100)))
        previous = row.due_date
    return out


def accrued(start: IntArray, due: IntArray, interest: IntArray, day: date) -> IntArray:
    """Interest accrued and not yet charged at the end of ``day`` (fen), per loan: the period
    ``[start, due)`` (date ordinals) accrues ``interest`` evenly; 0 outside it."""
    d = day.toordinal()
    inside = (start != NONE) & (start <= d) & (d < due)
    days = np.where(inside, due - start, 1)
    elapsed = np.where(inside, d - start + 1, 0)
    whole, rest = np.divmod(interest * elapsed, days)
    share = whole + (2 * rest + days) // (2 * days)  # half-up: interest and elapsed are non-negative
    return np.where(inside, share, 0).astype(np.int64)


def accrued_on(period: AccrualPeriod | None, day: date) -> int:
    """:func:`accrued` of one period (fen)."""
    if period is None:
        return 0
    one = np.array([1], dtype=np.int64)
    return int(
        accrued(one * period.start.toordinal(), one * period.due.toordinal(), one * period.interest, day)[0]
    )


def current_period(periods: list[AccrualPeriod], day: date) -> AccrualPeriod | None:
    """The first period due after ``day`` (accruing when it has started)."""
    for period in periods:
        if period.due > day:
            return period
    return None
