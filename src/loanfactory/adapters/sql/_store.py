"""The SQL store: :class:`loanfactory.ports.Store` on SQLite or PostgreSQL.

``with store.transaction() as tx:`` opens one database transaction; leaving the block commits it,
an exception rolls everything back (entities, postings, outbox messages, audit links together).
A transaction opened inside another on the same thread joins it, as in the memory store.
Driver errors that mean "another writer got in the way" surface as
:class:`~loanfactory.ports.ConcurrentUpdate`, which a command may retry.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime
from typing import Any, Literal, TypeVar, cast

from sqlalchemy import Connection, Engine, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, IntegrityError

from loanfactory.adapters.clock import SystemClock
from loanfactory.adapters.sql._books import SqlBooks
from loanfactory.adapters.sql._catalog import ProductCatalog
from loanfactory.adapters.sql._crypto import PiiCipher
from loanfactory.adapters.sql._engine import concurrency_error, database_url, make_engine, mask_url
from loanfactory.adapters.sql._logs import SqlAudit, SqlEvents, SqlInbox, SqlLedger, SqlOutbox, ledger_values
from loanfactory.adapters.sql._mapping import EntityMappings
from loanfactory.adapters.sql._repo import SqlRepository
from loanfactory.adapters.sql._reporting import SqlReports
from loanfactory.adapters.sql._schema import LedgerRow, table_of
from loanfactory.audit import (
    LEDGER_ACTOR,
    LOADED,
    POSTED,
    STORE_ACTOR,
    AuditHead,
    Seal,
    entity_state,
    loaded_state,
    plain_seal,
    posting_state,
    state_action,
    state_changed,
)
from loanfactory.entity import Entity
from loanfactory.errors import StateConflict
from loanfactory.ports import Clock, ConcurrentUpdate, LedgerEntryRecord
from loanfactory.servicing import replay_book

E = TypeVar("E", bound=Entity)


class SqlStore:
    """State in a SQL database (see the module docstring).

    ``url``: ``None`` (``$LOANFACTORY_DB`` or ``sqlite:///loanfactory.db``), a path, or a SQLAlchemy
    URL. ``migrate``: ``None`` upgrades a SQLite database to the newest schema on open (no set-up)
    and checks that a PostgreSQL one is up to date (production runs ``loanfactory db upgrade``);
    ``True`` always upgrades, ``False`` does neither. ``mappings``: the entity tables (the package's
    own by default; add yours with ``default_mappings().with_(...)``). ``cipher``: ``"env"`` reads
    ``$LOANFACTORY_PII_KEY`` (no encryption when unset). The compliance archive keeps its records
    as entities here (:mod:`loanfactory.archive`).
    """

    def __init__(
        self,
        url: str | URL | None = None,
        *,
        mappings: EntityMappings | None = None,
        clock: Clock | None = None,
        cipher: PiiCipher | Literal["env"] | None = "env",
        migrate: bool | None = None,
        echo: bool = False,
    ) -> None:
        self.url = database_url(url)
        if mappings is None:
            from loanfactory.adapters.sql._entities import default_mappings

            mappings = default_mappings()
        self.mappings = mappings
        self.clock: Clock = clock or SystemClock()
        self.cipher = PiiCipher.from_env() if cipher == "env" else cipher
        self.engine: Engine = make_engine(self.url, echo=echo)
        self.dialect = self.engine.dialect.name
        self._local = threading.local()
        # SQLite has one writer and every transaction here begins IMMEDIATE: threads of this
        # process queue on a lock rather than in SQLite's busy handler, which polls with sleeps
        # of up to 100 ms and lets a waiting writer starve (a 1 s p99 under load).
        self._writer = threading.Lock() if self.dialect == "sqlite" else None
        self._inserts: dict[str, Any] = {}
        from loanfactory.adapters.sql._migrate import require_head, upgrade

        try:
            if migrate or (migrate is None and self.dialect == "sqlite"):
                upgrade(self.engine)
            elif migrate is None:
                require_head(self.engine)
        except BaseException:
            self.engine.dispose()  # no pooled connection outlives a store that failed to open
            raise

    def __repr__(self) -> str:
        return f"SqlStore({mask_url(self.url)!r})"

    @contextmanager
    def transaction(self) -> Iterator[SqlTransaction]:
        current: SqlTransaction | None = getattr(self._local, "tx", None)
        if current is not None:  # nested: join the open transaction
            yield current
            return
        try:
            with self._writer or nullcontext(), self.engine.begin() as connection:
                tx = SqlTransaction(self, connection)
                self._local.tx = tx
                try:
                    yield tx
                    tx.chain_money()
                finally:
                    self._local.tx = None
        except DBAPIError as exc:
            if concurrency_error(exc):
                raise ConcurrentUpdate(
                    f"another writer got in the way ({type(exc.orig).__name__}); retry"
                ) from exc
            raise

    def insert_statement(self, table: Table) -> Any:
        """``INSERT ... ON CONFLICT DO NOTHING`` for ``table``, built once (parameters bound per call)."""
        statement = self._inserts.get(table.name)
        if statement is None:
            dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
            statement = self._inserts[table.name] = dialect_insert(table).on_conflict_do_nothing()
        return statement

    def load(self, entities: list[Entity], postings: list[LedgerEntryRecord], *, at: datetime) -> None:
        """Store a ready-made book in one transaction (批量导入): entities (at version 1) and ledger
        postings as they are, written by executemany, with one audit link (``book.loaded``)
        digesting all of them instead of one link each. A taken id or key refuses the whole load."""
        by_table: dict[str, tuple[Table, list[dict[str, Any]]]] = {}
        for entity in entities:
            mapping = self.mappings.for_kind(type(entity))
            stored = entity.model_copy(update={"version": 1})
            row = {
                "id": entity.id,
                "version": 1,
                "created_at": at,
                "updated_at": at,
                "body": mapping.dump(stored, self.cipher),
                **mapping.typed_values(stored, self.cipher),
            }
            by_table.setdefault(mapping.table.name, (mapping.table, []))[1].append(row)
        with self.transaction() as tx:
            try:
                for table, rows in by_table.values():
                    tx.connection.execute(table.insert(), rows)
                if postings:
                    tx.connection.execute(table_of(LedgerRow).insert(), [ledger_values(e) for e in postings])
                    tx.ledger.save_states(replay_book(postings))
            except IntegrityError as exc:
                raise StateConflict(
                    f"the load names an id or key already stored ({type(exc.orig).__name__})",
                    field="id",
                    message_zh="导入的编号或幂等键已存在",
                ) from exc
            tx.audit.append(
                actor=STORE_ACTOR,
                action=LOADED,
                subject="book",
                at=at,
                after=loaded_state(entities, postings),
            )
            tx.note_time(at)
            from loanfactory.adapters.sql._migrate import analyze

            analyze(tx.connection)  # a bulk change: the planner's statistics are stale

    def audit_head(self) -> AuditHead:
        """The newest audit link (publish it elsewhere now and then as an anchor)."""
        with self.transaction() as tx:
            return tx.audit.head()

    def dispose(self) -> None:
        """Close every pooled connection (call before dropping a test database)."""
        self.engine.dispose()


class SqlTransaction:
    """One unit of work (:class:`loanfactory.ports.Transaction`) plus the store's extra logs."""

    def __init__(self, store: SqlStore, connection: Connection) -> None:
        self.store = store
        self.connection = connection
        self.dialect = store.dialect
        self.cipher = store.cipher
        self.ledger = SqlLedger(self)
        self.outbox = SqlOutbox(self)
        self.audit = SqlAudit(self)
        self.events = SqlEvents(self)
        self.inbox = SqlInbox(self)
        self.catalog = ProductCatalog(self)
        self.books = SqlBooks(self)  # the general ledger's tables (loanfactory.accounting)
        self._repos: dict[str, SqlRepository] = {}
        self._postings: list[LedgerEntryRecord] = []
        self._states: dict[tuple[str, str], tuple[Entity | None, Entity]] = {}
        self._seen: dict[tuple[str, str], Entity] = {}
        self.kept: dict[tuple[str, str], Entity] = {}  # entities read or written here, by kind and id
        self._latest: datetime | None = None  # the newest time this transaction's writes carry

    def repo(self, kind: type[E]) -> Any:
        repo = self._repos.get(kind.kind)
        if repo is None:
            repo = self._repos[kind.kind] = SqlRepository(self, self.store.mappings.for_kind(kind))
        return cast(Any, repo)

    @property
    def reports(self) -> SqlReports:
        """Report queries and stored positions (:mod:`loanfactory.reporting`) in this transaction."""
        return SqlReports(self)

    def now(self) -> datetime:
        return self.store.clock.now()

    # --- money in the audit chain (loanfactory.audit), written at commit -------------------------

    @property
    def seal(self) -> Seal:
        """How personal data in a money record's link is digested: the PII key's HMAC, if any."""
        return self.cipher.blind if self.cipher is not None else plain_seal

    def chain_posting(self, entry: LedgerEntryRecord) -> None:
        self._postings.append(entry)
        self.note_time(entry.posted_at)

    def note_time(self, at: datetime) -> None:
        """A time a write of this transaction carries (the service's clock, not the database's)."""
        if self._latest is None or at > self._latest:
            self._latest = at

    def saw(self, entity: Entity) -> None:
        """A money record as read: what a later update is compared with."""
        self._seen.setdefault((entity.kind, entity.id), entity)

    def seen(self, kind: str, id: str) -> Entity | None:
        return self._seen.get((kind, id))

    def chain_state(self, before: Entity | None, after: Entity) -> None:
        key = (after.kind, after.id)
        first = self._states[key][0] if key in self._states else before
        self._states[key] = (first, after)

    def chain_money(self) -> None:
        links = [(e.posted_at, LEDGER_ACTOR, POSTED, e.loan_id, posting_state(e)) for e in self._postings]
        changed = [
            (key, after) for key, (before, after) in self._states.items() if state_changed(before, after)
        ]
        if changed:  # stamped as the memory store does: the newest time of the command's writes
            at, seal = self._latest or self.now(), self.seal
            links += [(at, STORE_ACTOR, state_action(k), id, entity_state(e, seal)) for (k, id), e in changed]
        self.audit.extend(links)
        self._postings.clear()
        self._states.clear()

    def insert_new(self, table: Table, values: dict[str, Any]) -> bool:
        """Insert unless a unique key is taken; True when the row went in."""
        statement = self.store.insert_statement(table)
        result = self.connection.execute(statement, values, execution_options={"preserve_rowcount": True})
        return bool(result.rowcount == 1)
