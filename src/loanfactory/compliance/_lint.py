"""The APR lint (合规检查): a product's worst-case APR against the cap of a regulatory profile.

For each product the APR (PBOC 2021 No. 3, fees included) is computed for every allowed term and
method at the amounts where it can peak — the smallest and largest amounts, the edges of rate-table
bands and the amounts where a percentage fee reaches its minimum or maximum — using the rate in
force at the product's effective date (for LPR products, the LPR fixing of that day). The highest
APR must stay at or below the profile's cap on that date. When the profile says penalties share
the cap, the overdue cost — penalty rate (contract rate x (1 + uplift)) plus the fees' share of
the APR — must stay under it as well. A product's own ``compliance.apr_limit`` is checked too.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from loanfactory.compliance._caps import CapProfile
from loanfactory.conventions import RepaymentMethod
from loanfactory.document import Document
from loanfactory.errors import Diagnostic, LoanfactoryError
from loanfactory.lpr import LprSeries
from loanfactory.money import format_rate
from loanfactory.quote import quote
from loanfactory.schedule import RateChange
from loanfactory.spec import ProductSpec


@dataclass(frozen=True, slots=True)
class WorstCase:
    """The highest APR a product can charge, and where (金额、期限、还款方式)."""

    apr: Decimal
    nominal_rate: Decimal
    amount: Decimal
    term: int
    method: RepaymentMethod
    overdue_cost: Decimal  # penalty rate + the fees' share of the APR, at its own worst case

    @property
    def fee_cost(self) -> Decimal:
        return self.apr - self.nominal_rate


def worst_case_apr(product: ProductSpec, lpr: LprSeries | None = None) -> WorstCase:
    """The product's highest APR over its allowed amounts, terms and methods (at its effective date).

    Raises LoanfactoryError when a combination cannot be quoted.
    """
    start = product.effective.from_
    uplift = product.penalty.uplift
    worst: WorstCase | None = None
    overdue = Decimal(0)
    for method in product.repayment.methods:
        for term in product.term.values():
            for amount in candidate_amounts(product):
                q = quote(product, amount, term, method=method, start=start, lpr=lpr)
                apr = q.apr.nominal
                rate = _max_rate(q.terms.annual_rate, q.terms.rate_changes)
                overdue = max(overdue, rate * (1 + uplift) + max(Decimal(0), apr - q.terms.annual_rate))
                if worst is None or apr > worst.apr:
                    worst = WorstCase(apr, q.terms.annual_rate, amount, term, method, Decimal(0))
    if worst is None:
        raise LoanfactoryError(f"product {product.code} allows no term", field="term")
    return WorstCase(worst.apr, worst.nominal_rate, worst.amount, worst.term, worst.method, overdue)


def candidate_amounts(product: ProductSpec) -> list[Decimal]:
    """The allowed amounts where the APR can peak, snapped to the product's step."""
    limits = product.amount
    raw: set[Decimal] = {limits.min, limits.max}
    for band in getattr(product.rate, "table", ()):
        raw.update(x for x in (band.amount_min, band.amount_max) if x is not None)
    for fee in product.fees:
        if fee.percent:
            raw.update(bound / fee.percent for bound in (fee.min, fee.max) if bound is not None)
    out: set[Decimal] = set()
    for value in raw:
        if not limits.min <= value <= limits.max:
            continue
        steps = (value - limits.min) / limits.step
        for snapped in (steps.to_integral_value(ROUND_FLOOR), steps.to_integral_value(ROUND_CEILING)):
            amount = limits.min + snapped * limits.step
            if limits.min <= amount <= limits.max:
                out.add(amount)
    return sorted(out)


def lint_product(
    product: ProductSpec,
    profile: CapProfile,
    *,
    document: Document | None = None,
    file: str | None = None,
    lpr: LprSeries | None = None,
) -> list[Diagnostic]:
    """Diagnostics of ``product`` against ``profile`` (located in ``document`` when given)."""
    day = product.effective.from_
    place = _placer(document, file)
    try:
        limit, cap = profile.limit_on(day, lpr)
    except LoanfactoryError as exc:
        return [place(("effective", "from"), "no-cap", exc.message, exc.message_zh or exc.message)]
    try:
        worst = worst_case_apr(product, lpr)
    except LoanfactoryError as exc:
        return [
            place(
                ("rate",),
                "quote-failed",
                f"cannot compute the APR: {exc}",
                f"无法计算年化利率：{exc.localized('zh')}",
            )
        ]
    where = f"(amount {worst.amount}, term {worst.term}, {worst.method})"
    where_zh = f"（金额 {worst.amount}，期限 {worst.term}，{worst.method}）"
    out: list[Diagnostic] = []
    if worst.apr > limit:
        path = ("rate",) if worst.nominal_rate > limit else ("fees",)
        out.append(
            place(
                path,
                "apr-above-cap",
                f"worst-case APR {_pct(worst.apr)} {where} is above the {profile.id} cap of {_pct(limit)} "
                f"on {day} — {cap.describe('en')}",
                f"最高年化利率 {_pct(worst.apr)}{where_zh}超过 {profile.name_zh or profile.id} "
                f"在 {day} 的上限 {_pct(limit)}——{cap.describe('zh')}",
            )
        )
    if profile.penalties_share_cap and worst.overdue_cost > limit:
        out.append(
            place(
                ("penalty", "uplift"),
                "overdue-cost-above-cap",
                f"penalty rate plus fees reach {_pct(worst.overdue_cost)} a year, above the {profile.id} "
                f"cap of {_pct(limit)} shared by overdue interest, penalties and fees — {cap.describe('en')}",
                f"罚息利率加费用达到年化 {_pct(worst.overdue_cost)}，"
                f"超过逾期利息、罚息与费用共同适用的上限 "
                f"{_pct(limit)}——{cap.describe('zh')}",
            )
        )
    own = product.compliance.apr_limit
    if own is not None and worst.apr > own:
        out.append(
            place(
                ("compliance", "apr_limit"),
                "apr-above-limit",
                f"worst-case APR {_pct(worst.apr)} {where} is above the product's own apr_limit {_pct(own)}",
                f"最高年化利率 {_pct(worst.apr)}{where_zh}超过产品自设的上限 {_pct(own)}",
            )
        )
    return out


def _max_rate(initial: Decimal, changes: tuple[RateChange, ...]) -> Decimal:
    return max([initial, *(c.annual for c in changes)])


def _pct(rate: Decimal) -> str:
    return format_rate(rate.quantize(Decimal("0.0001")), 2)


class _Placer:
    def __init__(self, document: Document | None, file: str | None) -> None:
        self.document, self.file = document, file

    def __call__(self, path: tuple[str | int, ...], code: str, message: str, message_zh: str) -> Diagnostic:
        if self.document is not None:
            return self.document.diagnostic(path, code, message, message_zh=message_zh)
        return Diagnostic(
            code, message, file=self.file, path=".".join(str(p) for p in path), message_zh=message_zh
        )


def _placer(document: Document | None, file: str | None) -> _Placer:
    return _Placer(document, file)
