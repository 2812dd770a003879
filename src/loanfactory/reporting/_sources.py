"""The sources a report reads (报表数据源) and their fields: the one schema every store implements.

A report definition names a source and uses its fields as dimensions, filters and measures. Each
store answers queries over the same sources (the SQL store with set-based SQL, the memory store
over its entities); ``tests/reporting`` checks that both give the same figures for every field.

- ``loans`` — one row per disbursed loan; dated by ``start`` (value date of disbursement);
- ``positions`` — one row per loan per position date (贷款头寸快照): balances, days past due and
  five-category class as of that date; dated by ``as_of``;
- ``postings`` — the ledger's postings (分户账流水), a reversal counted negative under the type it
  reverses; dated by ``business_date``;
- ``applications`` — loan applications with their outcome and route; dated by ``submitted``;
- ``customers`` — registered customers; dated by ``registered``;
- ``gl`` — the general ledger's turnover (总账发生额): one row per closed day, account, product
  and five-category class with its debit and credit; dated by ``day``. ``credit_net`` (credit −
  debit) is income on an income account, ``debit_net`` (debit − credit) the movement of an asset
  or expense account: a profit report read from it reconciles with the books by construction.

Every loan-based source carries the loan's dimensions (product, channel, region, segment, grade,
industry, cohort, term, rate, guarantee, purpose).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class FieldType(StrEnum):
    """What a field holds; decides which filters, bands and measures apply."""

    text = "text"
    integer = "integer"
    money = "money"  # yuan, exact to the fen
    rate = "rate"  # a fraction of one (0.0435 = 4.35 %)
    date = "date"


NUMERIC = frozenset({FieldType.integer, FieldType.money, FieldType.rate})


@dataclass(frozen=True, slots=True)
class SourceField:
    """One field of a source: its type, its names in Chinese and English, and for coded values
    their labels (code -> (zh, en)) in the order they are shown."""

    name: str
    type: FieldType
    zh: str
    en: str
    labels: Mapping[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Source:
    """A source: its fields, and the date field that places a row in time."""

    name: str
    zh: str
    en: str
    date_field: str
    fields: Mapping[str, SourceField]
    stock: bool = False  # rows are states as of a date (positions), not events

    def get(self, name: str) -> SourceField | None:
        return self.fields.get(name)


CATEGORY_LABELS = {
    "normal": ("正常", "normal"),
    "special-mention": ("关注", "special mention"),
    "substandard": ("次级", "substandard"),
    "doubtful": ("可疑", "doubtful"),
    "loss": ("损失", "loss"),
}
STATUS_LABELS = {
    "active": ("还款中", "active"),
    "settled": ("已结清", "settled"),
    "written-off": ("已核销", "written off"),
}
SEGMENT_LABELS = {"individual": ("个人", "individual"), "enterprise": ("企业", "enterprise")}
GUARANTEE_LABELS = {
    "credit": ("信用", "credit"),
    "guarantee": ("保证", "guarantee"),
    "mortgage": ("抵押", "mortgage"),
    "pledge": ("质押", "pledge"),
}
CHANNEL_LABELS = {
    "app": ("手机银行/App", "app"),
    "mini-program": ("小程序", "mini-program"),
    "web": ("网页", "web"),
    "branch": ("网点", "branch"),
    "partner": ("合作机构", "partner"),
}
PURPOSE_LABELS = {
    "consumer": ("消费", "consumer"),
    "housing": ("住房", "housing"),
    "business": ("经营", "business"),
    "auto": ("汽车", "auto"),
    "supply-chain": ("供应链", "supply chain"),
    "education": ("教育", "education"),
    "agriculture": ("农业", "agriculture"),
    "working-capital": ("流动资金", "working capital"),
    "renovation": ("装修", "renovation"),
    "project": ("项目", "project"),
}
POSTING_LABELS = {
    "disbursement": ("放款", "disbursement"),
    "interest": ("利息", "interest"),
    "penalty": ("罚息", "penalty"),
    "fee": ("费用", "fee"),
    "repayment": ("还款", "repayment"),
    "prepayment": ("提前还款", "prepayment"),
    "credit-applied": ("溢缴款冲抵", "credit applied"),
    "refund": ("溢缴款退回", "refund"),
    "waiver": ("减免", "waiver"),
    "write-off": ("核销", "write-off"),
}
OUTCOME_LABELS = {
    "approved": ("批准", "approved"),
    "rejected": ("拒绝", "rejected"),
    "pending": ("审批中", "pending"),
    "withdrawn": ("撤回/放弃", "withdrawn"),
}
ROUTE_LABELS = {"auto": ("自动审批", "automatic"), "manual": ("人工审批", "manual")}
CUSTOMER_STATUS_LABELS = {"active": ("正常", "active"), "blocked": ("冻结", "blocked")}


def _f(
    name: str, type: FieldType, zh: str, en: str, labels: Mapping[str, tuple[str, str]] | None = None
) -> SourceField:
    return SourceField(name, type, zh, en, labels or {})


T, N, M, R, D = FieldType.text, FieldType.integer, FieldType.money, FieldType.rate, FieldType.date

LOAN_FIELDS: tuple[SourceField, ...] = (
    _f("loan_id", T, "贷款编号", "loan"),
    _f("customer_id", T, "客户编号", "customer"),
    _f("product", T, "产品", "product"),
    _f("channel", T, "渠道", "channel", CHANNEL_LABELS),
    _f("region", T, "地区", "region"),
    _f("segment", T, "客群", "segment", SEGMENT_LABELS),
    _f("grade", T, "评级", "grade"),
    _f("industry", T, "行业", "industry"),
    _f("purpose", T, "用途", "purpose", PURPOSE_LABELS),
    _f("guarantee", T, "担保方式", "guarantee", GUARANTEE_LABELS),
    _f("cohort", T, "放款月份", "cohort"),
    _f("start", D, "放款日", "value date"),
    _f("term_months", N, "期限（月）", "term (months)"),
    _f("rate", R, "合同利率", "contract rate"),
    _f("amount", M, "合同金额", "amount"),
    _f("status", T, "贷款状态", "status", STATUS_LABELS),
)

POSITION_FIELDS: tuple[SourceField, ...] = (
    _f("as_of", D, "统计日", "as of"),
    _f("months_on_book", N, "账龄（月）", "months on book"),
    _f("category", T, "五级分类", "five-category class", CATEGORY_LABELS),
    _f("days_past_due", N, "逾期天数", "days past due"),
    _f("principal", M, "贷款余额", "outstanding principal"),
    _f("interest", M, "应收未收利息", "interest receivable"),
    _f("penalty", M, "应收未收罚息", "penalty receivable"),
    _f("fee", M, "应收未收费用", "fees receivable"),
    _f("overdue", M, "逾期金额", "overdue amount"),
    _f("due_to_date", M, "累计应还", "due to date"),
    _f("paid_on_dues", M, "累计已还（应还部分）", "paid on dues"),
    _f("disbursed", M, "累计放款", "disbursed"),
    _f("repaid", M, "累计还款", "repaid"),
    _f("written_off", M, "累计核销", "written off"),
    _f("recovered", M, "核销后收回", "recovered"),
    _f("provision", M, "拨备", "provision"),
    _f("previous_days_past_due", N, "上月末逾期天数", "days past due a month before"),
    _f("previous_category", T, "上月末五级分类", "class a month before", CATEGORY_LABELS),
    _f("previous_principal", M, "上月末贷款余额", "principal a month before"),
)

POSTING_FIELDS: tuple[SourceField, ...] = (
    _f("business_date", D, "记账日", "business date"),
    _f("type", T, "交易类型", "posting type", POSTING_LABELS),
    _f("posted_amount", M, "交易金额", "posting amount"),
    _f("principal_change", M, "本金变动", "principal change"),
    _f("interest_change", M, "利息变动", "interest change"),
    _f("penalty_change", M, "罚息变动", "penalty change"),
    _f("fee_change", M, "费用变动", "fee change"),
)

APPLICATION_FIELDS: tuple[SourceField, ...] = (
    _f("application_id", T, "申请编号", "application"),
    _f("customer_id", T, "客户编号", "customer"),
    _f("product", T, "产品", "product"),
    _f("channel", T, "渠道", "channel", CHANNEL_LABELS),
    _f("grade", T, "评级", "grade"),
    _f("purpose", T, "用途", "purpose", PURPOSE_LABELS),
    _f("submitted", D, "申请日", "submitted"),
    _f("amount", M, "申请金额", "amount applied for"),
    _f("term", N, "申请期限", "term"),
    _f("outcome", T, "审批结果", "outcome", OUTCOME_LABELS),
    _f("route", T, "审批方式", "route", ROUTE_LABELS),
)

CUSTOMER_FIELDS: tuple[SourceField, ...] = (
    _f("customer_id", T, "客户编号", "customer"),
    _f("channel", T, "渠道", "channel", CHANNEL_LABELS),
    _f("region", T, "地区", "region"),
    _f("segment", T, "客群", "segment", SEGMENT_LABELS),
    _f("industry", T, "行业", "industry"),
    _f("registered", D, "注册日", "registered"),
    _f("verified", D, "实名认证日", "verified"),
    _f("customer_status", T, "客户状态", "status", CUSTOMER_STATUS_LABELS),
)


GL_FIELDS: tuple[SourceField, ...] = (
    _f("day", D, "记账日", "accounting date"),
    _f("account", T, "科目", "account"),
    _f("product", T, "产品", "product"),
    _f("category", T, "五级分类", "five-category class", CATEGORY_LABELS),
    _f("debit", M, "借方发生额", "debit turnover"),
    _f("credit", M, "贷方发生额", "credit turnover"),
    _f("debit_net", M, "借方净发生额", "net debit"),
    _f("credit_net", M, "贷方净发生额", "net credit"),
)


def _source(
    name: str, zh: str, en: str, date_field: str, *groups: tuple[SourceField, ...], stock: bool = False
) -> Source:
    fields: dict[str, SourceField] = {}
    for group in groups:
        for item in group:
            fields[item.name] = item
    return Source(name, zh, en, date_field, fields, stock)


SOURCES: Mapping[str, Source] = {
    s.name: s
    for s in (
        _source("loans", "贷款", "loans", "start", LOAN_FIELDS),
        _source("positions", "贷款头寸", "loan positions", "as_of", LOAN_FIELDS, POSITION_FIELDS, stock=True),
        _source("postings", "分户账流水", "ledger postings", "business_date", LOAN_FIELDS, POSTING_FIELDS),
        _source("applications", "贷款申请", "applications", "submitted", APPLICATION_FIELDS),
        _source("customers", "客户", "customers", "registered", CUSTOMER_FIELDS),
        _source("gl", "总账发生额", "general ledger turnover", "day", GL_FIELDS),
    )
}
"""Every source by name."""

LOAN_SOURCES = frozenset({"loans", "positions", "postings"})
