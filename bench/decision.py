"""Benchmark of the standard decision (rules issue): µs per decision, ratios in one run.

Variants, all on the same random applicants:

- ``handwritten``: plain Python building the same :class:`~loanfactory.rules.Decision`;
- ``compiled``: ``rules/standard_decision.yaml`` on the compiled engine, trace off and on;
- ``durable``: the same definition on the durable engine;
- ``raw_durable``: durable_rules used directly (own host, same conditions written by hand, one
  ``assert_fact`` + ``delete_state`` per decision, Python computing grade, rate and limit);
- ``zen``: zen-engine (GoRules) with the same decision as a JDM graph, when installed;
- ``dated_*``: a second decision (``bench/dated_decision.yaml``) on dates, durations and a rule-file
  function (age at maturity, months on book, an annuity payment), against its own hand-written
  Python baseline.

Goals: compiled ≤ 1.5 × handwritten; durable ≤ 1.2 × raw durable_rules. ``--json`` prints one JSON
line last. Every variant's decisions are checked against the handwritten ones before timing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import sys
import time
from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal
from pathlib import Path
from typing import Any

from loanfactory.facts import Applicant, ApplicationFacts, BureauReport, Facts, LoanFacts
from loanfactory.rules import Decision, Outcome, Reason, compile_definition, load_rule_file

ROOT = Path(__file__).resolve().parent.parent
REGIONS = ("BJ", "SH", "GD", "ZJ", "JS")
LPR = Decimal("0.0345")
CAP = 4 * LPR
SPREADS = {"A": Decimal("0.005"), "B": Decimal("0.012"), "C": Decimal("0.025"), "D": Decimal("0.040")}
MESSAGES = {
    "age": ("STD_AGE", "Age must be 18 to 60", "年龄须在 18 至 60 周岁之间"),
    "income": ("STD_INCOME", "Monthly income below 3000 yuan", "月收入低于 3000 元"),
    "score": ("STD_SCORE", "Credit score below 550", "信用评分低于 550 分"),
    "dti": ("STD_DTI", "Debt-to-income above 55%", "负债收入比高于 55%"),
    "region": ("STD_REGION", "Region not served", "暂未在该地区开展业务"),
    "overdue": ("STD_OVERDUE", "More than 2 late payments in 24 months", "近 24 个月逾期超过 2 次"),
}
REASONS = {k: Reason(c, en, zh, f"eligibility/{k}") for k, (c, en, zh) in MESSAGES.items()}
OUTCOMES = (Outcome.passed, Outcome.reject)


def applicants(n: int, seed: int = 7) -> list[Facts]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        out.append(
            Facts(
                as_of=date(2025, 6, 1),
                applicant=Applicant(
                    age=rng.randint(16, 70),
                    monthly_income=Decimal(rng.randint(1500, 60000)),
                    debt_to_income=Decimal(rng.randint(0, 80)) / 100,
                    region=rng.choice((*REGIONS, "XZ", "QH")),
                    employment_years=Decimal(rng.randint(0, 30)),
                ),
                bureau=BureauReport(credit_score=rng.randint(450, 850), overdue_count_24m=rng.randint(0, 4)),
                application=ApplicationFacts(amount=Decimal(rng.randint(10, 900) * 1000), term=12),
            )
        )
    return out


R_AGE, R_INCOME, R_SCORE, R_DTI, R_REGION, R_OVERDUE = (REASONS[k] for k in MESSAGES)
REGION_SET = frozenset(REGIONS)
DTI_MAX = Decimal("0.55")
S_A, S_B, S_C, S_D = SPREADS["A"], SPREADS["B"], SPREADS["C"], SPREADS["D"]


def handwritten(f: Facts) -> Decision:
    """The standard decision written by hand as tightly as we could (same output as the rules)."""
    a, b, app = f.applicant, f.bureau, f.application
    assert a is not None
    assert b is not None
    assert app is not None
    age, income, dti, score = a.age, a.monthly_income, a.debt_to_income, b.credit_score
    fired = []
    reasons = []
    if age is None or not 18 <= age <= 60:
        fired.append("eligibility/age")
        reasons.append(R_AGE)
    if income is None or income < 3000:
        fired.append("eligibility/income")
        reasons.append(R_INCOME)
    if score is None or score < 550:
        fired.append("eligibility/score")
        reasons.append(R_SCORE)
    if dti is None or dti > DTI_MAX:
        fired.append("eligibility/dti")
        reasons.append(R_DTI)
    if a.region not in REGION_SET:
        fired.append("eligibility/region")
        reasons.append(R_REGION)
    if b.overdue_count_24m > 2:
        fired.append("eligibility/overdue")
        reasons.append(R_OVERDUE)
    values: dict[str, Any] = {}
    if score is not None and score >= 750:
        fired.append("grade/r1")
        values["grade"], values["spread"] = "A", S_A
    elif score is not None and score >= 700:
        fired.append("grade/r2")
        values["grade"], values["spread"] = "B", S_B
    elif score is not None and score >= 650:
        fired.append("grade/r3")
        values["grade"], values["spread"] = "C", S_C
    elif score is not None and score >= 550:
        fired.append("grade/r4")
        values["grade"], values["spread"] = "D", S_D
    else:
        fired.append("grade/r5")
        values["grade"] = values["spread"] = None
    fired.append("offer/price_and_limit")
    spread = values["spread"]
    values["rate"] = None if spread is None else min(LPR + spread, CAP)
    values["limit"] = None if income is None else min(app.amount, 20 * income, 500000)
    return Decision(
        "standard_decision", OUTCOMES[1 if reasons else 0], values, tuple(reasons), tuple(fired), (), (), None
    )


RAW_RULES = {
    "age": {"$or": [{"$lt": {"age": 18}}, {"$gt": {"age": 60}}]},
    "income": {"$lt": {"income": 3000}},
    "score": {"$lt": {"score": 550}},
    "dti": {"$gt": {"dti": 0.55}},
    "region": {"$and": [{"$neq": {"region": r}} for r in REGIONS]},
    "overdue": {"$gt": {"overdue": 2}},
    "g1": {"$gte": {"score": 750}},
    "g2": {"$and": [{"$gte": {"score": 700}}, {"$lt": {"score": 750}}]},
    "g3": {"$and": [{"$gte": {"score": 650}}, {"$lt": {"score": 700}}]},
    "g4": {"$and": [{"$gte": {"score": 550}}, {"$lt": {"score": 650}}]},
    "g5": {"$lt": {"score": 550}},
    "offer": {"always": 1},
}


def raw_durable() -> Callable[[Facts], Decision]:
    """durable_rules used directly, the way its documentation shows, with our own host."""
    from durable.engine import Host, MessageNotHandledException

    class QuietHost(Host):  # type: ignore[misc]
        def _run(self) -> None:
            return None

    fired: list[str] = []
    host = QuietHost()

    def action(name: str) -> Callable[[Any], None]:
        return lambda c: fired.append(name)

    host.register_rulesets(
        {"bench_raw": {k: {"all": [{"m": v}], "run": action(k)} for k, v in RAW_RULES.items()}}
    )
    grades = {"g1": "A", "g2": "B", "g3": "C", "g4": "D"}

    def decide(f: Facts) -> Decision:
        a, b, app = f.applicant, f.bureau, f.application
        assert a is not None
        assert b is not None
        assert app is not None
        fired.clear()
        fact = {
            "sid": "w",
            "always": 1,
            "age": a.age,
            "income": float(a.monthly_income or 0),
            "score": b.credit_score,
            "dti": float(a.debt_to_income or 0),
            "region": a.region,
            "overdue": b.overdue_count_24m,
        }
        with contextlib.suppress(MessageNotHandledException):
            host.assert_fact("bench_raw", fact)
        if fired:
            host.delete_state("bench_raw", "w")
        hits = set(fired)
        names = [f"eligibility/{k}" for k in MESSAGES if k in hits]
        reasons = tuple(REASONS[k] for k in MESSAGES if k in hits)
        g = next((k for k in ("g1", "g2", "g3", "g4", "g5") if k in hits), "g5")
        grade = grades.get(g)
        spread = SPREADS.get(grade or "")
        income = a.monthly_income
        values = {
            "grade": grade,
            "spread": spread,
            "rate": None if spread is None else min(LPR + spread, CAP),
            "limit": None if income is None else min(app.amount, 20 * income, 500000),
        }
        fired_ids = (*names, f"grade/r{g[1]}", "offer/price_and_limit")
        return Decision("standard_decision", OUTCOMES[1 if reasons else 0], values, reasons, fired_ids)

    return decide


def zen() -> Callable[[Facts], Any] | None:
    try:
        import zen as zen_engine  # type: ignore[import-not-found]
    except ImportError:
        return None
    rules = [
        ("age", "age < 18 or age > 60"),
        ("income", "income < 3000"),
        ("score", "score < 550"),
        ("dti", "dti > 0.55"),
        ("region", "not contains(['BJ','SH','GD','ZJ','JS'], region)"),
        ("overdue", "overdue > 2"),
    ]
    expressions = [{"id": f"e{i}", "key": f"failed_{k}", "value": v} for i, (k, v) in enumerate(rules)]
    expressions += [
        {
            "id": "g",
            "key": "grade",
            "value": "score >= 750 ? 'A' : score >= 700 ? 'B' : score >= 650 ? 'C' : "
            "score >= 550 ? 'D' : null",
        },
    ]
    offer = [
        {
            "id": "s",
            "key": "spread",
            "value": "grade == 'A' ? 0.005 : grade == 'B' ? 0.012 : grade == 'C' ? 0.025 : "
            "grade == 'D' ? 0.04 : null",
        },
    ]
    final = [
        {"id": "r", "key": "rate", "value": "spread == null ? null : min([0.0345 + spread, 4 * 0.0345])"},
        {"id": "l", "key": "limit", "value": "min([amount, 20 * income, 500000])"},
    ]
    graph = {
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "in", "position": {"x": 0, "y": 0}},
            {
                "id": "x1",
                "type": "expressionNode",
                "name": "checks",
                "position": {"x": 1, "y": 0},
                "content": {
                    "expressions": expressions,
                    "passThrough": True,
                    "inputField": None,
                    "outputPath": None,
                    "executionMode": "single",
                },
            },
            {
                "id": "x2",
                "type": "expressionNode",
                "name": "spread",
                "position": {"x": 2, "y": 0},
                "content": {
                    "expressions": offer,
                    "passThrough": True,
                    "inputField": None,
                    "outputPath": None,
                    "executionMode": "single",
                },
            },
            {
                "id": "x3",
                "type": "expressionNode",
                "name": "offer",
                "position": {"x": 3, "y": 0},
                "content": {
                    "expressions": final,
                    "passThrough": True,
                    "inputField": None,
                    "outputPath": None,
                    "executionMode": "single",
                },
            },
            {"id": "out", "type": "outputNode", "name": "out", "position": {"x": 4, "y": 0}},
        ],
        "edges": [
            {"id": "a", "sourceId": "in", "targetId": "x1", "type": "edge"},
            {"id": "b", "sourceId": "x1", "targetId": "x2", "type": "edge"},
            {"id": "c", "sourceId": "x2", "targetId": "x3", "type": "edge"},
            {"id": "d", "sourceId": "x3", "targetId": "out", "type": "edge"},
        ],
    }
    decision = zen_engine.ZenEngine().create_decision(json.dumps(graph))

    def decide(f: Facts) -> Any:
        a, b, app = f.applicant, f.bureau, f.application
        assert a is not None
        assert b is not None
        assert app is not None
        return decision.evaluate(
            {
                "age": a.age,
                "income": float(a.monthly_income or 0),
                "score": b.credit_score,
                "dti": float(a.debt_to_income or 0),
                "region": a.region,
                "overdue": b.overdue_count_24m,
                "amount": float(app.amount),
            }
        )

    return decide


DATED = {
    "old": Reason("DATED_OLD", "Older than 65 at maturity", "到期时年龄超过 65 周岁", "old_at_maturity"),
    "new": Reason("DATED_NEW", "Less than 6 months on book", "账龄不足 6 个月", "new_on_book"),
    "poor": Reason(
        "DATED_UNAFFORDABLE", "The payment is above half the income", "月供超过月收入的一半", "unaffordable"
    ),
}
DATED_OUTCOMES = (Outcome.passed, Outcome.approve, Outcome.manual_review, Outcome.reject)
MONTHLY = Decimal("0.0435") / 12
CENT = Decimal("0.01")
POWER = Context(prec=34)  # the power is taken to 34 digits, as FEEL's decimal128


def dated_applicants(n: int, seed: int = 11) -> list[Facts]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        disbursed = date(2023, 1, 1).fromordinal(date(2023, 1, 1).toordinal() + rng.randint(0, 880))
        out.append(
            Facts(
                as_of=date(2025, 6, 1),
                applicant=Applicant(
                    birth_date=date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28)),
                    monthly_income=Decimal(rng.randint(1500, 40000)),
                ),
                application=ApplicationFacts(
                    amount=Decimal(rng.randint(10, 500) * 1000), term=rng.choice((12, 24, 36, 60))
                ),
                loan=LoanFacts(
                    disbursed_on=disbursed,
                    maturity_date=date(rng.randint(2026, 2060), rng.randint(1, 12), rng.randint(1, 28)),
                ),
            )
        )
    return out


def _months(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if end.day < start.day else months


def dated_handwritten(f: Facts) -> Decision:
    """The dated decision written by hand (same output as bench/dated_decision.yaml)."""
    a, app, loan = f.applicant, f.application, f.loan
    assert a is not None
    assert app is not None
    assert loan is not None
    birth, maturity, disbursed = a.birth_date, loan.maturity_date, loan.disbursed_on
    assert birth is not None
    assert maturity is not None
    assert disbursed is not None
    fired: list[str] = []
    reasons: list[Reason] = []
    rank = 0
    if _months(birth, maturity) // 12 > 65:
        fired.append("old_at_maturity")
        reasons.append(DATED["old"])
        rank = 3
    if _months(disbursed, f.as_of) < 6:
        fired.append("new_on_book")
        reasons.append(DATED["new"])
        rank = max(rank, 2)
    payment = app.amount * MONTHLY / (1 - POWER.power(1 + MONTHLY, -app.term))
    payment = payment.quantize(CENT, rounding=ROUND_HALF_UP)
    fired.append("payment")
    values = {"payment": payment, "days_on_book": (f.as_of - disbursed).days}
    income = a.monthly_income
    if income is not None and payment > income / 2:
        fired.append("unaffordable")
        reasons.append(DATED["poor"])
        rank = 3
    return Decision(
        "dated_decision", DATED_OUTCOMES[rank], values, tuple(reasons), tuple(fired), (), (), None
    )


def timed(variants: dict[str, tuple[Callable[[Facts], Any], list[Facts]]], repeat: int) -> dict[str, float]:
    """Best of ``repeat`` rounds, µs per decision; each round runs every variant in turn, so a
    busy moment on the machine does not favour one variant."""
    best = {name: float("inf") for name in variants}
    for _ in range(repeat):
        for name, (fn, facts) in variants.items():
            start = time.perf_counter()
            for f in facts:
                fn(f)
            best[name] = min(best[name], (time.perf_counter() - start) / len(facts) * 1e6)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=2000, help="applicants per pass (default 2000)")
    parser.add_argument("--repeat", type=int, default=7, help="passes; the best is kept (default 5)")
    parser.add_argument("--json", action="store_true", help="print one JSON line last")
    args = parser.parse_args(argv)

    library, problems = load_rule_file(ROOT / "rules" / "standard_decision.yaml")
    if library is None:
        print("\n".join(d.format() for d in problems), file=sys.stderr)
        return 1
    definition = library.get("standard_decision")
    compiled = compile_definition(definition)
    durable = compile_definition(definition, engine="durable")
    raw = raw_durable()
    facts = applicants(args.n)
    for f in facts[:500]:  # every variant must give the handwritten decision before it is timed
        want = handwritten(f)
        for name, got in (
            ("compiled", compiled.evaluate(f)),
            ("durable", durable.evaluate(f)),
            ("raw", raw(f)),
        ):
            if got != want:
                print(f"{name} disagrees with the handwritten decision:\n{got}\n{want}", file=sys.stderr)
                return 1
    dated_library, problems = load_rule_file(ROOT / "bench" / "dated_decision.yaml")
    if dated_library is None:
        print("\n".join(d.format() for d in problems), file=sys.stderr)
        return 1
    dated_compiled = compile_definition(dated_library.get("dated_decision"))
    dated_durable = compile_definition(dated_library.get("dated_decision"), engine="durable")
    dated = dated_applicants(args.n)
    for f in dated[:500]:
        want = dated_handwritten(f)
        for name, got in (
            ("dated compiled", dated_compiled.evaluate(f)),
            ("dated durable", dated_durable.evaluate(f)),
        ):
            if got != want:
                print(f"{name} disagrees with the handwritten decision:\n{got}\n{want}", file=sys.stderr)
                return 1
    zen_fn = zen()
    slow = facts[: max(args.n // 2, 200)]
    variants: dict[str, tuple[Callable[[Facts], Any], list[Facts]]] = {
        "handwritten_us": (handwritten, facts),
        "compiled_us": (compiled.evaluate, facts),
        "compiled_trace_us": (lambda f: compiled.evaluate(f, trace=True), facts),
        "durable_us": (durable.evaluate, slow),
        "raw_durable_us": (raw, slow),
        "dated_handwritten_us": (dated_handwritten, dated),
        "dated_compiled_us": (dated_compiled.evaluate, dated),
        "dated_durable_us": (dated_durable.evaluate, dated[: max(args.n // 2, 200)]),
    }
    if zen_fn is not None:
        variants["zen_us"] = (zen_fn, slow)
    measured = timed(variants, args.repeat)
    results: dict[str, float | None] = {k: measured.get(k) for k in (*variants, "zen_us")}
    h, r = results["handwritten_us"], results["raw_durable_us"]
    dh = results["dated_handwritten_us"]
    assert h is not None
    assert r is not None
    assert dh is not None
    for key, value in results.items():
        ratio = ""
        if value is not None and key.startswith("compiled"):
            ratio = f"  ({value / h:.2f}x handwritten)"
        elif value is not None and key in ("dated_compiled_us", "dated_durable_us"):
            ratio = f"  ({value / dh:.2f}x dated handwritten)"
        elif value is not None and key == "durable_us":
            ratio = f"  ({value / r:.2f}x raw durable_rules)"
        shown = "not installed" if value is None else f"{value:9.2f} µs"
        print(f"{key:<20}{shown}{ratio}", file=sys.stderr)
    if args.json:
        print(json.dumps({k: (round(v, 3) if v is not None else None) for k, v in results.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
