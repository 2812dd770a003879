"""payout accounts (放款账户): verified own accounts and entrusted-payment payees

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


def upgrade() -> None:
    op.create_table(
        "payout_account",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("owner", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_account")),
    )
    with op.batch_alter_table("payout_account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payout_account_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payout_account_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_payout_account_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("payout_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payout_account_status"))
        batch_op.drop_index(batch_op.f("ix_payout_account_owner"))
        batch_op.drop_index(batch_op.f("ix_payout_account_customer_id"))

    op.drop_table("payout_account")
