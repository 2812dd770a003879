"""The input of the schedule engine: :class:`LoanTerms`, a frozen, validated description of a loan.

Everything the engine needs is here — amount, rate, term, method, dates, interest basis, rounding,
grace, balloon, fees and rate changes — so a schedule is a pure function of its terms. Bad values
raise :class:`~loanfactory.errors.InvalidInput` naming the field, in English and Chinese, before
any computation starts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from loanfactory.calendar import DayCount, FirstPeriod, Frequency
from loanfactory.conventions import InterestMode, RepaymentMethod, TotalsStyle
from loanfactory.errors import InvalidInput
from loanfactory.money import CENT, FEN_HALF_UP, MAX_RATE, ResiduePlacement, RoundingPolicy

if TYPE_CHECKING:  # the method modules define their settings and import this module
    from loanfactory.schedule.methods import Balloon, Step

FeeTimingName = Literal["upfront", "per-installment"]
FeeBasisName = Literal["amount", "balance", "installment"]

MAX_TERM = 36600  # 100 years of daily periods; anything longer is a typo
MAX_PRINCIPAL = Decimal("1e13")


class LevelPayment(StrEnum):
    """How the level installment of an annuity is found (期供计算基础).

    ``per-period`` is the textbook PMT at annual / periods-per-year, used by Chinese banks and by
    core-banking peers even when interest is charged by actual days (the last installment absorbs
    the difference). ``actual-days`` is the installment that amortises the loan exactly under the
    actual period rates (Fineract's progressive schedule); it equals ``per-period`` when interest
    is per period.
    """

    per_period = "per-period"
    actual_days = "actual-days"


@dataclass(frozen=True, slots=True)
class ScheduleFee:
    """A fee charged with the loan (费用): upfront, or with every installment.

    Exactly one of ``percent`` (of ``basis``) or ``amount`` (flat, yuan). ``minimum``/``maximum``
    bound each charge; ``total_max`` bounds all charges of this fee. ``in_apr`` is true for every
    fee directly related to the loan (PBOC 2021 No. 3).
    """

    name: str
    timing: FeeTimingName = "upfront"
    basis: FeeBasisName = "amount"
    percent: Decimal | None = None
    amount: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    total_max: Decimal | None = None
    in_apr: bool = True

    def __post_init__(self) -> None:
        where = f"fees[{self.name}]"
        if (self.percent is None) == (self.amount is None):
            _fail(where, "give exactly one of percent or amount", "percent 与 amount 必须且只能给一个")
        for name in ("percent", "amount", "minimum", "maximum", "total_max"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, Decimal) or not value.is_finite() or value < 0):
                _fail(
                    f"{where}.{name}",
                    f"must be a non-negative Decimal, got {value!r}",
                    "必须是非负的 Decimal",
                )
        if self.timing not in ("upfront", "per-installment"):
            _fail(f"{where}.timing", f"unknown timing '{self.timing}'", f"未知的收取时点 '{self.timing}'")
        if self.basis not in ("amount", "balance", "installment"):
            _fail(f"{where}.basis", f"unknown basis '{self.basis}'", f"未知的计费基数 '{self.basis}'")
        if self.timing == "upfront" and self.basis != "amount":
            _fail(f"{where}.basis", "an upfront fee is a percent of the amount", "一次性费用只能按本金计费")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            _fail(f"{where}.minimum", "minimum is above maximum", "单次下限大于上限")


@dataclass(frozen=True, slots=True)
class RateChange:
    """From ``on`` (inclusive) the annual rate is ``annual`` (利率调整，如 LPR 重定价)."""

    on: date
    annual: Decimal

    def __post_init__(self) -> None:
        if not isinstance(self.on, date):
            _fail("rate_changes.on", "expected a date", "需要日期")  # type: ignore[unreachable]
        _check_rate("rate_changes.annual", self.annual)


@dataclass(frozen=True, slots=True)
class LoanTerms:
    """Everything that determines a repayment schedule (还款计划要素). Immutable and validated.

    ``term`` counts installments of ``every`` x ``frequency`` (a 30-year monthly loan has 360).
    ``method`` names a registered method (``loanfactory.schedule.methods``); ``balloon``, ``step``,
    ``installment`` and ``principal_per_period`` are settings only the methods that take them accept.
    ``start`` is the disbursement date (放款日); without it the schedule has no dates and interest
    must be per period. ``first_due`` fixes the first due date (首期还款日); ``due_day`` fixes the
    day of month of the due dates (固定还款日; without ``first_due`` the first due date is that day
    one period after the start's month). Later due dates keep the anchor day — ``due_day``, else
    the first due date's day, else the start's — clamped to short months.
    """

    principal: Decimal
    annual_rate: Decimal
    term: int
    method: RepaymentMethod = RepaymentMethod.annuity
    frequency: Frequency = Frequency.monthly
    every: int = 1
    start: date | None = None
    first_due: date | None = None
    due_day: int | None = None
    interest: InterestMode = InterestMode.per_period
    day_count: DayCount = DayCount.act_360
    first_period: FirstPeriod = FirstPeriod.actual_days
    rounding: RoundingPolicy = FEN_HALF_UP
    installment_multiple: Decimal | None = None
    residue: ResiduePlacement = ResiduePlacement.last
    totals: TotalsStyle = TotalsStyle.exact
    grace_principal: int = 0
    grace_interest: int = 0
    balloon: Balloon | None = None
    fees: tuple[ScheduleFee, ...] = ()
    rate_changes: tuple[RateChange, ...] = ()
    installment: Decimal | None = None
    principal_per_period: Decimal | None = None
    level_payment: LevelPayment = LevelPayment.per_period
    step: Step | None = None

    def __post_init__(self) -> None:
        _check_money("principal", self.principal, positive=True)
        if self.principal > MAX_PRINCIPAL:
            _fail("principal", "is above 10 trillion yuan", "超过 10 万亿元")
        _check_rate("annual_rate", self.annual_rate)
        _check_int("term", self.term, 1, MAX_TERM)
        _check_int("every", self.every, 1, 120)
        _check_int("grace_principal", self.grace_principal, 0, MAX_TERM)
        _check_int("grace_interest", self.grace_interest, 0, MAX_TERM)
        for name, kind in (
            ("method", RepaymentMethod),
            ("frequency", Frequency),
            ("interest", InterestMode),
            ("day_count", DayCount),
            ("first_period", FirstPeriod),
            ("residue", ResiduePlacement),
            ("totals", TotalsStyle),
            ("level_payment", LevelPayment),
        ):
            if not isinstance(getattr(self, name), kind):
                _fail(
                    name,
                    f"expected a {kind.__name__}, got {getattr(self, name)!r}",
                    f"需要 {kind.__name__} 类型",
                )
        if not isinstance(self.rounding, RoundingPolicy) or self.rounding.unit <= 0:
            _fail("rounding", "expected a RoundingPolicy with a positive unit", "需要单位为正的舍入规则")
        self._check_dates()
        self._check_shape()

    def _check_dates(self) -> None:
        for name in ("start", "first_due"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, date):
                _fail(name, f"expected a date, got {value!r}", "需要日期")
        if self.start is None:
            if self.first_due is not None or self.due_day is not None:
                _fail(
                    "start",
                    "a first due date or due day needs the start date",
                    "指定首期还款日或固定还款日时需要放款日",
                )
            if self.interest is InterestMode.daily:
                _fail("start", "daily interest needs the start date", "按日计息需要放款日")
            if self.rate_changes:
                _fail("start", "rate changes need the start date", "利率调整需要放款日")
        if self.first_due is not None and self.start is not None and self.first_due <= self.start:
            _fail(
                "first_due",
                f"the first due date {self.first_due} is not after the start {self.start}",
                f"首期还款日 {self.first_due} 不晚于放款日 {self.start}",
            )
        if self.due_day is not None:
            _check_int("due_day", self.due_day, 1, 31)
            if self.frequency.months is None:
                _fail(
                    "due_day",
                    "a due day of month needs a monthly-or-longer frequency",
                    "固定还款日只适用于按月及更长的频率",
                )
        changes = [c.on for c in self.rate_changes]
        if changes != sorted(changes) or len(set(changes)) != len(changes):
            _fail(
                "rate_changes",
                "rate changes must be in strictly increasing date order",
                "利率调整须按日期严格递增",
            )

    def _check_shape(self) -> None:
        from loanfactory.schedule.methods import method_of, setting_names  # the registry imports this

        method = method_of(self.method)
        for name in sorted(setting_names()):
            given = getattr(self, name) is not None
            if given and name not in method.settings:
                _fail(
                    name,
                    f"{name} is not a setting of the {method.name} method",
                    f"{method.zh}（{method.name}）不使用 {name} 设置",
                )
            if not given and name in method.required:
                _fail(name, f"the {method.name} method needs {name} settings", f"{method.zh}需要 {name} 设置")
        if method.check is not None:
            method.check(self)
        if not method.single_payment:
            if self.term - self.grace_principal < 1:
                _fail(
                    "grace_principal",
                    f"the principal grace ({self.grace_principal}) leaves no period to repay in",
                    f"本金宽限期（{self.grace_principal} 期）之后没有还本的期次",
                )
            if self.grace_interest >= self.term:
                _fail(
                    "grace_interest",
                    "deferred interest must be collected before the last installment",
                    "延付的利息必须在最后一期之前收回",
                )
        if self.installment_multiple is not None:
            _check_money("installment_multiple", self.installment_multiple, positive=True, places=None)
            steps = self.installment_multiple / self.rounding.unit
            if steps != steps.to_integral_value():
                _fail(
                    "installment_multiple",
                    "must be a whole multiple of the rounding unit",
                    "期供取整倍数必须是舍入单位的整数倍",
                )
        if self.installment is not None:
            _check_money("installment", self.installment, positive=True, places=None)
        if self.principal_per_period is not None:
            _check_money("principal_per_period", self.principal_per_period, positive=True, places=None)
        if self.fees and len({f.name for f in self.fees}) != len(self.fees):
            _fail("fees", "two fees have the same name", "费用名称重复")

    @property
    def periods_per_year(self) -> Decimal:
        """Installments per year (12 for monthly, 6 for every two months)."""
        return Decimal(self.frequency.periods_per_year) / self.every

    @property
    def anchor_day(self) -> int | None:
        """The day of month the due dates are anchored to (None without dates or for day periods)."""
        if self.start is None or self.frequency.months is None:
            return None
        if self.due_day is not None:
            return self.due_day
        return self.first_due.day if self.first_due is not None else self.start.day

    @property
    def installment_unit(self) -> Decimal:
        """The unit the level installment is rounded to: the multiple if set, else the rounding unit."""
        return self.installment_multiple if self.installment_multiple is not None else self.rounding.unit

    def with_(self, **changes: Any) -> LoanTerms:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)


def too_small(terms: LoanTerms, number: int) -> InvalidInput:
    """The error for a repaying installment that rounds to 0.00: the amount is too small for the
    rounding unit, the installment multiple or the term (a schedule never has such a row)."""
    return InvalidInput(
        f"installment {number} would be 0.00: {terms.principal} is too small to repay over "
        f"{terms.term} installments rounded to {terms.installment_unit}",
        field="principal",
        message_zh=f"第 {number} 期应还金额将为 0.00：金额 {terms.principal} 分 {terms.term} 期、"
        f"按 {terms.installment_unit} 取整时过小",
    )


def _fail(name: str, message: str, message_zh: str) -> None:
    raise InvalidInput(message, field=name, message_zh=message_zh)


def _check_money(name: str, value: object, *, positive: bool, places: int | None = 2) -> None:
    if isinstance(value, bool) or not isinstance(value, Decimal) or not value.is_finite():
        _fail(name, f"expected a finite Decimal, got {value!r}", "需要有限的 Decimal 数值")
    assert isinstance(value, Decimal)
    if value < 0 or (positive and value == 0):
        _fail(
            name,
            f"must be {'positive' if positive else 'non-negative'}, got {value}",
            f"必须{'大于 0' if positive else '不小于 0'}，当前为 {value}",
        )
    if places is not None and value != value.quantize(CENT):
        _fail(name, f"{value} has more than 2 decimal places", f"{value} 的小数位超过 2 位（金额精确到分）")


def _check_rate(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, Decimal) or not value.is_finite():
        _fail(name, f"expected a finite Decimal rate, got {value!r}", "需要有限的 Decimal 利率")
    assert isinstance(value, Decimal)
    if value < 0 or value > MAX_RATE:
        _fail(name, f"rate {value} is outside 0 to 1000 % a year", f"利率 {value} 不在 0 到 1000% 之间")


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(name, f"expected a whole number, got {value!r}", "需要整数")
    assert isinstance(value, int)
    if not low <= value <= high:
        _fail(
            name, f"must be from {low} to {high}, got {value}", f"必须在 {low} 到 {high} 之间，当前为 {value}"
        )
