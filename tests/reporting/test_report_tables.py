"""The SQL store's report tables over the seeded book: ``report_customers`` holds each customer's
fields as the tests read them off the customer records, follows a customer who changes, and
``report_loans`` fills in chunks, one transaction each, resuming where a stopped fill stopped."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from report_book import Book, copy_book
from sqlalchemy import select

from loanfactory.adapters.sql import SqlStore
from loanfactory.adapters.sql import _report_customers as report_customers
from loanfactory.adapters.sql import _report_loans as report_loans
from loanfactory.adapters.sql._schema import ReportCustomerRow, ReportLoanRow, table_of
from loanfactory.entity import CST
from loanfactory.origination._customer import Customer, CustomerStatus, KycCheck, KycRecord
from loanfactory.reporting import report_library, run_report
from loanfactory.reporting._positions import refresh_report_tables
from loanfactory.servicing import Loan

pytestmark = pytest.mark.xdist_group("report-book")
TODAY = date(2026, 6, 30)


@pytest.fixture
def store(book: Book, tmp_path: Path) -> Any:
    target = SqlStore(f"sqlite:///{tmp_path / 'book.db'}", cipher=None)
    copy_book(book.store, target)
    yield target
    target.dispose()


def _rows(store: SqlStore, table: Any, key: str) -> dict[str, dict[str, Any]]:
    with store.engine.connect() as connection:
        return {row[key]: dict(row) for row in connection.execute(select(table)).mappings()}


def _expected_customer(customer: Customer) -> dict[str, Any]:
    passed = [r.at for r in customer.kyc if r.check is KycCheck.id_card and r.passed]
    person = customer.individual
    return {
        "customer_id": customer.id,
        "version": customer.version,
        "channel": customer.channel,
        "region": person.city if person is not None and customer.type.value == "individual" else None,
        "segment": customer.type.value,
        "registered": customer.registered_at.astimezone(CST).date().isoformat(),
        "verified": min(passed).astimezone(CST).date().isoformat() if passed else None,
        "customer_status": customer.status.value,
    }


def _user_growth(store: SqlStore, products: dict[str, Any]) -> Any:
    return run_report(store, report_library()["user-growth"], "2026-06", today=TODAY, products=products)


def test_report_customers_hold_each_customers_fields(
    store: SqlStore, products: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_customers, "CHUNK", 2)  # several chunks, each its id range
    _user_growth(store, products)
    rows = _rows(store, table_of(ReportCustomerRow), "customer_id")
    with store.transaction() as tx:  # the customers as the store decodes them
        customers = tx.repo(Customer).list()
    assert len(rows) == len(customers) > 0
    for customer in customers:
        row = {k: v for k, v in rows[customer.id].items() if k != "industry"}
        assert row == _expected_customer(customer)
    assert sum(1 for r in rows.values() if r["verified"] is not None) == sum(
        1 for c in customers if any(k.check is KycCheck.id_card and k.passed for k in c.kyc)
    )


def test_a_changed_customer_is_read_again(store: SqlStore, products: dict[str, Any]) -> None:
    before = _user_growth(store, products)
    with store.transaction() as tx:
        customer = tx.repo(Customer).list()[0]
        later = datetime(2026, 6, 15, 10, 0, tzinfo=CST)
        earlier = [k for k in customer.kyc if k.check is not KycCheck.id_card]
        changed = customer.model_copy(
            update={
                "status": CustomerStatus.blocked,
                "kyc": (*earlier, KycRecord(check=KycCheck.id_card, passed=True, at=later)),
            }
        )
        tx.repo(Customer).update(changed)
    after = _user_growth(store, products)
    row = _rows(store, table_of(ReportCustomerRow), "customer_id")[customer.id]
    assert row["version"] == customer.version + 1
    assert row["customer_status"] == "blocked"
    assert row["verified"] == "2026-06-15"
    was_june = (
        _expected_customer(customer)["verified"] is not None
        and _expected_customer(customer)["verified"] >= "2026-06-01"
    )
    june_before, june_after = (
        next(r.values["verified"] for r in result.sections[0].rows if r.keys == ("2026-06",))
        for result in (before, after)
    )
    assert june_after == june_before + (0 if was_june else 1)


def test_report_loans_fill_in_chunks_and_resume(
    book: Book, store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_loans, "CHUNK", 2)
    with book.store.transaction() as tx:
        reported = {
            loan.id: loan
            for loan in tx.repo(Loan).list()
            if loan.status.value in ("active", "settled", "written-off") and loan.start is not None
        }
    assert len(reported) > 4
    with store.transaction() as tx:  # a first chunk, then the fill stops
        assert tx.reports.refresh(2) == 2
    assert len(_rows(store, table_of(ReportLoanRow), "loan_id")) == 2
    with pytest.raises(RuntimeError):
        _stopped_chunk(store)
    assert len(_rows(store, table_of(ReportLoanRow), "loan_id")) == 2
    assert refresh_report_tables(store, chunk=2) == len(reported) - 2
    rows = _rows(store, table_of(ReportLoanRow), "loan_id")
    assert set(rows) == set(reported)
    for loan_id, loan in reported.items():
        assert loan.start is not None
        assert rows[loan_id]["start"] == loan.start.isoformat()
        assert rows[loan_id]["amount"] == int(loan.amount * 100)
        assert rows[loan_id]["customer_id"] == loan.customer_id
    assert refresh_report_tables(store, chunk=2) == 0


def _stopped_chunk(store: SqlStore) -> None:
    """A chunk whose transaction fails after its insert: rolled back whole."""
    with store.transaction() as tx:
        assert tx.reports.refresh(2) == 2
        raise RuntimeError("stopped")
