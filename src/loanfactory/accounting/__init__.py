"""Double-entry accounting (会计核算): the general ledger of the loan book.

- a chart of accounts as data (:func:`load_chart`; a Chinese bank's loan book by default);
- posting rules as data (:func:`load_posting_rules`): event x component (x basis) -> debit and
  credit accounts, per product where it differs, checked against the loan ledger's meaning;
- :class:`GeneralLedger`: every ledger posting becomes its journal, interest accrues daily, loans
  past the non-accrual days stop accruing, principal moves with the five-category class, the
  allowance is re-measured by class — at each end of day (a registered day step) — and the books
  are read as a trial balance, balances by account and dimension, account ledgers and journals;
- :func:`reconcile`: the loan subledger against the control accounts (总分核对);
- :func:`write_detail`, :func:`write_summary`, :func:`write_trial_balance`: CSV for the bank's
  general ledger system.

See ``docs/accounting.md``.
"""

from __future__ import annotations

from loanfactory.accounting._accrual import accrual_periods, accrued, accrued_on, current_period
from loanfactory.accounting._chart import Account, AccountType, Chart, Side, load_chart, read_chart
from loanfactory.accounting._export import write_detail, write_summary, write_trial_balance
from loanfactory.accounting._journal import AccountingError, Journal, JournalKind, JournalLine
from loanfactory.accounting._ledger import GeneralLedger, journals_of
from loanfactory.accounting._reconcile import Difference, reconcile, subledger
from loanfactory.accounting._rulecheck import control_changes
from loanfactory.accounting._rulefile import load_posting_rules, read_posting_rules
from loanfactory.accounting._rules import (
    BASES,
    DIRECTION,
    ROLES,
    Basis,
    PostingRole,
    PostingRules,
    Rulebook,
)
from loanfactory.accounting._store import (
    COLUMNS,
    STATUSES,
    AccrualPeriod,
    BookStore,
    DayClose,
    LoanBooks,
    LoanRows,
    PostedLine,
    Posting,
    Turnover,
    books_in,
)
from loanfactory.accounting._trial import AccountBalance, LedgerLine, TrialBalance, TrialBalanceRow

__all__ = [  # noqa: RUF022 - plain sorted order, as tests/test_architecture.py checks
    "Account",
    "AccountBalance",
    "AccountType",
    "AccountingError",
    "AccrualPeriod",
    "BASES",
    "Basis",
    "BookStore",
    "COLUMNS",
    "Chart",
    "DIRECTION",
    "DayClose",
    "Difference",
    "GeneralLedger",
    "Journal",
    "JournalKind",
    "JournalLine",
    "LedgerLine",
    "LoanBooks",
    "LoanRows",
    "PostedLine",
    "Posting",
    "PostingRole",
    "PostingRules",
    "ROLES",
    "Rulebook",
    "STATUSES",
    "Side",
    "TrialBalance",
    "TrialBalanceRow",
    "Turnover",
    "accrual_periods",
    "accrued",
    "accrued_on",
    "books_in",
    "control_changes",
    "current_period",
    "journals_of",
    "load_chart",
    "load_posting_rules",
    "read_chart",
    "read_posting_rules",
    "reconcile",
    "subledger",
    "write_detail",
    "write_summary",
    "write_trial_balance",
]
