"""general ledger (总账): closed days, journals and lines, day turnover, the books' state of each loan
and its accrual periods; days past due and the schedule version as columns of the loans (backfilled)

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import loanfactory.adapters.sql._types

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gl_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("closed_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("journals", sa.Integer(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("previous", sa.Date(), nullable=True),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_gl_days")),
    )
    op.create_table(
        "gl_journals",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("accounting_date", sa.Date(), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=False),
        sa.Column("booked_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("product", sa.String(length=200), nullable=False),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("red", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gl_journals")),
        sa.UniqueConstraint("source", name=op.f("uq_gl_journals_source")),
    )
    with op.batch_alter_table("gl_journals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gl_journals_accounting_date"), ["accounting_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_gl_journals_loan_id"), ["loan_id"], unique=False)

    op.create_table(
        "gl_lines",
        sa.Column("journal_id", sa.String(length=200), nullable=False),
        sa.Column("line", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("accounting_date", sa.Date(), nullable=False),
        sa.Column("account", sa.String(length=40), nullable=False),
        sa.Column("side", sa.String(length=6), nullable=False),
        sa.Column("amount", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.Column("product", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("journal_id", "line", name=op.f("pk_gl_lines")),
    )
    with op.batch_alter_table("gl_lines", schema=None) as batch_op:
        batch_op.create_index("ix_gl_lines_account_date", ["account", "accounting_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_gl_lines_accounting_date"), ["accounting_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_gl_lines_loan_id"), ["loan_id"], unique=False)

    op.create_table(
        "gl_loans",
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("product", sa.String(length=200), nullable=False),
        sa.Column("category", sa.Integer(), nullable=False),
        sa.Column("basis", sa.Integer(), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("posted_seq", sa.BigInteger(), nullable=False),
        sa.Column("schedule_version", sa.BigInteger(), nullable=False),
        sa.Column("principal", sa.BigInteger(), nullable=False),
        sa.Column("interest", sa.BigInteger(), nullable=False),
        sa.Column("penalty", sa.BigInteger(), nullable=False),
        sa.Column("fee", sa.BigInteger(), nullable=False),
        sa.Column("credit", sa.BigInteger(), nullable=False),
        sa.Column("written_off", sa.BigInteger(), nullable=False),
        sa.Column("period_start", sa.BigInteger(), nullable=False),
        sa.Column("period_due", sa.BigInteger(), nullable=False),
        sa.Column("period_interest", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("loan_id", name=op.f("pk_gl_loans")),
    )
    with op.batch_alter_table("gl_loans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gl_loans_open"), ["open"], unique=False)

    op.create_table(
        "gl_periods",
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("interest", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("loan_id", "due", name=op.f("pk_gl_periods")),
    )
    op.create_table(
        "gl_turnover",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("account", sa.String(length=40), nullable=False),
        sa.Column("product", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("debit", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.Column("credit", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.PrimaryKeyConstraint("day", "account", "product", "category", name=op.f("pk_gl_turnover")),
    )
    with op.batch_alter_table("loan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("days_past_due", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("schedule_version", sa.BigInteger(), nullable=False, server_default="0")
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE loan SET days_past_due = COALESCE((body->>'days_past_due')::bigint, 0), "
            "schedule_version = COALESCE((body->>'schedule_version')::bigint, 0)"
        )
    else:
        op.execute(
            "UPDATE loan SET days_past_due = COALESCE(json_extract(body, '$.days_past_due'), 0), "
            "schedule_version = COALESCE(json_extract(body, '$.schedule_version'), 0)"
        )
    with op.batch_alter_table("loan", schema=None) as batch_op:
        batch_op.create_index(
            "ix_loan_books",
            ["status", "id", "product_code", "category", "days_past_due", "schedule_version"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("loan", schema=None) as batch_op:
        batch_op.drop_index("ix_loan_books")
        batch_op.drop_column("schedule_version")
        batch_op.drop_column("days_past_due")

    op.drop_table("gl_turnover")
    op.drop_table("gl_periods")
    with op.batch_alter_table("gl_loans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gl_loans_open"))

    op.drop_table("gl_loans")
    with op.batch_alter_table("gl_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gl_lines_loan_id"))
        batch_op.drop_index(batch_op.f("ix_gl_lines_accounting_date"))
        batch_op.drop_index("ix_gl_lines_account_date")

    op.drop_table("gl_lines")
    with op.batch_alter_table("gl_journals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gl_journals_loan_id"))
        batch_op.drop_index(batch_op.f("ix_gl_journals_accounting_date"))

    op.drop_table("gl_journals")
    op.drop_table("gl_days")
