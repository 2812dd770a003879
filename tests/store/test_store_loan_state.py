"""Each loan's state kept with its ledger (账户状态): the path that reads it gives exactly what
replaying the ledger gives, on every backend; ``verify-state`` finds a state that is wrong."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from store_support import Databases

from loanfactory.adapters.sql import SqlStore, rebuild_states
from loanfactory.cli import cli
from loanfactory.entity import SequentialIds
from loanfactory.errors import LoanfactoryError
from loanfactory.ports import LedgerEntryRecord, LedgerState, PaymentChannel, PaymentConfirmation, Store
from loanfactory.servicing import (
    DebitOrder,
    EodRun,
    Loan,
    LoanStatus,
    Operator,
    Servicing,
    ServicingConfig,
    verify_states,
)
from loanfactory.servicing._state import replay
from loanfactory.spec import load_product_or_raise
from loanfactory.testing import FixedClock, MemoryStore, SimulatedGateway, SimulatedSigner
from loanfactory.testing.stored_book import PROFILES, Template, make_templates, write_copies

DAY = date(2026, 6, 30)
DAYS = 24
OPS = Operator("ops-li", "operations")
CHECKER = Operator("ops-wang", "operations")
PRODUCT = load_product_or_raise(Path("products") / "consumer_credit.yaml")


@pytest.fixture(scope="module")
def templates() -> list[Template]:
    return make_templates(DAY, 2 * len(PROFILES), seed=5)


class _Blind:
    """A store whose loans' kept states are hidden: every read folds the ledger (the path before
    states were kept). The store underneath still keeps them, to compare."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        with self._store.transaction() as tx:
            yield _BlindTx(tx)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


class _BlindTx:
    def __init__(self, tx: Any) -> None:
        self._tx = tx
        self.ledger = _BlindLedger(tx.ledger)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tx, name)


class _BlindLedger:
    def __init__(self, ledger: Any) -> None:
        self._ledger = ledger

    def state(self, loan_id: str) -> None:
        return None

    def states_of(self, loan_ids: Any) -> dict[str, LedgerState]:
        return {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ledger, name)


def _servicing(store: Any, clock: FixedClock) -> Servicing:
    return Servicing(
        store,
        clock,
        products={PRODUCT.code: PRODUCT},
        gateway=SimulatedGateway(clock),
        signer=SimulatedSigner(),
        ids=SequentialIds(),
        config=ServicingConfig(eod_batch=5),
    )


def _paid(loan_id: str, amount: Decimal, day: date, n: int) -> PaymentConfirmation:
    return PaymentConfirmation(
        channel=PaymentChannel.bank_transfer,
        reference=f"TRF-{loan_id}-{day.isoformat()}-{n}",
        amount=amount,
        settled_on=day,
    )


def _commands(servicing: Servicing, loan_ids: tuple[str, ...], day: date, n: int) -> list[str]:
    """The borrowers' and operations' day: full and partial payments, a partial prepayment, a
    payoff, a payment reversed; what each did (or the error it met), to compare."""
    done: list[str] = []
    for i, loan_id in enumerate(loan_ids):
        pick = (2 * n + i) % 9
        try:
            loan = servicing.loan(loan_id)
            if loan.status is not LoanStatus.active:
                continue
            position = servicing.position(loan_id, day)
            key = f"{loan_id}-{day.isoformat()}"
            if pick == 0 and position.due_now > 0:
                result = servicing.repay(loan_id, _paid(loan_id, position.due_now, day, 0), key=key + "-full")
            elif pick == 1:
                result = servicing.repay(
                    loan_id, _paid(loan_id, Decimal("137.45"), day, 1), key=key + "-part"
                )
            elif pick == 2 and n % 4 == 1:
                result = servicing.prepay(
                    loan_id,
                    key=key + "-pre",
                    principal=Decimal("500.00"),
                    confirmation=_paid(loan_id, position.due_now + Decimal("520.00"), day, 2),
                )
            elif pick == 3 and n % 6 == 2:
                quote = servicing.payoff_quote(loan_id, on=day)
                if quote.total <= 0:
                    continue
                result = servicing.prepay(
                    loan_id, key=key + "-off", confirmation=_paid(loan_id, quote.total, day, 3)
                )
            elif pick == 4 and n % 3 == 0:
                with servicing.store.transaction() as tx:
                    entries = tx.ledger.entries(loan_id)
                gone = {e.reverses for e in entries}
                payments = [e for e in entries if e.type == "repayment" and e.id not in gone]
                if not payments:
                    continue
                posting = servicing.reverse_payment(
                    loan_id, payments[-1].id, reference=f"RTN-{key}", reason="recalled", operator=OPS, key=key
                )
                if posting.reversal is None:
                    posting = servicing.approve_posting(posting.id, operator=CHECKER, key=key + "-ok")
                result = posting
            else:
                continue
            done.append(f"{loan_id} {pick} {type(result).__name__}")
        except LoanfactoryError as exc:
            done.append(f"{loan_id} {pick} {type(exc).__name__} {exc}")
    return done


def _everything(store: Store, loan_ids: tuple[str, ...]) -> dict[str, Any]:
    with store.transaction() as tx:
        ledgers = tx.ledger.entries_of(list(loan_ids))
        return {
            "postings": {i: [_plain(e) for e in ledgers[i]] for i in loan_ids},
            "states": {i: s.model_dump() for i, s in tx.ledger.states_of(list(loan_ids)).items()},
            "loans": {i: tx.repo(Loan).get(i).model_dump() for i in loan_ids},
            "orders": sorted(
                o.model_dump_json() for i in loan_ids for o in tx.repo(DebitOrder).list(loan_id=i)
            ),
            "outbox": [(m.id, m.topic, m.dedup_key, m.payload) for m in tx.outbox.pending(limit=1_000_000)],
            "runs": [r.model_dump() for r in tx.repo(EodRun).list()],
        }


def _plain(entry: LedgerEntryRecord) -> dict[str, Any]:
    return json.loads(entry.model_dump_json())


def _two_books(databases: Databases, templates: list[Template]) -> tuple[Store, Store, tuple[str, ...]]:
    kept, blind = databases.store(), databases.store()
    for store in (kept, blind):
        book = write_copies(store, templates, 3 * len(templates), DAY, chunk=20)  # type: ignore[arg-type]
    return kept, blind, book.loan_ids


def test_reading_the_kept_state_gives_what_replaying_the_ledger_gives(
    databases: Databases, templates: list[Template]
) -> None:
    kept, blind, loan_ids = _two_books(databases, templates)
    clocks = FixedClock(DAY), FixedClock(DAY)
    fast, slow = _servicing(kept, clocks[0]), _servicing(_Blind(blind), clocks[1])
    for n in range(DAYS):
        day = DAY + timedelta(days=n)
        for clock in clocks:
            clock.set(day)
        assert _commands(fast, loan_ids, day, n) == _commands(slow, loan_ids, day, n), day
        fast.run_eod(day, allow_gap=True)
        slow.run_eod(day, allow_gap=True)
    a, b = _everything(kept, loan_ids), _everything(blind, loan_ids)
    for part in a:
        assert a[part] == b[part], part
    assert sum(len(p) for p in a["postings"].values()) > 40 * len(loan_ids)  # the days posted
    kinds = {e["type"] for p in a["postings"].values() for e in p}
    assert {"repayment", "prepayment", "penalty", "reversal", "write-off", "interest"} <= kinds
    report = verify_states(kept, chunk=7)
    assert report.clean, report.differences[:5]
    assert report.loans == len(loan_ids)
    assert report.postings == sum(len(p) for p in a["postings"].values())


def test_a_state_tampered_with_is_found_located_by_loan_and_field(
    databases: Databases, templates: list[Template]
) -> None:
    store = databases.store()
    book = write_copies(store, templates, len(templates), DAY)  # type: ignore[arg-type]
    assert verify_states(store).clean
    victim, dropped = book.loan_ids[2], book.loan_ids[5]
    with store.transaction() as tx:
        principal = tx.ledger.state(victim).principal  # type: ignore[union-attr]
    if isinstance(store, MemoryStore):
        store.tamper_state(victim, principal=principal + Decimal("0.01"))
        store.tamper_state(dropped)
    else:
        assert isinstance(store, SqlStore)
        with store.transaction() as tx:
            tx.connection.execute(
                text("UPDATE loan_states SET principal = principal + :d WHERE loan_id = :id"),
                {"d": 1 if store.dialect == "sqlite" else Decimal("0.01"), "id": victim},
            )
            tx.connection.execute(text("DELETE FROM loan_states WHERE loan_id = :id"), {"id": dropped})
    report = verify_states(store)
    found = {(d.loan_id, d.field): d for d in report.differences}
    assert set(found) == {(victim, "principal"), (dropped, "state")}
    assert found[(victim, "principal")].stored == str(principal + Decimal("0.01"))
    assert found[(victim, "principal")].replayed == str(principal)
    assert found[(dropped, "state")].stored == "missing"


def test_a_loan_without_a_state_is_read_from_its_ledger_and_its_next_posting_builds_it(
    databases: Databases, templates: list[Template]
) -> None:
    store = databases.store()
    book = write_copies(store, templates, len(templates), DAY)  # type: ignore[arg-type]
    with store.transaction() as tx:
        loans = [tx.repo(Loan).get(i) for i in book.loan_ids]
    loan = next(x for x in loans if x.status is LoanStatus.active and x.days_past_due > 3)
    with store.transaction() as tx:
        before = tx.ledger.state(loan.id)
    if isinstance(store, MemoryStore):
        store.tamper_state(loan.id)
    else:
        assert isinstance(store, SqlStore)
        with store.transaction() as tx:
            tx.connection.execute(text("DELETE FROM loan_states"))
    clock = FixedClock(DAY)
    servicing = _servicing(store, clock)
    assert servicing.position(loan.id, DAY).principal == before.principal  # type: ignore[union-attr]
    servicing.run_eod(DAY, allow_gap=True)  # posts the day's penalty: the state is built again
    with store.transaction() as tx:
        after = tx.ledger.state(loan.id)
        assert after == replay(loan.id, tx.ledger.entries(loan.id))
    assert after is not None
    assert after.sequence > before.sequence  # type: ignore[union-attr]


def test_rebuild_state_and_verify_state_on_the_command_line(
    sql_databases: Databases, templates: list[Template]
) -> None:
    url = sql_databases.url()
    store = sql_databases.store(url)
    assert isinstance(store, SqlStore)
    book = write_copies(store, templates, len(templates), DAY)  # type: ignore[arg-type]
    with store.transaction() as tx:
        tx.connection.execute(text("DELETE FROM loan_states"))
    runner = CliRunner()
    dirty = runner.invoke(cli, ["db", "verify-state", "--db", url])
    assert dirty.exit_code == 1, dirty.output
    out = json.loads(dirty.output)
    assert not out["clean"]
    assert {d["field"] for d in out["differences"]} == {"state"}
    assert {d["loan_id"] for d in out["differences"]} == set(book.loan_ids) - {
        i for i in book.loan_ids if not store_has_postings(store, i)
    }
    assert rebuild_states(store, chunk=4) == len(book.loan_ids)
    clean = runner.invoke(cli, ["db", "verify-state", "--db", url, "--chunk", "3"])
    assert clean.exit_code == 0, clean.output
    assert json.loads(clean.output)["clean"] is True
    rebuilt = runner.invoke(cli, ["db", "rebuild-state", "--db", url])
    assert rebuilt.exit_code == 0
    assert json.loads(rebuilt.output) == {"loans": len(book.loan_ids)}
    bad = runner.invoke(cli, ["db", "verify-state", "--db", url, "--chunk", "0"])
    assert bad.exit_code == 2


def store_has_postings(store: SqlStore, loan_id: str) -> bool:
    with store.transaction() as tx:
        return bool(tx.ledger.entries(loan_id))


def test_an_end_of_day_that_crashes_inside_a_batch_resumes_with_nothing_lost_or_doubled(
    databases: Databases, templates: list[Template]
) -> None:
    crashed, whole, loan_ids = _two_books(databases, templates)
    clocks = FixedClock(DAY), FixedClock(DAY)
    first, second = _servicing(crashed, clocks[0]), _servicing(whole, clocks[1])

    def power_cut(index: int) -> None:
        if index == 7:  # the third loan of the second batch: the first batch is committed
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError, match="power cut"):
        first.run_eod(DAY, allow_gap=True, before_loan=power_cut)
    with crashed.transaction() as tx:
        agenda = sorted(tx.repo(Loan).ids(status=LoanStatus.active))
        assert tx.repo(EodRun).get(f"eod:{DAY}").cursor == agenda[4]
    first.run_eod(DAY, allow_gap=True)
    second.run_eod(DAY, allow_gap=True)
    a, b = _everything(crashed, loan_ids), _everything(whole, loan_ids)
    for part in ("postings", "states", "loans", "orders"):
        assert a[part] == b[part], part
    assert _notices(a["outbox"]) == _notices(b["outbox"])  # ids drawn by the rolled-back batch differ
    assert verify_states(crashed).clean


def _notices(outbox: list[tuple[str, str, str, dict[str, Any]]]) -> list[tuple[str, str, str]]:
    return sorted(
        (topic, key, json.dumps({**payload, "id": None}, sort_keys=True)) for _, topic, key, payload in outbox
    )
