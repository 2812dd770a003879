"""Contract terms on every store: a loan's terms, its rows with their interest-free cuts, an offer's
terms and an application's pricing decision read back exactly as written (the entity JSON body;
no column changes)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from loanfactory.lpr import LprFixing, LprSeries
from loanfactory.origination import Application
from loanfactory.ports import Store
from loanfactory.pricing import PricingDecision
from loanfactory.servicing import Loan
from loanfactory.servicing._terms import contract_rows
from loanfactory.spec import load_product_or_raise
from loanfactory.terms import Concession, contract_terms

ROOT = Path(__file__).resolve().parents[2]
D = Decimal


def test_a_loan_keeps_its_contract_terms(store: Store) -> None:
    mortgage = load_product_or_raise(ROOT / "products" / "home_mortgage.yaml")
    series = LprSeries.of(
        [*LprSeries.default().fixings, LprFixing(date(2025, 12, 22), D("0.029"), D("0.033"))]
    )
    terms = contract_terms(
        mortgage,
        D("1000000"),
        120,
        start=date(2025, 8, 1),
        pricing=PricingDecision(rate=D("0.0412345678")),
        concession=Concession(rate_discount=D("0.001"), interest_free_days=30, id="cpn-1"),
        lpr=series,
    )
    assert terms.rate.resets  # a reset the series foresees
    _, rows = contract_rows(terms)
    assert rows[0].waived > 0
    loan = Loan(
        id="loan-terms-1",
        customer_id="cus-1",
        product_code=terms.product_code,
        amount=terms.amount,
        term=terms.term,
        method=terms.method,
        terms=terms,
        schedule=rows,
        start=terms.start,
        tail_start=terms.start,
        repriced_on=date(2026, 1, 1),
    )
    with store.transaction() as tx:
        tx.repo(Loan).add(loan)
    with store.transaction() as tx:
        back = tx.repo(Loan).get(loan.id)
    assert back.terms == terms
    assert back.schedule == rows
    assert back.repriced_on == date(2026, 1, 1)


def test_an_application_keeps_its_pricing_decision(store: Store) -> None:
    app = Application(
        id="app-terms-1",
        customer_id="cus-1",
        product_code="consumer_credit",
        product_version=1,
        amount=D("50000"),
        term=12,
        purpose="consumer",
        channel="app",
        repayment_method="annuity",
        pricing_rate=D("0.055"),
        submitted_at=datetime(2025, 8, 1, tzinfo=UTC) - timedelta(hours=1),
    )
    with store.transaction() as tx:
        tx.repo(Application).add(app)
    with store.transaction() as tx:
        back = tx.repo(Application).get(app.id)
    assert back.pricing == PricingDecision(rate=D("0.055"))
