"""Post-loan analytics (数据复盘): the ``portfolio`` report definition, as figures per product and
cohort with a flag where a product's overdue rate passes its alert line (``overdue.overdue_rate_alert``).

The figures are those of the shipped ``portfolio`` definition (``definitions/portfolio.yaml``) run
over the loan positions as of a date (:mod:`._positions` states what each figure means); this
module only arranges them as :class:`Metrics` per group and adds the flags and the overdue actions
the end-of-day runs took.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from loanfactory.ports import Store
from loanfactory.reporting._definition import ReportDefinition
from loanfactory.reporting._library import report_library
from loanfactory.reporting._query import Condition
from loanfactory.reporting._run import ResultRow, ratio, run_report
from loanfactory.servicing import CATEGORIES, DEFAULT_RULES, Category, ClassificationRules, EodRun, RunStatus
from loanfactory.spec import ProductSpec

ZERO = Decimal(0)
_COUNTS = ("loans", "active", "settled", "written_off_loans")
_SUMS = (
    "disbursed",
    "outstanding",
    "overdue_balance",
    "npl_balance",
    "due_to_date",
    "paid_on_dues",
    "repaid",
    "penalty_outstanding",
    "written_off",
    "recovered",
    "provisions",
)


@dataclass
class Metrics:
    """The figures of a group of loans; the rates are ratios of its sums."""

    loans: int = 0
    active: int = 0
    settled: int = 0
    written_off_loans: int = 0
    disbursed: Decimal = ZERO
    outstanding: Decimal = ZERO  # principal
    overdue_balance: Decimal = ZERO  # principal of loans with any day past due
    npl_balance: Decimal = ZERO
    due_to_date: Decimal = ZERO
    paid_on_dues: Decimal = ZERO
    repaid: Decimal = ZERO  # all cash received
    penalty_outstanding: Decimal = ZERO
    written_off: Decimal = ZERO
    recovered: Decimal = ZERO
    provisions: Decimal = ZERO
    by_category: dict[Category, Decimal] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, ZERO))
    count_by_category: dict[Category, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))

    @property
    def repayment_rate(self) -> Decimal | None:
        return ratio(self.paid_on_dues, self.due_to_date)

    @property
    def overdue_rate(self) -> Decimal | None:
        return ratio(self.overdue_balance, self.outstanding)

    @property
    def npl_ratio(self) -> Decimal | None:
        return ratio(self.npl_balance, self.outstanding)

    @property
    def recovery_rate(self) -> Decimal | None:
        return ratio(self.recovered, self.written_off)

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> Metrics:
        figures: dict[str, Any] = {name: int(values.get(name) or 0) for name in _COUNTS}
        figures.update({name: values.get(name) or ZERO for name in _SUMS})
        return cls(**figures)


@dataclass(frozen=True)
class Flag:
    """A product whose overdue rate passed its alert line (逾期率预警)."""

    product_code: str
    overdue_rate: Decimal
    threshold: Decimal


@dataclass(frozen=True)
class PortfolioReport:
    """The book on a date: totals, per product, per (product, cohort), and flags."""

    as_of: date
    total: Metrics
    by_product: dict[str, Metrics]
    by_cohort: dict[tuple[str, str], Metrics]
    flags: list[Flag]
    actions: dict[str, int]  # overdue actions taken, by action


def portfolio_report(
    store: Store,
    products: Mapping[str, ProductSpec] | Callable[[str], ProductSpec],
    as_of: date,
    *,
    rules: ClassificationRules = DEFAULT_RULES,
    product: str | None = None,
    today: date | None = None,
    definition: ReportDefinition | None = None,
) -> PortfolioReport:
    """The post-loan report of every disbursed loan (or of one ``product``) as of ``as_of``.

    ``today`` is the first business date still open (positions of earlier dates are stored once);
    by default ``as_of`` itself, whose positions are then computed afresh."""
    chosen = definition or report_library()["portfolio"]
    if product is not None:
        only = Condition("product", "eq", product)
        measures = {
            name: m if m.derived else dataclasses.replace(m, where=(only, *m.where))
            for name, m in chosen.measures.items()
        }
        chosen = dataclasses.replace(chosen, measures=measures)
    result = run_report(store, chosen, as_of.isoformat(), today=max(as_of, today or as_of), rules=rules)
    sections = {tuple(s.section.by): s for s in result.sections}
    total = _metrics(sections[()].rows[:1])
    by_product = {str(r.keys[0]): Metrics.of(r.values) for r in sections[("product",)].rows}
    by_cohort = {
        (str(r.keys[0]), str(r.keys[1])): Metrics.of(r.values) for r in sections[("product", "cohort")].rows
    }
    _categories(total, sections[("category",)].rows, lambda keys: total)
    _categories(total, sections[("product", "category")].rows, lambda keys: by_product[keys[0]])
    _categories(
        total, sections[("product", "cohort", "category")].rows, lambda keys: by_cohort[(keys[0], keys[1])]
    )
    flags = []
    for code, metrics in sorted(by_product.items()):
        spec = products[code] if isinstance(products, Mapping) else products(code)
        threshold = spec.overdue.overdue_rate_alert if spec.overdue else None
        rate = metrics.overdue_rate
        if threshold is not None and rate is not None and rate > threshold:
            flags.append(Flag(code, rate, threshold))
    return PortfolioReport(
        as_of,
        total,
        dict(sorted(by_product.items())),
        dict(sorted(by_cohort.items())),
        flags,
        _actions(store),
    )


def _metrics(rows: tuple[ResultRow, ...]) -> Metrics:
    return Metrics.of(rows[0].values) if rows else Metrics()


def _categories(
    total: Metrics, rows: tuple[ResultRow, ...], group: Callable[[tuple[Any, ...]], Metrics]
) -> None:
    for row in rows:
        category = Category(row.keys[-1])
        metrics = group(tuple(str(k) for k in row.keys))
        metrics.by_category[category] = row.values["outstanding"]
        metrics.count_by_category[category] = row.values["loans"]


def _actions(store: Store) -> dict[str, int]:
    """Overdue actions taken by every end-of-day run, by action (from the runs' tallies)."""
    counts: dict[str, int] = {}
    with store.transaction() as tx:
        for status in RunStatus:
            for run in tx.repo(EodRun).list(status=status):
                for name, value in run.totals.items():
                    if name.startswith("action:"):
                        action = name.removeprefix("action:")
                        counts[action] = counts.get(action, 0) + int(value)
    return dict(sorted(counts.items()))
