"""Payout accounts (放款账户): where a loan's money may go, and the evidence that it may.

A loan pays out only to an account that was verified for the customer:

- the borrower's own account (``owner=borrower``): an individual's (or a sole proprietor's
  operator's) bank card passes the four-element check (卡号、户名、身份证号、预留手机号) through the
  KYC port, which proves the card is theirs; an enterprise's or a sole proprietor's (个体工商户)
  corporate account (对公账户) passes a small-deposit check (小额打款验证) through the payment port —
  the bank pays a random amount under one yuan with a code in the remark to the account *in the
  registered name* (the enterprise's, or the business name on the licence), and the customer reads
  both off the statement and confirms them;
- a payee the contract names under entrusted payment (受托支付, ``owner=payee``): the seller's
  account, in the seller's name, verified by the same small-deposit check.

The holder name is never typed in for the borrower: it is the customer's registered name, so a
card or account in another name fails its check. Only the customer changes their payout account
(an officer cannot redirect it), and a new borrower account replaces the old one only once it is
verified. The record is :mod:`loanfactory.payout` (servicing reads it too); this module holds the
pure rules, and :mod:`.payout_accounts` runs them.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from decimal import Decimal

from loanfactory.actor import Actor
from loanfactory.errors import InvalidInput, NotPermitted, StateConflict
from loanfactory.money import format_money
from loanfactory.origination._customer import Customer
from loanfactory.payout import AccountOwner as AccountOwner
from loanfactory.payout import AccountStatus as AccountStatus
from loanfactory.payout import DepositChallenge as DepositChallenge
from loanfactory.payout import PayoutAccount as PayoutAccount
from loanfactory.payout import VerificationMethod as VerificationMethod

DEPOSIT_VALID = timedelta(days=3)
"""How long a small-deposit check may be confirmed (打款验证有效期)."""

DEPOSIT_ATTEMPTS = 3
"""Wrong confirmations allowed before the check fails and a new one is needed."""


def own_names(customer: Customer) -> tuple[str, ...]:
    """The names the customer's own accounts may be held in: theirs, and a sole proprietor's
    business name (字号名称) for its corporate account."""
    business = customer.business.name if customer.business is not None else None
    return (customer.name, business) if business else (customer.name,)


def corporate_holder(customer: Customer) -> str | None:
    """The name a corporate account of the customer is held in, or None for an individual."""
    if customer.enterprise is not None:
        return customer.enterprise.name
    return customer.business.name if customer.business is not None else None


def must_be_customer(actor: Actor, customer_id: str) -> None:
    """Only the customer changes where their money goes; staff, whatever their role, may not."""
    if not actor.is_customer(customer_id):
        raise NotPermitted(
            field="actor",
            code="customer-action",
            params={"customer_id": customer_id, "role": actor.role, "id": actor.id},
        )


def challenge_digest(account_id: str, amount: Decimal, code: str) -> str:
    """A slow, salted digest of what was sent: 99 amounts x a million codes are too many to try
    against it (scrypt), for anyone who reads the stored record."""
    message = f"{format_money(amount)}|{code.strip()}".encode()
    salt = f"loanfactory deposit check v1|{account_id}".encode()
    return hashlib.scrypt(message, salt=salt, n=2**14, r=8, p=1, dklen=32).hex()


def confirm(account: PayoutAccount, amount: Decimal, code: str, now: datetime) -> PayoutAccount:
    """The account after the customer says what arrived: verified, one attempt fewer, or failed."""
    challenge = account.challenge
    if account.status is not AccountStatus.pending or challenge is None:
        raise StateConflict(
            field="account_id", code="not-pending", params={"id": account.id, "status": account.status.value}
        )
    if not challenge.sent:
        raise StateConflict(field="account_id", code="deposit-not-sent")
    if now > challenge.expires_at:
        return account.evolve(status=AccountStatus.failed, reason="deposit-expired", challenge=None)
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise InvalidInput("the amount must be a number", field="amount", message_zh="金额必须是数字")
    if hmac.compare_digest(challenge_digest(account.id, amount, code), challenge.digest):
        return account.evolve(status=AccountStatus.verified, verified_at=now, challenge=None, reason=None)
    attempts = challenge.attempts + 1
    if attempts >= DEPOSIT_ATTEMPTS:
        return account.evolve(status=AccountStatus.failed, reason="deposit-mismatch", challenge=None)
    return account.evolve(
        challenge=challenge.model_copy(update={"attempts": attempts}), reason="deposit-mismatch"
    )


def payout_account_for(accounts: list[PayoutAccount]) -> PayoutAccount | None:
    """The customer's current payout account: their newest verified own account."""
    own = [a for a in accounts if a.owner is AccountOwner.borrower and a.status is AccountStatus.verified]
    return max(own, key=lambda a: (a.verified_at or a.requested_at, a.id)) if own else None


def payee_account_for(accounts: list[PayoutAccount], name: str, number: str) -> PayoutAccount | None:
    """A verified payee account of the customer with exactly this holder name and number."""
    found = [
        a
        for a in accounts
        if a.owner is AccountOwner.payee and a.status.usable and a.holder == name and a.number == number
    ]
    return max(found, key=lambda a: (a.verified_at or a.requested_at, a.id)) if found else None
