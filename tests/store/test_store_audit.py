"""The audit chain: editing, inserting or deleting any row — the newest included — is detected."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, insert, select, update

from loanfactory.adapters.sql import SqlStore, verify_audit
from loanfactory.adapters.sql._schema import AuditHeadRow, AuditRow
from loanfactory.audit import AuditHead, ChainBreak, verify_chain
from loanfactory.entity import CST
from loanfactory.ports import Store
from loanfactory.testing import MemoryStore

AT = datetime(2024, 3, 1, 9, 0, tzinfo=CST)
N = 6


def _fill(store: Store) -> None:
    for i in range(1, N + 1):
        with store.transaction() as tx:
            tx.audit.append(
                actor=f"user{i}",
                action="line.occupy",
                subject=f"line-{i % 2}",
                at=AT + timedelta(minutes=i),
                before={"occupied": Decimal(i - 1)},
                after={"occupied": Decimal(i), "note": "额度占用"},
            )


def _verify(store: Store, anchor: AuditHead | None = None) -> ChainBreak | None:
    if isinstance(store, SqlStore):
        return verify_audit(store, anchor=anchor)
    assert isinstance(store, MemoryStore)
    return verify_chain(store.audit_records(), head=store.audit_head())


def test_an_untouched_chain_verifies(store: Store) -> None:
    assert _verify(store) is None  # empty
    _fill(store)
    assert _verify(store) is None


FIELDS = {
    "actor": "mallory",
    "action": "line.release",
    "subject": "line-9",
    "at": AT.isoformat(),
    "before": None,
    "after": '{"occupied":"0"}',
    "previous_hash": "f" * 64,
    "hash": "e" * 64,
}


@pytest.mark.parametrize("sequence", [1, 3, N])
@pytest.mark.parametrize("column", sorted(FIELDS))
def test_editing_any_column_of_any_row_is_detected(sql_store: SqlStore, sequence: int, column: str) -> None:
    _fill(sql_store)
    with sql_store.engine.begin() as connection:
        connection.execute(
            update(AuditRow).where(AuditRow.sequence == sequence).values({column: FIELDS[column]})
        )
    broken = verify_audit(sql_store)
    assert broken is not None
    assert broken.sequence <= sequence


@pytest.mark.parametrize("sequence", [1, 2, N - 1, N])
def test_deleting_any_row_is_detected(sql_store: SqlStore, sequence: int) -> None:
    _fill(sql_store)
    with sql_store.engine.begin() as connection:
        connection.execute(delete(AuditRow).where(AuditRow.sequence == sequence))
    broken = verify_audit(sql_store)
    assert broken is not None
    assert broken.sequence == sequence


def test_deleting_the_newest_rows_is_detected_by_the_head(sql_store: SqlStore) -> None:
    _fill(sql_store)
    with sql_store.engine.begin() as connection:
        connection.execute(delete(AuditRow).where(AuditRow.sequence > 3))
    broken = verify_audit(sql_store)
    assert broken is not None
    assert broken.sequence == 4
    assert "missing" in broken.reason


def test_deleting_every_row_is_detected(sql_store: SqlStore) -> None:
    _fill(sql_store)
    with sql_store.engine.begin() as connection:
        connection.execute(delete(AuditRow))
    assert verify_audit(sql_store) == ChainBreak(
        1, f"records 1 to {N} are missing (the head says the chain has {N})"
    )


def test_rewriting_the_tail_and_the_head_is_caught_by_a_published_anchor(sql_store: SqlStore) -> None:
    _fill(sql_store)
    anchor = sql_store.audit_head()
    with sql_store.engine.begin() as connection:
        connection.execute(delete(AuditRow).where(AuditRow.sequence > 4))
        row = connection.execute(select(AuditRow.sequence, AuditRow.hash).where(AuditRow.sequence == 4)).one()
        connection.execute(update(AuditHeadRow).values(sequence=row.sequence, hash=row.hash))
    assert verify_audit(sql_store) is None  # consistent on its own ...
    broken = verify_audit(sql_store, anchor=anchor)  # ... but not with what was published
    assert broken is not None
    assert broken.sequence == N


def test_an_inserted_row_is_detected(sql_store: SqlStore) -> None:
    _fill(sql_store)
    with sql_store.engine.begin() as connection:
        connection.execute(delete(AuditRow).where(AuditRow.sequence == 3))
        connection.execute(insert(AuditRow).values(sequence=3, **FIELDS))
    broken = verify_audit(sql_store)
    assert broken is not None
    assert broken.sequence == 3


def test_memory_store_tampering_is_detected_too() -> None:
    store = MemoryStore()
    _fill(store)
    store.tamper_audit(2, actor="mallory")
    assert _verify(store) == ChainBreak(2, "the record was changed after it was written")
    fresh = MemoryStore()
    _fill(fresh)
    fresh.delete_audit(N)
    broken = _verify(fresh)
    assert broken is not None
    assert broken.sequence == N


def test_appends_after_verification_continue_the_chain(sql_store: SqlStore) -> None:
    _fill(sql_store)
    head = sql_store.audit_head()
    with sql_store.transaction() as tx:
        record = tx.audit.append(actor="u", action="a", subject="s", at=AT)
    assert (record.sequence, record.previous_hash) == (head.sequence + 1, head.hash)
    assert verify_audit(sql_store, anchor=head) is None
