"""The fixed tables: ledger, outbox, inbox, audit chain, events, the product catalog and the books
of the general ledger (``gl_*``).

Typed SQLAlchemy 2 models on one :class:`Base`; entity tables (one per entity kind) are added to
the same metadata by :mod:`._mapping`, and alembic migrations follow this metadata (``alembic
check`` in the tests fails on any drift). Message rows keep the exact message as JSON in ``body``
and typed copies of the fields that are queried, summed or constrained.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from loanfactory.adapters.sql._types import ExactDecimal, UtcDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(64)
KEY = String(200)
AUTO_ID = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER keys only


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, datetime: UtcDateTime, date: Date}


class LedgerRow(Base):
    """One posting (分户账流水); append-only. (loan, sequence) is unique: two writers that both
    computed the same next sequence cannot both post."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        UniqueConstraint("loan_id", "sequence"),
        Index("ix_ledger_entries_type_business_date", "type", "business_date"),  # reports' flows by type
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    loan_id: Mapped[str] = mapped_column(ID, index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(40))
    business_date: Mapped[date] = mapped_column(index=True)
    posted_at: Mapped[datetime]
    amount: Mapped[Decimal] = mapped_column(ExactDecimal(2))
    principal: Mapped[Decimal] = mapped_column(ExactDecimal(2))
    interest: Mapped[Decimal] = mapped_column(ExactDecimal(2))
    penalty: Mapped[Decimal] = mapped_column(ExactDecimal(2))
    fee: Mapped[Decimal] = mapped_column(ExactDecimal(2))
    credit: Mapped[Decimal] = mapped_column(ExactDecimal(2))  # signed: money held for the borrower (溢缴款)
    reverses: Mapped[str | None] = mapped_column(ID)
    idempotency_key: Mapped[str | None] = mapped_column(KEY, unique=True)
    body: Mapped[dict[str, Any]]


class LoanStateRow(Base):
    """A loan's ledger folded through its last posting (账户状态), updated with every posting in
    the same transaction (:class:`~loanfactory.ports.LedgerState`); the balances are columns for
    set-based reads, the whole state is ``body``."""

    __tablename__ = "loan_states"

    loan_id: Mapped[str] = mapped_column(ID, primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer)
    last_date: Mapped[date | None]
    principal: Mapped[Decimal] = mapped_column(ExactDecimal(2))
    interest: Mapped[Decimal] = mapped_column(ExactDecimal(2))
    penalty: Mapped[Decimal] = mapped_column(ExactDecimal(2))
    fee: Mapped[Decimal] = mapped_column(ExactDecimal(2))
    credit: Mapped[Decimal] = mapped_column(ExactDecimal(2))
    body: Mapped[str] = mapped_column(Text)  # the state's JSON as pydantic writes it


class OutboxRow(Base):
    """A message waiting for (or done with) delivery; ``dedup_key`` is unique."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "delivered_at", "created_at", "id"),
        Index("ix_outbox_topic_pending", "topic", "delivered_at", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), index=True)
    dedup_key: Mapped[str] = mapped_column(KEY, unique=True)
    created_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer)
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    body: Mapped[dict[str, Any]]


class InboxRow(Base):
    """Dedup keys a receiver has already handled (the notifier side of at-least-once delivery)."""

    __tablename__ = "inbox"

    key: Mapped[str] = mapped_column(KEY, primary_key=True)
    receiver: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime]


class AuditRow(Base):
    """One link of the hash chain. ``at`` and the JSON columns keep the exact text that was hashed."""

    __tablename__ = "audit_log"

    sequence: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False
    )
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(200), index=True)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHeadRow(Base):
    """The newest link (one row): lets the verifier see deleted tail rows, and serialises appends."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sequence: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    hash: Mapped[str] = mapped_column(String(64))


class EventRow(Base):
    """Domain events in append order; a command's idempotency key is unique."""

    __tablename__ = "events"

    position: Mapped[int] = mapped_column(AUTO_ID, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(ID, unique=True)
    type: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(200), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    idempotency_key: Mapped[str | None] = mapped_column(KEY, unique=True)
    body: Mapped[dict[str, Any]]


class ProductVersionRow(Base):
    """A published product version (产品版本): its spec text never changes once stored."""

    __tablename__ = "product_versions"

    code: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[str] = mapped_column(String(40), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    spec: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))
    status_changed_at: Mapped[datetime]
    row_version: Mapped[int] = mapped_column(Integer)


class ProductStatusRow(Base):
    """Every status change of a product version: who, when, from, to, why."""

    __tablename__ = "product_status_history"
    __table_args__ = (
        ForeignKeyConstraint(["code", "version"], ["product_versions.code", "product_versions.version"]),
        Index("ix_product_status_history_code_version", "code", "version"),
    )

    id: Mapped[int] = mapped_column(AUTO_ID, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)


class GlDayRow(Base):
    """A closed business date of the books (日终结账)."""

    __tablename__ = "gl_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    closed_at: Mapped[datetime]
    journals: Mapped[int] = mapped_column(Integer)
    lines: Mapped[int] = mapped_column(Integer)
    previous: Mapped[date | None]
    digest: Mapped[str] = mapped_column(String(64))


class GlJournalRow(Base):
    """A journal's header (记账凭证); ``source`` is the ledger posting it was derived from."""

    __tablename__ = "gl_journals"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    accounting_date: Mapped[date] = mapped_column(index=True)
    value_date: Mapped[date]
    booked_at: Mapped[datetime]
    source: Mapped[str | None] = mapped_column(ID, unique=True)
    loan_id: Mapped[str] = mapped_column(ID, index=True)
    product: Mapped[str] = mapped_column(String(200))
    memo: Mapped[str] = mapped_column(Text)
    red: Mapped[bool] = mapped_column(Boolean)


class GlLineRow(Base):
    """A journal line (分录); a negative amount is red ink (红字)."""

    __tablename__ = "gl_lines"
    __table_args__ = (Index("ix_gl_lines_account_date", "account", "accounting_date"),)

    journal_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    line: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    accounting_date: Mapped[date] = mapped_column(index=True)
    account: Mapped[str] = mapped_column(String(40))
    side: Mapped[str] = mapped_column(String(6))
    amount: Mapped[Decimal] = mapped_column(ExactDecimal(2))
    product: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20))
    loan_id: Mapped[str] = mapped_column(ID, index=True)


class GlTurnoverRow(Base):
    """Debit and credit turnover of one closed day per account, product and class (日发生额)."""

    __tablename__ = "gl_turnover"

    day: Mapped[date] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(40), primary_key=True)
    product: Mapped[str] = mapped_column(String(200), primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    debit: Mapped[Decimal] = mapped_column(ExactDecimal(2))
    credit: Mapped[Decimal] = mapped_column(ExactDecimal(2))


class GlLoanRow(Base):
    """The books' state of one loan (会计分户); amounts in integer fen, dates as ordinals."""

    __tablename__ = "gl_loans"

    loan_id: Mapped[str] = mapped_column(ID, primary_key=True)
    product: Mapped[str] = mapped_column(String(200))
    category: Mapped[int] = mapped_column(Integer)
    basis: Mapped[int] = mapped_column(Integer)
    open: Mapped[bool] = mapped_column(Boolean, index=True)
    posted_seq: Mapped[int] = mapped_column(BigInteger)
    schedule_version: Mapped[int] = mapped_column(BigInteger)
    principal: Mapped[int] = mapped_column(BigInteger)
    interest: Mapped[int] = mapped_column(BigInteger)
    penalty: Mapped[int] = mapped_column(BigInteger)
    fee: Mapped[int] = mapped_column(BigInteger)
    credit: Mapped[int] = mapped_column(BigInteger)
    written_off: Mapped[int] = mapped_column(BigInteger)
    period_start: Mapped[int] = mapped_column(BigInteger)
    period_due: Mapped[int] = mapped_column(BigInteger)
    period_interest: Mapped[int] = mapped_column(BigInteger)


class GlPeriodRow(Base):
    """One installment's interest period of a loan, for the daily accrual (计息期)."""

    __tablename__ = "gl_periods"

    loan_id: Mapped[str] = mapped_column(ID, primary_key=True)
    due: Mapped[date] = mapped_column(primary_key=True)
    start: Mapped[date]
    interest: Mapped[int] = mapped_column(BigInteger)  # fen


class ReportPositionRow(Base):
    """A loan's position at the end of a date (贷款头寸快照), the rows of the reports' ``positions``
    source (:mod:`loanfactory.reporting`); a date's rows are replaced whole."""

    __tablename__ = "report_positions"

    as_of: Mapped[date] = mapped_column(primary_key=True)
    loan_id: Mapped[str] = mapped_column(ID, primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(20))
    days_past_due: Mapped[int] = mapped_column(Integer)
    principal: Mapped[Decimal] = mapped_column(ExactDecimal(2))
    interest: Mapped[Decimal] = mapped_column(ExactDecimal(2))
    penalty: Mapped[Decimal] = mapped_column(ExactDecimal(2))
    fee: Mapped[Decimal] = mapped_column(ExactDecimal(2))
    overdue: Mapped[Decimal] = mapped_column(ExactDecimal(2))
    due_to_date: Mapped[Decimal] = mapped_column(ExactDecimal(2))
    paid_on_dues: Mapped[Decimal] = mapped_column(ExactDecimal(2))
    disbursed: Mapped[Decimal] = mapped_column(ExactDecimal(2))
    repaid: Mapped[Decimal] = mapped_column(ExactDecimal(2))
    written_off: Mapped[Decimal] = mapped_column(ExactDecimal(2))
    recovered: Mapped[Decimal] = mapped_column(ExactDecimal(2))
    provision: Mapped[Decimal] = mapped_column(ExactDecimal(2))
    previous_days_past_due: Mapped[int | None] = mapped_column(Integer)
    previous_category: Mapped[str | None] = mapped_column(String(20))
    previous_principal: Mapped[Decimal] = mapped_column(ExactDecimal(2))


class ReportLoanRow(Base):
    """A reported loan's dimensions (报表贷款维度), read out of the JSON bodies of the loan, its
    customer, offer and application once, when a report first meets the loan; money in fen and the
    contract rate in millionths, as report queries aggregate them."""

    __tablename__ = "report_loans"

    loan_id: Mapped[str] = mapped_column(ID, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ID)
    product: Mapped[str] = mapped_column(String(200))
    amount: Mapped[int] = mapped_column(BigInteger)
    start: Mapped[str] = mapped_column(String(10))
    cohort: Mapped[str] = mapped_column(String(7))
    purpose: Mapped[str | None] = mapped_column(String(40))
    rate: Mapped[int | None] = mapped_column(BigInteger)
    term_months: Mapped[int | None] = mapped_column(Integer)
    region: Mapped[str | None] = mapped_column(String(100))
    segment: Mapped[str | None] = mapped_column(String(20))
    industry: Mapped[str | None] = mapped_column(String(100))
    grade: Mapped[str | None] = mapped_column(String(20))
    channel: Mapped[str | None] = mapped_column(String(40))


class ReportCustomerRow(Base):
    """A reported customer's fields (报表客户维度), read out of the customer's JSON body once per
    version of the customer (:mod:`loanfactory.adapters.sql._report_customers`); dates as ISO text."""

    __tablename__ = "report_customers"

    customer_id: Mapped[str] = mapped_column(ID, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str | None] = mapped_column(String(40))
    region: Mapped[str | None] = mapped_column(String(100))
    segment: Mapped[str | None] = mapped_column(String(20))
    industry: Mapped[str | None] = mapped_column(String(100))
    registered: Mapped[str | None] = mapped_column(String(10))
    verified: Mapped[str | None] = mapped_column(String(10))
    customer_status: Mapped[str | None] = mapped_column(String(20))


metadata = Base.metadata


def table_of(model: type[Base]) -> Table:
    """The Core table of a model (typed as a Table, which the ORM's ``__table__`` is)."""
    return cast(Table, model.__table__)
