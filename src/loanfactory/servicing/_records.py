"""The stored records of servicing besides the loan: contracts, payment orders, collection work,
risk signals and warnings, and end-of-day runs.

Each is an :class:`~loanfactory.entity.Entity` (frozen, versioned). ``notes/entities-servicing.md``
lists their kinds, indexes and money fields for the SQL mapping; keep it in step with this file.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from loanfactory.entity import Entity
from loanfactory.money import Money
from loanfactory.ports import PaymentChannel, PaymentDirection, SignatureRecord
from loanfactory.servicing._loan import LoanStatus, Value
from loanfactory.spec import OverdueAction, Reamortisation


class ContractStatus(StrEnum):
    draft = "draft"  # rendered, awaiting signatures (待签署)
    signed = "signed"  # every party signed (已签署)
    void = "void"  # 作废


class Contract(Entity):
    """An e-contract (电子合同): rendered text, its SHA-256 and the signatures on it."""

    kind: ClassVar[str] = "contract"
    indexes: ClassVar[tuple[str, ...]] = ("loan_id", "customer_id", "status")

    loan_id: str
    customer_id: str
    product_code: str
    product_version: int = 1
    template: str
    language: str = "zh"
    body: str
    sha256: str
    clauses: tuple[str, ...] = ()
    translations: dict[str, str] = Field(
        default_factory=dict
    )  # language -> body of a non-binding translation
    required_signers: tuple[str, ...] = ("borrower", "lender")
    signatures: tuple[SignatureRecord, ...] = ()
    status: ContractStatus = ContractStatus.draft
    created_at: datetime


class OrderStatus(StrEnum):
    requested = "requested"  # written to the outbox (待发送)
    pending = "pending"  # sent; no final answer yet (处理中)
    succeeded = "succeeded"
    failed = "failed"


class Disbursement(Entity):
    """One payout of a loan (放款): the whole amount, or a tranche of a staged loan (分阶段放款)."""

    kind: ClassVar[str] = "disbursement"
    indexes: ClassVar[tuple[str, ...]] = ("loan_id", "status", "idempotency_key")
    audited: ClassVar[tuple[str, ...]] = (
        "loan_id",
        "tranche",
        "milestone",
        "amount",
        "status",
        "settled_on",
        "reference",
    )
    audited_sealed: ClassVar[tuple[str, ...]] = ("payee", "payee_account")

    loan_id: str
    tranche: int = 1
    milestone: str | None = None
    evidence: tuple[str, ...] = ()
    amount: Money
    payee: str
    payee_account: str
    payee_category: str | None = None
    status: OrderStatus = OrderStatus.requested
    idempotency_key: str
    requested_at: datetime
    settled_on: date | None = None
    reference: str | None = None
    reason: str | None = None


class CollectionPurpose(StrEnum):
    """Why money is collected from the borrower, or paid back (扣款用途)."""

    auto_debit = "auto-debit"  # what falls due, ordered by the end of day (自动扣款)
    repayment = "repayment"  # the borrower asked to repay (主动还款)
    prepayment = "prepayment"  # the borrower asked to prepay (提前还款)
    refund = "refund"  # held credit paid back (溢缴款退款)


class DebitOrder(Entity):
    """A collection order (扣款指令): money to collect from the borrower, and what was confirmed.

    Every credit to a loan has one: an auto-debit of a due date, a repayment or prepayment the
    borrower asked for, or money that reached the lender another way (a transfer, the counter)
    and was confirmed. The ledger is credited by ``collected``, the amount confirmed, when the
    order succeeds; ``entry_id`` is that posting. A refund is the same record paying out.
    """

    kind: ClassVar[str] = "debit_order"
    indexes: ClassVar[tuple[str, ...]] = ("loan_id", "status", "idempotency_key")
    audited: ClassVar[tuple[str, ...]] = (
        "loan_id",
        "amount",
        "direction",
        "purpose",
        "channel",
        "status",
        "collected",
        "settled_on",
        "reference",
        "entry_id",
    )

    loan_id: str
    amount: Money
    due_on: date
    direction: PaymentDirection = PaymentDirection.debit
    purpose: CollectionPurpose = CollectionPurpose.auto_debit
    channel: PaymentChannel = PaymentChannel.gateway
    principal: Money | None = None  # a prepayment's principal; None pays the loan off
    reamortisation: Reamortisation | None = None  # a partial prepayment's re-amortisation
    requested_by: str = "system"
    status: OrderStatus = OrderStatus.requested
    idempotency_key: str
    requested_at: datetime
    settled_on: date | None = None
    collected: Money = Decimal(0)
    reference: str | None = None
    entry_id: str | None = None
    reason: str | None = None


class ReversalResult(Value):
    """What a reversal did (冲正结果)."""

    loan_id: str
    reversed: tuple[str, ...]  # every posting reversed, the original first
    reposted: tuple[str, ...]  # later payments posted again
    penalty_adjustment: Decimal  # total change of penalty over the replayed days
    status: LoanStatus


class ManualKind(StrEnum):
    payment = "payment"  # money received outside the payment system (线下收款入账)
    reversal = "reversal"  # a credited payment taken back (冲正)


class ManualStatus(StrEnum):
    pending = "pending"  # waiting for a second operations user (待复核)
    posted = "posted"  # 已入账 / 已冲正
    rejected = "rejected"  # refused by the second user (已驳回)


class ManualPosting(Entity):
    """A posting made by hand by operations staff (手工入账/冲正): an offline payment or a reversal.

    The id follows from the kind, channel and external reference, so one reference is posted
    once. Above the configured amount a second operations user approves it (双人复核); ``maker``
    and ``checker`` are never the same person.
    """

    kind: ClassVar[str] = "manual_posting"
    indexes: ClassVar[tuple[str, ...]] = ("loan_id", "status")
    audited: ClassVar[tuple[str, ...]] = (
        "loan_id",
        "posting",
        "channel",
        "reference",
        "amount",
        "value_date",
        "entry_id",
        "maker",
        "checker",
        "status",
    )

    loan_id: str
    posting: ManualKind
    channel: PaymentChannel
    reference: str  # the bank's serial number, receipt or return notice (流水号/回单号)
    amount: Money
    value_date: date  # when the money arrived; for a reversal, the reversed posting's date
    entry_id: str | None = None  # the posting reversed (reversal); the credit posted (payment)
    reason: str = ""
    maker: str
    checker: str | None = None
    status: ManualStatus = ManualStatus.pending
    requested_at: datetime
    decided_at: datetime | None = None
    order_id: str | None = None  # the collection order of a payment, once posted
    reversal: ReversalResult | None = None  # what a reversal did, once posted


class TaskStatus(StrEnum):
    open = "open"
    done = "done"
    cancelled = "cancelled"


class CollectionTask(Entity):
    """Work ordered by an overdue tier (催收任务): staff collection, outsourcing, litigation ..."""

    kind: ClassVar[str] = "collection_task"
    indexes: ClassVar[tuple[str, ...]] = ("loan_id", "status", "action")

    loan_id: str
    action: OverdueAction
    tier: int  # index of the product's overdue tier
    opened_on: date
    days_past_due: int
    amount_overdue: Money
    assignee: str  # a staff role or an agency
    status: TaskStatus = TaskStatus.open
    closed_on: date | None = None
    outcome: str = ""


class PlannedPayment(Value):
    due_date: date
    amount: Money


class PlanStatus(StrEnum):
    active = "active"
    kept = "kept"  # every promised payment made (履约)
    broken = "broken"  # a promised payment missed (违约)
    cancelled = "cancelled"


class NegotiatedPlan(Entity):
    """A negotiated repayment plan (协商还款计划) agreed with an overdue borrower."""

    kind: ClassVar[str] = "negotiated_plan"
    indexes: ClassVar[tuple[str, ...]] = ("loan_id", "status")

    loan_id: str
    agreed_on: date
    payments: tuple[PlannedPayment, ...]
    waived_penalty: Money = Decimal(0)
    baseline_repaid: Money = Decimal(0)  # cash received before the plan; payments count above it
    status: PlanStatus = PlanStatus.active
    agreed_by: str = ""


class SignalKind(StrEnum):
    """Risk signals watched after disbursement (风险信号)."""

    bad_bureau_record = "bad-bureau-record"  # 征信新增不良
    fund_misuse = "fund-misuse"  # 资金挪用（流入证券、房地产等）
    collateral_value_drop = "collateral-value-drop"  # 押品价值下跌
    no_payment_after_due = "no-payment-after-due"  # 到期后未还款
    broken_promise = "broken-promise"  # 协商还款违约


class RiskSignal(Entity):
    """Something observed that raises a loan's risk (风险信号)."""

    kind: ClassVar[str] = "risk_signal"
    indexes: ClassVar[tuple[str, ...]] = ("loan_id", "signal", "customer_id")

    loan_id: str
    customer_id: str
    signal: SignalKind
    observed_on: date
    severity: str = "high"  # "low", "medium", "high"
    details: dict[str, str] = Field(default_factory=dict)


class WarningKind(StrEnum):
    due_reminder = "due-reminder"  # 到期提醒（提前 72 小时）
    risk = "risk"  # 风险预警
    early = "early-warning"  # 到期前风险预警（提前 72 小时，评分卡）
    overdue = "overdue"  # 逾期提醒


class RiskWarning(Entity):
    """A warning raised to staff and/or the customer (预警)."""

    kind: ClassVar[str] = "risk_warning"
    indexes: ClassVar[tuple[str, ...]] = ("loan_id", "warning", "raised_on")

    loan_id: str
    warning: WarningKind
    raised_on: date
    signal_id: str | None = None
    recipients: tuple[str, ...] = ()
    message: str = ""


class StepStatus(StrEnum):
    waiting = "waiting"
    running = "running"
    done = "done"


class EodStep(Value):
    """The tally of one step of an end-of-day run (日终步骤): loans it acted on, records it wrote."""

    name: str
    status: StepStatus = StepStatus.waiting
    loans: int = 0
    postings: int = 0


class RunStatus(StrEnum):
    running = "running"
    completed = "completed"


class EodRun(Entity):
    """One end-of-day run for a business date (日终批处理), with a checkpoint per step."""

    kind: ClassVar[str] = "eod_run"
    indexes: ClassVar[tuple[str, ...]] = ("business_date", "status")

    business_date: date
    status: RunStatus = RunStatus.running
    engine: str = "per-loan"
    steps: tuple[EodStep, ...]
    cursor: str = ""  # checkpoint: the last loan id through every step; loans go in id order
    agenda: int = 0  # loans on the run's agenda
    started_at: datetime
    finished_at: datetime | None = None
    attempts: int = 1
    totals: dict[str, str] = Field(
        default_factory=dict
    )  # figures of the run: "penalty": "123.45", "loans": "1000", ...
    parts: dict[str, str] = Field(
        default_factory=dict
    )  # checkpoints of a run in loan-id ranges (servicing._eod_range): range key -> last loan id done

    def step(self, name: str) -> EodStep:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    def with_step(self, step: EodStep) -> EodRun:
        return self.evolve(steps=tuple(step if s.name == step.name else s for s in self.steps))


class EodCalendar(Entity):
    """The last business date whose end of day completed (日终日历), one record with id ``eod``."""

    kind: ClassVar[str] = "eod_calendar"
    indexes: ClassVar[tuple[str, ...]] = ()

    last_completed: date | None = None
