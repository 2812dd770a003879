"""Disbursement occupies the customer's credit line through origination; repayment gives it back."""

from __future__ import annotations

import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from loanfactory.catalog import load_catalog
from loanfactory.credit_lines import OriginationCreditLines
from loanfactory.entity import CST, SequentialIds
from loanfactory.origination import CreditLine, Origination
from loanfactory.ports import PaymentChannel, PaymentConfirmation, SignatureMethod
from loanfactory.pricing import PricingDecision
from loanfactory.servicing import LoanRequest, Servicing
from loanfactory.terms import contract_terms
from loanfactory.testing import (
    FixedClock,
    MemoryStore,
    RecordingNotifier,
    SimulatedBureau,
    SimulatedGateway,
    SimulatedKyc,
    SimulatedSigner,
    seed_payout_account,
)

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "origination"))
from orig_samples import individual  # noqa: E402

D = Decimal


@pytest.fixture(scope="module")
def catalog():  # type: ignore[no-untyped-def]
    loaded, diagnostics = load_catalog([ROOT / "products"])
    assert not [d for d in diagnostics if d.severity == "error"]
    return loaded


def test_the_line_is_occupied_at_payout_and_released_as_principal_comes_back(catalog) -> None:  # type: ignore[no-untyped-def]
    clock = FixedClock(datetime(2026, 1, 5, 9, 0, tzinfo=CST))
    store = MemoryStore()
    ids = SequentialIds()  # one id factory for both services: they write to the same event log
    origination = Origination(
        store=store,
        catalog=catalog,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(),
        notifier=RecordingNotifier(),
        clock=clock,
        ids=ids,
    )
    person = origination.register_customer(individual(), idempotency_key="reg")
    line = origination.open_line(
        person.id, "100000", sub_limits={"consumer_credit": "60000"}, idempotency_key="line"
    )
    gateway = SimulatedGateway(clock)
    servicing = Servicing(
        store,
        clock,
        products=dict(catalog.products),
        gateway=gateway,
        signer=SimulatedSigner(),
        ids=ids,
        credit_lines=OriginationCreditLines(origination),
    )
    request = LoanRequest(
        customer_id=person.id,
        borrower_name="李娜",
        borrower_id_number="110101199003078512",
        terms=contract_terms(
            catalog.products["consumer_credit"],
            D("10000"),
            12,
            start=date(2026, 1, 5),
            pricing=PricingDecision(rate=D("0.12")),
        ),
        apr=D("0.1268"),
        account="6222021234567890123",
        account_name="李娜",
        credit_line_id=line.id,
        payout_account_id=seed_payout_account(
            store, customer_id=person.id, number="6222021234567890123", holder="李娜", at=clock.now()
        ).id,
    )
    contract = servicing.open_loan(request, key="open")
    for signer, role in ((person.id, "borrower"), ("bank", "lender")):
        servicing.sign_contract(
            contract.id, signer=signer, role=role, method=SignatureMethod.face, key=f"s-{role}"
        )
    servicing.disburse(contract.loan_id, key="pay")
    assert origination.get(CreditLine, line.id).occupied == D("10000")
    servicing.relay_payments()
    transfer = PaymentConfirmation(
        channel=PaymentChannel.bank_transfer, reference="T1", amount=D("3000"), settled_on=date(2026, 1, 5)
    )
    result = servicing.repay(contract.loan_id, transfer, key="r")
    assert result.principal == 0  # nothing due yet: credit, the line stays drawn
    clock.set(date(2026, 2, 5))
    servicing.run_eod(date(2026, 2, 5))  # the due date: credit pays the installment
    assert origination.get(CreditLine, line.id).occupied == D("10000") - D("788.49")
    clock.set(date(2026, 4, 10))
    servicing.request_prepayment(contract.loan_id, key="payoff")
    servicing.relay_payments()  # the gateway collects the payoff
    assert origination.get(CreditLine, line.id).occupied == 0  # paid off: the whole drawing is back
