"""servicing entities

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import loanfactory.adapters.sql._types

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "collection_task",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("loan_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("amount_overdue", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_task")),
    )
    with op.batch_alter_table("collection_task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_collection_task_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_collection_task_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_collection_task_status"), ["status"], unique=False)

    op.create_table(
        "contract",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("loan_id", sa.String(length=200), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract")),
    )
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contract_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contract_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contract_status"), ["status"], unique=False)

    op.create_table(
        "debit_order",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("loan_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("amount", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.Column("collected", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_debit_order")),
    )
    with op.batch_alter_table("debit_order", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_debit_order_idempotency_key"), ["idempotency_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_debit_order_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_debit_order_status"), ["status"], unique=False)

    op.create_table(
        "disbursement",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("loan_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("amount", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disbursement")),
    )
    with op.batch_alter_table("disbursement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_disbursement_idempotency_key"), ["idempotency_key"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_disbursement_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_disbursement_status"), ["status"], unique=False)

    op.create_table(
        "eod_calendar",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eod_calendar")),
    )
    op.create_table(
        "eod_run",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eod_run")),
    )
    with op.batch_alter_table("eod_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_eod_run_business_date"), ["business_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_eod_run_status"), ["status"], unique=False)

    op.create_table(
        "loan",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("product_code", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("credit_line_id", sa.String(length=200), nullable=True),
        sa.Column("attention_on", sa.Date(), nullable=True),
        sa.Column("amount", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan")),
    )
    with op.batch_alter_table("loan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loan_attention_on"), ["attention_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_loan_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_loan_credit_line_id"), ["credit_line_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_loan_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_loan_product_code"), ["product_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_loan_status"), ["status"], unique=False)

    op.create_table(
        "negotiated_plan",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("loan_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("waived_penalty", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_negotiated_plan")),
    )
    with op.batch_alter_table("negotiated_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_negotiated_plan_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_negotiated_plan_status"), ["status"], unique=False)

    op.create_table(
        "risk_signal",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("loan_id", sa.String(length=200), nullable=False),
        sa.Column("signal", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_signal")),
    )
    with op.batch_alter_table("risk_signal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_signal_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_signal_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_signal_signal"), ["signal"], unique=False)

    op.create_table(
        "risk_warning",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("loan_id", sa.String(length=200), nullable=False),
        sa.Column("warning", sa.String(length=40), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_warning")),
    )
    with op.batch_alter_table("risk_warning", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_warning_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_warning_raised_on"), ["raised_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_warning_warning"), ["warning"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("risk_warning", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_warning_warning"))
        batch_op.drop_index(batch_op.f("ix_risk_warning_raised_on"))
        batch_op.drop_index(batch_op.f("ix_risk_warning_loan_id"))

    op.drop_table("risk_warning")
    with op.batch_alter_table("risk_signal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_signal_signal"))
        batch_op.drop_index(batch_op.f("ix_risk_signal_loan_id"))
        batch_op.drop_index(batch_op.f("ix_risk_signal_customer_id"))

    op.drop_table("risk_signal")
    with op.batch_alter_table("negotiated_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_negotiated_plan_status"))
        batch_op.drop_index(batch_op.f("ix_negotiated_plan_loan_id"))

    op.drop_table("negotiated_plan")
    with op.batch_alter_table("loan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loan_status"))
        batch_op.drop_index(batch_op.f("ix_loan_product_code"))
        batch_op.drop_index(batch_op.f("ix_loan_customer_id"))
        batch_op.drop_index(batch_op.f("ix_loan_credit_line_id"))
        batch_op.drop_index(batch_op.f("ix_loan_category"))
        batch_op.drop_index(batch_op.f("ix_loan_attention_on"))

    op.drop_table("loan")
    with op.batch_alter_table("eod_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_eod_run_status"))
        batch_op.drop_index(batch_op.f("ix_eod_run_business_date"))

    op.drop_table("eod_run")
    op.drop_table("eod_calendar")
    with op.batch_alter_table("disbursement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disbursement_status"))
        batch_op.drop_index(batch_op.f("ix_disbursement_loan_id"))
        batch_op.drop_index(batch_op.f("ix_disbursement_idempotency_key"))

    op.drop_table("disbursement")
    with op.batch_alter_table("debit_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_debit_order_status"))
        batch_op.drop_index(batch_op.f("ix_debit_order_loan_id"))
        batch_op.drop_index(batch_op.f("ix_debit_order_idempotency_key"))

    op.drop_table("debit_order")
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_status"))
        batch_op.drop_index(batch_op.f("ix_contract_loan_id"))
        batch_op.drop_index(batch_op.f("ix_contract_customer_id"))

    op.drop_table("contract")
    with op.batch_alter_table("collection_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collection_task_status"))
        batch_op.drop_index(batch_op.f("ix_collection_task_loan_id"))
        batch_op.drop_index(batch_op.f("ix_collection_task_action"))

    op.drop_table("collection_task")
