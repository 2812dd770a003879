"""Payout account records (放款账户): where a loan's money may go, and the evidence that it may.

The record is shared by the two halves of a loan's life: origination verifies an account
(:mod:`loanfactory.origination._payout_account` holds the rules, ``payout_accounts`` runs them) and
servicing pays out only to one that is verified. It sits below both, so neither imports the other.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import Field

from loanfactory.entity import AwareDatetime, Entity, Value
from loanfactory.pii import mask_bank_card


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
        return mask_bank_card(self.number)

    def __repr_args__(self) -> Any:
        yield "number", self.masked
        yield from ((k, v) for k, v in super().__repr_args__() if k not in ("number", "challenge"))
