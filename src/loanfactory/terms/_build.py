"""The one translation from a product to a loan's contract terms (产品 → 合同条款).

:func:`contract_terms` takes the product spec, the pricing rules' answer
(:class:`~loanfactory.pricing.PricingDecision`), the customer's choices (amount, term, method,
start and first due date), a coupon (:class:`Concession`: a rate discount and interest-free
days) and the LPR series, and returns :class:`~loanfactory.terms.ContractTerms`. Quotes, offers,
contracts, booking, end of day, prepayment, payoff and penalty all start from it.

The rate is built in this order: the product's rate for the term and amount (a fixed rate from
its table, or the LPR in force on the start date plus the product's spread); the decision (an
absolute ``rate``, or a signed ``spread`` added); the coupon's discount; the product's floor and
cap. A floating loan keeps the result as a spread over the LPR, so every later reset moves by the
same adjustment and is held within the same floor and cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel

from loanfactory.calendar import Frequency
from loanfactory.conventions import RepaymentMethod, TermUnit
from loanfactory.errors import InvalidInput
from loanfactory.lpr import LprSeries
from loanfactory.pricing import PricingDecision
from loanfactory.spec import Fee, FixedRate, FloatingRate, ProductSpec
from loanfactory.terms._schedule import repriced
from loanfactory.terms._values import (
    AllocationPolicy,
    ContractTerms,
    FeeTerms,
    PenaltyTerms,
    PrepaymentBand,
    PrepaymentTerms,
    RateTerms,
    RoundingTerms,
    within,
)

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Concession:
    """What a coupon gives (优惠): a rate discount (a fraction, 50 bp = 0.005) and interest-free days."""

    rate_discount: Decimal = ZERO
    interest_free_days: int = 0
    id: str | None = None

    def __post_init__(self) -> None:
        if not self.rate_discount.is_finite() or self.rate_discount < 0:
            raise InvalidInput(
                "a rate discount must be zero or positive",
                field="rate_discount",
                message_zh="利率折扣不能为负",
            )
        if self.interest_free_days < 0:
            raise InvalidInput(
                "interest-free days must not be negative",
                field="interest_free_days",
                message_zh="免息天数不能为负",
            )


def contract_terms(
    product: ProductSpec,
    amount: Decimal,
    term: int,
    *,
    method: RepaymentMethod | None = None,
    start: date | None = None,
    first_due: date | None = None,
    pricing: PricingDecision | None = None,
    concession: Concession | None = None,
    lpr: LprSeries | None = None,
    allocation: AllocationPolicy | None = None,
) -> ContractTerms:
    """The contract terms of ``product`` for ``amount`` and ``term`` (in the product's term unit).

    Raises :class:`InvalidInput` (field ``amount``, ``term``, ``method``, ``rate``) when the product
    does not allow the choice or the decided rate is not a rate.
    """
    check_allowed(product, amount, term, method)
    repayment = product.repayment
    chosen = method or repayment.method
    frequency, periods = periods_of(product, term, chosen)
    single = chosen is RepaymentMethod.bullet
    rounding = repayment.rounding
    balloon = repayment.balloon if chosen is RepaymentMethod.balloon else None
    concession = concession or Concession()
    series = lpr or LprSeries.default()
    if concession.interest_free_days and start is None:
        raise InvalidInput(
            "interest-free days need the start date", field="start", message_zh="免息天数需要起息日"
        )
    terms = ContractTerms(
        product_code=product.code,
        product_version=product.version,
        amount=amount,
        term=term,
        term_unit=product.term.unit,
        method=chosen,
        periods=periods,
        frequency=frequency,
        start=start,
        first_due=None if single else first_due,
        due_day=repayment.due_day if frequency.months is not None and not single else None,
        interest=repayment.interest,
        day_count=repayment.day_count,
        first_period=repayment.first_period,
        rounding=trusted(
            RoundingTerms,
            mode=rounding.mode,
            unit=rounding.unit,
            installment_multiple=None
            if rounding.installment_multiple == rounding.unit
            else rounding.installment_multiple,
            residue=rounding.residue,
            totals=rounding.totals,
        ),
        grace_principal=0 if single else repayment.grace.principal_periods,
        grace_interest=0 if single else repayment.grace.interest_periods,
        balloon_final=balloon.final_percent if balloon is not None else None,
        balloon_per_period=balloon.principal_percent_per_period if balloon is not None else None,
        step=repayment.terms_settings(chosen).get("step"),
        rate=_rate(
            product, amount, term, start, pricing or PricingDecision(), concession.rate_discount, series
        ),
        fees=tuple(_fee(f) for f in product.fees),
        interest_free_days=concession.interest_free_days,
        concession=concession.id,
        penalty=_penalty(product),
        prepayment=_prepayment(product),
        allocation=allocation or DEFAULT_ALLOCATION,
    )
    return repriced(terms, series) if terms.rate.floating and start is not None else terms


DEFAULT_ALLOCATION = AllocationPolicy()
V = TypeVar("V", bound=BaseModel)


def trusted(model: type[V], **values: Any) -> V:
    """A part of the terms made of a validated product spec's values, built without validating
    them again (the spec's loader did; quotes and offers build terms on a hot path)."""
    return model.model_construct(**values)


def product_rate(
    product: ProductSpec, amount: Decimal, term: int, on: date | None, lpr: LprSeries
) -> Decimal:
    """The product's own rate for ``term`` and ``amount`` before bounds: its fixed rate, or the LPR
    in force on ``on`` (the latest fixing without a date) plus its spread."""
    rate = product.rate
    if isinstance(rate, FixedRate):
        return rate.annual_rate(term, amount)
    assert isinstance(rate, FloatingRate)
    return lpr_on(lpr, rate, on) + rate.spread_for(term, amount)


def lpr_on(lpr: LprSeries, rate: FloatingRate, on: date | None) -> Decimal:
    """The LPR of the product's tenor in force on ``on`` (the latest fixing without a date)."""
    return lpr.rate(rate.tenor, on) if on is not None else lpr.latest.rate(rate.tenor)


def _rate(
    product: ProductSpec,
    amount: Decimal,
    term: int,
    start: date | None,
    pricing: PricingDecision,
    discount: Decimal,
    lpr: LprSeries,
) -> RateTerms:
    spec = product.rate
    wanted = pricing.applied_to(product_rate(product, amount, term, start, lpr)) - discount
    annual = _checked(within(wanted, spec.floor, spec.cap))
    if isinstance(spec, FixedRate):
        return RateTerms(annual=annual, floor=spec.floor, cap=spec.cap)
    assert isinstance(spec, FloatingRate)
    index = lpr_on(lpr, spec, start)
    return RateTerms(
        annual=annual,
        tenor=spec.tenor,
        spread=wanted - index,
        floor=spec.floor,
        cap=spec.cap,
        repricing=spec.repricing.value,
        fixed_on=start if start is not None else lpr.latest.date,
    )


def _checked(rate: Decimal) -> Decimal:
    if rate < 0:
        raise InvalidInput(
            f"the decided rate {rate} is negative", field="rate", message_zh=f"定价结果利率 {rate} 为负数"
        )
    return rate


def check_allowed(product: ProductSpec, amount: Decimal, term: int, method: RepaymentMethod | None) -> None:
    """Raise :class:`InvalidInput` when ``product`` does not offer ``amount``, ``term`` or ``method``."""
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


def periods_of(product: ProductSpec, term: int, method: RepaymentMethod) -> tuple[Frequency, int]:
    """(frequency, number of installments) of a term in the product's unit. A term in days is
    counted in periods of a day-based frequency; a bullet loan with a term in days runs that many
    daily periods (一次还本付息按天计)."""
    frequency = product.repayment.frequency
    if product.term.unit is TermUnit.days:
        if method is RepaymentMethod.bullet:
            return Frequency.daily, term
        if frequency.days is None:
            raise InvalidInput(
                f"a term in days needs a bullet loan or a day-based frequency, not {frequency}",
                field="term",
                message_zh=f"按天计的期限需要到期一次还本付息或按天的还款频率，而不是 {frequency}",
            )
        return frequency, max(1, term // frequency.days)
    months = frequency.months
    if months is None:
        raise InvalidInput(
            f"a term in months needs a monthly-or-longer frequency, not {frequency}",
            field="term",
            message_zh=f"按月计的期限需要按月或更长的还款频率，而不是 {frequency}",
        )
    return frequency, max(1, term // months)


def _fee(fee: Fee) -> FeeTerms:
    return trusted(
        FeeTerms,
        id=fee.id,
        kind=fee.kind.value,
        timing=fee.timing.value,
        event=fee.event.value if fee.event is not None else None,
        basis="amount" if fee.amount is not None else fee.basis.value,
        percent=fee.percent,
        amount=fee.amount,
        minimum=fee.min,
        maximum=fee.max,
        total_max=fee.total_max,
        in_apr=fee.in_apr,
    )


def _penalty(product: ProductSpec) -> PenaltyTerms:
    p = product.penalty
    return trusted(
        PenaltyTerms,
        uplift=p.uplift,
        compound=p.compound,
        day_basis=365 if p.day_basis == 365 else 360,
        grace_days=p.grace_days,
        grace_waives=p.grace_waives,
    )


def _prepayment(product: ProductSpec) -> PrepaymentTerms:
    p = product.prepayment
    return trusted(
        PrepaymentTerms,
        allowed=p.allowed,
        allowed_after_periods=p.allowed_after_periods,
        min_amount=p.min_amount,
        notice_days=p.notice_days,
        penalty=tuple(
            trusted(
                PrepaymentBand,
                until_period=b.until_period,
                kind=b.kind.value,
                percent=b.percent,
                months=b.months,
                min=b.min,
                max=b.max,
            )
            for b in p.penalty
        ),
        reamortisation=tuple(r.value for r in p.reamortisation),
    )
