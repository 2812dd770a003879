"""Customer service over HTTP on the real lender: a customer's question answered with their own
loan, a handover to the agents' queue, a complaint worked to a decision within its time limit,
and the report."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from http_live import disbursed_loan, live_server, person


def test_questions_tickets_and_the_report(tmp_path: Path) -> None:
    live = live_server(f"sqlite:///{tmp_path / 'service.db'}")
    loan_id = disbursed_loan(live, person("李娜"), "lf_li")
    me = live.as_("lf_li")
    schedule = live.ok(live.client.get(f"/v1/loans/{loan_id}/schedule", headers=me))
    due = date.fromisoformat(schedule[0]["due_date"])

    answer = live.ok(
        live.client.post(
            "/v1/service/questions",
            headers=live.as_("lf_li", key="q-1"),
            json={"question": "下一期什么时候还，还多少？"},
        )
    )
    assert (answer["outcome"], answer["entry_id"], answer["personal"]) == ("answered", "repay-next", True)
    assert f"{due.year}年{due.month}月{due.day}日" in answer["text"]
    assert f"应还 {schedule[0]['total']} 元" in answer["text"]
    assert answer["ticket"] is None

    handed = live.ok(
        live.client.post(
            "/v1/service/questions", headers=live.as_("lf_li", key="q-2"), json={"question": "转人工"}
        )
    )
    assert (handed["outcome"], handed["reason"]) == ("handover", "asked")
    queued = handed["ticket"]
    assert (queued["type"], queued["status"], queued["question"]) == ("inquiry", "open", "转人工")
    queue = live.ok(live.client.get("/v1/tickets?status=open", headers=live.as_("agent")))
    assert queued["id"] in [t["id"] for t in queue]

    complaint = live.ok(
        live.client.post(
            "/v1/tickets",
            headers=live.as_("lf_li", key="t-1"),
            json={
                "kind": "complaint",
                "category": "collection",
                "subject": "催收电话太频繁",
                "description": "一天三次",
            },
        ),
        201,
    )
    ticket = complaint["id"]
    path = f"/v1/tickets/{ticket}"
    agent = "agent"
    live.ok(
        live.client.post(f"{path}/assign", headers=live.as_(agent, key="a-1"), json={"agent": "agent.chen"})
    )
    live.ok(
        live.client.post(
            f"{path}/replies", headers=live.as_(agent, key="r-1"), json={"text": "已收到，正在核实"}
        )
    )
    live.ok(
        live.client.post(f"{path}/replies", headers=live.as_("lf_li", key="r-2"), json={"text": "请尽快"})
    )
    extended = live.ok(
        live.client.post(
            f"{path}/extend", headers=live.as_(agent, key="e-1"), json={"reason": "需调取通话记录"}
        )
    )
    assert extended["due_at"] > complaint["due_at"]
    refused = live.client.post(
        f"{path}/extend",
        headers=live.as_(agent, key="e-2"),
        json={"reason": "涉及外包机构", "approved_by": "agent.chen"},
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "approval-required")
    # the customer cannot resolve; another customer cannot see it
    assert (
        live.client.post(
            f"{path}/resolve", headers=live.as_("lf_li", key="x"), json={"decision": "x"}
        ).status_code
        == 403
    )
    live.clock.advance(timedelta(days=5))
    resolved = live.ok(
        live.client.post(
            f"{path}/resolve", headers=live.as_(agent, key="d-1"), json={"decision": "已约束外包机构"}
        )
    )
    assert resolved["status"] == "resolved"
    rated = live.ok(
        live.client.post(f"{path}/rating", headers=live.as_("lf_li", key="s-1"), json={"score": 4})
    )
    assert (rated["status"], rated["satisfaction"]) == ("closed", 4)
    mine = live.ok(live.client.get("/v1/tickets", headers=me))
    assert {t["id"] for t in mine} == {queued["id"], ticket}

    start = date(2025, 8, 1)
    report = live.ok(
        live.client.get(
            f"/v1/service/report?from={start}&to={start + timedelta(days=30)}", headers=live.as_("risk")
        )
    )
    assert report["volume"] == {"inquiry": 1, "complaint": 1, "suggestion": 0}
    assert (report["resolved"], report["sla_met"], report["satisfaction_average"]) == (1, 1, "4.00")
    bad = live.client.get("/v1/service/report?from=2025-08-31&to=2025-08-01", headers=live.as_("risk"))
    assert bad.status_code == 422
