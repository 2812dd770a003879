"""origination entities

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import loanfactory.adapters.sql._types

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "application",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("product_code", sa.String(length=200), nullable=False),
        sa.Column("amount", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application")),
    )
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_application_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_application_product_code"), ["product_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_application_status"), ["status"], unique=False)

    op.create_table(
        "campaign",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("code", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("budget", loanfactory.adapters.sql._types.ExactDecimal(), nullable=True),
        sa.Column("reserved", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.Column("spent", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
    )
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_code"), ["code"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaign_status"), ["status"], unique=False)

    op.create_table(
        "collateral",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collateral")),
    )
    with op.batch_alter_table("collateral", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_collateral_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_collateral_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_collateral_type"), ["type"], unique=False)

    op.create_table(
        "coupon",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("campaign_id", sa.String(length=200), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("subsidy", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupon")),
    )
    with op.batch_alter_table("coupon", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coupon_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_coupon_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_coupon_status"), ["status"], unique=False)

    op.create_table(
        "credit_line",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=True),
        sa.Column("group_id", sa.String(length=200), nullable=True),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("total", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.Column("occupied", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.Column("frozen", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_line")),
    )
    with op.batch_alter_table("credit_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_line_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_line_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_line_scope"), ["scope"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_line_status"), ["status"], unique=False)

    op.create_table(
        "customer",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("identity_hash", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("group_id", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer")),
    )
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_identity_hash"), ["identity_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_type"), ["type"], unique=False)

    op.create_table(
        "customer_group",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_group")),
    )
    with op.batch_alter_table("customer_group", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_group_name"), ["name"], unique=False)

    op.create_table(
        "decision_record",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("application_id", sa.String(length=200), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_record")),
    )
    with op.batch_alter_table("decision_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decision_record_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_decision_record_outcome"), ["outcome"], unique=False)
        batch_op.create_index(batch_op.f("ix_decision_record_step"), ["step"], unique=False)

    op.create_table(
        "line_occupation",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("line_id", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("amount", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.Column("released", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_line_occupation")),
    )
    with op.batch_alter_table("line_occupation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_line_occupation_line_id"), ["line_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_line_occupation_reference"), ["reference"], unique=False)
        batch_op.create_index(batch_op.f("ix_line_occupation_status"), ["status"], unique=False)

    op.create_table(
        "offer",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("application_id", sa.String(length=200), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("product_code", sa.String(length=200), nullable=False),
        sa.Column("amount", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.Column("limit", loanfactory.adapters.sql._types.ExactDecimal(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer")),
    )
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offer_application_id"), ["application_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_offer_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_offer_product_code"), ["product_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_offer_status"), ["status"], unique=False)

    op.create_table(
        "review_task",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", loanfactory.adapters.sql._types.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("application_id", sa.String(length=200), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("assignee", sa.String(length=200), nullable=True),
        sa.Column("approved_amount", loanfactory.adapters.sql._types.ExactDecimal(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_task")),
    )
    with op.batch_alter_table("review_task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_task_application_id"), ["application_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_task_assignee"), ["assignee"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_task_stage"), ["stage"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_task_status"), ["status"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("review_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_task_status"))
        batch_op.drop_index(batch_op.f("ix_review_task_stage"))
        batch_op.drop_index(batch_op.f("ix_review_task_assignee"))
        batch_op.drop_index(batch_op.f("ix_review_task_application_id"))

    op.drop_table("review_task")
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offer_status"))
        batch_op.drop_index(batch_op.f("ix_offer_product_code"))
        batch_op.drop_index(batch_op.f("ix_offer_customer_id"))
        batch_op.drop_index(batch_op.f("ix_offer_application_id"))

    op.drop_table("offer")
    with op.batch_alter_table("line_occupation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_line_occupation_status"))
        batch_op.drop_index(batch_op.f("ix_line_occupation_reference"))
        batch_op.drop_index(batch_op.f("ix_line_occupation_line_id"))

    op.drop_table("line_occupation")
    with op.batch_alter_table("decision_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_record_step"))
        batch_op.drop_index(batch_op.f("ix_decision_record_outcome"))
        batch_op.drop_index(batch_op.f("ix_decision_record_application_id"))

    op.drop_table("decision_record")
    with op.batch_alter_table("customer_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_group_name"))

    op.drop_table("customer_group")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_type"))
        batch_op.drop_index(batch_op.f("ix_customer_status"))
        batch_op.drop_index(batch_op.f("ix_customer_identity_hash"))
        batch_op.drop_index(batch_op.f("ix_customer_group_id"))

    op.drop_table("customer")
    with op.batch_alter_table("credit_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_line_status"))
        batch_op.drop_index(batch_op.f("ix_credit_line_scope"))
        batch_op.drop_index(batch_op.f("ix_credit_line_group_id"))
        batch_op.drop_index(batch_op.f("ix_credit_line_customer_id"))

    op.drop_table("credit_line")
    with op.batch_alter_table("coupon", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coupon_status"))
        batch_op.drop_index(batch_op.f("ix_coupon_customer_id"))
        batch_op.drop_index(batch_op.f("ix_coupon_campaign_id"))

    op.drop_table("coupon")
    with op.batch_alter_table("collateral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collateral_type"))
        batch_op.drop_index(batch_op.f("ix_collateral_status"))
        batch_op.drop_index(batch_op.f("ix_collateral_customer_id"))

    op.drop_table("collateral")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_status"))
        batch_op.drop_index(batch_op.f("ix_campaign_code"))

    op.drop_table("campaign")
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_status"))
        batch_op.drop_index(batch_op.f("ix_application_product_code"))
        batch_op.drop_index(batch_op.f("ix_application_customer_id"))

    op.drop_table("application")
