"""Fees (费用): what is charged, on what basis, when, and within which caps.

Every fee that is directly related to the loan counts in the APR (PBOC 2021 No. 3). A fee is
either a flat ``amount`` or a ``percent`` of its ``basis``; ``min``/``max`` cap each charge and
``total_max`` caps all charges of that fee over the loan.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from loanfactory.money import Money, Rate
from loanfactory.spec._base import CrossFieldProblem, LocalizedText, SpecModel, lenient


class FeeKind(StrEnum):
    """What the fee is for (费用类型)."""

    service = "service"  # 服务费
    arrangement = "arrangement"  # 手续费 / 安排费
    management = "management"  # 账户管理费
    guarantee = "guarantee"  # 担保费
    insurance = "insurance"  # 保险费
    appraisal = "appraisal"  # 评估费
    installment = "installment"  # 分期手续费
    late_payment = "late-payment"  # 逾期费
    prepayment = "prepayment"  # 提前还款手续费
    other = "other"


class FeeBasis(StrEnum):
    """What a percentage fee is a percentage of (计费基数)."""

    amount = "amount"  # the loan amount (本金)
    balance = "balance"  # the outstanding balance at the start of each period (剩余本金)
    installment = "installment"  # the scheduled installment (期供)


class FeeTiming(StrEnum):
    """When a fee is charged (收取时点)."""

    upfront = "upfront"  # at disbursement (放款时一次性)
    per_installment = "per-installment"  # with every installment (分期收取)
    on_event = "on-event"  # when an event happens (事件触发)


class FeeEvent(StrEnum):
    """The event that triggers an on-event fee."""

    disbursement = "disbursement"
    prepayment = "prepayment"
    overdue = "overdue"
    restructure = "restructure"


class Fee(SpecModel):
    """One fee of the product."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64, description="Identifier")]
    kind: Annotated[FeeKind, lenient(FeeKind)]
    name: LocalizedText | None = None
    basis: Annotated[FeeBasis, lenient(FeeBasis)] = FeeBasis.amount
    timing: Annotated[FeeTiming, lenient(FeeTiming)] = FeeTiming.upfront
    event: Annotated[FeeEvent | None, lenient(FeeEvent)] = None
    percent: Annotated[Rate | None, Field(description="Percent of the basis, e.g. '0.5%'")] = None
    amount: Annotated[Money | None, Field(description="Flat amount in yuan")] = None
    min: Annotated[Money | None, Field(description="Smallest charge (单次下限)")] = None
    max: Annotated[Money | None, Field(description="Largest charge (单次上限)")] = None
    total_max: Annotated[Money | None, Field(description="Cap on all charges of this fee (累计上限)")] = None
    in_apr: Annotated[bool, Field(strict=True, description="Counts in the APR (default yes)")] = True

    def problems(self) -> Iterator[CrossFieldProblem]:
        if (self.percent is None) == (self.amount is None):
            yield CrossFieldProblem(
                (),
                "fee-value",
                "give exactly one of 'percent' or 'amount'",
                "'percent' 与 'amount' 必须且只能给一个",
            )
        if self.timing is FeeTiming.on_event and self.event is None:
            yield CrossFieldProblem(
                ("event",), "missing-key", "an on-event fee needs 'event'", "事件触发的费用需要填写 'event'"
            )
        if self.timing is not FeeTiming.on_event and self.event is not None:
            yield CrossFieldProblem(
                ("event",),
                "not-allowed",
                "'event' applies only to timing: on-event",
                "只有 timing 为 on-event 时才能填写 'event'",
            )
        if self.min is not None and self.max is not None and self.min > self.max:
            yield CrossFieldProblem(("min",), "min-gt-max", "min is above max", "单次下限大于上限")
        if self.amount is not None and self.basis is not FeeBasis.amount:
            yield CrossFieldProblem(
                ("basis",),
                "not-allowed",
                "a flat amount has no basis; drop 'basis'",
                "固定金额的费用没有计费基数，请删除 'basis'",
                severity="warning",
            )
        if self.timing is FeeTiming.upfront and self.basis is FeeBasis.installment:
            yield CrossFieldProblem(
                ("basis",),
                "not-allowed",
                "an upfront fee cannot be a percent of the installment",
                "一次性费用不能按期供计费",
            )
