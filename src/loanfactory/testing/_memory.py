"""An in-memory :class:`loanfactory.ports.Store` with the same semantics as the SQL store.

Transactions are serialisable: one at a time holds the store's lock (re-entrant, so a
transaction opened inside another joins it). Writes are buffered and applied at commit; an
exception inside ``with store.transaction()`` discards them, so nothing is written half.
Optimistic version checks, unique idempotency keys, outbox dedup keys and the audit hash chain
behave exactly as in :mod:`loanfactory.adapters.sql` — the store contract tests (``tests/store``)
run on both. Stored values are copies: changing a dict inside an entity after saving it, or
inside one read back, does not change what is stored (as with a database). Only the parts that
can change are copied (:mod:`loanfactory.testing._clone`), and indexed attributes are looked up
through hash indexes, so a store holding a large book stays fast.

As in the SQL store, every ledger posting and every new or changed money record (an entity kind
with ``audited`` fields) gets its link in the audit chain when the transaction commits
(:mod:`loanfactory.audit`); a record's link is stamped with the newest time the transaction's
writes carry (its postings, events and links), else by ``clock`` when one is given.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar, cast

from loanfactory.audit import (
    EMPTY_HEAD,
    LEDGER_ACTOR,
    LOADED,
    POSTED,
    STORE_ACTOR,
    AuditHead,
    entity_state,
    loaded_state,
    plain_seal,
    posting_state,
    state_action,
    state_changed,
)
from loanfactory.entity import DomainEvent, Entity
from loanfactory.errors import InvalidInput, NotFound, StateConflict
from loanfactory.ports import (
    AuditLog,
    AuditRecord,
    Clock,
    ConcurrentUpdate,
    EventLog,
    Ledger,
    LedgerEntryRecord,
    LedgerState,
    Outbox,
    OutboxMessage,
    Transaction,
)
from loanfactory.servicing import replay_book
from loanfactory.testing._books import BooksState, MemoryBooks
from loanfactory.testing._clone import clone
from loanfactory.testing._memory_logs import MemoryAudit, MemoryEvents, MemoryLedger, MemoryOutbox
from loanfactory.testing._reports import MemoryReports, PositionsState

_FEN = Decimal("0.01")
_POSTED_AMOUNTS = ("amount", "principal", "interest", "penalty", "fee", "credit")

E = TypeVar("E", bound=Entity)


class _State:
    def __init__(self) -> None:
        self.entities: dict[str, dict[str, Entity]] = {}
        # kind -> attribute -> value -> ids (for Repository.list on indexed attributes)
        self.index: dict[str, dict[str, dict[Any, set[str]]]] = {}
        self.ledger: dict[str, list[LedgerEntryRecord]] = {}
        self.ledger_ids: set[str] = set()
        self.ledger_keys: dict[str, LedgerEntryRecord] = {}
        self.loan_states: dict[str, LedgerState] = {}
        self.outbox: dict[str, OutboxMessage] = {}
        self.outbox_keys: set[str] = set()
        self.undelivered: set[str] = set()
        self.audit: list[AuditRecord] = []
        self.events: list[DomainEvent] = []
        self.event_ids: set[str] = set()
        self.event_keys: dict[str, DomainEvent] = {}
        self.audit_head: AuditHead = EMPTY_HEAD
        self.books = BooksState()
        self.positions = PositionsState()


class MemoryStore:
    """State in dictionaries; for tests, examples and embedding without a database."""

    def __init__(self, *, clock: Clock | None = None) -> None:
        self._state = _State()
        self._lock = threading.RLock()
        self._local = threading.local()
        self.clock = clock

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        current: _MemoryTransaction | None = getattr(self._local, "tx", None)
        if current is not None:  # nested: join the open transaction
            yield current
            return
        with self._lock:
            tx = _MemoryTransaction(self._state, self.clock)
            self._local.tx = tx
            try:
                yield tx
                tx.commit()
            finally:
                self._local.tx = None

    def load(self, entities: list[Entity], postings: list[LedgerEntryRecord], *, at: datetime) -> None:
        """Store a ready-made book in one transaction (批量导入): entities (at version 1) and ledger
        postings as they are, with one audit link (``book.loaded``) digesting all of them instead of
        one link each. Any id or key already stored refuses the whole load."""
        with self.transaction() as tx:
            assert isinstance(tx, _MemoryTransaction)
            state = self._state
            new: dict[tuple[str, str], Entity] = {}
            for entity in entities:
                if entity.id in state.entities.get(entity.kind, {}) or (entity.kind, entity.id) in new:
                    raise StateConflict(f"{entity.kind} '{entity.id}' already exists", field="id")
                new[(entity.kind, entity.id)] = entity.model_copy(update={"version": 1})
            ids = {e.id for e in postings}
            keys = [e.idempotency_key for e in postings if e.idempotency_key is not None]
            if len(ids) < len(postings) or ids & state.ledger_ids:
                raise StateConflict("a posting id of the load is already taken", field="id")
            if len(set(keys)) < len(keys) or any(k in state.ledger_keys for k in keys):
                raise StateConflict("a posting key of the load is already taken", field="idempotency_key")
            tx.audit.append(
                actor=STORE_ACTOR,
                action=LOADED,
                subject="book",
                at=at,
                after=loaded_state(entities, postings),
            )
            for (kind, id), entity in new.items():
                _index_put(state, kind, type(entity).indexes, None, entity)
                state.entities.setdefault(kind, {})[id] = entity
            for entry in sorted(postings, key=lambda e: (e.loan_id, e.sequence)):
                state.ledger.setdefault(entry.loan_id, []).append(entry)
                state.ledger_ids.add(entry.id)
                if entry.idempotency_key is not None:
                    state.ledger_keys[entry.idempotency_key] = entry
            state.loan_states.update((s.loan_id, s) for s in replay_book(postings))

    # read-only views for tests and reports
    def entities_of_every_kind(self) -> dict[str, dict[str, Entity]]:
        """Every stored entity, by kind and id (a snapshot; the entities are shared, not copied)."""
        with self._lock:
            return {kind: dict(found) for kind, found in self._state.entities.items()}

    def audit_records(self) -> list[AuditRecord]:
        with self._lock:
            return list(self._state.audit)

    def audit_head(self) -> AuditHead:
        """The newest audit link, kept apart from the records (so a cut-off tail shows)."""
        with self._lock:
            return self._state.audit_head

    def tamper_audit(self, sequence: int, **changes: Any) -> None:
        """Edit an audit record in place (to test that the verifier notices)."""
        with self._lock:
            index = sequence - 1
            self._state.audit[index] = self._state.audit[index].model_copy(update=changes)

    def delete_audit(self, sequence: int) -> None:
        """Delete an audit record (to test that the verifier notices)."""
        with self._lock:
            self._state.audit = [r for r in self._state.audit if r.sequence != sequence]

    def tamper_posting(self, entry_id: str, **changes: Any) -> None:
        """Edit a ledger posting in place, or delete it with ``changes`` empty (to test that
        ``verify_books`` notices)."""
        with self._lock:
            for loan_id, entries in self._state.ledger.items():
                for i, entry in enumerate(entries):
                    if entry.id == entry_id:
                        if changes:
                            entries[i] = entry.model_copy(update=changes)
                        else:
                            del entries[i]
                        self._state.ledger[loan_id] = entries
                        return
        raise KeyError(entry_id)

    def tamper_state(self, loan_id: str, **changes: Any) -> None:
        """Edit a loan's kept state in place, or drop it with ``changes`` empty (to test that
        ``verify-state`` finds it)."""
        with self._lock:
            if changes:
                current = self._state.loan_states[loan_id]
                self._state.loan_states[loan_id] = current.model_copy(update=changes)
            else:
                del self._state.loan_states[loan_id]

    def tamper_entity(self, kind: type[Entity], id: str, **changes: Any) -> None:
        """Edit a stored entity in place, bypassing versions and links (to test verification)."""
        with self._lock:
            table = self._state.entities[kind.kind]
            table[id] = table[id].model_copy(update=changes)


class _Repo:
    def __init__(self, tx: _MemoryTransaction, kind: type[Entity]) -> None:
        self.tx = tx
        self.kind = kind
        self.committed = tx.state.entities.setdefault(kind.kind, {})
        self.pending = tx.pending.setdefault(kind.kind, {})

    def _current(self, id: str) -> Entity | None:
        return self.pending[id] if id in self.pending else self.committed.get(id)

    def find(self, id: str) -> Entity | None:
        found = self._current(id)
        return None if found is None else clone(found)

    def get(self, id: str) -> Entity:
        found = self.find(id)
        if found is None:
            raise NotFound(
                f"no {self.kind.kind} with id '{id}'",
                field="id",
                message_zh=f"找不到编号为 '{id}' 的 {self.kind.kind}",
            )
        return found

    def lock(self, id: str) -> Entity:
        return self.get(id)  # the whole transaction already holds the store lock

    def add(self, entity: Entity) -> Entity:
        self._check_type(entity)
        if self._current(entity.id) is not None:
            raise StateConflict(
                f"{self.kind.kind} '{entity.id}' already exists",
                field="id",
                message_zh=f"{self.kind.kind} '{entity.id}' 已存在",
            )
        stored = clone(entity).model_copy(update={"version": 1})
        self.pending[entity.id] = stored
        return clone(stored)

    def _check_type(self, entity: Entity) -> None:
        if not isinstance(entity, self.kind):
            raise TypeError(f"expected {self.kind.__name__}, got {type(entity).__name__}")

    def update(self, entity: Entity) -> Entity:
        self._check_type(entity)
        current = self._current(entity.id)
        if current is None:
            self.get(entity.id)  # raises NotFound
        assert current is not None
        if current.version != entity.version:
            raise ConcurrentUpdate(
                f"{self.kind.kind} '{entity.id}' changed (read at version {entity.version}, "
                f"now {current.version})"
            )
        stored = clone(entity).model_copy(update={"version": entity.version + 1})
        self.pending[entity.id] = stored
        return clone(stored)

    def ids(self, **where: Any) -> list[str]:
        return [e.id for e in self._matching(where)]

    def _matching(self, where: dict[str, Any]) -> list[Entity]:
        for key in where:
            if key not in self.kind.indexes and key != "id":
                raise InvalidInput(
                    f"{self.kind.kind} is not indexed by '{key}'",
                    field=key,
                    message_zh=f"{self.kind.kind} 没有按 '{key}' 建索引",
                )
        candidates = self._committed_candidates(where)
        found = [
            e
            for e in (self._current(id) for id in candidates | self.pending.keys())
            if e is not None and all(_attribute(e, k) == v for k, v in where.items())
        ]
        return sorted(found, key=lambda e: e.id)

    def list(self, **where: Any) -> list[Entity]:
        return [clone(e) for e in self._matching(where)]

    def _committed_candidates(self, where: dict[str, Any]) -> set[str]:
        """Ids of committed entities that may match (every id when no index can narrow it)."""
        if "id" in where:
            return {where["id"]} if where["id"] in self.committed else set()
        indexes = self.tx.state.index.get(self.kind.kind, {})
        best: set[str] | None = None
        for key, value in where.items():
            try:
                ids = indexes.get(key, {}).get(value, set())
            except TypeError:  # an unhashable value: no index for it
                continue
            best = ids if best is None or len(ids) < len(best) else best
        return set(self.committed) if best is None else set(best)


def _index_put(
    state: _State, kind: str, attributes: tuple[str, ...], old: Entity | None, new: Entity
) -> None:
    table = state.index.setdefault(kind, {})
    for attribute in attributes:
        values = table.setdefault(attribute, {})
        if old is not None:
            with suppress(TypeError):
                values.get(_attribute(old, attribute), set()).discard(old.id)
        with suppress(TypeError):  # unhashable values are found by scanning
            values.setdefault(_attribute(new, attribute), set()).add(new.id)


def _attribute(entity: Entity, path: str) -> Any:
    value: Any = entity
    for part in path.split("."):
        if value is None:
            return None
        value = getattr(value, part)
    return value


class _MemoryTransaction:
    def __init__(self, state: _State, clock: Clock | None = None) -> None:
        self.state = state
        self.clock = clock
        self.pending: dict[str, dict[str, Entity]] = {}
        self.pending_ledger: list[LedgerEntryRecord] = []
        self.pending_ledger_by_loan: dict[str, list[LedgerEntryRecord]] = {}  # the same, by loan
        self.pending_ledger_ids: set[str] = set()
        self.pending_ledger_keys: dict[str, LedgerEntryRecord] = {}
        self.pending_states: dict[str, LedgerState] = {}
        self.pending_outbox: dict[str, OutboxMessage] = {}
        self.pending_outbox_keys: set[str] = set()
        self.pending_audit: list[AuditRecord] = []
        self.pending_events: list[DomainEvent] = []
        self.pending_event_ids: set[str] = set()
        self.pending_event_keys: dict[str, DomainEvent] = {}
        self.ledger: Ledger = MemoryLedger(self)
        self.outbox: Outbox = MemoryOutbox(self)
        self.audit: AuditLog = MemoryAudit(self)
        self.events: EventLog = MemoryEvents(self)
        self._repos: dict[str, _Repo] = {}
        self._books: MemoryBooks | None = None
        self._reports: MemoryReports | None = None

    @property
    def books(self) -> MemoryBooks:
        """The books of the general ledger (:mod:`loanfactory.accounting`) in this transaction."""
        if self._books is None:
            self._books = MemoryBooks(self)
        return self._books

    @property
    def reports(self) -> MemoryReports:
        """Report queries and stored positions (:mod:`loanfactory.reporting`) in this transaction."""
        if self._reports is None:
            self._reports = MemoryReports(self, self.state.positions)
        return self._reports

    def repo(self, kind: type[E]) -> Any:
        repo = self._repos.get(kind.kind)
        if repo is None:
            repo = self._repos[kind.kind] = _Repo(self, kind)
        return cast(Any, repo)

    def _money_links(self) -> None:
        """Chain the postings and the new or changed money records of this transaction."""
        links: list[tuple[datetime, str, str, str, dict[str, Any]]] = [
            (e.posted_at, LEDGER_ACTOR, POSTED, e.loan_id, posting_state(e)) for e in self.pending_ledger
        ]
        moment: datetime | None = None
        for kind, entities in self.pending.items():
            committed = self.state.entities.get(kind, {})
            for id, entity in entities.items():
                if state_changed(committed.get(id), entity):
                    moment = moment or self._moment()
                    after = entity_state(entity, plain_seal)
                    links.append((moment, STORE_ACTOR, state_action(kind), id, after))
        for at, actor, action, subject, after in links:
            self.audit.append(actor=actor, action=action, subject=subject, at=at, after=after)

    def _moment(self) -> datetime:
        times = [e.at for e in self.pending_events] + [e.posted_at for e in self.pending_ledger]
        times += [r.at for r in self.pending_audit]
        if times:
            return max(times)
        if self.clock is not None:
            return self.clock.now()
        return self.state.audit[-1].at if self.state.audit else datetime(1970, 1, 1, tzinfo=UTC)

    def commit(self) -> None:
        self._money_links()
        state = self.state
        if self._books is not None:
            self._books.commit()
        if self._reports is not None:
            self._reports.commit()
        for kind, entities in self.pending.items():
            committed = state.entities.setdefault(kind, {})
            attributes = self._repos[kind].kind.indexes if kind in self._repos else ()
            for id, entity in entities.items():
                _index_put(state, kind, attributes, committed.get(id), entity)
                committed[id] = entity
        for entry in self.pending_ledger:
            state.ledger.setdefault(entry.loan_id, []).append(entry)
            state.ledger_ids.add(entry.id)
            if entry.idempotency_key is not None:
                state.ledger_keys[entry.idempotency_key] = entry
        state.loan_states.update(self.pending_states)
        for id, message in self.pending_outbox.items():
            state.outbox[id] = message
            state.outbox_keys.add(message.dedup_key)
            if message.delivered_at is None:
                state.undelivered.add(id)
            else:
                state.undelivered.discard(id)
        state.audit.extend(self.pending_audit)
        if self.pending_audit:
            state.audit_head = AuditHead(self.pending_audit[-1].sequence, self.pending_audit[-1].hash)
        for event in self.pending_events:
            state.events.append(event)
            state.event_ids.add(event.id)
            if event.idempotency_key is not None:
                state.event_keys[event.idempotency_key] = event
