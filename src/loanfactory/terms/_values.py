"""The loan's contract terms as one frozen value (合同条款): what the borrower is quoted, offered,
signs and is charged.

:class:`ContractTerms` holds everything needed to recompute any figure of the loan later, in
another process, without the product file: amount, term, method and conventions, the rate (fixed,
or the LPR rule with its spread, floor, cap and repricing dates), fees, grace, interest-free days,
penalty interest, the prepayment policy and the repayment allocation. It is a pydantic model, so it
round-trips through JSON exactly (it is stored on offers and loans).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from loanfactory.calendar import DayCount, FirstPeriod, Frequency
from loanfactory.conventions import InterestMode, LprTenor, RepaymentMethod, TermUnit, TotalsStyle
from loanfactory.money import ResiduePlacement, RoundingMode, RoundingPolicy
from loanfactory.schedule import Step, penalty_rate

Exact = Annotated[Decimal, Field(allow_inf_nan=False)]
"""A money amount or rate kept exactly (rates are fractions of one); JSON keeps every digit."""


class Value(BaseModel):
    """Base of the frozen values of the contract terms (no unknown keys)."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)


class Component(StrEnum):
    """A part of what a borrower owes (应还款项的组成部分)."""

    penalty = "penalty"  # 罚息与复利
    fee = "fee"  # 费用
    interest = "interest"  # 利息
    principal = "principal"  # 本金


class AllocationPolicy(Value):
    """The repayment allocation waterfall (还款冲销顺序).

    ``order`` ranks the components. ``scope`` says how installments and components interleave:
    ``installment`` settles the oldest installment's components in order before the next
    installment (横向：逐期冲销); ``component`` settles one component across every due installment,
    oldest first, before the next component (纵向：逐项冲销). Penalty is owed on the loan as a whole:
    in ``installment`` scope it is paid before the installments when it comes before principal in
    ``order``, else after them. Only money that is due is allocated; the rest is held as the
    borrower's credit (溢缴款) and applied on the next due date, unless it is a prepayment.
    """

    order: tuple[Component, ...] = (Component.penalty, Component.fee, Component.interest, Component.principal)
    scope: Literal["installment", "component"] = "installment"


class RateReset(Value):
    """From ``on`` (inclusive) the contract rate is ``annual`` (利率重定价)."""

    on: date
    annual: Exact


class RateTerms(Value):
    """The contract rate (合同利率): fixed, or the LPR plus a spread reset by a rule.

    ``annual`` is the rate at signing. A floating rate (``tenor`` set) is the ``tenor`` LPR in force
    on a repricing date plus ``spread`` — the product's spread with the pricing decision and any
    coupon discount in it — held within ``floor`` and ``cap``; it was fixed on ``fixed_on``.
    ``resets`` are the changes of rate as known when the terms were last priced: past ones as
    fixed, later ones projected from the latest fixing (as the bank prints them).
    """

    annual: Exact
    tenor: LprTenor | None = None
    spread: Exact | None = None
    floor: Exact | None = None
    cap: Exact | None = None
    repricing: Literal["none", "january-first", "anniversary", "monthly", "quarterly"] = "none"
    fixed_on: date | None = None
    resets: tuple[RateReset, ...] = ()

    @property
    def floating(self) -> bool:
        return self.tenor is not None

    def on(self, day: date) -> Decimal:
        """The contract rate in force on ``day``."""
        rate = self.annual
        for reset in self.resets:
            if reset.on > day:
                break
            rate = reset.annual
        return rate

    def bounded(self, rate: Decimal) -> Decimal:
        """``rate`` held within the floor and the cap."""
        return within(rate, self.floor, self.cap)


def within(rate: Decimal, floor: Decimal | None, cap: Decimal | None) -> Decimal:
    """``rate`` held within ``floor`` and ``cap`` (利率上下限); either may be absent."""
    if floor is not None:
        rate = max(rate, floor)
    if cap is not None:
        rate = min(rate, cap)
    return rate


class RoundingTerms(Value):
    """How money is rounded (舍入规则): mode and unit, the installment multiple, residue, totals."""

    mode: RoundingMode = RoundingMode.half_up
    unit: Exact = Decimal("0.01")
    installment_multiple: Exact | None = None
    residue: ResiduePlacement = ResiduePlacement.last
    totals: TotalsStyle = TotalsStyle.exact

    @property
    def policy(self) -> RoundingPolicy:
        return RoundingPolicy(self.mode, self.unit)


class FeeTerms(Value):
    """One fee of the contract (费用): what, on what basis, when, within which caps."""

    id: str
    kind: str = "other"
    timing: Literal["upfront", "per-installment", "on-event"] = "upfront"
    event: str | None = None
    basis: Literal["amount", "balance", "installment"] = "amount"
    percent: Exact | None = None
    amount: Exact | None = None
    minimum: Exact | None = None
    maximum: Exact | None = None
    total_max: Exact | None = None
    in_apr: bool = True


class PenaltyTerms(Value):
    """Penalty interest (罚息) and compound interest (复利): contract rate x (1 + uplift), by day."""

    uplift: Exact = Decimal("0.5")
    compound: bool = True
    day_basis: Literal[360, 365] = 360
    grace_days: Annotated[int, Field(ge=0)] = 3
    grace_waives: bool = True


class PrepaymentBand(Value):
    """One band of the prepayment penalty (提前还款违约金), while fewer than ``until_period``
    installments since disbursement are due."""

    until_period: int | None = None
    kind: Literal["none", "percent-of-prepaid", "months-of-interest"]
    percent: Exact | None = None
    months: int | None = None
    min: Exact | None = None
    max: Exact | None = None


class PrepaymentTerms(Value):
    """Prepayment (提前还款): when it is allowed, its minimum, the penalty bands, re-amortisation."""

    allowed: bool = True
    allowed_after_periods: Annotated[int, Field(ge=0)] = 0
    min_amount: Exact | None = None
    notice_days: Annotated[int, Field(ge=0)] = 0
    penalty: tuple[PrepaymentBand, ...] = ()
    reamortisation: tuple[Literal["keep-term", "keep-installment"], ...] = ("keep-term", "keep-installment")


class ContractTerms(Value):
    """Everything the contract fixes about the loan (合同条款), for its whole life.

    ``term`` is in ``term_unit`` (as the borrower chose it); ``periods`` counts installments of
    ``frequency`` (a day-term bullet loan runs ``term`` daily periods). ``start`` is the value date
    (起息日) the figures were computed for; booking moves it to the disbursement date.
    ``interest_free_days`` (免息天数) waive the interest of the first days, taken from the first
    installments; ``concession`` names the coupon that gave them or a rate discount.
    """

    product_code: str
    product_version: int = 1
    amount: Exact
    term: Annotated[int, Field(ge=1)]
    term_unit: TermUnit = TermUnit.months
    method: RepaymentMethod
    periods: Annotated[int, Field(ge=1)]
    frequency: Frequency = Frequency.monthly
    start: date | None = None
    first_due: date | None = None
    due_day: int | None = None
    interest: InterestMode = InterestMode.per_period
    day_count: DayCount = DayCount.act_360
    first_period: FirstPeriod = FirstPeriod.actual_days
    rounding: RoundingTerms = RoundingTerms()
    grace_principal: Annotated[int, Field(ge=0)] = 0
    grace_interest: Annotated[int, Field(ge=0)] = 0
    balloon_final: Exact | None = None
    balloon_per_period: Exact | None = None
    step: Step | None = None
    rate: RateTerms
    fees: tuple[FeeTerms, ...] = ()
    interest_free_days: Annotated[int, Field(ge=0)] = 0
    concession: str | None = None
    penalty: PenaltyTerms = PenaltyTerms()
    prepayment: PrepaymentTerms = PrepaymentTerms()
    allocation: AllocationPolicy = AllocationPolicy()

    @property
    def annual_rate(self) -> Decimal:
        """The contract rate at signing (合同利率)."""
        return self.rate.annual

    def rate_on(self, day: date) -> Decimal:
        """The contract rate in force on ``day`` (after any LPR reset)."""
        return self.rate.on(day)

    def penalty_rate_on(self, day: date) -> Decimal:
        """The annual penalty rate on ``day``: the contract rate then x (1 + uplift) (罚息利率)."""
        return penalty_rate(self.rate.on(day), self.penalty.uplift)

    @property
    def penalty_rate(self) -> Decimal:
        """The penalty rate at signing (see :meth:`penalty_rate_on` for a later day)."""
        return penalty_rate(self.rate.annual, self.penalty.uplift)

    @property
    def grace_days(self) -> int:
        return self.penalty.grace_days

    @property
    def grace_waives(self) -> bool:
        return self.penalty.grace_waives

    def evolve(self, **changes: object) -> ContractTerms:
        """A validated copy with some fields changed."""
        return type(self).model_validate({**dict(self), **changes})
