"""Collections over HTTP on SQLite and PostgreSQL: no credit without a confirmed collection;
callbacks duplicated, reordered, delayed and forged (refused); offline postings need the role, a
unique reference and four-eyes.

The payment system here answers every submission "pending" (a simulated gateway that always times
out), so that only the signed callbacks the tests send settle an order.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from payment_support import CHECKER, OPS, START, AsgiClient, Keys, lender_server, sign_callback, signed_loans

from loanfactory.adapters.http import Role
from loanfactory.adapters.http._wiring import Server
from loanfactory.adapters.payments import Ed25519Key, HmacKey, Signer
from loanfactory.adapters.sql import SqlStore
from loanfactory.entity import CST
from loanfactory.servicing import DebitOrder, Disbursement, EntryType, OrderStatus, ServicingConfig
from loanfactory.testing import FixedClock, SimulatedGateway

D = Decimal


@dataclass
class Bank:
    server: Server
    client: AsgiClient
    keys: Keys
    loan_id: str
    customer_key: str

    def as_(self, key: str, idem: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {key}"}
        return headers | ({"Idempotency-Key": idem} if idem else {})

    def callback(self, result: dict[str, Any], **sign: Any) -> Any:
        body, headers = sign_callback(self.keys, result, **sign)
        return self.client.post("/v1/payments/callbacks", content=body, headers=headers)

    def entries(self) -> list[Any]:
        with self.server.store.transaction() as tx:
            return tx.ledger.entries(self.loan_id)

    def cash_in(self) -> list[Decimal]:
        return [e.amount for e in self.entries() if e.type == EntryType.repayment]

    def order(self, order_id: str) -> DebitOrder:
        with self.server.store.transaction() as tx:
            return tx.repo(DebitOrder).get(order_id)

    def succeeded(self, order_id: str, amount: str, reference: str) -> dict[str, Any]:
        return {
            "instruction_id": order_id,
            "status": "succeeded",
            "amount": amount,
            "reference": reference,
            "settled_at": START.isoformat(),
        }


@pytest.fixture
def bank(sql_url: str, keys: Keys) -> Iterator[Bank]:
    clock = FixedClock(START)
    store = SqlStore(sql_url, clock=clock, migrate=True)
    server = lender_server(
        store=store, db=None, gateway=SimulatedGateway(clock, timeout_rate=1.0), keys=keys, clock=clock
    )
    server.lender.servicing.config = ServicingConfig(four_eyes_above=D("1000"))
    [(loan_id, customer_key)] = signed_loans(server, 1)
    client = AsgiClient(server.app)
    made = Bank(server, client, keys, loan_id, customer_key)
    payout = client.post("/v1/disbursements", headers=made.as_(OPS[1], "pay"), json={"loan_id": loan_id})
    assert payout.status_code == 201, payout.text
    server.lender.servicing.relay_payments()  # pending: the payment system will call back
    assert server.lender.servicing.loan(loan_id).status.value == "signed"
    done = made.callback(made.succeeded(payout.json()["id"], "10000.00", "PS-PAYOUT-1"))
    assert done.json() == {"instruction_id": payout.json()["id"], "status": "succeeded", "applied": True}
    assert server.lender.servicing.loan(loan_id).status.value == "active"
    yield made
    store.dispose()


def repayment(bank: Bank, amount: str, key: str) -> dict[str, Any]:
    asked = bank.client.post(
        f"/v1/loans/{bank.loan_id}/repayments",
        headers=bank.as_(bank.customer_key, key),
        json={"amount": amount},
    )
    assert asked.status_code == 202, asked.text
    order: dict[str, Any] = asked.json()
    bank.server.lender.servicing.relay_payments()
    return order


def test_no_credit_without_a_confirmed_collection(bank: Bank) -> None:
    order = repayment(bank, "500.00", "r1")
    assert bank.order(order["id"]).status is OrderStatus.pending
    assert bank.cash_in() == []
    seen = bank.client.get(f"/v1/collections/{order['id']}", headers=bank.as_(bank.customer_key)).json()
    assert (seen["status"], seen["collected"]) == ("pending", "0.00")
    bank.server.lender.servicing.poll_payments()  # the simulated system reveals its outcome on enquiry
    assert bank.cash_in() == [D("500.00")]
    assert bank.order(order["id"]).status is OrderStatus.succeeded
    # another customer cannot see the order, nor post an offline payment
    bank.server.app.state.loanfactory.auth.keys.add("other", Role.customer, "lf_other", "cust-999")
    assert bank.client.get(f"/v1/collections/{order['id']}", headers=bank.as_("lf_other")).status_code == 404
    offline = bank.client.post(
        f"/v1/loans/{bank.loan_id}/offline-payments",
        headers=bank.as_(bank.customer_key, "o1"),
        json={"amount": "10.00", "reference": "X-1", "channel": "counter"},
    )
    assert offline.status_code == 403
    assert bank.cash_in() == [D("500.00")]


def test_forged_callbacks_are_refused_and_change_nothing(bank: Bank) -> None:
    order = repayment(bank, "300.00", "r1")
    genuine = bank.succeeded(order["id"], "300.00", "PS-1")
    impostor = Keys()
    forged = [
        sign_callback(impostor, genuine),  # another key under the same id
        sign_callback(bank.keys, genuine, at=datetime.now(CST) - timedelta(hours=1)),  # stale
    ]
    body, headers = sign_callback(bank.keys, genuine)
    forged.append((body.replace(b"300.00", b"900.00"), headers))  # tampered after signing
    forged.append((body, {**headers, "X-Signature-Key": "someone-else"}))
    forged.append((body, {"Content-Type": "application/json"}))  # not signed at all
    hmac_body, hmac_headers = body, Signer(HmacKey("paysys-1", b"\x05" * 32)).headers(body)
    forged.append((hmac_body, hmac_headers))  # an HMAC under the Ed25519 key's id
    codes = []
    for forged_body, forged_headers in forged:
        answer = bank.client.post("/v1/payments/callbacks", content=forged_body, headers=forged_headers)
        codes.append((answer.status_code, answer.json()["code"]))
    assert all(status == 401 for status, _ in codes), codes
    assert {code for _, code in codes} >= {"signature-invalid", "signature-unknown-key", "signature-missing"}
    assert bank.cash_in() == []
    assert bank.order(order["id"]).status is OrderStatus.pending
    assert bank.callback(genuine).json()["applied"] is True
    assert bank.cash_in() == [D("300.00")]


def test_a_signed_callback_naming_a_key_twice_is_refused_whatever_its_content_type(bank: Bank) -> None:
    order = repayment(bank, "300.00", "r1")
    body = (
        f'{{"instruction_id": "{order["id"]}", "status": "succeeded", "amount": "3.00", '
        f'"amount": "300.00", "reference": "PS-1", "settled_at": "{START.isoformat()}"}}'
    ).encode()
    for content_type in ("application/json", "text/plain"):
        headers = {**bank.keys.gateway_signer().headers(body), "Content-Type": content_type}
        answer = bank.client.post("/v1/payments/callbacks", content=body, headers=headers)
        assert (answer.status_code, answer.json()["code"]) == (422, "duplicate-key"), answer.text
    assert bank.cash_in() == []
    assert bank.order(order["id"]).status is OrderStatus.pending
    assert bank.callback(bank.succeeded(order["id"], "300.00", "PS-1")).json()["applied"] is True
    assert bank.cash_in() == [D("300.00")]


def test_callbacks_duplicated_replayed_reordered_and_late(bank: Bank) -> None:
    first = repayment(bank, "200.00", "r1")
    second = repayment(bank, "150.00", "r2")
    # the second order's outcome arrives first, then a pending that is older than it
    assert bank.callback(bank.succeeded(second["id"], "150.00", "PS-2")).json()["applied"] is True
    stale_pending = {"instruction_id": second["id"], "status": "pending", "amount": "0.00"}
    assert bank.callback(stale_pending).json()["applied"] is False
    # the first one fails, then (reordered) a success for it arrives: the first final answer stands
    failed = {"instruction_id": first["id"], "status": "failed", "amount": "0.00", "reason": "no funds"}
    assert bank.callback(failed).json()["applied"] is True
    assert bank.callback(bank.succeeded(first["id"], "200.00", "PS-1")).json()["applied"] is False
    # a duplicate with a fresh nonce changes nothing; the very same message again is a replay
    body, headers = sign_callback(bank.keys, bank.succeeded(second["id"], "150.00", "PS-2"))
    once = bank.client.post("/v1/payments/callbacks", content=body, headers=headers)
    assert once.json()["applied"] is False
    again = bank.client.post("/v1/payments/callbacks", content=body, headers=headers)
    assert (again.status_code, again.json()["code"]) == (409, "replayed-message")
    # a reference already credited cannot confirm another order
    third = repayment(bank, "50.00", "r3")
    reused = bank.callback(bank.succeeded(third["id"], "50.00", "PS-2"))
    assert (reused.status_code, reused.json()["code"]) == (409, "reference-used")
    over = bank.callback(bank.succeeded(third["id"], "50.01", "PS-3"))
    assert (over.status_code, over.json()["code"]) == (422, "over-collected")
    unknown = bank.callback(bank.succeeded("col_nothing", "1.00", "PS-4"))
    assert unknown.status_code == 404
    assert bank.callback({"instruction_id": third["id"], "status": "paid"}).status_code == 422
    assert bank.cash_in() == [D("150.00")]
    assert bank.order(first["id"]).status is OrderStatus.failed
    assert bank.order(third["id"]).status is OrderStatus.pending
    # delayed: the answer comes after days; the credit is value-dated when the money settled
    bank.server.lender.clock.advance(timedelta(days=2))  # type: ignore[attr-defined]
    assert bank.callback(bank.succeeded(third["id"], "20.00", "PS-5")).json()["applied"] is True
    credit = next(e for e in bank.entries() if e.data.get("order") == third["id"])
    assert (credit.amount, credit.business_date) == (D("20.00"), START.date())


def test_concurrent_duplicate_callbacks_credit_once(bank: Bank) -> None:
    order = repayment(bank, "400.00", "r1")
    result = bank.succeeded(order["id"], "400.00", "PS-1")
    answers: list[Any] = []

    def deliver() -> None:
        body, headers = sign_callback(bank.keys, result)
        answers.append(bank.server.backend.payment_callback(headers, body))

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a["applied"] for a in answers) == [False] * 5 + [True]
    assert bank.cash_in() == [D("400.00")]


def test_offline_payments_need_the_role_a_unique_reference_and_four_eyes(bank: Bank) -> None:
    path = f"/v1/loans/{bank.loan_id}/offline-payments"
    body = {"amount": "800.00", "reference": "CNTR-1", "channel": "counter"}
    small = bank.client.post(path, headers=bank.as_(OPS[1], "o1"), json=body)
    assert small.status_code == 201, small.text
    assert (small.json()["status"], small.json()["maker"]) == ("posted", OPS[0])
    dup = bank.client.post(path, headers=bank.as_(OPS[1], "o2"), json=body)
    assert (dup.status_code, dup.json()["code"]) == (409, "reference-used")
    for bad in (
        {**body, "reference": "has space"},
        {**body, "channel": "gateway"},
        {**body, "amount": "1,000"},
    ):
        assert bank.client.post(path, headers=bank.as_(OPS[1], f"bad-{bad}"), json=bad).status_code == 422
    big = bank.client.post(
        path, headers=bank.as_(OPS[1], "o3"), json={**body, "amount": "5000.00", "reference": "TRF-9"}
    )
    assert big.json()["status"] == "pending"
    assert bank.server.lender.servicing.position(bank.loan_id).repaid == D("800.00")
    queue = bank.client.get("/v1/manual-postings?status=pending", headers=bank.as_("lf_aud")).json()
    assert [p["id"] for p in queue] == [big.json()["id"]]
    approve = f"/v1/manual-postings/{big.json()['id']}/approve"
    mine = bank.client.post(approve, headers=bank.as_(OPS[1], "a1"), json={})
    assert (mine.status_code, mine.json()["code"]) == (403, "four-eyes")
    assert bank.client.post(approve, headers=bank.as_("lf_aud", "a2"), json={}).status_code == 403
    done = bank.client.post(approve, headers=bank.as_(CHECKER[1], "a3"), json={})
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["checker"]) == ("posted", CHECKER[0])
    assert bank.server.lender.servicing.position(bank.loan_id).repaid == D("5800.00")
    # a reversal follows the same rules: the big one waits for the second user
    entry = done.json()["entry_id"]
    reverse = {"entry_id": entry, "reference": "RTN-9", "reason": "transfer recalled"}
    asked = bank.client.post(
        f"/v1/loans/{bank.loan_id}/reversals", headers=bank.as_(OPS[1], "v1"), json=reverse
    )
    assert asked.json()["status"] == "pending"
    reject = f"/v1/manual-postings/{asked.json()['id']}/reject"
    assert (
        bank.client.post(reject, headers=bank.as_(CHECKER[1], "v2"), json={}).status_code == 422
    )  # no reason
    no = bank.client.post(reject, headers=bank.as_(CHECKER[1], "v3"), json={"reason": "not recalled"})
    assert no.json()["status"] == "rejected"
    assert bank.server.lender.servicing.position(bank.loan_id).repaid == D("5800.00")
    with bank.server.store.transaction() as tx:
        actions = [r.action for r in tx.audit.records(bank.loan_id)]
    assert {"loan.offline_payment", "loan.approve_posting", "loan.reverse", "loan.reject_posting"} <= set(
        actions
    )


def test_the_payouts_and_collections_reconcile_with_the_ledger(bank: Bank) -> None:
    order = repayment(bank, "250.00", "r1")
    bank.callback(bank.succeeded(order["id"], "250.00", "PS-1"))
    with bank.server.store.transaction() as tx:
        payouts = tx.repo(Disbursement).list(loan_id=bank.loan_id)
        orders = tx.repo(DebitOrder).list(loan_id=bank.loan_id)
    entries = bank.entries()
    assert sum((d.amount for d in payouts if d.status is OrderStatus.succeeded), D(0)) == sum(
        (e.amount for e in entries if e.type == EntryType.disbursement), D(0)
    )
    assert sum((o.collected for o in orders), D(0)) == sum(bank.cash_in(), D(0)) == D("250.00")


def test_ed25519_keys_rotate(bank: Bank) -> None:
    """Two keys of the payment system are trusted during a rotation; the retired one is not after."""
    newer = Ed25519Key.generate("paysys-2")
    verifier = bank.server.backend.callbacks
    assert verifier is not None
    verifier.keys[newer.key_id] = newer.public_only()
    order = repayment(bank, "10.00", "r1")
    body = bank.succeeded(order["id"], "10.00", "PS-1")
    raw = json.dumps(body).encode()
    headers = {**Signer(newer).headers(raw), "Content-Type": "application/json"}
    assert bank.client.post("/v1/payments/callbacks", content=raw, headers=headers).json()["applied"] is True
