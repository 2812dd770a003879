"""The loan (贷款账户): its contract terms, posting schedule and servicing state.

A :class:`Loan` is created when a contract is signed and lives until it is settled (结清) or
written off (核销). It keeps the contract's terms (:class:`~loanfactory.terms.ContractTerms`) as
data, so every figure — schedule, LPR resets, prepayment, penalty — is recomputed from the loan
alone, whether or not the product file is still loaded. Money owed is never stored here as the
truth: balances are derived from the ledger (:mod:`loanfactory.servicing._ledger`). What the loan
caches — days past due, category, overdue tier — is recomputed by every end-of-day run and
reconciled with the ledger by tests.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from loanfactory.conventions import RepaymentMethod
from loanfactory.entity import Entity
from loanfactory.money import Money
from loanfactory.schedule import repricing_dates
from loanfactory.terms import AllocationPolicy, Component, ContractTerms


class Value(BaseModel):
    """Base of the frozen values stored inside servicing entities."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class LoanStatus(StrEnum):
    """Where a loan is in its life (贷款状态)."""

    drafted = "drafted"  # contract drawn up, awaiting signatures (待签约)
    signed = "signed"  # contract signed, nothing disbursed yet (待放款)
    active = "active"  # money out, being repaid (还款中)
    settled = "settled"  # everything repaid (已结清)
    written_off = "written-off"  # 已核销
    cancelled = "cancelled"  # never disbursed (已取消)


class Category(StrEnum):
    """Five-category loan classification (贷款五级分类, 2023 rules)."""

    normal = "normal"  # 正常
    special_mention = "special-mention"  # 关注
    substandard = "substandard"  # 次级
    doubtful = "doubtful"  # 可疑
    loss = "loss"  # 损失

    @property
    def zh(self) -> str:
        return _CATEGORY_ZH[self]

    @property
    def rank(self) -> int:
        """0 (normal) .. 4 (loss): a worse category has a higher rank."""
        return _CATEGORY_ORDER.index(self)


_CATEGORY_ORDER = (
    Category.normal,
    Category.special_mention,
    Category.substandard,
    Category.doubtful,
    Category.loss,
)
_CATEGORY_ZH = {
    Category.normal: "正常",
    Category.special_mention: "关注",
    Category.substandard: "次级",
    Category.doubtful: "可疑",
    Category.loss: "损失",
}
CATEGORIES = _CATEGORY_ORDER


class Installment(Value):
    """One row of the posting schedule (还款计划的一期)."""

    number: int
    due_date: date
    days: int = 0
    principal: Money
    interest: Money
    fee: Money = Decimal(0)
    total: Money
    balance: Money
    waived: Money = Decimal(0)  # interest taken off by interest-free days (免息抵扣)


class Loan(Entity):
    """A loan account (贷款账户)."""

    kind: ClassVar[str] = "loan"
    indexes: ClassVar[tuple[str, ...]] = (
        "customer_id",
        "product_code",
        "status",
        "category",
        "credit_line_id",
        "attention_on",
    )
    audited: ClassVar[tuple[str, ...]] = (
        "customer_id",
        "product_code",
        "amount",
        "status",
        "closed_on",
        "payout_account_id",
        "payee_account_id",
    )
    audited_sealed: ClassVar[tuple[str, ...]] = ("account", "account_name", "payee", "payee_account")

    customer_id: str
    product_code: str
    product_version: int = 1
    contract_id: str | None = None
    credit_line_id: str | None = None
    offer_id: str | None = None
    amount: Money
    term: Annotated[int, Field(ge=1)]
    method: RepaymentMethod = RepaymentMethod.annuity
    terms: ContractTerms
    status: LoanStatus = LoanStatus.drafted
    account: str = ""  # the borrower's repayment account (还款账户)
    account_name: str = ""
    purpose: str = ""
    payee: str | None = None  # entrusted payment (受托支付): paid to this seller, not the borrower
    payee_account: str | None = None
    payee_category: str | None = None  # the declared use of funds (资金用途)
    payout_account_id: str | None = None  # the verified account paid out to (放款账户, evidence)
    payee_account_id: str | None = None  # the verified account of the payee
    start: date | None = None  # value date of the first disbursement (起息日)
    schedule: tuple[Installment, ...] = ()
    schedule_version: int = 0
    tail_start: date | None = None  # where the current stretch of the schedule was (re)computed from
    tail_from: int = 1  # the number of its first row
    level_installment: Money | None = None  # the level installment of that stretch (等额期供)
    repriced_on: date | None = None  # the last LPR repricing date applied (最近一次重定价日)
    category: Category = Category.normal
    days_past_due: int = 0
    max_days_past_due: int = 0  # the worst days past due in the loan's life (历史最长逾期天数)
    overrides: tuple[str, ...] = ()  # classification overrides: "restructured", "fund-misuse", ...
    attention_on: date | None = None  # the next business date the end of day must look at it (日终关注日)
    closed_on: date | None = None

    @property
    def maturity(self) -> date | None:
        return self.schedule[-1].due_date if self.schedule else None

    @property
    def cohort(self) -> str:
        """The disbursement month, ``YYYY-MM`` (放款批次), or ``""`` before disbursement."""
        return self.start.strftime("%Y-%m") if self.start else ""

    def next_attention(self, day: date, reminder_days: int = 3) -> date | None:
        """The first date after ``day`` on which the end of day has work for this loan: every day
        while it is overdue, else a due date's reminder day, its eve (auto-debit order), the due
        date itself and the day after (is it paid?)."""
        if self.status is not LoanStatus.active:
            return None
        tomorrow = day + timedelta(days=1)
        if self.days_past_due > 0:
            return tomorrow
        reset = self.next_repricing(day)
        for row in self.schedule:
            for offset in (-reminder_days, -1, 0, 1):
                moment = row.due_date + timedelta(days=offset)
                if moment >= tomorrow:
                    return moment if reset is None else min(moment, reset)
        return tomorrow if self.schedule else None

    def next_repricing(self, day: date) -> date | None:
        """The first LPR repricing date after ``day`` (None for a fixed rate) (下一重定价日)."""
        rate = self.terms.rate
        if not rate.floating or self.start is None or not self.schedule:
            return None
        for reset in repricing_dates(rate.repricing, self.start, self.schedule[-1].due_date):
            if reset > day:
                return reset
        return None

    def installment(self, number: int) -> Installment:
        for row in self.schedule:
            if row.number == number:
                return row
        raise KeyError(number)


__all__ = [
    "CATEGORIES",
    "AllocationPolicy",
    "Category",
    "Component",
    "Installment",
    "Loan",
    "LoanStatus",
    "Value",
]
