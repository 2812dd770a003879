"""Prepayment (提前还款) and payoff quotes (结清试算).

A prepayment on date ``on`` comes after every installment due on or before it (they are taken as
paid). The borrower pays the principal prepaid, the interest accrued on the whole balance from the
last due date to ``on`` (actual days under the schedule's day count — Civil Code art. 677: interest
for the period actually used), any interest still deferred by an interest grace, and the penalty of
the product's policy. The rest of the loan is re-amortised from ``on``:

- ``keep-term`` (期限不变，月供减少): the same remaining due dates, a new installment;
- ``keep-installment`` (月供不变，期限缩短): the same installment, as few periods as needed (for
  equal principal: the same principal per period).

When ``on`` falls inside a period, the first remaining period runs from ``on`` to the next due date
and is charged by its actual days under the day count, whatever the loan's ``first_period`` rule
(that rule is for the loan's own first period). The penalty window counts installments due since
disbursement (``repaid_before`` carries those of earlier stretches). Prepaying zero changes
nothing: the remaining rows are the original ones (the original installment is kept).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal, Protocol

from loanfactory.calendar import FirstPeriod, Frequency, year_fraction_ratio
from loanfactory.conventions import InterestMode, RepaymentMethod, ScheduleStyle
from loanfactory.errors import InvalidInput
from loanfactory.money import CENT
from loanfactory.schedule._engine import build_schedule
from loanfactory.schedule._fees import charged_per_fee
from loanfactory.schedule._level import pmt
from loanfactory.schedule._result import Schedule, ScheduleRow, Totals
from loanfactory.schedule._terms import LoanTerms, ScheduleFee
from loanfactory.schedule.methods import method_of

ZERO = Decimal(0)
Reamortise = Literal["keep-term", "keep-installment"]


class PenaltyBand(Protocol):
    """One band of a prepayment penalty policy (``loanfactory.spec.PrepaymentPenalty`` fits)."""

    @property
    def until_period(self) -> int | None: ...
    @property
    def kind(self) -> str: ...  # "none" | "percent-of-prepaid" | "months-of-interest"
    @property
    def percent(self) -> Decimal | None: ...
    @property
    def months(self) -> int | None: ...
    @property
    def min(self) -> Decimal | None: ...
    @property
    def max(self) -> Decimal | None: ...


@dataclass(frozen=True, slots=True)
class Prepayment:
    """The result of a prepayment: what is paid on ``on`` and the re-amortised remainder.

    ``remaining`` is None when the loan is paid off; its installments are numbered from
    ``after + 1`` as in the original schedule.
    """

    on: date | None
    after: int
    principal: Decimal
    accrued_interest: Decimal
    deferred_interest: Decimal
    penalty: Decimal
    fee: Decimal
    total: Decimal
    balance_before: Decimal
    balance_after: Decimal
    remaining: Schedule | None


@dataclass(frozen=True, slots=True)
class Payoff:
    """What settles the loan on ``on`` (结清金额): principal + accrued interest + fees + penalty."""

    on: date | None
    principal: Decimal
    interest: Decimal
    fee: Decimal
    penalty: Decimal
    total: Decimal


def prepay(
    schedule: Schedule,
    amount: Decimal | None = None,
    *,
    on: date | None = None,
    after: int | None = None,
    reamortise: Reamortise = "keep-term",
    penalty: Sequence[PenaltyBand] = (),
    fee: Decimal = ZERO,
    repaid_before: int = 0,
) -> Prepayment:
    """Prepay ``amount`` of principal (None: all of it) on ``on``, or right after installment ``after``.

    ``penalty`` is the product's penalty bands (the first band whose ``until_period`` exceeds the
    installments due since disbursement applies); ``fee`` is a prepayment fee charged on top.
    ``repaid_before`` counts the installments due before the first row of ``schedule`` (when it is
    the re-amortised rest of a loan), so the penalty window runs from disbursement.
    """
    terms = schedule.terms
    if schedule.style is not ScheduleStyle.posting:
        schedule = build_schedule(terms)
    rows = schedule.installments
    k, accrued = _position(schedule, on, after)
    balance = rows[k - 1].balance if k else terms.principal
    deferred = rows[k - 1].deferred_interest if k else ZERO
    if amount is None:
        amount = balance
    if (
        not isinstance(amount, Decimal)
        or not amount.is_finite()
        or amount < 0
        or amount != amount.quantize(CENT)
    ):
        raise InvalidInput(
            "the prepaid amount must be a non-negative amount in yuan, at most 2 decimals",
            field="amount",
            message_zh="提前还款金额必须是非负金额（精确到分）",
        )
    if amount > balance:
        raise InvalidInput(
            f"the prepaid amount {amount} is above the balance {balance}",
            field="amount",
            message_zh=f"提前还款金额 {amount} 超过剩余本金 {balance}",
        )
    if reamortise not in ("keep-term", "keep-installment"):
        raise InvalidInput(f"unknown re-amortisation '{reamortise}'", field="reamortise")
    if amount == 0:  # nothing prepaid: nothing is due now and the rest of the schedule stands
        tail = _renumbered(schedule, 0, rows[k:])
        return Prepayment(on, k, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, balance, balance, tail)
    if isinstance(repaid_before, bool) or not isinstance(repaid_before, int) or repaid_before < 0:
        raise InvalidInput("repaid_before must be a whole number from 0", field="repaid_before")
    rate = _rate_on(terms, on) if on else terms.annual_rate
    charge = prepayment_penalty(penalty, amount, rate, repaid_before + k, terms)
    remaining = _remainder(schedule, k, on, balance - amount, reamortise) if amount < balance else None
    total = amount + accrued + deferred + charge + fee
    return Prepayment(
        on, k, amount, accrued, deferred, charge, fee, total, balance, balance - amount, remaining
    )


def payoff_quote(
    schedule: Schedule,
    on: date | None = None,
    *,
    after: int | None = None,
    penalty: Sequence[PenaltyBand] = (),
    fee: Decimal = ZERO,
    repaid_before: int = 0,
) -> Payoff:
    """The amount that settles the loan on ``on`` (or right after installment ``after``)."""
    result = prepay(schedule, None, on=on, after=after, penalty=penalty, fee=fee, repaid_before=repaid_before)
    interest = result.accrued_interest + result.deferred_interest
    return Payoff(on, result.principal, interest, result.fee, result.penalty, result.total)


def prepayment_penalty(
    bands: Sequence[PenaltyBand], amount: Decimal, annual_rate: Decimal, repaid: int, terms: LoanTerms
) -> Decimal:
    """The penalty (提前还款违约金) on prepaying ``amount`` after ``repaid`` installments."""
    band = next((b for b in bands if b.until_period is None or repaid < b.until_period), None)
    if band is None or band.kind == "none":
        return ZERO
    if band.kind == "percent-of-prepaid":
        value = amount * (band.percent or ZERO)
    elif band.kind == "months-of-interest":
        value = amount * annual_rate * (band.months or 0) / 12
    else:
        raise InvalidInput(f"unknown prepayment penalty kind '{band.kind}'", field="penalty.kind")
    value = terms.rounding(value)
    if band.min is not None and value < band.min:
        value = band.min
    if band.max is not None and value > band.max:
        value = band.max
    return min(value, amount) if band.kind == "percent-of-prepaid" else value


def _position(schedule: Schedule, on: date | None, after: int | None) -> tuple[int, Decimal]:
    """(installments repaid before the prepayment, interest accrued since the last due date)."""
    terms = schedule.terms
    rows = schedule.installments
    if (on is None) == (after is None):
        raise InvalidInput(
            "give either the prepayment date or the installment it follows",
            field="on",
            message_zh="请给出提前还款日期或其所在期次之一",
        )
    if after is not None:
        if isinstance(after, bool) or not isinstance(after, int) or not 0 <= after < len(rows):
            raise InvalidInput(f"after must be from 0 to {len(rows) - 1}", field="after")
        return after, ZERO
    assert on is not None
    if terms.start is None:
        raise InvalidInput(
            "a dated prepayment needs a schedule with dates",
            field="on",
            message_zh="按日期提前还款需要带日期的还款计划",
        )
    if on < terms.start:
        raise InvalidInput(
            f"{on} is before the start {terms.start}", field="on", message_zh=f"{on} 早于放款日 {terms.start}"
        )
    k = sum(1 for row in rows if row.due_date is not None and row.due_date <= on)
    if k >= len(rows):
        raise InvalidInput(
            f"{on} is on or after the maturity; nothing is left to prepay",
            field="on",
            message_zh=f"{on} 不早于到期日，没有可提前归还的本金",
        )
    since = rows[k - 1].due_date if k else terms.start
    assert since is not None
    balance = rows[k - 1].balance if k else terms.principal
    rate = _rate_on(terms, since)
    fraction = year_fraction_ratio(terms.day_count, since, on)
    accrued = terms.rounding(balance * rate * fraction.numerator / fraction.denominator)
    return k, accrued


def _rate_on(terms: LoanTerms, day: date) -> Decimal:
    rate = terms.annual_rate
    for change in terms.rate_changes:
        if change.on <= day:
            rate = change.annual
    return rate


def _remainder(
    schedule: Schedule, k: int, on: date | None, balance: Decimal, reamortise: Reamortise
) -> Schedule:
    """The schedule of what is left after installment ``k`` (and the prepayment)."""
    terms = schedule.terms
    rows = schedule.installments
    n_left = len(rows) - k
    next_due = rows[k].due_date
    start = on if on is not None else (rows[k - 1].due_date if k else terms.start)
    mid_period = on is not None and (on != (rows[k - 1].due_date if k else terms.start))
    changes: dict[str, object] = {
        "principal": balance,
        "term": n_left,
        "start": start,
        "first_due": next_due
        if start is not None and (mid_period or terms.first_due or terms.due_day)
        else None,
        "due_day": terms.anchor_day if start is not None and terms.frequency.months is not None else None,
        "grace_principal": max(0, terms.grace_principal - k),
        "grace_interest": 0,
        "fees": _remaining_fees(schedule, k),
        "rate_changes": tuple(c for c in terms.rate_changes if start is None or c.on > start),
        "annual_rate": _rate_on(terms, start) if start is not None else terms.annual_rate,
    }
    if mid_period:  # the stub from the prepayment to the next due date is charged by its actual days
        changes["first_period"] = FirstPeriod.actual_days
    method = method_of(terms.method)
    if method.remainder is not None:  # e.g. a stepped schedule keeps its steps in phase
        changes.update(method.remainder(terms, k, balance))
    if terms.method is RepaymentMethod.bullet:
        if not mid_period:
            changes = {"principal": balance}
        else:  # the rest of a bullet loan runs from the prepayment date to maturity, by actual days
            assert start is not None
            assert next_due is not None
            changes.update(
                term=(next_due - start).days,
                every=1,
                first_due=None,
                due_day=None,
                frequency=Frequency.daily,
                interest=InterestMode.daily,
            )
    elif reamortise == "keep-installment":
        grace_left = max(0, terms.grace_principal - k)
        changes.update(
            _shortened(terms, rows, k, balance, schedule.level_installment, n_left, start, grace_left)
        )
    remainder = build_schedule(terms.with_(**changes))
    return _renumbered(remainder, k)


def _shortened(
    terms: LoanTerms,
    rows: tuple[ScheduleRow, ...],
    k: int,
    balance: Decimal,
    level: Decimal | None,
    n_left: int,
    start: date | None,
    grace_left: int,
) -> dict[str, object]:
    """Keep the installment (or the principal per period), shorten the term (grace periods stay)."""
    if terms.method is RepaymentMethod.equal_principal:
        level = max((r.principal for r in rows[k:-1]), default=balance)
        periods = grace_left + (math.ceil(balance / level) if level > 0 else n_left)
        periods = max(grace_left + 1, min(n_left, periods))
        return {"term": periods, "principal_per_period": level if periods > grace_left + 1 else None}
    if level is None or level <= 0 or terms.method is not RepaymentMethod.annuity:
        return {}
    annual = _rate_on(terms, start) if start is not None else terms.annual_rate
    rate = annual * terms.every / terms.frequency.periods_per_year
    periods = n_left
    while periods - 1 > grace_left and pmt(balance, rate, periods - 1 - grace_left) <= level:
        periods -= 1
    return {"term": periods, "installment": level}


def _remaining_fees(schedule: Schedule, k: int) -> tuple[ScheduleFee, ...]:
    """Per-installment fees continue (with what is left of each total cap); upfront fees do not."""
    terms = schedule.terms
    charged = charged_per_fee(list(schedule.installments[:k]), terms)
    out = []
    for fee in terms.fees:
        if fee.timing != "per-installment":
            continue
        if fee.total_max is not None:
            fee = ScheduleFee(
                fee.name,
                fee.timing,
                fee.basis,
                fee.percent,
                fee.amount,
                fee.minimum,
                fee.maximum,
                max(ZERO, fee.total_max - charged.get(fee.name, ZERO)),
                fee.in_apr,
            )
        out.append(fee)
    return tuple(out)


def _renumbered(schedule: Schedule, offset: int, rows: tuple[ScheduleRow, ...] | None = None) -> Schedule:
    """The schedule with rows numbered from ``offset + 1`` (or the given rows, as they are)."""
    if rows is None:
        if not offset:
            return schedule
        rows = tuple(row._replace(number=row.number + offset) for row in schedule.installments)
    totals = Totals(
        sum((r.principal for r in rows), ZERO),
        sum((r.interest for r in rows), ZERO),
        sum((r.fee for r in rows), ZERO),
        sum((r.total for r in rows), ZERO),
    )
    return Schedule(
        schedule.terms,
        schedule.style,
        rows,
        totals,
        schedule.level_installment,
        schedule.exact_installment,
        schedule.upfront_fee,
        schedule.irregular_first_period,
        schedule.shortened_from,
    )
