"""The books on SQLite and PostgreSQL are the books of the memory store: the same loans lived the
same way give the same journals, the same turnover every day (the close digests agree) and the
same trial balance; the loans reconcile with the books on every day; and the migration fills the
loan columns the books read from the loans' JSON bodies."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from books_world import SqlUrl, World, sql_store
from sqlalchemy import create_engine, text

from loanfactory.adapters.sql import upgrade
from loanfactory.entity import CST
from loanfactory.testing import FixedClock

D = Decimal


def live(world: World) -> list[tuple[str, tuple[str, ...]]]:
    """Three loans: one pays, one stops paying (non-accrual, class moves), one prepays."""
    world.feed()
    good = world.open(customer_id="c-good")
    world.open(customer_id="c-bad", account="6222000000000002", amount=D("20000"), term=24)
    late = world.open(customer_id="c-late", account="6222000000000003", amount=D("5000"))
    world.advance(40, check=True)
    world.pay(good, D("300"), key="extra")
    world.advance(80, check=True)
    world.prepay(late, key="payoff")
    world.advance(30, check=True)
    return [
        (
            j.id,
            tuple(sorted(f"{ln.account}|{ln.side}|{ln.amount}|{ln.category}|{ln.loan_id}" for ln in j.lines)),
        )
        for j in world.journals()
    ]


def digests(world: World) -> list[str]:
    with world.store.transaction() as tx:
        books = tx.books  # type: ignore[attr-defined]
        if hasattr(books, "state"):
            return [c.digest for c in books.state.closes]
        rows = tx.connection.execute(text("SELECT digest FROM gl_days ORDER BY day"))  # type: ignore[attr-defined]
        return [r[0] for r in rows]


def test_the_sql_books_are_the_memory_books(sql_url: SqlUrl) -> None:
    memory = World()
    memory.gateway.fund("6222000000000002", D(0))
    expected = live(memory)
    clock = FixedClock(date(2026, 1, 5))
    sql = World(store=sql_store(sql_url(), clock=clock), clock=clock)
    sql.gateway.fund("6222000000000002", D(0))
    try:
        assert live(sql) == expected
        assert digests(sql) == digests(memory)
        first, last = date(2026, 1, 1), memory.closed
        assert sql.gl.trial_balance(first, last) == memory.gl.trial_balance(first, last)
        assert any(kind == "stop-accrual" for kind in (j.kind for j in sql.journals()))
    finally:
        sql.store.dispose()  # type: ignore[attr-defined]


def test_the_migration_fills_the_loan_columns_from_the_bodies(sql_url: SqlUrl) -> None:
    url = sql_url()
    engine = create_engine(url)
    try:
        upgrade(engine, "0009")
        now = datetime(2026, 1, 5, 9, tzinfo=CST)
        with engine.begin() as db:
            for n, (dpd, version) in enumerate([(0, 1), (17, 3), (400, 12)]):
                db.execute(
                    text(
                        "INSERT INTO loan (id, version, created_at, updated_at, body, customer_id, "
                        "product_code, status, category, amount) "
                        "VALUES (:id, 1, :at, :at, :body, 'c', 'p', 'active', 'normal', 100)"
                    ),
                    {
                        "id": f"L{n}",
                        "at": now.isoformat() if engine.dialect.name == "sqlite" else now,
                        "body": f'{{"id": "L{n}", "days_past_due": {dpd}, "schedule_version": {version}}}',
                    },
                )
        upgrade(engine)
        with engine.connect() as db:
            rows = db.execute(text("SELECT id, days_past_due, schedule_version FROM loan ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [("L0", 0, 1), ("L1", 17, 3), ("L2", 400, 12)]
    finally:
        engine.dispose()


@pytest.mark.parametrize("days", [1])
def test_a_book_can_be_attached_late(sql_url: SqlUrl, days: int) -> None:
    """Books attached to a store that already has a history: the first close books it all."""
    clock = FixedClock(date(2026, 1, 5))
    store = sql_store(sql_url(), clock=clock)
    try:
        world = World(store=store, clock=clock)
        world.servicing.day_steps = ()
        world.feed()
        world.open()
        world.advance(50)
        world.servicing.day_steps = (world.gl,)
        world.advance(days, check=True)
        first = world.gl.last_closed()
        assert first is not None
        assert first.previous is None
        assert (
            world.balance("130101")
            == world.servicing.position(world.servicing.loan("loan_000001").id).principal
        )
    finally:
        store.dispose()
