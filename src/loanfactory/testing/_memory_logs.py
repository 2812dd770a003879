"""The append-only logs of a memory transaction: ledger, outbox, audit chain and events.

They buffer in the transaction (``tx.pending_*``) and read the committed state plus what is
pending, with the same rules as :mod:`loanfactory.adapters.sql._logs`: a duplicate posting id or
key is refused, postings are in fen, the outbox keeps one message per dedup key, the audit chain
continues from the head, an event's idempotency key is unique.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from loanfactory.audit import make_record
from loanfactory.entity import DomainEvent
from loanfactory.errors import InvalidInput, NotFound, StateConflict
from loanfactory.ports import AuditRecord, ConcurrentUpdate, LedgerEntryRecord, LedgerState, OutboxMessage
from loanfactory.servicing import advance_state, replay
from loanfactory.testing._clone import clone

if TYPE_CHECKING:
    from loanfactory.testing._memory import _MemoryTransaction

_FEN = Decimal("0.01")
_POSTED_AMOUNTS = ("amount", "principal", "interest", "penalty", "fee", "credit")


class MemoryLedger:
    def __init__(self, tx: _MemoryTransaction) -> None:
        self.tx = tx

    def append(self, entry: LedgerEntryRecord) -> None:
        state, pending = self.tx.state, self.tx.pending_ledger
        if entry.id in state.ledger_ids or entry.id in self.tx.pending_ledger_ids:
            raise StateConflict(f"ledger entry '{entry.id}' already exists", field="id")
        if entry.idempotency_key is not None and self.by_key(entry.idempotency_key) is not None:
            raise StateConflict(
                f"a posting with key '{entry.idempotency_key}' already exists",
                field="idempotency_key",
                message_zh=f"幂等键 '{entry.idempotency_key}' 的记账已存在",
            )
        if any(
            e.sequence == entry.sequence for e in _entries(self.tx, entry.loan_id)
        ):  # (loan, sequence) unique
            raise ConcurrentUpdate(f"loan '{entry.loan_id}' already has posting {entry.sequence}")
        for name in _POSTED_AMOUNTS:
            value = getattr(entry, name, Decimal(0))
            if not value.is_finite() or value != value.quantize(_FEN):
                raise InvalidInput(
                    f"{value} has more than 2 decimal places; postings are in fen",
                    field=name,
                    message_zh=f"{value} 的小数位超过 2 位；记账金额精确到分",
                )
        before = self.state(entry.loan_id)
        if before is None:  # the loan's first posting (or a state dropped: replayed once)
            before = replay(entry.loan_id, _entries(self.tx, entry.loan_id))
        original = None if entry.reverses is None else self._entry(entry.reverses)
        after = advance_state(before, entry, original)
        stored = clone(entry)
        pending.append(stored)
        self.tx.pending_states[entry.loan_id] = after
        self.tx.pending_ledger_by_loan.setdefault(entry.loan_id, []).append(stored)
        self.tx.pending_ledger_ids.add(entry.id)
        if entry.idempotency_key is not None:
            self.tx.pending_ledger_keys[entry.idempotency_key] = stored

    def entries(self, loan_id: str) -> list[LedgerEntryRecord]:
        return _entries(self.tx, loan_id)

    def entries_of(self, loan_ids: Sequence[str]) -> dict[str, list[LedgerEntryRecord]]:
        return {loan_id: _entries(self.tx, loan_id) for loan_id in loan_ids}

    def by_key(self, idempotency_key: str) -> LedgerEntryRecord | None:
        found = self.tx.pending_ledger_keys.get(idempotency_key)
        return found if found is not None else self.tx.state.ledger_keys.get(idempotency_key)

    def state(self, loan_id: str) -> LedgerState | None:
        found = self.tx.pending_states.get(loan_id)
        return found if found is not None else self.tx.state.loan_states.get(loan_id)

    def states_of(self, loan_ids: Sequence[str]) -> dict[str, LedgerState]:
        return {i: s for i in loan_ids if (s := self.state(i)) is not None}

    def _entry(self, id: str) -> LedgerEntryRecord:
        loan_id = id.rsplit(":", 1)[0]
        found = next((e for e in _entries(self.tx, loan_id) if e.id == id), None)
        if found is None:
            found = next((e for es in self.tx.state.ledger.values() for e in es if e.id == id), None)
        if found is None:
            raise NotFound(f"no ledger entry '{id}' to reverse", field="reverses")
        return found


def _entries(tx: _MemoryTransaction, loan_id: str) -> list[LedgerEntryRecord]:
    rows = tx.state.ledger.get(loan_id, []) + tx.pending_ledger_by_loan.get(loan_id, [])
    return sorted(rows, key=lambda e: e.sequence)


class MemoryOutbox:
    def __init__(self, tx: _MemoryTransaction) -> None:
        self.tx = tx

    def _find(self, id: str) -> OutboxMessage | None:
        found = self.tx.pending_outbox.get(id)
        return found if found is not None else self.tx.state.outbox.get(id)

    def add(self, message: OutboxMessage) -> None:
        existing = self._find(message.id)
        if existing is not None and existing.dedup_key != message.dedup_key:
            raise StateConflict(
                f"outbox message '{message.id}' already exists with another dedup key", field="id"
            )
        known = (
            message.dedup_key in self.tx.state.outbox_keys or message.dedup_key in self.tx.pending_outbox_keys
        )
        if known or existing is not None:
            return
        self.tx.pending_outbox[message.id] = clone(message)
        self.tx.pending_outbox_keys.add(message.dedup_key)

    def pending(self, limit: int = 100, *, topic: str | None = None) -> list[OutboxMessage]:
        ids = self.tx.state.undelivered | self.tx.pending_outbox.keys()
        waiting = [
            m
            for m in (self._find(i) for i in ids)
            if m is not None and m.delivered_at is None and (topic is None or m.topic == topic)
        ]
        return sorted(waiting, key=lambda m: (m.created_at, m.id))[:limit]

    def _get(self, id: str) -> OutboxMessage:
        message = self._find(id)
        if message is None:
            raise NotFound(f"no outbox message with id '{id}'", field="id")
        return message

    def mark_delivered(self, id: str, at: datetime) -> None:
        message = self._get(id)
        if message.delivered_at is None:  # a second delivery report keeps the first time
            self.tx.pending_outbox[id] = message.model_copy(update={"delivered_at": at})

    def mark_failed(self, id: str, error: str) -> None:
        message = self._get(id)
        self.tx.pending_outbox[id] = message.model_copy(
            update={"attempts": message.attempts + 1, "last_error": error}
        )


class MemoryAudit:
    def __init__(self, tx: _MemoryTransaction) -> None:
        self.tx = tx

    def append(
        self,
        *,
        actor: str,
        action: str,
        subject: str,
        at: datetime,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> AuditRecord:
        head = self.tx.pending_audit[-1] if self.tx.pending_audit else self.tx.state.audit_head
        record = make_record(
            head, at=at, actor=actor, action=action, subject=subject, before=before, after=after
        )
        self.tx.pending_audit.append(record)
        return record

    def records(self, subject: str | None = None) -> list[AuditRecord]:
        chain = self.tx.state.audit + self.tx.pending_audit
        return [r for r in chain if subject is None or r.subject == subject]


class MemoryEvents:
    def __init__(self, tx: _MemoryTransaction) -> None:
        self.tx = tx

    def append(self, event: DomainEvent) -> None:
        if event.idempotency_key is not None and self.by_key(event.idempotency_key) is not None:
            raise StateConflict(
                f"a command with key '{event.idempotency_key}' already ran",
                field="idempotency_key",
                message_zh=f"幂等键 '{event.idempotency_key}' 的指令已执行",
            )
        if event.id in self.tx.state.event_ids or event.id in self.tx.pending_event_ids:
            raise StateConflict(f"event '{event.id}' already exists", field="id")
        stored = clone(event)
        self.tx.pending_events.append(stored)
        self.tx.pending_event_ids.add(event.id)
        if event.idempotency_key is not None:
            self.tx.pending_event_keys[event.idempotency_key] = stored

    def by_key(self, idempotency_key: str) -> DomainEvent | None:
        found = self.tx.pending_event_keys.get(idempotency_key)
        return found if found is not None else self.tx.state.event_keys.get(idempotency_key)

    def for_subject(self, subject: str) -> list[DomainEvent]:
        events = self.tx.state.events + self.tx.pending_events
        return [e for e in events if e.subject == subject]
