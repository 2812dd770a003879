"""The examples in the rules docs run."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, localcontext
from typing import Any

import pytest

from loanfactory.document import load_document
from loanfactory.facts import Applicant, ApplicationFacts, BureauReport, Facts, LoanFacts
from loanfactory.rules import compile_definition, load_rule_document, load_scenario_document

from .conftest import ROOT


def test_developer_guide_example_runs() -> None:
    text = (ROOT / "docs" / "rules-engines.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.S)
    assert code is not None
    import os

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        exec(compile(code.group(1), "rules-engines.md", "exec"), {})
    finally:
        os.chdir(cwd)


def test_author_guide_yaml_blocks_load() -> None:
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    kinds = {"rules": 0, "item": 0, "scenarios": 0}
    for block in blocks:
        if block.startswith("kind: scenarios"):
            document, _ = load_document(block, file="rules.md")
            assert document is not None
            scenarios, problems = load_scenario_document(document)
            assert scenarios is not None, problems
            kinds["scenarios"] += 1
            continue
        if block.startswith("kind: rules"):
            source = block
            kinds["rules"] += 1
        else:  # a definition written as a list item
            source = "kind: rules\nreasons: {NO_GRADE: {en: x}}\ndefinitions:\n" + block
            kinds["item"] += 1
        document, _ = load_document(source, file="rules.md")
        assert document is not None
        library, problems = load_rule_document(document)
        assert library is not None, [p.format() for p in problems]
    assert kinds == {"rules": 2, "item": 4, "scenarios": 2}


@pytest.mark.parametrize("engine", ["compiled", "durable"])
def test_chinese_product_rules_example_decides_as_described(engine: str) -> None:
    """Section 8: age at maturity, an annuity payment, one grade function used by two tables."""
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "annuity_payment" in b)
    document, _ = load_document(block, file="rules.md")
    assert document is not None
    library, problems = load_rule_document(document)
    assert library is not None, problems
    facts = Facts(
        as_of=date(2025, 6, 1),
        applicant=Applicant(birth_date=date(1990, 3, 31), monthly_income=Decimal(9000)),
        application=ApplicationFacts(amount=Decimal(100000), term=36),
        bureau=BureauReport(credit_score=720),
        loan=LoanFacts(maturity_date=date(2055, 3, 30)),
    )

    def run(ident: str) -> Any:
        return compile_definition(library.get(ident), engine=engine).evaluate(facts)  # type: ignore[arg-type]

    # 64 at maturity (65 only on 2055-03-31): not rejected; at 2056-04-01 the applicant is 66
    assert run("age_at_maturity").outcome.value == "pass"
    older = facts.model_copy(update={"loan": LoanFacts(maturity_date=date(2056, 4, 1))})
    maturity_rule = compile_definition(library.get("age_at_maturity"), engine=engine)  # type: ignore[arg-type]
    assert maturity_rule.evaluate(older).outcome.value == "reject"
    # 100000 * r / (1 - (1 + r)^-36) with r = 0.0435 / 12, by hand with 34 digits
    with localcontext() as ctx:
        ctx.prec = 34
        r = Decimal("0.0435") / 12
        payment = Decimal(100000) * r / (1 - 1 / (1 + r) ** 36)
    d = run("affordability")
    assert d.values["monthly_payment"] == payment.quantize(Decimal("0.01"))
    assert d.values["monthly_payment"] == Decimal("2967.99")
    assert d.tags == ("月供可负担",)  # 2967.99 <= 9000 / 2
    assert run("grade_routing_by_score").outcome.value == "approve"  # 720: grade B
    assert run("spread_by_score").values == {"spread": Decimal("0.012")}
