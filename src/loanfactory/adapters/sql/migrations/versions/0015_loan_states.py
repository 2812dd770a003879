"""loan states: each loan's ledger folded through its last posting, kept with every posting

Existing books get their states from ``loanfactory db rebuild-state`` (one replay of every
ledger); until then a loan without a state row is read from its ledger, and its first new
posting builds the row.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import loanfactory.adapters.sql._types

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MONEY = ("principal", "interest", "penalty", "fee", "credit")


def upgrade() -> None:
    op.create_table(
        "loan_states",
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=True),
        *(sa.Column(name, loanfactory.adapters.sql._types.ExactDecimal(), nullable=False) for name in _MONEY),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("loan_id", name=op.f("pk_loan_states")),
    )


def downgrade() -> None:
    op.drop_table("loan_states")
