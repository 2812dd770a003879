"""The exact schedule engine: posting and display styles, in Decimal, for every registered method.

One pass builds the rows of either style. The **posting** style rounds as it goes (the ledger's
schedule): the level installment is rounded to the installment unit (the multiple, else the
rounding unit) by the policy's mode, each row's interest is rounded to the unit, principal is
installment - interest, and the last row takes the whole remaining balance, so principal sums
exactly to the amount. The **display** style runs the same pass without rounding (28 significant
digits) and rounds each column only for display, as published calculators do.

How a method builds its rows is its own module's business (``loanfactory.schedule.methods``);
this module adds what every method shares: the closest last installment of a progressive
schedule, the residue moved to the first row, no installment of 0.00, deferred interest, fees,
totals and the display rounding.
"""

from __future__ import annotations

from decimal import Decimal
from operator import itemgetter

from loanfactory.conventions import InterestMode, ScheduleStyle, TotalsStyle
from loanfactory.money import ResiduePlacement
from loanfactory.schedule._fees import apply_fees, upfront_fee
from loanfactory.schedule._periods import Plan, plan
from loanfactory.schedule._residue import residue_first
from loanfactory.schedule._result import Schedule, ScheduleRow, Totals, payoff_index
from loanfactory.schedule._terms import LevelPayment, LoanTerms
from loanfactory.schedule.methods import Built, Method, method_of

ZERO = Decimal(0)
_new_row = tuple.__new__  # ScheduleRow(...) minus a Python-level call


def build_schedule(terms: LoanTerms, style: ScheduleStyle = ScheduleStyle.posting) -> Schedule:
    """The repayment schedule of ``terms`` in ``style`` (posting by default).

    Raises :class:`InvalidInput` when a repaying installment would be 0.00 (an amount too small for
    the rounding unit, the multiple or the term); a rounded installment that repays the loan
    early ends the schedule there (``Schedule.shortened_from``).
    """
    method = method_of(terms.method)
    periods = plan(terms, single_payment=method.single_payment)
    posting = style is ScheduleStyle.posting
    built = method.rows(terms, periods, posting, ZERO, None)
    adjusted = posting and built.level is not None and _adjusts_level(terms)
    if adjusted:
        built = _closest_last(terms, periods, method, built)
    if posting and terms.residue is ResiduePlacement.first and built.residue:
        built = residue_first(terms, periods, method, built, built.level if adjusted else None)
    rows, level, exact = built.rows, built.level, built.exact
    shortened_from = None
    if posting:
        rows = _up_to_payoff(rows)
        if len(rows) < len(periods.num):
            shortened_from = len(periods.num)
    if terms.grace_interest:
        rows = _defer_interest(rows, terms.grace_interest)
    with_fees = any(f.timing == "per-installment" for f in terms.fees)
    if with_fees:
        rows = apply_fees(rows, terms, posting)
    upfront = upfront_fee(terms, posting) if terms.fees else ZERO
    if posting:
        totals = _posted_totals(terms, rows, with_fees)
        shown_level = level
    else:
        shown_level = None if level is None else terms.rounding(level)
        exact_totals = _sum(rows)
        rows = _display(rows, terms)
        totals = _display_totals(terms, rows, exact_totals)
    return Schedule(
        terms=terms,
        style=style,
        installments=tuple(rows),
        totals=totals,
        level_installment=shown_level,
        exact_installment=exact,
        upfront_fee=upfront,
        irregular_first_period=periods.irregular_first,
        shortened_from=shortened_from,
    )


def _adjusts_level(terms: LoanTerms) -> bool:
    return (
        terms.level_payment is LevelPayment.actual_days
        and terms.interest is InterestMode.daily
        and terms.installment is None
        and not terms.rate_changes
    )


def _closest_last(terms: LoanTerms, periods: Plan, method: Method, built: Built) -> Built:
    """One installment unit up or down when that brings the last installment closer to the level
    one (Fineract's progressive schedule does this after rounding the EMI)."""
    level = built.level
    assert level is not None
    step = terms.installment_unit
    best, best_gap = built, abs(built.rows[-1].total - level)
    for candidate in (level + step, level - step):
        if candidate <= 0:
            continue
        trial = method.rows(terms, periods, True, ZERO, candidate)
        gap = abs(trial.rows[-1].total - candidate)
        if gap < best_gap:
            best, best_gap = trial, gap
    return best


def _up_to_payoff(rows: list[ScheduleRow]) -> list[ScheduleRow]:
    """Rows up to the one that repays the loan.

    An installment rounded up (to a multiple, or by the ``up`` mode) repays more principal each
    period; when that repays the loan before the last period, the rest would be installments of
    0.00 (or, for flat interest, interest on a loan already repaid): the schedule ends instead.
    """
    last = payoff_index(rows)
    return rows if last == len(rows) - 1 else rows[: last + 1]


def _defer_interest(rows: list[ScheduleRow], periods: int) -> list[ScheduleRow]:
    """Interest of the first ``periods`` rows is deferred and collected with the next row (延付利息),
    or with the last row when a shortened schedule ends sooner."""
    out: list[ScheduleRow] = []
    deferred = ZERO
    last = rows[-1].number
    for row in rows:
        if row.number <= periods and row.number != last:
            deferred += row.interest
            out.append(
                row._replace(interest=ZERO, total=row.total - row.interest, deferred_interest=deferred)
            )
        elif deferred:
            out.append(row._replace(interest=row.interest + deferred, total=row.total + deferred))
            deferred = ZERO
        else:
            out.append(row)
    return out


def _posted_totals(terms: LoanTerms, rows: list[ScheduleRow], fees: bool) -> Totals:
    """Totals of posted rows; principal is the amount less the final balance (zero), by construction."""
    principal = terms.principal - rows[-1].balance
    interest = sum(map(_INTEREST, rows), ZERO)
    fee = sum(map(_FEE, rows), ZERO) if fees else ZERO
    return Totals(principal, interest, fee, principal + interest + fee)


def _sum(rows: list[ScheduleRow], fees: bool = True) -> Totals:
    principal = sum(map(_PRINCIPAL, rows), ZERO)
    interest = sum(map(_INTEREST, rows), ZERO)
    fee = sum(map(_FEE, rows), ZERO) if fees else ZERO
    return Totals(principal, interest, fee, principal + interest + fee)


_PRINCIPAL, _INTEREST, _FEE = itemgetter(3), itemgetter(4), itemgetter(5)  # ScheduleRow columns


def _display(rows: list[ScheduleRow], terms: LoanTerms) -> list[ScheduleRow]:
    """Each column of the exact rows rounded for display."""
    policy = terms.rounding
    unit, mode = policy.unit, policy.mode.decimal_rounding
    if unit.as_tuple().digits == (1,):

        def r(value: Decimal) -> Decimal:
            return value.quantize(unit, mode)
    else:
        r = policy
    # + ZERO turns a "-0.00" (an exact balance of -1e-25) into 0.00
    return [
        _new_row(
            ScheduleRow,
            (row[0], row[1], row[2], r(row[3]), r(row[4]), r(row[5]), r(row[6]), r(row[7]) + ZERO, r(row[8])),
        )
        for row in rows
    ]


def _display_totals(terms: LoanTerms, rows: list[ScheduleRow], exact: Totals) -> Totals:
    r = terms.rounding
    if terms.totals is TotalsStyle.exact:
        return Totals(r(exact.principal), r(exact.interest), r(exact.fee), r(exact.total))
    total = sum((row.total for row in rows), ZERO)
    fee = sum((row.fee for row in rows), ZERO)
    principal = terms.principal
    return Totals(principal, total - principal - fee, fee, total)
