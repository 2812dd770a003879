"""The exact schedule engine: every repayment method, posting and display styles, in Decimal.

One pass builds the rows of either style. The **posting** style rounds as it goes (the ledger's
schedule): the level installment is rounded to the installment unit (the multiple, else the
rounding unit) by the policy's mode, each row's interest is rounded to the unit, principal is
installment - interest, and the last row takes the whole remaining balance, so principal sums
exactly to the amount. The **display** style runs the same pass without rounding (28 significant
digits) and rounds each column only for display, as published calculators do.

Methods (还款方式):

- annuity 等额本息 — level installment ``PMT = B*i / (1 - (1+i)^-m)`` over the ``m`` periods after
  the principal grace; recomputed from the balance when the rate changes.
- equal_principal 等额本金 — principal ``P/m`` each period (rounded), interest on the balance.
- interest_only 先息后本 — interest each period, all principal with the last installment.
- bullet 到期还本付息 — one installment at maturity, simple interest over the whole term.
- flat 等本等息 — interest on the original principal every period; level installment
  ``P/m + P*i``.
- balloon 气球贷 — ``final``: an annuity that leaves ``final x P`` for the last installment;
  ``per_period``: a fixed ``per_period x P`` of principal each period, the rest at maturity.
"""

from __future__ import annotations

from decimal import Decimal
from operator import itemgetter

from loanfactory.conventions import InterestMode, RepaymentMethod, ScheduleStyle, TotalsStyle
from loanfactory.money import ResiduePlacement, quantize
from loanfactory.schedule._fees import apply_fees, upfront_fee
from loanfactory.schedule._level import level_rows
from loanfactory.schedule._periods import Plan, plan
from loanfactory.schedule._result import Installment, Schedule, Totals
from loanfactory.schedule._terms import LevelPayment, LoanTerms

ZERO = Decimal(0)
_new_row = tuple.__new__  # Installment(...) minus a Python-level call
_LEVEL = frozenset({RepaymentMethod.annuity, RepaymentMethod.flat, RepaymentMethod.balloon})
_RESIDUE_METHODS = frozenset({*_LEVEL, RepaymentMethod.equal_principal})


def build_schedule(terms: LoanTerms, style: ScheduleStyle = ScheduleStyle.posting) -> Schedule:
    """The repayment schedule of ``terms`` in ``style`` (posting by default)."""
    periods = plan(terms)
    posting = style is ScheduleStyle.posting
    rows, level, exact = _rows(terms, periods, posting, ZERO)
    if posting and level is not None and _adjusts_level(terms):
        rows, level = _closest_last(terms, periods, rows, level)
    if (
        posting
        and terms.residue is ResiduePlacement.first
        and terms.method in _RESIDUE_METHODS
        and len(rows) > 1
    ):
        rows, level, exact = _residue_first(terms, periods, rows, level, exact)
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
    )


def _rows(
    terms: LoanTerms, periods: Plan, posting: bool, first_extra: Decimal, override: Decimal | None = None
) -> tuple[list[Installment], Decimal | None, Decimal | None]:
    method = terms.method
    if method is RepaymentMethod.bullet:
        return _bullet(terms, periods, posting), None, None
    if method in _LEVEL and not (
        method is RepaymentMethod.balloon and terms.balloon and terms.balloon.per_period
    ):
        return level_rows(terms, periods, posting, first_extra, override)
    return _fixed_principal(terms, periods, posting, first_extra), None, None


def _adjusts_level(terms: LoanTerms) -> bool:
    return (
        terms.level_payment is LevelPayment.actual_days
        and terms.interest is InterestMode.daily
        and terms.installment is None
        and not terms.rate_changes
    )


def _closest_last(
    terms: LoanTerms, periods: Plan, rows: list[Installment], level: Decimal
) -> tuple[list[Installment], Decimal]:
    """One installment unit up or down when that brings the last installment closer to the level
    one (Fineract's progressive schedule does this after rounding the EMI)."""
    step = terms.installment_unit
    best_rows, best_level = rows, level
    best_gap = abs(rows[-1].total - level)
    for candidate in (level + step, level - step):
        if candidate <= 0:
            continue
        trial, _, _ = _rows(terms, periods, True, ZERO, candidate)
        gap = abs(trial[-1].total - candidate)
        if gap < best_gap:
            best_rows, best_level, best_gap = trial, candidate, gap
    return best_rows, best_level


def _fixed_principal(terms: LoanTerms, p: Plan, posting: bool, first_extra: Decimal) -> list[Installment]:
    """Methods with a set principal per period: equal principal, interest only, balloon per period."""
    n, grace = terms.term, terms.grace_principal
    unit, rounding = terms.rounding.unit, terms.rounding
    principal = terms.principal
    method = terms.method
    if method is RepaymentMethod.interest_only:
        level = ZERO
    elif method is RepaymentMethod.equal_principal:
        level = terms.principal_per_period or principal / (n - grace)
    else:
        share = terms.balloon.per_period if terms.balloon is not None else None
        assert share is not None
        level = principal * share
    if posting:
        level = quantize(
            level,
            terms.installment_unit if method is RepaymentMethod.equal_principal else unit,
            rounding.mode,
        )
    num, den, due, days = p.num, p.den, p.due, p.days
    rows: list[Installment] = []
    b = principal
    for k in range(n):
        interest = b * num[k] / den[k]
        if posting:
            interest = rounding(interest)
        if k < grace:
            part = ZERO
        elif k == n - 1:
            part = b
        else:
            part = level + first_extra if k == grace else level
            part = min(max(part, ZERO), b)
        b -= part
        rows.append(Installment(k + 1, due[k], days[k], part, interest, ZERO, part + interest, b, ZERO))
    return rows


def _bullet(terms: LoanTerms, p: Plan, posting: bool) -> list[Installment]:
    interest = terms.principal * p.num[0] / p.den[0]
    if posting:
        interest = terms.rounding(interest)
    total = terms.principal + interest
    return [Installment(1, p.due[0], p.days[0], terms.principal, interest, ZERO, total, ZERO, ZERO)]


def _residue_first(
    terms: LoanTerms,
    p: Plan,
    rows: list[Installment],
    level: Decimal | None,
    exact: Decimal | None,
) -> tuple[list[Installment], Decimal | None, Decimal | None]:
    """Move the residue the last row absorbed to the first repaying row (尾差放首期).

    The residue is measured on a first pass (last principal minus a regular row's principal) and
    added to the first repaying row's principal; interest then changes by at most a fen or two
    on later rows, which the last row absorbs.
    """
    last = rows[-1]
    if level is not None:
        regular = level - last.interest
    else:
        regular = rows[-2].principal if len(rows) > 1 else last.principal
    residue = last.principal - regular
    if not residue:
        return rows, level, exact
    new_rows, new_level, new_exact = _rows(terms, p, True, residue)
    return new_rows, new_level, new_exact


def _defer_interest(rows: list[Installment], periods: int) -> list[Installment]:
    """Interest of the first ``periods`` rows is deferred and collected with the next row (延付利息)."""
    out: list[Installment] = []
    deferred = ZERO
    for row in rows:
        if row.number <= periods:
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


def _posted_totals(terms: LoanTerms, rows: list[Installment], fees: bool) -> Totals:
    """Totals of posted rows; principal is the amount less the final balance (zero), by construction."""
    principal = terms.principal - rows[-1].balance
    interest = sum(map(_INTEREST, rows), ZERO)
    fee = sum(map(_FEE, rows), ZERO) if fees else ZERO
    return Totals(principal, interest, fee, principal + interest + fee)


def _sum(rows: list[Installment], fees: bool = True) -> Totals:
    principal = sum(map(_PRINCIPAL, rows), ZERO)
    interest = sum(map(_INTEREST, rows), ZERO)
    fee = sum(map(_FEE, rows), ZERO) if fees else ZERO
    return Totals(principal, interest, fee, principal + interest + fee)


_PRINCIPAL, _INTEREST, _FEE = itemgetter(3), itemgetter(4), itemgetter(5)  # Installment columns


def _display(rows: list[Installment], terms: LoanTerms) -> list[Installment]:
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
            Installment,
            (row[0], row[1], row[2], r(row[3]), r(row[4]), r(row[5]), r(row[6]), r(row[7]) + ZERO, r(row[8])),
        )
        for row in rows
    ]


def _display_totals(terms: LoanTerms, rows: list[Installment], exact: Totals) -> Totals:
    r = terms.rounding
    if terms.totals is TotalsStyle.exact:
        return Totals(r(exact.principal), r(exact.interest), r(exact.fee), r(exact.total))
    total = sum((row.total for row in rows), ZERO)
    fee = sum((row.fee for row in rows), ZERO)
    principal = terms.principal
    return Totals(principal, total - principal - fee, fee, total)
