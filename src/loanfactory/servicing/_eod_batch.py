"""One end-of-day batch's view of its transaction: states read at once, ledgers at most once (日终批次缓存).

The end of day reads each loan's kept state (:mod:`loanfactory.servicing._state`), not its
ledger: a :class:`BatchTransaction` reads the states of the whole batch in one query when the
batch starts. The few steps that still look at postings (a warning rule on today's payments)
read a loan's ledger once; it is kept, with every posting the batch makes added as it is written
through it. Everything else is the transaction it wraps.

Only code that is handed the batch transaction sees the kept postings; the end-of-day steps
all are (they take ``tx`` as an argument and open no transaction of their own).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from loanfactory.entity import Entity
from loanfactory.ports import (
    AuditLog,
    EventLog,
    Ledger,
    LedgerEntryRecord,
    LedgerState,
    Outbox,
    Repository,
    Transaction,
)

E = TypeVar("E", bound=Entity)


class KeptLedger:
    """A ledger whose postings of a loan, once read, are kept up to date for the batch; the
    states of the batch's loans are read in one query when it starts."""

    def __init__(self, ledger: Ledger, loan_ids: Sequence[str]) -> None:
        self._ledger = ledger
        self._kept: dict[str, list[LedgerEntryRecord]] = {}
        if loan_ids:  # one query; the store's ledger keeps them for the transaction
            ledger.states_of(loan_ids)

    def append(self, entry: LedgerEntryRecord) -> None:
        self._ledger.append(entry)
        kept = self._kept.get(entry.loan_id)
        if kept is not None:
            kept.append(entry)

    def state(self, loan_id: str) -> LedgerState | None:
        return self._ledger.state(loan_id)  # the store's, moved on by every posting

    def states_of(self, loan_ids: Sequence[str]) -> dict[str, LedgerState]:
        return self._ledger.states_of(loan_ids)

    def entries(self, loan_id: str) -> list[LedgerEntryRecord]:
        kept = self._kept.get(loan_id)
        if kept is None:
            kept = self._kept[loan_id] = self._ledger.entries(loan_id)
        return list(kept)  # a copy: callers append to the list they are given

    def entries_of(self, loan_ids: Sequence[str]) -> dict[str, list[LedgerEntryRecord]]:
        return {loan_id: self.entries(loan_id) for loan_id in loan_ids}

    def by_key(self, idempotency_key: str) -> LedgerEntryRecord | None:
        return self._ledger.by_key(idempotency_key)


class BatchTransaction:
    """``tx`` with a :class:`KeptLedger` over the batch's loans (see the module docstring)."""

    def __init__(self, tx: Transaction, loan_ids: Sequence[str]) -> None:
        self._tx = tx
        self._ledger = KeptLedger(tx.ledger, loan_ids)

    @property
    def ledger(self) -> Ledger:
        return self._ledger

    @property
    def outbox(self) -> Outbox:
        return self._tx.outbox

    @property
    def audit(self) -> AuditLog:
        return self._tx.audit

    @property
    def events(self) -> EventLog:
        return self._tx.events

    def repo(self, kind: type[E]) -> Repository[E]:
        return self._tx.repo(kind)

    def __getattr__(self, name: str) -> Any:  # a store's own extras (its archive, catalog ...)
        return getattr(self._tx, name)


__all__ = ["BatchTransaction", "KeptLedger"]
