"""Product query, comparison and recommendation (产品查询、对比与推荐) — the read side.

* :func:`find_products` filters the catalog by amount, term, rate, purpose, channel and segment,
  keeping only products on sale on the day;
* :func:`compare` quotes up to N products for the same amount and term side by side: rate, APR,
  first payment, total interest, fees and total cost (products that cannot lend that amount or
  term say why);
* :func:`recommend` ranks the products a customer may apply for against a stated need: products
  the customer is not eligible for (segment, channel, purpose, amount, term, or the product's
  eligibility rules) are listed last with the reason; eligible ones are ranked by whether they
  lend the whole amount, then by APR.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from loanfactory.conventions import RepaymentMethod
from loanfactory.errors import InvalidInput, LoanfactoryError
from loanfactory.lpr import LprSeries
from loanfactory.money import ZERO, Money, format_money, format_rate
from loanfactory.origination._values import StepReason
from loanfactory.product import base_rate
from loanfactory.quote import quote
from loanfactory.spec import LoanPurpose, ProductSpec, SalesChannel, Segment


class ProductFilter(BaseModel):
    """What a customer or an adviser is looking for (产品筛选条件); every field optional."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: Money | None = None
    term: Annotated[int | None, Field(gt=0)] = None
    max_rate: Annotated[Decimal | None, Field(gt=0, lt=1, description="Highest annual rate, a fraction")] = (
        None
    )
    purpose: LoanPurpose | None = None
    channel: SalesChannel | None = None
    segment: Segment | None = None


class ProductSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    name_zh: str
    name_en: str | None
    min_amount: Decimal
    max_amount: Decimal
    terms: tuple[int, ...]
    term_unit: str
    rate_type: str  # fixed or floating
    annual_rate: Decimal  # for the filter's amount and term (else the product's headline rate)
    methods: tuple[str, ...]
    guarantee: tuple[str, ...]


def _rate_for(
    spec: ProductSpec, amount: Decimal | None, term: int | None, lpr: LprSeries, day: date
) -> Decimal:
    return base_rate(spec, term or spec.term.shortest, amount or spec.amount.min, lpr, day)[0]


def find_products(
    specs: Mapping[str, ProductSpec], wanted: ProductFilter, day: date, lpr: LprSeries
) -> list[ProductSummary]:
    """Products on sale on ``day`` that match every given criterion, cheapest first."""
    found = []
    for spec in specs.values():
        if not spec.is_sellable(day):
            continue
        if wanted.amount is not None and not spec.amount.min <= wanted.amount <= spec.amount.max:
            continue
        if wanted.term is not None and not spec.term.allows(wanted.term):
            continue
        if wanted.purpose is not None and wanted.purpose not in spec.purposes:
            continue
        if wanted.channel is not None and wanted.channel not in spec.channels:
            continue
        if wanted.segment is not None and wanted.segment not in spec.segments:
            continue
        rate = _rate_for(spec, wanted.amount, wanted.term, lpr, day)
        if wanted.max_rate is not None and rate > wanted.max_rate:
            continue
        found.append(
            ProductSummary(
                code=spec.code,
                name_zh=spec.name.zh,
                name_en=spec.name.en,
                min_amount=spec.amount.min,
                max_amount=spec.amount.max,
                terms=spec.term.values(),
                term_unit=spec.term.unit.value,
                rate_type=spec.rate.type,
                annual_rate=rate,
                methods=tuple(m.value for m in spec.repayment.methods),
                guarantee=tuple(g.value for g in spec.guarantee.types),
            )
        )
    return sorted(found, key=lambda p: (p.annual_rate, p.code))


class ComparisonRow(BaseModel):
    """One product in a side-by-side comparison (产品对比)."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    available: bool
    why_not: str | None = None
    method: str | None = None
    annual_rate: Decimal | None = None
    apr: Decimal | None = None
    first_payment: Decimal | None = None
    total_interest: Decimal | None = None
    total_fees: Decimal | None = None
    total_cost: Decimal | None = None  # interest + fees (综合融资成本)
    periods: int | None = None


def compare(
    specs: Mapping[str, ProductSpec],
    codes: Sequence[str],
    *,
    amount: Decimal,
    term: int,
    day: date,
    lpr: LprSeries,
    limit: int,
    lang: str = "zh",
) -> list[ComparisonRow]:
    """The products ``codes`` quoted for the same amount and term, in the order given."""
    if not codes:
        raise InvalidInput(
            "name at least one product to compare", field="codes", message_zh="请至少选择一个产品"
        )
    if len(codes) > limit:
        raise InvalidInput(
            f"compare at most {limit} products at a time",
            field="codes",
            message_zh=f"一次最多对比 {limit} 个产品",
        )
    rows = []
    for code in dict.fromkeys(codes):
        spec = specs.get(code)
        if spec is None:
            rows.append(
                ComparisonRow(
                    code=code,
                    name=code,
                    available=False,
                    why_not="unknown product" if lang == "en" else "没有该产品",
                )
            )
            continue
        rows.append(_quote_row(spec, amount, term, day, lpr, lang))
    return rows


def _quote_row(
    spec: ProductSpec, amount: Decimal, term: int, day: date, lpr: LprSeries, lang: str
) -> ComparisonRow:
    name = spec.name.text(lang)
    if not spec.is_sellable(day):
        return ComparisonRow(
            code=spec.code,
            name=name,
            available=False,
            why_not="not on sale" if lang == "en" else "当前不在售",
        )
    try:
        q = quote(spec, amount, term, start=day, lpr=lpr)
    except LoanfactoryError as exc:
        return ComparisonRow(
            code=spec.code, name=name, available=False, why_not=exc.localized("zh" if lang == "zh" else "en")
        )
    fees = sum((f.amount for f in q.fees), ZERO)
    return ComparisonRow(
        code=spec.code,
        name=name,
        available=True,
        method=q.terms.method.value,
        annual_rate=q.terms.annual_rate,
        apr=q.apr.nominal.quantize(Decimal("1e-6")),
        first_payment=q.schedule.installments[0].total,
        total_interest=q.schedule.totals.interest,
        total_fees=fees,
        total_cost=q.schedule.totals.interest + fees,
        periods=len(q.schedule.installments),
    )


class Need(BaseModel):
    """A customer's stated need (贷款需求)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: Money
    term: Annotated[int, Field(gt=0)]
    purpose: LoanPurpose
    channel: SalesChannel
    method: RepaymentMethod | None = None


class Recommendation(BaseModel):
    """One product recommended (or not) for a customer, with the reasons (产品推荐)."""

    model_config = ConfigDict(frozen=True)

    rank: int
    code: str
    name: str
    eligible: bool
    full_amount: bool = False  # lends the whole amount asked for
    amount: Decimal | None = None  # what may be asked of this product (within its range)
    annual_rate: Decimal | None = None
    apr: Decimal | None = None
    first_payment: Decimal | None = None
    reasons: tuple[StepReason, ...] = ()


Screen = Callable[[ProductSpec, Need], tuple[StepReason, ...]]
"""The product's own eligibility rules for this customer: the reasons it refuses, or none."""


def _static_reasons(spec: ProductSpec, segment: Segment, need: Need, day: date) -> list[StepReason]:
    out = []

    def no(code: str, en: str, zh: str) -> None:
        out.append(StepReason(code=f"recommend.{code}", en=en, zh=zh, rule="catalog"))

    if not spec.is_sellable(day):
        no("not-on-sale", "not on sale", "当前不在售")
    if segment not in spec.segments:
        no("segment", f"not offered to {segment.value} customers", "不面向该类客户")
    if need.purpose not in spec.purposes:
        no("purpose", f"does not lend for {need.purpose.value}", "不支持该贷款用途")
    if need.channel not in spec.channels:
        no("channel", f"not sold through {need.channel.value}", "不在该渠道销售")
    if not spec.term.allows(need.term):
        no("term", f"no {need.term}-{spec.term.unit.value} term", f"没有 {need.term} 期的期限")
    if need.amount < spec.amount.min:
        no(
            "amount",
            f"lends from {format_money(spec.amount.min)}",
            f"最低贷款金额 {format_money(spec.amount.min)}",
        )
    if need.method is not None and need.method not in spec.repayment.methods:
        no("method", f"not repaid by {need.method.value}", "不支持该还款方式")
    return out


def recommend(
    specs: Mapping[str, ProductSpec],
    segment: Segment,
    need: Need,
    *,
    day: date,
    lpr: LprSeries,
    screen: Screen,
    lang: str = "zh",
) -> list[Recommendation]:
    """Every product, eligible ones first: whole amount first, then the lowest APR."""
    eligible: list[Recommendation] = []
    others: list[Recommendation] = []
    for spec in specs.values():
        name = spec.name.text(lang)
        reasons = _static_reasons(spec, segment, need, day)
        if not reasons:
            reasons += screen(spec, need)
        if reasons:
            others.append(
                Recommendation(rank=0, code=spec.code, name=name, eligible=False, reasons=tuple(reasons))
            )
            continue
        amount = min(need.amount, spec.amount.max)
        amount = spec.amount.min + (amount - spec.amount.min) // spec.amount.step * spec.amount.step
        q = quote(spec, amount, need.term, method=need.method, start=day, lpr=lpr)
        full = amount >= need.amount
        note = (
            StepReason(
                code="recommend.fits",
                rule="catalog",
                en="lends the whole amount for the term asked",
                zh="可满足全部金额和期限",
            )
            if full
            else StepReason(
                code="recommend.partial",
                rule="catalog",
                en=f"lends at most {format_money(amount)}",
                zh=f"最高可贷 {format_money(amount)}",
            )
        )
        eligible.append(
            Recommendation(
                rank=0,
                code=spec.code,
                name=name,
                eligible=True,
                full_amount=full,
                amount=amount,
                annual_rate=q.terms.annual_rate,
                apr=q.apr.nominal.quantize(Decimal("1e-6")),
                first_payment=q.schedule.installments[0].total,
                reasons=(
                    note,
                    StepReason(
                        code="recommend.apr",
                        rule="catalog",
                        en=f"APR {format_rate(q.apr.nominal, 2)}",
                        zh=f"年化利率 {format_rate(q.apr.nominal, 2)}",
                    ),
                ),
            )
        )
    eligible.sort(key=lambda r: (not r.full_amount, r.apr, r.code))
    ranked = [r.model_copy(update={"rank": i}) for i, r in enumerate(eligible, 1)]
    return ranked + sorted(others, key=lambda r: r.code)
