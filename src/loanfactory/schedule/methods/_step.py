"""阶梯还款 (累进还款) — step: the installment changes every ``every`` repaying periods after the
first ``first``, by a set amount (等额累进：等额递增 / 等额递减) or a set percent of the previous
installment (等比累进：等比递增 / 等比递减), at most ``times`` times; interest on the balance and
principal = installment − interest, as in an annuity.

This is the definition of Chinese core-banking systems (首次累进期数, 累进间隔, 累进金额/比例)
and of the PBOC credit reference codes 14 等比累进分期还款 and 15 等额累进分期还款; with ``times``
it is also the graduated-payment mortgage (GPM: payments rising 7.5 % a year for five years).

The first installment ``A`` is solved exactly so that the installments repay the balance at the
per-period rate: ``Σ pay_t · v_t = B`` with ``pay_t = A + j_t·amount`` or ``A·(1+percent)^j_t``,
``j_t`` the number of changes made by period ``t`` and ``v_t`` the discount factor. A stepped
schedule may never fall below its interest (no negative amortisation: unpaid interest is not
added to principal), nor to zero: such terms are refused, naming the installment. Golden figures:
``tests/schedule/golden_methods.yaml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from loanfactory.conventions import InterestMode, RepaymentMethod
from loanfactory.errors import InvalidInput
from loanfactory.money import CENT
from loanfactory.schedule._level import LevelRule, level_rows
from loanfactory.schedule._periods import Plan
from loanfactory.schedule._terms import LevelPayment, LoanTerms
from loanfactory.schedule.methods._method import Built, Method

ZERO = Decimal(0)
ONE = Decimal(1)
MAX_PERIODS = 36600


@dataclass(frozen=True, slots=True)
class Step:
    """A stepped installment (阶梯/累进还款).

    ``every``: periods between changes (累进间隔); ``first``: periods at the first installment
    (首次累进期数, default ``every``); exactly one of ``amount`` (yuan, 累进金额) or ``percent``
    (fraction, 累进比例) — negative to fall; ``times``: how many changes at most (default: until
    maturity; ``0`` means no more changes, as the rest of a loan can have).
    """

    every: int
    amount: Decimal | None = None
    percent: Decimal | None = None
    first: int | None = None
    times: int | None = None

    def __post_init__(self) -> None:
        _whole("step.every", self.every, 1)
        if self.first is not None:
            _whole("step.first", self.first, 1)
        if self.times is not None:
            _whole("step.times", self.times, 0)
        if (self.amount is None) == (self.percent is None):
            _fail(
                "step",
                "give exactly one of amount or percent",
                "amount（累进金额）与 percent（累进比例）必须且只能给一个",
            )
        change = self.amount if self.amount is not None else self.percent
        if (
            isinstance(change, bool)
            or not isinstance(change, Decimal)
            or not change.is_finite()
            or not change
        ):
            _fail(
                "step",
                f"the change must be a non-zero Decimal, got {change!r}",
                "每次累进的金额或比例必须是非零的 Decimal",
            )
        assert change is not None
        if self.amount is not None and self.amount != self.amount.quantize(CENT):
            _fail("step.amount", f"{self.amount} has more than 2 decimal places", "累进金额精确到分")
        if self.percent is not None and not (Decimal(-1) < self.percent <= Decimal(10)):
            _fail(
                "step.percent",
                f"a step of {self.percent} is outside -100 % to 1000 %",
                f"累进比例 {self.percent} 不在 -100% 到 1000% 之间",
            )

    @property
    def first_periods(self) -> int:
        return self.first if self.first is not None else self.every

    def index(self, m: int) -> int:
        """Changes made by repaying period ``m`` (0-based): 0 during the first ``first`` periods."""
        first = self.first_periods
        if m < first:
            return 0
        j = 1 + (m - first) // self.every
        return j if self.times is None else min(j, self.times)

    def after(self, m: int) -> Step:
        """The same pattern for the rest of a loan after ``m`` repaying periods, in phase."""
        first = self.first_periods
        if m < first:
            return replace(self, first=first - m)
        into = (m - first) % self.every
        times = None if self.times is None else self.times - self.index(m)
        return replace(self, first=self.every - into, times=times)


def installments(terms: LoanTerms, p: Plan, k: int, balance: Decimal) -> list[Decimal]:
    """The exact installments of periods ``k..n-1`` (0-based) that repay ``balance``."""
    step = _settings(terms)
    n, grace = terms.term, terms.grace_principal
    if terms.level_payment is LevelPayment.actual_days and terms.interest is InterestMode.daily:
        rates = [a / d for a, d in zip(p.num[k:], p.den[k:], strict=True)]
    else:
        rates = [p.regular_num[k] / p.ppy] * (n - k)
    shape = [_factor(step, m - grace) for m in range(k, n)]
    discount = ONE
    plain = ZERO  # Σ v_t
    shaped = ZERO  # Σ shape_t · v_t
    for rate, factor in zip(rates, shape, strict=True):
        discount /= ONE + rate
        plain += discount
        shaped += factor * discount
    if step.amount is not None:
        first = (balance - step.amount * shaped) / plain
        dues = [first + step.amount * j for j in shape]
    else:
        first = balance / shaped
        dues = [first * f for f in shape]
    _refuse_negative_amortisation(terms, k, balance, rates, dues)
    return dues


def _factor(step: Step, m: int) -> Decimal:
    """``j`` for a change by amount, ``(1 + percent)^j`` for a change by percent."""
    j = step.index(m)
    if step.percent is None:
        return Decimal(j)
    return (ONE + step.percent) ** j


def _refuse_negative_amortisation(
    terms: LoanTerms, k: int, balance: Decimal, rates: list[Decimal], dues: list[Decimal]
) -> None:
    b = balance
    policy = terms.rounding
    for t, (rate, due) in enumerate(zip(rates, dues, strict=True)):
        interest = b * rate
        number = k + t + 1
        if due <= 0:
            _fail(
                "step",
                f"installment {number} would be {policy(due)}: the step makes the installments fall to zero",
                f"第 {number} 期期供将为 {policy(due)}：累进使期供降到零以下",
            )
        if due < interest:
            _fail(
                "step",
                f"installment {number} ({policy(due)}) does not cover its interest ({policy(interest)}): "
                "a stepped schedule may not add unpaid interest to the principal",
                f"第 {number} 期期供（{policy(due)}）不足以支付当期利息（{policy(interest)}）："
                "阶梯还款不允许把未付利息计入本金（负摊还）",
            )
        b = b + interest - due


def _settings(terms: LoanTerms) -> Step:
    assert isinstance(terms.step, Step)  # LoanTerms checked it
    return terms.step


_RULE = LevelRule(installments)


def rows(terms: LoanTerms, p: Plan, posting: bool, first_extra: Decimal, override: Decimal | None) -> Built:
    return level_rows(terms, p, posting, first_extra, None, _RULE)


def check(terms: LoanTerms) -> None:
    if not isinstance(terms.step, Step):
        raise InvalidInput(
            f"expected Step settings, got {terms.step!r}", field="step", message_zh="需要阶梯还款设置"
        )


def remainder(terms: LoanTerms, repaid: int, principal: Decimal) -> Mapping[str, Any]:
    """The rest of the loan after ``repaid`` installments, re-spread on ``principal`` (a prepayment,
    a later tranche): the steps stay in phase, and a step by amount is scaled with the principal
    against the schedule's own balance at that point, so the shape — and its coverage of interest
    — is kept (a step by percent needs no scaling)."""
    step = _settings(terms).after(max(0, repaid - terms.grace_principal))
    if step.amount is not None and repaid:
        from loanfactory.schedule._engine import build_schedule  # the engine imports the registry

        rows = build_schedule(terms).installments
        scheduled = rows[min(repaid, len(rows)) - 1].balance
        if scheduled > 0 and principal != scheduled:
            scaled = (step.amount * principal / scheduled).quantize(CENT)
            step = replace(step, amount=scaled) if scaled else step
    return {"step": step}


def words(terms: LoanTerms) -> str:
    """The steps in the convention sentence, e.g. ``first 12 installments level, then +5% every 12``."""
    step = _settings(terms)
    if step.amount is not None:
        change = f"{step.amount:+}"
    else:
        assert step.percent is not None
        change = f"{(step.percent * 100).normalize():+f}%"
    times = "" if step.times is None else f", at most {step.times} times"
    return f"step: first {step.first_periods} installments level, then {change} every {step.every}{times}"


def _whole(name: str, value: object, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_PERIODS:
        _fail(name, f"must be a whole number from {low}, got {value!r}", f"必须是不小于 {low} 的整数")


def _fail(name: str, message: str, message_zh: str) -> None:
    raise InvalidInput(message, field=name, message_zh=message_zh)


METHOD = Method(
    name=RepaymentMethod.step,
    zh="阶梯还款",
    en="step (graduated) installments",
    summary="installment changes every `every` periods after the first `first`, by `amount` (等额累进) "
    "or `percent` (等比累进), up or down, at most `times` times; the first installment is solved "
    "so that the loan amortises exactly; never below its interest",
    summary_zh="期供每隔若干期按固定金额（等额累进）或固定比例（等比累进）递增或递减；首期期供按精确摊还求得，"
    "任何一期不得低于当期利息",
    aliases=("累进还款", "等额累进", "等比累进", "等额递增", "等额递减", "等比递增", "等比递减"),
    rows=rows,
    level=True,
    settings=frozenset({"step"}),
    required=frozenset({"step"}),
    section="step",
    check=check,
    remainder=remainder,
    words=words,
)
