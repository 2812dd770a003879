"""Customers see only their own records; tokens; request ids, rate limits and logs."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from http_fakes import CUSTOMER, KEYS, SECRET, ApiClient, FakeBackend, authenticator

from loanfactory.adapters.http import (
    Authenticator,
    KeyRing,
    RateLimiter,
    Role,
    TokenSigner,
    create_app,
    new_api_key,
)
from loanfactory.adapters.http._auth import key_digest

OWN = [
    "/v1/applications/app_2",
    "/v1/applications/app_2/result",
    "/v1/loans/loan_2",
    "/v1/loans/loan_2/schedule",
    "/v1/loans/loan_2/payoff-quote",
    "/v1/contracts/ctr_2",
]


@pytest.mark.parametrize("path", OWN)
def test_another_customers_record_looks_like_it_does_not_exist(client: ApiClient, path: str) -> None:
    response = client.get(path, role=Role.customer)
    assert response.status_code == 404
    assert response.json()["code"] == "not-found"
    assert client.get(path, role=Role.auditor).status_code == 200


def test_customers_cannot_act_on_another_customers_records(client: ApiClient, backend: FakeBackend) -> None:
    repay = client.post(
        "/v1/loans/loan_2/repayments",
        role=Role.customer,
        json={"amount": "1"},
        headers={"Idempotency-Key": "x"},
    )
    assert repay.status_code == 404
    sign = client.post("/v1/contracts/ctr_2/sign", role=Role.customer, json={"method": "sms-code"})
    assert sign.status_code == 404
    doc = client.post(
        "/v1/applications/app_2/documents", role=Role.customer, json={"kind": "other", "sha256": "b" * 64}
    )
    assert doc.status_code == 404
    assert not backend.called("repay")
    assert not backend.called("sign_contract")
    assert not backend.called("add_document")


def test_lists_are_scoped_to_the_customer(client: ApiClient, backend: FakeBackend) -> None:
    loans = client.get("/v1/loans", role=Role.customer).json()
    assert [loan["id"] for loan in loans] == ["loan_1"]
    assert client.get("/v1/loans?customer_id=cus_2", role=Role.customer).status_code == 403
    assert len(client.get("/v1/loans", role=Role.operations).json()) == 2
    apps = client.get("/v1/applications", role=Role.customer).json()
    assert {a["customer_id"] for a in apps} == {CUSTOMER}


def test_a_customer_applies_only_for_themselves(client: ApiClient, backend: FakeBackend) -> None:
    body = {
        "product_code": "salary_loan",
        "amount": "1000",
        "term": 6,
        "purpose": "consumer",
        "channel": "app",
    }
    assert client.post("/v1/applications", role=Role.customer, json=body).status_code == 201
    assert backend.called("create_application")[0][1]["customer_id"] == CUSTOMER
    other = client.post("/v1/applications", role=Role.customer, json={**body, "customer_id": "cus_2"})
    assert other.json()["code"] == "not-your-customer-id"
    officer = client.post("/v1/applications", role=Role.officer, json=body)
    assert officer.json()["code"] == "customer-required"


def test_signer_role_follows_the_callers_role(client: ApiClient, backend: FakeBackend) -> None:
    client.post("/v1/contracts/ctr_1/sign", role=Role.customer, json={"method": "sms-code"})
    client.post("/v1/contracts/ctr_1/sign", role=Role.operations, json={"method": "ca-certificate"})
    assert [k["signer_role"] for _, k in backend.called("sign_contract")] == ["borrower", "lender"]


def test_signed_tokens_carry_role_and_customer_and_expire() -> None:
    clock = [1_700_000_000.0]
    signer = TokenSigner(SECRET, now=lambda: clock[0])
    client = ApiClient(create_app(FakeBackend(), auth=Authenticator(KeyRing(), signer)))
    token = signer.issue("u-alice", Role.customer, customer_id="cus_9", ttl=60)
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me == {"subject": "u-alice", "role": "customer", "customer_id": "cus_9"}
    clock[0] += 61
    expired = client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert expired.json()["code"] == "token-expired"


def test_tampered_or_foreign_tokens_are_refused() -> None:
    signer = TokenSigner(SECRET)
    token = signer.issue("u-1", Role.officer)
    head, claims, signature = token.split(".")
    forged_claims = claims[:-2] + ("AA" if claims[-2:] != "AA" else "BB")
    client = ApiClient(create_app(FakeBackend(), auth=Authenticator(KeyRing(), signer)))
    for bad in (
        f"{head}.{forged_claims}.{signature}",
        TokenSigner("another-secret-1234").issue("u", Role.admin),
        "lf1.x",
    ):
        response = client.get("/v1/me", headers={"Authorization": f"Bearer {bad}"})
        assert response.json()["code"] == "invalid-token", bad
    rotated = TokenSigner(["new-secret-0123456789", SECRET])
    assert rotated.verify(token).role is Role.officer


def test_token_and_key_rules() -> None:
    with pytest.raises(ValueError, match="16 characters"):
        TokenSigner("short")
    with pytest.raises(ValueError, match="customer_id"):
        TokenSigner(SECRET).issue("u", Role.customer)
    with pytest.raises(ValueError, match="customer_id"):
        KeyRing().add("app", Role.customer, new_api_key())
    ring = KeyRing.from_records([{"name": "ops", "role": "operations", "sha256": key_digest("lf_abc")}])
    assert ring.find("lf_abc") is not None
    assert ring.find("lf_abd") is None
    with pytest.raises(ValueError, match="known role"):
        KeyRing.from_records([{"name": "x", "role": "superuser", "key": "k"}])


def test_x_api_key_header_and_bad_schemes(client: ApiClient) -> None:
    assert client.get("/v1/me", headers={"X-API-Key": KEYS[Role.risk]}).json()["role"] == "risk"
    basic = client.get("/v1/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.json()["code"] == "invalid-credentials"


def test_request_ids_are_echoed_or_made_up(client: ApiClient) -> None:
    given = client.get("/v1/me", role=Role.admin, headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = client.get("/v1/me", role=Role.admin, headers={"X-Request-ID": "bad id\twith spaces"})
    assert made.headers["x-request-id"] != "bad id\twith spaces"
    assert len(made.headers["x-request-id"]) == 32
    error = client.get("/v1/loans/nope", role=Role.admin, headers={"X-Request-ID": "r-9"})
    assert error.json()["request_id"] == "r-9"


def test_access_log_has_request_id_and_masks_personal_numbers(
    client: ApiClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="loanfactory.http"):
        client.get(
            "/v1/loans?customer_id=110105199003071234", role=Role.admin, headers={"X-Request-ID": "log-1"}
        )
        client.get("/v1/applications/13812345678", role=Role.admin)
    assert "rid=log-1" in caplog.text
    assert "GET /v1/loans?customer_id=110***********1234 200" in caplog.text
    assert "110105199003071234" not in caplog.text
    assert "13812345678" not in caplog.text
    assert KEYS[Role.admin] not in caplog.text


def test_rate_limits_are_per_key_with_retry_after() -> None:
    now = [100.0]
    limiter = RateLimiter(rate=1, burst=2, now=lambda: now[0])
    client = ApiClient(create_app(FakeBackend(), auth=authenticator(), rate_limit=limiter))
    statuses = [client.get("/v1/me", role=Role.customer).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = client.get("/v1/me", role=Role.customer, headers={"Accept-Language": "zh"})
    assert limited.headers["retry-after"] == "1"
    assert limited.json()["code"] == "rate-limited"
    assert limited.json()["title"] == "请求过于频繁"
    assert client.get("/v1/me", role=Role.officer).status_code == 200  # another key has its own bucket
    now[0] += 1.0
    assert client.get("/v1/me", role=Role.customer).status_code == 200


def test_rate_limiter_refills_and_bounds_memory() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=10, burst=1, now=lambda: now[0], max_keys=2)
    assert limiter.take("a") == 0
    assert limiter.take("a") == pytest.approx(0.1)
    now[0] += 0.1
    assert limiter.take("a") == 0
    for key in "bcd":
        limiter.take(key)
    assert limiter.take("a") == 0  # evicted, so a full bucket again
    with pytest.raises(ValueError):
        RateLimiter(rate=0, burst=1)


# --- failed authentication, limited by client address -------------------------------------------


def _from(app: object, address: str, path: str = "/v1/me", **headers: str) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=(address, 50000))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.get(path, headers=headers)

    return asyncio.run(go())


def _limited_app(now: list[float]) -> object:
    failures = RateLimiter(rate=0.5, burst=3, now=lambda: now[0])
    return create_app(FakeBackend(), auth=authenticator(), auth_failures=failures)


def test_fresh_bogus_keys_from_one_address_hit_429() -> None:
    now = [0.0]
    app = _limited_app(now)
    statuses = [
        _from(app, "203.0.113.9", Authorization=f"Bearer {new_api_key()}").status_code for _ in range(6)
    ]
    assert statuses == [401, 401, 401, 429, 429, 429]
    limited = _from(app, "203.0.113.9", Authorization=f"Bearer {new_api_key()}", **{"Accept-Language": "zh"})
    assert limited.json()["code"] == "auth-failures"
    assert limited.json()["title"] == "请求过于频繁"
    assert limited.headers["retry-after"] == "2"
    assert limited.headers["content-type"].startswith("application/problem+json")
    # bogus tokens and missing credentials count the same
    other = "198.51.100.7"
    assert _from(app, other, Authorization="Bearer lf1.e30.AAAA").status_code == 401
    assert _from(app, other).status_code == 401
    assert _from(app, other, **{"X-API-Key": "nope"}).status_code == 401
    assert _from(app, other, Authorization="Bearer lf1.e30.AAAA").status_code == 429
    now[0] += 2.0  # one failure's worth of time: one more attempt, then blocked again
    assert _from(app, "203.0.113.9", Authorization=f"Bearer {new_api_key()}").status_code == 401
    assert _from(app, "203.0.113.9", Authorization=f"Bearer {new_api_key()}").status_code == 429


def test_a_blocked_address_is_blocked_for_valid_keys_too_and_others_are_not() -> None:
    now = [0.0]
    app = _limited_app(now)
    for _ in range(3):
        _from(app, "203.0.113.9", Authorization="Bearer lf_wrong")
    assert _from(app, "203.0.113.9", Authorization=f"Bearer {KEYS[Role.customer]}").status_code == 429
    assert _from(app, "192.0.2.1", Authorization=f"Bearer {KEYS[Role.customer]}").status_code == 200
    assert _from(app, "192.0.2.1", Authorization="Bearer lf_wrong").status_code == 401


def test_successful_requests_cost_no_failure_tokens() -> None:
    now = [0.0]
    app = _limited_app(now)
    for _ in range(20):
        assert _from(app, "192.0.2.1", Authorization=f"Bearer {KEYS[Role.officer]}").status_code == 200
    assert _from(app, "192.0.2.1", Authorization="Bearer lf_wrong").status_code == 401


def test_the_server_limits_failed_authentications_by_default() -> None:
    from pathlib import Path

    from loanfactory.adapters.http._wiring import ServerSettings, build_server
    from loanfactory.testing import MemoryStore

    root = Path(__file__).resolve().parents[2]
    server = build_server(
        ServerSettings(
            simulate=True, products=root / "products", rules=root / "rules", relay_interval=0, environ={}
        ),
        store=MemoryStore(),
    )
    statuses = [
        _from(server.app, "203.0.113.50", Authorization=f"Bearer {new_api_key()}").status_code
        for _ in range(40)
    ]
    assert statuses[0] == 401
    assert statuses[-1] == 429


def test_waiting_takes_no_token() -> None:
    limiter = RateLimiter(rate=1, burst=1, now=lambda: 0.0)
    assert limiter.wait("a") == 0
    assert limiter.wait("a") == 0
    assert limiter.take("a") == 0
    assert limiter.wait("a") == pytest.approx(1.0)
