"""End of day: idempotent, restartable after a crash, in order, and the same on both engines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from servicing_world import World

from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.servicing import (
    STEPS,
    EodRun,
    Loan,
    RunStatus,
    ServicingConfig,
    StepStatus,
)

D = Decimal
START = date(2026, 1, 5)


def _book(world: World) -> list[str]:
    """Ten loans: some pay, some are late, some default; a staggered start."""
    loans = []
    for n in range(10):
        loan_id = world.active(customer_id=f"cust-{n}", account=f"62220000{n:04d}", amount=D(5000 + 1000 * n))
        loans.append(loan_id)
        if n % 3 == 1:
            world.gateway.fund(f"62220000{n:04d}", D(0))  # defaulters
    return loans


def _world(**kwargs: Any) -> World:
    return World(config=ServicingConfig(eod_batch=3), **kwargs)


def _snapshot(world: World, loans: list[str]) -> dict[str, Any]:
    with world.store.transaction() as tx:
        ledger = {
            loan: [e.model_dump(exclude={"posted_at"}) for e in tx.ledger.entries(loan)] for loan in loans
        }
        states = {loan: tx.repo(Loan).get(loan).model_dump(exclude={"version"}) for loan in loans}
        outbox = sorted(m.dedup_key for m in tx.outbox.pending(1_000_000))
    return {"ledger": ledger, "loans": states, "outbox": outbox}


def test_running_a_date_twice_changes_nothing() -> None:
    world = _world()
    loans = _book(world)
    world.until(date(2026, 3, 10))
    before = _snapshot(world, loans)
    day = date(2026, 3, 9)
    run = world.servicing.run_eod(day)
    assert run.status is RunStatus.completed
    assert run.business_date == day
    assert _snapshot(world, loans) == before
    assert world.servicing.run_eod(date(2026, 3, 1)).business_date == date(2026, 3, 1)  # done long ago
    assert _snapshot(world, loans) == before
    with pytest.raises(StateConflict) as caught:
        world.servicing.run_eod(date(2026, 1, 1))  # before the first run: never ran, cannot run now
    assert caught.value.code == "date-passed"


class SimulatedCrash(RuntimeError):
    """A crash in the middle of an end-of-day batch."""


def _crash_at(position: int) -> Callable[[int], None]:
    """A hook that crashes the run's batch before its loan at ``position`` (counted from 1)."""

    def hook(index: int) -> None:
        if index + 1 >= position:
            raise SimulatedCrash("simulated crash in the middle of an end-of-day batch")

    return hook


def test_a_crash_midway_resumes_to_the_same_ledger() -> None:
    clean, crashed = _world(), _world()
    loans = _book(clean)
    assert _book(crashed) == loans
    for world in (clean, crashed):
        world.until(date(2026, 3, 5))
    for world in (clean, crashed):
        world.deliver()
    clean.servicing.run_eod(date(2026, 3, 5))
    with pytest.raises(SimulatedCrash):
        crashed.servicing.run_eod(date(2026, 3, 5), before_loan=_crash_at(5))  # inside the second batch
    with crashed.store.transaction() as tx:
        half = tx.repo(EodRun).get("eod:2026-03-05")
    assert half.status is RunStatus.running
    assert half.cursor == sorted(loans)[2]
    with pytest.raises(SimulatedCrash):
        crashed.servicing.run_eod(date(2026, 3, 5), before_loan=_crash_at(1))  # and again, right away
    resumed = crashed.servicing.run_eod(date(2026, 3, 5))
    assert resumed.status is RunStatus.completed
    assert resumed.attempts == 3
    assert all(step.status is StepStatus.done for step in resumed.steps)
    assert _snapshot(crashed, loans) == _snapshot(clean, loans)
    for world in (clean, crashed):
        world.clock.advance(timedelta(days=1))
        world.until(date(2026, 4, 20))
    assert _snapshot(crashed, loans) == _snapshot(clean, loans)


def test_dates_run_in_order_and_never_ahead_of_the_clock() -> None:
    world = _world()
    _book(world)
    world.servicing.run_eod(START)
    world.clock.advance(timedelta(days=3))
    with pytest.raises(StateConflict) as caught:
        world.servicing.run_eod(START + timedelta(days=2))
    assert caught.value.code == "date-gap"
    with pytest.raises(StateConflict) as caught:
        world.servicing.run_eod(START + timedelta(days=10))
    assert caught.value.code == "future-date"
    with pytest.raises(InvalidInput):
        world.servicing.run_eod(START + timedelta(days=1), engine="gpu")  # type: ignore[arg-type]


def test_the_vectorised_engine_posts_the_same_ledger() -> None:
    exact, fast = _world(), _world()
    loans = _book(exact)
    _book(fast)
    exact.until(date(2026, 6, 1))
    fast.until(date(2026, 6, 1), engine="vectorised")
    assert _snapshot(fast, loans) == _snapshot(exact, loans)
    penalties = [e for loan in loans for e in exact.entries(loan) if e.type == "penalty"]
    assert len(penalties) > 100  # the comparison covered real penalty postings


def test_the_run_record_tallies_its_steps() -> None:
    world = _world()
    _book(world)
    world.gateway.fund("62220000" + "0000", D(0))
    world.until(date(2026, 2, 10))
    run = world.servicing.run_eod(date(2026, 2, 9))
    assert [s.name for s in run.steps] == list(STEPS)
    accrue = run.step("accrue")
    assert accrue.postings > 0
    assert run.agenda >= accrue.loans > 0


def test_cached_days_past_due_reconcile_with_the_ledger() -> None:
    world = _world()
    loans = _book(world)
    world.until(date(2026, 5, 1))
    last = date(2026, 4, 30)
    for loan_id in loans:
        loan = world.servicing.loan(loan_id)
        position = world.position(loan_id, last)
        assert loan.days_past_due == position.days_past_due(last)
        assert loan.category is world.servicing.rules.classify(loan.days_past_due, loan.overrides)


def test_only_loans_needing_attention_are_on_the_agenda() -> None:
    world = _world()
    loan_id = world.active()
    world.until(date(2026, 1, 20))
    run = world.servicing.run_eod(date(2026, 1, 19))
    assert run.agenda == 0  # a current loan between due dates costs nothing
    assert world.servicing.loan(loan_id).attention_on == date(2026, 2, 2)  # the 72-hour reminder


def test_credit_that_settles_the_last_installment_at_the_end_of_day() -> None:
    world = _world()
    loan_id = world.active()
    world.gateway.fund("6222020200112233", D(0))  # no debits: the last installment is paid from credit
    world.repay(loan_id, D("10661.86"))  # every installment, in advance
    world.until(date(2027, 1, 7))
    loan = world.servicing.loan(loan_id)
    assert loan.status.value == "settled"
    assert loan.closed_on == date(2027, 1, 5)
    assert world.position(loan_id).owed == 0
    assert world.position(loan_id).credit == 0


def test_a_rate_the_integer_path_cannot_hold_falls_back_to_the_exact_path() -> None:
    exact, fast = _world(), _world()
    loans = [w.active(annual_rate=D("0.123456789")) for w in (exact, fast)]
    for w in (exact, fast):
        w.gateway.fund("6222020200112233", D(0))
    exact.until(date(2026, 3, 1))
    fast.until(date(2026, 3, 1), engine="vectorised")
    assert _snapshot(fast, loans[:1]) == _snapshot(exact, loans[:1])
    assert any(e.type == "penalty" for e in fast.entries(loans[1]))


# --- the calendar guard: a wrong date must not pin the calendar ---------------------------------


def _eod_count(world: World) -> int:
    with world.store.transaction() as tx:
        return len(tx.repo(EodRun).list())


def test_a_first_run_before_the_books_first_loan_is_refused_unless_meant() -> None:
    world = _world()
    world.active()  # value date START
    for day, code in (
        (START - timedelta(days=1), "before-first-loan"),
        (date(1970, 1, 1), "before-first-loan"),
    ):
        with pytest.raises(StateConflict) as caught:
            world.servicing.run_eod(day)
        assert caught.value.code == code
        assert "--allow-gap" in caught.value.message
        assert "--allow-gap" in (caught.value.message_zh or "")
    assert _eod_count(world) == 0  # nothing written
    assert world.servicing.run_eod(START).status is RunStatus.completed


def test_a_first_run_far_behind_today_on_an_empty_book_is_refused() -> None:
    world = World(config=ServicingConfig(eod_max_gap_days=10))
    with pytest.raises(StateConflict) as caught:
        world.servicing.run_eod(START - timedelta(days=11))
    assert caught.value.code == "date-far-behind"
    assert "11 days before today" in caught.value.message
    assert world.servicing.run_eod(START - timedelta(days=10)).status is RunStatus.completed


def test_allow_gap_runs_a_meant_date_and_bridges_a_pinned_calendar() -> None:
    world = _world()
    loan = world.active()
    world.servicing.run_eod(date(1970, 1, 1), allow_gap=True)
    with pytest.raises(StateConflict) as caught:
        world.servicing.run_eod(START)
    assert caught.value.code == "date-gap"
    assert "1970-01-02" in caught.value.message
    assert "days behind" in caught.value.message
    assert "--allow-gap" in caught.value.message
    run = world.servicing.run_eod(START, allow_gap=True)
    assert run.status is RunStatus.completed
    world.clock.advance(timedelta(days=1))
    assert world.servicing.run_eod(START + timedelta(days=1)).status is RunStatus.completed
    assert world.position(loan).principal > 0


def test_a_short_gap_asks_for_the_missing_dates_without_suggesting_the_flag() -> None:
    world = _world()
    world.active()
    world.servicing.run_eod(START)
    world.clock.advance(timedelta(days=5))
    with pytest.raises(StateConflict) as caught:
        world.servicing.run_eod(START + timedelta(days=5))
    assert caught.value.message == f"run the end of day for {START + timedelta(days=1)} first"
