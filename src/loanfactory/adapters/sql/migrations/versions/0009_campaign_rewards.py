"""campaign rewards (现金奖励): red packets and referral rewards on a campaign's budget

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import loanfactory.adapters.sql._types

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaign_reward",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("campaign_id", sa.String(length=200), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("person", sa.String(length=200), nullable=False),
        sa.Column("device", sa.String(length=200), nullable=False),
        sa.Column("amount", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_reward")),
    )
    with op.batch_alter_table("campaign_reward", schema=None) as batch_op:
        for column in ("campaign_id", "customer_id", "device", "person", "status"):
            batch_op.create_index(batch_op.f(f"ix_campaign_reward_{column}"), [column], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("campaign_reward", schema=None) as batch_op:
        for column in ("status", "person", "device", "customer_id", "campaign_id"):
            batch_op.drop_index(batch_op.f(f"ix_campaign_reward_{column}"))

    op.drop_table("campaign_reward")
