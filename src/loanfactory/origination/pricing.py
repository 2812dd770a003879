"""Pricing (定价): the product's rate, the grade spread, campaign coupons, floor and cap, APR cap.

The rate is built in steps, each kept as a :class:`~loanfactory.origination.offer.RateComponent`:

1. base — the product's fixed rate for the term and amount, or the LPR in force on the start date
   plus the product's spread (``quote.terms_for`` builds it, with the product's repricing);
2. the pricing rules — their absolute rate, or the spread they add for the applicant's grade
   (signed; :class:`~loanfactory.pricing.PricingDecision`);
3. campaign — a coupon's discount in basis points;
4. floor and cap — the product's bounds (a coupon cannot push the rate below the floor).

The schedule is built at that rate (a floating loan's later resets move by the same adjustment),
interest-free days waive the interest of the first days (from the first installments), and the
APR is computed on the borrower's real cash flows. The APR must not exceed the product's internal
ceiling nor the legal cap of its compliance profile on the start date; an offer that would is
refused, with the cap and its legal basis as the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from loanfactory.compliance import CapProfile
from loanfactory.conventions import RepaymentMethod, ScheduleStyle
from loanfactory.lpr import LprSeries
from loanfactory.money import CENT, ZERO, format_rate
from loanfactory.origination._values import Reason
from loanfactory.origination.campaign import Coupon
from loanfactory.origination.offer import OfferFee, RateComponent
from loanfactory.pricing import PricingDecision
from loanfactory.quote import bounded, terms_for, with_rate
from loanfactory.schedule import (
    Apr,
    Installment,
    LoanTerms,
    Schedule,
    Totals,
    annual_percentage_rate,
    build_schedule,
    fees_by_name,
)
from loanfactory.spec import FixedRate, FloatingRate, ProductSpec

CapSource = Callable[[str], CapProfile]
"""Finds a compliance profile by name (the service caches ``loanfactory.compliance.load_profile``)."""


@dataclass
class Priced:
    """A priced loan: rate and how it was built, schedule, fees, APR, subsidy, compliance."""

    annual_rate: Decimal
    components: list[RateComponent]
    schedule: Schedule
    fees: tuple[OfferFee, ...]
    apr: Apr
    subsidy: Decimal
    cap: Decimal
    cap_basis: str
    cap_basis_zh: str
    reasons: list[Reason] = field(default_factory=list)  # why the rate differs from what was asked
    refusals: list[Reason] = field(default_factory=list)  # why it cannot be offered (APR above a cap)

    @property
    def periods(self) -> int:
        return len(self.schedule.installments)


def _component(name: str, value: Decimal, note: str = "") -> RateComponent:
    return RateComponent(name=name, value=value, note=note)


def _base(
    spec: ProductSpec, terms: LoanTerms, amount: Decimal, term: int, lpr: LprSeries, start: date
) -> list[RateComponent]:
    if isinstance(spec.rate, FixedRate):
        return [_component("fixed", terms.annual_rate, "product rate for this term and amount")]
    assert isinstance(spec.rate, FloatingRate)
    index = lpr.rate(spec.rate.tenor, start)
    spread = spec.rate.spread_for(term, amount)
    parts = [
        _component(f"lpr-{spec.rate.tenor.value}", index, f"LPR in force on {start.isoformat()}"),
        _component("product-spread", spread),
    ]
    held = terms.annual_rate - (index + spread)
    if held:
        parts.append(_component("floor" if held > 0 else "cap", held, "held within the product's bounds"))
    return parts


def waive_interest(schedule: Schedule, amount: Decimal) -> Schedule:
    """``schedule`` with ``amount`` of interest taken off its first installments (免息)."""
    left = amount
    rows: list[Installment] = []
    for row in schedule.installments:
        cut = min(left, row.interest)
        left -= cut
        rows.append(row._replace(interest=row.interest - cut, total=row.total - cut) if cut else row)
    waived = amount - left
    t = schedule.totals
    totals = Totals(principal=t.principal, interest=t.interest - waived, fee=t.fee, total=t.total - waived)
    return replace(schedule, installments=tuple(rows), totals=totals)


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
    terms = terms_for(spec, amount, term, method=method, start=start, lpr=lpr)
    components = _base(spec, terms, amount, term, lpr, start)
    reasons: list[Reason] = []
    wanted = pricing.applied_to(terms.annual_rate)
    if pricing.rate is not None:
        note = f"{pricing.describe()}, from the pricing rules"
        components.append(_component("rule-rate", wanted - terms.annual_rate, note))
    elif pricing.spread:
        components.append(_component("grade-spread", pricing.spread, "from the product's pricing rules"))
    discount = coupon.rate_discount if coupon is not None else ZERO
    if discount:
        components.append(_component("campaign", -discount, f"coupon {coupon.id}" if coupon else ""))
    rate = bounded(spec, wanted - discount)
    if rate != wanted - discount:
        components.append(
            _component(
                "floor" if rate > wanted - discount else "cap",
                rate - (wanted - discount),
                "held within the product's bounds",
            )
        )
        reasons.append(
            Reason(
                code="pricing.bounded",
                rule="pricing",
                en=f"the rate is held at the product's bound {format_rate(rate)}",
                zh=f"利率按产品上下限执行 {format_rate(rate)}",
            )
        )
    final = with_rate(spec, terms, rate)
    schedule = build_schedule(final, ScheduleStyle.posting)
    subsidy = ZERO
    if discount:
        before = build_schedule(with_rate(spec, terms, wanted))
        subsidy = max(before.totals.interest - schedule.totals.interest, ZERO)
    if coupon is not None and coupon.interest_free_days:
        free = (amount * rate * coupon.interest_free_days / 360).quantize(CENT, rounding=ROUND_HALF_UP)
        schedule = waive_interest(schedule, free)
        subsidy += free
        reasons.append(
            Reason(
                code="pricing.interest-free",
                rule="campaign",
                en=f"{coupon.interest_free_days} interest-free days from coupon {coupon.id}",
                zh=f"优惠券 {coupon.id} 免息 {coupon.interest_free_days} 天",
            )
        )
    apr = annual_percentage_rate(_for_apr(schedule))
    totals = fees_by_name(schedule)
    fees = tuple(
        OfferFee(
            id=f.name,
            kind=next((x.kind.value for x in spec.fees if x.id == f.name), "other"),
            amount=totals.get(f.name, ZERO).quantize(CENT),
            timing=f.timing,
        )
        for f in final.fees
    )
    cap, basis, basis_zh = _ceiling(spec, start, lpr, caps)
    priced = Priced(
        annual_rate=rate,
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
            Reason(
                code="compliance.apr-above-cap",
                rule="compliance",
                en=f"the APR {format_rate(apr.nominal, 2)} would exceed the ceiling "
                f"{format_rate(cap, 2)} ({basis})",
                zh=f"年化利率 {format_rate(apr.nominal, 2)} 将超过上限 {format_rate(cap, 2)}（{basis_zh}）",
            )
        )
    return priced


def _for_apr(schedule: Schedule) -> Schedule:
    """The schedule whose cash flows the APR is taken on (fees not counted in the APR left out)."""
    counted = tuple(f for f in schedule.terms.fees if f.in_apr)
    if counted == schedule.terms.fees:
        return schedule
    waived = schedule.totals.interest
    rebuilt = build_schedule(schedule.terms.with_(fees=counted), ScheduleStyle.posting)
    return waive_interest(rebuilt, rebuilt.totals.interest - waived)


def _ceiling(spec: ProductSpec, day: date, lpr: LprSeries, caps: CapSource) -> tuple[Decimal, str, str]:
    legal, cap = caps(spec.compliance.profile).limit_on(day, lpr)
    internal = spec.compliance.apr_limit
    if internal is not None and internal < legal:
        return internal, f"the APR limit of product {spec.code}", f"产品 {spec.code} 的年化利率上限"
    return legal, cap.describe("en"), cap.describe("zh")
