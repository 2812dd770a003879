"""Sample data for every built-in notification kind."""

from __future__ import annotations

from typing import Any

SAMPLES: dict[str, dict[str, Any]] = {
    "approval_result": {
        "application_id": "app_000001",
        "product_name": "薪易贷",
        "amount": "50000",
        "annual_rate": "0.0725",
        "term_months": 12,
        "offer_expires": "2025-08-01",
    },
    "application_pending": {"application_id": "app_000004", "product_name": "薪易贷"},
    "rejection": {"application_id": "app_000002", "product_name": "薪易贷", "reasons": ["评分不足"]},
    "returned": {"application_id": "app_000003", "missing": ["收入证明", "工作证明"]},
    "contract_ready": {"contract_id": "ctr_000001", "amount": "50000.00", "sign_by": "2025-08-05"},
    "disbursement_done": {
        "loan_id": "loan_000001",
        "amount": "50000",
        "account_tail": "6222021234567890123",
        "first_due_date": "2025-09-01",
    },
    "repayment_reminder": {
        "loan_id": "loan_000001",
        "due_date": "2025-09-01",
        "amount_due": "4333.33",
        "account_tail": "0123",
    },
    "repayment_received": {"loan_id": "loan_000001", "amount": "4333.33", "outstanding": "46000.00"},
    "overdue_notice": {"loan_id": "loan_000001", "days_overdue": 5, "overdue_amount": "4333.33"},
    "risk_warning": {
        "loan_id": "loan_000001",
        "signal": "资金流入股市",
        "detail": "受托支付后 3 天内转入证券账户",
    },
    "loan_settled": {"loan_id": "loan_000001", "settled_on": "2026-08-01"},
}
