"""Cash rewards of campaigns (现金奖励): red packets and referral rewards, on the campaign's budget.

A campaign of kind ``red-packet`` gives a customer a cash red packet (红包) of ``cash`` yuan; one of
kind ``referral`` rewards the referrer (推荐人, ``referrer_reward``) and the new customer (被推荐人,
``referee_reward``). Either is a :class:`Reward` of one customer. The campaign's budget is held
when a reward is granted (``reserved``) and spent when it is used — a red packet is used by
crediting it against a loan (:func:`use_red_packet`) through servicing's confirmed-payment path,
with the channel ``red-packet`` (the bank's marketing expense, not the borrower's money); a
referral reward is paid to the customer by the bank's payout process. Every grant locks the
campaign row, so concurrent grants never take more than the budget.

Referral anti-abuse (防刷): the referee must be a customer whose identity was verified (身份证核验),
different from the referrer; a verified person (their identity hash) and a device are rewarded as
a referee once per campaign, and a referrer at most ``per_customer`` times. Stacking (叠加): a
customer holding an unused reward of a campaign that does not stack (``stackable: false``) gets no
reward of another non-stacking campaign of the same kind until it is used or expires.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar, Protocol

from loanfactory.entity import Entity
from loanfactory.errors import InvalidInput, NotFound, StateConflict
from loanfactory.money import Money
from loanfactory.origination._campaign import Campaign, CampaignKind, Eligible, reserve, settle
from loanfactory.origination._commands import Command
from loanfactory.origination._customer import Customer
from loanfactory.origination._values import AwareDatetime, Value
from loanfactory.ports import KycCheck, PaymentChannel, PaymentConfirmation


class RewardKind(StrEnum):
    red_packet = "red-packet"  # 现金红包
    referrer = "referrer"  # 推荐奖励（推荐人）
    referee = "referee"  # 推荐奖励（被推荐人）
    limit_increase = "limit-increase"  # 提额（金额为增加的额度）


class RewardStatus(StrEnum):
    granted = "granted"  # 已发放，未使用
    used = "used"  # 已使用（红包已抵扣还款，推荐奖励已兑付）
    expired = "expired"  # 已过期


class Reward(Entity):
    """One cash reward of a campaign to one customer (现金奖励)."""

    kind: ClassVar[str] = "campaign_reward"
    indexes: ClassVar[tuple[str, ...]] = ("campaign_id", "customer_id", "status", "person", "device")
    audited: ClassVar[tuple[str, ...]] = ("campaign_id", "customer_id", "amount", "status", "loan_id")

    campaign_id: str
    campaign_code: str
    customer_id: str
    reward: RewardKind
    amount: Money
    granted_at: AwareDatetime
    expires_on: date
    stackable: bool = True
    status: RewardStatus = RewardStatus.granted
    person: str = ""  # the referee's identity hash (one reward per verified person)
    device: str = ""  # the referee's device id (one reward per device)
    referral: str | None = None  # the other side of a referral (customer id)
    loan_id: str | None = None  # the loan a red packet was credited to
    entry_id: str | None = None  # its ledger posting
    used_at: datetime | None = None


class Referral(Value):
    """The two rewards of one referral (推荐奖励)."""

    referrer: Reward
    referee: Reward


class Borrowing(Protocol):
    """A loan as far as a red packet cares: whose it is."""

    @property
    def customer_id(self) -> str: ...


class Repayments(Protocol):
    """What crediting a red packet needs of servicing (its confirmed-payment path)."""

    def loan(self, loan_id: str) -> Borrowing: ...

    def repay(
        self, loan_id: str, confirmation: PaymentConfirmation, *, key: str, actor: str = ...
    ) -> Any: ...


def grant_red_packet(
    cmd: Command, campaign_code: str, customer_id: str, eligible: Eligible | None = None
) -> Reward:
    """Give a customer one red packet of the campaign (发红包)."""
    cmd.tx.repo(Customer).get(customer_id)
    campaign = running(cmd, campaign_code, CampaignKind.red_packet)
    _check_cap(cmd, campaign, customer_id)
    if eligible is not None:
        eligible(campaign, customer_id)
    assert campaign.cash is not None
    return _grant(cmd, campaign, customer_id, RewardKind.red_packet, campaign.cash)


def reward_referral(
    cmd: Command,
    campaign_code: str,
    referrer_id: str,
    referee_id: str,
    device: str,
    eligible: Eligible | None = None,
) -> tuple[Reward, Reward]:
    """Reward a referral (推荐有礼): the referrer and the new customer, anti-abuse checked."""
    if not device.strip() or len(device) > 128:
        raise InvalidInput(
            "give the referee's device id", field="device", message_zh="请提供被推荐人的设备号"
        )
    customers = cmd.tx.repo(Customer)
    referrer, referee = customers.get(referrer_id), customers.get(referee_id)
    if referrer.identity_hash == referee.identity_hash:
        raise StateConflict(
            "a customer cannot refer themselves",
            field="referee_id",
            code="referral-self",
            message_zh="不能推荐本人",
        )
    if not referee.verified(KycCheck.id_card):
        raise StateConflict(
            "the referee's identity is not verified",
            field="referee_id",
            code="referral-unverified",
            message_zh="被推荐人未完成实名核验，不能领取推荐奖励",
        )
    campaign = running(cmd, campaign_code, CampaignKind.referral)
    if eligible is not None:
        eligible(campaign, referee_id)
    rewards = cmd.tx.repo(Reward)
    device_key = _digest(device)
    for field, value, zh in (
        ("person", referee.identity_hash, "该被推荐人"),
        ("device", device_key, "该设备"),
    ):
        if rewards.list(campaign_id=campaign.id, **{field: value}):
            raise StateConflict(
                f"this {'person' if field == 'person' else 'device'} was already rewarded in {campaign.code}",
                field="referee_id" if field == "person" else "device",
                code="referral-repeat",
                message_zh=f"{zh}已在活动 {campaign.code} 中领取过推荐奖励",
            )
    referred = list(rewards.list(campaign_id=campaign.id, customer_id=referrer_id))
    if len(referred) >= campaign.per_customer:
        raise StateConflict(
            f"the referrer reached the cap of {campaign.per_customer} rewards",
            field="referrer_id",
            code="reward-limit",
            message_zh=f"推荐人已达到活动奖励上限 {campaign.per_customer} 次",
        )
    to_referrer, to_referee = campaign.referrer_reward, campaign.referee_reward
    assert to_referrer is not None
    assert to_referee is not None
    campaign = _hold(cmd, campaign, to_referrer + to_referee)
    first = store_reward(cmd, campaign, referrer_id, RewardKind.referrer, to_referrer, referral=referee_id)
    second = store_reward(
        cmd,
        campaign,
        referee_id,
        RewardKind.referee,
        to_referee,
        referral=referrer_id,
        person=referee.identity_hash,
        device=device_key,
    )
    return first, second


def mark_used(
    cmd: Command, reward_id: str, *, loan_id: str | None = None, entry_id: str | None = None
) -> Reward:
    """The reward used (红包已抵扣/奖励已兑付): its amount moves from reserved to spent."""
    rewards = cmd.tx.repo(Reward)
    reward = rewards.lock(reward_id)
    if reward.status is RewardStatus.used:
        if reward.loan_id != loan_id:
            raise StateConflict(
                f"reward {reward_id} was used already",
                field="reward_id",
                code="reward-used",
                message_zh=f"奖励 {reward_id} 已使用",
            )
        return reward
    usable(reward, cmd.clock.today())
    campaigns = cmd.tx.repo(Campaign)
    campaigns.update(settle(campaigns.lock(reward.campaign_id), reward.amount, spent=True))
    used = rewards.update(
        reward.evolve(status=RewardStatus.used, loan_id=loan_id, entry_id=entry_id, used_at=cmd.clock.now())
    )
    cmd.emit(
        "reward.used", reward_id, campaign_code=reward.campaign_code, amount=reward.amount, loan_id=loan_id
    )
    return used


def usable(reward: Reward, day: date) -> None:
    """Raise unless ``reward`` can be used on ``day``."""
    if reward.status is not RewardStatus.granted or day > reward.expires_on:
        raise StateConflict(
            f"reward {reward.id} is {reward.status.value}"
            + (" (expired)" if day > reward.expires_on else ""),
            field="reward_id",
            code="reward-unusable",
            message_zh=f"奖励 {reward.id} 不可使用（{reward.status.value}，有效期至 {reward.expires_on}）",
        )


def red_packet_payment(reward: Reward, day: date) -> PaymentConfirmation:
    """The confirmation a red packet credits a loan with: the marketing budget pays (营销费用)."""
    if reward.reward is not RewardKind.red_packet:
        raise StateConflict(
            f"reward {reward.id} is a {reward.reward.value} reward, not a red packet",
            field="reward_id",
            code="not-a-red-packet",
            message_zh=f"奖励 {reward.id} 不是红包，不能抵扣还款",
        )
    return PaymentConfirmation(
        channel=PaymentChannel.red_packet,
        reference=reward.id,
        amount=reward.amount,
        settled_on=day,
        confirmed_by=f"campaign:{reward.campaign_code}",
    )


# --- inside a command ---------------------------------------------------------------------------


def running(cmd: Command, code: str, kind: CampaignKind) -> Campaign:
    campaigns = cmd.tx.repo(Campaign)
    found = campaigns.list(code=code)
    if not found:
        raise NotFound(f"no campaign '{code}'", field="campaign_code", message_zh=f"没有活动 '{code}'")
    campaign = campaigns.lock(found[0].id)
    if campaign.campaign_kind is not kind:
        raise StateConflict(
            f"campaign {code} is a {campaign.campaign_kind.value} campaign, not {kind.value}",
            field="campaign_code",
            code="campaign-kind",
            message_zh=f"活动 {code} 的类型是 {campaign.campaign_kind.value}，不是 {kind.value}",
        )
    day = cmd.clock.today()
    if not campaign.covers(day):
        raise StateConflict(
            f"campaign {code} is not running on {day.isoformat()}",
            field="campaign",
            code="campaign-closed",
            message_zh=f"活动 {code} 在 {day.isoformat()} 未开展",
        )
    return campaign


def _check_cap(cmd: Command, campaign: Campaign, customer_id: str) -> None:
    rewards = cmd.tx.repo(Reward)
    held = rewards.list(campaign_id=campaign.id, customer_id=customer_id)
    if len(held) >= campaign.per_customer:
        raise StateConflict(
            f"the customer already has {len(held)} reward(s) of {campaign.code}",
            field="customer_id",
            code="reward-limit",
            message_zh=f"该客户已领取活动 {campaign.code} 的奖励",
        )
    if campaign.stackable:
        return
    today = cmd.clock.today()
    for other in rewards.list(customer_id=customer_id, status=RewardStatus.granted.value):
        if other.campaign_id != campaign.id and not other.stackable and today <= other.expires_on:
            raise StateConflict(
                f"the customer holds an unused reward of {other.campaign_code}, which does not stack",
                field="customer_id",
                code="reward-stacking",
                message_zh=f"该客户持有活动 {other.campaign_code} 未使用的奖励，不能与本活动叠加",
            )


def _hold(cmd: Command, campaign: Campaign, amount: Decimal) -> Campaign:
    if campaign.max_coupons is not None and campaign.issued >= campaign.max_coupons:
        raise StateConflict(
            f"campaign {campaign.code} has given all {campaign.max_coupons} rewards",
            field="campaign",
            code="campaign-exhausted",
            message_zh=f"活动 {campaign.code} 的奖励已发完",
        )
    held = reserve(campaign, amount)
    return cmd.tx.repo(Campaign).update(held.model_copy(update={"issued": campaign.issued + 1}))


def _grant(cmd: Command, campaign: Campaign, customer_id: str, kind: RewardKind, amount: Decimal) -> Reward:
    campaign = _hold(cmd, campaign, amount)
    return store_reward(cmd, campaign, customer_id, kind, amount)


def store_reward(
    cmd: Command,
    campaign: Campaign,
    customer_id: str,
    kind: RewardKind,
    amount: Decimal,
    **extra: Any,
) -> Reward:
    today = cmd.clock.today()
    reward = Reward(
        id=cmd.ids.new("rwd"),
        campaign_id=campaign.id,
        campaign_code=campaign.code,
        customer_id=customer_id,
        reward=kind,
        amount=amount,
        granted_at=cmd.clock.now(),
        expires_on=min(today + timedelta(days=campaign.coupon_valid_days), campaign.valid_to),
        stackable=campaign.stackable,
        **extra,
    )
    stored = cmd.tx.repo(Reward).add(reward)
    cmd.emit("reward.granted", stored.id, campaign_code=campaign.code, customer_id=customer_id, amount=amount)
    return stored


def _digest(text: str) -> str:
    return hashlib.sha256(text.strip().encode()).hexdigest()


__all__ = [
    "Referral",
    "Repayments",
    "Reward",
    "RewardKind",
    "RewardStatus",
    "grant_red_packet",
    "mark_used",
    "red_packet_payment",
    "reward_referral",
    "usable",
]
