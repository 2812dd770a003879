"""Campaigns over HTTP on the real lender, for the marketing role: launch (idempotent), hostile
bodies refused with the field, pause and resume with what a pause stops, the effect report
against counts made here, and the roles that may not do it refused."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from http_live import Live, live_server, person

from loanfactory.errors import StateConflict

COUPON: dict[str, Any] = {
    "code": "summer",
    "name": {"zh": "夏日优惠", "en": "Summer offer"},
    "rate_discount_bp": 50,
    "valid_from": "2025-08-01",
    "valid_to": "2025-08-31",
    "budget": "20000",
    "max_coupons": 100,
}


def _launch(live: Live, body: dict[str, Any], key: str, who: str = "marketing") -> Any:
    return live.client.post("/v1/campaigns", headers=live.as_(who, key=key, lang="en"), json=body)


@pytest.fixture
def live(tmp_path: Path) -> Live:
    return live_server(f"sqlite:///{tmp_path / 'campaigns.db'}")


def test_launch_pause_resume_and_the_effect(live: Live) -> None:
    launched = live.ok(_launch(live, COUPON, "c-1"), 201)
    assert (launched["code"], launched["status"], launched["budget"]) == ("summer", "active", "20000.00")
    again = live.ok(_launch(live, COUPON, "c-1"), 201)  # a retry answers the first launch
    assert again["id"] == launched["id"]
    taken = _launch(live, COUPON, "c-2")
    assert (taken.status_code, taken.json()["code"]) == (409, "campaign-exists")
    listed = live.ok(live.client.get("/v1/campaigns", headers=live.as_("marketing")))
    assert [c["code"] for c in listed] == ["summer"]

    customers = [live.customer(person(name), f"lf_{n}") for n, name in enumerate(("李娜", "王强"))]
    for n, customer in enumerate(customers):
        live.server.origination.issue_coupon("summer", customer, idempotency_key=f"cpn-{n}")

    path = "/v1/campaigns/summer"
    paused = live.ok(
        live.client.post(f"{path}/pause", headers=live.as_("marketing", key="p-1"), json={"reason": "复核"})
    )
    assert paused["status"] == "paused"
    assert live.ok(live.client.get("/v1/campaigns?status=paused", headers=live.as_("auditor")))[0][
        "code"
    ] == ("summer")
    assert live.ok(live.client.get("/v1/campaigns?status=active", headers=live.as_("pm"))) == []
    third = live.customer(person("周静"), "lf_zhou")
    with pytest.raises(StateConflict) as closed:  # a paused campaign issues nothing
        live.server.origination.issue_coupon("summer", third, idempotency_key="cpn-3")
    assert closed.value.code == "campaign-closed"
    twice = live.client.post(f"{path}/pause", headers=live.as_("marketing", key="p-2"))
    assert (twice.status_code, twice.json()["code"]) == (409, "campaign-status")
    resumed = live.ok(live.client.post(f"{path}/resume", headers=live.as_("marketing", key="r-1")))
    assert resumed["status"] == "active"
    live.server.origination.issue_coupon("summer", third, idempotency_key="cpn-3")

    shown = live.ok(live.client.get(path, headers=live.as_("marketing")))
    assert (shown["issued"], shown["status"]) == (3, "active")
    effect = live.ok(live.client.get(f"{path}/effect?attribution_days=10", headers=live.as_("marketing")))
    # three customers were given a coupon, none used one, nothing applied or was spent
    assert (effect["reached"], effect["participated"], effect["applied"], effect["disbursed"]) == (3, 0, 0, 0)
    assert Decimal(effect["cost"]) == 0
    assert effect["roi"] is None
    assert (effect["window_end"], effect["attribution_days"]) == ("2025-09-10", 10)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"budget": 20000.5}, "budget"),  # a float amount is inexact
        ({"budget": "20,000"}, "budget"),
        ({"budget": "-1"}, "budget"),
        ({"rate_discount_bp": 5000}, "rate_discount_bp"),
        ({"colour": "red"}, "colour"),  # unknown fields are refused, not ignored
        ({"code": "Summer Sale"}, "code"),
        ({"campaign_kind": "lottery"}, "campaign_kind"),
        ({"channels": ["fax"]}, "channels"),
        ({"name": {"en": "no Chinese name"}}, "name"),
        ({"valid_to": "2025-07-01"}, "valid_to"),
        ({"cash": "10"}, "cash"),  # a coupon campaign gives no cash
        ({"campaign_kind": "red-packet", "rate_discount_bp": 0}, "cash"),
        ({"eligibility": "no_such_rule"}, "eligibility"),
        ({"rate_discount_bp": 0}, "rate_discount_bp"),
    ],
)
def test_hostile_bodies_are_refused_with_the_field_and_nothing_is_stored(
    live: Live, change: dict[str, Any], field: str
) -> None:
    refused = _launch(live, COUPON | change, "bad-1")
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    located = [str(part) for error in problem.get("errors", []) for part in error["loc"]]
    assert field in located or problem.get("field") == field or field in problem["detail"], problem
    assert live.ok(live.client.get("/v1/campaigns", headers=live.as_("marketing"))) == []


def test_no_body_a_bad_code_or_an_unknown_campaign(live: Live) -> None:
    assert _launch(live, {}, "e-1").status_code == 422
    no_key = live.client.post("/v1/campaigns", headers=live.as_("marketing"), json=COUPON)
    assert (no_key.status_code, no_key.json()["code"]) == (428, "idempotency-key-required")
    missing = live.client.get("/v1/campaigns/winter/effect", headers=live.as_("marketing"))
    assert (missing.status_code, missing.json()["code"]) == (404, "not-found")
    assert (
        live.client.post("/v1/campaigns/winter/pause", headers=live.as_("marketing", key="w")).status_code
        == 404
    )
    assert live.client.get("/v1/campaigns/..%2Fetc", headers=live.as_("marketing")).status_code in (404, 422)
    bad_window = live.client.get(
        "/v1/campaigns/summer/effect?attribution_days=-1", headers=live.as_("marketing")
    )
    assert bad_window.status_code == 422


def test_other_roles_may_not_launch_or_pause(live: Live) -> None:
    live.ok(_launch(live, COUPON, "c-1"), 201)
    customer = live.customer(person("李娜"), "lf_li")
    assert customer
    for who in ("lf_li", "officer", "ops", "pm", "risk", "auditor", "agent"):
        refused = _launch(live, COUPON | {"code": "other"}, f"x-{who}", who)
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden-role"), who
        paused = live.client.post("/v1/campaigns/summer/pause", headers=live.as_(who, key=f"p-{who}"))
        assert paused.status_code == 403, who
    for who in ("lf_li", "officer", "ops", "risk", "agent"):
        assert live.client.get("/v1/campaigns/summer/effect", headers=live.as_(who)).status_code == 403, who
    assert (
        live.ok(live.client.get("/v1/campaigns/summer", headers=live.as_("marketing")))["status"] == "active"
    )
    marketing_reads_no_loans = live.client.get("/v1/loans", headers=live.as_("marketing"))
    assert marketing_reads_no_loans.status_code == 403
