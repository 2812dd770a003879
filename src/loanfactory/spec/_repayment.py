"""How a product is repaid (还款方式): methods, frequency, interest basis, grace, rounding, and the
settings a method takes (``balloon:``, ``step:``).

Which methods exist, and which settings section each one needs, comes from the method registry
(``loanfactory.schedule.methods``); :meth:`Repayment.terms_settings` turns a section into the
schedule engine's settings, so the product language and the engine read one meaning.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field

from loanfactory.calendar import DayCount, FirstPeriod, Frequency
from loanfactory.conventions import InterestMode, RepaymentMethod, TotalsStyle
from loanfactory.money import CENT, Money, Rate, ResiduePlacement, RoundingMode, RoundingPolicy
from loanfactory.schedule import methods as registry
from loanfactory.spec._base import CrossFieldProblem, SpecModel, lenient


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

    def problems(self) -> Iterator[CrossFieldProblem]:
        if self.unit not in (Decimal("0.01"), Decimal("0.1"), Decimal(1)):
            yield CrossFieldProblem(
                ("unit",), "bad-unit", "unit must be 0.01, 0.1 or 1", "舍入单位只能是 0.01、0.1 或 1"
            )
        if self.installment_multiple < self.unit:
            yield CrossFieldProblem(
                ("installment_multiple",),
                "bad-multiple",
                "installment_multiple must be at least the rounding unit",
                "期供取整倍数不能小于舍入单位",
            )
        elif (self.installment_multiple / self.unit) % 1 != 0:
            yield CrossFieldProblem(
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


class BalloonSection(SpecModel):
    """A balloon (气球贷): a final lump, or a fixed share of principal each period."""

    final_percent: Annotated[
        Rate | None, Field(description="Share of principal due as the final lump, e.g. '30%'")
    ] = None
    principal_percent_per_period: Annotated[
        Rate | None, Field(description="Share of principal repaid each period; the rest at maturity")
    ] = None

    def problems(self) -> Iterator[CrossFieldProblem]:
        given = [x for x in (self.final_percent, self.principal_percent_per_period) if x is not None]
        if len(given) != 1:
            yield CrossFieldProblem(
                (),
                "balloon-shape",
                "give exactly one of final_percent or principal_percent_per_period",
                "final_percent 与 principal_percent_per_period 必须且只能给一个",
            )
        for name in ("final_percent", "principal_percent_per_period"):
            value = getattr(self, name)
            if value is not None and not (0 < value < 1):
                yield CrossFieldProblem(
                    (name,), "out-of-range", "must be above 0% and below 100%", "必须在 0% 与 100% 之间"
                )

    def to_terms(self) -> registry.Balloon:
        """The schedule engine's balloon settings."""
        return registry.Balloon(final=self.final_percent, per_period=self.principal_percent_per_period)


class StepSection(SpecModel):
    """A stepped installment (阶梯还款 / 累进还款): the installment changes every ``every`` periods
    after the first ``first``, by ``amount`` yuan (等额累进) or ``percent`` of the installment
    (等比累进), ``up`` or ``down``, at most ``times`` times (default: until maturity)."""

    every: Annotated[
        int, Field(strict=True, ge=1, le=600, description="Periods between changes (累进间隔期数)")
    ]
    first: Annotated[
        int | None,
        Field(strict=True, ge=1, le=600, description="Periods at the first installment (首次累进期数)"),
    ] = None
    amount: Annotated[
        Money | None, Field(description="Change per step in yuan (累进金额), e.g. '200.00'")
    ] = None
    percent: Annotated[Rate | None, Field(description="Change per step (累进比例), e.g. '5%'")] = None
    direction: Annotated[
        Literal["up", "down"], Field(description="up: installments rise (递增); down: they fall (递减)")
    ] = "up"
    times: Annotated[
        int | None,
        Field(strict=True, ge=1, le=600, description="Most changes (累进次数); default: to maturity"),
    ] = None

    def problems(self) -> Iterator[CrossFieldProblem]:
        given = [name for name in ("amount", "percent") if getattr(self, name) is not None]
        if len(given) != 1:
            yield CrossFieldProblem(
                (),
                "step-shape",
                "give exactly one of amount or percent",
                "amount（累进金额）与 percent（累进比例）必须且只能给一个",
            )
        for name in given:
            if not getattr(self, name):
                yield CrossFieldProblem(
                    (name,), "out-of-range", "a step of zero is an annuity", "累进为零即等额本息"
                )
        if self.percent is not None and self.direction == "down" and self.percent >= 1:
            yield CrossFieldProblem(
                ("percent",),
                "out-of-range",
                "a falling step must be below 100%",
                "递减比例必须小于 100%",
            )

    def to_terms(self) -> registry.Step:
        """The schedule engine's step settings (a fall is a negative change)."""
        sign = 1 if self.direction == "up" else -1
        return registry.Step(
            every=self.every,
            amount=None if self.amount is None else sign * self.amount,
            percent=None if self.percent is None else sign * self.percent,
            first=self.first,
            times=self.times,
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
    balloon: BalloonSection | None = None
    step: StepSection | None = None

    @property
    def method(self) -> RepaymentMethod:
        """The method used when an application does not choose one."""
        return self.default_method or self.methods[0]

    def problems(self) -> Iterator[CrossFieldProblem]:
        if len(set(self.methods)) != len(self.methods):
            yield CrossFieldProblem(("methods",), "duplicate", "a method is listed twice", "还款方式重复")
        if self.default_method is not None and self.default_method not in self.methods:
            yield CrossFieldProblem(
                ("default_method",),
                "not-allowed",
                f"default_method '{self.default_method}' is not among methods",
                f"默认还款方式 '{self.default_method}' 不在可选还款方式中",
            )
        yield from self._section_problems()
        if self.due_day is not None and self.frequency.months is None:
            yield CrossFieldProblem(
                ("due_day",),
                "not-allowed",
                "due_day applies only to monthly-or-longer frequencies",
                "固定还款日只适用于按月及更长的还款频率",
            )
        yield from (p.under("rounding") for p in self.rounding.problems())

    def _section_problems(self) -> Iterator[CrossFieldProblem]:
        """Each method's settings section is there when the method is offered, and only then."""
        wanted = {m.section: m for m in map(registry.method_of, self.methods) if m.section is not None}
        for method in registry.registered():
            section = method.section
            if section is None:
                continue
            value = getattr(self, section)
            if section in wanted and value is None:
                yield CrossFieldProblem(
                    (section,),
                    "missing-key",
                    f"the {method.name} method needs a '{section}' section",
                    f"{method.zh}需要填写 '{section}' 设置",
                )
            elif value is not None and section not in wanted:
                yield CrossFieldProblem(  # the same warning as any key nothing reads (spec/_reading.py)
                    (section,),
                    "unread-key",
                    f"nothing reads 'repayment.{section}': only the {method.name} method does, "
                    "and it is not among methods",
                    f"'repayment.{section}' 不起作用：只有{method.zh}（{method.name}）读取它，"
                    "而可选还款方式中没有它",
                    severity="warning",
                )
            if value is not None:
                yield from (p.under(section) for p in value.problems())

    def terms_settings(self, method: RepaymentMethod) -> dict[str, Any]:
        """The schedule engine's settings for ``method`` (``LoanTerms`` keyword arguments)."""
        section = registry.method_of(method).section
        if section is None or getattr(self, section) is None:
            return {}
        return {section: getattr(self, section).to_terms()}
