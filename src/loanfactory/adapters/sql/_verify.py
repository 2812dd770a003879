"""Verify the audit chain of a store: the first broken link, or None.

Reads the chain in sequence order in pages (a large log is never loaded whole), checks every
link with :func:`loanfactory.audit.verify_chain`, and checks that the chain reaches the head row
with the same hash, so rows deleted from the end show as well as edited, inserted or deleted
ones. Links appended while the verifier runs (after the head it read first) are left for the
next run. An
``anchor`` (a head published earlier, e.g. printed into the daily report) must still be in the
chain with the same hash: that catches a rewrite of the whole tail including the head row.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from loanfactory.adapters.sql._logs import row_record
from loanfactory.adapters.sql._schema import AuditRow
from loanfactory.adapters.sql._store import SqlStore
from loanfactory.audit import AuditHead, ChainBreak, verify_chain
from loanfactory.ports import AuditRecord

PAGE = 5000


def verify_audit(store: SqlStore, *, anchor: AuditHead | None = None) -> ChainBreak | None:
    """The first broken link of the store's audit chain, or None when it is intact."""
    head = store.audit_head()
    anchored: list[bool] = [anchor is None or anchor.sequence == 0]

    def records() -> Iterator[AuditRecord]:
        for record in _pages(store, head.sequence):
            if anchor is not None and record.sequence == anchor.sequence:
                anchored[0] = record.hash == anchor.hash
            yield record

    broken = verify_chain(records(), head=head)
    if broken is not None:
        return broken
    if anchor is not None and not anchored[0]:
        return ChainBreak(anchor.sequence, "the chain no longer contains the published anchor")
    return None


def _pages(store: SqlStore, last: int) -> Iterator[AuditRecord]:
    after = 0
    while True:
        with store.transaction() as tx:
            rows = tx.connection.execute(
                select(AuditRow)
                .where(AuditRow.sequence > after, AuditRow.sequence <= last)
                .order_by(AuditRow.sequence)
                .limit(PAGE)
            ).all()
        if not rows:
            return
        for row in rows:
            yield row_record(row)
        after = rows[-1].sequence
