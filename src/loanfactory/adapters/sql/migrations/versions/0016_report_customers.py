"""reported customers (报表客户维度): each customer's report fields, kept per customer version;
ledger postings by type and business date (a report's flows of one type read only those)

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_customers",
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("segment", sa.String(length=20), nullable=True),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.Column("registered", sa.String(length=10), nullable=True),
        sa.Column("verified", sa.String(length=10), nullable=True),
        sa.Column("customer_status", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_report_customers")),
    )
    op.create_index("ix_ledger_entries_type_business_date", "ledger_entries", ["type", "business_date"])


def downgrade() -> None:
    op.drop_index("ix_ledger_entries_type_business_date", table_name="ledger_entries")
    op.drop_table("report_customers")
