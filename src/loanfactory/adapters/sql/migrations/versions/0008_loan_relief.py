"""loan relief (展期、重组、延期还款): adjustment requests and their four-eyes decisions

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import loanfactory.adapters.sql._types

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "loan_relief",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("loan_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("principal", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_relief")),
    )
    with op.batch_alter_table("loan_relief", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loan_relief_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_loan_relief_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("loan_relief", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loan_relief_status"))
        batch_op.drop_index(batch_op.f("ix_loan_relief_loan_id"))

    op.drop_table("loan_relief")
