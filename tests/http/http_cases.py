"""One valid request per operation, for the role tests (an allowed role gets past the guard)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SHA = "a" * 64


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    past_guard: dict[str, int] = field(default_factory=dict)  # role -> the answer after the guard, if not 2xx


def _money(path: str, body: Any) -> Case:
    return Case("POST", path, body, {"Idempotency-Key": "case-key-1"})


CASES: dict[str, Case] = {
    "me.get": Case("GET", "/v1/me"),
    "catalog.list": Case("GET", "/v1/products?channel=app&amount=5000&term=12"),
    "catalog.get": Case("GET", "/v1/products/salary_loan"),
    "catalog.compare": Case(
        "POST", "/v1/products/compare", {"codes": ["a", "b"], "amount": "1000", "term": 6}
    ),
    "catalog.recommend": Case("POST", "/v1/products/recommend", {"amount": "1000"}),
    "quotes.create": Case(
        "POST", "/v1/quotes", {"product_code": "salary_loan", "amount": "50000", "term": 12}
    ),
    "applications.create": Case(
        "POST",
        "/v1/applications",
        {
            "customer_id": "cus_1",
            "product_code": "salary_loan",
            "amount": "50000",
            "term": 12,
            "purpose": "consumer",
            "channel": "app",
        },
    ),
    "applications.list": Case("GET", "/v1/applications"),
    "applications.get": Case("GET", "/v1/applications/app_1"),
    "applications.documents.add": Case(
        "POST", "/v1/applications/app_1/documents", {"kind": "income-proof", "sha256": SHA}
    ),
    "applications.consents.add": Case("POST", "/v1/applications/app_1/consents", {"scope": "bureau-query"}),
    "applications.result": Case("GET", "/v1/applications/app_1/result"),
    "offers.accept": Case(
        "POST", "/v1/offers/off_1/accept", {"languages": ["zh"]}, {"Idempotency-Key": "accept-1"}
    ),
    "offers.decline": Case("POST", "/v1/offers/off_1/decline"),
    "customers.link": Case(
        "POST",
        "/v1/customers/link",
        {
            "id_number": "11010519491231002X",
            "name": "赵敏",
            "card_number": "6222021234567890123",
            "phone": "13800138000",
        },
        {"Idempotency-Key": "link-1"},
        past_guard={"customer": 409},  # the test customer's key acts for a customer already
    ),
    "customers.register": Case(
        "POST",
        "/v1/customers",
        {
            "individual": {
                "id_number": "11010519491231002X",
                "name": "赵敏",
                "phone": "13800138000",
                "annual_income": "120000",
                "employment": {"kind": "salaried", "employer": "某科技有限公司", "years": 3},
            }
        },
        {"Idempotency-Key": "reg-1"},
        past_guard={"customer": 409},  # the test customer's key acts for a customer already
    ),
    "customers.get": Case("GET", "/v1/customers/cus_1"),
    "customers.credit_lines": Case("GET", "/v1/customers/cus_1/credit-lines"),
    "customers.repayments": Case("GET", "/v1/customers/cus_1/repayments"),
    "payout_accounts.reverify": _money("/v1/customers/cus_1/payout-accounts/pac_1/reverify", None),
    "payout_accounts.remove": Case(
        "DELETE", "/v1/customers/cus_1/payout-accounts/pac_1", None, {"Idempotency-Key": "rm-1"}
    ),
    "payout_accounts.list": Case("GET", "/v1/customers/cus_1/payout-accounts"),
    "payout_accounts.add": _money(
        "/v1/customers/cus_1/payout-accounts",
        {"kind": "card", "number": "6222021234567890123", "bank": "中国工商银行"},
    ),
    "payout_accounts.confirm": _money(
        "/v1/customers/cus_1/payout-accounts/pac_1/confirm", {"amount": "0.37", "code": "402917"}
    ),
    "payout_accounts.resend": _money("/v1/customers/cus_1/payout-accounts/pac_1/resend", None),
    "reviews.list": Case("GET", "/v1/review-tasks?stage=first"),
    "reviews.claim": Case("POST", "/v1/review-tasks/task_1/claim"),
    "reviews.approve": Case("POST", "/v1/review-tasks/task_1/approve", {}),
    "reviews.reject": Case("POST", "/v1/review-tasks/task_1/reject", {"note": "DTI too high"}),
    "reviews.return": Case(
        "POST", "/v1/review-tasks/task_1/return", {"note": "need proof", "missing": ["income-proof"]}
    ),
    "contracts.get": Case("GET", "/v1/contracts/ctr_1"),
    "contracts.sign": Case(
        "POST", "/v1/contracts/ctr_1/sign", {"method": "sms-code", "verification_code": "123456"}
    ),
    "disbursements.create": _money("/v1/disbursements", {"loan_id": "loan_1"}),
    "disbursements.batch": _money("/v1/disbursements/batch", {"items": [{"loan_id": "loan_1"}]}),
    "loans.list": Case("GET", "/v1/loans"),
    "loans.get": Case("GET", "/v1/loans/loan_1"),
    "loans.schedule": Case("GET", "/v1/loans/loan_1/schedule"),
    "loans.commitment": Case("GET", "/v1/loans/loan_1/commitment"),
    "loans.payoff": Case("GET", "/v1/loans/loan_1/payoff-quote?on=2025-09-01"),
    "loans.repay": _money("/v1/loans/loan_1/repayments", {"amount": "4333.33"}),
    "loans.prepay": _money("/v1/loans/loan_1/prepayments", {"amount": "10000", "mode": "keep-installment"}),
    "loans.collections": Case("GET", "/v1/loans/loan_1/collections"),
    "collections.get": Case("GET", "/v1/collections/col_1"),
    "loans.offline_payments": _money(
        "/v1/loans/loan_1/offline-payments",
        {"amount": "5000", "reference": "CNTR-0001", "channel": "counter", "received_on": "2025-09-01"},
    ),
    "loans.reversals": _money(
        "/v1/loans/loan_1/reversals",
        {"entry_id": "loan_1:000002", "reference": "RTN-0042", "reason": "transfer recalled"},
    ),
    "postings.list": Case("GET", "/v1/manual-postings?status=pending"),
    "postings.approve": _money("/v1/manual-postings/man_1/approve", {}),
    "postings.reject": _money("/v1/manual-postings/man_1/reject", {"reason": "amount mistyped"}),
    "disposals.request": _money("/v1/loans/loan_1/disposals", {"reason": "逾期 120 天"}),
    "disposals.list": Case("GET", "/v1/loans/loan_1/disposals"),
    "disposals.get": Case("GET", "/v1/disposals/dsp_1"),
    "disposals.appraisal": _money(
        "/v1/disposals/dsp_1/appraisal", {"value": "80000.00", "appraiser": "评估公司", "reference": "PG-1"}
    ),
    "disposals.approve": _money("/v1/disposals/dsp_1/approve", {"note": "同意"}),
    "disposals.sale": _money("/v1/disposals/dsp_1/sale", {"method": "judicial-auction", "reference": "PM-1"}),
    "disposals.sold": _money(
        "/v1/disposals/dsp_1/sold", {"price": "60000.00", "costs": "1500.00", "sold_on": "2025-09-01"}
    ),
    "disposals.fail": _money("/v1/disposals/dsp_1/fail", {"reason": "流拍"}),
    "disposals.withdraw": _money("/v1/disposals/dsp_1/withdraw", {"reason": "已还款"}),
    "disposals.proceeds": _money(
        "/v1/disposals/dsp_1/proceeds",
        {"amount": "60000.00", "reference": "TRF-1", "settled_on": "2025-09-01"},
    ),
    "disposals.allocate": _money("/v1/disposals/dsp_1/allocate", {"surplus": "refund"}),
    "disposals.close": _money("/v1/disposals/dsp_1/close", {}),
    "eod.run": Case("POST", "/v1/eod-runs", {"business_date": "2025-09-01"}),
    "eod.status": Case("GET", "/v1/eod-runs/2025-09-01"),
    "products.publish": Case("POST", "/v1/products/salary_loan/publish", {"reason": "approved by committee"}),
    "products.pause": Case("POST", "/v1/products/salary_loan/pause"),
    "products.offline": Case("POST", "/v1/products/salary_loan/offline"),
    "reports.get": Case("GET", "/v1/reports/portfolio?as_of=2025-09-01"),
    "reports.html": Case("GET", "/v1/reports/risk.html?period=2025-08"),
    "reports.csv": Case("GET", "/v1/reports/risk.csv?period=2025-08"),
    "reports.xlsx": Case("GET", "/v1/reports/risk.xlsx?period=2025-08"),
    "service.ask": _money("/v1/service/questions", {"question": "下一期什么时候还？"}),
    "service.report": Case("GET", "/v1/service/report?from=2025-08-01&to=2025-08-31"),
    "tickets.create": _money(
        "/v1/tickets",
        {
            "kind": "complaint",
            "category": "fees",
            "subject": "提前还款费用",
            "description": "合同未写明这笔费用",
            "customer_id": "cus_1",
        },
    ),
    "campaigns.list": Case("GET", "/v1/campaigns?status=active"),
    "campaigns.get": Case("GET", "/v1/campaigns/summer"),
    "campaigns.create": _money(
        "/v1/campaigns",
        {
            "code": "summer",
            "name": {"zh": "夏日优惠"},
            "rate_discount_bp": 50,
            "valid_from": "2025-08-01",
            "valid_to": "2025-08-31",
            "budget": "20000",
        },
    ),
    "campaigns.pause": _money("/v1/campaigns/summer/pause", {"reason": "预算复核"}),
    "campaigns.resume": _money("/v1/campaigns/summer/resume", None),
    "campaigns.effect": Case("GET", "/v1/campaigns/summer/effect?attribution_days=30"),
    "campaigns.reward": _money("/v1/campaigns/summer/rewards", {"customer_id": "cus_1"}),
    "campaigns.referral": _money(
        "/v1/campaigns/summer/referrals", {"referrer_id": "cus_1", "referee_id": "cus_2", "device": "dev-1"}
    ),
    "campaigns.rewards": Case("GET", "/v1/campaigns/summer/rewards"),
    "tickets.list": Case("GET", "/v1/tickets"),
    "tickets.get": Case("GET", "/v1/tickets/tkt_1"),
    "tickets.assign": _money("/v1/tickets/tkt_1/assign", {"agent": "agent.chen"}),
    "tickets.reply": _money("/v1/tickets/tkt_1/replies", {"text": "已收到"}),
    "tickets.extend": _money("/v1/tickets/tkt_1/extend", {"reason": "需调取录音"}),
    "tickets.escalate": _money("/v1/tickets/tkt_1/escalate", {"text": "请尽快处理"}),
    "tickets.resolve": _money("/v1/tickets/tkt_1/resolve", {"decision": "已退费"}),
    "tickets.rate": _money("/v1/tickets/tkt_1/rating", {"score": 5}),
    "preferences.get": Case("GET", "/v1/customers/cus_1/notification-preferences"),
    "archive.list": Case("GET", "/v1/archive?loan=loan_1&kind=contract&since=2025-01-01"),
    "archive.get": Case("GET", "/v1/archive/arc_1"),
    "archive.export": Case("GET", "/v1/archive/export?loan=loan_1"),
    "preferences.put": Case(
        "PUT",
        "/v1/customers/cus_1/notification-preferences",
        {
            "language": "en",
            "channels": {"repayment_reminder": ["push"]},
            "quiet_hours": {"start": "22:00", "end": "08:00"},
        },
    ),
}
