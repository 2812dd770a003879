"""Pricing (定价): the offer's contract terms from the product, the pricing decision and a coupon.

The terms come from the one builder (:func:`loanfactory.terms.contract_terms`), with the pricing
rules' answer (:class:`~loanfactory.pricing.PricingDecision`: an absolute ``rate``, or a signed
``spread`` on the product's rate) and the coupon. The rate is built in steps, each kept as a
:class:`~loanfactory.origination._offer.RateComponent`:

1. base — the product's fixed rate for the term and amount, or the LPR in force on the start date
   plus the product's spread;
2. decision — what the product's pricing rules decided: the difference to the rate they set
   (``rule-rate``), or their spread (``grade-spread``);
3. campaign — a coupon's discount in basis points;
4. floor and cap — the product's bounds (a coupon cannot push the rate below the floor).

A floating loan keeps the result as a spread over the LPR, so its later resets move by the same
adjustment. Interest-free days waive the interest of the first days (by the product's day count)
from the first installments, and the APR is computed on the borrower's real cash flows. The APR
must not exceed the product's internal ceiling nor the legal cap of its compliance profile on the
start date; an offer that would is refused, with the cap and its legal basis as the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from loanfactory.compliance import CapProfile
from loanfactory.conventions import RepaymentMethod
from loanfactory.lpr import LprSeries
from loanfactory.money import CENT, ZERO, format_rate
from loanfactory.origination._campaign import Coupon
from loanfactory.origination._offer import OfferFee, RateComponent
from loanfactory.origination._values import StepReason
from loanfactory.pricing import PricingDecision
from loanfactory.product import base_rate
from loanfactory.schedule import Apr, Schedule, fees_by_name
from loanfactory.spec import ProductSpec
from loanfactory.terms import (
    Concession,
    ContractTerms,
    contract_apr,
    contract_schedule,
    contract_terms,
    interest_free_amount,
)

CapSource = Callable[[str], CapProfile]
"""Finds a compliance profile by name (the service caches ``loanfactory.compliance.load_profile``)."""


@dataclass
class Priced:
    """A priced loan: contract terms and how the rate was built, schedule, fees, APR, subsidy, caps."""

    terms: ContractTerms
    components: list[RateComponent]
    schedule: Schedule
    fees: tuple[OfferFee, ...]
    apr: Apr
    subsidy: Decimal
    cap: Decimal
    cap_basis: str
    cap_basis_zh: str
    reasons: list[StepReason] = field(default_factory=list)  # why the rate differs from what was asked
    refusals: list[StepReason] = field(default_factory=list)  # why it cannot be offered (APR above a cap)

    @property
    def annual_rate(self) -> Decimal:
        return self.terms.annual_rate

    @property
    def periods(self) -> int:
        return len(self.schedule.installments)


def concession_of(coupon: Coupon | None) -> Concession | None:
    """What a coupon gives, as the terms builder takes it."""
    if coupon is None:
        return None
    return Concession(
        rate_discount=coupon.rate_discount, interest_free_days=coupon.interest_free_days, id=coupon.id
    )


def price(
    spec: ProductSpec,
    amount: Decimal,
    term: int,
    *,
    method: RepaymentMethod,
    start: date,
    lpr: LprSeries,
    pricing: PricingDecision,
    coupon: Coupon | None,
    caps: CapSource,
) -> Priced:
    """The offer's terms, schedule, fees and APR, or the refusal when the APR breaks a cap."""
    concession = concession_of(coupon)
    terms = contract_terms(
        spec, amount, term, method=method, start=start, pricing=pricing, concession=concession, lpr=lpr
    )
    schedule = contract_schedule(terms)
    components, reasons = _components(spec, terms, amount, term, start, lpr, pricing, coupon)
    subsidy = ZERO
    if concession is not None and concession.rate_discount:
        undiscounted = contract_terms(
            spec, amount, term, method=method, start=start, pricing=pricing, lpr=lpr
        )
        before = contract_schedule(undiscounted).totals.interest
        after = schedule.totals.interest + interest_free_amount(terms)
        subsidy = max(before - after, ZERO)
    if coupon is not None and terms.interest_free_days:
        subsidy += interest_free_amount(terms)
        reasons.append(
            StepReason(
                code="pricing.interest-free",
                rule="campaign",
                en=f"{coupon.interest_free_days} interest-free days from coupon {coupon.id}",
                zh=f"优惠券 {coupon.id} 免息 {coupon.interest_free_days} 天",
            )
        )
    apr = contract_apr(terms, schedule)
    totals = fees_by_name(schedule)
    fees = tuple(
        OfferFee(
            id=f.name,
            kind=_kind(terms, f.name),
            amount=totals.get(f.name, ZERO).quantize(CENT),
            timing=f.timing,
        )
        for f in schedule.terms.fees
    )
    cap, basis, basis_zh = _ceiling(spec, start, lpr, caps)
    priced = Priced(
        terms=terms,
        components=components,
        schedule=schedule,
        fees=fees,
        apr=apr,
        subsidy=subsidy.quantize(CENT),
        cap=cap,
        cap_basis=basis,
        cap_basis_zh=basis_zh,
        reasons=reasons,
    )
    if apr.nominal > cap:
        priced.refusals.append(
            StepReason(
                code="compliance.apr-above-cap",
                rule="compliance",
                en=f"the APR {format_rate(apr.nominal, 2)} would exceed the ceiling "
                f"{format_rate(cap, 2)} ({basis})",
                zh=f"年化利率 {format_rate(apr.nominal, 2)} 将超过上限 {format_rate(cap, 2)}（{basis_zh}）",
            )
        )
    return priced


def _components(
    spec: ProductSpec,
    terms: ContractTerms,
    amount: Decimal,
    term: int,
    start: date,
    lpr: LprSeries,
    pricing: PricingDecision,
    coupon: Coupon | None,
) -> tuple[list[RateComponent], list[StepReason]]:
    """How the rate was built, step by step (they add up to the contract rate)."""
    base, steps = base_rate(spec, term, amount, lpr, start)
    notes = {"fixed": "product rate for this term and amount", "product-spread": ""}
    parts = [
        RateComponent(name=name, value=value, note=notes.get(name, f"LPR in force on {start.isoformat()}"))
        for name, value in steps
    ]
    rule = f" ({pricing.rule})" if pricing.rule else ""
    if pricing.rate is not None:
        parts.append(
            RateComponent(
                name="rule-rate",
                value=pricing.rate - base,
                note=f"{pricing.describe()}, from the pricing rules{rule}",
            )
        )
    elif pricing.spread:
        parts.append(
            RateComponent(
                name="grade-spread", value=pricing.spread, note=f"from the product's pricing rules{rule}"
            )
        )
    wanted = pricing.applied_to(base)
    if coupon is not None and coupon.rate_discount:
        parts.append(RateComponent(name="campaign", value=-coupon.rate_discount, note=f"coupon {coupon.id}"))
        wanted -= coupon.rate_discount
    reasons: list[StepReason] = []
    held = terms.annual_rate - wanted
    if held:
        parts.append(
            RateComponent(
                name="floor" if held > 0 else "cap", value=held, note="held within the product's bounds"
            )
        )
        reasons.append(
            StepReason(
                code="pricing.bounded",
                rule="pricing",
                en=f"the rate is held at the product's bound {format_rate(terms.annual_rate)}",
                zh=f"利率按产品上下限执行 {format_rate(terms.annual_rate)}",
            )
        )
    return parts, reasons


def _kind(terms: ContractTerms, fee_id: str) -> str:
    return next((f.kind for f in terms.fees if f.id == fee_id), "other")


def _ceiling(spec: ProductSpec, day: date, lpr: LprSeries, caps: CapSource) -> tuple[Decimal, str, str]:
    legal, cap = caps(spec.compliance.profile).limit_on(day, lpr)
    internal = spec.compliance.apr_limit
    if internal is not None and internal < legal:
        return internal, f"the APR limit of product {spec.code}", f"产品 {spec.code} 的年化利率上限"
    return legal, cap.describe("en"), cap.describe("zh")
