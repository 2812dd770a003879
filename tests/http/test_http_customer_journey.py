"""A customer who signs in at the bank's identity provider (a JWT, RS256) goes from opening an
account to a settled loan over HTTP on the real app and SQLite: register (KYC through the port) →
profile → bound cards (add, remove, re-verify) → apply → accept → sign → payout to the verified
card → repay the first installment → pay the rest off → the loan is settled and the repayment
records show both collections."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from http_live import Live, application_body, live_server, person
from jwt_support import AUDIENCE, ISSUER, NOW, Provider

from loanfactory.servicing import Loan
from loanfactory.testing import sample_book

LI = person("李娜")  # prime: approved at once, 80000 x 12
SECOND_CARD = "6228480012345678901"


@pytest.fixture
def idp() -> Provider:
    return Provider.new()


@pytest.fixture
def live(tmp_path: Path, idp: Provider) -> Iterator[Live]:
    environ = {
        "LOANFACTORY_JWT_ISSUER": ISSUER,
        "LOANFACTORY_JWT_AUDIENCE": AUDIENCE,
        "LOANFACTORY_JWT_JWKS": str(idp.write(tmp_path / "jwks.json")),
        "LOANFACTORY_JWT_ROLES": "app-user:customer,credit-l1:officer",
    }
    running = live_server(f"sqlite:///{tmp_path / 'customers.db'}", environ=environ)
    assert any("JWT sign-in" in note for note in running.server.notes)
    yield running
    running.server.stop.set()


def bearer(token: str, key: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} | ({"Idempotency-Key": key} if key else {})


def registration(who: dict[str, str]) -> dict[str, Any]:
    return {"individual": sample_book.individual(who).model_dump(mode="json"), "channel": "app"}


def test_a_signed_in_customer_from_registration_to_settlement(live: Live, idp: Provider) -> None:
    token = idp.token("sso-0001", roles=["app-user"], exp=NOW + 86400 * 400)
    me = bearer(token)

    # signed in at the bank, no account here yet: only registration is open
    assert live.ok(live.client.get("/v1/me", headers=me))["customer_id"] is None
    refused = live.client.get("/v1/loans", headers=me)
    assert refused.status_code == 403
    assert refused.json()["code"] == "not-registered"
    assert live.client.post("/v1/customers", headers=me, json=registration(LI)).status_code == 428

    created = live.ok(
        live.client.post("/v1/customers", headers=bearer(token, "reg-1"), json=registration(LI)), 201
    )
    customer = created["id"]
    assert created["type"] == "individual"
    assert {r["check"]: r["passed"] for r in created["kyc"]} == {
        "id-card": True,
        "face-match": True,
        "bank-card-four": True,
    }
    assert LI["ID number"] not in str(created)  # masked in the answer
    again = live.client.post("/v1/customers", headers=bearer(token, "reg-1"), json=registration(LI))
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == customer
    twice = live.client.post("/v1/customers", headers=bearer(token, "reg-2"), json=registration(LI))
    assert (twice.status_code, twice.json()["code"]) == (409, "already-registered")
    someone_else = bearer(idp.token("sso-0002", roles=["app-user"]), "reg-3")
    taken = live.client.post("/v1/customers", headers=someone_else, json=registration(LI))
    assert (taken.status_code, taken.json()["code"]) == (409, "customer-exists")

    # every later token of the same sign-in acts for the new customer
    assert live.ok(live.client.get("/v1/me", headers=me))["customer_id"] == customer
    profile = live.ok(live.client.get(f"/v1/customers/{customer}", headers=me))
    assert profile["name"] == "李娜"
    assert profile["individual"]["id_number"] != LI["ID number"]
    assert profile["individual"]["id_number"].count("*") >= 8
    officer = bearer(idp.token("wang.l1", kid="ec-1", roles=["credit-l1"]))
    assert live.ok(live.client.get(f"/v1/customers/{customer}", headers=officer))["id"] == customer
    assert live.client.get("/v1/customers/cus_nobody", headers=me).status_code == 404

    # bound cards: the registered card is the payout account; a second card replaces it, is
    # removed again, and the first is checked again to become the payout account once more
    cards = f"/v1/customers/{customer}/payout-accounts"
    [first] = live.ok(live.client.get(cards, headers=me))
    assert first["status"] == "verified"
    second = live.ok(
        live.client.post(
            cards,
            headers=bearer(token, "card-2"),
            json={"kind": "card", "number": SECOND_CARD, "bank": "中国农业银行"},
        ),
        201,
    )
    assert second["status"] == "verified"
    statuses = {a["id"]: a["status"] for a in live.ok(live.client.get(cards, headers=me))}
    assert statuses == {first["id"]: "replaced", second["id"]: "verified"}
    assert live.client.delete(f"{cards}/{second['id']}", headers=me).status_code == 428
    removed = live.ok(live.client.delete(f"{cards}/{second['id']}", headers=bearer(token, "rm-2")))
    assert removed["status"] == "removed"
    gone = live.client.delete(f"{cards}/{second['id']}", headers=bearer(token, "rm-3"))
    assert (gone.status_code, gone.json()["code"]) == (409, "removed")
    by_staff = live.client.post(
        f"{cards}/{first['id']}/reverify", headers=bearer(officer["Authorization"][7:], "x")
    )
    assert by_staff.status_code == 403
    checked = live.ok(live.client.post(f"{cards}/{first['id']}/reverify", headers=bearer(token, "re-1")))
    assert checked["status"] == "verified"

    # apply, accept, sign; operations pays out to the verified first card
    applied = live.ok(
        live.client.post("/v1/applications", headers=bearer(token, "apply-1"), json=application_body(LI)), 201
    )
    assert applied["outcome"] == "approved", applied
    [line] = live.ok(live.client.get(f"/v1/customers/{customer}/credit-lines", headers=me))
    assert Decimal(line["available"]) == Decimal(line["total"]) - Decimal(line["occupied"]) - Decimal(
        line["frozen"]
    )
    contract = live.ok(
        live.client.post(f"/v1/offers/{applied['offer']['id']}/accept", headers=bearer(token, "acc-1")), 201
    )
    live.ok(live.client.post(f"/v1/contracts/{contract['id']}/sign", headers=me, json={"method": "face"}))
    live.ok(
        live.client.post(
            f"/v1/contracts/{contract['id']}/sign", headers=live.as_("ops"), json={"method": "ca-certificate"}
        )
    )
    loan_id = contract["loan_id"]
    live.ok(
        live.client.post(
            "/v1/disbursements", headers=live.as_("ops", key="pay-1"), json={"loan_id": loan_id}
        ),
        201,
    )
    live.server.worker.run_once()
    with live.server.store.transaction() as tx:
        assert tx.repo(Loan).get(loan_id).payout_account_id == first["id"]
    loan = live.ok(live.client.get(f"/v1/loans/{loan_id}", headers=me))
    assert (loan["status"], Decimal(loan["amount"])) == ("active", Decimal(LI["amount"]))

    # three installments on their due dates (the product allows prepayment after three), then the
    # rest paid off on the third due date
    schedule = live.ok(live.client.get(f"/v1/loans/{loan_id}/schedule", headers=me))
    paid: dict[str, Decimal] = {}
    for n, row in enumerate(schedule[:3]):
        live.clock.set(date.fromisoformat(row["due_date"]))
        order = live.ok(
            live.client.post(
                f"/v1/loans/{loan_id}/repayments",
                headers=bearer(token, f"repay-{n}"),
                json={"amount": row["total"]},
            ),
            202,
        )
        live.server.worker.run_once()
        paid[order["id"]] = Decimal(row["total"])
    payoff = live.ok(live.client.get(f"/v1/loans/{loan_id}/payoff-quote", headers=me))
    owed = Decimal(LI["amount"]) - sum(Decimal(row["principal"]) for row in schedule[:3])
    assert Decimal(payoff["principal"]) == owed
    rest = live.ok(
        live.client.post(f"/v1/loans/{loan_id}/prepayments", headers=bearer(token, "payoff-1"), json={}), 202
    )
    live.server.worker.run_once()
    paid[rest["id"]] = Decimal(payoff["total"])

    settled = live.ok(live.client.get(f"/v1/loans/{loan_id}", headers=me))
    assert settled["status"] == "settled"
    records = live.ok(live.client.get(f"/v1/customers/{customer}/repayments", headers=me))
    assert {r["id"]: r["status"] for r in records} == dict.fromkeys(paid, "succeeded")
    assert {r["id"]: Decimal(r["collected"]) for r in records} == paid
    times = [r["requested_at"] for r in records]
    assert times == sorted(times, reverse=True)  # newest first
    assert live.server.servicing.position(loan_id).principal == 0

    # a stale token is refused, and nobody reaches another customer's records
    stale = bearer(idp.token("sso-0001", roles=["app-user"], exp=NOW - 3600))
    assert live.client.get("/v1/loans", headers=stale).json()["code"] == "token-expired"
    stranger = bearer(
        idp.token("sso-0003", roles=["app-user"], customer_id="cus_other", exp=NOW + 86400 * 400)
    )
    assert live.client.get(f"/v1/customers/{customer}/repayments", headers=stranger).status_code == 403
