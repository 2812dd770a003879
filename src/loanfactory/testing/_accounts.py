"""Payout accounts in tests and demos: a customer who reads their statement, and a seeded account.

:func:`confirm_deposits` plays the customer of a small-deposit check (小额打款验证): it reads what
arrived on each pending account's statement at the :class:`~.payments.SimulatedGateway` — the
amount and the code in the remark — and confirms it, as the customer would in the app.
:func:`verify_corporate_account` and :func:`verify_payee` are the whole customer side of it for
an enterprise's own account and for an entrusted-payment payee.

:func:`seed_payout_account` stores an account as verified without any check. It is for tests of
servicing that start at the contract (the checks themselves are tested on their own); never
use it where the verification is what is being shown.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from loanfactory.actor import Actor
from loanfactory.origination import (
    AccountOwner,
    AccountStatus,
    Customer,
    PayoutAccount,
    PayoutAccounts,
    VerificationMethod,
)
from loanfactory.ports import Store
from loanfactory.testing._payments import SimulatedGateway


def confirm_deposits(
    accounts: PayoutAccounts, gateway: SimulatedGateway, customer_id: str
) -> list[PayoutAccount]:
    """Confirm every pending small-deposit check of the customer from what reached the account."""
    done = []
    for account in accounts.list(customer_id):
        challenge = account.challenge
        if account.status is not AccountStatus.pending or challenge is None or not challenge.sent:
            continue
        arrived = [p for p in gateway.statement(account.number) if p.id == challenge.instruction_id]
        if not arrived:
            continue
        code = (arrived[0].remark or "").rsplit(" ", 1)[-1]
        done.append(
            accounts.confirm(
                customer_id,
                account.id,
                amount=arrived[0].amount,
                code=code,
                by=Actor.customer(customer_id),
                key=f"confirm-{challenge.instruction_id}",
            )
        )
    return done


def verify_corporate_account(
    accounts: PayoutAccounts, gateway: SimulatedGateway, customer: Customer
) -> PayoutAccount:
    """An enterprise adds its registered corporate account and confirms the small deposit."""
    assert customer.enterprise is not None, "only an enterprise has a corporate account"
    corporate = customer.enterprise.corporate_account
    gateway.open_account(corporate.number, corporate.name)
    accounts.add_corporate_account(
        customer.id,
        number=corporate.number,
        bank=corporate.bank,
        by=Actor.customer(customer.id),
        key=f"corporate-{customer.id}",
    )
    return _one(confirm_deposits(accounts, gateway, customer.id))


def verify_payee(
    accounts: PayoutAccounts,
    gateway: SimulatedGateway,
    customer_id: str,
    *,
    name: str,
    number: str,
    bank: str,
    category: str,
) -> PayoutAccount:
    """The customer adds the seller of an entrusted payment and confirms its small deposit."""
    gateway.open_account(number, name)
    accounts.add_payee(
        customer_id,
        name=name,
        number=number,
        bank=bank,
        category=category,
        by=Actor.customer(customer_id),
        key=f"payee-{customer_id}-{hashlib.sha256(number.encode()).hexdigest()[:12]}",
    )
    return _one(confirm_deposits(accounts, gateway, customer_id))


def _one(confirmed: list[PayoutAccount]) -> PayoutAccount:
    assert confirmed, "no small deposit was waiting to be confirmed"
    assert confirmed[-1].status is AccountStatus.verified, confirmed[-1].reason
    return confirmed[-1]


def seed_payout_account(
    store: Store,
    *,
    customer_id: str,
    number: str,
    holder: str,
    at: datetime,
    owner: AccountOwner = AccountOwner.borrower,
    category: str | None = None,
    bank: str = "测试银行",
) -> PayoutAccount:
    """Store ``number`` as a verified payout account of the customer (tests of servicing only)."""
    digest = hashlib.sha256(f"{customer_id}|{owner.value}|{number}|{holder}".encode()).hexdigest()[:16]
    account = PayoutAccount(
        id=f"pac_seed_{digest}",
        customer_id=customer_id,
        owner=owner,
        holder=holder,
        number=number,
        bank=bank,
        category=category,
        method=VerificationMethod.bank_card_four
        if owner is AccountOwner.borrower
        else VerificationMethod.small_deposit,
        status=AccountStatus.verified,
        requested_by=customer_id,
        requested_at=at,
        verified_at=at,
    )
    with store.transaction() as tx:
        found = tx.repo(PayoutAccount).find(account.id)
        return found if found is not None else tx.repo(PayoutAccount).add(account)
