"""From contract terms to the schedule engine, and the terms' own figures over time.

- :func:`schedule_terms` — the schedule engine's input (:class:`~loanfactory.schedule.LoanTerms`);
- :func:`contract_schedule` — the schedule of the contract, interest-free days waived;
- :func:`contract_apr` — the APR on the borrower's real cash flows under the contract;
- :func:`interest_free_amount` — the interest the interest-free days waive (by the day count),
  taken off the first installments' interest in order (:func:`interest_cuts`);
- :func:`repriced` — the terms with their LPR resets taken from a series (重定价);
- :func:`dated` — the terms moved to another value date (放款日不同于报价日).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from loanfactory.calendar import year_fraction_ratio
from loanfactory.conventions import RepaymentMethod, ScheduleStyle
from loanfactory.lpr import LprSeries
from loanfactory.money import ResiduePlacement
from loanfactory.schedule import (
    Apr,
    Balloon,
    FeeTimingName,
    LoanTerms,
    RateChange,
    Schedule,
    ScheduleFee,
    Totals,
    annual_percentage_rate,
    build_schedule,
    lpr_rate_changes,
)
from loanfactory.terms._values import ContractTerms, FeeTerms, RateReset, within

ZERO = Decimal(0)


def schedule_terms(terms: ContractTerms) -> LoanTerms:
    """The schedule engine's description of the loan (rate resets included)."""
    balloon = None
    if terms.method is RepaymentMethod.balloon:
        balloon = Balloon(final=terms.balloon_final, per_period=terms.balloon_per_period)
    dated = terms.start is not None
    return LoanTerms(
        principal=terms.amount,
        annual_rate=terms.rate.annual,
        term=terms.periods,
        method=terms.method,
        frequency=terms.frequency,
        start=terms.start,
        first_due=terms.first_due if dated else None,
        due_day=terms.due_day if dated else None,
        interest=terms.interest,
        day_count=terms.day_count,
        first_period=terms.first_period,
        rounding=terms.rounding.policy,
        installment_multiple=terms.rounding.installment_multiple,
        residue=ResiduePlacement(terms.rounding.residue),
        totals=terms.rounding.totals,
        grace_principal=terms.grace_principal,
        grace_interest=terms.grace_interest,
        balloon=balloon,
        step=terms.step,
        fees=tuple(f for f in map(schedule_fee, terms.fees) if f is not None),
        rate_changes=tuple(RateChange(r.on, r.annual) for r in terms.rate.resets) if dated else (),
    )


def schedule_fee(fee: FeeTerms) -> ScheduleFee | None:
    """The schedule's view of a fee: upfront (a fee on the disbursement event is upfront too) or
    with every installment; fees charged on other events are not in the schedule."""
    timing: FeeTimingName
    if fee.timing == "on-event":
        if fee.event != "disbursement":
            return None
        timing = "upfront"
    else:
        timing = fee.timing
    return ScheduleFee(
        name=fee.id,
        timing=timing,
        basis=fee.basis,
        percent=fee.percent,
        amount=fee.amount,
        minimum=fee.minimum,
        maximum=fee.maximum,
        total_max=fee.total_max,
        in_apr=fee.in_apr,
    )


def contract_schedule(terms: ContractTerms, style: ScheduleStyle = ScheduleStyle.posting) -> Schedule:
    """The loan's schedule under its contract: the engine's, with the interest of the
    interest-free days taken off the first installments."""
    schedule = build_schedule(schedule_terms(terms), style)
    free = interest_free_amount(terms)
    return waive_interest(schedule, free) if free else schedule


def contract_apr(terms: ContractTerms, schedule: Schedule | None = None) -> Apr:
    """The APR (PBOC 2021 No. 3) on the borrower's real cash flows under the contract: interest
    after the interest-free days, and every fee that counts in the APR. ``schedule`` is the
    contract's posting schedule when the caller has it already."""
    counted = tuple(f for f in terms.fees if f.in_apr or schedule_fee(f) is None)
    if counted != terms.fees:
        return annual_percentage_rate(contract_schedule(terms.evolve(fees=counted)))
    if schedule is None or schedule.style is not ScheduleStyle.posting:
        schedule = contract_schedule(terms)
    return annual_percentage_rate(schedule)


def interest_free_amount(terms: ContractTerms) -> Decimal:
    """The interest the interest-free days waive (免息金额): amount x contract rate x the days as a
    year fraction under the product's day count, rounded by the contract's policy."""
    days = terms.interest_free_days
    if not days or terms.start is None:
        return ZERO
    fraction = year_fraction_ratio(terms.day_count, terms.start, terms.start + timedelta(days=days))
    exact = terms.amount * terms.rate.annual * fraction.numerator / fraction.denominator
    return terms.rounding.policy(exact)


def interest_cuts(interest: Sequence[Decimal], amount: Decimal) -> list[Decimal]:
    """How much of an interest-free ``amount`` each interest figure takes, in order: the first
    installments' interest first, each at most its own interest (免息抵扣顺序)."""
    left = amount
    cuts = []
    for value in interest:
        cut = min(left, max(value, ZERO))
        left -= cut
        cuts.append(cut)
    return cuts


def waive_interest(schedule: Schedule, amount: Decimal) -> Schedule:
    """``schedule`` with ``amount`` of interest taken off its first installments (免息)."""
    cuts = interest_cuts([r.interest for r in schedule.installments], amount)
    rows = [
        row._replace(interest=row.interest - cut, total=row.total - cut) if cut else row
        for row, cut in zip(schedule.installments, cuts, strict=True)
    ]
    waived = sum(cuts, ZERO)
    t = schedule.totals
    totals = Totals(principal=t.principal, interest=t.interest - waived, fee=t.fee, total=t.total - waived)
    return replace(schedule, installments=tuple(rows), totals=totals)


def maturity(terms: ContractTerms) -> date | None:
    """The last due date (None without a start date)."""
    if terms.start is None:
        return None
    base = terms.evolve(rate=terms.rate.model_copy(update={"resets": ()}))
    last = build_schedule(schedule_terms(base)).installments[-1].due_date
    return last


def repriced(terms: ContractTerms, series: LprSeries) -> ContractTerms:
    """The terms with every LPR reset until maturity taken from ``series``: each repricing date's
    rate is the LPR in force that day plus the contract spread, held within floor and cap; dates
    after the last fixing assume it. Fixed-rate or undated terms are returned as they are."""
    rate = terms.rate
    if rate.tenor is None or rate.spread is None or terms.start is None:
        return terms
    fixed_on = rate.fixed_on or terms.start
    if not any(f.date > fixed_on for f in series.fixings):  # no later fixing: every reset keeps the rate
        return terms if not rate.resets else terms.evolve(rate=rate.model_copy(update={"resets": ()}))
    end = maturity(terms)
    assert end is not None
    spread, floor, cap = rate.spread, rate.floor, rate.cap

    def price(index: Decimal) -> Decimal:
        return within(index + spread, floor, cap)

    _, changes = lpr_rate_changes(
        series,
        rate.tenor,
        rate.repricing,
        terms.start,
        end,
        price,
        fixed_on=rate.fixed_on,
        initial=rate.annual,
    )
    resets = tuple(RateReset(on=c.on, annual=c.annual) for c in changes)
    if resets == rate.resets:
        return terms
    return terms.evolve(rate=rate.model_copy(update={"resets": resets}))


def dated(terms: ContractTerms, start: date, series: LprSeries) -> ContractTerms:
    """The terms of a loan whose value date is ``start`` (the rate fixed at signing stays; the
    repricing dates follow the new start)."""
    if terms.start == start:
        return terms
    first_due = terms.first_due if terms.first_due is not None and terms.first_due > start else None
    moved = terms.evolve(start=start, first_due=first_due, rate=terms.rate.model_copy(update={"resets": ()}))
    return repriced(moved, series)
