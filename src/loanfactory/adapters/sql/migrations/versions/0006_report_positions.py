"""report positions (贷款头寸快照): one row per loan per position date

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import loanfactory.adapters.sql._types

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
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


def downgrade() -> None:
    op.drop_table("report_positions")
