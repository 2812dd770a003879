"""Loan positions as of a date (贷款头寸快照): the one derivation of a loan's reported figures.

A position is what one loan looked like at the end of a business date, derived from its ledger by
:func:`~loanfactory.servicing.fold` — balances, days past due, five-category class, the amounts
due to date and paid on them, cash received, write-offs and recoveries, the reference provision.
Reports read positions set-based from the store (the ``positions`` source); :func:`ensure_positions`
computes and stores the positions of a date the first time a report needs them, and again while
the date is still open (on or after today's business date). Running it after each month-end's end
of day (``loanfactory report snapshot``) keeps reports fast.

Definitions (each a sum over loans, so every rate is a ratio of sums):

- repayment rate (还款率) = paid on dues ÷ due to date (principal, interest and fees of the
  installments fallen due; penalty excluded);
- overdue rate (逾期率) = principal of loans with any day past due ÷ principal;
- NPL ratio (不良率) = principal classified 次级, 可疑 or 损失 ÷ principal;
- recovery rate (回收率) = cash received after a write-off ÷ amount written off;
- roll rates (迁徙率) compare a loan's days past due with those at the previous month end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from loanfactory.errors import InvalidInput
from loanfactory.ports import LedgerEntryRecord, Store, Transaction
from loanfactory.reporting._query import ReportQueries
from loanfactory.servicing import (
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

ZERO = Decimal(0)
REPORTED = (LoanStatus.active, LoanStatus.settled, LoanStatus.written_off)


def queries_of(tx: Transaction) -> ReportQueries:
    """The store's report queries (``tx.reports``), or InvalidInput for a store without them."""
    found = getattr(tx, "reports", None)
    if found is None:
        raise InvalidInput(
            f"{type(tx).__name__} answers no report queries (use the memory or SQL store)",
            field="store",
            message_zh=f"{type(tx).__name__} 不支持报表查询（请使用内存或 SQL 存储）",
        )
    return found  # type: ignore[no-any-return]


def position(
    loan: Loan, entries: Sequence[LedgerEntryRecord], day: date, rules: ClassificationRules = DEFAULT_RULES
) -> dict[str, Any]:
    """The position of ``loan`` at the end of ``day`` (its ledger ``entries`` in sequence order),
    with its days past due, class and principal at the end of the previous month (for roll rates)."""
    figures = _figures(loan, entries, day, rules)
    before = day.replace(day=1) - timedelta(days=1)
    if loan.start is not None and loan.start <= before:
        earlier = _figures(loan, entries, before, rules)
        figures["previous_days_past_due"] = earlier["days_past_due"]
        figures["previous_category"] = earlier["category"]
        figures["previous_principal"] = earlier["principal"]
    else:
        figures["previous_days_past_due"] = None
        figures["previous_category"] = None
        figures["previous_principal"] = ZERO
    return figures


def _figures(
    loan: Loan, entries: Sequence[LedgerEntryRecord], day: date, rules: ClassificationRules
) -> dict[str, Any]:
    state = fold(entries, loan.schedule, day)
    closed = loan.closed_on is not None and loan.closed_on <= day and loan.status is not LoanStatus.active
    status = loan.status if closed else LoanStatus.active
    dpd = state.days_past_due(day) if status is LoanStatus.active else 0
    if status is LoanStatus.active:
        category = rules.classify(dpd, loan.overrides)
    else:
        category = Category.loss if status is LoanStatus.written_off else Category.normal
    due = sum((d.amount for d in state.dues if d.component.value != "penalty"), ZERO)
    unpaid = sum((d.outstanding for d in state.dues if d.component.value != "penalty"), ZERO)
    return {
        "loan_id": loan.id,
        "status": status.value,
        "category": category.value,
        "days_past_due": dpd,
        "principal": state.principal,
        "interest": state.interest,
        "penalty": state.penalty,
        "fee": state.fee,
        "overdue": state.overdue(day),
        "due_to_date": due,
        "paid_on_dues": due - unpaid,
        "disbursed": state.disbursed,
        "repaid": state.repaid,
        "written_off": state.written_off,
        "recovered": _recovered(entries, day),
        "provision": rules.provision(category, state.principal),
    }


def _recovered(entries: Sequence[LedgerEntryRecord], day: date) -> Decimal:
    """Cash posted after the first write-off, net of reversals (核销后收回)."""
    written = [e for e in entries if e.type == EntryType.write_off and e.business_date <= day]
    if not written:
        return ZERO
    after = written[0].sequence
    gone = {e.reverses for e in entries if e.reverses is not None and e.business_date <= day}
    return sum(
        (
            e.amount
            for e in entries
            if e.type in (EntryType.repayment, EntryType.prepayment)
            and e.sequence > after
            and e.business_date <= day
            and e.id not in gone
        ),
        ZERO,
    )


def positions_on(
    tx: Transaction,
    day: date,
    rules: ClassificationRules = DEFAULT_RULES,
    loans: Iterable[Loan] | None = None,
) -> list[dict[str, Any]]:
    """The positions of every loan disbursed on or before ``day``."""
    if loans is None:
        loans = [loan for status in REPORTED for loan in tx.repo(Loan).list(status=status)]
    out = []
    for loan in sorted(loans, key=lambda item: item.id):
        if loan.start is None or loan.start > day or loan.status not in REPORTED:
            continue
        out.append(position(loan, tx.ledger.entries(loan.id), day, rules))
    return out


def ensure_positions(
    store: Store,
    days: Iterable[date],
    today: date,
    rules: ClassificationRules = DEFAULT_RULES,
    progress: Callable[[int, int], None] | None = None,
) -> list[date]:
    """Compute and store the positions of each of ``days`` not stored yet or still open (on or
    after ``today``); returns the dates computed. A date after ``today`` is refused.
    ``progress(done, total)`` is called after each date computed (the CLI's bar on stderr)."""
    wanted = sorted(set(days))
    if wanted and wanted[-1] > today:
        raise InvalidInput(
            f"positions as of {wanted[-1].isoformat()} are after today's business date {today.isoformat()}",
            field="as_of",
            message_zh=f"统计日 {wanted[-1].isoformat()} 晚于当前营业日 {today.isoformat()}",
        )
    with store.transaction() as tx:
        stored = set(queries_of(tx).position_dates())
    todo = [day for day in wanted if day not in stored or day >= today]
    for done, day in enumerate(todo, start=1):
        with store.transaction() as tx:
            queries_of(tx).write_positions(day, positions_on(tx, day, rules))
        if progress is not None:
            progress(done, len(todo))
    return todo


def refresh_report_tables(store: Store, chunk: int = 10_000) -> int:
    """Bring the store's report tables up to date (a SQL store's reported loans), one transaction
    per chunk of ``chunk`` records, so the first report over a large book neither holds one long
    transaction nor loses what it did when stopped; returns how many rows were added."""
    added = 0
    while True:
        with store.transaction() as tx:
            step = queries_of(tx).refresh(chunk)
        added += step
        if step == 0:
            return added


def first_open_day(store: Store, today: date) -> date:
    """The first business date whose end of day has not run (the day after the last completed
    run, never after ``today``); ``today`` when no end of day ever ran. Positions of earlier dates
    are final and stored once; those of this date or later are recomputed each time."""
    with store.transaction() as tx:
        runs = tx.repo(EodRun).list(status=RunStatus.completed)
    if not runs:
        return today
    return min(today, max(r.business_date for r in runs) + timedelta(days=1))
