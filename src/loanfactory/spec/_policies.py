"""Penalty, prepayment, guarantee and collateral, overdue and disbursement policies."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from loanfactory.conventions import GuaranteeType
from loanfactory.money import Money, Rate
from loanfactory.overdue_actions import OverdueAction
from loanfactory.spec._base import CrossFieldProblem, LocalizedText, SpecModel, lenient


class Penalty(SpecModel):
    """Penalty interest (罚息) on overdue principal and compound interest (复利) on unpaid interest."""

    uplift: Annotated[
        Rate, Field(description="Penalty rate = contract rate x (1 + uplift), e.g. '50%' (上浮比例)")
    ] = Decimal("0.5")
    compound: Annotated[
        bool, Field(strict=True, description="Charge compound interest on unpaid interest")
    ] = True
    day_basis: Annotated[
        int, Field(strict=True, description="Days in the year for daily penalty: 360 or 365")
    ] = 360
    grace_days: Annotated[
        int, Field(strict=True, ge=0, le=30, description="Days after the due date without penalty (宽限天数)")
    ] = 3
    grace_waives: Annotated[
        bool,
        Field(
            strict=True,
            description="Paid within the grace days: no penalty at all (true), or penalty "
            "from the due date once the grace is exceeded (false)",
        ),
    ] = True

    def problems(self) -> Iterator[CrossFieldProblem]:
        if self.day_basis not in (360, 365):
            yield CrossFieldProblem(
                ("day_basis",), "bad-basis", "day_basis must be 360 or 365", "计息天数只能是 360 或 365"
            )
        if self.uplift > 1:
            yield CrossFieldProblem(
                ("uplift",),
                "out-of-range",
                "an uplift above 100% is unusual; check the figure",
                "上浮比例超过 100%，请检查",
                severity="warning",
            )


class PrepaymentPenaltyKind(StrEnum):
    """How a prepayment penalty (提前还款违约金) is computed."""

    none = "none"
    percent_of_prepaid = "percent-of-prepaid"  # a % of the amount prepaid
    months_of_interest = "months-of-interest"  # N months' interest on the amount prepaid


class PrepaymentPenalty(SpecModel):
    """One band of the prepayment penalty: applies to prepayments up to ``until_period``."""

    until_period: Annotated[
        int | None,
        Field(strict=True, gt=0, description="Applies while fewer than this many periods are repaid"),
    ] = None
    kind: Annotated[PrepaymentPenaltyKind, lenient(PrepaymentPenaltyKind)]
    percent: Rate | None = None
    months: Annotated[int | None, Field(strict=True, gt=0, le=12)] = None
    min: Money | None = None
    max: Money | None = None

    def problems(self) -> Iterator[CrossFieldProblem]:
        if self.kind is PrepaymentPenaltyKind.percent_of_prepaid and self.percent is None:
            yield CrossFieldProblem(
                ("percent",),
                "missing-key",
                "percent-of-prepaid needs 'percent'",
                "按提前还款金额比例收取违约金需要填写 'percent'",
            )
        if self.kind is PrepaymentPenaltyKind.months_of_interest and self.months is None:
            yield CrossFieldProblem(
                ("months",),
                "missing-key",
                "months-of-interest needs 'months'",
                "按月利息收取违约金需要填写 'months'",
            )
        if self.kind is PrepaymentPenaltyKind.none and (self.percent is not None or self.months is not None):
            yield CrossFieldProblem(
                ("kind",),
                "not-allowed",
                "kind 'none' takes no percent or months",
                "kind 为 none 时不能填写 percent 或 months",
            )


class Reamortisation(StrEnum):
    """What changes after a partial prepayment (提前还款后)."""

    keep_term = "keep-term"  # same term, smaller installment (期限不变，月供减少)
    keep_installment = "keep-installment"  # same installment, shorter term (月供不变，期限缩短)


class PrepaymentPolicy(SpecModel):
    """Prepayment policy (提前还款)."""

    allowed: Annotated[bool, Field(strict=True)] = True
    allowed_after_periods: Annotated[
        int, Field(strict=True, ge=0, description="Allowed once this many periods are repaid")
    ] = 0
    min_amount: Money | None = None
    notice_days: Annotated[int, Field(strict=True, ge=0, le=90)] = 0
    penalty: Annotated[
        tuple[PrepaymentPenalty, ...], Field(description="Bands by period, first matching band applies")
    ] = ()
    reamortisation: Annotated[
        tuple[Annotated[Reamortisation, lenient(Reamortisation)], ...], Field(min_length=1)
    ] = (Reamortisation.keep_term, Reamortisation.keep_installment)

    def penalty_for(self, periods_repaid: int) -> PrepaymentPenalty | None:
        for band in self.penalty:
            if band.until_period is None or periods_repaid < band.until_period:
                return band
        return None

    def problems(self) -> Iterator[CrossFieldProblem]:
        for i, band in enumerate(self.penalty):
            for p in band.problems():
                yield p.under("penalty", i)
        limits = [b.until_period for b in self.penalty]
        bounded = [x for x in limits if x is not None]
        if bounded != sorted(bounded) or (None in limits and limits.index(None) != len(limits) - 1):
            yield CrossFieldProblem(
                ("penalty",),
                "unordered",
                "penalty bands must go by increasing until_period, the open band last",
                "违约金分段须按 until_period 递增排列，不限期的一段放最后",
            )


class CollateralType(StrEnum):
    """Collateral type (押品类型)."""

    real_estate = "real-estate"  # 房产
    vehicle = "vehicle"  # 车辆
    deposit = "deposit"  # 存单
    equity = "equity"  # 股权
    receivables = "receivables"  # 应收账款
    equipment = "equipment"  # 设备
    inventory = "inventory"  # 存货
    bond = "bond"  # 债券


class CollateralRule(SpecModel):
    """Accepted collateral and how much may be lent on it."""

    type: Annotated[CollateralType, lenient(CollateralType)]
    max_ltv: Annotated[Rate, Field(description="Loan-to-value ceiling, e.g. '70%' (抵质押率上限)")]
    haircut: Annotated[Rate, Field(description="Value haircut before LTV (估值折扣)")] = Decimal(0)
    revalue_months: Annotated[
        int | None, Field(strict=True, gt=0, le=60, description="Revalue at least this often")
    ] = None

    def problems(self) -> Iterator[CrossFieldProblem]:
        if not (0 < self.max_ltv <= 1):
            yield CrossFieldProblem(
                ("max_ltv",),
                "out-of-range",
                "max_ltv must be above 0% and at most 100%",
                "抵质押率须大于 0% 且不超过 100%",
            )
        if not (0 <= self.haircut < 1):
            yield CrossFieldProblem(
                ("haircut",),
                "out-of-range",
                "haircut must be from 0% to below 100%",
                "估值折扣须在 0% 与 100% 之间",
            )


class GuaranteePolicy(SpecModel):
    """Allowed guarantee modes and collateral (担保与押品)."""

    types: Annotated[tuple[Annotated[GuaranteeType, lenient(GuaranteeType)], ...], Field(min_length=1)]
    collateral: tuple[CollateralRule, ...] = ()

    def rule_for(self, kind: CollateralType) -> CollateralRule | None:
        return next((c for c in self.collateral if c.type is kind), None)

    def problems(self) -> Iterator[CrossFieldProblem]:
        secured = {GuaranteeType.mortgage, GuaranteeType.pledge} & set(self.types)
        if secured and not self.collateral:
            yield CrossFieldProblem(
                ("collateral",),
                "missing-key",
                "mortgage or pledge products must list accepted collateral",
                "抵押或质押产品需要列出可接受的押品",
            )
        seen: set[CollateralType] = set()
        for i, rule in enumerate(self.collateral):
            if rule.type in seen:
                yield CrossFieldProblem(
                    ("collateral", i, "type"),
                    "duplicate",
                    f"collateral type '{rule.type}' listed twice",
                    f"押品类型 '{rule.type}' 重复",
                )
            seen.add(rule.type)
            yield from (p.under("collateral", i) for p in rule.problems())


class OverdueTier(SpecModel):
    """Days-past-due band and its actions."""

    from_day: Annotated[int, Field(strict=True, ge=1)]
    to_day: Annotated[
        int | None, Field(strict=True, ge=1, description="Inclusive; empty = no upper bound")
    ] = None
    name: LocalizedText | None = None
    actions: Annotated[
        tuple[Annotated[OverdueAction, lenient(OverdueAction)], ...],
        Field(min_length=1, description="Registered overdue actions (see loanfactory.overdue_actions)"),
    ]

    def problems(self) -> Iterator[CrossFieldProblem]:
        seen: set[OverdueAction] = set()
        for i, action in enumerate(self.actions):
            if action in seen:
                yield CrossFieldProblem(
                    ("actions", i),
                    "duplicate",
                    f"action '{action}' is listed twice in this tier",
                    f"该档重复列出了动作 '{action}'",
                )
            seen.add(action)


class OverduePolicy(SpecModel):
    """Tiers by days past due (逾期分级处置)."""

    tiers: Annotated[tuple[OverdueTier, ...], Field(min_length=1)]
    overdue_rate_alert: Annotated[
        Rate | None, Field(description="Flag the product when its overdue rate passes this (逾期率预警线)")
    ] = None

    def tier_for(self, days_past_due: int) -> OverdueTier | None:
        for tier in self.tiers:
            if days_past_due >= tier.from_day and (tier.to_day is None or days_past_due <= tier.to_day):
                return tier
        return None

    def problems(self) -> Iterator[CrossFieldProblem]:
        expected = 1
        for i, tier in enumerate(self.tiers):
            yield from (p.under("tiers", i) for p in tier.problems())
            if tier.to_day is not None and tier.to_day < tier.from_day:
                yield CrossFieldProblem(
                    ("tiers", i, "to_day"), "min-gt-max", "to_day is before from_day", "结束天数早于开始天数"
                )
            if tier.from_day != expected:
                code = "tier-overlap" if tier.from_day < expected else "tier-gap"
                yield CrossFieldProblem(
                    ("tiers", i, "from_day"),
                    code,
                    f"tier starts at day {tier.from_day}; the previous tier ends at day {expected - 1}",
                    f"该档从第 {tier.from_day} 天开始，上一档止于第 {expected - 1} 天",
                )
            if tier.to_day is None:
                if i != len(self.tiers) - 1:
                    yield CrossFieldProblem(
                        ("tiers", i, "to_day"),
                        "open-tier-not-last",
                        "only the last tier may be open-ended",
                        "只有最后一档可以不设结束天数",
                    )
                expected = 10**9
            else:
                expected = tier.to_day + 1


class Milestone(SpecModel):
    """One tranche of a staged disbursement (分阶段放款)."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    name: LocalizedText | None = None
    percent: Annotated[Rate, Field(description="Share of the loan released at this milestone")]
    requires: Annotated[
        tuple[str, ...], Field(description="Evidence needed, e.g. invoice, progress_report")
    ] = ()


class PaymentUse(StrEnum):
    """Categories of payees / uses of loan funds (资金用途)."""

    consumption = "consumption"
    education = "education"
    medical = "medical"
    travel = "travel"
    home_improvement = "home-improvement"
    housing_purchase = "housing-purchase"
    vehicle_purchase = "vehicle-purchase"
    working_capital = "working-capital"
    purchase_of_goods = "purchase-of-goods"
    payroll = "payroll"
    equipment = "equipment"
    securities = "securities"  # 股市/证券: forbidden for most loans
    real_estate_investment = "real-estate-investment"  # 购房投资: forbidden for consumer loans
    lending = "lending"  # 转贷
    gambling = "gambling"


class DisbursementMode(StrEnum):
    single = "single"  # one payment (一次性放款)
    staged = "staged"  # tranches by milestone (分阶段放款)


class DisbursementPolicy(SpecModel):
    """Disbursement and fund supervision (放款与资金监管)."""

    mode: Annotated[DisbursementMode, lenient(DisbursementMode)] = DisbursementMode.single
    entrusted_payment_above: Annotated[
        Money | None, Field(description="Pay the seller directly above this amount (受托支付起点)")
    ] = None
    milestones: tuple[Milestone, ...] = ()
    allowed_uses: tuple[Annotated[PaymentUse, lenient(PaymentUse)], ...] = ()
    forbidden_uses: tuple[Annotated[PaymentUse, lenient(PaymentUse)], ...] = (
        PaymentUse.securities,
        PaymentUse.real_estate_investment,
        PaymentUse.gambling,
        PaymentUse.lending,
    )

    def problems(self) -> Iterator[CrossFieldProblem]:
        if self.mode is DisbursementMode.staged:
            if not self.milestones:
                yield CrossFieldProblem(
                    ("milestones",),
                    "missing-key",
                    "staged disbursement needs milestones",
                    "分阶段放款需要填写 milestones",
                )
            elif sum((m.percent for m in self.milestones), Decimal(0)) != 1:
                yield CrossFieldProblem(
                    ("milestones",),
                    "bad-total",
                    "milestone percents must add up to 100%",
                    "各阶段放款比例之和必须为 100%",
                )
        elif self.milestones:
            yield CrossFieldProblem(
                ("milestones",),
                "not-allowed",
                "milestones need mode: staged",
                "只有分阶段放款（mode: staged）才能填写 milestones",
            )
        both = set(self.allowed_uses) & set(self.forbidden_uses)
        for i, use in enumerate(self.allowed_uses):
            if use in both:
                yield CrossFieldProblem(
                    ("allowed_uses", i),
                    "conflict",
                    f"'{use}' is both allowed and forbidden",
                    f"'{use}' 同时出现在允许和禁止的用途中",
                )
