"""The customer's history with us (customer.first_loan ...) reaches the rules through the one facts
builder, from the loans servicing keeps."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from loanfactory.entity import SequentialIds
from loanfactory.facts import CustomerHistory, Facts
from loanfactory.lender import Lender
from loanfactory.origination import (
    ApplicationRequest,
    Consent,
    ConsentScope,
    Customer,
    DocumentKind,
    DocumentSource,
    IndividualProfile,
    SupportingDocument,
)
from loanfactory.ports import SignatureMethod
from loanfactory.product import ProductCatalog
from loanfactory.rules import compile_definition
from loanfactory.servicing import LoanBook
from loanfactory.testing import (
    FixedClock,
    MemoryStore,
    RecordingNotifier,
    SimulatedBureau,
    SimulatedGateway,
    SimulatedKyc,
    SimulatedSigner,
)

ROOT = Path(__file__).resolve().parents[2]
ID_NUMBER = "310104198805121230"
CARD = "6222021234567890123"


class World:
    def __init__(self) -> None:
        clock = FixedClock(date(2025, 8, 1))
        self.gateway = SimulatedGateway(clock=clock)
        self.lender = Lender(
            store=MemoryStore(),
            products=ProductCatalog.load([ROOT / "products", ROOT / "rules"]),
            clock=clock,
            kyc=SimulatedKyc(),
            bureau=SimulatedBureau(personas={ID_NUMBER: "prime"}),
            notifier=RecordingNotifier(),
            gateway=self.gateway,
            signer=SimulatedSigner(),
            ids=SequentialIds(),
        )


@pytest.fixture
def world() -> World:
    return World()


def _apply(lender: Lender, customer_id: str, key: str) -> str:
    now = lender.clock.now()
    result = lender.origination.originate(
        ApplicationRequest(
            customer_id=customer_id,
            product_code="consumer_credit",
            amount=Decimal("30000"),
            term=12,
            purpose="consumer",
            channel="app",
            documents=[
                SupportingDocument(
                    kind=DocumentKind.id_card_front, sha256="a1" * 32, source=DocumentSource.photo
                ),
                SupportingDocument(
                    kind=DocumentKind.id_card_back, sha256="b2" * 32, source=DocumentSource.photo
                ),
            ],
            consents=[
                Consent(scope=ConsentScope.bureau_query, granted_at=now),
                Consent(scope=ConsentScope.data_use, granted_at=now),
            ],
        ),
        idempotency_key=key,
    )
    assert result.offer is not None, result.explain("en")
    return result.offer.id


def _tags(lender: Lender, customer_id: str) -> set[str]:
    return set(lender.origination.get(Customer, customer_id).tag_names)


def test_a_first_loan_is_known_to_the_rules_and_the_history_follows_the_loans(world: World) -> None:
    lender = world.lender
    customer = lender.origination.register_customer(
        IndividualProfile(
            id_number=ID_NUMBER,
            name="李娜",
            phone="13816620451",
            annual_income=Decimal("360000"),
            employment={"kind": "salaried", "years": 6},
            bank_cards=[{"number": CARD, "bank": "中国工商银行"}],
            face_image_sha256="9f" * 32,
        ),
        idempotency_key="reg",
    )
    offer = _apply(lender, customer.id, "app-1")
    assert "首贷客户" in _tags(lender, customer.id)  # rules/tags.yaml: customer.first_loan

    with lender.store.transaction() as tx:
        assert LoanBook().history(tx, customer.id) == CustomerHistory()  # an offer is no loan yet
    contract = lender.accept_offer(offer, key="accept")
    for role, signer in (("borrower", customer.id), ("lender", "bank")):
        lender.servicing.sign_contract(
            contract.id, signer=signer, role=role, method=SignatureMethod.face, key=f"sign-{role}"
        )
    with lender.store.transaction() as tx:
        assert LoanBook().history(tx, customer.id).first_loan  # signed, not disbursed: still none
    lender.servicing.disburse(contract.loan_id, key="disburse")
    lender.servicing.relay_payments()

    first = lender.servicing.installments(contract.loan_id)[0]
    lender.gateway_account = None
    day = lender.clock.today()
    while day < first.due_date + timedelta(days=5):
        lender.end_of_day(day)
        day += timedelta(days=1)
        lender.clock.set(day)  # type: ignore[attr-defined]
    history = _history(lender, customer.id)
    assert (history.previous_loans, history.active_loans, history.first_loan) == (1, 1, False)

    _apply(lender, customer.id, "app-2")
    assert "首贷客户" not in _tags(lender, customer.id)  # the tags of this product were replaced


def _live_until(world: World, end: date) -> None:
    lender, gateway = world.lender, world.gateway
    day = lender.clock.today()
    while day < end:
        lender.servicing.relay_payments()
        lender.servicing.poll_payments()
        for result in gateway.callbacks():
            lender.servicing.apply_payment_result(result)
        lender.end_of_day(day)
        day += timedelta(days=1)
        lender.clock.set(day)  # type: ignore[attr-defined]


def _history(lender: Lender, customer_id: str) -> CustomerHistory:
    with lender.store.transaction() as tx:
        return LoanBook().history(tx, customer_id)


@pytest.mark.parametrize("engine", ["compiled", "durable"])
def test_history_facts_are_typed_for_the_rules(engine: str) -> None:
    from loanfactory.document import load_document
    from loanfactory.rules import load_rule_document

    text = (
        "kind: rules\ndefinitions:\n  - id: loyal\n    purpose: tags\n    rules:\n"
        "      - id: first\n        when: customer.first_loan\n        then: {tag: first}\n"
        "      - id: loyal\n        when: customer.settled_loans >= 2 and customer.max_dpd <= 3\n"
        "        then: {tag: loyal}\n"
    )
    document, _ = load_document(text, file="<t>")
    assert document is not None
    library, problems = load_rule_document(document)
    assert library is not None, [p.format() for p in problems]
    rules = compile_definition(library.get("loyal"), engine=engine)  # type: ignore[arg-type]
    day = date(2025, 8, 1)
    assert list(rules.evaluate(Facts(as_of=day, customer=CustomerHistory())).tags) == ["first"]
    loyal = Facts(as_of=day, customer=CustomerHistory(previous_loans=3, settled_loans=2, max_dpd=2))
    assert list(rules.evaluate(loyal).tags) == ["loyal"]
    assert rules.evaluate(Facts(as_of=day)).tags == ()  # no history given: nothing fires


def test_a_misspelt_history_fact_is_refused_with_a_hint() -> None:
    from loanfactory.document import load_document
    from loanfactory.rules import load_rule_document

    text = (
        "kind: rules\ndefinitions:\n  - id: x\n    purpose: tags\n    rules:\n"
        "      - id: a\n        when: customer.frist_loan\n        then: {tag: a}\n"
    )
    document, _ = load_document(text, file="<t>")
    assert document is not None
    _, problems = load_rule_document(document)
    assert any("first_loan" in (p.hint or "") for p in problems), [p.format() for p in problems]
