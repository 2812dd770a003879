"""The end of day's look-ups go through their indexes on SQLite (EXPLAIN QUERY PLAN).

SQLite plans without statistics until ``ANALYZE`` runs: two single-column indexes on a loan and
a status tie, and it may pick the status index and scan every open row. The paired indexes make
the plan right on a fresh database, and the store refreshes statistics after migrations and
bulk loads, so they stay right on a large book.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from loanfactory.adapters.sql import SqlStore
from loanfactory.adapters.sql._schema import OutboxRow
from loanfactory.servicing import CollectionTask, Loan, LoanStatus, NegotiatedPlan
from loanfactory.servicing._records import PlanStatus, TaskStatus
from loanfactory.testing.stored_book import PROFILES, make_templates, write_copies


def _plan(store: SqlStore, statement: Any) -> str:
    sql = str(statement.compile(store.engine, compile_kwargs={"literal_binds": True}))
    with store.engine.connect() as connection:
        rows = connection.execute(text("EXPLAIN QUERY PLAN " + sql)).all()
    return " | ".join(row[3] for row in rows)


def _query(repo: Any, **where: Any) -> Any:
    """The statement ``repo.list(**where)`` runs."""
    return repo._select(where, repo._table.c.version, repo._table.c.body)


def _plans(store: SqlStore) -> dict[str, str]:
    with store.transaction() as tx:
        repo = tx.repo(Loan)  # the agenda's statement (Repository.ids)
        loans = repo._select(
            {"attention_on": date(2026, 7, 1), "status": LoanStatus.active}, repo._table.c.id
        )
        loans = loans.order_by(None)
        tasks = _query(tx.repo(CollectionTask), loan_id="L1", status=TaskStatus.open)
        plans = _query(tx.repo(NegotiatedPlan), loan_id="L1", status=PlanStatus.active)
    from sqlalchemy import select

    outbox = (
        select(OutboxRow.body)
        .where(OutboxRow.delivered_at.is_(None), OutboxRow.topic == "payment")
        .order_by(OutboxRow.created_at, OutboxRow.id)
        .limit(100)
    )
    return {
        "agenda": _plan(store, loans),
        "tasks": _plan(store, tasks),
        "plans": _plan(store, plans),
        "outbox": _plan(store, outbox),
    }


EXPECTED = {
    "agenda": "ix_loan_attention_on_status",
    "tasks": "ix_collection_task_loan_id_status",
    "plans": "ix_negotiated_plan_loan_id_status",
    "outbox": "ix_outbox_topic_pending",
}


def _check(plans: dict[str, str]) -> None:
    for name, index in EXPECTED.items():
        assert f"USING INDEX {index}" in plans[name] or f"USING COVERING INDEX {index}" in plans[name], (
            name,
            plans[name],
        )
    assert "TEMP B-TREE" not in plans["outbox"]  # the index gives the order too


def test_a_fresh_database_uses_the_indexes(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'fresh.db'}", cipher=None)
    try:
        _check(_plans(store))
    finally:
        store.dispose()


@pytest.mark.slow
def test_a_loaded_book_uses_the_indexes(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'book.db'}", cipher=None)
    try:
        write_copies(store, make_templates(date(2026, 6, 30), len(PROFILES), seed=3), 60, date(2026, 6, 30))
        with store.engine.connect() as connection:
            analysed = connection.execute(text("SELECT count(*) FROM sqlite_stat1")).scalar()
        assert analysed  # the load refreshed the statistics
        _check(_plans(store))
    finally:
        store.dispose()
