"""collateral disposal (抵押物处置): requests, appraisal, four-eyes approval, sale, proceeds

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import loanfactory.adapters.sql._types

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = ("loan_id", "status")


def upgrade() -> None:
    op.create_table(
        "collateral_disposal",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("loan_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("proceeds", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collateral_disposal")),
    )
    with op.batch_alter_table("collateral_disposal", schema=None) as batch_op:
        for name in INDEXES:
            batch_op.create_index(batch_op.f(f"ix_collateral_disposal_{name}"), [name], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("collateral_disposal", schema=None) as batch_op:
        for name in reversed(INDEXES):
            batch_op.drop_index(batch_op.f(f"ix_collateral_disposal_{name}"))
    op.drop_table("collateral_disposal")
