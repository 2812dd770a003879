"""infrastructure: ledger, outbox, inbox, audit, events, archive, catalog

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import loanfactory.adapters.sql._types

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "archive_items",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=True),
        sa.Column("contract_id", sa.String(length=64), nullable=True),
        sa.Column("loan_id", sa.String(length=64), nullable=True),
        sa.Column("stored_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("retain_until", sa.Date(), nullable=True),
        sa.Column("loan_closed_on", sa.Date(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.JSON(), nullable=True),
        sa.Column("purged_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=True),
        sa.Column("purged_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_items")),
    )
    with op.batch_alter_table("archive_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_archive_items_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_archive_items_contract_id"), ["contract_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_archive_items_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_archive_items_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_archive_items_retain_until"), ["retain_until"], unique=False)

    audit_head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sequence", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    # the empty chain: sequence 0 and the genesis hash (appends lock and move this one row)
    op.bulk_insert(audit_head, [{"id": 1, "sequence": 0, "hash": "0" * 64}])
    op.create_table(
        "audit_log",
        sa.Column(
            "sequence",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("previous_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("sequence", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_log_hash")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_subject"), ["subject"], unique=False)

    op.create_table(
        "events",
        sa.Column(
            "position",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_events")),
        sa.UniqueConstraint("id", name=op.f("uq_events_id")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_events_idempotency_key")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_subject"), ["subject"], unique=False)

    op.create_table(
        "inbox",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("receiver", sa.String(length=100), nullable=False),
        sa.Column("received_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_inbox")),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("posted_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("amount", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.Column("principal", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.Column("interest", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.Column("penalty", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.Column("fee", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.Column("credit", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.Column("reverses", sa.String(length=64), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_ledger_entries_idempotency_key")),
        sa.UniqueConstraint("loan_id", "sequence", name=op.f("uq_ledger_entries_loan_id_sequence")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_entries_business_date"), ["business_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_entries_loan_id"), ["loan_id"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("dedup_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("delivered_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_outbox_dedup_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_pending", ["delivered_at", "created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_topic"), ["topic"], unique=False)

    op.create_table(
        "product_versions",
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("status_changed_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", "version", name=op.f("pk_product_versions")),
    )
    with op.batch_alter_table("product_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_versions_status"), ["status"], unique=False)

    op.create_table(
        "product_status_history",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["code", "version"],
            ["product_versions.code", "product_versions.version"],
            name=op.f("fk_product_status_history_code_version_product_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_status_history")),
    )
    with op.batch_alter_table("product_status_history", schema=None) as batch_op:
        batch_op.create_index("ix_product_status_history_code_version", ["code", "version"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("product_status_history", schema=None) as batch_op:
        batch_op.drop_index("ix_product_status_history_code_version")

    op.drop_table("product_status_history")
    with op.batch_alter_table("product_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_versions_status"))

    op.drop_table("product_versions")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_topic"))
        batch_op.drop_index("ix_outbox_pending")

    op.drop_table("outbox")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entries_loan_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_entries_business_date"))

    op.drop_table("ledger_entries")
    op.drop_table("inbox")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_subject"))

    op.drop_table("events")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_subject"))

    op.drop_table("audit_log")
    op.drop_table("audit_head")
    with op.batch_alter_table("archive_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_archive_items_retain_until"))
        batch_op.drop_index(batch_op.f("ix_archive_items_loan_id"))
        batch_op.drop_index(batch_op.f("ix_archive_items_customer_id"))
        batch_op.drop_index(batch_op.f("ix_archive_items_contract_id"))
        batch_op.drop_index(batch_op.f("ix_archive_items_category"))

    op.drop_table("archive_items")
