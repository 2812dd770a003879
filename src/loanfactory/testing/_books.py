"""The books of the memory store (:class:`loanfactory.accounting.BookStore` in dictionaries).

Writes of a transaction are buffered and applied at commit, as everywhere in the memory store;
reads inside the transaction see them. Loans and ledger postings are read from the memory store's
own state, so the books see exactly what the SQL store's books see in its tables.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from loanfactory.accounting import (
    STATUSES,
    AccrualPeriod,
    DayClose,
    Journal,
    LoanBooks,
    LoanRows,
    PostedLine,
    Posting,
    Turnover,
)
from loanfactory.servicing import Loan, LoanStatus

if TYPE_CHECKING:
    from loanfactory.testing._memory import _MemoryTransaction

ZERO = Decimal(0)


@dataclass
class BooksState:
    """What the memory store keeps for the books."""

    closes: list[DayClose] = field(default_factory=list)
    states: dict[str, dict[str, Any]] = field(default_factory=dict)
    periods: dict[str, list[AccrualPeriod]] = field(default_factory=dict)
    journals: list[Journal] = field(default_factory=list)
    sources: set[str] = field(default_factory=set)
    turnover: dict[date, list[Turnover]] = field(default_factory=dict)


class MemoryBooks:
    """The books inside one memory-store transaction."""

    def __init__(self, tx: _MemoryTransaction) -> None:
        self.tx = tx
        self.state: BooksState = tx.state.books
        self.closes: list[DayClose] = []
        self.states: dict[str, dict[str, Any]] = {}
        self.periods: dict[str, list[AccrualPeriod]] = {}
        self.journals: list[Journal] = []
        self.turnovers: dict[date, list[Turnover]] = {}

    def commit(self) -> None:
        state = self.state
        state.closes.extend(self.closes)
        state.states.update(self.states)
        state.periods.update(self.periods)
        state.journals.extend(self.journals)
        state.sources.update(j.source for j in self.journals if j.source)
        state.turnover.update(self.turnovers)

    # --- closes -------------------------------------------------------------------------------

    def last_closed(self) -> DayClose | None:
        closes = self.state.closes + self.closes
        return max(closes, key=lambda c: c.day) if closes else None

    def add_day_close(self, close: DayClose) -> None:
        self.closes.append(close)

    # --- loans --------------------------------------------------------------------------------

    def _loans(self) -> dict[str, Loan]:
        current: dict[str, Any] = dict(self.tx.state.entities.get(Loan.kind, {}))
        current.update(self.tx.pending.get(Loan.kind, {}))
        return current

    def _record(self, loan_id: str) -> dict[str, Any] | None:
        return self.states.get(loan_id) or self.state.states.get(loan_id)

    def loan_rows(self, ids: Collection[str] | None = None) -> LoanRows:
        loans = self._loans()
        if ids is None:
            held = self.state.states.keys() | self.states.keys()
            chosen = [
                loan
                for loan in loans.values()
                if loan.status is LoanStatus.active or (loan.status in STATUSES and loan.id not in held)
            ]
        else:
            chosen = [loans[i] for i in ids if i in loans]
        chosen.sort(key=lambda loan: loan.id)
        return LoanRows.build(
            [
                (
                    loan.id,
                    loan.product_code,
                    loan.status.value,
                    loan.category.value,
                    loan.days_past_due,
                    loan.schedule_version,
                )
                for loan in chosen
            ]
        )

    def loan_books(self, ids: Collection[str] | None = None) -> LoanBooks:
        if ids is None:
            merged = {**self.state.states, **self.states}
            records = [r for _, r in sorted(merged.items()) if r["open"]]
        else:
            records = [r for r in (self._record(i) for i in sorted(ids)) if r is not None]
        return LoanBooks.from_records(records)

    def save_loan_books(self, books: LoanBooks) -> None:
        for record in books.records():
            self.states[record["id"]] = record

    def loans(self, ids: Collection[str]) -> list[Loan]:
        loans = self._loans()
        return [loans[i] for i in ids if i in loans]

    # --- ledger -------------------------------------------------------------------------------

    def unposted(self, until: date) -> list[Posting]:
        held = {**self.state.states, **self.states}
        booked = self.state.sources | {j.source for j in self.journals if j.source}
        out: list[Posting] = []
        for loan_id in sorted(held):
            after = held[loan_id]["posted_seq"]
            entries = self.tx.ledger.entries(loan_id)
            if not entries or entries[-1].sequence <= after:
                continue
            types = {e.id: e.type for e in entries}
            for e in entries:
                if e.sequence <= after or e.business_date > until or e.id in booked:
                    continue
                reverses = types.get(e.reverses) if e.reverses else None
                out.append(
                    Posting(
                        e.id,
                        e.loan_id,
                        e.sequence,
                        e.type,
                        e.business_date,
                        e.principal,
                        e.interest,
                        e.penalty,
                        e.fee,
                        e.credit,
                        reverses,
                    )
                )
        return out

    # --- periods ------------------------------------------------------------------------------

    def replace_periods(self, periods: Mapping[str, Sequence[AccrualPeriod]]) -> None:
        for loan_id, rows in periods.items():
            self.periods[loan_id] = sorted(rows, key=lambda p: p.due)

    def next_periods(self, ids: Collection[str], day: date) -> dict[str, AccrualPeriod]:
        out: dict[str, AccrualPeriod] = {}
        for loan_id in ids:
            rows = self.periods.get(loan_id, self.state.periods.get(loan_id, []))
            found = next((p for p in rows if p.due > day), None)
            if found is not None:
                out[loan_id] = found
        return out

    # --- journals and turnover ----------------------------------------------------------------

    def add_journals(self, journals: Sequence[Journal]) -> None:
        self.journals.extend(journals)

    def add_turnover(self, day: date, rows: Sequence[Turnover]) -> None:
        self.turnovers[day] = list(rows)

    def daily_turnover(self) -> dict[date, list[Turnover]]:
        """Every closed day's turnover (the rows of the ``gl`` report source)."""
        return {**self.state.turnover, **self.turnovers}

    def turnover(self, start: date | None, end: date, *, product: str | None = None) -> list[Turnover]:
        days = self.daily_turnover()
        sums: dict[tuple[str, str, str], list[Decimal]] = {}
        for day, rows in days.items():
            if day > end or (start is not None and day < start):
                continue
            for row in rows:
                if product is not None and row.product != product:
                    continue
                pair = sums.setdefault((row.account, row.product, row.category), [ZERO, ZERO])
                pair[0] += row.debit
                pair[1] += row.credit
        return [Turnover(a, p, c, d, cr) for (a, p, c), (d, cr) in sorted(sums.items())]

    def lines(
        self,
        start: date,
        end: date,
        *,
        account: str | None = None,
        product: str | None = None,
        loan_id: str | None = None,
    ) -> list[PostedLine]:
        out: list[PostedLine] = []
        for journal in self.state.journals + self.journals:
            if not start <= journal.accounting_date <= end:
                continue
            for number, ln in enumerate(journal.lines, 1):
                if account is not None and ln.account != account:
                    continue
                if product is not None and ln.product != product:
                    continue
                if loan_id is not None and ln.loan_id != loan_id:
                    continue
                out.append(
                    PostedLine(
                        journal.id,
                        journal.kind,
                        journal.accounting_date,
                        journal.value_date,
                        journal.source,
                        journal.memo,
                        number,
                        ln.account,
                        ln.side,
                        ln.amount,
                        ln.product,
                        ln.category,
                        ln.loan_id,
                        journal.booked_at,
                        journal.red,
                    )
                )
        out.sort(key=lambda ln: (ln.accounting_date, ln.journal_id, ln.line))
        return out
