"""The output of the schedule engine: typed rows, totals and the stated convention.

A :class:`Schedule` says how it was computed (``convention``) so that no figure is printed without
its convention: which style (posting or display), interest basis, day count, rounding and totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from loanfactory.conventions import InterestMode, ScheduleStyle, TotalsStyle
from loanfactory.money import format_money
from loanfactory.schedule._terms import LoanTerms


class ScheduleRow(NamedTuple):
    """One row of a schedule (还款计划的一期).

    ``days`` are the calendar days of the period (算头不算尾; the day count may count others);
    ``interest`` is the interest due in this row (deferred interest is collected in the first row
    after the interest grace); ``deferred_interest`` is what is still deferred after this row;
    ``balance`` is the principal outstanding after it.
    """

    number: int
    due_date: date | None
    days: int | None
    principal: Decimal
    interest: Decimal
    fee: Decimal
    total: Decimal
    balance: Decimal
    deferred_interest: Decimal

    def as_json(self) -> dict[str, Any]:
        """Money as decimal strings to the fen, dates ISO."""
        return {
            "number": self.number,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "days": self.days,
            "principal": format_money(self.principal),
            "interest": format_money(self.interest),
            "fee": format_money(self.fee),
            "total": format_money(self.total),
            "balance": format_money(self.balance),
            "deferred_interest": format_money(self.deferred_interest),
        }


def payoff_index(rows: list[ScheduleRow]) -> int:
    """The index of the row that repays the loan: the last, unless a rounded installment repaid it
    earlier (balances never rise, so the common case is one comparison)."""
    if len(rows) < 2 or rows[-2].balance > 0:
        return len(rows) - 1
    return next(i for i, row in enumerate(rows) if row.balance <= 0)


@dataclass(frozen=True, slots=True)
class Totals:
    """Column totals; ``total = principal + interest + fee`` (upfront fees are not included)."""

    principal: Decimal
    interest: Decimal
    fee: Decimal
    total: Decimal

    def as_json(self) -> dict[str, str]:
        return {
            "principal": format_money(self.principal),
            "interest": format_money(self.interest),
            "fee": format_money(self.fee),
            "total": format_money(self.total),
        }


@dataclass(frozen=True, slots=True)
class Schedule:
    """A repayment schedule (还款计划) and the convention that produced it.

    ``level_installment`` is the installment as quoted (posting: rounded by the policy and the
    installment multiple; display: the exact PMT rounded for display), None for methods without a
    level installment (for a stepped schedule, the first installment); ``exact_installment`` is
    the unrounded PMT. ``upfront_fee`` is charged at disbursement (it reduces the cash the borrower
    receives in the APR). ``shortened_from`` is the term the schedule was built for when a rounded
    installment repaid the loan in fewer installments (the schedule ends with that one).
    """

    terms: LoanTerms
    style: ScheduleStyle
    installments: tuple[ScheduleRow, ...]
    totals: Totals
    level_installment: Decimal | None
    exact_installment: Decimal | None
    upfront_fee: Decimal
    irregular_first_period: bool
    shortened_from: int | None = None

    @property
    def maturity(self) -> date | None:
        return self.installments[-1].due_date

    @property
    def convention(self) -> str:
        """One sentence that states how every figure was computed."""
        text = describe(self.terms, self.style, self.irregular_first_period)
        if self.shortened_from is not None:
            text += (
                f"; repaid in {len(self.installments)} installments, not {self.shortened_from}: the rounded "
                "installment repays the loan early"
            )
        return text

    def as_json(self) -> dict[str, Any]:
        """The schedule as JSON-ready data (money and rates as decimal strings)."""
        body: dict[str, Any] = {
            "installments": [row.as_json() for row in self.installments],
            "totals": self.totals.as_json(),
            "upfront_fee": format_money(self.upfront_fee),
            "level_installment": format_money(self.level_installment)
            if self.level_installment is not None
            else None,
            "style": str(self.style),
            "convention": self.convention,
            "shortened_from": self.shortened_from,
        }
        return body


def describe(terms: LoanTerms, style: ScheduleStyle, irregular_first: bool) -> str:
    """The convention in words, e.g. for the CLI and the documents."""
    rounding = f"{terms.rounding.mode} to {terms.rounding.unit}"
    from loanfactory.schedule.methods import method_of  # the registry imports this module

    method = method_of(terms.method)
    parts = [
        f"{terms.method} ({method.zh})",
        f"{terms.frequency} x{terms.every}" if terms.every > 1 else str(terms.frequency),
    ]
    if terms.interest is InterestMode.daily:
        parts.append(f"interest daily by actual days, {terms.day_count}")
        if method.level:
            parts.append(
                f"level installment = {terms.level_payment} PMT, last installment absorbs the difference"
            )
    else:
        parts.append(f"interest per period = annual / {terms.periods_per_year.normalize()}")
        if irregular_first:
            parts.append(f"irregular first period: {terms.first_period} ({terms.day_count})")
    if style is ScheduleStyle.posting:
        multiple = (
            f", installment in multiples of {terms.installment_multiple}"
            if terms.installment_multiple
            else ""
        )
        parts.append(
            f"posting: interest rounded {rounding} per row{multiple}, principal = installment - interest, "
            f"{terms.residue} row absorbs the residue"
        )
    else:
        totals = "exact PMT x n" if terms.totals is TotalsStyle.exact else "rounded PMT x n"
        parts.append(f"display: exact schedule, columns rounded {rounding}; totals {totals}")
    if method.words is not None:
        parts.append(method.words(terms))
    if terms.grace_principal:
        parts.append(f"{terms.grace_principal} interest-only periods")
    if terms.grace_interest:
        parts.append(f"interest of {terms.grace_interest} periods deferred to the next installment")
    return "; ".join(parts)
