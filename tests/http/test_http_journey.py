"""The whole customer journey over HTTP on SQLite: quote → apply → 初审 → 复审 → accept the offer →
both parties sign → operations disburses → the loan and its schedule → repay → payoff quote."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from http_live import Live, application_body, live_server, person

from loanfactory.adapters.http import Role
from loanfactory.ports import Channel
from loanfactory.servicing import Loan

ZHOU = person("周静")  # near-prime: consumer_credit 60000 x 24 goes to manual review (grade C)
LI = person("李娜")  # prime: approved at once


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    running = live_server(f"sqlite:///{tmp_path / 'journey.db'}")
    yield running
    running.server.stop.set()


def test_a_customer_journey_from_quote_to_payoff(live: Live) -> None:
    customer = live.customer(ZHOU, "lf_zhou")
    me = live.as_("lf_zhou")

    quote = live.ok(
        live.client.post(
            "/v1/quotes", headers=me, json={"product_code": "consumer_credit", "amount": "60000", "term": 24}
        )
    )
    assert quote["installments"] == 24
    assert Decimal(quote["apr"]) > 0

    applied = live.ok(
        live.client.post(
            "/v1/applications", headers=live.as_("lf_zhou", key="apply-1"), json=application_body(ZHOU)
        ),
        201,
    )
    application_id = applied["application"]["id"]
    assert applied["outcome"] == "manual_review", applied
    assert applied["application"]["customer_id"] == customer
    first_task = applied["task"]["id"]

    # 初审: the officer finds the task, claims it and approves; a 复审 task opens
    queue = live.ok(live.client.get("/v1/review-tasks?stage=first&status=open", headers=live.as_("officer")))
    assert first_task in [t["id"] for t in queue]
    live.ok(live.client.post(f"/v1/review-tasks/{first_task}/claim", headers=live.as_("officer")))
    step = live.ok(
        live.client.post(
            f"/v1/review-tasks/{first_task}/approve",
            headers=live.as_("officer"),
            json={"note": "收入与流水一致"},
        )
    )
    second_task = step["next_task"]["id"]
    assert step["offer"] is None
    # a plain officer (here also the first reviewer) may not take the second stage
    refused = live.client.post(
        f"/v1/review-tasks/{second_task}/claim", headers=live.as_("officer", lang="zh")
    )
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"] == "application/problem+json"

    # 复审 by the senior officer issues the offer
    live.ok(live.client.post(f"/v1/review-tasks/{second_task}/claim", headers=live.as_("senior")))
    final = live.ok(
        live.client.post(f"/v1/review-tasks/{second_task}/approve", headers=live.as_("senior"), json={})
    )
    offer_id = final["offer"]["id"]
    result = live.ok(live.client.get(f"/v1/applications/{application_id}/result", headers=me))
    assert result["status"] == "offered"
    assert result["offer"]["id"] == offer_id

    # accept: another customer cannot see the offer; a key is required; a replay is the same contract
    live.customer(LI, "lf_li")
    assert (
        live.client.post(f"/v1/offers/{offer_id}/accept", headers=live.as_("lf_li", key="x")).status_code
        == 404
    )
    assert live.client.post(f"/v1/offers/{offer_id}/accept", headers=me).status_code == 428
    accepted = live.client.post(f"/v1/offers/{offer_id}/accept", headers=live.as_("lf_zhou", key="accept-1"))
    contract = live.ok(accepted, 201)
    assert contract["customer_id"] == customer
    assert contract["status"] == "draft"
    assert "周静" in contract["body"]
    again = live.client.post(f"/v1/offers/{offer_id}/accept", headers=live.as_("lf_zhou", key="accept-1"))
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == contract["id"]
    declined = live.client.post(f"/v1/offers/{offer_id}/decline", headers=me)
    assert declined.status_code == 409  # accepted offers cannot be declined

    # both parties sign; operations disburses; the payment goes out on the worker's next pass
    live.ok(live.client.post(f"/v1/contracts/{contract['id']}/sign", headers=me, json={"method": "face"}))
    signed = live.ok(
        live.client.post(
            f"/v1/contracts/{contract['id']}/sign", headers=live.as_("ops"), json={"method": "ca-certificate"}
        )
    )
    assert signed["status"] == "signed"
    loan_id = contract["loan_id"]
    payout = live.ok(
        live.client.post(
            "/v1/disbursements", headers=live.as_("ops", key="pay-1"), json={"loan_id": loan_id}
        ),
        201,
    )
    assert payout["payee_account"].count("*") >= 8  # masked
    done = live.server.worker.run_once()
    assert done["payments"] >= 1

    loans = live.ok(live.client.get("/v1/loans", headers=me))
    assert [loan["id"] for loan in loans] == [loan_id]
    loan = live.ok(live.client.get(f"/v1/loans/{loan_id}", headers=me))
    assert loan["status"] == "active"
    assert Decimal(loan["amount"]) == Decimal(60000)
    schedule = live.ok(live.client.get(f"/v1/loans/{loan_id}/schedule", headers=me))
    assert len(schedule) == 24
    assert sum(Decimal(row["principal"]) for row in schedule) == Decimal(60000)
    before = (date.fromisoformat(loan["start"]) - timedelta(days=1)).isoformat()  # nothing is owed yet
    early = live.client.get(f"/v1/loans/{loan_id}/payoff-quote", headers=me, params={"on": before})
    assert early.status_code == 422
    assert early.json()["code"] == "before-value-date"

    # the first due date: the customer repays the installment, then asks what settles the rest
    first_due = schedule[0]["due_date"]
    live.clock.set(date.fromisoformat(first_due))
    asked = live.ok(
        live.client.post(
            f"/v1/loans/{loan_id}/repayments",
            headers=live.as_("lf_zhou", key="repay-1"),
            json={"amount": schedule[0]["total"]},
        ),
        202,
    )
    assert asked["status"] == "requested"  # a collection order: nothing credited on the customer's word
    assert live.server.servicing.position(loan_id).repaid == 0
    collected = live.server.worker.run_once()  # the payment system collects and confirms
    order = live.ok(live.client.get(f"/v1/collections/{asked['id']}", headers=me))
    assert order["status"] == "succeeded"
    assert Decimal(order["collected"]) == Decimal(schedule[0]["total"])
    assert [o["id"] for o in live.ok(live.client.get(f"/v1/loans/{loan_id}/collections", headers=me))] == [
        asked["id"]
    ]
    payoff = live.ok(live.client.get(f"/v1/loans/{loan_id}/payoff-quote", headers=me))
    remaining = Decimal(60000) - Decimal(schedule[0]["principal"])
    assert Decimal(payoff["principal"]) == remaining
    assert Decimal(payoff["total"]) >= remaining

    # the notices of the journey were queued and go out through the server's one relay
    sent = collected["notifications"].sent + live.server.worker.run_once()["notifications"].sent
    assert sent
    with live.server.store.transaction() as tx:
        assert tx.repo(Loan).get(loan_id).customer_id == customer


def test_notification_settings_survive_a_restart(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'prefs.db'}"
    first = live_server(db)
    customer = first.customer(ZHOU, "lf_zhou")
    path = f"/v1/customers/{customer}/notification-preferences"
    settings = {
        "language": "en",
        "channels": {"repayment_reminder": ["push"], "approval_result": []},
        "quiet_hours": {"start": "22:00", "end": "08:00"},
    }
    first.ok(first.client.put(path, headers=first.as_("lf_zhou"), json=settings))
    first.server.stop.set()
    first.server.store.dispose()  # type: ignore[attr-defined]

    second = live_server(db)
    second.server.app.state.loanfactory.auth.keys.add("again", Role.customer, "lf_zhou", customer)
    kept = second.ok(second.client.get(path, headers=second.as_("lf_zhou")))
    assert kept == {**settings, "quiet_hours": {"start": "22:00:00", "end": "08:00:00"}}
    stored = second.server.backend.preferences.preferences_for(customer)
    assert stored is not None
    assert not stored.allows("approval_result", Channel.sms)  # what the notifier reads
    assert stored.allows("repayment_reminder", Channel.push)
    with second.server.store.transaction() as tx:
        changes = [r for r in tx.audit.records(customer) if r.action == "notification_settings.change"]
    assert [r.actor for r in changes] == [f"app-{customer}"]


def test_notification_settings_are_refused_for_an_unknown_customer(tmp_path: Path) -> None:
    live = live_server(f"sqlite:///{tmp_path / 'nobody.db'}")
    live.server.app.state.loanfactory.auth.keys.add("ghost", Role.customer, "lf_ghost", "cus_ghost")
    response = live.client.put(
        "/v1/customers/cus_ghost/notification-preferences",
        headers=live.as_("lf_ghost"),
        json={"language": "zh"},
    )
    assert response.status_code == 404
