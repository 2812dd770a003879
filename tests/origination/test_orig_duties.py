"""Segregation of duties at review, exhaustively: every role × review step × returned rounds ×
self-filed applications × earlier part in the case × amount band, through the real service.

The expected answer of each case comes from the rules as docs/origination-zh.md states them,
written out here by hand — not from the code under test:

- 初审 may be done by officer, senior_officer or risk; 复审 by senior_officer or risk (default);
  micro_business above 2,000,000: 初审 by senior_officer or risk, 复审 by risk only;
- nobody reviews an application they filed;
- whoever approved a 初审 of the application, or returned one of its rounds, does not do its 复审.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from loanfactory.entity import CST, SequentialIds
from loanfactory.errors import NotPermitted
from loanfactory.origination import DocumentKind, Origination, ReviewStage, ReviewTask
from loanfactory.product import ProductCatalog
from loanfactory.spec import load_product_text
from loanfactory.testing import (
    FixedClock,
    MemoryStore,
    RecordingNotifier,
    SimulatedBureau,
    SimulatedKyc,
    sample_book,
)

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2025, 8, 1, 9, 0, tzinfo=CST)
ACTOR = "zhang.san"
ROLES = ("officer", "senior_officer", "risk", "operations", "customer")
EVERY_REVIEWER = {"officer", "senior_officer", "risk"}
CASES_OF_AMOUNT = {  # (product, amount) -> the roles allowed at 初审 and at 复审, from the docs
    ("consumer_credit", "60000"): (EVERY_REVIEWER, {"senior_officer", "risk"}),
    ("micro_business", "1500000"): (EVERY_REVIEWER, {"senior_officer", "risk"}),
    ("micro_business", "2500000"): ({"senior_officer", "risk"}, {"risk"}),
}
PARTS = ("none", "approved-first", "returned")


def _expected(allowed: set[str], role: str, stage: str, filed: bool, part: str) -> str | None:
    if role not in allowed:
        return "duty-role"
    if filed:
        return "duty-filer"
    if stage == "second" and part != "none":
        return "four-eyes"
    return None


def _cases() -> list[Any]:
    out = []
    for (product, amount), role, stage, rounds, filed, part in itertools.product(
        CASES_OF_AMOUNT, ROLES, ("first", "second"), (0, 1), (False, True), PARTS
    ):
        if (filed and part != "none") or (part == "returned" and rounds == 0):
            continue  # a filer never got to act; nobody returned a round that was not returned
        if part == "approved-first" and stage == "first":
            continue  # the 初审 in question is the one being decided
        allowed = CASES_OF_AMOUNT[product, amount][0 if stage == "first" else 1]
        expected = _expected(allowed, role, stage, filed, part)
        label = f"{product}-{amount}-{role}-{stage}-r{rounds}-{'filed' if filed else 'other'}-{part}"
        out.append(pytest.param(product, amount, role, stage, rounds, filed, part, expected, id=label))
    return out


@pytest.fixture(scope="module")
def catalog() -> ProductCatalog:
    return ProductCatalog.load([ROOT / "products", ROOT / "rules"])


def _origination(catalog: ProductCatalog) -> Origination:
    return Origination(
        store=MemoryStore(),
        catalog=catalog,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(personas=sample_book.personas()),
        notifier=RecordingNotifier(),
        clock=FixedClock(START),
        ids=SequentialIds(),
    )


def _first_task(origination: Origination, product: str, amount: str, filed_by: str) -> ReviewTask:
    if product == "consumer_credit":
        zhou = next(p for p in sample_book.PEOPLE if p["name"] == "周静")
        customer = origination.register_customer(sample_book.individual(zhou), idempotency_key="reg")
        request = sample_book.individual_request(zhou, customer.id, START)
    else:
        firm = sample_book.FIRMS[0]
        customer = origination.register_customer(sample_book.enterprise(firm), idempotency_key="reg")
        request = sample_book.enterprise_request(firm, customer.id, START)
    request = request.model_copy(update={"amount": Decimal(amount), "filed_by": filed_by})
    assessed = origination.originate(request, idempotency_key="apply")
    assert assessed.outcome == "manual_review", assessed.outcome
    assert assessed.task is not None
    return assessed.task


@pytest.mark.parametrize(
    ("product", "amount", "role", "stage", "rounds", "filed", "part", "expected"), _cases()
)
def test_who_may_act_on_a_review_task(
    catalog: ProductCatalog,
    product: str,
    amount: str,
    role: str,
    stage: str,
    rounds: int,
    filed: bool,
    part: str,
    expected: str | None,
) -> None:
    origination = _origination(catalog)
    task = _first_task(origination, product, amount, ACTOR if filed else "clerk.li")
    if rounds:  # a round went back for more information, and came back
        returner = ACTOR if part == "returned" else "reviewer.ret"
        origination.claim_task(task.id, returner, role="risk", idempotency_key="ret-claim")
        origination.return_task(task.id, returner, role="risk", missing=("银行流水",), idempotency_key="ret")
        again = origination.supply_information(
            task.application_id,
            sample_book.documents("x", DocumentKind.bank_statement),
            idempotency_key="supply",
        )
        assert again.task is not None
        task = again.task
    if stage == "second":
        approver = ACTOR if part == "approved-first" else "reviewer.first"
        origination.claim_task(task.id, approver, role="risk", idempotency_key="first-claim")
        step = origination.approve_task(task.id, approver, role="risk", idempotency_key="first-ok")
        assert step.next_task is not None
        task = step.next_task
        assert task.stage is ReviewStage.second

    if expected is None:
        origination.claim_task(task.id, ACTOR, role=role, idempotency_key="claim")
        done = origination.approve_task(task.id, ACTOR, role=role, idempotency_key="decide")
        assert done.task is not None
        assert done.task.decided_by == ACTOR
        return
    attempts = {
        "claim": lambda: origination.claim_task(task.id, ACTOR, role=role, idempotency_key="c"),
        "approve": lambda: origination.approve_task(task.id, ACTOR, role=role, idempotency_key="a"),
        "reject": lambda: origination.reject_task(
            task.id, ACTOR, role=role, reasons=("policy",), idempotency_key="r"
        ),
        "return": lambda: origination.return_task(
            task.id, ACTOR, role=role, missing=("x",), idempotency_key="t"
        ),
    }
    for name, attempt in attempts.items():
        with pytest.raises(NotPermitted) as caught:
            attempt()
        assert caught.value.code == expected, name
        assert caught.value.message_zh
    assert origination.get(ReviewTask, task.id).status.value == "open"  # nothing changed


def test_the_matrix_covers_every_role_step_round_and_filer() -> None:
    cases = [p.values for p in _cases()]
    seen = {(c[2], c[3], c[4], c[5]) for c in cases}
    assert seen == set(itertools.product(ROLES, ("first", "second"), (0, 1), (False, True)))
    assert {c[7] for c in cases} == {None, "duty-role", "duty-filer", "four-eyes"}


PRODUCT = """
code: duty_check
name: 审核职责测试
effective: {from: 2025-01-01}
channels: [app]
segments: [individual]
purposes: [consumer]
amount: {min: 1000, max: 100000}
term: {unit: months, allowed: [12]}
rate: {type: fixed, annual: "6%"}
repayment: {methods: [annuity]}
review:
SECTION
"""


@pytest.mark.parametrize(
    ("section", "code", "path"),
    [
        (
            "  second:\n    - roles: [senior_officer]\n      up_to: 50000",
            "uncovered",
            "review.second[0].up_to",
        ),
        (
            "  first:\n    - roles: [officer]\n    - roles: [risk]\n      up_to: 5000\n    - roles: [risk]",
            "unreachable",
            "review.first[0].up_to",
        ),
        (
            "  first:\n    - roles: [officer]\n      up_to: 5000\n    - roles: [risk]\n      up_to: 4000\n"
            "    - roles: [risk]",
            "not-ascending",
            "review.first[1].up_to",
        ),
        ("  second:\n    - roles: [senior_oficer]", "invalid-value", "review.second[0].roles[0]"),
        ("  second: []", "too-short", "review.second"),
        ("  third:\n    - roles: [risk]", "unknown-key", "review.third"),
    ],
)
def test_a_bad_review_section_is_a_located_error(section: str, code: str, path: str) -> None:
    spec, diagnostics = load_product_text(PRODUCT.replace("SECTION", section))
    errors = [d for d in diagnostics if d.severity == "error"]
    assert spec is None or errors
    assert any(d.path == path for d in errors), [d.format() for d in errors]
    found = next(d for d in errors if d.path == path)
    assert found.line is not None
    assert found.message_zh or found.code, found
    if code != "invalid-value":
        assert found.code == code, found.format()
    else:
        assert "senior_officer" in (found.hint or found.message), found.format()


def test_products_without_a_review_section_use_the_documented_defaults(catalog: ProductCatalog) -> None:
    duties = catalog.products["consumer_credit"].spec.review
    assert {r.value for r in duties.roles_for("first", Decimal("10000000"))} == EVERY_REVIEWER
    assert {r.value for r in duties.roles_for("second", Decimal("1"))} == {"senior_officer", "risk"}
