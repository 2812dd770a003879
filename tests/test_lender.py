"""The lender: an application becomes an offer, a contract, a loan on the books, and is repaid —
one store, both services, and the credit line handed from the offer to the loan."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from loanfactory.entity import SequentialIds
from loanfactory.lender import Lender
from loanfactory.origination import (
    ApplicationRequest,
    Consent,
    ConsentScope,
    DocumentKind,
    DocumentSource,
    IndividualProfile,
    LineOccupation,
    Offer,
    SupportingDocument,
)
from loanfactory.ports import SignatureMethod
from loanfactory.product import ProductCatalog
from loanfactory.testing import (
    FixedClock,
    MemoryStore,
    RecordingNotifier,
    SimulatedBureau,
    SimulatedGateway,
    SimulatedKyc,
    SimulatedSigner,
)

ROOT = Path(__file__).resolve().parents[1]
ID_NUMBER = "310104198805121230"


@pytest.fixture
def lender() -> Lender:
    clock = FixedClock(date(2025, 8, 1))
    return Lender(
        store=MemoryStore(),
        products=ProductCatalog.load([ROOT / "products", ROOT / "rules"]),
        clock=clock,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(personas={ID_NUMBER: "prime"}),
        notifier=RecordingNotifier(),
        gateway=SimulatedGateway(clock=clock),
        signer=SimulatedSigner(),
        ids=SequentialIds(),
    )


def approved_offer(lender: Lender, coupon: str | None = None) -> tuple[str, str]:
    customer = lender.origination.register_customer(
        IndividualProfile(
            id_number=ID_NUMBER,
            name="李娜",
            phone="13816620451",
            annual_income=Decimal("360000"),
            employment={"kind": "salaried", "years": 6},
            city="上海",
            bank_cards=[{"number": "6222021234567890123", "bank": "中国工商银行"}],
            face_image_sha256="9f" * 32,
        ),
        idempotency_key="reg-1",
    )
    now = lender.clock.now()
    coupon_id = None
    if coupon is not None:
        coupon_id = lender.origination.issue_coupon(coupon, customer.id, idempotency_key="coupon-1").id
    result = lender.origination.originate(
        ApplicationRequest(
            customer_id=customer.id,
            product_code="consumer_credit",
            amount=Decimal("80000"),
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
                SupportingDocument(
                    kind=DocumentKind.income_proof, sha256="c3" * 32, source=DocumentSource.third_party
                ),
            ],
            consents=[
                Consent(scope=ConsentScope.bureau_query, granted_at=now),
                Consent(scope=ConsentScope.data_use, granted_at=now),
            ],
            coupon_id=coupon_id,
        ),
        idempotency_key="app-1",
    )
    assert result.outcome == "approved", result.explain("en")
    assert result.offer is not None
    return customer.id, result.offer.id


def test_from_offer_to_a_repaid_loan(lender: Lender) -> None:
    customer_id, offer_id = approved_offer(lender)
    line = lender.origination.line_of(customer_id)
    assert line is not None
    assert line.occupied == Decimal(80000)  # held for the offer since approval

    contract = lender.accept_offer(offer_id, key="accept-1")
    assert lender.accept_offer(offer_id, key="accept-1").id == contract.id  # replay: same contract
    assert "李娜" in contract.body
    for role, signer in (("borrower", customer_id), ("lender", "bank")):
        lender.servicing.sign_contract(
            contract.id, signer=signer, role=role, method=SignatureMethod.face, key=f"sign-{role}"
        )
    lender.servicing.disburse(contract.loan_id, key="disburse-1")
    lender.servicing.relay_payments()

    line = lender.origination.line_of(customer_id)
    assert line is not None
    assert line.occupied == Decimal(80000)  # handed over to the loan, not counted twice
    with lender.store.transaction() as tx:
        holds = tx.repo(LineOccupation).list(reference=offer_id)
        loans = tx.repo(LineOccupation).list(reference=contract.loan_id)
    assert [h.status.value for h in holds] == ["released"]
    assert [o.amount for o in loans] == [Decimal(80000)]

    position = lender.servicing.position(contract.loan_id)
    assert position.principal == Decimal(80000)

    # pay the first installment when it falls due, then close that day
    first = lender.servicing.installments(contract.loan_id)[0]
    lender.clock.set(first.due_date)  # type: ignore[attr-defined]
    lender.end_of_day(first.due_date - timedelta(days=1))
    lender.servicing.request_repayment(contract.loan_id, first.total, key="repay-1")
    assert lender.servicing.position(contract.loan_id).repaid == 0  # asked, not yet collected
    lender.servicing.relay_payments()  # the payment system confirms the collection
    lender.end_of_day(first.due_date)
    after = lender.servicing.position(contract.loan_id)
    assert after.principal == Decimal(80000) - first.principal
    line = lender.origination.line_of(customer_id)
    assert line is not None
    assert line.occupied == Decimal(80000) - first.principal  # repaid principal is given back


def test_declining_gives_the_hold_back(lender: Lender) -> None:
    customer_id, offer_id = approved_offer(lender)
    lender.origination.decline_offer(offer_id, idempotency_key="decline-1")
    line = lender.origination.line_of(customer_id)
    assert line is not None
    assert line.occupied == Decimal(0)


def test_a_coupon_is_booked_as_it_was_offered(lender: Lender) -> None:
    """A 7-day interest-free coupon: the loan is charged what the offer disclosed, to the fen."""
    lender.origination.launch_campaign(
        {
            "code": "welcome",
            "name": {"zh": "新客免息", "en": "Welcome"},
            "interest_free_days": 7,
            "valid_from": date(2025, 8, 1),
            "valid_to": date(2025, 8, 31),
        },
        idempotency_key="campaign",
    )
    customer_id, offer_id = approved_offer(lender, coupon="welcome")
    offer = lender.origination.get(Offer, offer_id)
    assert offer.interest_free_days == 7
    assert offer.terms is not None
    free = (offer.amount * offer.annual_rate * 7 / 360).quantize(Decimal("0.01"), ROUND_HALF_UP)
    contract = lender.accept_offer(offer_id, key="accept-1")
    for role, signer in (("borrower", customer_id), ("lender", "bank")):
        lender.servicing.sign_contract(
            contract.id, signer=signer, role=role, method=SignatureMethod.face, key=f"sign-{role}"
        )
    lender.servicing.disburse(contract.loan_id, key="disburse-1")
    lender.servicing.relay_payments()
    loan = lender.servicing.loan(contract.loan_id)
    assert loan.terms.interest_free_days == 7
    assert loan.schedule[0].waived == free
    assert loan.schedule[0].total == offer.first_payment
    assert sum(r.interest for r in loan.schedule) == offer.total_interest


def test_an_offer_stored_before_offers_kept_their_terms_is_booked_on_its_rate(lender: Lender) -> None:
    _, offer_id = approved_offer(lender)
    offer = lender.origination.get(Offer, offer_id)
    legacy = offer.model_copy(update={"terms": None})
    rebuilt = lender.offered_terms(legacy)
    assert rebuilt.annual_rate == offer.annual_rate
    assert offer.terms is not None
    assert rebuilt.model_copy(update={"concession": offer.terms.concession}) == offer.terms
