"""The rule language at DMN level, on both engines: exponent, records, dates and durations,
text and list functions, rule-file functions, ``?`` cells. Expected values are worked out by
hand in each test (plain Decimal arithmetic or calendar facts), never taken from the code."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal, localcontext
from typing import Any

import pytest

from loanfactory.facts import Applicant, ApplicationFacts, BureauReport, CollateralFacts, Facts, LoanFacts
from loanfactory.rules import RuleLibrary, compile_definition
from loanfactory.rules._temporal import YearsMonths

from .conftest import errors, load_text

ENGINES = ["compiled", "durable"]

FILE = """kind: rules
vars: {offer: record, limits: list of number, tags: list of text, start: date}
functions:
  - name: annuity_payment
    description: 等额本息月供
    params: {principal: number, annual_rate: number, months: int}
    body: principal * (annual_rate / 12) / (1 - (1 + annual_rate / 12) ** -months)
  - name: grade_from_score
    params: {score: number}
    table:
      hit_policy: FIRST
      inputs: [score]
      outputs: [grade]
      rows:
        - [">= 750", A]
        - [">= 650", B]
        - ["-", C]
  - name: grade_and_spread
    params: {score: number}
    table:
      hit_policy: UNIQUE
      inputs: [{expr: grade_from_score(score), allowed: [A, B, C]}]
      outputs: [grade, spread]
      rows:
        - [A, A, 0.5%]
        - [B, B, 1.2%]
        - [C, C, 3%]
  - name: clash
    params: {x: number, limit: number}
    table:
      hit_policy: UNIQUE
      inputs: [x]
      outputs: [y]
      rows: [["> 0", 1], ["> limit", 2]]
definitions:
  - id: values
    purpose: pricing
    rules:
      - id: all
        when: true
        then:
          set:
            payment: annuity_payment(application.amount, 4.35%, application.term)
            grade: grade_from_score(bureau.credit_score)
            both: grade_and_spread(bureau.credit_score)
            spread_only: grade_and_spread(bureau.credit_score).spread
            clash_big: clash(5, 1)
            clash_small: clash(0.5, 1)
            age_at_maturity: years_and_months_duration(applicant.birth_date, loan.maturity_date).years
            days_to_maturity: (loan.maturity_date - as_of).days
            next_month: as_of + duration("P1M")
            end_of_february: date("2024-01-31") + duration("P1M")
            later: date_and_time("2025-06-01T23:30:00") + duration("PT45M")
            quarter_hour: time("10:50:00") + duration("PT15M")
            year: as_of.year
            weekday: day_of_week(as_of)
            greeting: '"您好 " + upper(applicant.region)'
            code: substring("foobar", 3)
            tail: substring("foobar", -2, 1)
            record: '{grade: "A", rate: 4.35%}'
            rate_of_record: '{grade: "A", rate: 4.35%}.rate'
            square: 2 ** 10
            root: sqrt(16)
            remainder: modulo(-12, 5)
            firsts: sort(c.value for c in collateral if c.first_lien)
            count_homes: count(c for c in collateral if c.type == "first_home")
            mean_value: mean(c.value for c in collateral)
            uniques: distinct_values([1, 2, 3, 2, 1])
            where: index_of([1, 2, 3, 2], 2)
            joined: concatenate([1, 2], [3])
            grown: append([1], 2, 3)
            missing_arith: applicant.monthly_income * 2
  - id: cells
    purpose: tags
    hit_policy: COLLECT
    vars: {regions: list of text}
    inputs: [applicant.age, applicant.region, application.document_types]
    outputs: [label]
    rows:
      - ["? > 25 and ? < 40", "-", "-", thirties]
      - ["-", vars.regions, "-", served]
      - ["-", "null", "-", no_region]
      - ["-", "-", '"id_card" in ?', has_id]
      - ["-", "-", "count(?) >= 2", two_documents]
"""


@pytest.fixture(scope="module")
def lib() -> RuleLibrary:
    library, problems = load_text(FILE)
    assert library is not None, [p.format() for p in problems]
    return library


def facts(**changes: Any) -> Facts:
    base: dict[str, Any] = {
        "as_of": date(2025, 6, 1),
        "applicant": Applicant(
            age=30, birth_date=date(1990, 3, 31), region="sh", monthly_income=Decimal(9000)
        ),
        "application": ApplicationFacts(amount=Decimal(100000), term=36),
        "bureau": BureauReport(credit_score=720),
        "loan": LoanFacts(maturity_date=date(2055, 3, 30)),
        "collateral": (
            CollateralFacts(type="first_home", value=Decimal(500000), first_lien=True),
            CollateralFacts(type="vehicle", value=Decimal(100000), first_lien=True),
            CollateralFacts(type="first_home", value=Decimal(300000), first_lien=False),
        ),
        "vars": {"regions": ["sh", "bj"]},
    }
    base.update(changes)
    return Facts(**base)


def annuity(principal: Decimal, annual_rate: Decimal, months: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 34
        r = annual_rate / 12
        return principal * r / (1 - 1 / (1 + r) ** months)


@pytest.mark.parametrize("engine", ENGINES)
def test_expression_values(lib: RuleLibrary, engine: str) -> None:
    v = compile_definition(lib.get("values"), engine=engine).evaluate(facts()).values  # type: ignore[arg-type]
    expected = annuity(Decimal(100000), Decimal("0.0435"), 36)
    assert abs(v["payment"] - expected) < Decimal("1e-20")
    assert round(v["payment"], 2) == Decimal("2967.99")
    assert v["grade"] == "B"
    assert v["both"] == {"grade": "B", "spread": Decimal("0.012")}
    assert v["spread_only"] == Decimal("0.012")
    assert v["clash_big"] is None  # two rows of a UNIQUE table match: null inside an expression
    assert v["clash_small"] == 1
    # born 1990-03-31, maturity 2055-03-30: one day short of 65
    assert v["age_at_maturity"] == 64
    assert v["days_to_maturity"] == (date(2055, 3, 30) - date(2025, 6, 1)).days
    assert v["next_month"] == date(2025, 7, 1)
    assert v["end_of_february"] == date(2024, 2, 29)  # 2024 is a leap year
    assert v["later"] == datetime(2025, 6, 2, 0, 15)
    assert v["quarter_hour"] == time(11, 5)
    assert v["year"] == 2025
    assert v["weekday"] == "Sunday"  # 1 June 2025 was a Sunday
    assert v["greeting"] == "您好 SH"
    assert v["code"] == "obar"
    assert v["tail"] == "a"
    assert v["record"] == {"grade": "A", "rate": Decimal("0.0435")}
    assert v["rate_of_record"] == Decimal("0.0435")
    assert v["square"] == 1024
    assert v["root"] == 4
    assert v["remainder"] == 3
    assert v["firsts"] == (Decimal(100000), Decimal(500000))
    assert v["count_homes"] == 2
    assert v["mean_value"] == Decimal(300000)
    assert v["uniques"] == (1, 2, 3)
    assert v["where"] == (2, 4)
    assert v["joined"] == (1, 2, 3)
    assert v["grown"] == (1, 2, 3)
    assert v["missing_arith"] == 18000


@pytest.mark.parametrize("engine", ENGINES)
def test_missing_values_propagate(lib: RuleLibrary, engine: str) -> None:
    f = facts(applicant=Applicant(age=None), loan=None, bureau=None)
    v = compile_definition(lib.get("values"), engine=engine).evaluate(f).values  # type: ignore[arg-type]
    assert v["age_at_maturity"] is None
    assert v["days_to_maturity"] is None
    assert v["greeting"] is None
    assert v["missing_arith"] is None
    assert v["grade"] == "C"  # the '-' row matches a missing score
    assert v["both"] == {"grade": "C", "spread": Decimal("0.03")}


@pytest.mark.parametrize("engine", ENGINES)
def test_question_mark_null_and_list_cells(lib: RuleLibrary, engine: str) -> None:
    table = compile_definition(lib.get("cells"), engine=engine)  # type: ignore[arg-type]
    d = table.evaluate(facts())
    assert d.values == {"label": ["thirties", "served"]}
    f = facts(applicant=Applicant(age=41, region=None), vars={"regions": []})
    assert table.evaluate(f).values == {"label": ["no_region"]}
    from loanfactory.facts import SubmittedDocument

    docs = (SubmittedDocument(type="id_card"), SubmittedDocument(type="income_proof"))
    f = facts(application=ApplicationFacts(amount=Decimal(1), term=1, documents=docs))
    assert table.evaluate(f).values == {"label": ["thirties", "served", "has_id", "two_documents"]}


def test_temporal_helpers_by_hand() -> None:
    from loanfactory.rules._temporal import add, parse_duration, prop, subtract

    assert parse_duration("P1Y2M") == YearsMonths(14)
    assert parse_duration("-P2DT3H") == -timedelta(days=2, hours=3)
    assert parse_duration("P1Y2D") is None  # FEEL has no mixed duration
    assert parse_duration("PT") is None
    assert add(date(2025, 1, 31), YearsMonths(1)) == date(2025, 2, 28)
    assert add(date(9999, 12, 31), timedelta(days=1)) is None  # past year 9999: missing
    assert subtract(date(2012, 12, 25), date(2012, 12, 24)) == timedelta(days=1)
    assert prop(-timedelta(days=1, hours=2), "hours") == -2
    assert prop(YearsMonths(-14), "years") == -1
    aware = datetime(2025, 1, 1, tzinfo=__import__("datetime").timezone.utc)
    from loanfactory.rules._temporal import compare

    assert compare(aware, "<", datetime(2025, 1, 2)) is False  # zoned vs local never compare


BAD = [
    ("x: '\"a\" + 1'", "expr-type"),
    ("x: as_of + 1", "expr-type"),
    ('x: as_of - duration("P1Q")', "expr-type"),
    ("x: 2 ** 100000", "expr-too-large"),
    ("x: '{grade: 1}.grde'", "unknown-field"),
    ("x: as_of.yaer", "unknown-field"),
    ("x: annuity(1, 2, 3)", "expr-unknown-function"),
    ("x: duration(applicant.region)", "expr-type"),
    ('x: date("2025-02-30")', "expr-type"),
    ("x: '\"x\" * 3'", "expr-type"),
]


@pytest.mark.parametrize(("line", "code"), BAD)
def test_type_errors_are_located(line: str, code: str) -> None:
    name, expr = line.split(": ", 1)
    text = (
        "kind: rules\ndefinitions:\n  - id: d\n    purpose: pricing\n    rules:\n"
        f"      - id: r\n        when: true\n        then:\n          set:\n            {name}: {expr}\n"
    )
    library, problems = load_text(text)
    found = errors(problems)
    assert library is None
    assert found, line
    assert found[0].code == code, [p.format() for p in found]
    assert found[0].line == 10


def test_function_mistakes_are_located() -> None:
    text = """kind: rules
functions:
  - name: f
    params: {x: numbr}
    body: x
  - name: g
    params: {x: number}
    body: applicant.age + x
  - name: min
    body: 1
  - name: h
    params: {x: number}
    body: h(x)
  - name: k
    params: {x: number}
    table:
      hit_policy: FIRST
      inputs: [x]
      outputs: [outcome]
      rows: [["-", reject]]
definitions:
  - id: d
    purpose: pricing
    rules:
      - {id: r, when: true, then: {set: {y: 'g("a")'}}}
"""
    library, problems = load_text(text)
    assert library is None
    by_line = {(p.line, p.code) for p in errors(problems)}
    assert (4, "unknown-type") in by_line  # numbr: did you mean number?
    assert (8, "expr-unknown-name") in by_line  # a function reads only its parameters
    assert (9, "duplicate-id") in by_line  # 'min' is a library function
    assert (13, "expr-unknown-function") in by_line  # no recursion
    assert (19, "bad-name") in by_line  # a function's table cannot decide an outcome


def nest(function: str, times: int, inner: str) -> str:
    return f"{function}(" * times + inner + ")" * times


@pytest.mark.parametrize("engine", ENGINES)
def test_text_and_lists_grown_past_their_bounds_are_missing(engine: str) -> None:
    long = '"' + "x" * 1000 + '"'
    text = f"""kind: rules
functions:
  - {{name: twice, params: {{t: text}}, body: t + t}}
  - {{name: both, params: {{xs: list of number}}, body: 'concatenate(xs, xs)'}}
definitions:
  - id: grow
    purpose: tags
    rules:
      - id: r
        when: true
        then:
          set:
            fits: 'string_length({nest("twice", 6, long)})'
            too_long: '{nest("twice", 7, long)}'
            many: 'count({nest("both", 13, "[1]")})'
            too_many: '{nest("both", 14, "[1]")} is None'
"""
    library, problems = load_text(text)
    assert library is not None, [p.format() for p in problems]
    values = compile_definition(library.get("grow"), engine=engine).evaluate(facts()).values  # type: ignore[arg-type]
    assert values["fits"] == 64_000  # 1000 characters doubled six times
    assert values["too_long"] is None  # 128,000 characters would pass the 100,000 bound
    assert values["many"] == 8192  # one item doubled 13 times
    assert values["too_many"] is True  # 16,384 items would pass the 10,000 bound
