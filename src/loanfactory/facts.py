"""The facts rules can read (规则可读取的事实模型).

Every rule expression reads a path of :class:`Facts`: ``applicant.age``, ``bureau.credit_score``,
``application.amount``, ``collateral`` (a list), ``customer.first_loan`` (the history with us),
``loan.dpd``, ``product.max_amount``, ``as_of`` and ``vars.<name>`` (values set by earlier steps
of a decision flow, e.g. ``vars.grade``). The rule loader type-checks each path against these
models, so a misspelt field fails at ``validate`` with a did-you-mean, and a comparison of a text
field with a number is refused before anything runs.

Conventions: amounts are :data:`~loanfactory.money.Money` (yuan, Decimal, at most two decimals);
ratios such as debt-to-income are fractions of one (``0.45`` is 45 %); rates are
:data:`~loanfactory.money.Rate`; dates are :class:`datetime.date`. A field that may be unknown is
``None``: a comparison that reads a missing value is false (see ``docs/rules.md``).

Origination and servicing map their domain objects onto these models; the models are frozen and
reject unknown fields, so a scenario file with a typo fails with the field's location.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from loanfactory.conventions import GuaranteeType, LprTenor, RepaymentMethod, TermUnit
from loanfactory.money import Money, Rate

Ratio = Annotated[Decimal, Field(ge=0, le=100)]
"""A non-negative ratio as a fraction of one (0.45 = 45 %), e.g. debt-to-income."""

SignedRatio = Annotated[Decimal, Field(ge=-100, le=100)]
"""A signed ratio as a fraction of one (growth rates: -0.10 = a 10 % fall)."""

Years = Annotated[Decimal, Field(ge=0, le=200)]
"""A duration in years, fractions allowed (2.5 = two and a half years)."""

Count = Annotated[int, Field(ge=0, le=1_000_000)]
"""A non-negative count."""

CustomerKind = Literal["individual", "sole_proprietor", "enterprise"]
LoanClass = Literal["normal", "special_mention", "substandard", "doubtful", "loss"]


class FactModel(BaseModel):
    """Base of the fact models: frozen, unknown fields refused, Decimal kept exact."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=False)


class Applicant(FactModel):
    """The applicant (申请人): an individual (个人), a sole proprietor (个体工商户) or an enterprise (企业).

    Individual fields are ``None`` for an enterprise and the reverse; rules on the wrong kind
    simply see missing values. A sole proprietor has both: the operator's individual fields (age,
    income ...) and the business's (industry, years in business, annual revenue). ``region`` is a
    province-level code such as ``BJ``, ``SH``, ``GD`` (省级行政区代码), ``city`` a city name or code.
    """

    kind: CustomerKind = "individual"  # 客户类型
    id: str | None = None  # 客户号
    name: str | None = None  # 姓名 / 企业名称
    segment: str | None = None  # 客群 (salaried, civil_servant, self_employed, sme, ...)
    region: str | None = None  # 所在省份
    city: str | None = None  # 所在城市
    existing_customer: bool = False  # 存量客户
    blacklisted: bool = False  # 命中内部黑名单
    # individual (个人)
    age: Annotated[int, Field(ge=0, le=150)] | None = None  # 年龄（周岁）
    birth_date: date | None = None  # 出生日期
    gender: Literal["male", "female"] | None = None  # 性别
    marital_status: Literal["single", "married", "divorced", "widowed"] | None = None  # 婚姻状况
    education: str | None = None  # 学历 (high_school, college, bachelor, master, doctor)
    employment_type: str | None = None  # 职业类型 (salaried, civil_servant, self_employed, ...)
    employment_years: Years | None = None  # 工作年限
    monthly_income: Money | None = None  # 月收入（元）
    monthly_debt_payment: Money | None = None  # 月还款支出（元）
    debt_to_income: Ratio | None = None  # 负债收入比（月还款/月收入）
    deposit_balance: Money | None = None  # 本行存款余额
    local_resident: bool | None = None  # 本地户籍或常住
    # enterprise (企业)
    industry: str | None = None  # 行业（国民经济行业分类代码或名称）
    years_in_business: Years | None = None  # 经营年限
    annual_revenue: Money | None = None  # 年营业收入
    revenue_growth: SignedRatio | None = None  # 营业收入增长率
    net_profit: Decimal | None = None  # 净利润（可为负）
    asset_liability_ratio: Ratio | None = None  # 资产负债率
    employees: Count | None = None  # 员工人数
    registered_capital: Money | None = None  # 注册资本
    tax_rating: Literal["A", "B", "M", "C", "D"] | None = None  # 纳税信用等级
    high_tech: bool | None = None  # 高新技术企业
    legal_representative_age: Annotated[int, Field(ge=0, le=150)] | None = None  # 法定代表人年龄


class SubmittedDocument(FactModel):
    """A document handed in with an application (申请材料): ID card, income proof, licence ..."""

    type: str  # id_card, income_proof, bank_statement, business_licence, financial_statements, ...
    verified: bool = False  # 已核验
    expires_on: date | None = None  # 有效期至


class ConsentFacts(FactModel):
    """An authorisation the applicant gave (授权): its scope, when, and whether it still holds."""

    scope: str  # credit_inquiry (征信查询), personal_info (个人信息处理), e_signature, ...
    granted_at: datetime | None = None  # 授权时间
    expires_on: date | None = None  # 授权到期日
    revoked: bool = False  # 已撤回


class ApplicationFacts(FactModel):
    """A loan application (贷款申请)."""

    id: str | None = None  # 申请编号
    amount: Money  # 申请金额
    term: Annotated[int, Field(ge=1, le=12_000)]  # 申请期限
    term_unit: TermUnit = TermUnit.months  # 期限单位
    purpose: str | None = None  # 贷款用途 (consumption, business, home, car, education, ...)
    channel: str | None = None  # 申请渠道 (app, branch, partner, mini-program ...)
    guarantee_type: GuaranteeType = GuaranteeType.credit  # 担保方式
    repayment_method: RepaymentMethod | None = None  # 还款方式
    submitted_at: datetime | None = None  # 提交时间
    documents: tuple[SubmittedDocument, ...] = ()  # 申请材料
    consents: tuple[ConsentFacts, ...] = ()  # 授权

    @computed_field  # type: ignore[prop-decorator]
    @property
    def document_types(self) -> list[str]:
        """Types of the documents handed in (``"id_card" in application.document_types``)."""
        return [d.type for d in self.documents]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def consent_scopes(self) -> list[str]:
        """Scopes of the consents not revoked (expiry is checked by rules against ``as_of``)."""
        return [c.scope for c in self.consents if not c.revoked]


class AdverseRecord(FactModel):
    """One adverse record in a credit report (不良记录): write-off, bad debt, compensation ..."""

    type: str  # write_off (核销), bad_debt (呆账), compensation (代偿), asset_disposal, frozen, lawsuit
    recorded_on: date | None = None  # 记录日期
    amount: Money | None = None  # 涉及金额


class BureauReport(FactModel):
    """A credit bureau report (征信报告) summarised to the figures rules use."""

    report_date: date | None = None  # 报告日期
    credit_score: Annotated[int, Field(ge=0, le=1000)] | None = None  # 信用评分（内部或第三方）
    has_history: bool = True  # 有信贷记录（False 即"白户"）
    overdue_count_24m: Count = 0  # 近 24 个月逾期次数
    max_overdue_days_24m: Count = 0  # 近 24 个月最长逾期天数
    current_overdue_amount: Money = Decimal(0)  # 当前逾期金额
    inquiries_3m: Count = 0  # 近 3 个月贷款审批查询次数
    inquiries_6m: Count = 0  # 近 6 个月贷款审批查询次数
    outstanding_loans: Count = 0  # 未结清贷款笔数
    total_debt: Money = Decimal(0)  # 未结清贷款余额合计
    card_utilization: Ratio | None = None  # 信用卡使用率
    severe_records: tuple[AdverseRecord, ...] = ()  # 严重不良记录

    @computed_field  # type: ignore[prop-decorator]
    @property
    def severe_record_count(self) -> int:
        """How many severe adverse records the report holds."""
        return len(self.severe_records)


class CollateralFacts(FactModel):
    """A pledged or mortgaged asset (抵质押物) and its valuation (评估)."""

    type: str  # first_home, second_home, commercial_property, vehicle, deposit, bond, shares, ...
    value: Money  # 评估价值
    valuation_date: date | None = None  # 评估日期
    first_lien: bool = True  # 第一顺位
    owner: str | None = None  # 所有权人


class CustomerHistory(FactModel):
    """The customer's history with us (与本行的往来), for first-loan offers and loyalty rules.

    Counted over the loans this lender disbursed to the customer (a cancelled contract is no loan).
    ``first_loan`` is true when there is none: write ``previous_loans: 0`` in a scenario.
    """

    previous_loans: Count = 0  # 在本行已放款的贷款笔数
    active_loans: Count = 0  # 其中未结清的笔数
    settled_loans: Count = 0  # 其中已结清的笔数
    written_off_loans: Count = 0  # 其中已核销的笔数
    max_dpd: Count = 0  # 在本行的历史最长逾期天数
    current_dpd: Count = 0  # 当前最长逾期天数

    @computed_field  # type: ignore[prop-decorator]
    @property
    def first_loan(self) -> bool:
        """No loan with us yet (首贷)."""
        return self.previous_loans == 0


class LoanFacts(FactModel):
    """A disbursed loan as servicing sees it (贷款账户), for overdue and warning rules."""

    id: str | None = None  # 借据号
    principal: Money = Decimal(0)  # 发放金额
    balance: Money = Decimal(0)  # 剩余本金
    contract_rate: Rate | None = None  # 执行利率
    disbursed_on: date | None = None  # 放款日
    maturity_date: date | None = None  # 到期日
    next_due_date: date | None = None  # 下一还款日
    dpd: Count = 0  # 逾期天数 (days past due)
    overdue_periods: Count = 0  # 逾期期数
    overdue_principal: Money = Decimal(0)  # 逾期本金
    overdue_interest: Money = Decimal(0)  # 逾期利息
    penalty_interest: Money = Decimal(0)  # 罚息
    classification: LoanClass = "normal"  # 五级分类
    status: Literal["active", "overdue", "closed", "written_off"] = "active"  # 状态
    promise_to_pay: bool = False  # 已承诺还款
    restructured: bool = False  # 已重组
    installment_due: Money = Decimal(0)  # 下期应还金额 (the upcoming installment, for early warnings)
    days_to_due: Count | None = None  # 距下一还款日天数
    balance_short: bool | None = None  # 代扣前余额检查不足 (None: not checked or unknown)
    late_installments: Count = 0  # 历史逾期期数 (installments not paid in full by their due date)
    max_dpd: Count = 0  # 历史最长逾期天数
    new_bad_records: Count = 0  # 放款后征信新增不良记录数
    fund_misuse: bool = False  # 资金用途异常（疑似挪用）


class ProductFacts(FactModel):
    """What rules may read of the product applied for (产品要素)."""

    code: str  # 产品代码
    kind: CustomerKind = "individual"  # 面向个人或企业
    min_amount: Money | None = None  # 最低金额
    max_amount: Money | None = None  # 最高金额
    min_term: Annotated[int, Field(ge=0)] | None = None  # 最短期限
    max_term: Annotated[int, Field(ge=0)] | None = None  # 最长期限
    term_unit: TermUnit = TermUnit.months  # 期限单位
    base_rate: Rate | None = None  # 基准年利率
    rate_floor: Rate | None = None  # 利率下限
    rate_cap: Rate | None = None  # 利率上限
    lpr_tenor: LprTenor = LprTenor.one_year  # 定价参考的 LPR 期限
    max_ltv: Rate | None = None  # 最高抵押率
    channels: tuple[str, ...] = ()  # 销售渠道
    segments: tuple[str, ...] = ()  # 目标客群


class Facts(FactModel):
    """Everything one decision may read (决策事实).

    ``as_of`` is the business date of the decision (never the wall clock). ``vars`` holds values
    computed by earlier steps of a decision flow (``vars.score``, ``vars.grade``); rules read them
    as ``vars.<name>``.
    """

    as_of: date  # 业务日期
    applicant: Applicant | None = None
    application: ApplicationFacts | None = None
    bureau: BureauReport | None = None
    collateral: tuple[CollateralFacts, ...] = ()
    customer: CustomerHistory | None = None
    loan: LoanFacts | None = None
    product: ProductFacts | None = None
    vars: dict[str, Any] = Field(default_factory=dict)

    def with_vars(self, values: dict[str, Any]) -> Facts:
        """A copy whose ``vars`` also hold ``values`` (later values win)."""
        merged = dict(self.vars)
        merged.update(values)
        return self.model_copy(update={"vars": merged})


__all__ = [
    "AdverseRecord",
    "Applicant",
    "ApplicationFacts",
    "BureauReport",
    "CollateralFacts",
    "ConsentFacts",
    "CustomerHistory",
    "CustomerKind",
    "FactModel",
    "Facts",
    "LoanClass",
    "LoanFacts",
    "ProductFacts",
    "SubmittedDocument",
]
