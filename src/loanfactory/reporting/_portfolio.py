"""Post-loan analytics (数据复盘): repayment rate, overdue rate, NPL ratio and recovery rate, for the
whole book, per product and per product cohort (the month of disbursement), with a flag where a
product's overdue rate passes its alert line (``overdue.overdue_rate_alert``).

Every figure is derived from the ledger and the loans' schedules as of a date; nothing cached is
trusted except the classification of the last end of day. Definitions (each a ratio of sums):

- repayment rate (还款率) = amounts due to date that were paid ÷ amounts due to date (principal,
  interest and fees of the installments fallen due; penalty excluded);
- overdue rate (逾期率) = outstanding principal of loans with any day past due ÷ outstanding principal;
- NPL ratio (不良率) = outstanding principal classified 次级, 可疑 or 损失 ÷ outstanding principal;
- recovery rate (回收率) = cash received on written-off loans after their write-off ÷ amount written off.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from loanfactory.ports import Store
from loanfactory.reporting._run import ratio
from loanfactory.servicing import (
    CATEGORIES,
    DEFAULT_RULES,
    Category,
    ClassificationRules,
    EntryType,
    EodRun,
    Loan,
    LoanStatus,
    RunStatus,
    fold,
)
from loanfactory.spec import ProductSpec

ZERO = Decimal(0)
_NPL = frozenset({Category.substandard, Category.doubtful, Category.loss})


@dataclass
class Metrics:
    """Sums over a group of loans; the rates are properties."""

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

    def add(self, other: LoanFigures) -> None:
        self.loans += 1
        self.active += other.status is LoanStatus.active
        self.settled += other.status is LoanStatus.settled
        self.written_off_loans += other.status is LoanStatus.written_off
        self.disbursed += other.disbursed
        self.outstanding += other.outstanding
        self.overdue_balance += other.outstanding if other.days_past_due > 0 else ZERO
        self.npl_balance += other.outstanding if other.category in _NPL else ZERO
        self.due_to_date += other.due_to_date
        self.paid_on_dues += other.paid_on_dues
        self.repaid += other.repaid
        self.penalty_outstanding += other.penalty
        self.written_off += other.written_off
        self.recovered += other.recovered
        self.provisions += other.provision
        self.by_category[other.category] += other.outstanding
        self.count_by_category[other.category] += 1


@dataclass(frozen=True)
class LoanFigures:
    """One loan's figures as of the report date."""

    loan_id: str
    product_code: str
    cohort: str
    status: LoanStatus
    category: Category
    days_past_due: int
    disbursed: Decimal
    outstanding: Decimal
    penalty: Decimal
    due_to_date: Decimal
    paid_on_dues: Decimal
    repaid: Decimal
    written_off: Decimal
    recovered: Decimal
    provision: Decimal


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


def loan_figures(
    store: Store, loan: Loan, as_of: date, rules: ClassificationRules = DEFAULT_RULES
) -> LoanFigures:
    """The figures of one loan from its ledger (读取分户账)."""
    with store.transaction() as tx:
        entries = tx.ledger.entries(loan.id)
    position = fold(entries, loan.schedule, as_of)
    due = sum((d.amount for d in position.dues if d.component.value != "penalty"), ZERO)
    unpaid = sum((d.outstanding for d in position.dues if d.component.value != "penalty"), ZERO)
    written = [e for e in entries if e.type == EntryType.write_off and e.business_date <= as_of]
    recovered = ZERO
    if written:
        after = written[0].sequence  # cash posted after the write-off, net of reversals
        gone = {e.reverses for e in entries if e.reverses is not None}
        recovered = sum(
            (
                e.amount
                for e in entries
                if e.type in (EntryType.repayment, EntryType.prepayment)
                and e.sequence > after
                and e.business_date <= as_of
                and e.id not in gone
            ),
            ZERO,
        )
    dpd = position.days_past_due(as_of) if loan.status is LoanStatus.active else 0
    category = (
        rules.classify(dpd, loan.overrides)
        if loan.status is LoanStatus.active
        else (Category.loss if loan.status is LoanStatus.written_off else Category.normal)
    )
    return LoanFigures(
        loan_id=loan.id,
        product_code=loan.product_code,
        cohort=loan.cohort or "-",
        status=loan.status,
        category=category,
        days_past_due=dpd,
        disbursed=position.disbursed,
        outstanding=position.principal,
        penalty=position.penalty,
        due_to_date=due,
        paid_on_dues=due - unpaid,
        repaid=position.repaid,
        written_off=position.written_off,
        recovered=recovered,
        provision=rules.provision(category, position.principal),
    )


def portfolio_report(
    store: Store,
    products: Mapping[str, ProductSpec] | Callable[[str], ProductSpec],
    as_of: date,
    *,
    rules: ClassificationRules = DEFAULT_RULES,
    loans: Iterable[Loan] | None = None,
) -> PortfolioReport:
    """The post-loan report of every disbursed loan (or of ``loans``) as of ``as_of``."""
    if loans is None:
        with store.transaction() as tx:
            loans = [
                loan
                for status in (LoanStatus.active, LoanStatus.settled, LoanStatus.written_off)
                for loan in tx.repo(Loan).list(status=status)
            ]
    total = Metrics()
    by_product: dict[str, Metrics] = {}
    by_cohort: dict[tuple[str, str], Metrics] = {}
    for loan in sorted(loans, key=lambda item: item.id):
        if loan.start is None or loan.start > as_of:
            continue
        figures = loan_figures(store, loan, as_of, rules)
        total.add(figures)
        by_product.setdefault(loan.product_code, Metrics()).add(figures)
        by_cohort.setdefault((loan.product_code, figures.cohort), Metrics()).add(figures)
    flags = []
    for code, metrics in sorted(by_product.items()):
        product = products[code] if isinstance(products, Mapping) else products(code)
        threshold = product.overdue.overdue_rate_alert if product.overdue else None
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
