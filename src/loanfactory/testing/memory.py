"""An in-memory :class:`loanfactory.ports.Store` with the same semantics as the SQL store.

Transactions are serialisable: one at a time holds the store's lock (re-entrant, so a
transaction opened inside another joins it). Writes are buffered and applied at commit; an
exception inside ``with store.transaction()`` discards them, so nothing is written half.
Optimistic version checks, unique idempotency keys, outbox dedup keys and the audit hash chain
behave exactly as in :mod:`loanfactory.adapters.sql` — the store contract tests run on both.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar, cast

from loanfactory.audit import make_record
from loanfactory.entity import DomainEvent, Entity
from loanfactory.errors import NotFound, StateConflict
from loanfactory.ports import (
    AuditLog,
    AuditRecord,
    EventLog,
    Ledger,
    Outbox,
    ConcurrentUpdate,
    LedgerEntryRecord,
    OutboxMessage,
    Transaction,
)

E = TypeVar("E", bound=Entity)


class _State:
    def __init__(self) -> None:
        self.entities: dict[str, dict[str, Entity]] = {}
        self.ledger: dict[str, list[LedgerEntryRecord]] = {}
        self.ledger_ids: set[str] = set()
        self.ledger_keys: dict[str, LedgerEntryRecord] = {}
        self.outbox: dict[str, OutboxMessage] = {}
        self.outbox_keys: set[str] = set()
        self.audit: list[AuditRecord] = []
        self.events: list[DomainEvent] = []
        self.event_keys: dict[str, DomainEvent] = {}


class MemoryStore:
    """State in dictionaries; for tests, examples and embedding without a database."""

    def __init__(self) -> None:
        self._state = _State()
        self._lock = threading.RLock()
        self._local = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        current: _MemoryTransaction | None = getattr(self._local, "tx", None)
        if current is not None:  # nested: join the open transaction
            yield current
            return
        with self._lock:
            tx = _MemoryTransaction(self._state)
            self._local.tx = tx
            try:
                yield tx
                tx.commit()
            finally:
                self._local.tx = None

    # read-only views for tests and reports
    def audit_records(self) -> list[AuditRecord]:
        with self._lock:
            return list(self._state.audit)

    def tamper_audit(self, sequence: int, **changes: Any) -> None:
        """Edit an audit record in place (to test that the verifier notices)."""
        with self._lock:
            index = sequence - 1
            self._state.audit[index] = self._state.audit[index].model_copy(update=changes)


class _Repo:
    def __init__(self, tx: _MemoryTransaction, kind: type[Entity]) -> None:
        self.tx = tx
        self.kind = kind
        self.committed = tx.state.entities.setdefault(kind.kind, {})
        self.pending = tx.pending.setdefault(kind.kind, {})

    def find(self, id: str) -> Entity | None:
        if id in self.pending:
            return self.pending[id]
        return self.committed.get(id)

    def get(self, id: str) -> Entity:
        found = self.find(id)
        if found is None:
            raise NotFound(f"no {self.kind.kind} with id '{id}'", field="id",
                           message_zh=f"找不到编号为 '{id}' 的 {self.kind.kind}")
        return found

    def lock(self, id: str) -> Entity:
        return self.get(id)  # the whole transaction already holds the store lock

    def add(self, entity: Entity) -> Entity:
        if not isinstance(entity, self.kind):
            raise TypeError(f"expected {self.kind.__name__}, got {type(entity).__name__}")
        if self.find(entity.id) is not None:
            raise StateConflict(f"{self.kind.kind} '{entity.id}' already exists", field="id")
        stored = entity.model_copy(update={"version": 1})
        self.pending[entity.id] = stored
        return stored

    def update(self, entity: Entity) -> Entity:
        current = self.get(entity.id)
        if current.version != entity.version:
            raise ConcurrentUpdate(
                f"{self.kind.kind} '{entity.id}' changed (read at version {entity.version}, "
                f"now {current.version})"
            )
        stored = entity.model_copy(update={"version": entity.version + 1})
        self.pending[entity.id] = stored
        return stored

    def list(self, **where: Any) -> list[Entity]:
        for key in where:
            if key not in self.kind.indexes and key != "id":
                raise ValueError(f"{self.kind.kind} is not indexed by '{key}'")
        merged = {**self.committed, **self.pending}
        found = [e for e in merged.values() if all(getattr(e, k) == v for k, v in where.items())]
        return sorted(found, key=lambda e: e.id)


class _Ledger:
    def __init__(self, tx: _MemoryTransaction) -> None:
        self.tx = tx

    def append(self, entry: LedgerEntryRecord) -> None:
        state, pending = self.tx.state, self.tx.pending_ledger
        ids = state.ledger_ids | {e.id for e in pending}
        if entry.id in ids:
            raise StateConflict(f"ledger entry '{entry.id}' already exists", field="id")
        if entry.idempotency_key is not None and self.by_key(entry.idempotency_key) is not None:
            raise StateConflict(f"a posting with key '{entry.idempotency_key}' already exists",
                                field="idempotency_key")
        pending.append(entry)

    def entries(self, loan_id: str) -> list[LedgerEntryRecord]:
        rows = self.tx.state.ledger.get(loan_id, []) + [e for e in self.tx.pending_ledger if e.loan_id == loan_id]
        return sorted(rows, key=lambda e: e.sequence)

    def by_key(self, idempotency_key: str) -> LedgerEntryRecord | None:
        for entry in self.tx.pending_ledger:
            if entry.idempotency_key == idempotency_key:
                return entry
        return self.tx.state.ledger_keys.get(idempotency_key)


class _Outbox:
    def __init__(self, tx: _MemoryTransaction) -> None:
        self.tx = tx

    def add(self, message: OutboxMessage) -> None:
        keys = self.tx.state.outbox_keys | {m.dedup_key for m in self.tx.pending_outbox.values()}
        if message.dedup_key in keys:
            return
        self.tx.pending_outbox[message.id] = message

    def _all(self) -> dict[str, OutboxMessage]:
        return {**self.tx.state.outbox, **self.tx.pending_outbox}

    def pending(self, limit: int = 100) -> list[OutboxMessage]:
        waiting = [m for m in self._all().values() if m.delivered_at is None]
        return sorted(waiting, key=lambda m: (m.created_at, m.id))[:limit]

    def mark_delivered(self, id: str, at: datetime) -> None:
        message = self._all()[id]
        self.tx.pending_outbox[id] = message.model_copy(update={"delivered_at": at})

    def mark_failed(self, id: str, error: str) -> None:
        message = self._all()[id]
        self.tx.pending_outbox[id] = message.model_copy(
            update={"attempts": message.attempts + 1, "last_error": error}
        )


class _Audit:
    def __init__(self, tx: _MemoryTransaction) -> None:
        self.tx = tx

    def append(self, *, actor: str, action: str, subject: str, at: datetime,
               before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> AuditRecord:
        chain = self.tx.state.audit + self.tx.pending_audit
        record = make_record(chain[-1] if chain else None, at=at, actor=actor, action=action,
                             subject=subject, before=before, after=after)
        self.tx.pending_audit.append(record)
        return record

    def records(self, subject: str | None = None) -> list[AuditRecord]:
        chain = self.tx.state.audit + self.tx.pending_audit
        return [r for r in chain if subject is None or r.subject == subject]


class _Events:
    def __init__(self, tx: _MemoryTransaction) -> None:
        self.tx = tx

    def append(self, event: DomainEvent) -> None:
        if event.idempotency_key is not None and self.by_key(event.idempotency_key) is not None:
            raise StateConflict(f"a command with key '{event.idempotency_key}' already ran",
                                field="idempotency_key")
        self.tx.pending_events.append(event)

    def by_key(self, idempotency_key: str) -> DomainEvent | None:
        for event in self.tx.pending_events:
            if event.idempotency_key == idempotency_key:
                return event
        return self.tx.state.event_keys.get(idempotency_key)

    def for_subject(self, subject: str) -> list[DomainEvent]:
        events = self.tx.state.events + self.tx.pending_events
        return [e for e in events if e.subject == subject]


class _MemoryTransaction:
    def __init__(self, state: _State) -> None:
        self.state = state
        self.pending: dict[str, dict[str, Entity]] = {}
        self.pending_ledger: list[LedgerEntryRecord] = []
        self.pending_outbox: dict[str, OutboxMessage] = {}
        self.pending_audit: list[AuditRecord] = []
        self.pending_events: list[DomainEvent] = []
        self.ledger: Ledger = _Ledger(self)
        self.outbox: Outbox = _Outbox(self)
        self.audit: AuditLog = _Audit(self)
        self.events: EventLog = _Events(self)
        self._repos: dict[str, _Repo] = {}

    def repo(self, kind: type[E]) -> Any:
        repo = self._repos.get(kind.kind)
        if repo is None:
            repo = self._repos[kind.kind] = _Repo(self, kind)
        return cast(Any, repo)

    def commit(self) -> None:
        state = self.state
        for kind, entities in self.pending.items():
            state.entities.setdefault(kind, {}).update(entities)
        for entry in self.pending_ledger:
            state.ledger.setdefault(entry.loan_id, []).append(entry)
            state.ledger_ids.add(entry.id)
            if entry.idempotency_key is not None:
                state.ledger_keys[entry.idempotency_key] = entry
        for id, message in self.pending_outbox.items():
            state.outbox[id] = message
            state.outbox_keys.add(message.dedup_key)
        state.audit.extend(self.pending_audit)
        for event in self.pending_events:
            state.events.append(event)
            if event.idempotency_key is not None:
                state.event_keys[event.idempotency_key] = event
