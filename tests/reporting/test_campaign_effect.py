"""The campaign effect report equals counts made here from the seeded story of a sample book:
who was reached, who applied (and when), who was offered, who borrowed, what the campaign spent
and the interest those loans have been charged."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from loanfactory.entity import CST, SequentialIds
from loanfactory.errors import NotFound
from loanfactory.lender import Lender
from loanfactory.origination import CampaignInput
from loanfactory.ports import SignatureMethod
from loanfactory.product import ProductCatalog
from loanfactory.reporting import campaign_effect, campaign_effects
from loanfactory.testing import (
    FixedClock,
    MemoryStore,
    RecordingNotifier,
    SimulatedBureau,
    SimulatedGateway,
    SimulatedKyc,
    SimulatedSigner,
    sample_book,
)

ROOT = Path(__file__).resolve().parents[2]
D = Decimal
START = date(2025, 8, 1)


def lender() -> Lender:
    clock = FixedClock(START)
    return Lender(
        store=MemoryStore(),
        products=ProductCatalog.load([ROOT / "products", ROOT / "rules"]),
        clock=clock,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(personas=sample_book.personas()),
        notifier=RecordingNotifier(),
        gateway=SimulatedGateway(clock=clock),
        signer=SimulatedSigner(),
        ids=SequentialIds(),
    )


@pytest.mark.parametrize("seed", [3, 8])
def test_the_effect_report_equals_independent_counts(seed: int) -> None:
    rng = random.Random(seed)
    bank = lender()
    clock = bank.clock
    assert isinstance(clock, FixedClock)
    origination = bank.origination
    origination.launch_campaign(
        CampaignInput.model_validate(
            {
                "code": "autumn_packets",
                "name": {"zh": "秋季红包", "en": "Autumn red packets"},
                "campaign_kind": "red-packet",
                "cash": "50.00",
                "valid_from": START,
                "valid_to": START + timedelta(days=10),
                "budget": "1000.00",
                "coupon_valid_days": 300,
            }
        ),
        idempotency_key="launch",
    )
    customers = {}
    for n, person in enumerate(sample_book.PEOPLE):
        customer = origination.register_customer(sample_book.individual(person), idempotency_key=f"reg-{n}")
        customers[customer.id] = person
    ids = sorted(customers)
    reached = {c for c in ids if rng.random() < 0.6}
    before = next(c for c in ids if c not in reached) if len(reached) < len(ids) else None
    for c in sorted(reached):
        origination.grant_red_packet("autumn_packets", c, idempotency_key=f"grant-{c}")
    clock.advance(timedelta(days=1))
    applied, offered, loans = set(), set(), {}
    for c in ids:
        if rng.random() < 0.8:
            at = datetime.combine(clock.today(), datetime.min.time(), tzinfo=CST) + timedelta(hours=9)
            request = sample_book.individual_request(customers[c], c, at)
            assessment = origination.originate(request, idempotency_key=f"apply-{c}")
            applied.add(c)
            if assessment.offer is not None:
                offered.add(c)
                if rng.random() < 0.7:
                    contract = bank.accept_offer(assessment.offer.id, key=f"accept-{c}")
                    for role, signer in (("borrower", c), ("lender", "bank")):
                        bank.servicing.sign_contract(
                            contract.id,
                            signer=signer,
                            role=role,
                            method=SignatureMethod.face,
                            key=f"s-{c}-{role}",
                        )
                    bank.servicing.disburse(contract.loan_id, key=f"disburse-{c}")
                    bank.servicing.relay_payments()
                    loans[c] = contract.loan_id
    used = set()
    for c in sorted(reached & set(loans)):
        if rng.random() < 0.5:
            [packet] = origination.rewards_of(campaign_code="autumn_packets", customer_id=c)
            origination.use_red_packet(
                packet.id, loans[c], repayments=bank.servicing, idempotency_key=f"use-{c}"
            )
            used.add(c)
    # live to just after the first due dates so the first interest is charged
    first_dues = [bank.servicing.installments(loan)[0].due_date for loan in loans.values()]
    until = max(first_dues, default=clock.today())
    day = clock.today()
    while day <= until:
        bank.end_of_day(day)
        day += timedelta(days=1)
        clock.set(day)

    effect = campaign_effect(bank.store, "autumn_packets")
    assert effect.reached == len(reached)
    assert effect.participated == len(used)
    assert effect.applied == len(applied & reached)
    assert effect.approved == len(offered & reached)
    assert effect.disbursed == len(set(loans) & reached)
    expected_amount = sum((D(customers[c]["amount"]) for c in set(loans) & reached), D(0))
    assert effect.disbursed_amount == expected_amount
    assert effect.cost == D("50.00") * len(used)
    first_interest = sum(
        (bank.servicing.installments(loans[c])[0].interest for c in set(loans) & reached), D(0)
    )
    assert effect.interest_income == first_interest
    if used:
        assert effect.roi == ((first_interest - effect.cost) / effect.cost).quantize(D("0.0001"))
    else:
        assert effect.roi is None
    assert before is None or before not in reached
    assert [e.code for e in campaign_effects(bank.store)] == ["autumn_packets"]
    with pytest.raises(NotFound):
        campaign_effect(bank.store, "no_such_campaign")
