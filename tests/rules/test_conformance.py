"""Conformance with the DMN specification's own examples, on both engines.

- ``conformance/lending.yaml`` is the specification's lending example (decision tables under
  COLLECT SUM, UNIQUE and PRIORITY, business knowledge models, an annuity with ``**``) written by
  hand; the expected decisions are those the example gives for its applicant, plus a second
  applicant worked out by hand below.
- ``conformance/feel.yaml`` lists FEEL examples from the specification with their results.

Nothing here is taken from this code's output.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

import pytest

from loanfactory.document import load_document
from loanfactory.facts import Facts
from loanfactory.rules import RuleLibrary, compile_definition, load_rule_document, load_rule_file
from loanfactory.rules._decision import to_plain

HERE = Path(__file__).parent / "conformance"
ENGINES = ["compiled", "durable"]


@pytest.fixture(scope="module")
def lending() -> RuleLibrary:
    library, problems = load_rule_file(HERE / "lending.yaml")
    assert library is not None, [p.format() for p in problems]
    gaps = [p for p in problems if p.code == "table-gap"]
    # the specification's pre-bureau table leaves a new customer's score of exactly 130 uncovered
    assert any("application_risk_score = 130" in p.message for p in gaps)
    return library


def applicant(**data: Any) -> Facts:
    return Facts(as_of=date(2025, 1, 1), vars=data)


def installment(amount: Decimal, rate: Decimal, term: int, fee: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 34
        monthly = rate / 12
        return amount * monthly / (1 - 1 / (1 + monthly) ** term) + fee


@pytest.mark.parametrize("engine", ENGINES)
def test_the_specifications_lending_applicant(lending: RuleLibrary, engine: str) -> None:
    facts = applicant(
        applicant_data={
            "Monthly": {"Income": Decimal(6000), "Expenses": Decimal(2000), "Repayments": Decimal(0)},
            "Age": 35,
            "ExistingCustomer": True,
            "MaritalStatus": "M",
            "EmploymentStatus": "EMPLOYED",
        },
        requested_product={
            "ProductType": "STANDARD LOAN",
            "Amount": Decimal(350000),
            "Rate": Decimal("0.0395"),
            "Term": 360,
        },
        bureau_data={"CreditScore": 649, "Bankrupt": False},
    )
    v = compile_definition(lending.get("lending"), engine=engine).evaluate(facts).values  # type: ignore[arg-type]
    assert v["application_risk_score"] == 130
    assert v["pre_bureau_risk_category"] == "LOW"
    assert v["bureau_call_type"] == "MINI"
    assert v["post_bureau_risk_category"] == "LOW"
    assert abs(v["required_monthly_installment"] - Decimal("1680.880325608555")) < Decimal("1e-9")
    assert v["pre_bureau_affordability"] is True
    assert v["eligibility"] == "ELIGIBLE"
    assert v["strategy"] == "BUREAU"
    assert v["post_bureau_affordability"] is True
    assert v["routing"] == "ACCEPT"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_second_applicant_worked_by_hand(lending: RuleLibrary, engine: str) -> None:
    # single (25), aged 22 (35), student (18): 78 points; not a customer, under 100: HIGH
    facts = applicant(
        applicant_data={
            "Monthly": {"Income": Decimal(3000), "Expenses": Decimal(1500), "Repayments": Decimal(500)},
            "Age": 22,
            "ExistingCustomer": False,
            "MaritalStatus": "S",
            "EmploymentStatus": "STUDENT",
        },
        requested_product={
            "ProductType": "SPECIAL LOAN",
            "Amount": Decimal(100000),
            "Rate": Decimal("0.06"),
            "Term": 120,
        },
        bureau_data={"CreditScore": 600, "Bankrupt": False},
    )
    v = compile_definition(lending.get("lending"), engine=engine).evaluate(facts).values  # type: ignore[arg-type]
    expected = installment(Decimal(100000), Decimal("0.06"), 120, Decimal(25))  # about 1135.21
    assert v["application_risk_score"] == 78
    assert v["pre_bureau_risk_category"] == "HIGH"
    assert v["bureau_call_type"] == "FULL"
    assert abs(v["required_monthly_installment"] - expected) < Decimal("1e-20")
    # disposable 3000 - (1500 + 500) = 1000; HIGH factor 0.6 -> 600, below the installment
    assert v["pre_bureau_affordability"] is False
    assert v["eligibility"] == "INELIGIBLE"
    assert v["strategy"] == "DECLINE"
    # score 78 < 120 with credit score 600 in [590..610]: MEDIUM; 1000 * 0.7 = 700 < installment
    assert v["post_bureau_risk_category"] == "MEDIUM"
    assert v["post_bureau_affordability"] is False
    assert v["routing"] == "DECLINE"


def feel_cases() -> list[dict[str, Any]]:
    document, problems = load_document(HERE / "feel.yaml")
    assert document is not None, problems
    cases: list[dict[str, Any]] = document.data["cases"]
    return cases


def same(value: Any, expected: Any) -> bool:
    plain = to_plain(value)
    if isinstance(expected, bool) or expected is None:
        return plain is expected
    if isinstance(expected, int | Decimal):
        return plain is not None and Decimal(plain) == Decimal(expected)
    if isinstance(expected, list):
        return (
            isinstance(plain, list)
            and len(plain) == len(expected)
            and all(same(v, e) for v, e in zip(value, expected, strict=True))
        )
    return plain == expected


@pytest.mark.parametrize("engine", ENGINES)
def test_feel_examples_of_the_specification(engine: str) -> None:
    cases = feel_cases()
    body = "\n".join(f"            c{i}: '{c['expr']}'" for i, c in enumerate(cases))
    text = (
        "kind: rules\ndefinitions:\n  - id: feel\n    purpose: tags\n    rules:\n"
        f"      - id: all\n        when: true\n        then:\n          set:\n{body}\n"
    )
    document, _ = load_document(text, file="feel.yaml")
    assert document is not None
    library, problems = load_rule_document(document)
    assert library is not None, [p.format() for p in problems]
    values = compile_definition(library.get("feel"), engine=engine).evaluate(applicant()).values  # type: ignore[arg-type]
    wrong = [
        (c["feel"], values[f"c{i}"]) for i, c in enumerate(cases) if not same(values[f"c{i}"], c["expect"])
    ]
    assert wrong == []
