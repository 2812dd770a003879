"""Report queries over the memory store (``tx.reports``): the rows of :mod:`loanfactory.reporting`'s
sources built from the entities, answered by :func:`loanfactory.reporting.evaluate_query`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from loanfactory.ports import Transaction
from loanfactory.reporting import (
    Query,
    Row,
    application_rows,
    customer_rows,
    evaluate_query,
    loan_rows,
    position_rows,
    posting_rows,
)


def gl_rows(tx: Transaction) -> Iterator[dict[str, Any]]:
    """The ``gl`` source: each closed day's turnover per account, product and class."""
    books = getattr(tx, "books", None)
    if books is None:
        return
    for day, rows in books.daily_turnover().items():
        for row in rows:
            yield {
                "day": day,
                "account": row.account,
                "product": row.product,
                "category": row.category,
                "debit": row.debit,
                "credit": row.credit,
                "debit_net": row.debit - row.credit,
                "credit_net": row.credit - row.debit,
            }


class PositionsState:
    """Stored positions: as_of -> loan id -> figures."""

    def __init__(self) -> None:
        self.days: dict[date, dict[str, dict[str, Any]]] = {}


class MemoryReports:
    """:class:`loanfactory.reporting.ReportQueries` of one memory transaction."""

    def __init__(self, tx: Transaction, state: PositionsState) -> None:
        self.tx = tx
        self.state = state
        self.pending: dict[date, dict[str, dict[str, Any]]] = {}

    def _days(self) -> dict[date, dict[str, dict[str, Any]]]:
        return {**self.state.days, **self.pending}

    def position_dates(self) -> list[date]:
        return sorted(self._days())

    def write_positions(self, day: date, rows: Sequence[Mapping[str, Any]]) -> int:
        self.pending[day] = {str(r["loan_id"]): {k: v for k, v in r.items() if k != "loan_id"} for r in rows}
        return len(rows)

    def refresh(self, limit: int) -> int:
        return 0  # the memory store reads its entities directly

    def commit(self) -> None:
        self.state.days.update(self.pending)
        self.pending = {}

    def run(self, query: Query) -> list[Row]:
        return evaluate_query(query, self._rows(query))

    def _rows(self, query: Query) -> Iterable[Mapping[str, Any]]:
        if query.source == "applications":
            return application_rows(self.tx)
        if query.source == "customers":
            return customer_rows(self.tx)
        if query.source == "gl":
            return gl_rows(self.tx)
        loans = {row["loan_id"]: row for row in loan_rows(self.tx, query.products)}
        if query.source == "loans":
            return loans.values()
        if query.source == "postings":
            return posting_rows(self.tx, loans)
        days = self._days()
        wanted = {day: days[day] for day in query.as_of if day in days}
        return position_rows(loans, wanted)
