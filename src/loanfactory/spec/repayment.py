"""How a product is repaid (还款方式): methods, frequency, interest basis, grace, rounding."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from loanfactory.calendar import DayCount, Frequency
from loanfactory.conventions import InterestMode, RepaymentMethod, TotalsStyle
from loanfactory.money import CENT, Rate, RoundingMode, RoundingPolicy
from loanfactory.spec._base import Problem, SpecModel, lenient


class FirstPeriod(StrEnum):
    """How an irregular first period (首期不足/超过一期) is charged."""

    actual_days = "actual-days"  # interest for the actual days at annual / basis (按实际天数计息)
    full_period = "full-period"  # charged as one regular period whatever its length


class ResiduePlacement(StrEnum):
    """Where rounding residue goes (尾差处理)."""

    last = "last"  # the last installment absorbs it
    first = "first"  # the first installment absorbs it


class Rounding(SpecModel):
    """Rounding convention (舍入规则) — half-up to the fen unless stated."""

    mode: Annotated[RoundingMode, lenient(RoundingMode)] = RoundingMode.half_up
    unit: Annotated[Decimal, Field(gt=0, description="0.01 (fen) or 1 (yuan)")] = CENT
    installment_multiple: Annotated[
        Decimal, Field(gt=0, description="Round the level installment to a multiple of this (期供取整)")
    ] = CENT
    residue: Annotated[ResiduePlacement, lenient(ResiduePlacement)] = ResiduePlacement.last
    totals: Annotated[TotalsStyle, lenient(TotalsStyle)] = TotalsStyle.exact

    @property
    def policy(self) -> RoundingPolicy:
        return RoundingPolicy(self.mode, self.unit)

    def problems(self) -> Iterator[Problem]:
        if self.unit not in (Decimal("0.01"), Decimal("0.1"), Decimal(1)):
            yield Problem(
                ("unit",), "bad-unit", "unit must be 0.01, 0.1 or 1", "舍入单位只能是 0.01、0.1 或 1"
            )
        if self.installment_multiple < self.unit:
            yield Problem(
                ("installment_multiple",),
                "bad-multiple",
                "installment_multiple must be at least the rounding unit",
                "期供取整倍数不能小于舍入单位",
            )
        elif (self.installment_multiple / self.unit) % 1 != 0:
            yield Problem(
                ("installment_multiple",),
                "bad-multiple",
                "installment_multiple must be a multiple of the rounding unit",
                "期供取整倍数必须是舍入单位的整数倍",
            )


class Grace(SpecModel):
    """Grace periods (宽限期): interest-only periods, and periods whose interest is deferred."""

    principal_periods: Annotated[
        int, Field(strict=True, ge=0, le=120, description="Periods paying interest only (只还息不还本期数)")
    ] = 0
    interest_periods: Annotated[
        int,
        Field(
            strict=True,
            ge=0,
            le=120,
            description="Periods whose interest is deferred, collected later (延付利息期数)",
        ),
    ] = 0


class Balloon(SpecModel):
    """A balloon (气球贷): a final lump, or a fixed share of principal each period."""

    final_percent: Annotated[
        Rate | None, Field(description="Share of principal due as the final lump, e.g. '30%'")
    ] = None
    principal_percent_per_period: Annotated[
        Rate | None, Field(description="Share of principal repaid each period; the rest at maturity")
    ] = None

    def problems(self) -> Iterator[Problem]:
        given = [x for x in (self.final_percent, self.principal_percent_per_period) if x is not None]
        if len(given) != 1:
            yield Problem(
                (),
                "balloon-shape",
                "give exactly one of final_percent or principal_percent_per_period",
                "final_percent 与 principal_percent_per_period 必须且只能给一个",
            )
        for name in ("final_percent", "principal_percent_per_period"):
            value = getattr(self, name)
            if value is not None and not (0 < value < 1):
                yield Problem(
                    (name,), "out-of-range", "must be above 0% and below 100%", "必须在 0% 与 100% 之间"
                )


class Repayment(SpecModel):
    """Repayment settings (还款设置)."""

    methods: Annotated[
        tuple[Annotated[RepaymentMethod, lenient(RepaymentMethod)], ...],
        Field(min_length=1, description="Allowed methods (可选还款方式)"),
    ]
    default_method: Annotated[RepaymentMethod | None, lenient(RepaymentMethod)] = None
    frequency: Annotated[Frequency, lenient(Frequency)] = Frequency.monthly
    interest: Annotated[InterestMode, lenient(InterestMode), Field(description="per-period or daily")] = (
        InterestMode.per_period
    )
    day_count: Annotated[DayCount, lenient(DayCount)] = DayCount.act_360
    first_period: Annotated[FirstPeriod, lenient(FirstPeriod)] = FirstPeriod.actual_days
    due_day: Annotated[
        int | None,
        Field(strict=True, ge=1, le=31, description="Fixed day of month for due dates (固定还款日)"),
    ] = None
    grace: Grace = Grace()
    rounding: Rounding = Rounding()
    balloon: Balloon | None = None

    @property
    def method(self) -> RepaymentMethod:
        """The method used when an application does not choose one."""
        return self.default_method or self.methods[0]

    def problems(self) -> Iterator[Problem]:
        if len(set(self.methods)) != len(self.methods):
            yield Problem(("methods",), "duplicate", "a method is listed twice", "还款方式重复")
        if self.default_method is not None and self.default_method not in self.methods:
            yield Problem(
                ("default_method",),
                "not-allowed",
                f"default_method '{self.default_method}' is not among methods",
                f"默认还款方式 '{self.default_method}' 不在可选还款方式中",
            )
        if RepaymentMethod.balloon in self.methods and self.balloon is None:
            yield Problem(
                ("balloon",),
                "missing-key",
                "the balloon method needs a 'balloon' section",
                "气球贷需要填写 'balloon' 设置",
            )
        if self.balloon is not None:
            for p in self.balloon.problems():
                yield p.under("balloon")
        if self.due_day is not None and self.frequency.months is None:
            yield Problem(
                ("due_day",),
                "not-allowed",
                "due_day applies only to monthly-or-longer frequencies",
                "固定还款日只适用于按月及更长的还款频率",
            )
        yield from (p.under("rounding") for p in self.rounding.problems())
