"""The APR lint (合规检查): a product's true worst-case APR against its caps.

For each product the highest APR any borrower can be offered (PBOC 2021 No. 3, fees included) is
found over every reachable pricing outcome of its rules (:mod:`loanfactory.rate_card`: every grade
the scoring step can give, every row and default of the pricing rules, outputs under conditions no
enumeration reaches), every allowed term and method, and the amounts where the APR can peak — each
priced by the loan-terms builder the offer uses, on the product's effective date (for LPR
products, the fixing of that day). That APR, and the path that reaches it, must stay at or below
the profile's cap on that date and the product's own ``compliance.apr_limit``. When the profile
says penalties share the cap, the overdue cost — a year of penalty interest on overdue principal
at the contract rate × (1 + uplift), plus compound interest (复利) at the same rate on a year's
unpaid interest when the product charges it, plus the fees' share of the APR — must stay under it
as well.

:func:`lint` gives the worst case with the diagnostics, so that every product's figure can be
shown, passing or not; :func:`lint_product` gives the diagnostics only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from loanfactory.compliance._caps import CapProfile
from loanfactory.conventions import RepaymentMethod
from loanfactory.document import Document
from loanfactory.errors import Diagnostic, LoanfactoryError, Severity
from loanfactory.lpr import LprSeries
from loanfactory.money import format_rate
from loanfactory.product import Product
from loanfactory.quote import quote
from loanfactory.rate_card import PricingCase, candidate_amounts, pricing_cases
from loanfactory.schedule import penalty_interest
from loanfactory.spec import ProductSpec

YEAR_PRINCIPAL = Decimal(1_000_000)
"""The principal a year of overdue cost is computed on (large enough that the fen rounding of the
penalty function does not show in the rate)."""


@dataclass(frozen=True, slots=True)
class WorstCase:
    """The highest APR a product can charge, and where (评级/定价、期限、金额、还款方式)."""

    apr: Decimal
    nominal_rate: Decimal
    amount: Decimal
    term: int
    method: RepaymentMethod
    overdue_cost: Decimal  # penalty + compound interest + the fees' share of the APR, at its worst
    path: str = "product rate"
    overdue_path: str = ""
    day: date | None = None

    @property
    def fee_cost(self) -> Decimal:
        return max(self.apr - self.nominal_rate, Decimal(0))

    def describe(self, lang: str = "en") -> str:
        """The path to the worst case in one phrase: pricing, term, amount and method."""
        if lang == "zh":
            return f"{self.path}，期限 {self.term}，金额 {self.amount}，{self.method}"
        return f"{self.path}, term {self.term}, amount {self.amount}, {self.method}"


@dataclass(frozen=True, slots=True)
class LintResult:
    """A product's worst case (None when it could not be computed) and what is wrong with it."""

    product: str
    worst: WorstCase | None
    limit: Decimal | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)


def worst_case_apr(product: Product | ProductSpec, lpr: LprSeries | None = None) -> WorstCase:
    """The product's highest APR over its reachable pricing, terms, amounts and methods, on its
    effective date. A bare spec is priced at its own rate (no rules).

    Raises LoanfactoryError when a combination cannot be quoted.
    """
    executable = product if isinstance(product, Product) else Product(product, {}, lpr=lpr)
    spec = executable.spec
    series = lpr or executable.lpr
    day = spec.effective.from_
    cases = pricing_cases(executable, day=day, lpr=series)
    if not cases:
        raise LoanfactoryError(f"product {spec.code} allows no term", field="term")
    worst: WorstCase | None = None
    overdue, overdue_path = Decimal(0), ""
    priced: dict[tuple[int, Decimal, RepaymentMethod, Decimal | None, Decimal | None], Decimal] = {}
    for case in sorted(cases, key=lambda c: -c.rate):
        for method in spec.repayment.methods:
            key = (case.term, case.amount, method, case.pricing.rate, case.pricing.spread)
            if key in priced:
                continue
            q = quote(
                spec, case.amount, case.term, method=method, start=day, lpr=series, pricing=case.pricing
            )
            apr = q.apr.disclosed()[0]  # as the borrower is told (0.01 %): equal APRs tie
            priced[key] = apr
            cost = _overdue_cost(spec, max([q.terms.annual_rate, *(c.annual for c in q.terms.rate_changes)]))
            cost += max(Decimal(0), q.apr.nominal - q.terms.annual_rate)
            if cost > overdue:
                overdue = cost
                overdue_path = f"{_path(case)}, term {case.term}, amount {case.amount}, {method}"
            if worst is None or apr > worst.apr:
                worst = WorstCase(
                    apr, q.terms.annual_rate, case.amount, case.term, method, Decimal(0), _path(case), day=day
                )
    assert worst is not None
    return WorstCase(
        worst.apr,
        worst.nominal_rate,
        worst.amount,
        worst.term,
        worst.method,
        overdue,
        worst.path,
        overdue_path,
        day,
    )


def _path(case: PricingCase) -> str:
    if case.pricing.rule is None:
        return case.path if case.path != "no grade" else "product rate"
    return f"{case.path} ({case.pricing.rule}: {case.pricing.describe()})"


def _overdue_cost(spec: ProductSpec, contract_rate: Decimal) -> Decimal:
    """A year of penalty and compound interest per yuan overdue, with a year's interest unpaid."""
    penalty = spec.penalty
    rate = contract_rate * (1 + penalty.uplift)
    charge = penalty_interest(
        overdue_principal=YEAR_PRINCIPAL,
        days=penalty.day_basis,
        rate=rate,
        unpaid_interest=YEAR_PRINCIPAL * contract_rate,
        day_basis=penalty.day_basis,
        compound=penalty.compound,
    )
    return charge.total / YEAR_PRINCIPAL


def lint(
    product: Product | ProductSpec,
    profile: CapProfile,
    *,
    document: Document | None = None,
    file: str | None = None,
    lpr: LprSeries | None = None,
) -> LintResult:
    """The worst case of ``product`` and its diagnostics against ``profile`` (located in
    ``document`` when given)."""
    spec = product.spec if isinstance(product, Product) else product
    day = spec.effective.from_
    place = _Placer(document, file)
    missing = product.missing.get("pricing") if isinstance(product, Product) else None
    if missing is not None:
        return LintResult(
            spec.code,
            None,
            diagnostics=[
                place(
                    ("rules", "pricing"),
                    "no-pricing-rules",
                    f"cannot bound the APR: the pricing rules '{missing}' are not loaded (lint the rules "
                    "folder with the products)",
                    f"无法确定最高年化利率：定价规则 '{missing}' 未加载（请同时检查规则目录）",
                )
            ],
        )
    try:
        limit, cap = profile.limit_on(day, lpr)
    except LoanfactoryError as exc:
        diagnostic = place(("effective", "from"), "no-cap", exc.message, exc.message_zh or exc.message)
        return LintResult(spec.code, None, diagnostics=[diagnostic])
    try:
        worst = worst_case_apr(product, lpr)
    except LoanfactoryError as exc:
        message = f"cannot compute the APR: {exc}"
        diagnostic = place(("rate",), "quote-failed", message, f"无法计算年化利率：{exc.localized('zh')}")
        return LintResult(spec.code, None, limit, [diagnostic])
    where, where_zh = f"({worst.describe()})", f"（{worst.describe('zh')}）"
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
                f"penalty and compound interest plus fees reach {_pct(worst.overdue_cost)} a year "
                f"({worst.overdue_path}), above the {profile.id} cap of {_pct(limit)} shared by overdue "
                f"interest, penalties and fees — {cap.describe('en')}",
                f"罚息、复利加费用达到年化 {_pct(worst.overdue_cost)}（{worst.overdue_path}），"
                f"超过逾期利息、罚息与费用共同适用的上限 {_pct(limit)}——{cap.describe('zh')}",
            )
        )
    own = spec.compliance.apr_limit
    if own is not None and worst.apr > own:
        out.append(
            place(
                ("compliance", "apr_limit"),
                "apr-above-limit",
                f"worst-case APR {_pct(worst.apr)} {where} is above the product's own apr_limit {_pct(own)}",
                f"最高年化利率 {_pct(worst.apr)}{where_zh}超过产品自设的上限 {_pct(own)}",
            )
        )
    shown = min(limit, own) if own is not None else limit
    out.append(
        place(
            (),
            "worst-case-apr",
            f"{spec.code}: worst-case APR {_pct(worst.apr)} {where}; limit {_pct(shown)} on {day}; "
            f"overdue cost {_pct(worst.overdue_cost)} a year",
            f"{spec.code}：最高年化利率 {_pct(worst.apr)}{where_zh}；上限 {_pct(shown)}（{day}）；"
            f"逾期成本年化 {_pct(worst.overdue_cost)}",
            severity="note",
        )
    )
    return LintResult(spec.code, worst, shown, out)


def lint_product(
    product: Product | ProductSpec,
    profile: CapProfile,
    *,
    document: Document | None = None,
    file: str | None = None,
    lpr: LprSeries | None = None,
) -> list[Diagnostic]:
    """The errors of ``product`` against ``profile`` (:func:`lint` without the worst-case note)."""
    found = lint(product, profile, document=document, file=file, lpr=lpr).diagnostics
    return [d for d in found if d.severity != "note"]


def _pct(rate: Decimal) -> str:
    return format_rate(rate.quantize(Decimal("0.0001")), 2)


class _Placer:
    def __init__(self, document: Document | None, file: str | None) -> None:
        self.document, self.file = document, file

    def __call__(
        self,
        path: tuple[str | int, ...],
        code: str,
        message: str,
        message_zh: str,
        *,
        severity: str = "error",
    ) -> Diagnostic:
        level: Severity = "note" if severity == "note" else "error"
        if self.document is not None:
            found = self.document.diagnostic(path, code, message, message_zh=message_zh)
            return Diagnostic(
                code,
                message,
                file=found.file,
                line=found.line,
                column=found.column,
                path=found.path,
                severity=level,
                message_zh=message_zh,
            )
        return Diagnostic(
            code,
            message,
            file=self.file,
            path=".".join(str(p) for p in path),
            severity=level,
            message_zh=message_zh,
        )


__all__ = ["LintResult", "WorstCase", "candidate_amounts", "lint", "lint_product", "worst_case_apr"]
