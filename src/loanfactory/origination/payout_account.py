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
verified. This module holds the record and the pure rules; :mod:`.payout_accounts` runs them.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import Field

from loanfactory.actor import Actor
from loanfactory.entity import Entity
from loanfactory.errors import InvalidInput, NotPermitted, StateConflict
from loanfactory.money import format_money
from loanfactory.origination._values import AwareDatetime, Value
from loanfactory.origination.customer import Customer
from loanfactory.origination.identity import mask_account

DEPOSIT_VALID = timedelta(days=3)
"""How long a small-deposit check may be confirmed (打款验证有效期)."""

DEPOSIT_ATTEMPTS = 3
"""Wrong confirmations allowed before the check fails and a new one is needed."""


class AccountOwner(StrEnum):
    borrower = "borrower"  # 借款人本人账户
    payee = "payee"  # 受托支付收款人（交易对手）


class VerificationMethod(StrEnum):
    bank_card_four = "bank-card-four"  # 银行卡四要素核验（KYC 端口）
    small_deposit = "small-deposit"  # 小额打款验证（支付端口）


class AccountStatus(StrEnum):
    pending = "pending"  # 待验证: the deposit is on its way or awaits confirmation
    verified = "verified"  # 已验证
    failed = "failed"  # 验证失败
    replaced = "replaced"  # 已被新的放款账户取代（仍是本人已验证账户）
    removed = "removed"  # 已解绑: the customer removed it; nothing is paid to it any more

    @property
    def usable(self) -> bool:
        """Verified for this customer (a replaced account stays theirs for loans that name it)."""
        return self in (AccountStatus.verified, AccountStatus.replaced)


class DepositChallenge(Value):
    """A small-deposit check in flight: the deposit's instruction and a digest of amount and code."""

    instruction_id: str
    digest: str  # scrypt of (amount, code) salted by the account id: the code is never stored
    expires_at: AwareDatetime
    attempts: int = 0
    sent: bool = False


class PayoutAccount(Entity):
    """An account a loan may pay out to, once verified (放款账户)."""

    kind: ClassVar[str] = "payout_account"
    indexes: ClassVar[tuple[str, ...]] = ("customer_id", "status", "owner")
    audited: ClassVar[tuple[str, ...]] = (
        "customer_id",
        "owner",
        "method",
        "status",
        "category",
        "verified_at",
    )
    audited_sealed: ClassVar[tuple[str, ...]] = ("holder", "number")

    customer_id: str
    owner: AccountOwner
    holder: Annotated[str, Field(min_length=1, max_length=200)]  # 户名
    number: Annotated[str, Field(repr=False)]
    bank: Annotated[str, Field(min_length=1, max_length=100)]
    category: str | None = None  # a payee's use of funds (资金用途), for fund supervision
    method: VerificationMethod
    status: AccountStatus = AccountStatus.pending
    challenge: DepositChallenge | None = None
    deposits: int = 0  # small deposits ordered so far (each has its own instruction id)
    reason: str | None = None
    reference: str | None = None  # the KYC vendor's or the bank's reference
    requested_by: str
    requested_at: AwareDatetime
    verified_at: AwareDatetime | None = None

    @property
    def masked(self) -> str:
        return mask_account(self.number)

    def __repr_args__(self) -> Any:
        yield "number", self.masked
        yield from ((k, v) for k, v in super().__repr_args__() if k not in ("number", "challenge"))


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
            f"only customer {customer_id} may add or change their payout account; "
            f"{actor.role} {actor.id} cannot redirect it",
            field="actor",
            code="customer-action",
            message_zh=f"放款账户只能由客户 {customer_id} 本人添加或变更，{actor.role} {actor.id} 无权更改",
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
            f"payout account {account.id} is {account.status.value}, not waiting for a confirmation",
            field="account_id",
            code="not-pending",
            message_zh=f"放款账户 {account.id} 状态为 {account.status.value}，无需确认",
        )
    if not challenge.sent:
        raise StateConflict(
            "the deposit has not been sent yet; confirm it once it is on the statement",
            field="account_id",
            code="deposit-not-sent",
            message_zh="验证打款尚未发出，请到账后再确认",
        )
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
