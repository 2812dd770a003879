"""A server over the real lender (products, rules, SQLite or the memory store) for the journey
and product-status tests, with a fixed clock and the sample book's bureau personas."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from http_fakes import ApiClient

from loanfactory.adapters.http import Role
from loanfactory.adapters.http._wiring import Providers, Server, ServerSettings, build_server
from loanfactory.entity import CST
from loanfactory.origination import DocumentKind
from loanfactory.ports import Store
from loanfactory.testing import FixedClock, SimulatedBureau, sample_book

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2025, 8, 1, 9, 30, tzinfo=CST)
STAFF = {
    "officer": ("wang.chushen", Role.officer, "lf_officer"),
    "senior": ("li.fushen", Role.senior_officer, "lf_senior"),
    "ops": ("ops-console", Role.operations, "lf_ops"),
    "pm": ("zhang.pm", Role.product_manager, "lf_pm"),
    "risk": ("risk-desk", Role.risk, "lf_risk"),
    "auditor": ("audit", Role.auditor, "lf_auditor"),
    "agent": ("agent.chen", Role.agent, "lf_agent"),
    "marketing": ("zhou.marketing", Role.marketing, "lf_marketing"),
}


@dataclass
class Live:
    server: Server
    client: ApiClient
    clock: FixedClock

    def as_(self, who: str, *, lang: str | None = None, key: str | None = None) -> dict[str, str]:
        token = STAFF[who][2] if who in STAFF else who
        headers = {"Authorization": f"Bearer {token}"}
        if lang:
            headers["Accept-Language"] = lang
        if key:
            headers["Idempotency-Key"] = key
        return headers

    def customer(self, person: dict[str, str], key: str) -> str:
        """Register a sample-book individual and give them an API key; returns the customer id."""
        customer = self.server.origination.register_customer(
            sample_book.individual(person), idempotency_key=f"reg-{person['ID number']}"
        ).id
        self.server.app.state.loanfactory.auth.keys.add(f"app-{customer}", Role.customer, key, customer)
        return str(customer)

    def ok(self, response: httpx.Response, status: int = 200) -> Any:
        assert response.status_code == status, (response.status_code, response.text)
        return response.json()


def live_server(
    db: str | None,
    *,
    store: Store | None = None,
    clock: FixedClock | None = None,
    folders: tuple[Path, Path] = (ROOT / "products", ROOT / "rules"),
    environ: dict[str, str] | None = None,
) -> Live:
    clock = clock or FixedClock(START)
    keys = ",".join(f"{name}:{role.value}:{key}" for name, role, key in STAFF.values())
    server = build_server(
        ServerSettings(
            db=db,
            products=folders[0],
            rules=folders[1],
            relay_interval=0,
            environ={
                "LOANFACTORY_API_KEYS": keys,
                "LOANFACTORY_PII_KEY": bytes(range(32)).hex(),
                **(environ or {}),
            },
        ),
        clock=clock,
        store=store,
        providers=Providers.simulated(bureau=SimulatedBureau(personas=sample_book.personas())),
    )
    return Live(server, ApiClient(server.app), clock)


def application_body(person: dict[str, str], product: str = "consumer_credit") -> dict[str, Any]:
    """The sample book's application for ``person``, as the app sends it over HTTP."""
    documents = sample_book.documents(
        person["ID number"],
        DocumentKind.id_card_front,
        DocumentKind.id_card_back,
        DocumentKind.income_proof,
    )
    return {
        "product_code": product,
        "amount": person["amount"],
        "term": int(person["term"]),
        "purpose": "consumer",
        "channel": "app",
        "consents": [{"scope": "bureau-query"}, {"scope": "data-use"}],
        "documents": [
            {"kind": d.kind.value, "sha256": d.sha256, "source": d.source.value}
            | ({"provider": d.provider} if d.provider else {})
            for d in documents
        ],
    }


def person(name: str) -> dict[str, str]:
    return next(p for p in sample_book.PEOPLE if p["name"] == name)


def disbursed_loan(live: Live, who: dict[str, str], key: str) -> str:
    """Register ``who`` (approved at once), apply, accept, sign, disburse; returns the loan id."""
    live.customer(who, key)
    applied = live.ok(
        live.client.post(
            "/v1/applications", headers=live.as_(key, key=f"apply-{key}"), json=application_body(who)
        ),
        201,
    )
    assert applied["outcome"] == "approved", applied
    offer = applied["offer"]["id"]
    contract = live.ok(
        live.client.post(f"/v1/offers/{offer}/accept", headers=live.as_(key, key=f"acc-{key}")), 201
    )
    live.ok(
        live.client.post(
            f"/v1/contracts/{contract['id']}/sign", headers=live.as_(key), json={"method": "face"}
        )
    )
    live.ok(
        live.client.post(
            f"/v1/contracts/{contract['id']}/sign", headers=live.as_("ops"), json={"method": "ca-certificate"}
        )
    )
    live.ok(
        live.client.post(
            "/v1/disbursements",
            headers=live.as_("ops", key=f"pay-{key}"),
            json={"loan_id": contract["loan_id"]},
        ),
        201,
    )
    live.server.worker.run_once()
    return str(contract["loan_id"])
