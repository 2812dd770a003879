"""Servicing and post-loan management (贷后管理): contract → disbursement → ledger → repayment →
overdue → end of day.

Pure core: every effect goes through the ports of :mod:`loanfactory.ports` (store, ledger, outbox,
audit log, payment gateway, signature provider); :mod:`loanfactory.testing` has simulated ones.
See ``docs/servicing.md`` (developers) and ``docs/servicing-zh.md`` (operations and risk staff).
"""

from __future__ import annotations

from loanfactory.servicing._allocation import Allocation, allocate, waterfall
from loanfactory.servicing._collateral import Disposals
from loanfactory.servicing._collateral_record import (
    CollateralRegister,
    Disposal,
    DisposalStatus,
    DisposalStep,
    SaleMethod,
    Surplus,
)
from loanfactory.servicing._contract import (
    BASE_CLAUSES,
    ContractRenderer,
    LoanRequest,
    RenderedContract,
    required_clauses,
    rmb_upper,
)
from loanfactory.servicing._core import CreditLines, LprSource, ServicingConfig
from loanfactory.servicing._early_warning import EarlyWarning, UpcomingRisk, late_rows
from loanfactory.servicing._eod import STEPS, DayStep
from loanfactory.servicing._eod_range import LoanRange, split_agenda
from loanfactory.servicing._four_eyes import Operator
from loanfactory.servicing._history import LoanBook
from loanfactory.servicing._ledger import LedgerIdentityError, Postings
from loanfactory.servicing._ledger_audit import MONEY_RECORDS, AuditReport, Finding, LedgerAudit, verify_books
from loanfactory.servicing._loan import (
    CATEGORIES,
    AllocationPolicy,
    Category,
    Component,
    Installment,
    Loan,
    LoanStatus,
)
from loanfactory.servicing._manual import manual_id
from loanfactory.servicing._monitor import DEFAULT_SIGNALS, RulesWarningMonitor
from loanfactory.servicing._overdue import (
    DEFAULT_RULES,
    Assessment,
    ClassificationRules,
    LoanDay,
    Override,
    assess,
    daily_penalty,
    loan_day,
    penalty_of,
    tier_index,
)
from loanfactory.servicing._position import (
    CASH_IN,
    PENALTY_KEY,
    Due,
    EntryType,
    Position,
    expected_change,
    fold,
    owed_change,
)
from loanfactory.servicing._prepayment import PayoffQuote
from loanfactory.servicing._records import (
    CollectionPurpose,
    CollectionTask,
    Contract,
    ContractStatus,
    DebitOrder,
    Disbursement,
    EodCalendar,
    EodRun,
    EodStep,
    ManualKind,
    ManualPosting,
    ManualStatus,
    NegotiatedPlan,
    OrderStatus,
    PlannedPayment,
    PlanStatus,
    ReversalResult,
    RiskSignal,
    RiskWarning,
    RunStatus,
    SignalKind,
    StepStatus,
    TaskStatus,
    WarningKind,
)
from loanfactory.servicing._relief import (
    HolidayInterest,
    HolidayTerm,
    Relief,
    ReliefKind,
    ReliefStatus,
    ReliefTerms,
)
from loanfactory.servicing._repayment import RepaymentResult
from loanfactory.servicing._service import Servicing
from loanfactory.servicing._state import advance_state, replay, replay_book
from loanfactory.servicing._state_check import StateDifference, StateReport, verify_states
from loanfactory.servicing._statement import InstallmentState, InstallmentStatus
from loanfactory.servicing._vectorised import (
    NONE,
    RATE_SCALE,
    Book,
    BookAssessment,
    assess_book,
    book_of,
    provision_fen,
)
from loanfactory.servicing._warnings import DueDateMonitor, WarningMonitor, is_bad, misuse

ENTITIES = (
    Loan,
    Contract,
    Disbursement,
    DebitOrder,
    ManualPosting,
    CollectionTask,
    NegotiatedPlan,
    RiskSignal,
    RiskWarning,
    EodRun,
    Relief,
)
"""Every entity kind servicing stores (for store mappings and round-trip tests)."""

__all__ = [  # noqa: RUF022 - plain sorted order, as tests/test_architecture.py checks
    "Allocation",
    "AllocationPolicy",
    "Assessment",
    "AuditReport",
    "BASE_CLAUSES",
    "Book",
    "BookAssessment",
    "CASH_IN",
    "CATEGORIES",
    "Category",
    "ClassificationRules",
    "CollateralRegister",
    "CollectionPurpose",
    "CollectionTask",
    "Component",
    "Contract",
    "ContractRenderer",
    "ContractStatus",
    "CreditLines",
    "DEFAULT_RULES",
    "DEFAULT_SIGNALS",
    "DayStep",
    "DebitOrder",
    "Disbursement",
    "Disposal",
    "DisposalStatus",
    "DisposalStep",
    "Disposals",
    "Due",
    "DueDateMonitor",
    "ENTITIES",
    "EarlyWarning",
    "EntryType",
    "EodCalendar",
    "EodRun",
    "EodStep",
    "Finding",
    "HolidayInterest",
    "HolidayTerm",
    "Installment",
    "InstallmentState",
    "InstallmentStatus",
    "LedgerAudit",
    "LedgerIdentityError",
    "Loan",
    "LoanBook",
    "LoanDay",
    "LoanRange",
    "LoanRequest",
    "LoanStatus",
    "LprSource",
    "MONEY_RECORDS",
    "ManualKind",
    "ManualPosting",
    "ManualStatus",
    "NONE",
    "NegotiatedPlan",
    "Operator",
    "OrderStatus",
    "Override",
    "PENALTY_KEY",
    "PayoffQuote",
    "PlanStatus",
    "PlannedPayment",
    "Position",
    "Postings",
    "RATE_SCALE",
    "Relief",
    "ReliefKind",
    "ReliefStatus",
    "ReliefTerms",
    "RenderedContract",
    "RepaymentResult",
    "ReversalResult",
    "RiskSignal",
    "RiskWarning",
    "RulesWarningMonitor",
    "RunStatus",
    "STEPS",
    "SaleMethod",
    "Servicing",
    "ServicingConfig",
    "SignalKind",
    "StateDifference",
    "StateReport",
    "StepStatus",
    "Surplus",
    "TaskStatus",
    "UpcomingRisk",
    "WarningKind",
    "WarningMonitor",
    "advance_state",
    "allocate",
    "assess",
    "assess_book",
    "book_of",
    "daily_penalty",
    "expected_change",
    "fold",
    "is_bad",
    "late_rows",
    "loan_day",
    "manual_id",
    "misuse",
    "owed_change",
    "penalty_of",
    "provision_fen",
    "replay",
    "replay_book",
    "required_clauses",
    "rmb_upper",
    "split_agenda",
    "tier_index",
    "verify_books",
    "verify_states",
    "waterfall",
]
