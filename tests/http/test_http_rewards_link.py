"""Campaign rewards issued over HTTP by the marketing role (red packets on a budget, coupons,
referrals with anti-abuse), the effect report against counts made here from the answers; and a
customer registered at a branch who later signs in at the bank's identity provider (a JWT) and
links that sign-in by proving the customer is them."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from http_live import Live, live_server
from jwt_support import AUDIENCE, ISSUER, NOW, Provider

from loanfactory.testing import sample_book

D = Decimal
PACKETS: dict[str, Any] = {
    "code": "spring_packets",
    "name": {"zh": "春季还款红包"},
    "campaign_kind": "red-packet",
    "cash": "20.00",
    "valid_from": "2025-07-01",
    "valid_to": "2026-12-31",
    "budget": "60.00",
}
REFERRAL: dict[str, Any] = PACKETS | {
    "code": "bring_a_friend",
    "name": {"zh": "推荐有礼"},
    "campaign_kind": "referral",
    "cash": None,
    "referrer_reward": "30.00",
    "referee_reward": "10.00",
    "per_customer": 3,
    "budget": "1000.00",
}


def _everyone(live: Live) -> list[str]:
    return [live.customer(p, f"lf_c{n}") for n, p in enumerate(sample_book.PEOPLE)]


@pytest.fixture
def live(tmp_path: Path) -> Live:
    return live_server(f"sqlite:///{tmp_path / 'rewards.db'}")


def test_red_packets_over_http_stay_within_the_budget_and_the_effect_counts_them(live: Live) -> None:
    live.ok(live.client.post("/v1/campaigns", headers=live.as_("marketing", key="l-1"), json=PACKETS), 201)
    customers = _everyone(live)
    granted: dict[str, str] = {}
    refused: list[str] = []
    for n, customer in enumerate(customers):
        answer = live.client.post(
            "/v1/campaigns/spring_packets/rewards",
            headers=live.as_("marketing", key=f"g-{n}"),
            json={"customer_id": customer},
        )
        if answer.status_code == 201:
            granted[customer] = answer.json()["id"]
        else:
            assert answer.status_code == 409, answer.text
            refused.append(answer.json()["code"])
    assert len(granted) == 3  # 60.00 of budget, 20.00 a packet
    assert refused == ["campaign-budget"] * (len(customers) - 3)
    first = {"customer_id": customers[0]}
    replay = live.client.post(
        "/v1/campaigns/spring_packets/rewards", headers=live.as_("marketing", key="g-0"), json=first
    )
    assert (replay.status_code, replay.json()["id"]) == (201, granted[customers[0]])
    listed = live.ok(live.client.get("/v1/campaigns/spring_packets/rewards", headers=live.as_("marketing")))
    assert {r["customer_id"] for r in listed} == set(granted)
    assert sum((D(r["amount"]) for r in listed), D(0)) == D("60.00")
    assert all("person" not in r and "device" not in r for r in listed)
    shown = live.ok(live.client.get("/v1/campaigns/spring_packets", headers=live.as_("marketing")))
    assert D(shown["reserved"]) == D("60.00")
    effect = live.ok(live.client.get("/v1/campaigns/spring_packets/effect", headers=live.as_("marketing")))
    assert (effect["reached"], effect["participated"], D(effect["cost"])) == (len(granted), 0, D(0))


def test_referrals_and_coupons_over_http_with_abuse_refused(live: Live) -> None:
    live.ok(live.client.post("/v1/campaigns", headers=live.as_("marketing", key="l-1"), json=REFERRAL), 201)
    a, b, c, d, *_ = _everyone(live)
    path = "/v1/campaigns/bring_a_friend"
    pair = live.ok(
        live.client.post(
            f"{path}/referrals",
            headers=live.as_("marketing", key="r-1"),
            json={"referrer_id": a, "referee_id": b, "device": "dev-A"},
        ),
        201,
    )
    assert (D(pair["referrer"]["amount"]), D(pair["referee"]["amount"])) == (D("30.00"), D("10.00"))
    for n, (who, whom, device, status, code) in enumerate(
        [
            (a, a, "dev-B", 422, "referral-self"),
            (c, b, "dev-C", 409, "referral-repeat"),  # the same verified person again
            (a, d, "dev-A", 409, "referral-repeat"),  # the same device again
        ]
    ):
        body = {"referrer_id": who, "referee_id": whom, "device": device}
        answer = live.client.post(f"{path}/referrals", headers=live.as_("marketing", key=f"x-{n}"), json=body)
        assert (answer.status_code, answer.json()["code"]) == (status, code)
    wrong = live.client.post(
        f"{path}/rewards", headers=live.as_("marketing", key="w"), json={"customer_id": a}
    )
    assert (wrong.status_code, wrong.json()["code"]) == (422, "referral-campaign")
    effect = live.ok(live.client.get(f"{path}/effect", headers=live.as_("marketing")))
    assert effect["reached"] == 2  # the referrer and the referee

    coupon = {
        "code": "summer",
        "name": {"zh": "夏日优惠"},
        "rate_discount_bp": 50,
        "valid_from": "2025-08-01",
        "valid_to": "2025-08-31",
        "budget": "20000",
    }
    live.ok(live.client.post("/v1/campaigns", headers=live.as_("marketing", key="l-2"), json=coupon), 201)
    issued = live.client.post(
        "/v1/campaigns/summer/rewards", headers=live.as_("marketing", key="c-1"), json={"customer_id": c}
    )
    assert (issued.status_code, issued.json()["customer_id"]) == (201, c)
    for who in ("ops", "risk", "pm", "lf_c0"):
        denied = live.client.post(
            "/v1/campaigns/summer/rewards", headers=live.as_(who, key=f"d-{who}"), json={"customer_id": c}
        )
        assert denied.status_code == 403, who
    hostile = [{"customer_id": ""}, {"customer_id": c, "amount": "999"}, {}]
    for n, body in enumerate(hostile):
        answer = live.client.post(
            "/v1/campaigns/summer/rewards", headers=live.as_("marketing", key=f"h-{n}"), json=body
        )
        assert answer.status_code == 422, body
    missing = live.client.post(
        "/v1/campaigns/winter/rewards", headers=live.as_("marketing", key="m"), json={"customer_id": c}
    )
    assert missing.status_code == 404
    assert live.ok(live.client.get("/v1/campaigns/summer", headers=live.as_("marketing")))["issued"] == 1


@pytest.fixture
def idp() -> Provider:
    return Provider.new()


@pytest.fixture
def sso(tmp_path: Path, idp: Provider) -> Iterator[Live]:
    environ = {
        "LOANFACTORY_JWT_ISSUER": ISSUER,
        "LOANFACTORY_JWT_AUDIENCE": AUDIENCE,
        "LOANFACTORY_JWT_JWKS": str(idp.write(tmp_path / "jwks.json")),
        "LOANFACTORY_JWT_ROLES": "app-user:customer",
    }
    running = live_server(f"sqlite:///{tmp_path / 'link.db'}", environ=environ)
    yield running
    running.server.stop.set()


def test_a_branch_customer_links_a_bank_sign_in_by_proof(sso: Live, idp: Provider) -> None:
    who = sample_book.PEOPLE[0]
    customer = sso.server.origination.register_customer(
        sample_book.individual(who), idempotency_key="branch-1"
    ).id  # registered by an officer at a branch: no sign-in yet
    profile = sample_book.individual(who)
    card = profile.bank_cards[0]
    proof = {
        "id_number": profile.id_number,
        "name": profile.name,
        "card_number": card.number,
        "phone": card.phone or profile.phone,
    }
    me = {"Authorization": f"Bearer {idp.token('sso-7001', roles=['app-user'], exp=NOW + 86400 * 400)}"}
    assert sso.ok(sso.client.get("/v1/me", headers=me))["customer_id"] is None
    wrong = sso.client.post(
        "/v1/customers/link", headers=me | {"Idempotency-Key": "k-1"}, json=proof | {"name": "李四"}
    )
    assert (wrong.status_code, wrong.json()["code"]) == (409, "ownership-not-proven")
    hostile = sso.client.post(
        "/v1/customers/link", headers=me | {"Idempotency-Key": "k-2"}, json=proof | {"phone": "1"}
    )
    assert hostile.status_code == 422
    linked = sso.ok(
        sso.client.post("/v1/customers/link", headers=me | {"Idempotency-Key": "k-3"}, json=proof)
    )
    assert linked["id"] == customer
    assert sso.ok(sso.client.get("/v1/me", headers=me))["customer_id"] == customer
    assert sso.client.get("/v1/loans", headers=me).status_code == 200  # acts for the customer now
    again = sso.client.post("/v1/customers/link", headers=me | {"Idempotency-Key": "k-4"}, json=proof)
    assert (again.status_code, again.json()["code"]) == (409, "already-registered")
    other = {"Authorization": f"Bearer {idp.token('sso-7002', roles=['app-user'], exp=NOW + 86400 * 400)}"}
    second = sso.client.post("/v1/customers/link", headers=other | {"Idempotency-Key": "k-5"}, json=proof)
    assert (second.status_code, second.json()["code"]) == (409, "customer-linked")
