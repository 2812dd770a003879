"""report positions (贷款头寸快照): one row per loan per position date; reported loans' dimensions

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import loanfactory.adapters.sql._types

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MONEY = (
    "principal",
    "interest",
    "penalty",
    "fee",
    "overdue",
    "due_to_date",
    "paid_on_dues",
    "disbursed",
    "repaid",
    "written_off",
    "recovered",
    "provision",
)


def upgrade() -> None:
    op.create_table(
        "report_positions",
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("days_past_due", sa.Integer(), nullable=False),
        *(sa.Column(name, loanfactory.adapters.sql._types.ExactDecimal(), nullable=False) for name in _MONEY),
        sa.Column("previous_days_past_due", sa.Integer(), nullable=True),
        sa.Column("previous_category", sa.String(length=20), nullable=True),
        sa.Column("previous_principal", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.PrimaryKeyConstraint("as_of", "loan_id", name=op.f("pk_report_positions")),
    )

    op.create_table(
        "report_loans",
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("product", sa.String(length=200), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("start", sa.String(length=10), nullable=False),
        sa.Column("cohort", sa.String(length=7), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=True),
        sa.Column("rate", sa.BigInteger(), nullable=True),
        sa.Column("term_months", sa.Integer(), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("segment", sa.String(length=20), nullable=True),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.Column("grade", sa.String(length=20), nullable=True),
        sa.Column("channel", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("loan_id", name=op.f("pk_report_loans")),
    )


def downgrade() -> None:
    op.drop_table("report_loans")
    op.drop_table("report_positions")
