"""Limit-increase campaigns (提额活动): rule-selected customers get a higher credit line.

A campaign of kind ``limit-increase`` names an eligibility rule (required: the rules language
selects who is offered more, e.g. customers who repaid on time) and ``limit_increase`` — yuan
added to the customer's line — held within ``limit_cap``, the highest line total the campaign may
give (the risk ceiling, 风险上限). The line must be active and unexpired. Each increase is recorded
as a :class:`~loanfactory.origination._rewards.Reward` of kind ``limit-increase``, used at once, so
the campaign's reach and participation are counted like any other; it costs no budget.
"""

from __future__ import annotations

from datetime import datetime

from loanfactory.errors import StateConflict
from loanfactory.origination._campaign import Campaign, CampaignKind, Eligible
from loanfactory.origination._commands import Command
from loanfactory.origination._credit_line import CreditLine, resize
from loanfactory.origination._rewards import Reward, RewardKind, RewardStatus, running, store_reward


def raise_limit(cmd: Command, campaign_code: str, customer_id: str, eligible: Eligible) -> Reward:
    """Raise the customer's credit line by the campaign's increase, within its cap (提额)."""
    campaign = running(cmd, campaign_code, CampaignKind.limit_increase)
    increase, cap = campaign.limit_increase, campaign.limit_cap
    assert increase is not None
    assert cap is not None
    rewards = cmd.tx.repo(Reward)
    if len(rewards.list(campaign_id=campaign.id, customer_id=customer_id)) >= campaign.per_customer:
        raise StateConflict(
            f"the customer's line was raised by {campaign.code} already",
            field="customer_id",
            code="reward-limit",
            message_zh=f"该客户已参加过提额活动 {campaign.code}",
        )
    eligible(campaign, customer_id)
    today = cmd.clock.today()
    lines = [x for x in cmd.tx.repo(CreditLine).list(customer_id=customer_id) if x.usable_on(today)]
    if not lines:
        raise StateConflict(
            "the customer has no active credit line to raise",
            field="customer_id",
            code="no-line",
            message_zh="该客户没有有效的授信额度，无法提额",
        )
    line = cmd.tx.repo(CreditLine).lock(lines[0].id)
    raised = min(line.total + increase, cap)
    if raised <= line.total:
        raise StateConflict(
            f"the line is {line.total} already, at or above the campaign's cap {cap}",
            field="customer_id",
            code="limit-cap",
            message_zh=f"额度 {line.total} 已达到活动提额上限 {cap}",
        )
    if campaign.max_coupons is not None and campaign.issued >= campaign.max_coupons:
        raise StateConflict(
            f"campaign {campaign.code} has given all {campaign.max_coupons} increases",
            field="campaign",
            code="campaign-exhausted",
            message_zh=f"活动 {campaign.code} 的提额名额已用完",
        )
    updated = resize(line, raised).model_copy(update={"updated_at": cmd.clock.now()})
    cmd.tx.repo(CreditLine).update(updated)
    cmd.tx.repo(Campaign).update(campaign.model_copy(update={"issued": campaign.issued + 1}))
    now: datetime = cmd.clock.now()
    reward = store_reward(
        cmd,
        campaign,
        customer_id,
        RewardKind.limit_increase,
        raised - line.total,
        status=RewardStatus.used,
        used_at=now,
    )
    cmd.emit("line.raised", line.id, campaign_code=campaign.code, before=line.total, after=raised)
    return reward
