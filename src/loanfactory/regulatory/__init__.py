"""Regulatory reporting: PBOC credit reporting (征信报送) of lending accounts.

Records of the credit reference centre's second-generation interface (个人借贷账户信息记录 210,
企业借贷账户信息记录 410, corrections 212 and deletions 213/214) built from each loan's terms and
ledger, a validator with located problems, monthly files with a reconciliation against the ledger,
the consent and pre-notice rules, and corrections that never rewrite what was reported. The format
and code tables are data (``loanfactory/regulatory/data``). See ``docs/regulatory-zh.md``.
"""

from __future__ import annotations

from loanfactory.regulatory._build import (
    Classification,
    RecordBuilder,
    ReportAccount,
    Special,
    Subject,
    month_bounds,
)
from loanfactory.regulatory._entities import AdverseNotice, CreditAccount, ManualSpecial, ReportingRun
from loanfactory.regulatory._figures import Figures, LoanHistory
from loanfactory.regulatory._files import ReportFile, file_name, header, read, render
from loanfactory.regulatory._format import (
    CodeTables,
    FieldFormat,
    RecordFormat,
    ReportingSpec,
    SegmentFormat,
    Settings,
    load_spec,
)
from loanfactory.regulatory._notices import notice_allows, notice_id, threshold
from loanfactory.regulatory._reconcile import LedgerFigure, reconcile_files, text
from loanfactory.regulatory._record import CreditRecord, RecordSegment, amount_text, parse_line
from loanfactory.regulatory._service import CONSENT_CLAUSE, CreditReporting, MonthReport
from loanfactory.regulatory._validate import validate

ENTITIES = (CreditAccount, AdverseNotice, ReportingRun)
"""The entity kinds credit reporting stores (for store mappings)."""

__all__ = [  # noqa: RUF022 - plain sorted order, as tests/test_architecture.py checks
    "AdverseNotice",
    "CONSENT_CLAUSE",
    "Classification",
    "CodeTables",
    "CreditAccount",
    "CreditRecord",
    "CreditReporting",
    "ENTITIES",
    "FieldFormat",
    "Figures",
    "LedgerFigure",
    "LoanHistory",
    "ManualSpecial",
    "MonthReport",
    "RecordBuilder",
    "RecordFormat",
    "RecordSegment",
    "ReportAccount",
    "ReportFile",
    "ReportingRun",
    "ReportingSpec",
    "SegmentFormat",
    "Settings",
    "Special",
    "Subject",
    "amount_text",
    "file_name",
    "header",
    "load_spec",
    "month_bounds",
    "notice_allows",
    "notice_id",
    "parse_line",
    "read",
    "reconcile_files",
    "render",
    "text",
    "threshold",
    "validate",
]
