"""Campaigns and coupons (营销活动与优惠券): rate discounts and interest-free days on a budget.

A :class:`Campaign` offers a rate discount in basis points (利率折扣) and/or interest-free days
(免息天数) on some products, channels and segments, between two dates, within a budget: a count
of coupons and a subsidy amount in yuan (the interest given away). A :class:`Coupon` is issued to
one customer; pricing reserves its subsidy from the campaign when an offer uses it, redeems it on
acceptance and gives the reservation back when the offer is declined or expires.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field

from loanfactory.entity import Entity
from loanfactory.errors import InvalidInput, NotFound, StateConflict
from loanfactory.money import ZERO, Money, format_money
from loanfactory.origination._commands import Command
from loanfactory.origination._values import AwareDatetime, Value
from loanfactory.spec import LocalizedText


class CampaignStatus(StrEnum):
    active = "active"
    paused = "paused"
    ended = "ended"


class CampaignKind(StrEnum):
    """What a campaign gives (活动类型)."""

    coupon = "coupon"  # 优惠券：利率折扣、免息天数
    red_packet = "red-packet"  # 现金红包，抵扣还款
    referral = "referral"  # 推荐有礼：推荐人与被推荐人各得奖励
    limit_increase = "limit-increase"  # 提额：规则选中的客户提高授信额度


class CampaignInput(Value):
    """A campaign as marketing defines it."""

    code: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
    name: LocalizedText
    campaign_kind: CampaignKind = CampaignKind.coupon
    cash: Annotated[Money | None, Field(gt=0, description="Red packet amount in yuan (红包金额)")] = None
    referrer_reward: Annotated[Money | None, Field(gt=0, description="推荐人奖励")] = None
    referee_reward: Annotated[Money | None, Field(gt=0, description="被推荐人奖励")] = None
    limit_increase: Annotated[Money | None, Field(gt=0, description="提额金额")] = None
    limit_cap: Annotated[Money | None, Field(gt=0, description="提额后额度上限（风险上限）")] = None
    stackable: bool = True  # False: not held together with another non-stacking reward (不可叠加)
    eligibility: Annotated[
        str | None, Field(description="Rule id deciding who may take part (参与资格规则)")
    ] = None
    rate_discount_bp: Annotated[int, Field(ge=0, le=1000, description="Rate discount in basis points")] = 0
    interest_free_days: Annotated[int, Field(ge=0, le=90, description="Days without interest (免息天数)")] = 0
    valid_from: date
    valid_to: date
    budget: Annotated[Money | None, Field(description="Subsidy budget in yuan (补贴预算)")] = None
    max_coupons: Annotated[int | None, Field(gt=0)] = None
    per_customer: Annotated[int, Field(gt=0, le=100)] = 1
    coupon_valid_days: Annotated[int, Field(gt=0, le=366)] = 30
    product_codes: tuple[str, ...] = ()  # empty: every product
    channels: tuple[str, ...] = ()  # empty: every channel
    segments: tuple[str, ...] = ()  # empty: individuals and enterprises


class Campaign(Entity):
    """A marketing campaign and how much of its budget is used."""

    kind: ClassVar[str] = "campaign"
    indexes: ClassVar[tuple[str, ...]] = ("code", "status")

    code: str
    name: LocalizedText
    campaign_kind: CampaignKind = CampaignKind.coupon
    cash: Money | None = None
    referrer_reward: Money | None = None
    referee_reward: Money | None = None
    limit_increase: Money | None = None
    limit_cap: Money | None = None
    stackable: bool = True
    eligibility: str | None = None  # a rule of the rules language over the customer (参与资格)
    rate_discount_bp: int = 0
    interest_free_days: int = 0
    valid_from: date
    valid_to: date
    budget: Money | None = None
    reserved: Money = ZERO  # subsidy held by issued offers (预占)
    spent: Money = ZERO  # subsidy of accepted offers (已核销)
    max_coupons: int | None = None
    issued: int = 0
    per_customer: int = 1
    coupon_valid_days: int = 30
    product_codes: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    status: CampaignStatus = CampaignStatus.active
    created_at: AwareDatetime

    def covers(self, day: date) -> bool:
        return self.status is CampaignStatus.active and self.valid_from <= day <= self.valid_to

    def applies_to(self, product_code: str, channel: str, segment: str) -> bool:
        return (
            (not self.product_codes or product_code in self.product_codes)
            and (not self.channels or channel in self.channels)
            and (not self.segments or segment in self.segments)
        )

    @property
    def budget_left(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.reserved - self.spent


class CouponStatus(StrEnum):
    issued = "issued"  # 已发放
    reserved = "reserved"  # 已用于报价，预占中
    redeemed = "redeemed"  # 已核销
    expired = "expired"  # 已过期


class Coupon(Entity):
    """A coupon issued to one customer."""

    kind: ClassVar[str] = "coupon"
    indexes: ClassVar[tuple[str, ...]] = ("campaign_id", "customer_id", "status")

    campaign_id: str
    campaign_code: str
    customer_id: str
    rate_discount_bp: int
    interest_free_days: int
    issued_at: AwareDatetime
    expires_on: date
    status: CouponStatus = CouponStatus.issued
    offer_id: str | None = None
    subsidy: Money = ZERO  # reserved or spent subsidy

    def usable_on(self, day: date) -> bool:
        return self.status is CouponStatus.issued and day <= self.expires_on

    @property
    def rate_discount(self) -> Decimal:
        return Decimal(self.rate_discount_bp) / 10000


def issue_check(campaign: Campaign, day: date, held_by_customer: int) -> None:
    """Raise when ``campaign`` cannot issue one more coupon to a customer holding ``held_by_customer``."""
    if not campaign.covers(day):
        raise StateConflict(
            f"campaign {campaign.code} is not running on {day.isoformat()}",
            field="campaign",
            code="campaign-closed",
            message_zh=f"活动 {campaign.code} 在 {day.isoformat()} 未开展",
        )
    if campaign.max_coupons is not None and campaign.issued >= campaign.max_coupons:
        raise StateConflict(
            f"campaign {campaign.code} has issued all {campaign.max_coupons} coupons",
            field="campaign",
            code="campaign-exhausted",
            message_zh=f"活动 {campaign.code} 的优惠券已发完",
        )
    if held_by_customer >= campaign.per_customer:
        raise StateConflict(
            f"the customer already holds {held_by_customer} coupon(s) of {campaign.code}",
            field="customer_id",
            code="coupon-limit",
            message_zh=f"该客户已领取活动 {campaign.code} 的优惠券",
        )


def reserve(campaign: Campaign, subsidy: Decimal) -> Campaign:
    """The campaign with ``subsidy`` held for an offer; refuses to go over budget."""
    left = campaign.budget_left
    if left is not None and subsidy > left:
        raise StateConflict(
            f"campaign {campaign.code} has {format_money(left)} of budget left, "
            f"{format_money(subsidy)} needed",
            field="coupon",
            code="campaign-budget",
            message_zh=f"活动 {campaign.code} 剩余预算 {format_money(left)}，不足 {format_money(subsidy)}",
        )
    return campaign.model_copy(update={"reserved": campaign.reserved + subsidy})


def settle(campaign: Campaign, subsidy: Decimal, *, spent: bool) -> Campaign:
    """Move a reservation to spent (offer accepted) or back to the budget (declined, expired)."""
    reserved = max(campaign.reserved - subsidy, ZERO)
    return campaign.model_copy(
        update={"reserved": reserved, "spent": campaign.spent + subsidy if spent else campaign.spent}
    )


def launch(cmd: Command, data: CampaignInput) -> Campaign:
    """Store a new campaign; its code must be unused."""
    if data.valid_to < data.valid_from:
        raise InvalidInput(
            "a campaign cannot end before it starts", field="valid_to", message_zh="活动结束日期早于开始日期"
        )
    _check_kind(data)
    if (
        data.campaign_kind is CampaignKind.coupon
        and data.rate_discount_bp == 0
        and data.interest_free_days == 0
    ):
        raise InvalidInput(
            "a campaign needs a rate discount or interest-free days",
            field="rate_discount_bp",
            message_zh="活动需要利率折扣或免息天数",
        )
    repo = cmd.tx.repo(Campaign)
    if repo.list(code=data.code):
        raise StateConflict(field="code", code="campaign-exists", params={"code": data.code})
    campaign = Campaign(id=cmd.ids.new("cmp"), created_at=cmd.clock.now(), **data.model_dump())
    stored = repo.add(campaign)
    cmd.emit("campaign.launched", stored.id, code=data.code, budget=data.budget)
    return stored


STATUS_MOVES: dict[CampaignStatus, frozenset[CampaignStatus]] = {
    CampaignStatus.active: frozenset({CampaignStatus.paused, CampaignStatus.ended}),
    CampaignStatus.paused: frozenset({CampaignStatus.active, CampaignStatus.ended}),
    CampaignStatus.ended: frozenset(),
}
"""Status moves (活动状态流转): active ⇄ paused, either → ended; an ended campaign stays ended.
A paused campaign issues and grants nothing (:meth:`Campaign.covers`); what was issued stays usable."""


def change_status(cmd: Command, code: str, status: CampaignStatus, reason: str | None = None) -> Campaign:
    """Pause, resume or end campaign ``code`` (暂停、恢复、结束活动)."""
    campaigns = cmd.tx.repo(Campaign)
    found = campaigns.list(code=code)
    if not found:
        raise NotFound(f"no campaign '{code}'", field="code", message_zh=f"没有活动 '{code}'")
    campaign = campaigns.lock(found[0].id)
    if status not in STATUS_MOVES[campaign.status]:
        raise StateConflict(
            field="status",
            code="campaign-status",
            params={"code": code, "status": campaign.status.value, "target": status.value},
        )
    changed = campaigns.update(campaign.model_copy(update={"status": status}))
    cmd.emit("campaign.status", changed.id, code=code, status=status.value, reason=reason)
    return changed


Eligible = Callable[[Campaign, str], None]
"""Raises unless the customer (by id) may take part in the campaign (its eligibility rule)."""


def issue(cmd: Command, campaign_code: str, customer_id: str, eligible: Eligible | None = None) -> Coupon:
    """Give one coupon of the campaign to a customer (发券)."""
    campaigns = cmd.tx.repo(Campaign)
    found = campaigns.list(code=campaign_code)
    if not found:
        raise NotFound(
            f"no campaign '{campaign_code}'", field="campaign_code", message_zh=f"没有活动 '{campaign_code}'"
        )
    campaign = campaigns.lock(found[0].id)
    if campaign.campaign_kind is not CampaignKind.coupon:
        raise StateConflict(
            f"campaign {campaign_code} gives {campaign.campaign_kind.value} rewards, not coupons",
            field="campaign_code",
            code="campaign-kind",
            message_zh=f"活动 {campaign_code} 不发放优惠券",
        )
    coupons = cmd.tx.repo(Coupon)
    held = list(coupons.list(campaign_id=campaign.id, customer_id=customer_id))
    issue_check(campaign, cmd.clock.today(), len(held))
    if eligible is not None:
        eligible(campaign, customer_id)
    coupon = Coupon(
        id=cmd.ids.new("cpn"),
        campaign_id=campaign.id,
        campaign_code=campaign.code,
        customer_id=customer_id,
        rate_discount_bp=campaign.rate_discount_bp,
        interest_free_days=campaign.interest_free_days,
        issued_at=cmd.clock.now(),
        expires_on=min(cmd.clock.today() + timedelta(days=campaign.coupon_valid_days), campaign.valid_to),
    )
    campaigns.update(campaign.model_copy(update={"issued": campaign.issued + 1}))
    stored = coupons.add(coupon)
    cmd.emit("coupon.issued", stored.id, campaign_code=campaign.code, customer_id=customer_id)
    return stored


def _check_kind(data: CampaignInput) -> None:
    """A cash campaign names its amounts and has a budget; a coupon campaign names no cash."""
    kind = data.campaign_kind
    cash = {
        "cash": data.cash,
        "referrer_reward": data.referrer_reward,
        "referee_reward": data.referee_reward,
        "limit_increase": data.limit_increase,
        "limit_cap": data.limit_cap,
    }
    needed = {
        CampaignKind.coupon: (),
        CampaignKind.red_packet: ("cash",),
        CampaignKind.limit_increase: ("limit_increase", "limit_cap"),
    }.get(kind, ("referrer_reward", "referee_reward"))
    for name, value in cash.items():
        if name in needed and value is None:
            raise InvalidInput(
                f"a {kind.value} campaign needs {name}",
                field=name,
                message_zh=f"{kind.value} 活动需要设置 {name}",
            )
        if name not in needed and value is not None:
            raise InvalidInput(
                f"a {kind.value} campaign has no {name}",
                field=name,
                message_zh=f"{kind.value} 活动不设 {name}",
            )
    if kind is CampaignKind.limit_increase and data.eligibility is None:
        raise InvalidInput(
            "a limit-increase campaign names the rule that selects its customers",
            field="eligibility",
            message_zh="提额活动必须设置选择客户的规则",
        )
    if kind not in (CampaignKind.coupon, CampaignKind.limit_increase) and data.budget is None:
        raise InvalidInput(
            "a cash campaign needs a budget", field="budget", message_zh="现金奖励活动必须设置预算"
        )
    if kind is not CampaignKind.coupon and (data.rate_discount_bp or data.interest_free_days):
        raise InvalidInput(
            "a cash campaign gives no rate discount or interest-free days",
            field="rate_discount_bp",
            message_zh="现金奖励活动不设利率折扣或免息天数",
        )
