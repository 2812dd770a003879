"""Verify a store: the audit chain alone (:func:`verify_audit`), or the chain and the books
against it (:func:`verify_sql_books`).

Both read the chain in sequence order in pages (a large log is never loaded whole), check every
link with :func:`loanfactory.audit.verify_chain`, and check that the chain reaches the head row
with the same hash, so rows deleted from the end show as well as edited, inserted or deleted
ones. An ``anchor`` (a head published earlier, e.g. with ``loanfactory db audit-head``) must still
be in the chain with the same hash: that catches a rewrite of the whole tail including the head row.

:func:`verify_sql_books` also reads every ledger row and every money record (entity kinds with
``audited`` fields) in pages and hands them to :class:`~loanfactory.servicing.LedgerAudit`: a row
edited, deleted or inserted with raw SQL, a loan whose balances its postings no longer give, is a
finding. A row's typed columns (amounts, indexed fields) must also agree with the JSON body the
application reads. Everything is read in one snapshot (REPEATABLE READ on PostgreSQL; SQLite's
write lock), so links and rows committed meanwhile are left for the next run.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, and_, or_, select

from loanfactory.adapters.sql._logs import POSTED_AMOUNTS, row_record
from loanfactory.adapters.sql._schema import AuditHeadRow, AuditRow, LedgerRow, table_of
from loanfactory.adapters.sql._store import SqlStore
from loanfactory.adapters.sql._types import decode
from loanfactory.audit import POSTED, AuditHead, ChainBreak, is_audited, plain_seal, verify_chain
from loanfactory.errors import StateConflict
from loanfactory.ports import AuditRecord, LedgerEntryRecord
from loanfactory.servicing import AuditReport, LedgerAudit

PAGE = 5000


def verify_audit(store: SqlStore, *, anchor: AuditHead | None = None) -> ChainBreak | None:
    """The first broken link of the store's audit chain, or None when it is intact."""
    with _snapshot(store) as connection:
        return _chain(connection, _head(connection), anchor, lambda record: None)


def verify_sql_books(store: SqlStore, *, anchor: AuditHead | None = None) -> AuditReport:
    """The chain, and every posting, money record and loan balance checked against it."""
    audit = LedgerAudit(store.cipher.blind if store.cipher is not None else plain_seal)
    with _snapshot(store) as connection:
        head = _head(connection)
        broken = _chain(connection, head, anchor, audit.chained)
        for entry, columns in _ledger(connection):
            _compare_columns(audit, entry.id, columns, {n: getattr(entry, n) for n in POSTED_AMOUNTS})
            audit.posted(entry)
        for mapping in store.mappings:
            if is_audited(mapping.entity):
                audit.checking(mapping.kind)
                for body, version, columns in _rows(connection, mapping.table):
                    entity = mapping.load(body, version, store.cipher)
                    expected = mapping.typed_values(entity, store.cipher)
                    _compare_columns(audit, f"{mapping.kind}:{entity.id}", columns, expected)
                    audit.stored(entity)

        def drill(loan_id: str) -> tuple[Sequence[AuditRecord], Sequence[LedgerEntryRecord]]:
            links = connection.execute(
                select(AuditRow)
                .where(
                    AuditRow.subject == loan_id, AuditRow.action == POSTED, AuditRow.sequence <= head.sequence
                )
                .order_by(AuditRow.sequence)
            ).all()
            rows = connection.execute(
                select(LedgerRow.body).where(LedgerRow.loan_id == loan_id).order_by(LedgerRow.sequence)
            ).scalars()
            return [row_record(r) for r in links], [LedgerEntryRecord.model_validate(decode(b)) for b in rows]

        found = audit.findings(drill)
    return AuditReport(head, broken, tuple(found), audit.postings, audit.records)


@contextmanager
def _snapshot(store: SqlStore) -> Iterator[Connection]:
    if store.dialect == "postgresql":
        snapshot = store.engine.connect().execution_options(isolation_level="REPEATABLE READ")
        with snapshot as connection, connection.begin():
            yield connection
    else:
        with store.engine.begin() as connection:
            yield connection


def _head(connection: Connection) -> AuditHead:
    row = connection.execute(
        select(AuditHeadRow.sequence, AuditHeadRow.hash).where(AuditHeadRow.id == 1)
    ).first()
    if row is None:
        raise StateConflict(
            "the audit head row is missing: the audit log was tampered with or the database was not migrated",
            field="audit_head",
        )
    return AuditHead(row.sequence, row.hash)


def _chain(connection: Connection, head: AuditHead, anchor: AuditHead | None, each: Any) -> ChainBreak | None:
    anchored = [anchor is None or anchor.sequence == 0]

    def records() -> Iterator[AuditRecord]:
        after = 0
        while True:
            rows = connection.execute(
                select(AuditRow)
                .where(AuditRow.sequence > after, AuditRow.sequence <= head.sequence)
                .order_by(AuditRow.sequence)
                .limit(PAGE)
            ).all()
            if not rows:
                return
            for row in rows:
                record = row_record(row)
                if anchor is not None and record.sequence == anchor.sequence:
                    anchored[0] = record.hash == anchor.hash
                each(record)
                yield record
            after = rows[-1].sequence

    broken = verify_chain(records(), head=head)
    if broken is not None:
        return broken
    if anchor is not None and not anchored[0]:
        return ChainBreak(anchor.sequence, "the chain no longer contains the published anchor")
    return None


def _ledger(connection: Connection) -> Iterator[tuple[LedgerEntryRecord, dict[str, Any]]]:
    """Every ledger row in (loan, sequence) order, with its typed amount columns."""
    table = table_of(LedgerRow)
    amounts = [table.c[n] for n in POSTED_AMOUNTS]
    last: tuple[str, int] | None = None
    while True:
        query = select(table.c.loan_id, table.c.sequence, table.c.body, *amounts)
        if last is not None:
            query = query.where(
                or_(table.c.loan_id > last[0], and_(table.c.loan_id == last[0], table.c.sequence > last[1]))
            )
        rows = connection.execute(
            query.order_by(_ordered(connection, table.c.loan_id), table.c.sequence).limit(PAGE)
        ).all()
        if not rows:
            return
        for row in rows:
            entry = LedgerEntryRecord.model_validate(decode(row.body))
            yield entry, {n: getattr(row, n) for n in POSTED_AMOUNTS}
        last = (rows[-1].loan_id, rows[-1].sequence)


def _rows(connection: Connection, table: Table) -> Iterator[tuple[Any, int, dict[str, Any]]]:
    """Every row of an entity table in id order: body, version and typed columns."""
    typed = [c for c in table.c if c.name not in ("id", "version", "created_at", "updated_at", "body")]
    after: str | None = None
    while True:
        query = select(table.c.id, table.c.version, table.c.body, *typed)
        if after is not None:
            query = query.where(table.c.id > after)
        rows = connection.execute(query.order_by(_ordered(connection, table.c.id)).limit(PAGE)).all()
        if not rows:
            return
        for row in rows:
            yield row.body, row.version, {c.name: getattr(row, c.name) for c in typed}
        after = rows[-1].id


def _compare_columns(
    audit: LedgerAudit, subject: str, columns: dict[str, Any], expected: dict[str, Any]
) -> None:
    for name, value in expected.items():
        stored = columns.get(name)
        same = (
            Decimal(stored) == value
            if isinstance(value, Decimal) and stored is not None
            else stored == getattr(value, "value", value)
        )
        if not same:
            audit.differs(
                subject,
                f"{subject}: column {name} holds {stored} but the row's body says {value}",
                f"{subject}：字段 {name} 为 {stored}，与记录正文 {value} 不一致",
            )


def _ordered(connection: Connection, column: Any) -> Any:
    return column.collate("C") if connection.dialect.name == "postgresql" else column
