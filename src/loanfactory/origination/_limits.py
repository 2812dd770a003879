"""The offer's limit (授信额度测算): the smallest of what the product, rules, collateral and line allow.

``limit = min(product maximum, rule-computed limit, collateral lending value, line available)``
— each part present only when it applies (collateral for secured products, the line when the
customer already has one or belongs to a group with a group line). The offered amount is the
amount asked for, or a reviewer's approved amount, capped by the limit and rounded down to the
product's step. Every part is kept as a :class:`~loanfactory.origination._offer.LimitComponent`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from loanfactory.money import format_money
from loanfactory.origination._collateral import Collateral, lending_value
from loanfactory.origination._credit_line import CreditLine
from loanfactory.origination._offer import LimitComponent, LimitSource
from loanfactory.origination._values import StepReason
from loanfactory.spec import ProductSpec


@dataclass
class OfferLimit:
    limit: Decimal
    amount: Decimal
    components: list[LimitComponent] = field(default_factory=list)
    reasons: list[StepReason] = field(default_factory=list)
    refusal: StepReason | None = None  # the limit is below the product's minimum

    @property
    def binding(self) -> LimitComponent:
        return min(self.components, key=lambda c: c.amount)


def _step_down(spec: ProductSpec, amount: Decimal) -> Decimal:
    steps = (amount - spec.amount.min) // spec.amount.step
    return spec.amount.min + steps * spec.amount.step


def offer_limit(
    spec: ProductSpec,
    *,
    requested: Decimal,
    rule_limit: Decimal | None,
    collateral: Sequence[Collateral],
    lines: Sequence[CreditLine],
    day: date,
    approved: Decimal | None = None,
) -> OfferLimit:
    """The limit and the amount to offer; ``lines`` are the customer's line and its group line."""
    parts = [LimitComponent(source=LimitSource.product_max, amount=spec.amount.max)]
    if rule_limit is not None:
        parts.append(
            LimitComponent(
                source=LimitSource.rule,
                amount=max(rule_limit, Decimal(0)),
                note="from the product's limit rules",
            )
        )
    if spec.guarantee.collateral:
        capacity = sum(
            (
                lending_value(c, rule, day)
                for c in collateral
                if (rule := spec.guarantee.rule_for(c.type)) is not None
            ),
            Decimal(0),
        )
        parts.append(
            LimitComponent(
                source=LimitSource.collateral, amount=capacity, note="value x (1 - haircut) x max LTV"
            )
        )
    for line in lines:
        room = line.available_for(spec.code, day) if line.sub_limit(spec.code) else line.available_on(day)
        parts.append(LimitComponent(source=LimitSource.line, amount=room, note=f"available on {line.id}"))
    limit = min(p.amount for p in parts)
    result = OfferLimit(limit=limit, amount=limit, components=parts)
    wanted = requested if approved is None else min(requested, approved)
    if approved is not None and approved < requested:
        parts.append(
            LimitComponent(source=LimitSource.review, amount=approved, note="approved by the reviewer")
        )
    amount = _step_down(spec, min(wanted, limit))
    result.amount = amount
    if limit < spec.amount.min or amount < spec.amount.min:
        binding = result.binding
        result.refusal = StepReason(
            code=f"limit.{binding.source.value}",
            rule="limit",
            en=f"the available limit {format_money(limit)} ({binding.source.value}) is below the product's "
            f"minimum {format_money(spec.amount.min)}",
            zh=f"可用额度 {format_money(limit)} 低于产品最低金额 {format_money(spec.amount.min)}",
        )
    elif amount < requested:
        result.reasons.append(
            StepReason(
                code="limit.reduced",
                rule="limit",
                en=f"the amount is reduced from {format_money(requested)} to {format_money(amount)} "
                f"({result.binding.source.value} limit)",
                zh=f"批准金额由 {format_money(requested)} 调整为 {format_money(amount)}"
                f"（受{_ZH[result.binding.source]}限制）",
            )
        )
    return result


_ZH = {
    LimitSource.product_max: "产品最高额度",
    LimitSource.rule: "规则测算额度",
    LimitSource.collateral: "押品可贷价值",
    LimitSource.line: "授信可用额度",
    LimitSource.requested: "申请金额",
    LimitSource.review: "审核核定金额",
}
