"""The append-only logs of a transaction: ledger, outbox, events, audit chain, and the inbox.

Inserts use ``ON CONFLICT DO NOTHING`` and then say which rule the row broke, so a refused
posting raises a clear error and leaves the transaction usable (no aborted PostgreSQL
transaction, no savepoint round trip). Unique constraints make the rules hold across processes:
an idempotency key, a dedup key or a (loan, sequence) pair exists once whatever the timing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Text, insert, select, type_coerce, update

from loanfactory.adapters.sql._schema import (
    AuditHeadRow,
    AuditRow,
    EventRow,
    InboxRow,
    LedgerRow,
    LoanStateRow,
    OutboxRow,
    table_of,
)
from loanfactory.adapters.sql._types import check_scale, decode, decode_text, entity_body
from loanfactory.audit import AuditHead, canonical_json, make_record
from loanfactory.entity import DomainEvent
from loanfactory.errors import NotFound, StateConflict
from loanfactory.ports import AuditRecord, ConcurrentUpdate, LedgerEntryRecord, LedgerState, OutboxMessage
from loanfactory.servicing import advance_state, replay

if TYPE_CHECKING:
    from loanfactory.adapters.sql._store import SqlTransaction

POSTED_AMOUNTS = ("amount", "principal", "interest", "penalty", "fee", "credit")
_BODY_TEXT = type_coerce(LedgerRow.body, Text)  # the stored text, parsed and decoded in one pass
_IN_LIMIT = 500  # ids bound in one IN (...): well below SQLite's and PostgreSQL's parameter limits
_STATE_BODY = LoanStateRow.body
_STATE_NAMES = ("sequence", "last_date", "principal", "interest", "penalty", "fee", "credit")
_STATE_COLUMNS = tuple(getattr(LoanStateRow, name) for name in _STATE_NAMES)


class SqlLedger:
    """Postings and each loan's state (``loan_states``), moved on with every posting appended."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx
        self._states: dict[str, LedgerState | None] = {}  # read or written in this transaction

    def append(self, entry: LedgerEntryRecord) -> None:
        values = ledger_values(entry)
        if self._tx.insert_new(table_of(LedgerRow), values):
            self._tx.chain_posting(entry)
            self._advance(entry)
            return
        connection = self._tx.connection
        if connection.execute(select(LedgerRow.id).where(LedgerRow.id == entry.id)).first():
            raise StateConflict(f"ledger entry '{entry.id}' already exists", field="id")
        if entry.idempotency_key is not None and self.by_key(entry.idempotency_key) is not None:
            raise StateConflict(
                f"a posting with key '{entry.idempotency_key}' already exists",
                field="idempotency_key",
                message_zh=f"幂等键 '{entry.idempotency_key}' 的记账已存在",
            )
        raise ConcurrentUpdate(f"loan '{entry.loan_id}' already has posting {entry.sequence}")

    def entries(self, loan_id: str) -> list[LedgerEntryRecord]:
        rows = self._tx.connection.execute(
            select(_BODY_TEXT).where(LedgerRow.loan_id == loan_id).order_by(LedgerRow.sequence)
        ).scalars()
        return [LedgerEntryRecord.model_validate(decode_text(body)) for body in rows]

    def entries_of(self, loan_ids: Sequence[str]) -> dict[str, list[LedgerEntryRecord]]:
        found: dict[str, list[LedgerEntryRecord]] = {loan_id: [] for loan_id in loan_ids}
        for start in range(0, len(loan_ids), _IN_LIMIT):
            rows = self._tx.connection.execute(
                select(_BODY_TEXT)
                .where(LedgerRow.loan_id.in_(loan_ids[start : start + _IN_LIMIT]))
                .order_by(LedgerRow.loan_id, LedgerRow.sequence)
            ).scalars()
            for body in rows:
                entry = LedgerEntryRecord.model_validate(decode_text(body))
                found[entry.loan_id].append(entry)
        return found

    def by_key(self, idempotency_key: str) -> LedgerEntryRecord | None:
        body = self._tx.connection.execute(
            select(LedgerRow.body).where(LedgerRow.idempotency_key == idempotency_key)
        ).scalar()
        return None if body is None else LedgerEntryRecord.model_validate(decode(body))

    def state(self, loan_id: str) -> LedgerState | None:
        if loan_id not in self._states:
            self.states_of([loan_id])
        return self._states[loan_id]

    def states_of(self, loan_ids: Sequence[str]) -> dict[str, LedgerState]:
        wanted = [i for i in loan_ids if i not in self._states]
        for start in range(0, len(wanted), _IN_LIMIT):
            chunk = wanted[start : start + _IN_LIMIT]
            rows = self._tx.connection.execute(
                select(_STATE_BODY, *_STATE_COLUMNS).where(LoanStateRow.loan_id.in_(chunk))
            )
            self._states.update(dict.fromkeys(chunk))
            for body, *columns in rows:
                state = state_of(body, columns)
                self._states[state.loan_id] = state
        return {i: s for i in loan_ids if (s := self._states.get(i)) is not None}

    def _advance(self, entry: LedgerEntryRecord) -> None:
        """Move the loan's state on by the posting just inserted (a loan without a state row —
        its first posting, or a book from before states were kept — is replayed once)."""
        before = self.state(entry.loan_id)
        exists = before is not None
        if before is None:
            before = replay(entry.loan_id, [e for e in self.entries(entry.loan_id) if e.id != entry.id])
        original = None if entry.reverses is None else self._entry(entry.reverses)
        after = advance_state(before, entry, original)
        table = table_of(LoanStateRow)
        if exists:
            values = state_values(after)
            del values["loan_id"]
            self._tx.connection.execute(
                update(table).where(LoanStateRow.loan_id == entry.loan_id).values(**values)
            )
        else:
            self._tx.connection.execute(table.insert(), state_values(after))
        self._states[entry.loan_id] = after

    def _entry(self, id: str) -> LedgerEntryRecord:
        body = self._tx.connection.execute(select(_BODY_TEXT).where(LedgerRow.id == id)).scalar()
        if body is None:
            raise NotFound(f"no ledger entry '{id}' to reverse", field="reverses")
        return LedgerEntryRecord.model_validate(decode_text(body))

    def save_states(self, states: Sequence[LedgerState], *, replacing: Sequence[str] = ()) -> None:
        """Write states as they are (a bulk load, ``db rebuild-state``), after deleting the state
        rows of the loans ``replacing`` names."""
        table = table_of(LoanStateRow)
        for start in range(0, len(replacing), _IN_LIMIT):
            chunk = replacing[start : start + _IN_LIMIT]
            self._tx.connection.execute(table.delete().where(LoanStateRow.loan_id.in_(chunk)))
            self._states.update(dict.fromkeys(chunk))
        if states:
            self._tx.connection.execute(table.insert(), [state_values(s) for s in states])
        self._states.update({s.loan_id: s for s in states})


def state_of(body: str, columns: Sequence[Any]) -> LedgerState:
    """A stored state: its body, with the typed columns as they are (a column edited around the
    store is what the application reads, and what ``verify-state`` finds)."""
    return LedgerState.model_validate_json(body).model_copy(
        update=dict(zip(_STATE_NAMES, columns, strict=True))
    )


def state_values(state: LedgerState) -> dict[str, Any]:
    """The ``loan_states`` row of a state."""
    return {
        "loan_id": state.loan_id,
        "sequence": state.sequence,
        "last_date": state.last_date,
        "principal": state.principal,
        "interest": state.interest,
        "penalty": state.penalty,
        "fee": state.fee,
        "credit": state.credit,
        "body": state.model_dump_json(),  # pydantic's own JSON: read back by model_validate_json
    }


def ledger_values(entry: LedgerEntryRecord) -> dict[str, Any]:
    """The row of a posting (its amounts checked to be in fen)."""
    for name in POSTED_AMOUNTS:
        check_scale(getattr(entry, name), 2, name)
    return {
        "id": entry.id,
        "loan_id": entry.loan_id,
        "sequence": entry.sequence,
        "type": entry.type,
        "business_date": entry.business_date,
        "posted_at": entry.posted_at,
        "amount": entry.amount,
        "principal": entry.principal,
        "interest": entry.interest,
        "penalty": entry.penalty,
        "fee": entry.fee,
        "credit": entry.credit,
        "reverses": entry.reverses,
        "idempotency_key": entry.idempotency_key,
        "body": entity_body(entry),
    }


class SqlOutbox:
    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def add(self, message: OutboxMessage) -> None:
        if self._tx.insert_new(table_of(OutboxRow), _outbox_values(message)):
            return
        existing = self._tx.connection.execute(
            select(OutboxRow.dedup_key).where(OutboxRow.id == message.id)
        ).scalar()
        if existing is not None and existing != message.dedup_key:
            raise StateConflict(
                f"outbox message '{message.id}' already exists with another dedup key", field="id"
            )
        # same dedup key: already queued, ignored on purpose

    def pending(self, limit: int = 100, *, topic: str | None = None) -> list[OutboxMessage]:
        query = select(OutboxRow.body).where(OutboxRow.delivered_at.is_(None))
        if topic is not None:  # through ix_outbox_topic_pending: (topic, delivered_at, created_at, id)
            query = query.where(OutboxRow.topic == topic)
        rows = self._tx.connection.execute(
            query.order_by(OutboxRow.created_at, _ordered(self._tx, OutboxRow.id)).limit(limit)
        ).scalars()
        return [OutboxMessage.model_validate(decode(body)) for body in rows]

    def mark_delivered(self, id: str, at: datetime) -> None:
        message = self._get(id)
        if message.delivered_at is None:
            self._save(message.model_copy(update={"delivered_at": at}))

    def mark_failed(self, id: str, error: str) -> None:
        message = self._get(id)
        self._save(message.model_copy(update={"attempts": message.attempts + 1, "last_error": error}))

    def get(self, id: str) -> OutboxMessage | None:
        body = self._tx.connection.execute(select(OutboxRow.body).where(OutboxRow.id == id)).scalar()
        return None if body is None else OutboxMessage.model_validate(decode(body))

    def _get(self, id: str) -> OutboxMessage:
        found = self.get(id)
        if found is None:
            raise NotFound(f"no outbox message with id '{id}'", field="id")
        return found

    def _save(self, message: OutboxMessage) -> None:
        values = _outbox_values(message)
        del values["id"]
        self._tx.connection.execute(update(OutboxRow).where(OutboxRow.id == message.id).values(**values))


def _outbox_values(message: OutboxMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "topic": message.topic,
        "dedup_key": message.dedup_key,
        "created_at": message.created_at,
        "attempts": message.attempts,
        "delivered_at": message.delivered_at,
        "last_error": message.last_error,
        "body": entity_body(message),
    }


class SqlEvents:
    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def append(self, event: DomainEvent) -> None:
        self._tx.note_time(event.at)
        values = {
            "id": event.id,
            "type": event.type,
            "subject": event.subject,
            "at": event.at,
            "actor": event.actor,
            "idempotency_key": event.idempotency_key,
            "body": entity_body(event),
        }
        if self._tx.insert_new(table_of(EventRow), values):
            return
        if event.idempotency_key is not None and self.by_key(event.idempotency_key) is not None:
            raise StateConflict(
                f"a command with key '{event.idempotency_key}' already ran",
                field="idempotency_key",
                message_zh=f"幂等键 '{event.idempotency_key}' 的指令已执行",
            )
        raise StateConflict(f"event '{event.id}' already exists", field="id")

    def by_key(self, idempotency_key: str) -> DomainEvent | None:
        body = self._tx.connection.execute(
            select(EventRow.body).where(EventRow.idempotency_key == idempotency_key)
        ).scalar()
        return None if body is None else DomainEvent.model_validate(decode(body))

    def for_subject(self, subject: str) -> list[DomainEvent]:
        rows = self._tx.connection.execute(
            select(EventRow.body).where(EventRow.subject == subject).order_by(EventRow.position)
        ).scalars()
        return [DomainEvent.model_validate(decode(body)) for body in rows]


_AUDIT_INSERT = insert(AuditRow)  # statements built once, values bound on execution
_HEAD_UPDATE = update(AuditHeadRow).where(AuditHeadRow.id == 1)
_HEAD_READ = select(AuditHeadRow.sequence, AuditHeadRow.hash).where(AuditHeadRow.id == 1)
_HEAD_LOCK = _HEAD_READ.with_for_update()


class SqlAudit:
    """Appends lock the head row, so links are written one after another across processes."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx
        self._head: AuditHead | None = None  # locked and cached for the rest of the transaction
        self._unwritten: list[AuditRecord] = []  # appended, not yet written (see flush)

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
        head = self._head or self._lock_head()
        record = make_record(
            head, at=at, actor=actor, action=action, subject=subject, before=before, after=after
        )
        self._tx.note_time(at)
        self._unwritten.append(record)  # written with the transaction's other links (flush)
        self._head = AuditHead(record.sequence, record.hash)
        return record

    def extend(self, links: list[tuple[datetime, str, str, str, dict[str, Any]]]) -> None:
        """Append ``(at, actor, action, subject, after)`` links in one statement and one head update."""
        if links:
            head = self._head or self._lock_head()
            for at, actor, action, subject, after in links:
                record = make_record(head, at=at, actor=actor, action=action, subject=subject, after=after)
                self._unwritten.append(record)
                head = AuditHead(record.sequence, record.hash)
            self._head = head
        self.flush()

    def flush(self) -> None:
        """Write the links appended so far in one statement, and the head once (the store calls it
        before the transaction commits, and every read of the chain does first)."""
        if not self._unwritten:
            return
        connection = self._tx.connection
        connection.execute(_AUDIT_INSERT, [record_values(r) for r in self._unwritten])
        last = self._unwritten[-1]
        connection.execute(_HEAD_UPDATE, {"sequence": last.sequence, "hash": last.hash})
        self._unwritten.clear()

    def records(self, subject: str | None = None) -> list[AuditRecord]:
        self.flush()
        query = select(AuditRow).order_by(AuditRow.sequence)
        if subject is not None:
            query = query.where(AuditRow.subject == subject)
        return [row_record(row) for row in self._tx.connection.execute(query).all()]

    def record(self, sequence: int) -> AuditRecord | None:
        """The link with this sequence number, if it is stored."""
        self.flush()
        row = self._tx.connection.execute(select(AuditRow).where(AuditRow.sequence == sequence)).first()
        return None if row is None else row_record(row)

    def head(self) -> AuditHead:
        self.flush()
        row = self._tx.connection.execute(
            select(AuditHeadRow.sequence, AuditHeadRow.hash).where(AuditHeadRow.id == 1)
        ).first()
        if row is None:
            raise StateConflict(
                "the audit head row is missing: the audit log was tampered with or "
                "the database was not migrated",
                field="audit_head",
            )
        return AuditHead(row.sequence, row.hash)

    def _lock_head(self) -> AuditHead:
        query = _HEAD_LOCK if self._tx.dialect == "postgresql" else _HEAD_READ
        row = self._tx.connection.execute(query).first()
        if row is None:
            raise StateConflict(
                "the audit head row is missing: the audit log was tampered with or "
                "the database was not migrated",
                field="audit_head",
            )
        return AuditHead(row.sequence, row.hash)


def record_values(record: AuditRecord) -> dict[str, Any]:
    return {
        "sequence": record.sequence,
        "at": record.at.isoformat(),
        "actor": record.actor,
        "action": record.action,
        "subject": record.subject,
        "previous_hash": record.previous_hash,
        "hash": record.hash,
        "before": None if record.before is None else canonical_json(record.before),
        "after": None if record.after is None else canonical_json(record.after),
    }


def row_record(row: Any) -> AuditRecord:
    return AuditRecord(
        sequence=row.sequence,
        at=datetime.fromisoformat(row.at),
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        before=None if row.before is None else json.loads(row.before),
        after=None if row.after is None else json.loads(row.after),
        previous_hash=row.previous_hash,
        hash=row.hash,
    )


class SqlInbox:
    """The receiving side's dedup keys: ``accept`` is True the first time a key is seen."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def accept(self, key: str, *, receiver: str, at: datetime) -> bool:
        return self._tx.insert_new(table_of(InboxRow), {"key": key, "receiver": receiver, "received_at": at})

    def seen(self, key: str) -> bool:
        return (
            self._tx.connection.execute(select(InboxRow.key).where(InboxRow.key == key)).first() is not None
        )


def _ordered(tx: SqlTransaction, column: Any) -> Any:
    return column.collate("C") if tx.dialect == "postgresql" else column
