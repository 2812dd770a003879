"""compliance archive records and legal holds (entities); credit reporting accounts, notices, runs

The former ``archive_items`` table (content inline, no blob store) is dropped; an upgrade refuses
to drop it while it holds rows, so nothing archived before is lost silently.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import loanfactory.adapters.sql._types

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "archive_record",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=True),
        sa.Column("application_id", sa.String(length=200), nullable=True),
        sa.Column("loan_id", sa.String(length=200), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_record")),
    )
    with op.batch_alter_table("archive_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_archive_record_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_archive_record_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_archive_record_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_archive_record_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_archive_record_subject"), ["subject"], unique=False)

    op.create_table(
        "credit_account",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_account")),
    )
    with op.batch_alter_table("credit_account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_account_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_account_status"), ["status"], unique=False)

    op.create_table(
        "credit_notice",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("loan_id", sa.String(length=200), nullable=False),
        sa.Column("delivered", sa.Boolean(), nullable=False),
        sa.Column("overdue", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_notice")),
    )
    with op.batch_alter_table("credit_notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_notice_delivered"), ["delivered"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_notice_loan_id"), ["loan_id"], unique=False)

    op.create_table(
        "credit_report_run",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("month", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_report_run")),
    )
    with op.batch_alter_table("credit_report_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_report_run_month"), ["month"], unique=False)

    op.create_table(
        "legal_hold",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_hold")),
    )
    with op.batch_alter_table("legal_hold", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_legal_hold_active"), ["active"], unique=False)
        batch_op.create_index(batch_op.f("ix_legal_hold_target"), ["target"], unique=False)

    kept = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM archive_items")).scalar()
    if kept:
        raise RuntimeError(
            f"archive_items holds {kept} record(s) of the former archive; "
            "move them into the new archive before upgrading"
        )
    with op.batch_alter_table("archive_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_archive_items_category"))
        batch_op.drop_index(batch_op.f("ix_archive_items_contract_id"))
        batch_op.drop_index(batch_op.f("ix_archive_items_customer_id"))
        batch_op.drop_index(batch_op.f("ix_archive_items_loan_id"))
        batch_op.drop_index(batch_op.f("ix_archive_items_retain_until"))

    op.drop_table("archive_items")


def downgrade() -> None:
    op.create_table(
        "archive_items",
        sa.Column("id", sa.VARCHAR(length=64), nullable=False),
        sa.Column("category", sa.VARCHAR(length=40), nullable=False),
        sa.Column("title", sa.VARCHAR(length=200), nullable=False),
        sa.Column("customer_id", sa.VARCHAR(length=64), nullable=True),
        sa.Column("contract_id", sa.VARCHAR(length=64), nullable=True),
        sa.Column("loan_id", sa.VARCHAR(length=64), nullable=True),
        sa.Column("stored_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("retain_until", sa.DATE(), nullable=True),
        sa.Column("loan_closed_on", sa.DATE(), nullable=True),
        sa.Column("sha256", sa.VARCHAR(length=64), nullable=False),
        sa.Column("content", sa.JSON(), nullable=True),
        sa.Column("purged_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=True),
        sa.Column("purged_by", sa.VARCHAR(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_items")),
    )
    with op.batch_alter_table("archive_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_archive_items_retain_until"), ["retain_until"], unique=False)
        batch_op.create_index(batch_op.f("ix_archive_items_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_archive_items_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_archive_items_contract_id"), ["contract_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_archive_items_category"), ["category"], unique=False)

    with op.batch_alter_table("legal_hold", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legal_hold_target"))
        batch_op.drop_index(batch_op.f("ix_legal_hold_active"))

    op.drop_table("legal_hold")
    with op.batch_alter_table("credit_report_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_report_run_month"))

    op.drop_table("credit_report_run")
    with op.batch_alter_table("credit_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_notice_loan_id"))
        batch_op.drop_index(batch_op.f("ix_credit_notice_delivered"))

    op.drop_table("credit_notice")
    with op.batch_alter_table("credit_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_account_status"))
        batch_op.drop_index(batch_op.f("ix_credit_account_customer_id"))

    op.drop_table("credit_account")
    with op.batch_alter_table("archive_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_archive_record_subject"))
        batch_op.drop_index(batch_op.f("ix_archive_record_loan_id"))
        batch_op.drop_index(batch_op.f("ix_archive_record_customer_id"))
        batch_op.drop_index(batch_op.f("ix_archive_record_category"))
        batch_op.drop_index(batch_op.f("ix_archive_record_application_id"))

    op.drop_table("archive_record")
