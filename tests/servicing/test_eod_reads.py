"""The end of day reads what it needs once: ids for the agenda, a batch's loan states at once, no ledger."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from servicing_world import World

from loanfactory.servicing import Loan, ServicingConfig
from loanfactory.testing._memory import _Repo
from loanfactory.testing._memory_logs import MemoryLedger


def _world() -> tuple[World, list[str]]:
    world = World(config=ServicingConfig(eod_batch=2))
    loans = []
    for n in range(9):
        account = f"62220000{n:04d}"
        loans.append(world.active(customer_id=f"cust-{n}", account=account, amount=Decimal(5000 + 1000 * n)))
        if n % 3 != 0:
            world.gateway.fund(account, Decimal(0))  # these fall overdue: on the agenda every day
    world.until(date(2026, 2, 10))
    return world, loans


def test_each_batch_reads_its_loans_states_at_once_and_no_ledger_and_no_loan_is_listed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world, _ = _world()
    ledgers: list[str] = []
    batches: list[tuple[str, ...]] = []
    listed: list[str] = []
    entries, entries_of, states_of, list_ = (
        MemoryLedger.entries,
        MemoryLedger.entries_of,
        MemoryLedger.states_of,
        _Repo.list,
    )

    def count_entries(self: MemoryLedger, loan_id: str) -> Any:
        ledgers.append(loan_id)
        return entries(self, loan_id)

    def count_entries_of(self: MemoryLedger, loan_ids: Any) -> Any:
        ledgers.extend(loan_ids)
        return entries_of(self, loan_ids)

    def count_states(self: MemoryLedger, loan_ids: Any) -> Any:
        batches.append(tuple(loan_ids))
        return states_of(self, loan_ids)

    def count_lists(self: _Repo, **where: Any) -> Any:
        listed.append(self.kind.kind)
        return list_(self, **where)

    monkeypatch.setattr(MemoryLedger, "entries", count_entries)
    monkeypatch.setattr(MemoryLedger, "entries_of", count_entries_of)
    monkeypatch.setattr(MemoryLedger, "states_of", count_states)
    monkeypatch.setattr(_Repo, "list", count_lists)
    run = world.servicing.run_eod(date(2026, 2, 10))
    assert len(batches) > 1
    on_agenda = [loan for batch in batches for loan in batch]
    assert sorted(on_agenda) == sorted(set(on_agenda))  # each loan in one batch
    assert len(on_agenda) == run.agenda > 0
    assert run.steps[0].postings > 0  # the day posted (penalty on the overdue loans)
    assert [loan for loan in ledgers if loan in on_agenda] == []  # no ledger replayed
    assert "loan" not in listed  # the agenda is ids by index, not loans


def test_the_agenda_holds_active_loans_only() -> None:
    world, loans = _world()
    world.servicing.write_off(loans[1], key="wo-1", reason="test")
    day = date(2026, 2, 10)
    with world.store.transaction() as tx:
        repo = tx.repo(Loan)
        due = {*repo.ids(attention_on=day), *repo.ids(attention_on=date(2026, 2, 9))}
        active = {
            *repo.ids(attention_on=day, status="active"),
            *repo.ids(attention_on=date(2026, 2, 9), status="active"),
        }
    assert loans[1] not in active
    run = world.servicing.run_eod(day)
    assert run.agenda == len(active) <= len(due)
    with world.store.transaction() as tx:
        assert tx.ledger.entries(loans[1])[-1].type == "write-off"  # nothing posted by the run
