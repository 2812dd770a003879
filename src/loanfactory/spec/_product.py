"""The product (贷款产品): identity, limits, pricing, repayment and policies in one frozen model.

A product file is YAML whose top level is a :class:`ProductSpec` (``kind: product`` may be
omitted). ``extends:`` and fragment ``use:`` references are resolved by the loader before the
merged mapping is validated here.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from loanfactory.calendar import DayCount, Frequency
from loanfactory.conventions import GuaranteeType, InterestMode, TermUnit
from loanfactory.money import Rate
from loanfactory.overdue_actions import action_type
from loanfactory.schedule.methods import method_of
from loanfactory.spec._base import CrossFieldProblem, LocalizedText, SpecModel, lenient
from loanfactory.spec._fees import Fee, FeeTiming
from loanfactory.spec._limits import AmountRange, TermRange
from loanfactory.spec._policies import (
    DisbursementPolicy,
    GuaranteePolicy,
    OverduePolicy,
    Penalty,
    PrepaymentPolicy,
)
from loanfactory.spec._rate import FixedRate, FloatingRate, RateSpec
from loanfactory.spec._repayment import Repayment
from loanfactory.spec._review import ReviewDuties

CODE_PATTERN = r"^[a-z][a-z0-9_]{1,63}$"


class Status(StrEnum):
    """Publication status (产品状态)."""

    draft = "draft"  # 草稿
    online = "online"  # 已上线
    paused = "paused"  # 暂停
    offline = "offline"  # 已下线


class SalesChannel(StrEnum):
    """Where the product is sold (销售渠道)."""

    app = "app"
    mini_program = "mini-program"  # 小程序
    web = "web"
    branch = "branch"  # 网点
    partner = "partner"  # 合作机构


class Segment(StrEnum):
    """Customer segment (客群)."""

    individual = "individual"  # 个人
    sole_proprietor = "sole-proprietor"  # 个体工商户
    enterprise = "enterprise"  # 企业


class LoanPurpose(StrEnum):
    """Loan purpose (贷款用途)."""

    consumer = "consumer"  # 消费
    housing = "housing"  # 住房
    business = "business"  # 经营
    auto = "auto"  # 汽车
    supply_chain = "supply-chain"  # 供应链
    education = "education"  # 教育
    agriculture = "agriculture"  # 农业
    working_capital = "working-capital"  # 流动资金
    renovation = "renovation"  # 装修
    project = "project"  # 项目


class RulePurpose(StrEnum):
    """Which step of the decision a rule set serves."""

    eligibility = "eligibility"  # 准入
    pre_review = "pre_review"  # 预审
    scoring = "scoring"  # 评分
    routing = "routing"  # 审批路由
    pricing = "pricing"  # 定价
    limit = "limit"  # 额度
    tags = "tags"  # 客户画像标签


RuleRef = Annotated[
    str | dict[str, Any],
    Field(description="A rule id from rules/, or a rule set written inline"),
]


class RuleRefs(SpecModel):
    """The rule sets a product uses, by purpose (引用的规则集)."""

    eligibility: RuleRef | None = None
    pre_review: RuleRef | None = None
    scoring: RuleRef | None = None
    routing: RuleRef | None = None
    pricing: RuleRef | None = None
    limit: RuleRef | None = None
    tags: RuleRef | None = None

    def items(self) -> Iterator[tuple[RulePurpose, str | dict[str, Any]]]:
        """(purpose, reference) for every purpose that is set, in decision order."""
        for purpose in RulePurpose:
            value = getattr(self, purpose.value)
            if value is not None:
                yield purpose, value


class Effective(SpecModel):
    """When the product may be sold (有效期): ``from`` inclusive, ``to`` inclusive or open."""

    from_: Annotated[date, Field(alias="from")]
    to: date | None = None

    def covers(self, day: date) -> bool:
        return self.from_ <= day and (self.to is None or day <= self.to)


class ComplianceSettings(SpecModel):
    """Which regulatory profile the product is checked against (合规配置)."""

    profile: Annotated[
        str, Field(description="bank, consumer-finance, consumer-finance-new, micro-loan, private-lending")
    ] = "bank"
    apr_limit: Annotated[Rate | None, Field(description="An internal APR ceiling below the legal cap")] = None


class ContractSettings(SpecModel):
    """Contract template and required clauses (电子合同)."""

    template: Annotated[str, Field(description="Template name or path (Jinja2)")] = "default"
    languages: tuple[Literal["zh", "en"], ...] = ("zh",)
    required_clauses: tuple[str, ...] = ()


class ProductSpec(SpecModel):
    """A loan product as written by a product manager (产品定义)."""

    kind: Literal["product"] = "product"
    code: Annotated[str, Field(pattern=CODE_PATTERN, description="Unique product code (产品编码)")]
    extends: Annotated[
        tuple[str, ...], Field(description="Templates this product was built on (继承的模板)")
    ] = ()
    name: LocalizedText
    description: LocalizedText | None = None
    version: Annotated[int, Field(strict=True, ge=1, description="Version number (版本号)")] = 1
    status: Annotated[Status, lenient(Status)] = Status.draft
    effective: Effective
    currency: Literal["CNY"] = "CNY"
    channels: Annotated[tuple[Annotated[SalesChannel, lenient(SalesChannel)], ...], Field(min_length=1)]
    segments: Annotated[tuple[Annotated[Segment, lenient(Segment)], ...], Field(min_length=1)]
    purposes: Annotated[tuple[Annotated[LoanPurpose, lenient(LoanPurpose)], ...], Field(min_length=1)]
    amount: AmountRange
    term: TermRange
    rate: RateSpec
    repayment: Repayment
    fees: tuple[Fee, ...] = ()
    penalty: Penalty = Penalty()
    prepayment: PrepaymentPolicy = PrepaymentPolicy()
    guarantee: GuaranteePolicy = GuaranteePolicy(types=(GuaranteeType.credit,))
    overdue: OverduePolicy | None = None
    disbursement: DisbursementPolicy = DisbursementPolicy()
    review: ReviewDuties = ReviewDuties()
    rules: RuleRefs = RuleRefs()
    compliance: ComplianceSettings = ComplianceSettings()
    contract: ContractSettings = ContractSettings()
    tags: tuple[str, ...] = ()

    @field_validator("extends", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @property
    def is_floating(self) -> bool:
        return isinstance(self.rate, FloatingRate)

    def is_sellable(self, day: date) -> bool:
        """Online and effective on ``day``."""
        return self.status is Status.online and self.effective.covers(day)

    def fixed_rate(self, term: int, amount: Decimal) -> Decimal | None:
        return self.rate.annual_rate(term, amount) if isinstance(self.rate, FixedRate) else None

    def problems(self) -> Iterator[CrossFieldProblem]:
        sections: list[tuple[str, SpecModel | None]] = [
            ("amount", self.amount),
            ("term", self.term),
            ("rate", self.rate),
            ("repayment", self.repayment),
            ("penalty", self.penalty),
            ("prepayment", self.prepayment),
            ("guarantee", self.guarantee),
            ("overdue", self.overdue),
            ("disbursement", self.disbursement),
            ("review", self.review),
        ]
        for name, section in sections:
            if section is not None:
                yield from (p.under(name) for p in section.problems())
        for i, fee in enumerate(self.fees):
            yield from (p.under("fees", i) for p in fee.problems())
        yield from self._fee_ids()
        yield from self._identity()
        yield from self._overdue_actions()
        yield from self._terms_fit_repayment()
        yield from self._daily_rate_basis()

    def _daily_rate_basis(self) -> Iterator[CrossFieldProblem]:
        """A daily rate (日利率) is what a day costs only when daily interest counts its year's days."""
        rate, repayment = self.rate, self.repayment
        if not isinstance(rate, FixedRate) or repayment.interest is not InterestMode.daily:
            return
        if rate.daily is None and all(band.daily is None for band in rate.table):
            return
        fitting = _DAY_COUNTS_OF_BASIS[rate.basis]
        if repayment.day_count not in fitting:
            names = " or ".join(str(d) for d in fitting)
            yield CrossFieldProblem(
                ("rate", "basis"),
                "basis-mismatch",
                f"a daily rate on a {rate.basis}-day year needs day_count {names}, "
                f"not {repayment.day_count}: a day would not cost the daily rate",
                f"按 {rate.basis} 天计的日利率需要计息基础 {names}，而不是 {repayment.day_count}："
                "否则每天的利息与日利率不符",
            )

    def _fee_ids(self) -> Iterator[CrossFieldProblem]:
        seen: set[str] = set()
        for i, fee in enumerate(self.fees):
            if fee.id in seen:
                yield CrossFieldProblem(
                    ("fees", i, "id"),
                    "duplicate",
                    f"fee id '{fee.id}' is used twice",
                    f"费用编号 '{fee.id}' 重复",
                )
            seen.add(fee.id)

    def _overdue_actions(self) -> Iterator[CrossFieldProblem]:
        """An action that needs collateral never applies to a product that takes none."""
        if self.overdue is None or {GuaranteeType.mortgage, GuaranteeType.pledge} & set(self.guarantee.types):
            return
        for i, tier in enumerate(self.overdue.tiers):
            for j, action in enumerate(tier.actions):
                if action_type(action).secured_only:
                    yield CrossFieldProblem(
                        ("overdue", "tiers", i, "actions", j),
                        "never-applies",
                        f"'{action}' needs collateral, but the product takes no mortgage or pledge",
                        f"'{action}' 需要押品，但本产品不接受抵押或质押",
                        hint="remove it, or add mortgage or pledge to guarantee.types",
                        hint_zh="请删除该动作，或在 guarantee.types 中加入 mortgage 或 pledge",
                    )

    def _identity(self) -> Iterator[CrossFieldProblem]:
        if self.effective.to is not None and self.effective.to < self.effective.from_:
            yield CrossFieldProblem(
                ("effective", "to"),
                "min-gt-max",
                "the product ends before it starts",
                "产品结束日期早于开始日期",
            )
        for field_name in ("channels", "segments", "purposes"):
            values = getattr(self, field_name)
            if len(set(values)) != len(values):
                yield CrossFieldProblem((field_name,), "duplicate", "a value is listed twice", "存在重复值")
        if Segment.enterprise not in self.segments and LoanPurpose.supply_chain in self.purposes:
            yield CrossFieldProblem(
                ("purposes",),
                "segment-mismatch",
                "supply-chain loans are for enterprises",
                "供应链融资只面向企业客户",
                severity="warning",
            )

    def _terms_fit_repayment(self) -> Iterator[CrossFieldProblem]:
        """Terms must be whole numbers of repayment periods; day terms need a day-based plan."""
        frequency = self.repayment.frequency
        single_payment = all(method_of(m).single_payment for m in self.repayment.methods)
        if self.term.unit is TermUnit.days:
            if not single_payment and frequency.days is None:
                yield CrossFieldProblem(
                    ("term", "unit"),
                    "term-frequency",
                    f"terms in days need bullet repayment or a daily/weekly frequency, not {frequency}",
                    f"按天计的期限只能用到期一次还本付息或按日/周还款，不能用 {frequency}",
                )
            elif frequency.days is not None and not single_payment:
                for term in self.term.values():
                    if term % frequency.days:
                        yield CrossFieldProblem(
                            ("term",),
                            "term-frequency",
                            f"a term of {term} days is not a whole number of {frequency} periods",
                            f"{term} 天不是整数个还款周期",
                        )
                        break
            return
        months = frequency.months
        if months is None:
            yield CrossFieldProblem(
                ("repayment", "frequency"),
                "term-frequency",
                f"terms in months need a monthly-or-longer frequency, not {frequency}",
                f"按月计的期限需要按月或更长的还款频率，不能用 {frequency}",
            )
            return
        for term in self.term.values():
            if term % months:
                yield CrossFieldProblem(
                    ("term",),
                    "term-frequency",
                    f"a term of {term} months is not a whole number of {frequency} periods",
                    f"{term} 个月不是整数个还款周期（{frequency}）",
                )
                break
        grace = self.repayment.grace
        shortest = self.term.shortest // months if self.term.values() else 0
        if shortest and grace.principal_periods + grace.interest_periods >= shortest and not single_payment:
            yield CrossFieldProblem(
                ("repayment", "grace"),
                "grace-too-long",
                "grace periods must be shorter than the shortest term",
                "宽限期必须短于最短期限",
            )
        if (
            self.prepayment.allowed_after_periods
            and shortest
            and (self.prepayment.allowed_after_periods >= self.term.longest // months)
        ):
            yield CrossFieldProblem(
                ("prepayment", "allowed_after_periods"),
                "never-allowed",
                "prepayment would never be allowed within the longest term",
                "在最长期限内都不允许提前还款",
                severity="warning",
            )
        for i, fee in enumerate(self.fees):
            if fee.timing is FeeTiming.per_installment and single_payment:
                yield CrossFieldProblem(
                    ("fees", i, "timing"),
                    "not-allowed",
                    "a single-payment loan has one installment; a per-installment fee is charged once",
                    "到期一次还本付息只有一期，分期收取的费用只收一次",
                    severity="warning",
                )


_DAY_COUNTS_OF_BASIS = {360: (DayCount.act_360, DayCount.thirty_360), 365: (DayCount.act_365f,)}


def periods_for(term: int, unit: TermUnit, frequency: Frequency) -> int:
    """Number of repayment periods in a term (1 for a day-term bullet)."""
    if unit is TermUnit.days:
        return term // frequency.days if frequency.days else 1
    months = frequency.months
    return term // months if months else term
