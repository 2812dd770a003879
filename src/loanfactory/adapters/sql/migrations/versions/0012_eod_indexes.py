"""end-of-day indexes: the agenda, a loan's open tasks and plans, pending outbox by topic

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = (
    ("loan", "ix_loan_attention_on_status", ["attention_on", "status"]),
    ("collection_task", "ix_collection_task_loan_id_status", ["loan_id", "status"]),
    ("negotiated_plan", "ix_negotiated_plan_loan_id_status", ["loan_id", "status"]),
    ("outbox", "ix_outbox_topic_pending", ["topic", "delivered_at", "created_at", "id"]),
)


def upgrade() -> None:
    for table, name, columns in _INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    for table, name, _ in reversed(_INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
