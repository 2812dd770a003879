"""Amount and term limits of a product (额度与期限)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from loanfactory.conventions import TermUnit
from loanfactory.money import Money
from loanfactory.spec._base import CrossFieldProblem, SpecModel, lenient


class AmountRange(SpecModel):
    """Loan amount limits in yuan (贷款金额): ``min`` ≤ amount ≤ ``max``, in multiples of ``step``."""

    min: Annotated[Money, Field(description="Smallest amount (最低金额), yuan")]
    max: Annotated[Money, Field(description="Largest amount (最高金额), yuan")]
    step: Annotated[Money, Field(description="Amounts are multiples of this (金额步长)")] = Decimal("0.01")

    def allows(self, amount: Decimal) -> bool:
        return self.min <= amount <= self.max and (amount - self.min) % self.step == 0

    def problems(self) -> Iterator[CrossFieldProblem]:
        if self.min > self.max:
            yield CrossFieldProblem(
                ("min",),
                "min-gt-max",
                f"min {self.min} is above max {self.max}",
                f"最低金额 {self.min} 大于最高金额 {self.max}",
            )
        if self.step <= 0:
            yield CrossFieldProblem(("step",), "bad-step", "step must be positive", "步长必须大于 0")
        elif self.max > self.min and (self.max - self.min) % self.step != 0:
            yield CrossFieldProblem(
                ("step",),
                "step-misfit",
                f"max {self.max} is not min plus a multiple of step {self.step}",
                f"最高金额 {self.max} 不是最低金额加步长 {self.step} 的整数倍",
                severity="warning",
            )
        if self.max <= 0:
            yield CrossFieldProblem(("max",), "not-positive", "max must be positive", "最高金额必须大于 0")


class TermRange(SpecModel):
    """Allowed loan terms (贷款期限): an explicit list, or ``min``..``max`` by ``step``, in ``unit``."""

    unit: Annotated[TermUnit, lenient(TermUnit), Field(description="days or months (期限单位)")] = (
        TermUnit.months
    )
    allowed: Annotated[
        tuple[Annotated[int, Field(strict=True, gt=0, le=36500)], ...] | None,
        Field(description="The allowed terms, e.g. [12, 24, 36] (可选期限)"),
    ] = None
    min: Annotated[int | None, Field(strict=True, gt=0, le=36500, description="Shortest term")] = None
    max: Annotated[int | None, Field(strict=True, gt=0, le=36500, description="Longest term")] = None
    step: Annotated[
        int, Field(strict=True, gt=0, description="Terms between min and max go by this step")
    ] = 1

    def values(self) -> tuple[int, ...]:
        """Every allowed term, ascending."""
        if self.allowed is not None:
            return tuple(sorted(set(self.allowed)))
        if self.min is None or self.max is None:
            return ()
        return tuple(range(self.min, self.max + 1, self.step))

    def allows(self, term: int) -> bool:
        return term in self.values()

    @property
    def longest(self) -> int:
        values = self.values()
        return values[-1] if values else 0

    @property
    def shortest(self) -> int:
        values = self.values()
        return values[0] if values else 0

    def months(self, term: int) -> Decimal:
        """The term in months (days / 30 for day terms), for caps and comparisons."""
        return Decimal(term) if self.unit is TermUnit.months else Decimal(term) / 30

    def problems(self) -> Iterator[CrossFieldProblem]:
        if self.allowed is None and (self.min is None or self.max is None):
            yield CrossFieldProblem(
                (),
                "missing-terms",
                "give either 'allowed' terms or both 'min' and 'max'",
                "请给出可选期限 'allowed'，或同时给出 'min' 和 'max'",
            )
        if self.allowed is not None and (self.min is not None or self.max is not None):
            yield CrossFieldProblem(
                ("allowed",),
                "terms-conflict",
                "give either 'allowed' or 'min'/'max', not both",
                "'allowed' 与 'min'/'max' 只能二选一",
            )
        if self.allowed is not None and len(set(self.allowed)) != len(self.allowed):
            yield CrossFieldProblem(("allowed",), "duplicate-term", "a term is listed twice", "期限重复")
        if self.min is not None and self.max is not None and self.min > self.max:
            yield CrossFieldProblem(
                ("min",),
                "min-gt-max",
                f"min {self.min} is above max {self.max}",
                f"最短期限 {self.min} 大于最长期限 {self.max}",
            )
