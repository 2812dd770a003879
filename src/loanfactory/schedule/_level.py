"""The level-installment engine (等额类): rows of every method whose installment is set and whose
principal is the installment less the interest — annuity, flat, balloon with a final lump, step.

A method gives a :class:`LevelRule`: the exact installment from a period on a balance (one amount,
or one per remaining period for a stepped schedule) and whether interest is on the balance or on
the original principal. The rows are built in segments of one rate (a rate change recomputes the
installment from the balance over the remaining periods). Rows with a special rule — the
principal grace, an irregular first period, the row that takes a moved residue, the last row — go
through ``_special_row``; the rest through a tight loop (``_bulk_fast`` for posting at one
per-period rate, ``_bulk_general`` for daily factors, a fixed base, stepped installments or the
display style).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise, repeat

from loanfactory.conventions import InterestMode
from loanfactory.money import quantize
from loanfactory.schedule._periods import Plan
from loanfactory.schedule._result import ScheduleRow, payoff_index
from loanfactory.schedule._terms import LoanTerms, too_small
from loanfactory.schedule.methods._method import Built

ZERO = Decimal(0)
ONE = Decimal(1)
_new_row = tuple.__new__  # ScheduleRow(...) minus a Python-level call: rows are built on a hot path


@dataclass(frozen=True, slots=True)
class LevelRule:
    """How a level method finds its installment.

    ``amount(terms, plan, k, balance)`` is the exact installment from period ``k`` (0-based) on
    ``balance``: one amount for every remaining period, or a list with one per period ``k..n-1``
    (a stepped schedule). ``on_original``: interest on the original principal (flat).
    """

    amount: Callable[[LoanTerms, Plan, int, Decimal], Decimal | list[Decimal]]
    on_original: bool = False


def level_rows(
    terms: LoanTerms,
    p: Plan,
    posting: bool,
    first_extra: Decimal,
    override: Decimal | None,
    rule: LevelRule,
) -> Built:
    """The rows of a level method under ``rule`` (see the module docstring)."""
    n, grace = terms.term, terms.grace_principal
    rounder = _Rounder(terms, posting)
    fixed = rule.on_original
    regular_first = p.irregular_first and terms.interest is InterestMode.per_period
    principal = terms.principal
    num, den, due, days = p.num, p.den, p.due, p.days
    rows: list[ScheduleRow] = []
    b = principal
    for k in range(grace):
        interest = rounder(principal * num[k] / den[k])
        rows.append(_new_row(ScheduleRow, (k + 1, due[k], days[k], ZERO, interest, ZERO, interest, b, ZERO)))
    level: Decimal | None = None
    exact: Decimal | None = None
    scheduled: list[tuple[int, Decimal | list[Decimal]]] = []  # (first row, its installment[s])
    for lo, hi in _segments(terms, p):
        found = terms.installment if terms.installment is not None else rule.amount(terms, p, lo, b)
        if isinstance(found, list):
            dues = [_installment(terms, posting, a) for a in found]
            nothing = next((t for t, due in enumerate(dues[: n - 1 - lo]) if due <= 0), None)
            if posting and nothing is not None:
                raise too_small(terms, lo + nothing + 1)
            if level is None:
                level, exact = dues[0], found[0]
            b = _stepped(rows, terms, p, lo, hi, b, dues, rounder, first_extra, regular_first, fixed)
            scheduled.append((lo, dues))
            continue
        if override is not None and level is None:
            installment = override
        else:
            installment = _installment(terms, posting, found)
            if posting and installment <= 0 and lo < n - 1:
                raise too_small(terms, lo + 1)
        if level is None:
            level, exact = installment, found
        scheduled.append((lo, installment))
        k = lo
        while k < hi and (k == n - 1 or (k == 0 and regular_first) or (k == grace and first_extra)):
            b = _special_row(rows, terms, p, k, b, installment, rounder, first_extra, regular_first, fixed)
            k += 1
        stop = min(hi, n - 1)
        if k < stop:
            first_interest = rounder(b * p.num[k] / p.den[k])  # the largest of a one-rate segment
            general = fixed or terms.interest is InterestMode.daily or not rounder.fast
            if general or installment < first_interest:
                dues_here = repeat(installment, stop - k)
                b = _bulk_general(rows, p, k, stop, b, dues_here, rounder, principal if fixed else None)
            else:
                b = _bulk_fast(rows, p, k, stop, b, installment, rounder)
        if hi == n and len(rows) < n:
            b = _special_row(
                rows, terms, p, n - 1, b, installment, rounder, first_extra, regular_first, fixed
            )
    return Built(rows, level, exact, _residue(rows, grace, scheduled))


def _residue(
    rows: list[ScheduleRow], grace: int, scheduled: list[tuple[int, Decimal | list[Decimal]]]
) -> Decimal | None:
    """How far the row that repays the loan is from its scheduled installment (None: no row to
    move a residue to)."""
    last = payoff_index(rows)
    if last <= grace:
        return None
    lo, due = next((lo, due) for lo, due in reversed(scheduled) if lo <= last)
    return rows[last].total - (due[last - lo] if isinstance(due, list) else due)


def _installment(terms: LoanTerms, posting: bool, exact: Decimal) -> Decimal:
    """A due installment: exact in the display style, rounded to the installment unit when posting
    (a fixed installment is kept as given)."""
    if not posting or terms.installment is not None:
        return exact
    return quantize(exact, terms.installment_unit, terms.rounding.mode)


class _Rounder:
    """Rounds to the policy in the posting style; leaves values exact in the display style."""

    __slots__ = ("fast", "mode", "policy", "posting", "unit")

    def __init__(self, terms: LoanTerms, posting: bool) -> None:
        self.posting = posting
        self.policy = terms.rounding
        self.unit = terms.rounding.unit
        self.mode = terms.rounding.mode.decimal_rounding
        self.fast = posting and self.unit.as_tuple().digits == (1,)

    def __call__(self, value: Decimal) -> Decimal:
        if not self.posting:
            return value
        if self.fast:
            return value.quantize(self.unit, self.mode)
        return self.policy(value)


def _segments(terms: LoanTerms, p: Plan) -> list[tuple[int, int]]:
    """Ranges of amortising rows with one per-period rate (a rate change starts a new one)."""
    n, start = terms.term, terms.grace_principal
    if not terms.rate_changes:
        return [(start, n)]
    reg = p.regular_num
    cuts = [start, *(k for k in range(start + 1, n) if reg[k] != reg[k - 1]), n]
    return list(pairwise(cuts))


def _special_row(
    rows: list[ScheduleRow],
    terms: LoanTerms,
    p: Plan,
    k: int,
    b: Decimal,
    installment: Decimal,
    rounder: _Rounder,
    first_extra: Decimal,
    regular_first: bool,
    fixed: bool,
) -> Decimal:
    base = terms.principal if fixed else b
    interest = rounder(base * p.num[k] / p.den[k])
    if k == terms.term - 1:
        part = b
    else:
        if k == 0 and regular_first:  # irregular first period: the principal of a regular one (G18)
            part = installment - rounder(base * p.regular_num[0] / p.ppy)
            if rounder.posting and part <= 0 and not interest and terms.grace_principal == 0:
                raise too_small(terms, 1)  # a short first period of nothing: too small to round
        else:
            part = installment - interest
        if k == terms.grace_principal:
            part += first_extra
        part = min(max(part, ZERO), b)
    b -= part
    rows.append(
        _new_row(ScheduleRow, (k + 1, p.due[k], p.days[k], part, interest, ZERO, part + interest, b, ZERO))
    )
    return b


def _stepped(
    rows: list[ScheduleRow],
    terms: LoanTerms,
    p: Plan,
    lo: int,
    hi: int,
    b: Decimal,
    dues: list[Decimal],
    rounder: _Rounder,
    first_extra: Decimal,
    regular_first: bool,
    fixed: bool,
) -> Decimal:
    """Rows ``lo..hi-1`` whose installments differ period by period (``dues[k - lo]``)."""
    n, grace = terms.term, terms.grace_principal
    k = lo
    while k < hi:
        if k == n - 1 or (k == 0 and regular_first) or (k == grace and first_extra):
            b = _special_row(rows, terms, p, k, b, dues[k - lo], rounder, first_extra, regular_first, fixed)
            k += 1
            continue
        stop = k + 1
        while stop < min(hi, n - 1) and not (stop == grace and first_extra):
            stop += 1
        b = _bulk_general(
            rows, p, k, stop, b, dues[k - lo : stop - lo], rounder, terms.principal if fixed else None
        )
        k = stop
    return b


def _bulk_fast(
    rows: list[ScheduleRow], p: Plan, lo: int, hi: int, b: Decimal, installment: Decimal, rounder: _Rounder
) -> Decimal:
    """Posting rows at one per-period rate, interest on the balance: the hot loop.

    Only the Decimal arithmetic runs in Python; the rows are assembled afterwards by ``map`` and
    ``zip`` in C, which halves the cost of a 360-row schedule.
    """
    rate, per_year = p.num[lo], Decimal(p.den[lo])
    unit, mode = rounder.unit, rounder.mode
    interests: list[Decimal] = []
    parts: list[Decimal] = []
    balances: list[Decimal] = []
    clamped: list[int] = []  # rows whose principal was kept within 0..balance (rare)
    add_interest, add_part, add_balance = interests.append, parts.append, balances.append
    # the caller checked that the installment covers the first (largest) interest of the segment,
    # so principal is never negative here; it can only overshoot the balance near the end
    for k in range(lo, hi):
        interest = (b * rate / per_year).quantize(unit, mode)
        part = installment - interest
        if part > b:
            part = b
            clamped.append(k - lo)
        b -= part
        add_interest(interest)
        add_part(part)
        add_balance(b)
    first = len(rows)
    rows.extend(
        map(
            _new_row,
            repeat(ScheduleRow),
            zip(
                range(lo + 1, hi + 1),
                p.due[lo:hi],
                p.days[lo:hi],
                parts,
                interests,
                repeat(ZERO),
                repeat(installment),
                balances,
                repeat(ZERO),
            ),
        )
    )
    for i in clamped:
        row = rows[first + i]
        rows[first + i] = row._replace(total=row.principal + row.interest)
    return b


def _bulk_general(
    rows: list[ScheduleRow],
    p: Plan,
    lo: int,
    hi: int,
    b: Decimal,
    dues: Sequence[Decimal] | repeat[Decimal],
    rounder: _Rounder,
    fixed_base: Decimal | None,
) -> Decimal:
    """Rows whose interest factor varies by period (daily interest), on a fixed base (flat), with an
    installment per period (stepped), or exact (display)."""
    num, den, due, days = p.num, p.den, p.due, p.days
    append = rows.append
    unit, mode, fast, posting = rounder.unit, rounder.mode, rounder.fast, rounder.posting
    for k, installment in zip(range(lo, hi), dues, strict=False):  # dues may be endless
        interest = (b if fixed_base is None else fixed_base) * num[k] / den[k]
        if fast:
            interest = interest.quantize(unit, mode)
        elif posting:
            interest = rounder(interest)
        part = installment - interest
        if part > b or part < ZERO:
            part = min(max(part, ZERO), b)
        b -= part
        append(
            _new_row(ScheduleRow, (k + 1, due[k], days[k], part, interest, ZERO, part + interest, b, ZERO))
        )
    return b


def pmt(balance: Decimal, rate: Decimal, periods: int, final: Decimal = ZERO) -> Decimal:
    """The exact level payment that repays ``balance`` over ``periods`` at ``rate`` per period,
    leaving ``final`` (a balloon) to be paid with the last installment: 等额本息月供."""
    if periods <= 0:
        raise ValueError("periods must be positive")
    if rate == 0:
        return (balance - final) / periods
    growth = (ONE + rate) ** periods
    return (balance * growth - final) * rate / (growth - ONE)


def pmt_actual(balance: Decimal, final: Decimal, num: list[Decimal], den: list[int]) -> Decimal:
    """The level payment that amortises exactly under the actual period rates (Fineract progressive)."""
    discount = ONE
    annuity = ZERO
    for a, d in zip(num, den, strict=True):
        discount /= ONE + a / d
        annuity += discount
    return (balance - final * discount) / annuity
