"""Customer accounts over HTTP on the real lender: an enterprise and a 个体工商户 registered at a
branch, hostile registrations refused without a trace, and the development key of ``serve``
opening an account before it acts for one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from http_fakes import ApiClient
from http_live import ROOT, live_server

from loanfactory.adapters.http import Role
from loanfactory.adapters.http._wiring import ServerSettings, build_server
from loanfactory.origination import Customer
from loanfactory.testing import sample_book

OPERATOR = {
    "id_number": "11010519491231002X",
    "name": "赵敏",
    "phone": "13800138000",
    "annual_income": "120000",
    "employment": {"kind": "self-employed", "years": 5},
}


def _count(live: Any) -> int:
    with live.server.store.transaction() as tx:
        return len(tx.repo(Customer).list())


def test_an_enterprise_and_a_sole_proprietor_open_accounts_at_a_branch(tmp_path: Path) -> None:
    live = live_server(f"sqlite:///{tmp_path / 'branch.db'}")
    firm = sample_book.FIRMS[0]
    body = {"enterprise": sample_book.enterprise(firm).model_dump(mode="json")}
    created = live.ok(
        live.client.post("/v1/customers", headers=live.as_("officer", key="ent-1"), json=body), 201
    )
    assert created["type"] == "enterprise"
    checks = {r["check"] for r in created["kyc"]}
    assert checks == {"business-licence", "id-card"}
    assert created["enterprise"]["corporate_account"]["verified"] is False  # by a small deposit, later
    shop = {
        "sole_proprietor": {
            "operator": OPERATOR,
            "business": {
                "credit_code": "92110105765432104M",
                "name": "朝阳区赵记小吃店",
                "established_on": "2019-03-01",
                "industry": "餐饮业",
                "annual_revenue": "650000",
            },
        }
    }
    sole = live.ok(live.client.post("/v1/customers", headers=live.as_("officer", key="sp-1"), json=shop), 201)
    assert sole["type"] == "sole-proprietor"
    assert {r["check"] for r in sole["kyc"]} == {"business-licence", "id-card"}


def test_hostile_registrations_are_refused_and_nothing_is_stored(tmp_path: Path) -> None:
    live = live_server(f"sqlite:///{tmp_path / 'hostile.db'}")
    officer = live.as_("officer", key="bad-1")
    two = {
        "individual": OPERATOR,
        "enterprise": sample_book.enterprise(sample_book.FIRMS[0]).model_dump(mode="json"),
    }
    bad_id = {"individual": {**OPERATOR, "id_number": "110105194912310021"}}  # wrong check character
    unknown = {"individual": {**OPERATOR, "nickname": "x"}}
    none: dict[str, Any] = {}
    for n, body in enumerate((two, bad_id, unknown, none)):
        response = live.client.post(
            "/v1/customers", headers={**officer, "Idempotency-Key": f"bad-{n}"}, json=body
        )
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
    assert _count(live) == 0
    # ops, risk and the auditor may not open accounts
    for who in ("ops", "risk", "auditor"):
        assert (
            live.client.post(
                "/v1/customers", headers=live.as_(who, key="r"), json={"individual": OPERATOR}
            ).status_code
            == 403
        )


def test_the_development_customer_key_opens_an_account_first(tmp_path: Path) -> None:
    server = build_server(
        ServerSettings(
            db=f"sqlite:///{tmp_path / 'dev.db'}",
            products=ROOT / "products",
            rules=ROOT / "rules",
            relay_interval=0,
            environ={},
            dev=True,
            simulate=True,
        )
    )
    client = ApiClient(server.app)
    me = {"Authorization": f"Bearer {server.generated_keys[Role.customer]}"}
    assert client.get("/v1/me", headers=me).json()["customer_id"] is None
    assert client.get("/v1/loans", headers=me).json()["code"] == "not-registered"
    created = client.post(
        "/v1/customers", headers={**me, "Idempotency-Key": "dev-1"}, json={"individual": OPERATOR}
    )
    assert created.status_code == 201, created.text
    assert client.get("/v1/me", headers=me).json()["customer_id"] == created.json()["id"]
    assert client.get("/v1/loans", headers=me).status_code == 200
    server.stop.set()
