"""The campaign methods of :class:`~._service_backend.ServiceBackend` (营销活动).

Marketing launches, pauses and resumes campaigns and issues their rewards (a red packet, a line
increase or a coupon by the campaign's kind; a referral's two rewards) through the origination
service's commands (each one audited and idempotent there, with the budget, caps and anti-abuse
rules), and reads the effect report of :func:`loanfactory.reporting.campaign_effect`; nothing here
counts or decides anything itself.
"""

from __future__ import annotations

from typing import Any

from loanfactory.adapters.http._bodies import ReferralIn, RewardIn
from loanfactory.adapters.http._models import CampaignCreate
from loanfactory.errors import InvalidInput, NotFound
from loanfactory.lender import Lender
from loanfactory.origination import Campaign, CampaignKind, Coupon, Referral, Reward
from loanfactory.reporting import campaign_effect


class CampaignMethods:
    lender: Lender

    def list_campaigns(self, *, status: str | None) -> list[Campaign]:
        where = {"status": status} if status else {}
        found: list[Campaign] = self.lender.origination.list(Campaign, **where)
        return sorted(found, key=lambda c: c.code)

    def get_campaign(self, code: str) -> Campaign:
        found: list[Campaign] = self.lender.origination.list(Campaign, code=code)
        if not found:
            raise NotFound(f"no campaign '{code}'", field="code", message_zh=f"没有活动 '{code}'")
        return found[0]

    def launch_campaign(self, request: CampaignCreate, *, actor: str, key: str) -> Campaign:
        launched: Campaign = self.lender.origination.launch_campaign(
            request.model_dump(), idempotency_key=key, actor=actor
        )
        return launched

    def set_campaign_status(
        self, code: str, status: str, *, reason: str | None, actor: str, key: str
    ) -> Campaign:
        changed: Campaign = self.lender.origination.set_campaign_status(
            code, status, reason=reason, idempotency_key=key, actor=actor
        )
        return changed

    def campaign_effect(self, code: str, *, attribution_days: int) -> dict[str, Any]:
        effect = campaign_effect(self.lender.store, code, attribution_days=attribution_days)
        return effect.model_dump(mode="json") | {"attribution_days": attribution_days}

    def grant_reward(self, code: str, request: RewardIn, *, actor: str, key: str) -> Reward | Coupon:
        """The campaign's reward to one customer: its red packet, line increase or coupon."""
        origination = self.lender.origination
        kind = self.get_campaign(code).campaign_kind
        if kind is CampaignKind.red_packet:
            packet: Reward = origination.grant_red_packet(
                code, request.customer_id, idempotency_key=key, actor=actor
            )
            return packet
        if kind is CampaignKind.limit_increase:
            raised: Reward = origination.raise_limit(
                code, request.customer_id, idempotency_key=key, actor=actor
            )
            return raised
        if kind is CampaignKind.coupon:
            coupon: Coupon = origination.issue_coupon(
                code, request.customer_id, idempotency_key=key, actor=actor
            )
            return coupon
        raise InvalidInput(
            f"campaign '{code}' rewards referrals: use its referrals",
            field="code",
            code="referral-campaign",
            message_zh=f"活动 '{code}' 为推荐有礼活动，请通过推荐发放奖励",
        )

    def reward_referral(self, code: str, request: ReferralIn, *, actor: str, key: str) -> Referral:
        self.get_campaign(code)  # 404 for an unknown campaign
        referral: Referral = self.lender.origination.reward_referral(
            code,
            request.referrer_id,
            request.referee_id,
            device=request.device,
            idempotency_key=key,
            actor=actor,
        )
        return referral

    def campaign_rewards(self, code: str) -> list[dict[str, Any]]:
        """The cash rewards of a campaign, without the referee's identity digest and device."""
        self.get_campaign(code)
        found: list[Reward] = self.lender.origination.rewards_of(campaign_code=code)
        ordered = sorted(found, key=lambda r: (r.granted_at, r.id))
        return [r.model_dump(mode="json", exclude={"person", "device"}) for r in ordered]
