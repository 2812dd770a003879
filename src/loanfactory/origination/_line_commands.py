"""Collateral, campaigns and credit-line commands of the origination service (押品、营销、额度)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from loanfactory.calendar import add_months
from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.facts import Facts
from loanfactory.money import to_money
from loanfactory.origination import _campaign as campaigns
from loanfactory.origination import _limit_campaign as limit_campaign
from loanfactory.origination import _occupation as occupation
from loanfactory.origination import _rewards as rewards
from loanfactory.origination import _valuation as valuation
from loanfactory.origination._campaign import Campaign, CampaignInput, CampaignStatus, Coupon, Eligible
from loanfactory.origination._collateral import Collateral, CollateralInput, Valuation
from loanfactory.origination._commands import Command
from loanfactory.origination._credit_line import CreditLine, LineOccupation, LineStatus, freeze, unfreeze
from loanfactory.origination._customer import Customer, CustomerGroup
from loanfactory.origination._factsheet import applicant_facts
from loanfactory.origination._rewards import Referral, Repayments, Reward
from loanfactory.origination._service_base import ServiceBase
from loanfactory.origination._values import parse_input
from loanfactory.rules import CompiledDefinition, Outcome, compile_definition


class LineCommands(ServiceBase):
    """Commands on collateral, campaigns and credit lines."""

    # --- collateral ----------------------------------------------------------------------------

    def register_collateral(
        self, data: CollateralInput | Mapping[str, Any], *, idempotency_key: str
    ) -> Collateral:
        """Register a piece of collateral with its first valuation (押品登记)."""
        parsed = parse_input(CollateralInput, data, field="collateral")

        def body(cmd: Command) -> tuple[str, Collateral]:
            collateral = valuation.register_collateral(cmd, parsed)
            return collateral.id, collateral

        return self._run(
            "register_collateral",
            "collateral.registered",
            idempotency_key,
            parsed,
            Collateral,
            body,
            reload=lambda tx, id: tx.repo(Collateral).get(id),
        )

    def revalue_collateral(
        self, collateral_id: str, new: Valuation | Mapping[str, Any], *, idempotency_key: str
    ) -> Collateral:
        """Record a new valuation; a drop cuts the secured limits it backs and asks for a review (重估)."""
        parsed = parse_input(Valuation, new, field="valuation")

        def body(cmd: Command) -> tuple[str, Collateral]:
            return collateral_id, valuation.revalue(cmd, collateral_id, parsed, self.specs)

        return self._run(
            "revalue_collateral",
            "collateral.revalued",
            idempotency_key,
            (collateral_id, parsed),
            Collateral,
            body,
            reload=lambda tx, id: tx.repo(Collateral).get(id),
        )

    def link_collateral(self, collateral_id: str, loan_id: str, *, idempotency_key: str) -> Collateral:
        """Record that collateral secures a loan (押品关联贷款), e.g. by servicing at disbursement."""

        def body(cmd: Command) -> tuple[str, Collateral]:
            linked = valuation.link(cmd, collateral_id, loan_id, None)
            cmd.emit("collateral.linked", collateral_id, loan_id=loan_id)
            return collateral_id, linked

        return self._run(
            "link_collateral",
            "collateral.link",
            idempotency_key,
            (collateral_id, loan_id),
            Collateral,
            body,
            reload=lambda tx, id: tx.repo(Collateral).get(id),
        )

    # --- campaigns -----------------------------------------------------------------------------

    def launch_campaign(
        self, data: CampaignInput | Mapping[str, Any], *, idempotency_key: str, actor: str = "system"
    ) -> Campaign:
        """Start a campaign with a rate discount and/or interest-free days (营销活动)."""
        parsed = parse_input(CampaignInput, data, field="campaign")
        if parsed.eligibility is not None:
            self._eligibility_rule(parsed.eligibility)

        def body(cmd: Command) -> tuple[str, Campaign]:
            found = campaigns.launch(cmd, parsed)
            return found.id, found

        return self._run(
            "launch_campaign", "campaign.launched", idempotency_key, parsed, Campaign, body, actor=actor
        )

    def set_campaign_status(
        self,
        code: str,
        status: CampaignStatus | str,
        *,
        reason: str | None = None,
        idempotency_key: str,
        actor: str = "system",
    ) -> Campaign:
        """Pause, resume or end a campaign (暂停、恢复、结束活动); see :data:`campaign.STATUS_MOVES`."""
        if status not in set(CampaignStatus):
            raise InvalidInput(
                f"'{status}' is not a campaign status: use active, paused or ended",
                field="status",
                message_zh=f"'{status}' 不是活动状态：可选 active、paused、ended",
            )
        target = CampaignStatus(status)

        def body(cmd: Command) -> tuple[str, Campaign]:
            changed = campaigns.change_status(cmd, code, target, reason)
            return changed.id, changed

        arguments = (code, target.value, reason)
        return self._run(
            "set_campaign_status", "campaign.status", idempotency_key, arguments, Campaign, body, actor=actor
        )

    def issue_coupon(
        self, campaign_code: str, customer_id: str, *, idempotency_key: str, actor: str = "system"
    ) -> Coupon:
        """Give a customer one coupon of a campaign (发券)."""

        def body(cmd: Command) -> tuple[str, Coupon]:
            cmd.tx.repo(Customer).get(customer_id)
            coupon = campaigns.issue(cmd, campaign_code, customer_id, self._eligible(cmd))
            return coupon.id, coupon

        return self._run(
            "issue_coupon",
            "coupon.issued",
            idempotency_key,
            (campaign_code, customer_id),
            Coupon,
            body,
            actor=actor,
        )

    def grant_red_packet(
        self, campaign_code: str, customer_id: str, *, idempotency_key: str, actor: str = "system"
    ) -> Reward:
        """Give a customer a cash red packet of a campaign (发红包), held on its budget."""

        def body(cmd: Command) -> tuple[str, Reward]:
            reward = rewards.grant_red_packet(cmd, campaign_code, customer_id, self._eligible(cmd))
            return reward.id, reward

        arguments = (campaign_code, customer_id)
        return self._run(
            "grant_red_packet", "reward.granted", idempotency_key, arguments, Reward, body, actor=actor
        )

    def reward_referral(
        self,
        campaign_code: str,
        referrer_id: str,
        referee_id: str,
        *,
        device: str,
        idempotency_key: str,
        actor: str = "system",
    ) -> Referral:
        """Reward a referral (推荐有礼): the referrer's and the referee's rewards, anti-abuse checked."""

        def body(cmd: Command) -> tuple[str, Referral]:
            first, second = rewards.reward_referral(
                cmd, campaign_code, referrer_id, referee_id, device, self._eligible(cmd)
            )
            return second.id, Referral(referrer=first, referee=second)

        arguments = (campaign_code, referrer_id, referee_id, device)
        return self._run(
            "reward_referral", "reward.referral", idempotency_key, arguments, Referral, body, actor=actor
        )

    def use_red_packet(
        self, reward_id: str, loan_id: str, *, repayments: Repayments, idempotency_key: str
    ) -> Reward:
        """Credit a red packet against a loan (红包抵扣还款): servicing credits it through its
        confirmed-payment path (channel ``red-packet``, the reference is the reward's id, so it is
        credited once), then the reward is marked used and its budget spent."""
        with self.store.transaction() as tx:
            reward = tx.repo(Reward).get(reward_id)
        if reward.status is not rewards.RewardStatus.used:
            rewards.usable(reward, self.clock.today())
        if repayments.loan(loan_id).customer_id != reward.customer_id:
            raise StateConflict(
                f"reward {reward_id} belongs to another customer than loan {loan_id}",
                field="loan_id",
                code="reward-customer",
                message_zh=f"红包 {reward_id} 不属于贷款 {loan_id} 的借款人",
            )
        result = repayments.repay(
            loan_id,
            rewards.red_packet_payment(reward, self.clock.today()),
            key=f"red-packet:{reward_id}",
            actor=f"campaign:{reward.campaign_code}",
        )
        entry = getattr(result, "entry_id", None)

        def body(cmd: Command) -> tuple[str, Reward]:
            return reward_id, rewards.mark_used(cmd, reward_id, loan_id=loan_id, entry_id=entry)

        return self._run("use_red_packet", "reward.used", idempotency_key, (reward_id, loan_id), Reward, body)

    def raise_limit(
        self, campaign_code: str, customer_id: str, *, idempotency_key: str, actor: str = "system"
    ) -> Reward:
        """Raise a rule-selected customer's credit line by a limit-increase campaign (提额活动)."""

        def body(cmd: Command) -> tuple[str, Reward]:
            reward = limit_campaign.raise_limit(cmd, campaign_code, customer_id, self._eligible(cmd))
            return reward.id, reward

        arguments = (campaign_code, customer_id)
        return self._run("raise_limit", "line.raised", idempotency_key, arguments, Reward, body, actor=actor)

    def rewards_of(self, *, campaign_code: str | None = None, customer_id: str | None = None) -> list[Reward]:
        """The cash rewards granted, by campaign and/or customer."""
        where: dict[str, str] = {}
        with self.store.transaction() as tx:
            if campaign_code is not None:
                found = tx.repo(Campaign).list(code=campaign_code)
                if not found:
                    return []
                where["campaign_id"] = found[0].id
            if customer_id is not None:
                where["customer_id"] = customer_id
            return tx.repo(Reward).list(**where)

    def _eligibility_rule(self, rule: str) -> CompiledDefinition:
        library = getattr(self.catalog, "rules", None)
        if library is None or rule not in library:
            raise InvalidInput(
                f"no rule '{rule}' in the rule files",
                field="eligibility",
                message_zh=f"规则文件中没有规则 '{rule}'",
            )
        return compile_definition(library.get(rule))

    def _eligible(self, cmd: Command) -> Eligible:
        """The campaign's eligibility rule run on the customer's facts (参与资格校验)."""

        def check(campaign: Campaign, customer_id: str) -> None:
            if campaign.eligibility is None:
                return
            customer = cmd.tx.repo(Customer).get(customer_id)
            day = cmd.clock.today()
            facts = Facts(
                as_of=day, applicant=applicant_facts(customer, day, existing=customer.accepted_offers > 0)
            )
            decision = self._eligibility_rule(campaign.eligibility).evaluate(facts)
            if decision.outcome not in (Outcome.passed, Outcome.approve):
                why = "；".join(r.message_zh for r in decision.reasons) or decision.outcome.value
                raise StateConflict(
                    f"customer {customer_id} is not eligible for {campaign.code}: "
                    + ("; ".join(r.message for r in decision.reasons) or decision.outcome.value),
                    field="customer_id",
                    code="campaign-ineligible",
                    message_zh=f"客户不符合活动 {campaign.code} 的参与条件：{why}",
                )

        return check

    # --- credit lines --------------------------------------------------------------------------

    def open_line(
        self,
        customer_id: str,
        total: Decimal | str | int,
        *,
        idempotency_key: str,
        sub_limits: Mapping[str, Decimal | str | int] | None = None,
        expires_on: date | None = None,
        group_line_id: str | None = None,
    ) -> CreditLine:
        """Grant a customer a unified credit line with product sub-limits (授信)."""
        amount = to_money(total, field="total")
        subs = {code: to_money(v, field=f"sub_limits.{code}") for code, v in (sub_limits or {}).items()}

        def body(cmd: Command) -> tuple[str, CreditLine]:
            cmd.tx.repo(Customer).get(customer_id)
            line = occupation.open_line(
                cmd,
                total=amount,
                customer_id=customer_id,
                sub_limits=subs,
                expires_on=expires_on or self._line_expiry(),
                parent_id=group_line_id,
            )
            return line.id, line

        return self._run(
            "open_line",
            "credit_line.opened",
            idempotency_key,
            (customer_id, amount, subs, expires_on, group_line_id),
            CreditLine,
            body,
        )

    def open_group_line(
        self,
        group_id: str,
        total: Decimal | str | int,
        *,
        idempotency_key: str,
        expires_on: date | None = None,
    ) -> CreditLine:
        """Grant a group limit shared by related enterprises (集团授信)."""
        amount = to_money(total, field="total")

        def body(cmd: Command) -> tuple[str, CreditLine]:
            cmd.tx.repo(CustomerGroup).get(group_id)
            line = occupation.open_line(
                cmd, total=amount, group_id=group_id, expires_on=expires_on or self._line_expiry()
            )
            return line.id, line

        return self._run(
            "open_group_line",
            "credit_line.opened",
            idempotency_key,
            (group_id, amount, expires_on),
            CreditLine,
            body,
        )

    def _line_expiry(self) -> date:
        return add_months(self.clock.today(), self.settings.line_valid_months)

    def occupy(
        self,
        line_id: str,
        product_code: str,
        reference: str,
        amount: Decimal | str | int,
        *,
        idempotency_key: str,
    ) -> LineOccupation:
        """Occupy part of a line (额度占用), e.g. by servicing at disbursement."""
        value = to_money(amount)

        def body(cmd: Command) -> tuple[str, LineOccupation]:
            return line_id, occupation.draw(cmd, line_id, product_code, reference, value)

        return self._run(
            "occupy",
            "credit_line.drawn",
            idempotency_key,
            (line_id, product_code, reference, value),
            LineOccupation,
            body,
        )

    def expire_lines(self, *, idempotency_key: str) -> list[CreditLine]:
        """Mark every active or frozen line past its expiry date as expired (end of day; 额度到期)."""
        today = self.clock.today()
        with self.store.transaction() as tx:
            due = [
                x.id for x in tx.repo(CreditLine).list() if x.status in _OPEN_LINES and x.expires_on < today
            ]
        return [
            self._change_line(
                "expire_line", "credit_line.expired", line_id, None, f"{idempotency_key}:{line_id}", _expire
            )
            for line_id in due
        ]

    def release(
        self, occupation_id: str, amount: Decimal | str | int | None = None, *, idempotency_key: str
    ) -> LineOccupation:
        """Give back part or all of an occupation (额度释放), e.g. on repayment."""
        value = None if amount is None else to_money(amount)

        def body(cmd: Command) -> tuple[str, LineOccupation]:
            found = occupation.give_back(cmd, occupation_id, value)
            return found.line_id, found

        return self._run(
            "release", "credit_line.given_back", idempotency_key, (occupation_id, value), LineOccupation, body
        )

    def freeze_line(
        self, line_id: str, amount: Decimal | str | int | None = None, *, idempotency_key: str
    ) -> CreditLine:
        """Freeze a whole line, or part of its available amount (额度冻结)."""
        return self._change_line(
            "freeze_line", "credit_line.frozen", line_id, amount, idempotency_key, freeze
        )

    def unfreeze_line(
        self, line_id: str, amount: Decimal | str | int | None = None, *, idempotency_key: str
    ) -> CreditLine:
        """Lift a freeze (额度解冻)."""
        return self._change_line(
            "unfreeze_line", "credit_line.unfrozen", line_id, amount, idempotency_key, unfreeze
        )

    def _change_line(
        self,
        name: str,
        event: str,
        line_id: str,
        amount: Decimal | str | int | None,
        key: str,
        change: Callable[[CreditLine, Decimal | None], CreditLine],
    ) -> CreditLine:
        value = None if amount is None else to_money(amount)

        def body(cmd: Command) -> tuple[str, CreditLine]:
            repo = cmd.tx.repo(CreditLine)
            line = change(repo.lock(line_id), value)
            return line_id, repo.update(line.model_copy(update={"updated_at": cmd.clock.now()}))

        return self._run(name, event, key, (line_id, value), CreditLine, body)


_OPEN_LINES = frozenset({LineStatus.active, LineStatus.frozen})


def _expire(line: CreditLine, amount: Decimal | None) -> CreditLine:
    return line.model_copy(update={"status": LineStatus.expired})
