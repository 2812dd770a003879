"""The record of a collateral disposal (抵押物处置记录): its states and what each step recorded.

A disposal moves through ``requested → appraised → approved → on-sale → sold →
proceeds-received → allocated → closed``; it may end ``withdrawn`` (before the proceeds arrive,
e.g. the borrower repaid) or ``failed`` (流拍: the sale found no buyer). Each step is written in
``steps`` with who did it and when, and the money fields are audited on every change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import ClassVar, Protocol

from loanfactory.entity import Entity
from loanfactory.errors import InvalidInput
from loanfactory.money import Money
from loanfactory.ports import PaymentChannel, Transaction
from loanfactory.servicing._loan import Value

ZERO = Decimal(0)
_REFERENCE = re.compile(r"^[\x21-\x7e]{1,100}$")


class DisposalStatus(StrEnum):
    """Where a disposal stands (处置状态)."""

    requested = "requested"  # 已申请
    appraised = "appraised"  # 已评估
    approved = "approved"  # 已审批（双人）
    on_sale = "on-sale"  # 拍卖/变卖中
    sold = "sold"  # 已成交
    proceeds_received = "proceeds-received"  # 处置款已到账
    allocated = "allocated"  # 已冲抵贷款
    closed = "closed"  # 已结案
    withdrawn = "withdrawn"  # 已撤回
    failed = "failed"  # 流拍/处置失败

    @property
    def open(self) -> bool:
        return self not in (DisposalStatus.closed, DisposalStatus.withdrawn, DisposalStatus.failed)


_S = DisposalStatus
MOVES: Mapping[str, tuple[tuple[DisposalStatus, ...], DisposalStatus]] = MappingProxyType(
    {
        "appraise": ((_S.requested, _S.appraised), _S.appraised),
        "approve": ((_S.appraised,), _S.approved),
        "start_sale": ((_S.approved,), _S.on_sale),
        "record_sale": ((_S.on_sale,), _S.sold),
        "fail": ((_S.on_sale,), _S.failed),
        "withdraw": ((_S.requested, _S.appraised, _S.approved, _S.on_sale), _S.withdrawn),
        "receive_proceeds": ((_S.sold,), _S.proceeds_received),
        "allocate": ((_S.proceeds_received,), _S.allocated),
        "close": ((_S.allocated,), _S.closed),
    }
)
"""step -> (the states it may start from, the state it ends in): the whole state machine."""


class SaleMethod(StrEnum):
    """How the collateral is sold (处置方式)."""

    judicial_auction = "judicial-auction"  # 司法拍卖
    auction = "auction"  # 委托拍卖行拍卖
    negotiated = "negotiated-sale"  # 协议转让/变卖


class Surplus(StrEnum):
    """What happens to proceeds beyond the whole debt (处置余款)."""

    refund = "refund"  # 退还借款人（至已验证的本人账户）
    hold = "hold"  # 挂账（借款人溢缴款，负债）


class CollateralRegister(Protocol):
    """Where the collateral is registered (押品登记簿: origination's records, joined up by the lender;
    servicing never imports origination). Both run inside servicing's open transaction."""

    def check_disposable(self, tx: Transaction, *, customer_id: str, collateral_id: str) -> None:
        """Raise a located error unless the borrower's ``collateral_id`` is registered and not
        released or disposed of already."""
        ...

    def mark_disposed(self, tx: Transaction, collateral_id: str) -> None:
        """Mark it disposed of (已处置) when the disposal closes."""
        ...


class DisposalStep(Value):
    """One step of a disposal: the state it reached, who and when, and a note."""

    status: DisposalStatus
    by: str
    at: datetime
    note: str = ""


class Disposal(Entity):
    """A disposal of a loan's collateral and the money it brought (抵押物处置)."""

    kind: ClassVar[str] = "collateral_disposal"
    indexes: ClassVar[tuple[str, ...]] = ("loan_id", "status")
    audited: ClassVar[tuple[str, ...]] = (
        "loan_id",
        "status",
        "appraised_value",
        "price",
        "costs",
        "proceeds",
        "proceeds_reference",
        "applied",
        "surplus",
        "shortfall",
    )

    loan_id: str
    customer_id: str
    collateral_id: str | None = None
    reason: str
    status: DisposalStatus = DisposalStatus.requested
    requested_by: str
    requested_at: datetime
    appraised_value: Money | None = None  # 评估价
    appraiser: str | None = None
    appraisal_reference: str | None = None
    appraised_by: str | None = None
    approved_by: str | None = None
    sale_method: SaleMethod | None = None
    sale_reference: str | None = None  # 拍卖公告号/案号/协议编号
    price: Money | None = None  # 成交价
    costs: Money = ZERO  # 处置费用（评估、拍卖佣金、诉讼、税费等）, recovered first
    sold_on: date | None = None
    proceeds: Money = ZERO  # 到账处置款
    proceeds_channel: PaymentChannel | None = None
    proceeds_reference: str | None = None
    proceeds_on: date | None = None
    order_id: str | None = None  # the receipt order of the proceeds
    applied: Money = ZERO  # of the proceeds, applied to the loan (costs included)
    surplus: Money = ZERO  # beyond the whole debt: refunded or held for the borrower
    surplus_handling: Surplus | None = None
    refund_order_id: str | None = None
    shortfall: Money = ZERO  # still owed after the proceeds (may be written off later)
    entry_ids: tuple[str, ...] = ()  # the ledger postings the allocation made
    steps: tuple[DisposalStep, ...] = ()


# --- checks of what a step records ----------------------------------------------------------


def check_amount(value: Decimal, field: str, *, zero: bool = False) -> None:
    bad = (
        not isinstance(value, Decimal)
        or not value.is_finite()
        or value != value.quantize(Decimal("0.01"))
        or value < 0
        or (value == 0 and not zero)
        or value >= Decimal("1e13")
    )
    if bad:
        raise InvalidInput(
            f"{field} must be a {'non-negative' if zero else 'positive'} amount in yuan, at most 2 decimals",
            field=field,
            message_zh=f"{field} 应为{'非负' if zero else '正'}金额（精确到分）",
        )


def check_text(value: str, field: str, message_zh: str) -> None:
    if not isinstance(value, str) or not value.strip() or len(value) > 500:
        raise InvalidInput(f"give the {field} (1-500 characters)", field=field, message_zh=message_zh)


def check_reference(value: str, field: str) -> None:
    if not isinstance(value, str) or not _REFERENCE.match(value):
        raise InvalidInput(
            f"the {field} is 1-100 visible ASCII characters",
            field=field,
            message_zh="编号应为 1-100 个可见 ASCII 字符",
        )
