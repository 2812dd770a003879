"""The repayment-method registry, and the golden figures of 等本等息 (flat) and 阶梯/累进 (step).

Golden inputs and figures are read from ``golden_methods.yaml`` (sources cited there); the step
figures are also recomputed here from the closed forms of the 等额累进/等比累进 definition, with
plain Decimal arithmetic that shares nothing with the engine.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from loanfactory.cli import cli
from loanfactory.conventions import RepaymentMethod, ScheduleStyle
from loanfactory.errors import InvalidInput
from loanfactory.quote import quote
from loanfactory.schedule import (
    Balloon,
    LoanTerms,
    Step,
    annual_percentage_rate,
    build_schedule,
    find_method,
    method_of,
    prepay,
    registered,
)
from loanfactory.servicing._terms import tail_terms
from loanfactory.spec import load_product_text, product_json_schema
from loanfactory.terms import ContractTerms, contract_schedule, contract_terms

D = Decimal
HERE = Path(__file__).parent
DOCS = HERE.parents[1] / "docs"
GOLDEN = yaml.safe_load((HERE / "golden_methods.yaml").read_text(encoding="utf-8"))
FLAT = {c["id"]: c for c in GOLDEN["flat"]}
STEP = {c["id"]: c for c in GOLDEN["step"]}
CENT = D("0.01")


def r2(x: Decimal) -> Decimal:
    return x.quantize(CENT, ROUND_HALF_UP)


# --- the registry ---------------------------------------------------------------------------------

SETTINGS: dict[RepaymentMethod, dict[str, Any]] = {
    RepaymentMethod.balloon: {"balloon": Balloon(final=D("0.3"))},
    RepaymentMethod.step: {"step": Step(12, percent=D("0.02"))},
}


def test_every_name_has_one_registered_method_with_labels() -> None:
    names = [m.name for m in registered()]
    assert sorted(names) == sorted(RepaymentMethod)
    assert len(set(names)) == len(names)
    for method in registered():
        assert all((method.zh, method.en, method.summary, method.summary_zh))
        assert method_of(method.name.value) is method
        assert method.required <= method.settings
        assert (method.section is None) == (not method.required)


@pytest.mark.parametrize("method", list(RepaymentMethod))
def test_every_registered_method_builds_a_schedule(method: RepaymentMethod) -> None:
    terms = LoanTerms(D("120000.00"), D("0.06"), 24, method=method, **SETTINGS.get(method, {}))
    posting = build_schedule(terms)
    assert sum((r.principal for r in posting.installments), D(0)) == terms.principal
    assert method_of(method).zh in posting.convention
    display = build_schedule(terms, ScheduleStyle.display)
    assert len(display.installments) == len(posting.installments)


@pytest.mark.parametrize(
    ("text", "method"),
    [
        ("annuity", RepaymentMethod.annuity),
        ("equal-principal", RepaymentMethod.equal_principal),
        (" 等额本金 ", RepaymentMethod.equal_principal),
        ("等本等息", RepaymentMethod.flat),
        ("等比递增", RepaymentMethod.step),
        ("阶梯还款", RepaymentMethod.step),
        ("STEP", RepaymentMethod.step),
    ],
)
def test_a_method_is_found_by_name_label_or_alias(text: str, method: RepaymentMethod) -> None:
    assert find_method(text) is method


def test_an_unknown_method_is_refused_with_a_suggestion() -> None:
    with pytest.raises(InvalidInput) as caught:
        find_method("anuity")
    assert caught.value.field == "method"
    assert "did you mean 'annuity'" in caught.value.message
    assert caught.value.message_zh is not None
    assert "等额本息" in caught.value.message_zh
    with pytest.raises(InvalidInput):
        method_of("graduated")


def test_the_json_schema_offers_exactly_the_registered_methods() -> None:
    schema = product_json_schema()
    text = repr(schema)
    enum = re.search(r"'enum': \[([^\]]*'annuity'[^\]]*)\]", text)
    assert enum is not None
    assert sorted(re.findall(r"'([a-z_]+)'", enum.group(1))) == sorted(m.name.value for m in registered())


def _table_rows(markdown: str, heading: str) -> list[list[str]]:
    section = markdown.split(heading, 1)[1]
    rows = []
    for line in section.splitlines()[1:]:
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if not set(cells[0]) <= {"-", " "}:
            rows.append(cells)
    return rows[1:]  # without the header row


def test_the_developer_docs_table_is_the_registry() -> None:
    rows = _table_rows((DOCS / "schedule.md").read_text(encoding="utf-8"), "### Methods (`method`)")
    assert rows == [[f"`{m.name.value}`", m.zh, m.summary] for m in registered()]


def test_the_product_managers_guide_lists_every_method() -> None:
    rows = _table_rows((DOCS / "products.md").read_text(encoding="utf-8"), "### 还款方式一览")
    assert rows == [[f"`{m.name.value}`", m.zh, m.summary_zh] for m in registered()]


# --- 等本等息 (flat) ---------------------------------------------------------------------------------


def _flat(case: dict[str, Any]) -> LoanTerms:
    inp = case["input"]
    return LoanTerms(D(inp["principal"]), D(inp["annual_rate"]), inp["periods"], method=RepaymentMethod.flat)


@pytest.mark.parametrize("case_id", sorted(FLAT))
def test_flat_golden_figures(case_id: str) -> None:
    case = FLAT[case_id]
    terms, expect = _flat(case), case["expect"]
    posting = build_schedule(terms)
    display = build_schedule(terms, ScheduleStyle.display)
    assert posting.level_installment == D(expect["installment"]) == display.level_installment
    if "display_total_interest" in expect:
        assert display.totals.interest == D(expect["display_total_interest"])
    if "display_total" in expect:
        assert display.totals.total == D(expect["display_total"])
    if "total_interest" in expect:
        assert posting.totals.interest == D(expect["total_interest"])
    if "apr" in expect:
        apr, effective = annual_percentage_rate(posting).disclosed()
        assert apr == D(expect["apr"])
        if "effective_annual" in expect:
            assert effective == D(expect["effective_annual"])
    if "posting_row_interest" in expect:
        assert {r.interest for r in posting.installments} == {D(expect["posting_row_interest"])}


def test_flat_interest_is_on_the_original_principal_and_costs_about_1_8_times_the_rate() -> None:
    terms = _flat(FLAT["F3"])
    rows = build_schedule(terms).installments
    monthly = r2(terms.principal * terms.annual_rate / 12)  # 60.00 on the original 10,000 every month
    assert all(r.interest == monthly for r in rows)
    assert rows[-1].balance == 0
    ratio = annual_percentage_rate(build_schedule(terms)).nominal / terms.annual_rate
    assert D("1.75") < ratio < D("1.85")  # 13.03 % by IRR for 7.2 % stated


# --- 阶梯/累进 (step) --------------------------------------------------------------------------------


def _step(case: dict[str, Any]) -> LoanTerms:
    inp = case["input"]
    return LoanTerms(
        D(inp["principal"]),
        D(inp["annual_rate"]),
        inp["periods"],
        method=RepaymentMethod.step,
        step=Step(
            inp["every"],
            amount=D(inp["amount"]) if "amount" in inp else None,
            percent=D(inp["percent"]) if "percent" in inp else None,
            first=inp["first"],
            times=inp.get("times"),
        ),
    )


def _closed_form_first(inp: dict[str, Any]) -> Decimal:
    """The first installment from the closed forms of 等额累进 / 等比累进 (future values at n).

    Y principal, i monthly rate, n periods, Wb periods before the first change, t periods between
    changes, G amount or s percent per change; We = (n - Wb) mod t, v = (n - Wb - We) / t.
    """
    y, i, n = D(inp["principal"]), D(inp["annual_rate"]) / 12, inp["periods"]
    wb, t = inp["first"], inp["every"]
    we = (n - wb) % t
    v = (n - wb - we) // t
    en, ewe, et = (1 + i) ** n, (1 + i) ** we, (1 + i) ** t
    if "amount" in inp:  # Y(1+i)^n = A s_n + G sum_k s_(We + k t), k = 0..v
        g = D(inp["amount"])
        c = ewe * (et ** (v + 1) - 1) / (et - 1) - (v + 1)
        return y * i * en / (en - 1) - g * c / (en - 1)
    s = D(inp["percent"])
    ewb, evt = (1 + i) ** wb, (1 + i) ** (v * t)
    sv, sv1 = (1 + s) ** v, (1 + s) ** (v + 1)
    f = (evt - sv) / (et - (1 + s))
    return y * i * en / (evt * ewe * (ewb - 1) + (1 + s) * (et - 1) * ewe * f + sv1 * (ewe - 1))


def _hand_posting(inp: dict[str, Any], first: Decimal) -> list[tuple[Decimal, Decimal]]:
    """(total, interest) of each posted row: due = first step installment rounded, interest on the
    balance rounded, the last row takes the rest."""
    y, i, n = D(inp["principal"]), D(inp["annual_rate"]) / 12, inp["periods"]
    b, rows = y, []
    for m in range(n):
        j = 0 if m < inp["first"] else 1 + (m - inp["first"]) // inp["every"]
        due = (
            r2(first + D(inp["amount"]) * j) if "amount" in inp else r2(first * (1 + D(inp["percent"])) ** j)
        )
        interest = r2(b * i)
        part = b if m == n - 1 else due - interest
        b -= part
        rows.append((part + interest, interest))
    return rows


@pytest.mark.parametrize("case_id", [c for c in sorted(STEP) if c != "S1"])
def test_step_golden_figures(case_id: str) -> None:
    case = STEP[case_id]
    inp, expect = case["input"], case["expect"]
    first = _closed_form_first(inp)
    hand = _hand_posting(inp, first)
    assert r2(first) == D(expect["first_installment"])
    assert hand[12][0] == D(expect["installment_13"])
    assert hand[24][0] == D(expect["installment_25"])
    assert hand[-1][0] == D(expect["last_total"])
    assert sum((h[1] for h in hand), D(0)) == D(expect["total_interest"])
    schedule = build_schedule(_step(case))
    rows = schedule.installments
    assert schedule.level_installment == D(expect["first_installment"])
    assert abs(schedule.exact_installment - first) < D("1e-20")  # type: ignore[operator]
    assert [(r.total, r.interest) for r in rows] == hand
    assert schedule.totals.interest == D(expect["total_interest"])


def test_a_graduated_payment_below_its_interest_is_refused_naming_the_published_figures() -> None:
    case = STEP["S1"]
    expect = case["expect"]
    terms = _step(case)
    assert build_schedule(terms.with_(method=RepaymentMethod.annuity, step=None)).level_installment == D(
        expect["annuity_installment"]
    )
    with pytest.raises(InvalidInput) as caught:
        build_schedule(terms)
    assert caught.value.field == "step"
    assert f"installment 1 ({expect['first_installment']})" in caught.value.message
    assert f"its interest ({expect['first_interest']})" in caught.value.message
    assert caught.value.message_zh is not None
    assert "负摊还" in caught.value.message_zh


def test_a_falling_step_that_reaches_zero_is_refused() -> None:
    terms = LoanTerms(
        D("10000.00"), D("0.05"), 24, method=RepaymentMethod.step, step=Step(3, amount=D("-400"))
    )
    with pytest.raises(InvalidInput) as caught:
        build_schedule(terms)
    assert caught.value.field == "step"


def test_steps_stay_in_phase_after_a_prepayment() -> None:
    case = STEP["S6"]  # first change after installment 6, then every 3
    schedule = build_schedule(_step(case))
    result = prepay(schedule, D("20000.00"), after=7, reamortise="keep-term")
    assert result.remaining is not None
    rest = result.remaining.installments
    totals = [r.total for r in rest[:-1]]
    # installment 8 and 9 share the step of installment 7; 10, 13, ... start the next ones
    assert totals[0] == totals[1] != totals[2] == totals[3] == totals[4] != totals[5]
    assert [rest[k].number for k in (0, 2, 5)] == [8, 10, 13]
    # the step by amount shrinks with the balance, so the schedule keeps its shape
    balance = schedule.installments[6].balance
    scaled = r2(D(50) * (balance - D("20000.00")) / balance)
    assert totals[2] - totals[1] == scaled == totals[5] - totals[4]


def test_a_step_keeps_its_pattern_across_a_grace_period() -> None:
    inp = STEP["S6"]["input"]
    terms = _step(STEP["S6"]).with_(grace_principal=2, term=inp["periods"] + 2)
    rows = build_schedule(terms).installments
    assert rows[0].principal == rows[1].principal == 0
    totals = [r.total for r in rows[2:-1]]
    assert totals[5] == totals[0]
    assert totals[6] - totals[5] == D(50)


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Step(0, amount=D(1)), "step.every"),
        (lambda: Step(12), "step"),
        (lambda: Step(12, amount=D(1), percent=D("0.01")), "step"),
        (lambda: Step(12, amount=D("0")), "step"),
        (lambda: Step(12, amount=D("1.005")), "step.amount"),
        (lambda: Step(12, percent=D("-1")), "step.percent"),
        (lambda: Step(12, percent=D("NaN")), "step"),
        (lambda: Step(12, percent=D("0.01"), first=0), "step.first"),
        (lambda: Step(12, percent=D("0.01"), times=-1), "step.times"),
        (lambda: Step(True, percent=D("0.01")), "step.every"),  # type: ignore[arg-type]
        (lambda: LoanTerms(D("1000.00"), D("0.05"), 12, method=RepaymentMethod.step), "step"),
        (lambda: LoanTerms(D("1000.00"), D("0.05"), 12, step=Step(3, amount=D(10))), "step"),
    ],
)
def test_bad_step_settings_name_the_field(make: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        make()
    assert caught.value.field == field
    assert caught.value.message_zh


# --- in the product language and on the command line -------------------------------------------------

STEP_PRODUCT = """
code: step_up
name: 递增还款房贷
effective: {{from: 2025-01-01}}
channels: [branch]
segments: [individual]
purposes: [housing]
amount: {{min: 100000, max: 3000000}}
term: {{allowed: [360]}}
rate: {{type: fixed, annual: "4.9%"}}
repayment:
  methods: {methods}
{step}
"""


def _product_problems(methods: str, step: str) -> list[tuple[str, str, str]]:
    _, problems = load_product_text(STEP_PRODUCT.format(methods=methods, step=step))
    return [(p.severity, p.code, p.path) for p in problems]


def test_a_step_product_quotes_the_golden_schedule() -> None:
    spec, problems = load_product_text(
        STEP_PRODUCT.format(methods="[step, annuity]", step="  step: {every: 12, amount: 100}")
    )
    assert spec is not None, problems
    q = quote(spec, D("1000000"), 360, method=RepaymentMethod.step)
    assert q.terms.step == Step(12, amount=D(100))
    rows = q.schedule.installments
    expect = STEP["S2"]["expect"]
    assert (rows[0].total, rows[12].total, rows[-1].total) == (
        D(expect["first_installment"]),
        D(expect["installment_13"]),
        D(expect["last_total"]),
    )
    assert quote(spec, D("1000000"), 360).terms.step == Step(12, amount=D(100))  # the default method
    assert quote(spec, D("1000000"), 360, method=RepaymentMethod.annuity).terms.step is None


def test_a_step_loans_contract_terms_keep_the_steps_through_json() -> None:
    spec, _ = load_product_text(
        STEP_PRODUCT.format(methods="[step]", step="  step: {every: 12, amount: 100}")
    )
    assert spec is not None
    terms = contract_terms(spec, D("1000000"), 360, start=date(2025, 7, 2))
    again = ContractTerms.model_validate_json(terms.model_dump_json())
    assert again.step == Step(12, amount=D(100))
    rows = contract_schedule(again).installments
    assert rows[12].total - rows[11].total == D(100)
    assert rows == contract_schedule(terms).installments


def test_a_step_loan_spread_again_in_servicing_keeps_its_steps_in_phase() -> None:
    text = STEP_PRODUCT.format(methods="[step]", step="  step: {every: 12, amount: 100}")
    spec, _ = load_product_text(text)
    assert spec is not None
    terms = contract_terms(spec, D("1000000"), 360, start=date(2025, 7, 2))
    rows = contract_schedule(terms).installments
    seventh = rows[6]
    assert seventh.due_date is not None
    rest = build_schedule(
        tail_terms(
            terms,
            principal=seventh.balance - D("200000"),  # after a prepayment with installment 7
            start=seventh.due_date,
            periods=353,
            first_due=rows[7].due_date,
            first=8,
        )
    ).installments
    totals = [r.total for r in rest[:-1]]
    assert len(set(totals[:5])) == 1  # installments 8-12 at one step
    scaled = r2(D(100) * (seventh.balance - D("200000")) / seventh.balance)  # the shape kept
    assert totals[5] - totals[4] == scaled == totals[17] - totals[16]  # 13 and 25 step up


def test_a_falling_step_is_a_negative_change() -> None:
    spec, _ = load_product_text(
        STEP_PRODUCT.format(
            methods="[step]", step="  step: {every: 6, percent: 5%, direction: down, times: 4}"
        )
    )
    assert spec is not None
    assert quote(spec, D("200000"), 360).terms.step == Step(6, percent=D("-0.05"), times=4)


@pytest.mark.parametrize(
    ("methods", "step", "expected"),
    [
        ("[step]", "", ("error", "missing-key", "repayment.step")),
        ("[annuity]", "  step: {every: 12, amount: 100}", ("warning", "unread-key", "repayment.step")),
        (
            "[step]",
            "  step: {every: 12, amount: 100, percent: 2%}",
            ("error", "step-shape", "repayment.step"),
        ),
        ("[step]", "  step: {every: 12}", ("error", "step-shape", "repayment.step")),
        ("[step]", "  step: {every: 0, amount: 100}", ("error", "out-of-range", "repayment.step.every")),
        ("[step]", "  step: {every: 12, amount: 0}", ("error", "out-of-range", "repayment.step.amount")),
        ("[step]", "  step: {every: 12, amount: -100}", ("error", "bad-amount", "repayment.step.amount")),
        (
            "[step]",
            "  step: {every: 12, percent: 100%, direction: down}",
            ("error", "out-of-range", "repayment.step.percent"),
        ),
        ("[step]", "  step: {every: 12, amount: 100, direction: sideways}", ("error", "unknown-value", "")),
        ("[step]", "  step: {every: 12, amout: 100}", ("error", "unknown-key", "repayment.step.amout")),
        ("[stepped]", "", ("error", "unknown-value", "repayment.methods[0]")),
    ],
)
def test_step_settings_in_a_product_are_located(
    methods: str, step: str, expected: tuple[str, str, str]
) -> None:
    found = _product_problems(methods, step)
    severity, code, path = expected
    assert any(f[0] == severity and f[1] == code and f[2].startswith(path) for f in found), found


def test_the_command_line_reads_step_settings_as_the_product_language_does() -> None:
    runner = CliRunner()
    args = [
        "schedule",
        "--principal",
        "1000000",
        "--annual-rate",
        "4.9%",
        "--term",
        "360",
        "--format",
        "json",
    ]
    ok = runner.invoke(cli, [*args, "--method", "等额递增", "--settings", "{every: 12, amount: 100}"])
    assert ok.exit_code == 0, ok.output
    body = json.loads(ok.stdout)
    assert body["installments"][12]["total"] == STEP["S2"]["expect"]["installment_13"]
    bad = runner.invoke(
        cli, [*args, "--method", "step", "--settings", "{every: 12, amount: 100, percent: 1%}"]
    )
    assert bad.exit_code == 2
    assert bad.stderr.count("\n") == 1
    assert "settings: step" in bad.stderr
    none = runner.invoke(cli, [*args, "--method", "annuity", "--settings", "{every: 12}"])
    assert none.exit_code == 2
    assert "takes no settings" in none.stderr


def test_a_contract_names_the_method_in_chinese_from_the_registry() -> None:
    assert method_of(RepaymentMethod.step).label_zh == "阶梯还款"
    assert method_of(RepaymentMethod.interest_only).label_zh == "按月付息、到期还本"
