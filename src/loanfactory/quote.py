"""Quotes for a product (产品报价): the product's terms for an amount and term, its schedule, fees and APR.

The glue between the product language (:mod:`loanfactory.spec`) and the schedule engine
(:mod:`loanfactory.schedule`): :func:`terms_for` turns a :class:`~loanfactory.spec.ProductSpec`, an
amount, a term (in the product's unit) and optionally a method and dates into
:class:`~loanfactory.schedule.LoanTerms`; :func:`quote` adds the schedule, every fee and the APR.
Used by ``loanfactory schedule --product``, ``loanfactory quote`` and ``loanfactory lint``, and by
origination offers.

Floating (LPR) products are priced from the LPR in force on the start date — without a start date,
the latest fixing — and repriced by the product's rule; future repricing assumes the latest fixing.

With a :class:`~loanfactory.pricing.PricingDecision` (what the product's pricing rules decided)
the rate is the rule's rate, or the product's rate plus the rule's spread, held within the
product's floor and cap (:func:`with_rate`); a floating loan's later resets move by the same
adjustment.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from loanfactory.calendar import FirstPeriod, Frequency, advance
from loanfactory.conventions import RepaymentMethod, ScheduleStyle, TermUnit
from loanfactory.errors import InvalidInput, SpecError
from loanfactory.lpr import LprSeries
from loanfactory.money import ResiduePlacement
from loanfactory.pricing import PricingDecision
from loanfactory.schedule import (
    Apr,
    Balloon,
    LoanTerms,
    RateChange,
    Schedule,
    ScheduleFee,
    annual_percentage_rate,
    build_schedule,
    fees_by_name,
    lpr_rate_changes,
)
from loanfactory.schedule._terms import FeeBasisName, FeeTimingName
from loanfactory.spec import (
    Fee,
    FeeBasis,
    FeeEvent,
    FeeTiming,
    FixedRate,
    FloatingRate,
    ProductSpec,
    load_product,
)

_FEE_TIMING: dict[FeeTiming, FeeTimingName] = {
    FeeTiming.upfront: "upfront",
    FeeTiming.per_installment: "per-installment",
}
_FEE_BASIS: dict[FeeBasis, FeeBasisName] = {
    FeeBasis.amount: "amount",
    FeeBasis.balance: "balance",
    FeeBasis.installment: "installment",
}


@dataclass(frozen=True, slots=True)
class FeeLine:
    """One fee of a quote: its total over the loan and when it is charged."""

    name: str
    timing: str
    amount: Decimal
    in_apr: bool


@dataclass(frozen=True, slots=True)
class Quote:
    """A priced offer (报价): terms, schedule, fees and APR of a product for an amount and term."""

    product: ProductSpec
    amount: Decimal
    term: int
    terms: LoanTerms
    schedule: Schedule
    fees: tuple[FeeLine, ...]
    apr: Apr

    @property
    def total_cost(self) -> Decimal:
        """Interest plus every fee (综合融资成本, yuan)."""
        return self.schedule.totals.interest + sum((f.amount for f in self.fees), Decimal(0))


def terms_for(
    product: ProductSpec,
    amount: Decimal,
    term: int,
    *,
    method: RepaymentMethod | None = None,
    start: date | None = None,
    first_due: date | None = None,
    lpr: LprSeries | None = None,
    pricing: PricingDecision | None = None,
) -> LoanTerms:
    """The loan terms of ``product`` for ``amount`` and ``term`` (in the product's term unit),
    priced by ``pricing`` when given (:func:`with_rate`).

    Raises :class:`InvalidInput` (field ``amount``, ``term`` or ``method``) when the product does
    not allow them.
    """
    _check_allowed(product, amount, term, method)
    repayment = product.repayment
    chosen = method or repayment.method
    frequency, periods = _periods(product, term, chosen)
    annual, changes = _rate(product, amount, term, frequency, periods, start, lpr)
    rounding = repayment.rounding
    multiple = rounding.installment_multiple if rounding.installment_multiple != rounding.unit else None
    balloon = None
    if chosen is RepaymentMethod.balloon and repayment.balloon is not None:
        balloon = Balloon(
            final=repayment.balloon.final_percent, per_period=repayment.balloon.principal_percent_per_period
        )
    single = chosen is RepaymentMethod.bullet
    terms = LoanTerms(
        principal=amount,
        annual_rate=annual,
        term=periods,
        method=chosen,
        frequency=frequency,
        start=start,
        first_due=None if single else first_due,
        due_day=repayment.due_day
        if start is not None and frequency.months is not None and not single
        else None,
        interest=repayment.interest,
        day_count=repayment.day_count,
        first_period=FirstPeriod(repayment.first_period.value),  # spec keeps its own copy of the enum
        rounding=rounding.policy,
        installment_multiple=multiple,
        residue=ResiduePlacement(rounding.residue.value),
        totals=rounding.totals,
        grace_principal=0 if single else repayment.grace.principal_periods,
        grace_interest=0 if single else repayment.grace.interest_periods,
        balloon=balloon,
        fees=tuple(f for f in (_schedule_fee(fee) for fee in product.fees) if f is not None),
        rate_changes=changes,
    )
    if pricing is None:
        return terms
    return with_rate(product, terms, pricing.applied_to(terms.annual_rate))


def bounded(product: ProductSpec, rate: Decimal) -> Decimal:
    """``rate`` held within the product's floor and cap."""
    if product.rate.floor is not None:
        rate = max(rate, product.rate.floor)
    if product.rate.cap is not None:
        rate = min(rate, product.rate.cap)
    return rate


def with_rate(product: ProductSpec, terms: LoanTerms, rate: Decimal) -> LoanTerms:
    """``terms`` (the product's own) at ``rate`` held within the product's floor and cap; a
    floating loan's later resets move by the same adjustment, each held within the bounds."""
    adjustment = bounded(product, rate) - terms.annual_rate
    if not adjustment:
        return terms
    changes = tuple(replace(c, annual=bounded(product, c.annual + adjustment)) for c in terms.rate_changes)
    return terms.with_(annual_rate=bounded(product, terms.annual_rate + adjustment), rate_changes=changes)


def quote(
    product: ProductSpec,
    amount: Decimal,
    term: int,
    *,
    method: RepaymentMethod | None = None,
    start: date | None = None,
    first_due: date | None = None,
    lpr: LprSeries | None = None,
    style: ScheduleStyle = ScheduleStyle.posting,
    pricing: PricingDecision | None = None,
) -> Quote:
    """Schedule, fees and APR of ``product`` for ``amount`` and ``term`` (priced by ``pricing``)."""
    terms = terms_for(
        product, amount, term, method=method, start=start, first_due=first_due, lpr=lpr, pricing=pricing
    )
    schedule = build_schedule(terms, style)
    totals = fees_by_name(schedule)
    lines = tuple(FeeLine(f.name, f.timing, totals.get(f.name, Decimal(0)), f.in_apr) for f in terms.fees)
    return Quote(product, amount, term, terms, schedule, lines, annual_percentage_rate(schedule))


def quote_product(
    path: Path | str,
    *,
    amount: Decimal,
    term: int,
    method: RepaymentMethod | None = None,
    start: date | None = None,
    first_due: date | None = None,
    lpr: LprSeries | None = None,
    style: ScheduleStyle = ScheduleStyle.posting,
) -> Quote:
    """Load a product file and quote it; raises SpecError listing the file's problems."""
    spec, diagnostics = load_product(path)
    if spec is None:
        raise SpecError(diagnostics=[d for d in diagnostics if d.severity == "error"])
    return quote(spec, amount, term, method=method, start=start, first_due=first_due, lpr=lpr, style=style)


def _check_allowed(product: ProductSpec, amount: Decimal, term: int, method: RepaymentMethod | None) -> None:
    limits = product.amount
    if not limits.allows(amount):
        raise InvalidInput(
            f"amount {amount} is not allowed by {product.code}: "
            f"{limits.min} to {limits.max} in steps of {limits.step}",
            field="amount",
            message_zh=f"金额 {amount} 不在产品 {product.code} 的范围内"
            f"（{limits.min}–{limits.max}，步长 {limits.step}）",
        )
    if not product.term.allows(term):
        allowed = ", ".join(str(t) for t in product.term.values()[:12])
        raise InvalidInput(
            f"term {term} {product.term.unit} is not allowed by {product.code} (allowed: {allowed})",
            field="term",
            message_zh=f"期限 {term} 不在产品 {product.code} 的可选期限内（{allowed}）",
        )
    if method is not None and method not in product.repayment.methods:
        allowed = ", ".join(str(m) for m in product.repayment.methods)
        raise InvalidInput(
            f"method {method} is not offered by {product.code} (offered: {allowed})",
            field="method",
            message_zh=f"产品 {product.code} 不提供还款方式 {method}（可选：{allowed}）",
        )


def _periods(product: ProductSpec, term: int, method: RepaymentMethod) -> tuple[Frequency, int]:
    """(frequency, number of installments) for a term in the product's unit."""
    frequency = product.repayment.frequency
    if product.term.unit is TermUnit.days:
        if frequency.days is None:  # a day-term bullet loan: one period of ``term`` days
            if method is not RepaymentMethod.bullet:
                raise InvalidInput(
                    f"a term in days needs a bullet loan or a day-based frequency, not {frequency}",
                    field="term",
                )
            return Frequency.daily, term
        return frequency, max(1, term // frequency.days)
    months = frequency.months
    if months is None:
        raise InvalidInput(
            f"a term in months needs a monthly-or-longer frequency, not {frequency}", field="term"
        )
    return frequency, max(1, term // months)


def _rate(
    product: ProductSpec,
    amount: Decimal,
    term: int,
    frequency: Frequency,
    periods: int,
    start: date | None,
    lpr: LprSeries | None,
) -> tuple[Decimal, tuple[RateChange, ...]]:
    rate = product.rate
    if isinstance(rate, FixedRate):
        return rate.annual_rate(term, amount), ()
    assert isinstance(rate, FloatingRate)
    series = lpr or LprSeries.default()

    def price(index: Decimal) -> Decimal:
        return rate.annual_rate_on(index, term, amount)

    if start is None:
        return price(series.latest.rate(rate.tenor)), ()
    maturity = advance(start, frequency, periods)
    return lpr_rate_changes(series, rate.tenor, str(rate.repricing), start, maturity, price)


def _schedule_fee(fee: Fee) -> ScheduleFee | None:
    """The schedule's view of a product fee; fees charged on other events are not in the schedule."""
    timing: FeeTimingName | None = _FEE_TIMING.get(fee.timing)
    if timing is None:
        if fee.timing is FeeTiming.on_event and fee.event is FeeEvent.disbursement:
            timing = "upfront"
        else:
            return None
    return ScheduleFee(
        name=fee.id,
        timing=timing,
        basis=_FEE_BASIS[fee.basis] if fee.amount is None else "amount",
        percent=fee.percent,
        amount=fee.amount,
        minimum=fee.min,
        maximum=fee.max,
        total_max=fee.total_max,
        in_apr=fee.in_apr,
    )


__all__ = ["FeeLine", "Quote", "bounded", "quote", "quote_product", "terms_for", "with_rate"]
