"""Recommendations over HTTP: for a customer who states the whole need, screened by origination."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from http_live import Live, live_server, person

NEED = {"amount": "80000", "term": 12, "purpose": "consumer", "channel": "app"}


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    running = live_server(f"sqlite:///{tmp_path / 'recommend.db'}")
    yield running
    running.server.stop.set()


def test_a_prime_customer_sees_eligible_products_first_with_their_quotes(live: Live) -> None:
    live.customer(person("李娜"), "lf_li")
    picks = live.ok(live.client.post("/v1/products/recommend", headers=live.as_("lf_li"), json=NEED))
    assert picks
    assert all(isinstance(p["eligible"], bool) for p in picks)
    flags = [p["eligible"] for p in picks]
    assert flags == sorted(flags, reverse=True)  # eligible ones first
    assert picks[0]["eligible"] is True
    eligible = [Decimal(p["quote"]["apr"]) for p in picks if p["eligible"]]
    assert eligible == sorted(eligible)


def test_a_customer_the_rules_turn_down_is_told_why(live: Live) -> None:
    # the profile alone decides here (a recommendation does not query the bureau): a region
    # the products do not lend in
    live.customer(person("赵敏"), "lf_chen")
    picks = live.ok(
        live.client.post(
            "/v1/products/recommend",
            headers=live.as_("lf_chen", lang="zh"),
            json={**NEED, "limit": 20},
        )
    )
    consumer = next(p for p in picks if p["code"] == "consumer_credit")
    assert consumer["eligible"] is False
    assert consumer["reasons"], consumer
    assert all(r["zh"] and r["en"] for r in consumer["reasons"])
    assert any("region" in r["en"] for r in consumer["reasons"]), consumer["reasons"]


def test_without_the_whole_need_or_a_customer_nothing_is_screened(live: Live) -> None:
    live.customer(person("李娜"), "lf_li")
    partial = live.ok(
        live.client.post(
            "/v1/products/recommend", headers=live.as_("lf_li"), json={"amount": "80000", "term": 12}
        )
    )
    assert partial
    assert all(p["eligible"] is None and p["reasons"] == [] for p in partial)
    staff = live.ok(live.client.post("/v1/products/recommend", headers=live.as_("officer"), json=NEED))
    assert all(p["eligible"] is None for p in staff)


def test_staff_may_screen_for_a_named_customer_and_an_unknown_one_is_404(live: Live) -> None:
    customer = live.customer(person("李娜"), "lf_li")
    named = live.ok(
        live.client.post(
            "/v1/products/recommend", headers=live.as_("officer"), json={**NEED, "customer_id": customer}
        )
    )
    assert any(p["eligible"] is True for p in named)
    missing = live.client.post(
        "/v1/products/recommend", headers=live.as_("officer"), json={**NEED, "customer_id": "cus_nobody"}
    )
    assert missing.status_code == 404, missing.text
    assert missing.headers["content-type"] == "application/problem+json"
