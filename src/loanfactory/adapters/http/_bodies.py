"""Request bodies of collateral disposal (抵押物处置), campaign rewards (发放奖励) and linking a
sign-in to a customer registered at a branch (登录身份认领)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from loanfactory.adapters.http._models import Body
from loanfactory.money import StrictMoney

Reference = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[\x21-\x7e]+$")]
Text = Annotated[str, Field(min_length=1, max_length=500)]
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]


class DisposalRequest(Body):
    """Ask to dispose of a loan's collateral (申请处置押品), 90+ days past due."""

    reason: Text = Field(examples=["逾期 120 天，处置抵押车辆"])
    collateral_id: Id | None = Field(default=None, description="The registered collateral (押品编号)")


class AppraisalIn(Body):
    """The appraised value (评估价) and who appraised it."""

    value: StrictMoney = Field(examples=["80000.00"])
    appraiser: Text = Field(examples=["某资产评估有限公司"])
    reference: Reference = Field(
        description="The appraisal report number (评估报告编号)", examples=["PG-2026-001"]
    )


class Note(Body):
    """An optional note on a step (审批意见/结案说明)."""

    note: Annotated[str, Field(max_length=500)] = ""


class SaleStart(Body):
    """The collateral is put up for sale (挂拍/委托变卖)."""

    method: Literal["judicial-auction", "auction", "negotiated-sale"] = Field(examples=["judicial-auction"])
    reference: Reference = Field(
        description="Auction notice or case number (拍卖公告号/案号)", examples=["PM-1"]
    )


class SaleIn(Body):
    """The collateral was sold (成交): the price and the costs of disposal, recovered first."""

    price: StrictMoney = Field(examples=["60000.00"])
    costs: StrictMoney = Field(description="评估、拍卖佣金、诉讼、税费等处置费用", examples=["1500.00"])
    sold_on: date


class Reason(Body):
    """Why a sale failed (流拍) or a disposal was withdrawn (撤回)."""

    reason: Text


class ProceedsIn(Body):
    """The proceeds the bank confirmed (处置款到账), with its serial number; taken once."""

    amount: StrictMoney = Field(examples=["60000.00"])
    reference: Reference = Field(description="The bank's serial number (流水号)", examples=["TRF-0099"])
    channel: Literal["bank-transfer", "counter"] = "bank-transfer"
    settled_on: date


class AllocationIn(Body):
    """How to treat proceeds beyond the whole debt (处置余款): refund to the borrower's verified own
    account, or hold as the borrower's credit."""

    surplus: Literal["refund", "hold"] = Field(examples=["refund"])


class RewardIn(Body):
    """Give a customer the reward of a campaign: its red packet, its line increase or its coupon
    (the campaign's kind decides which)."""

    customer_id: Id


class ReferralIn(Body):
    """Reward a referral (推荐有礼): the referrer and the referee, with the referee's device."""

    referrer_id: Id
    referee_id: Id
    device: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")]


class LinkRequest(Body):
    """Prove that the customer registered at a branch is the person signed in (登录身份认领): ID,
    name, one of their verified cards and the phone registered with its bank (银行卡四要素)."""

    id_number: Annotated[str, Field(min_length=15, max_length=18, repr=False)]
    name: Annotated[str, Field(min_length=1, max_length=100)]
    card_number: Annotated[str, Field(min_length=12, max_length=19, pattern=r"^[0-9]+$", repr=False)]
    phone: Annotated[str, Field(pattern=r"^1[0-9]{10}$", repr=False)]
