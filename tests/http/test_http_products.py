"""Product publication over HTTP (产品上下架): each change recorded with who and when, effective at
once (listings, applications), kept across a restart, refused with a 409 problem when not allowed."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from http_live import ROOT, START, Live, application_body, live_server, person

from loanfactory.adapters.http._statuses import EVENT, FILE_ACTOR, ProductStatuses
from loanfactory.product import ProductCatalog
from loanfactory.testing import FixedClock, MemoryStore

LI = person("李娜")  # prime: consumer_credit is approved at once


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'products.db'}"


@pytest.fixture
def live(db: str) -> Iterator[Live]:
    running = live_server(db)
    yield running
    running.server.stop.set()


def _status(live: Live, code: str) -> str:
    return str(live.ok(live.client.get(f"/v1/products/{code}", headers=live.as_("auditor")))["status"])


def test_a_pause_is_recorded_with_who_and_why_and_survives_a_restart(db: str, live: Live) -> None:
    paused = live.client.post(
        "/v1/products/salary_loan/pause", headers=live.as_("pm"), json={"reason": "风险复盘：暂停新增"}
    )
    assert live.ok(paused)["status"] == "paused"
    listed = live.ok(live.client.get("/v1/products?status=paused", headers=live.as_("auditor")))
    assert [p["code"] for p in listed] == ["salary_loan"]
    online = live.ok(live.client.get("/v1/products?status=online", headers=live.as_("auditor")))
    assert "salary_loan" not in [p["code"] for p in online]
    with live.server.store.transaction() as tx:
        history = tx.catalog.history("salary_loan", "1")  # type: ignore[attr-defined]
    moves = [(h.from_status, h.to_status, h.actor, h.reason) for h in history]
    assert moves == [
        (None, "draft", "zhang.pm", "published"),
        ("draft", "online", FILE_ACTOR, "status of the product file"),
        ("online", "paused", "zhang.pm", "风险复盘：暂停新增"),
    ]
    assert history[-1].at == live.clock.now()
    live.server.stop.set()
    live.server.store.dispose()  # type: ignore[attr-defined]

    again = live_server(db)
    assert _status(again, "salary_loan") == "paused"
    assert any("salary_loan v1: online -> paused" in note for note in again.server.notes)
    assert _status(again, "consumer_credit") == "online"  # never changed: the file's status
    assert (
        again.ok(again.client.post("/v1/products/salary_loan/publish", headers=again.as_("pm")))["status"]
        == "online"
    )


def test_a_paused_product_refuses_applications_with_a_clear_error(live: Live) -> None:
    live.customer(LI, "lf_li")
    live.ok(live.client.post("/v1/products/consumer_credit/pause", headers=live.as_("pm")))
    refused = live.client.post(
        "/v1/applications", headers=live.as_("lf_li", lang="zh-CN"), json=application_body(LI)
    )
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["code"] == "product-closed"
    assert "consumer_credit" in problem["detail"]
    assert "不可申请" in problem["detail"]
    assert problem["errors"][0]["loc"] == ["body", "product_code"]
    english = live.client.post("/v1/applications", headers=live.as_("lf_li"), json=application_body(LI))
    assert "not on sale (paused)" in english.json()["detail"]
    picks = live.ok(
        live.client.post(
            "/v1/products/recommend", headers=live.as_("lf_li"), json={"amount": "80000", "term": 12}
        )
    )
    assert "consumer_credit" not in [p["code"] for p in picks]

    live.ok(live.client.post("/v1/products/consumer_credit/publish", headers=live.as_("pm")))
    applied = live.client.post("/v1/applications", headers=live.as_("lf_li"), json=application_body(LI))
    assert applied.status_code == 201, applied.text
    assert applied.json()["outcome"] == "approved"


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "cannot go from offline to online"), ("zh-CN", "不能从下线变为上线")],
)
def test_a_move_that_is_not_allowed_is_a_409_problem(live: Live, lang: str, words: str) -> None:
    live.ok(live.client.post("/v1/products/bridge_loan/offline", headers=live.as_("pm")))
    refused = live.client.post("/v1/products/bridge_loan/publish", headers=live.as_("pm", lang=lang))
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["code"] == "state-conflict"
    assert words in problem["detail"]
    assert problem["title"] == ("状态冲突" if lang.startswith("zh") else "Conflict")
    paused = live.client.post("/v1/products/bridge_loan/pause", headers=live.as_("pm", lang=lang))
    assert paused.status_code == 409
    assert _status(live, "bridge_loan") == "offline"


def test_unknown_products_and_repeats(live: Live) -> None:
    missing = live.client.post("/v1/products/salary_lon/pause", headers=live.as_("pm"))
    assert missing.status_code == 404
    assert "did you mean 'salary_loan'" in missing.json()["detail"]
    # publishing what is online changes and records nothing
    assert (
        live.ok(live.client.post("/v1/products/auto_loan/publish", headers=live.as_("pm")))["status"]
        == "online"
    )
    with live.server.store.transaction() as tx:
        assert tx.catalog.versions("auto_loan") == []  # type: ignore[attr-defined]


def test_a_second_server_process_follows_on_its_next_pass(db: str, live: Live) -> None:
    other = live_server(db, clock=live.clock)
    live.ok(live.client.post("/v1/products/home_mortgage/pause", headers=live.as_("pm")))
    assert _status(other, "home_mortgage") == "online"  # not yet
    assert other.server.worker.run_once()["product_statuses"] == ["home_mortgage v1: online -> paused"]
    assert _status(other, "home_mortgage") == "paused"
    # the other process publishes it again; this one starts from the recorded status
    other.ok(other.client.post("/v1/products/home_mortgage/publish", headers=other.as_("pm")))
    live.ok(live.client.post("/v1/products/home_mortgage/pause", headers=live.as_("pm")))
    with live.server.store.transaction() as tx:
        moves = [(h.from_status, h.to_status) for h in tx.catalog.history("home_mortgage", "1")]  # type: ignore[attr-defined]
    assert moves[-3:] == [("online", "paused"), ("paused", "online"), ("online", "paused")]


def test_an_edited_product_file_keeps_its_recorded_status_and_is_flagged(tmp_path: Path, db: str) -> None:
    products, rules = tmp_path / "products", tmp_path / "rules"
    shutil.copytree(ROOT / "products", products)
    shutil.copytree(ROOT / "rules", rules)
    first = live_server(db, folders=(products, rules))
    first.ok(first.client.post("/v1/products/salary_loan/pause", headers=first.as_("pm")))
    first.server.store.dispose()  # type: ignore[attr-defined]
    source = products / "salary_loan.yaml"
    source.write_text(
        source.read_text(encoding="utf-8").replace("薪金贷\n", "薪金贷（新）\n"), encoding="utf-8"
    )
    second = live_server(db, folders=(products, rules))
    assert _status(second, "salary_loan") == "paused"
    assert any("differs from the version recorded" in note for note in second.server.notes)


def test_without_a_sql_catalog_changes_are_events_and_audit_records() -> None:
    store = MemoryStore()
    clock = FixedClock(START)
    live = live_server(None, store=store, clock=clock)
    live.ok(
        live.client.post("/v1/products/auto_loan/pause", headers=live.as_("pm"), json={"reason": "额度用尽"})
    )
    with store.transaction() as tx:
        events = [e for e in tx.events.for_subject("product:auto_loan@1") if e.type == EVENT]
        audit = tx.audit.records("product:auto_loan@1")
    assert [(e.actor, e.payload["from"], e.payload["to"], e.payload["reason"]) for e in events] == [
        ("zhang.pm", "online", "paused", "额度用尽")
    ]
    assert [(r.actor, r.before, r.after) for r in audit] == [
        ("zhang.pm", {"status": "online"}, {"status": "paused", "reason": "额度用尽"})
    ]
    # a fresh catalog over the same store starts paused
    fresh = ProductCatalog.load([ROOT / "products", ROOT / "rules"])
    restored = ProductStatuses(store, fresh, now=clock.now).restore()
    assert restored.changed == ["auto_loan v1: online -> paused"]
    assert fresh.product("auto_loan").spec.status.value == "paused"
