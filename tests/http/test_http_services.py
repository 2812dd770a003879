"""The API over the real lender (products with rules, origination, servicing) on SQLite, in process
and through a real uvicorn server on loopback."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from http_fakes import ApiClient

from loanfactory.adapters.http import Role
from loanfactory.adapters.http._wiring import Server, ServerSettings, build_server

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "origination"))
from orig_samples import individual  # noqa: E402

KEYS = "ops:operations:lf_ops,off:officer:lf_off,aud:auditor:lf_aud"
APPLY = {
    "product_code": "salary_loan",
    "amount": "50000",
    "term": 12,
    "purpose": "consumer",
    "channel": "app",
    "consents": [{"scope": "bureau-query"}, {"scope": "data-use"}],
}


@dataclass
class Live:
    server: Server
    client: ApiClient
    customer: str


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    db = tmp_path_factory.mktemp("db") / "lf.db"
    server = build_server(
        ServerSettings(
            simulate=True,
            db=f"sqlite:///{db}",
            products=ROOT / "products",
            rules=ROOT / "rules",
            relay_interval=0,
            environ={"LOANFACTORY_API_KEYS": KEYS, "LOANFACTORY_PII_KEY": bytes(range(32)).hex()},
        )
    )
    customer = server.origination.register_customer(individual(), idempotency_key="reg-alice").id
    server.app.state.loanfactory.auth.keys.add("alice", Role.customer, "lf_alice", customer)
    yield Live(server, ApiClient(server.app), customer)
    server.stop.set()


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_products_filter_and_detail(live: Live) -> None:
    products = live.client.get(
        "/v1/products?segment=individual&purpose=consumer", headers=_auth("lf_alice")
    ).json()
    codes = [p["code"] for p in products]
    assert "salary_loan" in codes
    assert "supply_chain" not in codes
    detail = live.client.get("/v1/products/salary_loan", headers=_auth("lf_alice")).json()
    assert detail["amount"]["max"]
    missing = live.client.get("/v1/products/salary_lon", headers=_auth("lf_alice"))
    assert missing.status_code == 404
    assert "did you mean 'salary_loan'" in missing.json()["detail"]


def test_a_quote_has_schedule_fees_and_apr(live: Live) -> None:
    body = {"product_code": "salary_loan", "amount": "50000", "term": 12}
    quote = live.client.post("/v1/quotes", headers=_auth("lf_alice"), json=body).json()
    assert quote["installments"] == len(quote["schedule"]) == 12
    principal = sum(float(r["principal"]) for r in quote["schedule"])
    assert round(principal, 2) == 50000.00
    assert float(quote["apr"]) >= float(quote["annual_rate"])


def test_a_quote_the_product_refuses_names_the_field_in_chinese(live: Live) -> None:
    body = {"product_code": "salary_loan", "amount": "50000", "term": 7}
    response = live.client.post(
        "/v1/quotes", headers={**_auth("lf_alice"), "Accept-Language": "zh-CN"}, json=body
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"][0]["loc"] == ["body", "term"]
    assert "期限" in problem["detail"]


@pytest.mark.parametrize("start", ["9999-01-01", "9999-06-01", "9999-12-31"])
def test_a_quote_whose_schedule_passes_9999_names_the_start_date(live: Live, start: str) -> None:
    body = {"product_code": "salary_loan", "amount": "50000", "term": 12, "start_date": start}
    for lang, words in (("en", "run past 9999-12-31"), ("zh", "超过了 9999-12-31")):
        answer = live.client.post(
            "/v1/quotes", headers={**_auth("lf_alice"), "Accept-Language": lang}, json=body
        )
        assert answer.status_code == 422, answer.text
        problem = answer.json()
        assert problem["code"] == "date-out-of-range"
        assert problem["errors"][0]["loc"] == ["body", "start_date"]
        assert words in problem["errors"][0]["msg"]


def test_a_customer_applies_and_follows_the_application(live: Live) -> None:
    created = live.client.post("/v1/applications", headers=_auth("lf_alice"), json=APPLY)
    assert created.status_code == 201, created.text
    application = created.json()["application"]
    assert application["customer_id"] == live.customer
    mine = live.client.get("/v1/applications", headers=_auth("lf_alice")).json()
    assert application["id"] in [a["id"] for a in mine]
    result = live.client.get(f"/v1/applications/{application['id']}/result", headers=_auth("lf_alice")).json()
    assert result["status"] == application["status"]
    assert isinstance(result["reasons"], list)


def test_applying_without_consent_is_refused_with_a_reason(live: Live) -> None:
    response = live.client.post("/v1/applications", headers=_auth("lf_alice"), json={**APPLY, "consents": []})
    assert response.status_code == 422
    assert response.json()["code"] != "internal-error"


def test_unknown_records_are_404_not_500(live: Live) -> None:
    for path in (
        "/v1/loans/loan_x",
        "/v1/contracts/ctr_x",
        "/v1/applications/app_x",
        "/v1/eod-runs/2025-01-01",
    ):
        assert live.client.get(path, headers=_auth("lf_aud")).status_code == 404, path
    repay = live.client.post(
        "/v1/loans/loan_x/repayments",
        headers={**_auth("lf_ops"), "Idempotency-Key": "r1"},
        json={"amount": "1"},
    )
    assert repay.status_code == 404


def test_a_real_server_on_loopback(live: Live) -> None:
    config = uvicorn.Config(live.server.app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            docs = client.get("/v1/openapi.json")
            assert docs.status_code == 200
            assert docs.json()["info"]["title"] == "loanfactory API"
            quote = client.post(
                "/v1/quotes",
                headers={**_auth("lf_alice"), "X-Request-ID": "loopback-1"},
                json={"product_code": "salary_loan", "amount": "20000", "term": 12, "schedule": False},
            )
            assert quote.status_code == 200
            assert quote.headers["x-request-id"] == "loopback-1"
            refused = client.post(
                "/v1/eod-runs", headers=_auth("lf_alice"), json={"business_date": "2025-09-01"}
            )
            assert refused.status_code == 403
            assert refused.headers["content-type"] == "application/problem+json"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_compare_and_recommend_quote_each_product(live: Live) -> None:
    body = {"codes": ["salary_loan", "consumer_credit", "salary_loan"], "amount": "50000", "term": 12}
    compared = live.client.post("/v1/products/compare", headers=_auth("lf_alice"), json=body).json()
    assert [p["code"] for p in compared["products"]] == ["salary_loan", "consumer_credit"]
    assert all("apr" in p["quote"] or "error" in p["quote"] for p in compared["products"])
    picks = live.client.post(
        "/v1/products/recommend", headers=_auth("lf_alice"), json={"amount": "50000", "term": 12, "limit": 3}
    ).json()
    aprs = [float(p["quote"]["apr"]) for p in picks]
    assert aprs == sorted(aprs)
    assert len(picks) <= 3


def test_notification_settings_round_trip(live: Live) -> None:
    path = f"/v1/customers/{live.customer}/notification-preferences"
    settings = {"language": "en", "channels": {"repayment_reminder": ["push"]}}
    assert live.client.put(path, headers=_auth("lf_alice"), json=settings).status_code == 200
    assert live.client.get(path, headers=_auth("lf_alice")).json()["language"] == "en"
    refused = live.client.put(path, headers=_auth("lf_alice"), json={"channels": {"overdue_notice": []}})
    assert refused.status_code == 422
    assert "cannot be switched off" in refused.text
