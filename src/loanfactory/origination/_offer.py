"""The offer (审批结果/授信方案): amount, rate, APR, fees and a schedule preview.

An :class:`Offer` is what an approved application turns into. It says how its limit was reached
(product maximum, rule-computed limit, collateral lending value, the credit line's available
amount: the smallest wins), how its rate was built (base, grade spread, campaign discount, floor
and cap), and what the borrower pays (APR per PBOC 2021 No. 3, fees, first installments and
totals). It keeps the contract terms it was priced on (:class:`~loanfactory.terms.ContractTerms`),
so the loan booked from it is charged exactly what was offered. It is valid until ``expires_at``;
accepting it is the step to the contract.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from loanfactory.conventions import RepaymentMethod, TermUnit
from loanfactory.entity import Entity
from loanfactory.errors import StateConflict
from loanfactory.money import ZERO, Money
from loanfactory.origination._application import Application, ApplicationStatus
from loanfactory.origination._campaign import Campaign, Coupon, CouponStatus, settle
from loanfactory.origination._commands import Command
from loanfactory.origination._credit_line import LineOccupation, OccupationStatus
from loanfactory.origination._customer import Customer
from loanfactory.origination._occupation import give_back
from loanfactory.origination._values import AwareDatetime, ExactDecimal, StepReason, Value
from loanfactory.terms import ContractTerms


class LimitSource(StrEnum):
    product_max = "product-max"  # 产品最高额度
    rule = "rule"  # 规则测算额度 (income multiple, revenue share ...)
    collateral = "collateral"  # 押品价值 x 抵质押率
    line = "line"  # 授信可用额度
    requested = "requested"  # 申请金额
    review = "review"  # 审核人核定金额


class LimitComponent(Value):
    source: LimitSource
    amount: Money
    note: str = ""


class RateComponent(Value):
    """One step of building the rate (利率构成); ``value`` is signed, a fraction of one."""

    name: str  # "lpr-1y", "product-spread", "fixed", "grade-spread", "campaign", "floor", "cap"
    value: ExactDecimal
    note: str = ""


class OfferFee(Value):
    id: str
    kind: str
    amount: Money
    timing: str


class ScheduleLine(Value):
    """One row of the schedule preview (还款计划预览)."""

    period: int
    due_date: date
    principal: Money
    interest: Money
    fee: Money
    payment: Money
    balance: Money


class OfferStatus(StrEnum):
    issued = "issued"  # 已出具
    accepted = "accepted"  # 已接受
    declined = "declined"  # 已放弃
    expired = "expired"  # 已过期
    withdrawn = "withdrawn"  # 已撤回

    @property
    def is_open(self) -> bool:
        return self is OfferStatus.issued


class Offer(Entity):
    """A priced offer for one application."""

    kind: ClassVar[str] = "offer"
    indexes: ClassVar[tuple[str, ...]] = ("application_id", "customer_id", "status", "product_code")

    application_id: str
    customer_id: str
    product_code: str
    product_version: int
    requested_amount: Money
    amount: Money
    limit: Money
    limit_breakdown: tuple[LimitComponent, ...]
    term: int
    term_unit: TermUnit
    repayment_method: RepaymentMethod
    start_date: date
    terms: ContractTerms | None = (
        None  # the contract terms offered (None: an offer stored before they were kept)
    )
    annual_rate: ExactDecimal
    rate_breakdown: tuple[RateComponent, ...]
    apr: ExactDecimal  # nominal APR (年化利率, IRR x periods per year)
    effective_annual_rate: ExactDecimal | None = None
    fees: tuple[OfferFee, ...] = ()
    first_payment: Money
    total_interest: Money
    total_fees: Money
    total_repayment: Money
    schedule_preview: tuple[ScheduleLine, ...] = ()
    periods: int
    grade: str | None = None
    score: int | None = None
    coupon_id: str | None = None
    campaign_code: str | None = None
    interest_free_days: int = 0
    subsidy: Money = Decimal(0)  # interest given away by the campaign (营销补贴)
    apr_cap: ExactDecimal | None = None  # the compliance ceiling the APR was checked against
    apr_cap_basis: str | None = None
    credit_line_id: str | None = None
    occupation_id: str | None = None
    reasons: tuple[StepReason, ...] = ()  # why the amount or rate differs from what was asked
    status: OfferStatus = OfferStatus.issued
    issued_at: AwareDatetime
    expires_at: AwareDatetime
    decided_at: AwareDatetime | None = None


def _open_offer(cmd: Command, offer_id: str) -> Offer:
    offer = cmd.tx.repo(Offer).lock(offer_id)
    if offer.status is not OfferStatus.issued:
        raise StateConflict(
            field="offer_id", code="offer-closed", params={"offer_id": offer_id, "status": offer.status.value}
        )
    return offer


def accept(cmd: Command, offer_id: str) -> Offer:
    """The borrower accepts (接受报价): the coupon is redeemed, the line stays occupied."""
    offer = _open_offer(cmd, offer_id)
    now = cmd.clock.now()
    if now >= offer.expires_at:
        raise StateConflict(
            f"offer {offer_id} expired at {offer.expires_at.isoformat()}",
            field="offer_id",
            code="offer-expired",
            message_zh=f"报价 {offer_id} 已于 {offer.expires_at:%Y-%m-%d %H:%M} 过期",
        )
    _settle_coupon(cmd, offer, spent=True)
    customers = cmd.tx.repo(Customer)
    customer = customers.lock(offer.customer_id)
    customers.update(customer.model_copy(update={"accepted_offers": customer.accepted_offers + 1}))
    return _close(cmd, offer, OfferStatus.accepted, ApplicationStatus.accepted)


def decline(cmd: Command, offer_id: str) -> Offer:
    """The borrower declines (放弃): line and campaign budget are given back, the coupon can be reused."""
    offer = _open_offer(cmd, offer_id)
    _give_back(cmd, offer)
    return _close(cmd, offer, OfferStatus.declined, ApplicationStatus.declined)


def expire(cmd: Command, offer_id: str) -> Offer:
    """An offer past ``expires_at`` lapses (过期), giving back what it held."""
    offer = _open_offer(cmd, offer_id)
    if cmd.clock.now() < offer.expires_at:
        raise StateConflict(field="offer_id", code="offer-valid", params={"offer_id": offer_id})
    _give_back(cmd, offer)
    return _close(cmd, offer, OfferStatus.expired, ApplicationStatus.expired)


def _give_back(cmd: Command, offer: Offer) -> None:
    if offer.occupation_id is not None:
        occupation = cmd.tx.repo(LineOccupation).get(offer.occupation_id)
        if occupation.status is OccupationStatus.active:
            give_back(cmd, occupation.id)
    _settle_coupon(cmd, offer, spent=False)


def _settle_coupon(cmd: Command, offer: Offer, *, spent: bool) -> None:
    if offer.coupon_id is None:
        return
    coupons = cmd.tx.repo(Coupon)
    coupon = coupons.lock(offer.coupon_id)
    campaigns = cmd.tx.repo(Campaign)
    campaign = campaigns.lock(coupon.campaign_id)
    campaigns.update(settle(campaign, coupon.subsidy, spent=spent))
    if spent:
        coupons.update(coupon.model_copy(update={"status": CouponStatus.redeemed}))
    else:
        coupons.update(
            coupon.model_copy(update={"status": CouponStatus.issued, "offer_id": None, "subsidy": ZERO})
        )


def _close(cmd: Command, offer: Offer, status: OfferStatus, app_status: ApplicationStatus) -> Offer:
    now = cmd.clock.now()
    stored = cmd.tx.repo(Offer).update(offer.model_copy(update={"status": status, "decided_at": now}))
    applications = cmd.tx.repo(Application)
    application = applications.lock(offer.application_id)
    applications.update(application.model_copy(update={"status": app_status, "decided_at": now}))
    cmd.emit(f"offer.{status.value}", offer.id, application_id=offer.application_id, amount=offer.amount)
    return stored
