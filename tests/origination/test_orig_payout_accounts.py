"""Payout accounts: only the customer's own verified account, or a payee they verified, is paid.

Cards are checked by their four elements through the KYC port; corporate and payee accounts by a
small deposit through the payment port, whose amount and code the customer reads off the
statement. Officers cannot add, confirm or re-send anything for a customer.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from orig_samples import HUAWEI, LI_ID, enterprise, individual, valid_code

from loanfactory.actor import Actor
from loanfactory.errors import InvalidInput, NotFound, NotPermitted, StateConflict
from loanfactory.origination import (
    AccountOwner,
    AccountStatus,
    BankCard,
    BusinessLicence,
    Customer,
    Origination,
    PayoutAccount,
    PayoutAccounts,
    SoleProprietorProfile,
    VerificationMethod,
)
from loanfactory.origination._payout_account import DEPOSIT_ATTEMPTS, DEPOSIT_VALID, own_names
from loanfactory.ports import KycCheck
from loanfactory.testing import FixedClock, MemoryStore, SimulatedGateway, SimulatedKyc, confirm_deposits

STRANGER = "110101199003078512"
OWN_CARD = "6228480012345678901"
STRANGERS_CARD = "6217000011112222333"
FIRM_NAME = "深圳市示例科技有限公司"
CORPORATE = "31001234567890123456"


@pytest.fixture
def kyc() -> SimulatedKyc:
    return SimulatedKyc(card_owners={STRANGERS_CARD: STRANGER, OWN_CARD: LI_ID})


@pytest.fixture
def gateway(clock: FixedClock) -> SimulatedGateway:
    gateway = SimulatedGateway(clock)
    gateway.open_account(CORPORATE, FIRM_NAME)
    return gateway


@pytest.fixture
def accounts(
    origination: Origination,
    store: MemoryStore,
    clock: FixedClock,
    kyc: SimulatedKyc,
    gateway: SimulatedGateway,
) -> PayoutAccounts:
    return PayoutAccounts(store=store, clock=clock, kyc=kyc, gateway=gateway, ids=origination.ids)


def _li(origination: Origination, **changes: Any) -> str:
    return str(origination.register_customer(individual(**changes), idempotency_key="reg-li").id)


def _firm(origination: Origination) -> str:
    profile = enterprise(HUAWEI)
    corporate = profile.corporate_account.model_copy(
        update={"number": CORPORATE, "name": FIRM_NAME, "verified": True}
    )
    profile = profile.model_copy(update={"name": FIRM_NAME, "corporate_account": corporate})
    return str(origination.register_customer(profile, idempotency_key="reg-firm").id)


def test_the_card_verified_at_registration_is_the_payout_account(
    origination: Origination, accounts: PayoutAccounts
) -> None:
    customer = _li(origination)
    current = accounts.current(customer)
    assert current is not None
    assert (current.owner, current.method, current.status) == (
        AccountOwner.borrower,
        VerificationMethod.bank_card_four,
        AccountStatus.verified,
    )
    assert current.holder == "李娜"
    assert current.reference is not None  # the KYC vendor's reference of the four-element check


def test_a_card_that_fails_four_elements_is_no_payout_account(
    origination: Origination, accounts: PayoutAccounts, kyc: SimulatedKyc
) -> None:
    card = BankCard(number=STRANGERS_CARD, bank="中国农业银行", phone="13800000000")
    customer = _li(origination, bank_cards=(card,))
    assert accounts.list(customer) == []
    assert (KycCheck.bank_card_four, "621700*********2333") in kyc.calls


def test_the_customer_changes_the_payout_account_and_is_told(
    origination: Origination, accounts: PayoutAccounts, store: MemoryStore
) -> None:
    customer = _li(origination)
    first = accounts.current(customer)
    me = Actor.customer(customer)
    failed = accounts.add_card(customer, number=STRANGERS_CARD, bank="农行", by=me, key="c-1")
    assert (failed.status, failed.reason) == (AccountStatus.failed, "four-elements-mismatch")
    assert accounts.current(customer) == first  # a failed check changes nothing
    new = accounts.add_card(customer, number=OWN_CARD, bank="农行", by=me, key="c-2")
    assert new.status is AccountStatus.verified
    assert accounts.current(customer) == new
    assert first is not None
    assert [a.status for a in accounts.list(customer) if a.id == first.id] == [AccountStatus.replaced]
    assert accounts.add_card(customer, number=OWN_CARD, bank="农行", by=me, key="c-2") == new  # replay
    with store.transaction() as tx:
        notices = [
            m.payload
            for m in tx.outbox.pending(1000)
            if m.payload.get("template") == "payout_account_changed"
        ]
    assert [n["data"]["status"] for n in notices] == ["failed", "verified"]
    assert all(OWN_CARD not in n["body"] and STRANGERS_CARD not in n["body"] for n in notices)
    assert "如非本人操作" in notices[1]["body"]


@pytest.mark.parametrize("role", ["officer", "senior_officer", "operations", "admin"])
def test_staff_cannot_add_confirm_or_resend_for_a_customer(
    origination: Origination, accounts: PayoutAccounts, role: str
) -> None:
    customer = _li(origination)
    officer = Actor.staff("wang.chushen", role)
    before = accounts.list(customer)
    attempts = [
        lambda: accounts.add_card(customer, number=STRANGERS_CARD, bank="农行", by=officer, key="x-1"),
        lambda: accounts.add_payee(
            customer,
            name="王五",
            number=STRANGERS_CARD,
            bank="农行",
            category="equipment",
            by=officer,
            key="x-2",
        ),
        lambda: accounts.add_corporate_account(
            customer, number=CORPORATE, bank="建行", by=officer, key="x-3"
        ),
        lambda: accounts.confirm(
            customer, "pac_1", amount=Decimal("0.5"), code="123456", by=officer, key="x-4"
        ),
        lambda: accounts.resend_deposit(customer, "pac_1", by=officer, key="x-5"),
    ]
    for attempt in attempts:
        with pytest.raises(NotPermitted) as caught:
            attempt()
        assert caught.value.code == "customer-action"
        assert "不能" in (caught.value.message_zh or "") or "无权" in (caught.value.message_zh or "")
    another = Actor.customer("cus_999999")
    with pytest.raises(NotPermitted):
        accounts.add_card(customer, number=OWN_CARD, bank="农行", by=another, key="x-6")
    assert accounts.list(customer) == before


def test_a_corporate_account_is_confirmed_with_what_reached_it(
    origination: Origination, accounts: PayoutAccounts, gateway: SimulatedGateway, store: MemoryStore
) -> None:
    firm = _firm(origination)
    assert accounts.current(firm) is None  # registration verifies no corporate account ...
    registered = origination.get(Customer, firm).enterprise
    assert registered is not None
    assert registered.corporate_account.verified is False  # ... whatever it was told
    me = Actor.customer(firm)
    pending = accounts.add_corporate_account(firm, number=CORPORATE, bank="建行", by=me, key="corp")
    assert pending.status is AccountStatus.pending
    assert pending.holder == FIRM_NAME
    assert pending.challenge is not None
    assert pending.challenge.sent
    arrived = gateway.statement(CORPORATE)
    assert len(arrived) == 1
    deposit = arrived[0]
    assert (deposit.account_name, deposit.loan_id) == (FIRM_NAME, "")
    assert Decimal("0.01") <= deposit.amount <= Decimal("0.99")
    code = (deposit.remark or "").rsplit(" ", 1)[-1]
    assert len(code) == 6
    assert code.isdigit()
    with store.transaction() as tx:  # neither the code nor the amount is stored
        stored = tx.repo(PayoutAccount).get(pending.id).model_dump_json()
    assert code not in stored
    assert gateway.settled(deposit.direction) == 0  # an account check is not loan money

    wrong = accounts.confirm(
        firm, pending.id, amount=deposit.amount, code=f"{(int(code) + 1) % 10**6:06d}", by=me, key="w"
    )
    assert (wrong.status, wrong.challenge and wrong.challenge.attempts) == (AccountStatus.pending, 1)
    other_amount = deposit.amount + Decimal("0.01") if deposit.amount < Decimal("0.99") else Decimal("0.01")
    assert (
        accounts.confirm(firm, pending.id, amount=other_amount, code=code, by=me, key="w2").status
        is AccountStatus.pending
    )
    done = accounts.confirm(firm, pending.id, amount=deposit.amount, code=code, by=me, key="ok")
    assert done.status is AccountStatus.verified
    assert done.challenge is None
    assert accounts.current(firm) == done
    with pytest.raises(StateConflict):
        accounts.confirm(firm, pending.id, amount=deposit.amount, code=code, by=me, key="ok-again")


def test_wrong_confirmations_and_time_fail_a_check_and_a_new_deposit_starts_again(
    origination: Origination, accounts: PayoutAccounts, gateway: SimulatedGateway, clock: FixedClock
) -> None:
    firm = _firm(origination)
    me = Actor.customer(firm)
    pending = accounts.add_corporate_account(firm, number=CORPORATE, bank="建行", by=me, key="corp")
    for n in range(DEPOSIT_ATTEMPTS):
        last = accounts.confirm(firm, pending.id, amount=Decimal("0.01"), code="000000", by=me, key=f"w{n}")
    assert (last.status, last.reason) == (AccountStatus.failed, "deposit-mismatch")
    again = accounts.resend_deposit(firm, pending.id, by=me, key="again")
    assert again.status is AccountStatus.pending
    assert len(gateway.statement(CORPORATE)) == 2
    clock.advance(DEPOSIT_VALID + timedelta(minutes=1))
    arrived = gateway.statement(CORPORATE)[-1]
    late = accounts.confirm(
        firm, pending.id, amount=arrived.amount, code=(arrived.remark or "")[-6:], by=me, key="late"
    )
    assert (late.status, late.reason) == (AccountStatus.failed, "deposit-expired")
    assert confirm_deposits(accounts, gateway, firm) == []  # nothing pending any more
    with pytest.raises(NotFound):
        accounts.confirm(
            "cus_other", pending.id, amount=Decimal("0.1"), code="1", by=Actor.customer("cus_other"), key="o"
        )


def test_an_account_in_another_name_fails_at_the_bank(
    origination: Origination, accounts: PayoutAccounts, gateway: SimulatedGateway
) -> None:
    firm = _firm(origination)
    me = Actor.customer(firm)
    payee = accounts.add_payee(
        firm, name="别人的公司", number=CORPORATE, bank="建行", category="equipment", by=me, key="p"
    )
    assert (payee.status, payee.reason) == (AccountStatus.failed, "account-name-mismatch")
    assert gateway.statement(CORPORATE) == []


@pytest.mark.parametrize(
    ("call", "field"),
    [
        ("card-for-firm", "number"),
        ("corporate-for-person", "number"),
        ("bad-number", "number"),
        ("no-payee-name", "name"),
    ],
)
def test_bad_requests_name_their_field_and_store_nothing(
    origination: Origination, accounts: PayoutAccounts, call: str, field: str
) -> None:
    person, firm = _li(origination), _firm(origination)
    calls = {
        "card-for-firm": lambda: accounts.add_card(
            firm, number=OWN_CARD, bank="农行", by=Actor.customer(firm), key="a"
        ),
        "corporate-for-person": lambda: accounts.add_corporate_account(
            person, number=CORPORATE, bank="建行", by=Actor.customer(person), key="b"
        ),
        "bad-number": lambda: accounts.add_card(
            person, number="62２２0212", bank="农行", by=Actor.customer(person), key="c"
        ),
        "no-payee-name": lambda: accounts.add_payee(
            firm,
            name="  ",
            number=CORPORATE,
            bank="建行",
            category="equipment",
            by=Actor.customer(firm),
            key="d",
        ),
    }
    before = accounts.list(person) + accounts.list(firm)
    with pytest.raises(InvalidInput) as caught:
        calls[call]()
    assert caught.value.field == field
    assert accounts.list(person) + accounts.list(firm) == before
    with pytest.raises(InvalidInput):
        Actor("x", "officer", customer_id="cus_1")


def test_a_sole_proprietor_is_paid_to_the_operators_card_or_the_shops_corporate_account(
    origination: Origination, accounts: PayoutAccounts, gateway: SimulatedGateway
) -> None:
    shop_name = "上海市浦东新区李娜便利店"
    business = BusinessLicence(
        credit_code=valid_code("9231010476543210"),
        name=shop_name,
        established_on=date(2019, 4, 1),
        industry="零售业",
        annual_revenue=Decimal("1800000"),
    )
    profile = SoleProprietorProfile(operator=individual(), business=business)
    customer = str(origination.register_customer(profile, idempotency_key="reg-shop").id)
    card = accounts.current(customer)  # the operator's card passed four elements at registration
    assert card is not None
    assert card.holder == "李娜"
    gateway.open_account(CORPORATE, shop_name)
    me = Actor.customer(customer)
    accounts.add_corporate_account(customer, number=CORPORATE, bank="建行", by=me, key="shop-corp")
    (done,) = confirm_deposits(accounts, gateway, customer)
    assert (done.status, done.holder) == (AccountStatus.verified, shop_name)  # in the shop's name
    assert accounts.current(customer) == done
    registered = origination.get(Customer, customer)
    assert done.holder in own_names(registered)
    assert own_names(registered) == ("李娜", shop_name)
