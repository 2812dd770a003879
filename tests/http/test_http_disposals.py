"""Collateral disposal over HTTP on the real servicing: operations run it, risk approves (a second
person), the proceeds are confirmed money taken once, the allocation settles the loan and holds
the surplus; wrong roles, wrong states, hostile bodies and a replayed key are answered as such."""

from __future__ import annotations

import shutil
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from http_live import ROOT, Live, live_server

from loanfactory.spec import load_product_or_raise

sys.path.insert(0, str(ROOT / "tests" / "servicing"))
from servicing_world import World

D = Decimal
SOLD = date(2026, 6, 5)


@pytest.fixture
def setup(tmp_path: Path) -> tuple[World, Live, str]:
    """A vehicle-secured consumer loan unpaid since its first due date, and a server over its store."""
    products = tmp_path / "products"
    shutil.copytree(ROOT / "products", products)
    source = products / "consumer_credit.yaml"
    text = source.read_text(encoding="utf-8").replace(
        "  types: [credit]       # 信用贷款，无担保\n",
        '  types: [mortgage]\n  collateral:\n    - type: vehicle\n      max_ltv: "80%"\n',
    )
    source.write_text(text, encoding="utf-8")
    world = World(products={"consumer_credit": load_product_or_raise(source)})
    loan_id = world.active()
    world.gateway.fund("6222020200112233", D(0))
    world.until(SOLD)
    live = live_server(None, store=world.store, clock=world.clock, folders=(products, ROOT / "rules"))
    return world, live, loan_id


def test_a_disposal_from_request_to_close_over_http(setup: tuple[World, Live, str]) -> None:
    world, live, loan_id = setup
    post = live.client.post
    # what settles the loan on the sale day (the product charges no prepayment fee); the figures are
    # checked by hand in tests/servicing/test_collateral.py, here the HTTP path agrees with the quote
    owed = world.servicing.payoff_quote(loan_id, on=SOLD).total
    asked = post(
        f"/v1/loans/{loan_id}/disposals", headers=live.as_("ops", key="d-1"), json={"reason": "逾期处置"}
    )
    disposal = live.ok(asked, 201)
    path = f"/v1/disposals/{disposal['id']}"
    again = post(
        f"/v1/loans/{loan_id}/disposals", headers=live.as_("ops", key="d-1"), json={"reason": "逾期处置"}
    )
    assert live.ok(again, 201)["id"] == disposal["id"]  # the same key answers the first request
    early = post(f"{path}/approve", headers=live.as_("risk", key="a-0"), json={})
    assert (early.status_code, early.json()["code"]) == (409, "disposal-state")
    appraisal = {"value": "30000.00", "appraiser": "某评估公司", "reference": "PG-1"}
    live.ok(post(f"{path}/appraisal", headers=live.as_("ops", key="p-1"), json=appraisal))
    ops_approves = post(f"{path}/approve", headers=live.as_("ops", key="a-1"), json={})
    assert (ops_approves.status_code, ops_approves.json()["code"]) == (403, "forbidden-role")
    live.ok(post(f"{path}/approve", headers=live.as_("risk", key="a-2"), json={"note": "同意"}))
    sale = {"method": "judicial-auction", "reference": "PM-1"}
    live.ok(post(f"{path}/sale", headers=live.as_("ops", key="s-1"), json=sale))
    sold = {"price": "15000.00", "costs": "300.00", "sold_on": SOLD.isoformat()}
    live.ok(post(f"{path}/sold", headers=live.as_("ops", key="s-2"), json=sold))
    too_much = {"amount": "15000.01", "reference": "TRF-9", "settled_on": SOLD.isoformat()}
    refused = post(f"{path}/proceeds", headers=live.as_("ops", key="m-0"), json=too_much)
    assert (refused.status_code, refused.json()["code"]) == (422, "over-collected")
    money = {"amount": "15000.00", "reference": "TRF-1", "settled_on": SOLD.isoformat()}
    live.ok(post(f"{path}/proceeds", headers=live.as_("ops", key="m-1"), json=money))
    twice = post(f"{path}/proceeds", headers=live.as_("ops", key="m-2"), json=money | {"reference": "TRF-2"})
    assert (twice.status_code, twice.json()["code"]) == (409, "disposal-state")
    done = live.ok(post(f"{path}/allocate", headers=live.as_("ops", key="x-1"), json={"surplus": "hold"}))
    assert D(done["applied"]) == owed + D("300.00")
    assert D(done["surplus"]) == D("15000.00") - owed - D("300.00")
    assert world.position(loan_id, SOLD).credit == D(done["surplus"])
    assert world.servicing.loan(loan_id).status.value == "settled"
    closed = live.ok(post(f"{path}/close", headers=live.as_("ops", key="c-1"), json={}))
    assert closed["status"] == "closed"
    listed = live.ok(live.client.get(f"/v1/loans/{loan_id}/disposals", headers=live.as_("auditor")))
    assert [d["status"] for d in listed] == ["closed"]
    assert live.client.get(path, headers=live.as_("marketing")).status_code == 403


@pytest.mark.parametrize(
    ("step", "body", "field"),
    [
        ("appraisal", {"value": "1.005", "appraiser": "x", "reference": "P"}, "value"),
        ("appraisal", {"value": 30000.5, "appraiser": "x", "reference": "P"}, "value"),
        ("appraisal", {"value": "30000", "appraiser": "x", "reference": "有空格 的"}, "reference"),
        ("appraisal", {"value": "30000", "appraiser": "x", "reference": "P", "extra": 1}, "extra"),
        ("sale", {"method": "lottery", "reference": "P"}, "method"),
    ],
)
def test_hostile_bodies_are_located_and_change_nothing(
    setup: tuple[World, Live, str], step: str, body: dict[str, object], field: str
) -> None:
    _, live, loan_id = setup
    made = live.client.post(
        f"/v1/loans/{loan_id}/disposals", headers=live.as_("ops", key="d"), json={"reason": "处置"}
    )
    disposal = live.ok(made, 201)
    refused = live.client.post(
        f"/v1/disposals/{disposal['id']}/{step}", headers=live.as_("ops", key="bad"), json=body
    )
    assert refused.status_code == 422, refused.text
    located = [str(part) for error in refused.json().get("errors", []) for part in error["loc"]]
    assert field in located, refused.json()
    shown = live.ok(live.client.get(f"/v1/disposals/{disposal['id']}", headers=live.as_("risk")))
    assert shown["status"] == "requested"
    no_key = live.client.post(f"/v1/loans/{loan_id}/disposals", headers=live.as_("ops"), json={"reason": "x"})
    assert no_key.status_code == 428
