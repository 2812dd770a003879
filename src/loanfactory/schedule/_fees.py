"""Fees in the schedule (费用): upfront charges and charges with every installment.

A percentage fee is a percent of its basis — the loan amount, the balance at the start of the
period, or the installment (principal + interest) — rounded by the schedule's policy; ``minimum``
and ``maximum`` bound each charge and ``total_max`` bounds the sum of one fee's charges.
"""

from __future__ import annotations

from decimal import Decimal

from loanfactory.conventions import ScheduleStyle
from loanfactory.schedule._result import Schedule, ScheduleRow
from loanfactory.schedule._terms import LoanTerms, ScheduleFee

ZERO = Decimal(0)


def upfront_fee(terms: LoanTerms, posting: bool = True, *, in_apr_only: bool = False) -> Decimal:
    """The fees charged at disbursement (放款时一次性收取)."""
    total = ZERO
    for fee in terms.fees:
        if fee.timing == "upfront" and (fee.in_apr or not in_apr_only):
            total += _charge(fee, terms.principal, terms, posting, ZERO)
    return total


def apply_fees(rows: list[ScheduleRow], terms: LoanTerms, posting: bool) -> list[ScheduleRow]:
    """Rows with the per-installment fees added to ``fee`` and ``total``."""
    fees = [f for f in terms.fees if f.timing == "per-installment"]
    charged = dict.fromkeys((f.name for f in fees), ZERO)
    out: list[ScheduleRow] = []
    for row in rows:
        extra = ZERO
        for fee in fees:
            amount = _charge(fee, _basis(fee, row, terms), terms, posting, charged[fee.name])
            charged[fee.name] += amount
            extra += amount
        out.append(row._replace(fee=row.fee + extra, total=row.total + extra) if extra else row)
    return out


def fees_by_name(schedule: Schedule) -> dict[str, Decimal]:
    """Each fee's total over the loan (upfront and per-installment), by fee name."""
    terms = schedule.terms
    posting = schedule.style is ScheduleStyle.posting
    out: dict[str, Decimal] = {}
    for fee in terms.fees:
        if fee.timing == "upfront":
            out[fee.name] = _charge(fee, terms.principal, terms, posting, ZERO)
    rows = list(schedule.installments)
    out.update(charged_per_fee(rows, terms))
    return out


def charged_per_fee(rows: list[ScheduleRow], terms: LoanTerms) -> dict[str, Decimal]:
    """What each per-installment fee charged over ``rows`` (to carry total caps over a re-amortisation)."""
    fees = [f for f in terms.fees if f.timing == "per-installment"]
    bare = [row._replace(fee=ZERO, total=row.total - row.fee) for row in rows]
    charged = dict.fromkeys((f.name for f in fees), ZERO)
    for row in bare:
        for fee in fees:
            charged[fee.name] += _charge(fee, _basis(fee, row, terms), terms, True, charged[fee.name])
    return charged


def _basis(fee: ScheduleFee, row: ScheduleRow, terms: LoanTerms) -> Decimal:
    if fee.basis == "balance":
        return row.balance + row.principal
    if fee.basis == "installment":
        return row.principal + row.interest
    return terms.principal


def _charge(fee: ScheduleFee, basis: Decimal, terms: LoanTerms, posting: bool, so_far: Decimal) -> Decimal:
    if fee.amount is not None:
        amount = fee.amount
    else:
        assert fee.percent is not None
        amount = basis * fee.percent
        if posting:
            amount = terms.rounding(amount)
    if fee.minimum is not None and amount < fee.minimum and basis > 0:
        amount = fee.minimum
    if fee.maximum is not None and amount > fee.maximum:
        amount = fee.maximum
    if fee.total_max is not None:
        amount = max(ZERO, min(amount, fee.total_max - so_far))
    return amount
