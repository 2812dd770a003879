"""Money-moving POSTs (and accepting an offer): an Idempotency-Key is required, and a retry gets the
first response."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest
from http_cases import CASES
from http_fakes import CUSTOMER, KEYS, OTHER, SECRET, ApiClient, FakeBackend, authenticator

from loanfactory.adapters.http import ROLE_TABLE, IdempotencyCache, Role, TokenSigner, create_app

MONEY = sorted(op for op, policy in ROLE_TABLE.items() if policy.keyed)


def test_every_money_moving_operation_needs_a_key_and_so_does_accepting_an_offer() -> None:
    assert {op for op, policy in ROLE_TABLE.items() if policy.money} < set(MONEY)
    assert "offers.accept" in MONEY


@pytest.mark.parametrize("operation", MONEY)
def test_money_moving_posts_need_a_key(client: ApiClient, operation: str) -> None:
    case = CASES[operation]
    role = sorted(ROLE_TABLE[operation].roles)[0]
    response = client.request(case.method, case.path, role=role, json=case.json)
    assert response.status_code == 428
    assert response.json()["code"] == "idempotency-key-required"
    blank = client.request(
        case.method, case.path, role=role, json=case.json, headers={"Idempotency-Key": " "}
    )
    assert blank.status_code == 428


def test_a_retry_replays_the_first_response(client: ApiClient, backend: FakeBackend) -> None:
    headers = {"Idempotency-Key": "pay-2025-09-01"}
    first = client.post(
        "/v1/loans/loan_1/repayments", role=Role.customer, json={"amount": "100"}, headers=headers
    )
    again = client.post(
        "/v1/loans/loan_1/repayments", role=Role.customer, json={"amount": "100"}, headers=headers
    )
    assert first.status_code == again.status_code == 202
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert len(backend.called("repay")) == 1
    service_key = backend.called("repay")[0][1]["key"]
    assert service_key.startswith("api:")
    assert "pay-2025-09-01" not in service_key


def test_the_same_key_with_another_body_is_refused(client: ApiClient, backend: FakeBackend) -> None:
    headers = {"Idempotency-Key": "k-1"}
    client.post("/v1/loans/loan_1/repayments", role=Role.customer, json={"amount": "100"}, headers=headers)
    other = client.post(
        "/v1/loans/loan_1/repayments", role=Role.customer, json={"amount": "200"}, headers=headers
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency-key-reused"
    assert len(backend.called("repay")) == 1


def test_keys_are_scoped_to_the_caller(client: ApiClient, backend: FakeBackend) -> None:
    headers = {"Idempotency-Key": "shared"}
    client.post("/v1/disbursements", role=Role.operations, json={"loan_id": "loan_1"}, headers=headers)
    client.post("/v1/loans/loan_1/repayments", role=Role.customer, json={"amount": "1"}, headers=headers)
    assert len(backend.called("disburse")) == 1
    assert len(backend.called("repay")) == 1


def test_domain_errors_are_replayed_too(client: ApiClient, backend: FakeBackend) -> None:
    backend.loans["loan_1"]["status"] = "closed"
    headers = {"Idempotency-Key": "late"}
    first = client.post(
        "/v1/loans/loan_1/repayments", role=Role.operations, json={"amount": "1"}, headers=headers
    )
    assert first.status_code == 409
    backend.loans["loan_1"]["status"] = "active"
    again = client.post(
        "/v1/loans/loan_1/repayments", role=Role.operations, json={"amount": "1"}, headers=headers
    )
    assert again.status_code == 409
    assert again.headers["idempotent-replayed"] == "true"


def test_an_unexpected_failure_frees_the_key(client: ApiClient, backend: FakeBackend) -> None:
    headers = {"Idempotency-Key": "boom"}
    backend.fail_with = RuntimeError("gateway exploded")
    assert (
        client.post(
            "/v1/disbursements", role=Role.operations, json={"loan_id": "loan_1"}, headers=headers
        ).status_code
        == 500
    )
    backend.fail_with = None
    retry = client.post(
        "/v1/disbursements", role=Role.operations, json={"loan_id": "loan_1"}, headers=headers
    )
    assert retry.status_code == 201


class SlowBackend(FakeBackend):
    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()

    def disburse(self, request: object, *, actor: str, key: str) -> dict[str, object]:
        self.entered.set()
        self.release.wait(5)
        return super().disburse(request, actor=actor, key=key)


def test_a_concurrent_duplicate_is_told_the_key_is_in_use() -> None:
    backend = SlowBackend()
    app = create_app(backend, auth=authenticator())
    headers = {"Authorization": f"Bearer {KEYS[Role.operations]}", "Idempotency-Key": "same"}

    async def both() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            first = asyncio.create_task(
                client.post("/v1/disbursements", json={"loan_id": "loan_1"}, headers=headers)
            )
            while not backend.entered.is_set():
                await asyncio.sleep(0.005)
            second = await client.post("/v1/disbursements", json={"loan_id": "loan_1"}, headers=headers)
            backend.release.set()
            return [(await first).status_code, second.status_code]

    assert asyncio.run(both()) == [201, 409]


def test_stored_responses_expire() -> None:
    now = [0.0]
    cache = IdempotencyCache(ttl=10, now=lambda: now[0])
    assert cache.begin("k", "f") is None
    from loanfactory.adapters.http._limits import StoredResponse

    cache.finish("k", StoredResponse(200, b"{}", "application/json", "f", 0))
    assert isinstance(cache.begin("k", "f"), StoredResponse)
    assert cache.begin("k", "g") == "mismatch"
    now[0] = 11
    assert cache.begin("k", "f") is None


# --- scope: principal (credential kind, role, subject, customer), route, body ------------------

APPLY = {
    "product_code": "salary_loan",
    "amount": "50000",
    "term": 12,
    "purpose": "consumer",
    "channel": "app",
}


def _bearer(token: str, key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Idempotency-Key": key}


def test_two_customers_sharing_a_subject_and_a_key_do_not_get_each_others_application(
    client: ApiClient, backend: FakeBackend
) -> None:
    signer = TokenSigner(SECRET)
    mine = signer.issue("app-user-7", Role.customer, customer_id=CUSTOMER)
    theirs = signer.issue("app-user-7", Role.customer, customer_id=OTHER)
    first = client.post("/v1/applications", json=APPLY, headers=_bearer(mine, "apply-1"))
    second = client.post("/v1/applications", json=APPLY, headers=_bearer(theirs, "apply-1"))
    assert first.status_code == second.status_code == 201
    assert first.json()["customer_id"] == CUSTOMER
    assert second.json()["customer_id"] == OTHER
    assert "idempotent-replayed" not in second.headers
    calls = backend.called("create_application")
    assert [c[1]["customer_id"] for c in calls] == [CUSTOMER, OTHER]
    assert calls[0][1]["key"] != calls[1][1]["key"]


def test_the_same_customer_retrying_with_a_fresh_token_gets_the_first_answer(
    client: ApiClient, backend: FakeBackend
) -> None:
    signer = TokenSigner(SECRET)
    first = client.post(
        "/v1/applications",
        json=APPLY,
        headers=_bearer(signer.issue("u-9", Role.customer, customer_id=CUSTOMER, ttl=60), "apply-2"),
    )
    again = client.post(
        "/v1/applications",
        json=APPLY,
        headers=_bearer(signer.issue("u-9", Role.customer, customer_id=CUSTOMER, ttl=120), "apply-2"),
    )
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert len(backend.called("create_application")) == 1


def test_a_key_names_one_request_per_route(client: ApiClient, backend: FakeBackend) -> None:
    headers = {"Idempotency-Key": "daily-1"}
    for loan in ("loan_1", "loan_2"):
        answer = client.post(
            f"/v1/loans/{loan}/repayments", role=Role.operations, json={"amount": "10"}, headers=headers
        )
        assert answer.status_code == 202  # a collection order
        assert "idempotent-replayed" not in answer.headers
    prepaid = client.post(
        "/v1/loans/loan_1/prepayments", role=Role.operations, json={"amount": "10"}, headers=headers
    )
    assert prepaid.status_code == 202
    keys = [k["key"] for _, k in backend.called("repay") + backend.called("prepay")]
    assert len(set(keys)) == 3


def test_an_api_key_and_a_token_with_the_same_name_are_different_callers(backend: FakeBackend) -> None:
    auth = authenticator()
    auth.keys.add("ops-7", Role.operations, "lf_ops_7")
    client = ApiClient(create_app(backend, auth=auth))
    token = TokenSigner(SECRET).issue("ops-7", Role.operations)
    for credential in ("lf_ops_7", token):
        answer = client.post(
            "/v1/disbursements", json={"loan_id": "loan_1"}, headers=_bearer(credential, "d-1")
        )
        assert answer.status_code == 201
        assert "idempotent-replayed" not in answer.headers
    assert len(backend.called("disburse")) == 2


def test_a_rotated_key_of_the_same_caller_replays(backend: FakeBackend) -> None:
    auth = authenticator()
    auth.keys.add("partner-x", Role.operations, "lf_partner_old")
    auth.keys.add("partner-x", Role.operations, "lf_partner_new")
    client = ApiClient(create_app(backend, auth=auth))
    first = client.post(
        "/v1/disbursements", json={"loan_id": "loan_1"}, headers=_bearer("lf_partner_old", "d-2")
    )
    again = client.post(
        "/v1/disbursements", json={"loan_id": "loan_1"}, headers=_bearer("lf_partner_new", "d-2")
    )
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert len(backend.called("disburse")) == 1


def test_the_services_key_stays_short_whatever_the_caller_sends(backend: FakeBackend) -> None:
    auth = authenticator()
    long_name = "n" * 500
    auth.keys.add(long_name, Role.operations, "lf_long")
    client = ApiClient(create_app(backend, auth=auth))
    answer = client.post(
        "/v1/disbursements", json={"loan_id": "loan_1"}, headers=_bearer("lf_long", "k" * 200)
    )
    assert answer.status_code == 201
    assert len(backend.called("disburse")[0][1]["key"]) <= 100
