"""A fake backend for the HTTP tests: in-memory records, no business logic, every call recorded.

It lets the tests prove what the HTTP layer itself does (auth, roles, ownership, errors,
idempotency, rate limits) independently of the services; the real services are exercised by
the service-backed tests once the facade is wired.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date
from typing import Any

import httpx

from loanfactory.adapters.http import Authenticator, KeyRing, Role, TokenSigner
from loanfactory.adapters.notify import NotificationPreferences
from loanfactory.adapters.payments import SignatureRefused
from loanfactory.errors import InvalidInput, NotFound, StateConflict

CUSTOMER = "cus_1"
OTHER = "cus_2"
SECRET = "token-secret-for-tests-only"
KEYS = {role: f"lf_test_{role.value}" for role in Role}
TICKETS = {
    "tkt_1": {"id": "tkt_1", "customer_id": CUSTOMER, "status": "assigned"},
    "tkt_2": {"id": "tkt_2", "customer_id": OTHER, "status": "assigned"},
}


def authenticator() -> Authenticator:
    keys = KeyRing()
    for role, key in KEYS.items():
        keys.add(f"{role.value}-user", role, key, CUSTOMER if role is Role.customer else None)
    keys.add("bob", Role.customer, "lf_test_bob", OTHER)
    return Authenticator(keys, TokenSigner(SECRET))


class FakeBackend:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.applications = {
            "app_1": {"id": "app_1", "customer_id": CUSTOMER, "status": "submitted", "amount": "50000.00"},
            "app_2": {"id": "app_2", "customer_id": OTHER, "status": "offered", "amount": "8000.00"},
        }
        self.loans = {
            "loan_1": {
                "id": "loan_1",
                "customer_id": CUSTOMER,
                "status": "active",
                "account": "6222021234567890123",
            },
            "loan_2": {
                "id": "loan_2",
                "customer_id": OTHER,
                "status": "active",
                "account": "6222029999999990000",
            },
        }
        self.orders: dict[str, dict[str, Any]] = {
            "col_1": {"id": "col_1", "loan_id": "loan_1", "customer_id": CUSTOMER, "status": "requested"},
            "col_2": {"id": "col_2", "loan_id": "loan_2", "customer_id": OTHER, "status": "requested"},
        }
        self.contracts = {
            "ctr_1": {"id": "ctr_1", "customer_id": CUSTOMER, "status": "draft"},
            "ctr_2": {"id": "ctr_2", "customer_id": OTHER, "status": "draft"},
        }
        self.offers = {
            "off_1": {"id": "off_1", "customer_id": CUSTOMER, "status": "issued", "amount": "50000.00"},
            "off_2": {"id": "off_2", "customer_id": OTHER, "status": "issued", "amount": "8000.00"},
        }
        self.preferences: dict[str, NotificationPreferences] = {}
        self.fail_with: BaseException | None = None

    def _record(self, name: str, *args: Any, **kwargs: Any) -> None:
        self.calls.append((name, args, kwargs))
        if self.fail_with is not None:
            raise self.fail_with

    def called(self, name: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        return [(a, k) for n, a, k in self.calls if n == name]

    @staticmethod
    def _get(table: Mapping[str, dict[str, Any]], what: str, id: str) -> dict[str, Any]:
        if id not in table:
            raise NotFound(f"no {what} '{id}'", field="id", message_zh=f"找不到{what} '{id}'")
        return table[id]

    # catalog and quotes
    def list_products(self, filters: Mapping[str, Any]) -> list[dict[str, Any]]:
        self._record("list_products", filters)
        return [{"code": "salary_loan", "status": "online"}]

    def get_product(self, code: str) -> dict[str, Any]:
        self._record("get_product", code)
        if code != "salary_loan":
            raise NotFound(f"no product '{code}'", field="code")
        return {"code": code}

    def compare_products(self, request: Any) -> dict[str, Any]:
        self._record("compare_products", request)
        return {"products": request.codes}

    def recommend_products(self, request: Any, customer_id: str | None) -> list[Any]:
        self._record("recommend_products", request, customer_id)
        return []

    def quote(self, request: Any) -> dict[str, Any]:
        self._record("quote", request)
        if request.product_code != "salary_loan":
            raise NotFound(f"no product '{request.product_code}'", field="product_code")
        if request.amount > 1_000_000:
            raise InvalidInput(
                "amount above the product's maximum", field="amount", message_zh="金额超过产品上限"
            )
        return {"product_code": request.product_code, "amount": str(request.amount), "apr": "0.0725"}

    # applications
    def create_application(self, request: Any, *, customer_id: str, actor: str, key: str) -> dict[str, Any]:
        self._record("create_application", request, customer_id=customer_id, actor=actor, key=key)
        return {"id": f"app_{len(self.calls)}", "customer_id": customer_id, "status": "submitted"}

    def list_applications(self, *, customer_id: str | None, status: str | None) -> list[dict[str, Any]]:
        self._record("list_applications", customer_id=customer_id, status=status)
        return [
            a for a in self.applications.values() if customer_id is None or a["customer_id"] == customer_id
        ]

    def get_application(self, application_id: str) -> dict[str, Any]:
        self._record("get_application", application_id)
        return self._get(self.applications, "application", application_id)

    def add_document(self, application_id: str, document: Any, *, actor: str) -> dict[str, Any]:
        self._record("add_document", application_id, document, actor=actor)
        return self.applications[application_id]

    def add_consent(self, application_id: str, consent: Any, *, actor: str) -> dict[str, Any]:
        self._record("add_consent", application_id, consent, actor=actor)
        return self.applications[application_id]

    def application_result(self, application_id: str) -> dict[str, Any]:
        self._record("application_result", application_id)
        return {"status": "offered", "reasons": [], "offer": None}

    # offers
    def get_offer(self, offer_id: str) -> dict[str, Any]:
        self._record("get_offer", offer_id)
        return self._get(self.offers, "offer", offer_id)

    def accept_offer(self, offer_id: str, request: Any, *, actor: str, key: str) -> dict[str, Any]:
        self._record("accept_offer", offer_id, request, actor=actor, key=key)
        offer = self.offers[offer_id]
        if offer["status"] != "issued":
            raise StateConflict(f"offer {offer_id} is {offer['status']}", field="offer_id")
        return {"id": f"ctr_{offer_id}", "customer_id": offer["customer_id"], "status": "draft"}

    def decline_offer(self, offer_id: str, *, actor: str) -> dict[str, Any]:
        self._record("decline_offer", offer_id, actor=actor)
        return {**self.offers[offer_id], "status": "declined"}

    # customer service
    def ask(self, customer_id: str, request: Any, *, key: str) -> dict[str, Any]:
        self._record("ask", customer_id, request, key=key)
        return {"outcome": "answered", "text": "…", "customer_id": customer_id}

    def service_report(self, start: date, end: date) -> dict[str, Any]:
        self._record("service_report", start, end)
        return {"start": start.isoformat(), "end": end.isoformat(), "volume": {}}

    def open_ticket(self, customer_id: str, request: Any, *, actor: str, key: str) -> dict[str, Any]:
        self._record("open_ticket", customer_id, request, actor=actor, key=key)
        return {"id": "tkt_9", "customer_id": customer_id, "status": "open"}

    def list_tickets(self, *, customer_id: str | None, status: str | None, assignee: str | None) -> list[Any]:
        self._record("list_tickets", customer_id=customer_id, status=status, assignee=assignee)
        return [t for t in TICKETS.values() if customer_id is None or t["customer_id"] == customer_id]

    def get_ticket(self, ticket_id: str) -> dict[str, Any]:
        if ticket_id not in TICKETS:
            raise NotFound(f"no ticket {ticket_id}", field="ticket_id")
        return TICKETS[ticket_id]

    def _ticket_change(self, name: str, ticket_id: str, request: Any, **kwargs: Any) -> dict[str, Any]:
        self._record(name, ticket_id, request, **kwargs)
        return {**self.get_ticket(ticket_id), "changed": name}

    def assign_ticket(self, ticket_id: str, request: Any, **kwargs: Any) -> dict[str, Any]:
        return self._ticket_change("assign_ticket", ticket_id, request, **kwargs)

    def reply_ticket(self, ticket_id: str, request: Any, **kwargs: Any) -> dict[str, Any]:
        return self._ticket_change("reply_ticket", ticket_id, request, **kwargs)

    def extend_ticket(self, ticket_id: str, request: Any, **kwargs: Any) -> dict[str, Any]:
        return self._ticket_change("extend_ticket", ticket_id, request, **kwargs)

    def escalate_ticket(self, ticket_id: str, request: Any, **kwargs: Any) -> dict[str, Any]:
        return self._ticket_change("escalate_ticket", ticket_id, request, **kwargs)

    def resolve_ticket(self, ticket_id: str, request: Any, **kwargs: Any) -> dict[str, Any]:
        return self._ticket_change("resolve_ticket", ticket_id, request, **kwargs)

    def rate_ticket(self, ticket_id: str, request: Any, **kwargs: Any) -> dict[str, Any]:
        return self._ticket_change("rate_ticket", ticket_id, request, **kwargs)

    # campaigns
    def list_campaigns(self, *, status: str | None) -> list[Any]:
        self._record("list_campaigns", status=status)
        return [{"code": "summer", "status": "active"}]

    def get_campaign(self, code: str) -> dict[str, Any]:
        self._record("get_campaign", code)
        if code != "summer":
            raise NotFound(f"no campaign '{code}'", field="code")
        return {"code": code, "status": "active"}

    def launch_campaign(self, request: Any, *, actor: str, key: str) -> dict[str, Any]:
        self._record("launch_campaign", request, actor=actor, key=key)
        return {"code": request.code, "status": "active"}

    def set_campaign_status(
        self, code: str, status: str, *, reason: str | None, actor: str, key: str
    ) -> dict[str, Any]:
        self._record("set_campaign_status", code, status, reason=reason, actor=actor, key=key)
        return {**self.get_campaign(code), "status": status}

    def campaign_effect(self, code: str, *, attribution_days: int) -> dict[str, Any]:
        self._record("campaign_effect", code, attribution_days=attribution_days)
        return {**self.get_campaign(code), "reached": 0, "attribution_days": attribution_days}

    def grant_reward(self, code: str, request: Any, *, actor: str, key: str) -> dict[str, Any]:
        self._record("grant_reward", code, request, actor=actor, key=key)
        self.get_campaign(code)
        return {"id": "rwd_1", "campaign_code": code, "customer_id": request.customer_id}

    def reward_referral(self, code: str, request: Any, *, actor: str, key: str) -> dict[str, Any]:
        self._record("reward_referral", code, request, actor=actor, key=key)
        self.get_campaign(code)
        return {"referrer": {"id": "rwd_1"}, "referee": {"id": "rwd_2"}}

    def campaign_rewards(self, code: str) -> list[dict[str, Any]]:
        self._record("campaign_rewards", code)
        self.get_campaign(code)
        return []

    # customer accounts
    def link_customer(self, request: Any, *, login: str, key: str) -> dict[str, Any]:
        self._record("link_customer", request, login=login, key=key)
        return {"id": "cus_9", "type": "individual"}

    def register_customer(self, request: Any, *, login: str | None, key: str) -> dict[str, Any]:
        self._record("register_customer", request, login=login, key=key)
        return {"id": "cus_9", "type": "individual", "individual": request.individual.model_dump(mode="json")}

    def customer_for_login(self, login: str) -> str | None:
        return None

    def get_customer(self, customer_id: str) -> dict[str, Any]:
        self._record("get_customer", customer_id)
        if customer_id not in (CUSTOMER, OTHER):
            raise NotFound(f"no customer {customer_id}", field="customer_id")
        return {"id": customer_id, "type": "individual", "tags": []}

    def customer_credit_lines(self, customer_id: str) -> list[dict[str, Any]]:
        self._record("customer_credit_lines", customer_id)
        return [{"id": "line_1", "customer_id": customer_id, "total": "100000.00"}]

    def customer_repayments(self, customer_id: str) -> list[dict[str, Any]]:
        self._record("customer_repayments", customer_id)
        return [c for c in self.orders.values() if c["customer_id"] == customer_id]

    def reverify_payout_account(
        self, customer_id: str, account_id: str, *, actor: str, key: str
    ) -> dict[str, Any]:
        self._record("reverify_payout_account", customer_id, account_id, actor=actor, key=key)
        return {"id": account_id, "customer_id": customer_id, "status": "verified"}

    def remove_payout_account(
        self, customer_id: str, account_id: str, *, actor: str, key: str
    ) -> dict[str, Any]:
        self._record("remove_payout_account", customer_id, account_id, actor=actor, key=key)
        return {"id": account_id, "customer_id": customer_id, "status": "removed"}

    # payout accounts
    def list_payout_accounts(self, customer_id: str) -> list[dict[str, Any]]:
        self._record("list_payout_accounts", customer_id)
        return [{"id": "pac_1", "customer_id": customer_id, "number": "6222021234567890123"}]

    def add_payout_account(self, customer_id: str, request: Any, *, actor: str, key: str) -> dict[str, Any]:
        self._record("add_payout_account", customer_id, request, actor=actor, key=key)
        return {"id": "pac_2", "customer_id": customer_id, "number": request.number, "status": "verified"}

    def confirm_payout_account(
        self, customer_id: str, account_id: str, request: Any, *, actor: str, key: str
    ) -> dict[str, Any]:
        self._record("confirm_payout_account", customer_id, account_id, request, actor=actor, key=key)
        return {"id": account_id, "customer_id": customer_id, "status": "verified"}

    def resend_payout_deposit(
        self, customer_id: str, account_id: str, *, actor: str, key: str
    ) -> dict[str, Any]:
        self._record("resend_payout_deposit", customer_id, account_id, actor=actor, key=key)
        return {"id": account_id, "customer_id": customer_id, "status": "pending"}

    # reviews
    def list_review_tasks(self, *, stage: str | None, status: str | None, assignee: str | None) -> list[Any]:
        self._record("list_review_tasks", stage=stage, status=status, assignee=assignee)
        return []

    def claim_review(self, task_id: str, *, actor: str, role: str) -> dict[str, Any]:
        self._record("claim_review", task_id, actor=actor, role=role)
        if task_id != "task_1":
            raise NotFound(f"no review task '{task_id}'", field="task_id")
        return {"id": task_id, "status": "claimed", "assignee": actor}

    def decide_review(
        self, task_id: str, outcome: str, decision: Any, *, actor: str, role: str
    ) -> dict[str, Any]:
        self._record("decide_review", task_id, outcome, decision, actor=actor, role=role)
        if outcome != "approve" and not (decision.note or decision.reasons):
            raise InvalidInput("a rejection or return needs a reason or a note", field="note")
        return {"id": task_id, "status": outcome}

    # contracts, disbursements
    def get_contract(self, contract_id: str) -> dict[str, Any]:
        self._record("get_contract", contract_id)
        return self._get(self.contracts, "contract", contract_id)

    def sign_contract(
        self, contract_id: str, request: Any, *, actor: str, signer_role: str
    ) -> dict[str, Any]:
        self._record("sign_contract", contract_id, request, actor=actor, signer_role=signer_role)
        return {**self.contracts[contract_id], "signed_by": signer_role}

    def disburse(self, request: Any, *, actor: str, key: str) -> dict[str, Any]:
        self._record("disburse", request, actor=actor, key=key)
        if request.loan_id not in self.loans:
            raise NotFound(f"no loan '{request.loan_id}'", field="loan_id")
        return {
            "id": f"dsb_{len(self.calls)}",
            "loan_id": request.loan_id,
            "payee_account": "6222021234567890123",
        }

    def disburse_batch(self, request: Any, *, actor: str, key: str) -> dict[str, Any]:
        self._record("disburse_batch", request, actor=actor, key=key)
        return {"results": [{"loan_id": i.loan_id, "ok": True} for i in request.items]}

    # loans
    def list_loans(self, *, customer_id: str | None, status: str | None) -> list[dict[str, Any]]:
        self._record("list_loans", customer_id=customer_id, status=status)
        return [
            loan for loan in self.loans.values() if customer_id is None or loan["customer_id"] == customer_id
        ]

    def get_loan(self, loan_id: str) -> dict[str, Any]:
        self._record("get_loan", loan_id)
        return self._get(self.loans, "loan", loan_id)

    def loan_schedule(self, loan_id: str) -> list[Any]:
        self._record("loan_schedule", loan_id)
        return []

    def loan_commitment(self, loan_id: str) -> dict[str, Any]:
        self._record("loan_commitment", loan_id)
        return {"loan_id": loan_id, "amount": "10000.00", "remaining": "0.00", "tranches": []}

    def payoff_quote(self, loan_id: str, on: date | None) -> dict[str, Any]:
        self._record("payoff_quote", loan_id, on)
        return {"loan_id": loan_id, "total": "10000.00"}

    def repay(self, loan_id: str, request: Any, *, actor: str, key: str) -> dict[str, Any]:
        self._record("repay", loan_id, request, actor=actor, key=key)
        if self.loans[loan_id]["status"] == "closed":
            raise StateConflict("the loan is closed", field="loan_id", message_zh="贷款已结清")
        order = {
            "id": f"col_{len(self.calls)}",
            "loan_id": loan_id,
            "amount": str(request.amount),
            "status": "requested",
            "customer_id": self.loans[loan_id]["customer_id"],
        }
        self.orders[order["id"]] = order
        return order

    def prepay(self, loan_id: str, request: Any, *, actor: str, key: str) -> dict[str, Any]:
        self._record("prepay", loan_id, request, actor=actor, key=key)
        return {"loan_id": loan_id, "mode": request.mode, "status": "requested"}

    def collection_orders(self, loan_id: str) -> list[dict[str, Any]]:
        self._record("collection_orders", loan_id)
        return [o for o in self.orders.values() if o["loan_id"] == loan_id]

    def collection_order(self, order_id: str) -> dict[str, Any]:
        self._record("collection_order", order_id)
        return self._get(self.orders, "collection order", order_id)

    def payment_callback(self, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
        self._record("payment_callback", headers, body)
        raise SignatureRefused("the message is not signed", code="signature-missing")

    def offline_payment(
        self, loan_id: str, request: Any, *, actor: str, role: str, key: str
    ) -> dict[str, Any]:
        self._record("offline_payment", loan_id, request, actor=actor, role=role, key=key)
        return {"id": "man_1", "loan_id": loan_id, "status": "pending", "maker": actor}

    def reverse_payment(
        self, loan_id: str, request: Any, *, actor: str, role: str, key: str
    ) -> dict[str, Any]:
        self._record("reverse_payment", loan_id, request, actor=actor, role=role, key=key)
        return {"id": "man_2", "loan_id": loan_id, "status": "pending", "maker": actor}

    def manual_postings(self, *, status: str | None, loan_id: str | None) -> list[dict[str, Any]]:
        self._record("manual_postings", status=status, loan_id=loan_id)
        return []

    # collateral disposal
    def request_disposal(
        self, loan_id: str, request: Any, *, actor: str, role: str, key: str
    ) -> dict[str, Any]:
        self._record("request_disposal", loan_id, request, actor=actor, role=role, key=key)
        self._get(self.loans, "loan", loan_id)
        return {"id": "dsp_1", "loan_id": loan_id, "status": "requested", "requested_by": actor}

    def loan_disposals(self, loan_id: str) -> list[dict[str, Any]]:
        self._record("loan_disposals", loan_id)
        self._get(self.loans, "loan", loan_id)
        return []

    def get_disposal(self, disposal_id: str) -> dict[str, Any]:
        self._record("get_disposal", disposal_id)
        if disposal_id != "dsp_1":
            raise NotFound(f"no disposal {disposal_id}", field="disposal_id")
        return {"id": disposal_id, "loan_id": "loan_1", "status": "requested"}

    def disposal_step(
        self, disposal_id: str, step: str, body: Any, *, actor: str, role: str, key: str
    ) -> dict[str, Any]:
        self._record("disposal_step", disposal_id, step, body, actor=actor, role=role, key=key)
        return {"id": disposal_id, "loan_id": "loan_1", "status": step}

    def decide_posting(
        self, posting_id: str, outcome: str, decision: Any, *, actor: str, role: str, key: str
    ) -> dict[str, Any]:
        self._record("decide_posting", posting_id, outcome, decision, actor=actor, role=role, key=key)
        return {
            "id": posting_id,
            "status": "posted" if outcome == "approve" else "rejected",
            "checker": actor,
        }

    # end of day, products, reports, preferences
    def run_eod(self, request: Any, *, actor: str) -> dict[str, Any]:
        self._record("run_eod", request, actor=actor)
        return {"business_date": request.business_date.isoformat(), "status": "done"}

    def eod_status(self, business_date: date) -> dict[str, Any]:
        self._record("eod_status", business_date)
        return {"business_date": business_date.isoformat(), "status": "done"}

    def set_product_status(self, code: str, status: str, *, actor: str, reason: str | None) -> dict[str, Any]:
        self._record("set_product_status", code, status, actor=actor, reason=reason)
        return {"code": code, "status": status}

    def report(self, name: str, params: Mapping[str, str]) -> dict[str, Any]:
        self._record("report", name, params)
        return {"report": name, "rows": []}

    def report_file(self, name: str, suffix: str, params: Mapping[str, str]) -> tuple[bytes, str]:
        self._record("report_file", name, suffix, params)
        return b"report", "text/plain"

    def archive_find(self, **query: Any) -> list[dict[str, Any]]:
        self._record("archive_find", **query)
        return [
            {"id": "arc_1", "category": "contract", "loan_id": query.get("loan"), "href": "/v1/archive/arc_1"}
        ]

    def archive_content(self, record_id: str) -> tuple[str, bytes]:
        self._record("archive_content", record_id)
        return "text/plain", "合同正文".encode()

    def archive_export(self, loan: str, *, actor: str) -> bytes:
        self._record("archive_export", loan, actor=actor)
        return b"PK\x05\x06" + bytes(18)

    def get_preferences(self, customer_id: str) -> NotificationPreferences:
        self._record("get_preferences", customer_id)
        return self.preferences.get(customer_id, NotificationPreferences())

    def set_preferences(self, customer_id: str, preferences: NotificationPreferences, *, actor: str) -> Any:
        self._record("set_preferences", customer_id, preferences, actor=actor)
        self.preferences[customer_id] = preferences
        return preferences


class ApiClient:
    """A synchronous client over the ASGI app (httpx's ASGI transport, one event loop per call)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def request(
        self,
        method: str,
        url: str,
        *,
        role: Role | None = None,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        sent = dict(headers or {})
        if role is not None:
            sent.setdefault("Authorization", f"Bearer {KEYS[role]}")

        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app, client=("127.0.0.1", 40000))
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                return await client.request(method, url, headers=sent, **kwargs)

        return asyncio.run(go())

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)
