"""Money in the audit chain: postings, payment orders and loans, and tampering found by verification.

A small book is lived through the real servicing commands (contract, signatures, payout through the
simulated gateway, auto-debits at end of day) on the memory store, SQLite and PostgreSQL. Then
rows are edited, deleted and inserted around the store — with raw SQL on the SQL stores — and
``verify_sql_books`` must name what changed.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, insert, select, update
from store_support import Databases

from loanfactory.adapters.sql import SqlStore, verify_audit, verify_sql_books
from loanfactory.adapters.sql._schema import AuditRow, LedgerRow
from loanfactory.audit import POSTED, plain_seal, verify_chain
from loanfactory.cli import cli
from loanfactory.conventions import RepaymentMethod
from loanfactory.entity import SequentialIds
from loanfactory.ports import SignatureMethod, Store
from loanfactory.pricing import PricingDecision
from loanfactory.servicing import AuditReport, Disbursement, Loan, LoanRequest, LoanStatus, Servicing
from loanfactory.servicing import verify_books as verify_store_books
from loanfactory.spec import load_product_or_raise
from loanfactory.terms import contract_terms
from loanfactory.testing import (
    FixedClock,
    MemoryStore,
    SimulatedGateway,
    SimulatedSigner,
    seed_payout_account,
)

PRODUCTS = Path(__file__).resolve().parents[2] / "products"
START = date(2026, 1, 5)


def live_book(store: Store, loans: int = 2, months: int = 3) -> tuple[Servicing, list[str]]:
    """``loans`` loans of 10,000.00 paid out and auto-debited for ``months`` due dates."""
    clock = FixedClock(START)
    gateway = SimulatedGateway(clock)
    product = load_product_or_raise(PRODUCTS / "consumer_credit.yaml")
    servicing = Servicing(
        store,
        clock,
        products={"consumer_credit": product},
        gateway=gateway,
        signer=SimulatedSigner(),
        ids=SequentialIds(),
    )
    ids = []
    for n in range(loans):
        request = LoanRequest(
            customer_id=f"cust-{n}",
            borrower_name="张三",
            borrower_id_number="110101199003078512",
            terms=contract_terms(
                product,
                Decimal("10000.00"),
                12,
                method=RepaymentMethod.annuity,
                start=START,
                pricing=PricingDecision(rate=Decimal("0.12")),
            ),
            apr=Decimal("0.1268"),
            account="6222020200112233",
            account_name="张三",
            payout_account_id=seed_payout_account(
                store, customer_id=f"cust-{n}", number="6222020200112233", holder="张三", at=clock.now()
            ).id,
        )
        contract = servicing.open_loan(request, key=f"open-{n}")
        for signer, role, method in (
            (f"cust-{n}", "borrower", SignatureMethod.sms_code),
            ("bank", "lender", SignatureMethod.ca_certificate),
        ):
            servicing.sign_contract(contract.id, signer=signer, role=role, method=method, key=f"s-{n}-{role}")
        servicing.disburse(contract.loan_id, key=f"pay-{n}")
        ids.append(contract.loan_id)
    end = START + timedelta(days=31 * months + 2)
    while clock.today() < end:
        servicing.relay_payments()
        servicing.run_eod(clock.today())
        clock.advance(timedelta(days=1))
    servicing.relay_payments()
    return servicing, ids


def books(store: Store) -> AuditReport:
    if isinstance(store, SqlStore):
        return verify_sql_books(store)
    assert isinstance(store, MemoryStore)
    return verify_store_books(store, head=store.audit_head(), seal=plain_seal)


def codes(report: AuditReport) -> set[str]:
    return {f.code for f in report.findings}


def test_every_posting_and_money_record_is_chained_and_verifies(store: Store) -> None:
    _, loans = live_book(store)
    with store.transaction() as tx:
        links = tx.audit.records()
        entries = [e for loan in loans for e in tx.ledger.entries(loan)]
        orders = tx.repo(Disbursement).list()
    posted = [r for r in links if r.action == POSTED]
    assert sorted(r.after["id"] for r in posted if r.after) == sorted(e.id for e in entries)
    assert {e.type for e in entries} >= {"disbursement", "interest", "repayment"}
    states = {(r.action, r.subject) for r in links if r.action.endswith(".state")}
    assert {("disbursement.state", o.id) for o in orders} <= states
    assert {("loan.state", loan) for loan in loans} <= states
    assert all("6222020200112233" not in json.dumps(r.after) for r in links)  # the account is sealed
    report = books(store)
    assert report.intact, report.findings
    assert report.postings == len(entries)
    assert report.records >= len(loans) + len(orders)


def test_a_loan_state_change_is_a_link_with_the_new_status(store: Store) -> None:
    _, loans = live_book(store, loans=1, months=0)
    with store.transaction() as tx:
        links = tx.audit.records(loans[0])
    statuses = [r.after["status"] for r in links if r.action == "loan.state" and r.after]
    assert statuses == ["drafted", "signed", "active"]


# --- tampering with raw SQL ------------------------------------------------------------------


def _sql(store: Store) -> SqlStore:
    if not isinstance(store, SqlStore):
        pytest.skip("raw SQL tampering needs a SQL store")
    return store


def _edit_bodies(store: SqlStore, where: Any, **changes: Any) -> int:
    """Edit ledger rows as a careful attacker would: typed columns and the JSON body alike."""
    with store.engine.begin() as connection:
        rows = connection.execute(select(LedgerRow.id, LedgerRow.body).where(where)).all()
        for row in rows:
            body = dict(row.body)
            values = {k: v(Decimal(body[k]["$decimal"])) if callable(v) else v for k, v in changes.items()}
            body.update({k: {"$decimal": str(v)} for k, v in values.items()})
            connection.execute(update(LedgerRow).where(LedgerRow.id == row.id).values(body=body, **values))
    return len(rows)


def test_a_disbursement_multiplied_by_100_is_found(sql_store: SqlStore) -> None:
    _, loans = live_book(sql_store)
    assert verify_sql_books(sql_store).intact
    edited = _edit_bodies(
        sql_store,
        LedgerRow.type == "disbursement",
        amount=lambda amount: amount * 100,
        principal=lambda principal: principal * 100,
    )
    assert edited == 2
    report = verify_sql_books(sql_store)
    assert report.chain is None  # the chain itself is untouched ...
    found = codes(report)
    assert "posting-changed" in found  # ... but the rows no longer match their links
    assert {"overpaid", "payout-mismatch"} <= found  # and the loans' balances no longer add up
    changed = [f for f in report.findings if f.code == "posting-changed"]
    assert {f.subject.split(":")[0] for f in changed} == set(loans)
    assert "1000000.00" in changed[0].message


def test_editing_only_the_typed_column_is_found(sql_store: SqlStore) -> None:
    live_book(sql_store, loans=1)
    with sql_store.engine.begin() as connection:
        connection.execute(
            update(LedgerRow).where(LedgerRow.type == "disbursement").values(amount=Decimal("1000000.00"))
        )
    report = verify_sql_books(sql_store)
    assert codes(report) == {"row-inconsistent"}


def test_deleted_repayment_postings_are_found(sql_store: SqlStore) -> None:
    live_book(sql_store)
    with sql_store.engine.begin() as connection:
        deleted = connection.execute(delete(LedgerRow).where(LedgerRow.type == "repayment")).rowcount
    assert deleted >= 4
    report = verify_sql_books(sql_store)
    missing = [f for f in report.findings if f.code == "posting-missing"]
    assert len(missing) == deleted
    assert all("repayment" in f.message for f in missing)


def test_an_inserted_posting_is_found(sql_store: SqlStore) -> None:
    _, loans = live_book(sql_store, loans=1)
    with sql_store.engine.begin() as connection:
        row = connection.execute(select(LedgerRow).where(LedgerRow.type == "repayment").limit(1)).one()
        body = {**row.body, "id": f"{loans[0]}:999999", "sequence": 999999, "idempotency_key": "forged"}
        values = {c: getattr(row, c) for c in LedgerRow.__table__.columns.keys()}  # noqa: SIM118
        values.update(id=body["id"], sequence=999999, idempotency_key="forged", body=body)
        connection.execute(insert(LedgerRow).values(**values))
    report = verify_sql_books(sql_store)
    assert [f.code for f in report.findings] == ["posting-unchained"]


def test_a_redirected_payout_and_a_loan_marked_settled_are_found(sql_store: SqlStore) -> None:
    _, loans = live_book(sql_store, loans=1)
    with sql_store.engine.begin() as connection:
        table = sql_store.mappings.for_kind(Disbursement).table
        body = connection.execute(select(table.c.body)).scalar_one()
        connection.execute(update(table).values(body={**body, "payee_account": "6217000099998888"}))
        loans_table = sql_store.mappings.for_kind(Loan).table
        loan = connection.execute(select(loans_table.c.body)).scalar_one()
        connection.execute(update(loans_table).values(body={**loan, "status": "settled"}, status="settled"))
    report = verify_sql_books(sql_store)
    by_code = {f.code: f for f in report.findings}
    assert set(by_code) == {"record-changed", "settled-owes"}
    assert sorted(f.subject for f in report.findings if f.code == "record-changed") == sorted(
        [f"disbursement:{o}" for o in _ids(sql_store, Disbursement)] + [f"loan:{loans[0]}"]
    )


def _ids(store: Store, kind: type[Disbursement]) -> list[str]:
    with store.transaction() as tx:
        return [o.id for o in tx.repo(kind).list()]


def test_rewriting_a_posting_and_its_link_breaks_the_chain(sql_store: SqlStore) -> None:
    live_book(sql_store, loans=1)
    one = Decimal("1.00")
    _edit_bodies(sql_store, LedgerRow.type == "disbursement", amount=one, principal=one)
    with sql_store.engine.begin() as connection:
        link = connection.execute(select(AuditRow).where(AuditRow.action == POSTED).limit(1)).one()
        after = json.loads(link.after)
        after.update(amount="1", principal="1")
        connection.execute(
            update(AuditRow).where(AuditRow.sequence == link.sequence).values(after=json.dumps(after))
        )
    assert verify_audit(sql_store) is not None
    assert verify_sql_books(sql_store).chain is not None


def test_the_cli_verifies_the_books_and_exports_the_head(sql_databases: Databases) -> None:
    url = sql_databases.url()
    store = sql_databases.store(url)
    assert isinstance(store, SqlStore)
    live_book(store, loans=1)
    runner = CliRunner()
    head = runner.invoke(cli, ["db", "audit-head", "--db", url])
    assert head.exit_code == 0, head.output
    anchor = json.loads(head.output)
    assert anchor["anchor"] == f"{anchor['sequence']}:{anchor['hash']}"
    assert anchor["sequence"] == store.audit_head().sequence
    ok = runner.invoke(cli, ["db", "verify-audit", "--db", url, "--anchor", anchor["anchor"]])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["intact"] is True
    with store.engine.begin() as connection:
        connection.execute(delete(LedgerRow).where(LedgerRow.type == "repayment"))
    bad = runner.invoke(cli, ["--lang", "zh", "db", "verify-audit", "--db", url])
    assert bad.exit_code == 1
    out = json.loads(bad.output)
    assert out["intact"] is False
    assert {f["code"] for f in out["findings"]} == {"posting-missing"}
    assert "分户账中删除" in out["findings"][0]["message"]
    chain_only = runner.invoke(cli, ["db", "verify-audit", "--db", url, "--chain-only"])
    assert chain_only.exit_code == 0  # the chain is intact: only the books show the deletion
    bogus = runner.invoke(cli, ["db", "verify-audit", "--db", url, "--anchor", "12:xyz"])
    assert bogus.exit_code == 2


# --- the memory store behaves the same ------------------------------------------------------


def test_memory_store_tampering_is_found_by_the_port_verifier() -> None:
    store = MemoryStore()
    _, loans = live_book(store, loans=1)
    with store.transaction() as tx:
        entries = tx.ledger.entries(loans[0])
    payout = next(e for e in entries if e.type == "disbursement")
    store.tamper_posting(payout.id, amount=payout.amount * 100, principal=payout.principal * 100)
    assert {"posting-changed", "overpaid", "payout-mismatch"} <= codes(books(store))

    fresh = MemoryStore()
    _, loans = live_book(fresh, loans=1)
    with fresh.transaction() as tx:
        repayment = next(e for e in tx.ledger.entries(loans[0]) if e.type == "repayment")
    fresh.tamper_posting(repayment.id)
    assert codes(books(fresh)) == {"posting-missing"}

    third = MemoryStore()
    _, loans = live_book(third, loans=1, months=0)
    third.tamper_entity(Loan, loans[0], status=LoanStatus.settled)
    report = books(third)
    assert codes(report) == {"record-changed", "settled-owes"}
    assert verify_chain(third.audit_records(), head=third.audit_head()) is None
