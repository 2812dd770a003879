"""Payout accounts and tranches over HTTP on SQLite, against the real lender.

Money goes only to a verified account: the customer's own card (four elements through the KYC
port) or corporate account (small deposit through the payment port), or a payee the customer
verified. Officers cannot redirect it. A staged loan pays the tranche and amount asked for, within
its milestones, and shows what is left to draw.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from http_fakes import ApiClient
from http_live import STAFF, START, Live, application_body, person

from loanfactory.adapters.http import Role
from loanfactory.adapters.http._wiring import Providers, ServerSettings, build_server
from loanfactory.conventions import RepaymentMethod
from loanfactory.ports import SignatureMethod
from loanfactory.pricing import PricingDecision
from loanfactory.servicing import Loan, LoanRequest
from loanfactory.terms import contract_terms
from loanfactory.testing import FixedClock, SimulatedBureau, SimulatedGateway, SimulatedKyc, sample_book

ROOT = Path(__file__).resolve().parents[2]
LI = person("李娜")
STRANGER = "110101199003078512"  # someone else's ID number
STRANGERS_CARD = "6217000011112222333"
OWN_CARD = "6228480012345678901"
FIRM = sample_book.FIRMS[1]  # 深圳市汇通供应链管理有限公司
CORPORATE = str(sample_book.enterprise(FIRM).corporate_account.number)
SUPPLIER, SUPPLIER_ACCOUNT = "上海精工设备制造有限公司", "31001234567890123456"


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    clock = FixedClock(START)
    gateway = SimulatedGateway(clock)
    gateway.open_account(CORPORATE, FIRM["name"])
    gateway.open_account(SUPPLIER_ACCOUNT, SUPPLIER)
    kyc = SimulatedKyc(card_owners={STRANGERS_CARD: STRANGER})
    keys = ",".join(f"{name}:{role.value}:{key}" for name, role, key in STAFF.values())
    server = build_server(
        ServerSettings(
            db=f"sqlite:///{tmp_path / 'payouts.db'}",
            products=ROOT / "products",
            rules=ROOT / "rules",
            relay_interval=0,
            environ={"LOANFACTORY_API_KEYS": keys, "LOANFACTORY_PII_KEY": bytes(range(32)).hex()},
        ),
        clock=clock,
        providers=Providers.simulated(
            bureau=SimulatedBureau(personas=sample_book.personas()), kyc=kyc, gateway=gateway
        ),
    )
    running = Live(server, ApiClient(server.app), clock)
    yield running
    server.stop.set()


def _gateway(live: Live) -> SimulatedGateway:
    gateway = live.server.worker.gateway
    assert isinstance(gateway, SimulatedGateway)
    return gateway


def _deposit(live: Live, account: str) -> tuple[str, str]:
    """What the customer reads on the account's statement: the amount and the code in the remark."""
    arrived = _gateway(live).statement(account)[-1]
    assert arrived.remark is not None
    return format(arrived.amount, "f"), arrived.remark.rsplit(" ", 1)[-1]


def test_a_payout_goes_only_to_the_customers_verified_account(live: Live) -> None:
    customer = live.customer(LI, "lf_li")  # her registered card passed four elements: her payout account
    accounts = f"/v1/customers/{customer}/payout-accounts"
    registered = live.ok(live.client.get(accounts, headers=live.as_("lf_li")))
    assert [(a["status"], a["method"], a["holder"]) for a in registered] == [
        ("verified", "bank-card-four", "李娜")
    ]
    applied = live.ok(
        live.client.post("/v1/applications", headers=live.as_("lf_li", key="a-1"), json=application_body(LI)),
        201,
    )
    offer = applied["offer"]["id"]

    # nobody names an account at acceptance: the customer's payout account is used
    stranger = {"account": STRANGERS_CARD, "account_name": "王五"}
    for who in ("officer", "lf_li"):
        named = live.client.post(
            f"/v1/offers/{offer}/accept", headers=live.as_(who, key=f"r-{who}"), json=stranger
        )
        assert named.status_code == 422, named.text
        assert named.json()["errors"][0]["loc"][-1] in ("account", "account_name")
    # an officer cannot add or change the customer's payout account; nor can another customer
    card = {"kind": "card", "number": STRANGERS_CARD, "bank": "中国农业银行"}
    redirect = live.client.post(accounts, headers=live.as_("officer", key="redirect"), json=card)
    assert redirect.status_code == 403
    assert redirect.json()["code"] == "forbidden-role"
    live.customer(person("王强"), "lf_wang")
    other = live.client.post(accounts, headers=live.as_("lf_wang", key="w-1"), json=card)
    assert other.status_code == 403
    assert other.json()["code"] == "not-your-customer-id"

    # the customer's own attempt with someone else's card fails its four-element check
    failed = live.ok(live.client.post(accounts, headers=live.as_("lf_li", key="c-1"), json=card), 201)
    assert (failed["status"], failed["reason"]) == ("failed", "four-elements-mismatch")
    assert failed["number"].count("*") >= 8
    own = {"kind": "card", "number": OWN_CARD, "bank": "中国农业银行"}
    verified = live.ok(live.client.post(accounts, headers=live.as_("lf_li", key="c-2"), json=own), 201)
    assert (verified["status"], verified["holder"]) == ("verified", "李娜")
    listed = live.ok(live.client.get(accounts, headers=live.as_("officer")))
    assert sorted(a["status"] for a in listed) == ["failed", "replaced", "verified"]
    assert all("challenge" not in a for a in listed)

    contract = live.ok(
        live.client.post(f"/v1/offers/{offer}/accept", headers=live.as_("lf_li", key="acc-3")), 201
    )
    with live.server.store.transaction() as tx:
        loan = tx.repo(Loan).get(contract["loan_id"])
    assert (loan.account, loan.account_name, loan.payout_account_id) == (OWN_CARD, "李娜", verified["id"])


def test_a_corporate_account_is_verified_by_a_small_deposit(live: Live) -> None:
    customer = _firm(live)
    assessed = live.server.origination.originate(
        sample_book.enterprise_request(FIRM, customer, START), idempotency_key="firm-app"
    )
    assert assessed.offer is not None, assessed
    accept = f"/v1/offers/{assessed.offer.id}/accept"
    refused = live.client.post(accept, headers=live.as_("lf_firm", lang="zh", key="acc-0"))
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "payout-account-unverified"
    assert "小额打款" in refused.json()["detail"]

    accounts = f"/v1/customers/{customer}/payout-accounts"
    body = {"kind": "corporate", "number": CORPORATE, "bank": "中国建设银行"}
    pending = live.ok(live.client.post(accounts, headers=live.as_("lf_firm", key="corp-1"), json=body), 201)
    assert pending["status"] == "pending"
    assert pending["deposit"]["sent"] is True
    assert pending["deposit"]["attempts_left"] == 3
    amount, code = _deposit(live, CORPORATE)
    assert Decimal("0.01") <= Decimal(amount) <= Decimal("0.99")
    confirm = f"{accounts}/{pending['id']}/confirm"
    wrong = str((int(code) + 1) % 1_000_000).zfill(6)
    missed = live.ok(
        live.client.post(
            confirm, headers=live.as_("lf_firm", key="cf-1"), json={"amount": amount, "code": wrong}
        )
    )
    assert (missed["status"], missed["deposit"]["attempts_left"]) == ("pending", 2)
    officer = live.client.post(
        confirm, headers=live.as_("officer", key="cf-o"), json={"amount": amount, "code": code}
    )
    assert officer.status_code == 403
    done = live.ok(
        live.client.post(
            confirm, headers=live.as_("lf_firm", key="cf-2"), json={"amount": amount, "code": code}
        )
    )
    assert (done["status"], done["holder"], done["deposit"]) == ("verified", FIRM["name"], None)
    again = live.client.post(
        confirm, headers=live.as_("lf_firm", key="cf-3"), json={"amount": amount, "code": code}
    )
    assert again.status_code == 409

    contract = live.ok(live.client.post(accept, headers=live.as_("lf_firm", key="acc-1")), 201)
    with live.server.store.transaction() as tx:
        loan = tx.repo(Loan).get(contract["loan_id"])
    assert (loan.account, loan.account_name) == (CORPORATE, FIRM["name"])


def test_an_account_in_another_name_fails_at_the_bank(live: Live) -> None:
    customer = _firm(live)
    accounts = f"/v1/customers/{customer}/payout-accounts"
    body = {"kind": "payee", "name": "上海精工设备有限公司", "number": SUPPLIER_ACCOUNT, "bank": "中国银行"}
    no_category = live.client.post(accounts, headers=live.as_("lf_firm", key="p-0"), json=body)
    assert no_category.status_code == 422
    wrong_name = live.ok(
        live.client.post(
            accounts, headers=live.as_("lf_firm", key="p-1"), json={**body, "category": "equipment"}
        ),
        201,
    )
    assert (wrong_name["status"], wrong_name["reason"]) == ("failed", "account-name-mismatch")
    own_with_name = {"kind": "corporate", "number": CORPORATE, "bank": "中国建设银行", "name": "别的公司"}
    assert (
        live.client.post(accounts, headers=live.as_("lf_firm", key="p-2"), json=own_with_name).status_code
        == 422
    )


def test_tranches_pay_the_amount_asked_within_the_milestones(live: Live) -> None:
    customer = _firm(live)
    loan_id = _staged_loan(live, customer)
    pay = "/v1/disbursements"
    evidence = ["purchase_contract", "receivable_confirmation"]
    first = live.ok(
        live.client.post(
            pay,
            headers=live.as_("ops", key="t-1"),
            json={"loan_id": loan_id, "milestone": "contract_signed", "amount": "1.00", "evidence": evidence},
        ),
        201,
    )
    assert (first["amount"], first["tranche"], first["milestone"]) == ("1.00", 1, "contract_signed")
    assert first["payee"] == SUPPLIER
    live.server.worker.run_once()
    view = live.ok(live.client.get(f"/v1/loans/{loan_id}/commitment", headers=live.as_("lf_firm")))
    # by hand: 1,000,000.00 contracted, 1.00 paid; milestones 30 % / 40 % / 30 %
    assert (view["paid"], view["in_flight"], view["remaining"]) == ("1.00", "0.00", "999999.00")
    assert [(t["milestone"], t["cap"], t["status"]) for t in view["tranches"]] == [
        ("contract_signed", "300000.00", "paid"),
        ("goods_delivered", "700000.00", "open"),
        ("goods_accepted", "1000000.00", "later"),
    ]
    second = {"loan_id": loan_id, "tranche": 2, "evidence": ["invoice", "delivery_note"]}
    too_much = live.client.post(
        pay, headers=live.as_("ops", key="t-2"), json={**second, "amount": "700000.00"}
    )
    assert too_much.status_code == 409
    assert too_much.json()["code"] == "tranche-exceeds-milestone"
    mismatch = live.client.post(
        pay, headers=live.as_("ops", key="t-3"), json={**second, "milestone": "contract_signed"}
    )
    assert mismatch.status_code == 422
    rest = live.ok(live.client.post(pay, headers=live.as_("ops", key="t-4"), json=second), 201)
    assert rest["amount"] == "699999.00"  # what the first two milestones allow, less the 1.00 drawn
    view = live.ok(live.client.get(f"/v1/loans/{loan_id}/commitment", headers=live.as_("auditor")))
    assert (view["paid"], view["in_flight"], view["remaining"]) == ("1.00", "699999.00", "300000.00")


def test_a_loan_paid_in_one_amount_refuses_a_partial_amount(live: Live) -> None:
    customer = live.customer(person("王强"), "lf_wang")
    applied = live.ok(
        live.client.post(
            "/v1/applications", headers=live.as_("lf_wang", key="a"), json=application_body(person("王强"))
        ),
        201,
    )
    contract = live.ok(
        live.client.post(f"/v1/offers/{applied['offer']['id']}/accept", headers=live.as_("lf_wang", key="b")),
        201,
    )
    for who, method in (("lf_wang", "face"), ("ops", "ca-certificate")):
        live.ok(
            live.client.post(
                f"/v1/contracts/{contract['id']}/sign", headers=live.as_(who), json={"method": method}
            )
        )
    loan_id = contract["loan_id"]
    partial = live.client.post(
        "/v1/disbursements", headers=live.as_("ops", key="p"), json={"loan_id": loan_id, "amount": "1.00"}
    )
    assert partial.status_code == 422, partial.text
    assert partial.json()["errors"][0]["loc"][-1] == "amount"
    whole = live.ok(
        live.client.post("/v1/disbursements", headers=live.as_("ops", key="w"), json={"loan_id": loan_id}),
        201,
    )
    assert Decimal(whole["amount"]) == Decimal(applied["offer"]["amount"])
    assert customer


def _firm(live: Live) -> str:
    customer = live.server.origination.register_customer(
        sample_book.enterprise(FIRM), idempotency_key=f"reg-{FIRM['credit code']}"
    ).id
    live.server.app.state.loanfactory.auth.keys.add("firm-app", Role.customer, "lf_firm", customer)
    return str(customer)


def _verified(live: Live, customer: str, body: dict[str, Any], number: str, key: str) -> str:
    accounts = f"/v1/customers/{customer}/payout-accounts"
    added = live.ok(live.client.post(accounts, headers=live.as_("lf_firm", key=key), json=body), 201)
    amount, code = _deposit(live, number)
    done = live.ok(
        live.client.post(
            f"{accounts}/{added['id']}/confirm",
            headers=live.as_("lf_firm", key=f"{key}-ok"),
            json={"amount": amount, "code": code},
        )
    )
    assert done["status"] == "verified"
    return str(done["id"])


def _staged_loan(live: Live, customer: str) -> str:
    """A signed supply-chain loan of 1,000,000.00 paying the verified supplier (受托支付)."""
    own = _verified(
        live, customer, {"kind": "corporate", "number": CORPORATE, "bank": "中国建设银行"}, CORPORATE, "o"
    )
    payee = {
        "kind": "payee",
        "name": SUPPLIER,
        "number": SUPPLIER_ACCOUNT,
        "bank": "中国银行",
        "category": "purchase-of-goods",
    }
    payee_id = _verified(live, customer, payee, SUPPLIER_ACCOUNT, "s")
    servicing = live.server.servicing
    terms = contract_terms(
        live.server.lender.products.products["supply_chain"].spec,
        Decimal("1000000"),
        6,
        method=RepaymentMethod.interest_only,
        start=date(2025, 8, 1),
        pricing=PricingDecision(rate=Decimal("0.06")),
    )
    request = LoanRequest(
        customer_id=customer,
        borrower_name=FIRM["name"],
        borrower_id_number=FIRM["credit code"],
        terms=terms,
        apr=Decimal("0.0650"),
        account=CORPORATE,
        account_name=FIRM["name"],
        payout_account_id=own,
        payee=SUPPLIER,
        payee_account=SUPPLIER_ACCOUNT,
        payee_category="purchase-of-goods",
        payee_account_id=payee_id,
    )
    contract = servicing.open_loan(request, key="staged-open")
    for signer, role, method in (
        (customer, "borrower", SignatureMethod.ca_certificate),
        ("bank", "lender", SignatureMethod.ca_certificate),
    ):
        servicing.sign_contract(contract.id, signer=signer, role=role, method=method, key=f"staged-{role}")
    return str(contract.loan_id)
