"""Templates (extends) and fragments (use): merge rules, positions through the merge, and errors."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from spec_support import only

from loanfactory.catalog import load_catalog
from loanfactory.errors import Diagnostic
from loanfactory.spec import ProductSpec, load_product, section_names

PRODUCT = """\
code: {code}
name: 测试
effective: {{from: 2025-07-01}}
amount: {{min: 1000, max: 50000}}
rate: {{type: fixed, annual: "4.2%"}}
"""

BASE = """\
kind: template
id: base
channels: [app]
segments: [individual]
purposes: [consumer]
term: {unit: months, allowed: [12, 24]}
repayment:
  methods: [annuity, equal_principal]
  frequency: monthly
penalty:
  uplift: "50%"
  grace_days: 3
overdue:
  tiers:
    - {from_day: 1, to_day: 30, actions: [reminder]}
    - {from_day: 31, actions: [litigation]}
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def product(code: str, extra: str = "", extends: str = "base") -> str:
    head = PRODUCT.format(code=code)
    return head + (f"extends: {extends}\n" if extends else "") + textwrap.dedent(extra)


def catalog(root: Path) -> tuple[dict[str, ProductSpec], list[Diagnostic]]:
    found, diagnostics = load_catalog([root])
    return dict(found.products), diagnostics


def test_extends_fills_in_what_the_product_leaves_out(tmp_path: Path) -> None:
    write(tmp_path, {"templates/base.yaml": BASE, "p.yaml": product("p_one", "penalty: {grace_days: 5}\n")})
    products, diagnostics = catalog(tmp_path)
    assert diagnostics == []
    spec = products["p_one"]
    assert spec.penalty.grace_days == 5
    assert spec.penalty.uplift == Decimal("0.5")
    assert [m.value for m in spec.repayment.methods] == ["annuity", "equal_principal"]
    assert spec.extends == ("base",)


def test_lists_replace_and_null_removes(tmp_path: Path) -> None:
    extra = "repayment: {methods: [bullet]}\nterm: {unit: days, allowed: [30]}\noverdue: null\n"
    write(tmp_path, {"templates/base.yaml": BASE, "p.yaml": product("p_one", extra)})
    products, diagnostics = catalog(tmp_path)
    assert diagnostics == []
    spec = products["p_one"]
    assert [m.value for m in spec.repayment.methods] == ["bullet"]
    assert spec.term.values() == (30,)
    assert spec.overdue is None


def test_templates_extend_templates_and_paths_work(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "shared/base.yaml": BASE,
            "products/templates/mid.yaml": "kind: template\nid: mid\nextends: ../../shared/base.yaml\n"
            "penalty: {grace_days: 7}\n",
            "products/p.yaml": product("p_one", extends="mid"),
        },
    )
    spec, diagnostics = load_product(tmp_path / "products" / "p.yaml")
    assert diagnostics == []
    assert spec is not None
    assert spec.penalty.grace_days == 7
    assert spec.penalty.uplift == Decimal("0.5")


def test_a_product_may_extend_another_product_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "templates/base.yaml": BASE,
            "a.yaml": product("p_a"),
            "b.yaml": "code: p_b\nextends: ./a.yaml\namount: {max: 80000}\n",
        },
    )
    products, diagnostics = catalog(tmp_path)
    assert diagnostics == []
    assert products["p_b"].amount.max == 80000
    assert products["p_b"].amount.min == 1000
    assert products["p_b"].extends == ("./a.yaml",)


def test_bases_that_agree_do_not_conflict(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "templates/base.yaml": BASE,
            "templates/other.yaml": "kind: template\nid: other\npenalty: {uplift: '50%'}\n",
            "p.yaml": product("p_one", extends="[base, other]"),
        },
    )
    _, diagnostics = catalog(tmp_path)
    assert diagnostics == []


def test_conflicting_bases_are_located_at_the_later_base(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "templates/base.yaml": BASE,
            "templates/other.yaml": "kind: template\nid: other\npenalty:\n  uplift: '30%'\n",
            "p.yaml": product("p_one", extends="[base, other]"),
        },
    )
    _, diagnostics = catalog(tmp_path)
    d = only(diagnostics, "override-conflict")
    assert (d.file, d.path, d.line, d.column) == (str(tmp_path / "p.yaml"), "extends[1]", 6, 17)
    assert f"{tmp_path / 'templates' / 'base.yaml'}:11:11" in d.message
    assert f"{tmp_path / 'templates' / 'other.yaml'}:4:11" in d.message
    assert "'penalty.uplift'" in d.message
    assert d.hint == "set 'penalty.uplift' in this file to decide"


def test_the_product_decides_a_conflict(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "templates/base.yaml": BASE,
            "templates/other.yaml": "kind: template\nid: other\npenalty: {uplift: '30%'}\n",
            "p.yaml": product("p_one", "penalty: {uplift: '40%'}\n", extends="[base, other]"),
        },
    )
    products, diagnostics = catalog(tmp_path)
    assert diagnostics == []
    assert products["p_one"].penalty.uplift == Decimal("0.4")


def test_errors_point_into_the_file_where_the_value_was_written(tmp_path: Path) -> None:
    base = BASE.replace("  grace_days: 3", "  grace_days: 99\n  compund: true")
    write(
        tmp_path,
        {"templates/base.yaml": base, "p.yaml": product("p_one", "repayment: {frequency: montly}\n")},
    )
    _, diagnostics = catalog(tmp_path)
    by_code = {d.code: d for d in diagnostics}
    template = str(tmp_path / "templates" / "base.yaml")
    assert (by_code["out-of-range"].file, by_code["out-of-range"].line) == (template, 12)
    assert (by_code["unknown-key"].file, by_code["unknown-key"].line, by_code["unknown-key"].column) == (
        template,
        13,
        3,
    )
    assert (by_code["unknown-value"].file, by_code["unknown-value"].line) == (str(tmp_path / "p.yaml"), 7)
    assert len(diagnostics) == 3  # the template's errors once, though also checked as a template


def test_missing_keys_point_into_the_product(tmp_path: Path) -> None:
    write(tmp_path, {"templates/base.yaml": BASE, "p.yaml": product("p_one").replace("name: 测试\n", "")})
    _, diagnostics = catalog(tmp_path)
    d = only(diagnostics, "missing-key")
    assert (d.file, d.path, d.line) == (str(tmp_path / "p.yaml"), "name", 1)


def test_unknown_template_has_did_you_mean(tmp_path: Path) -> None:
    write(tmp_path, {"templates/base.yaml": BASE, "p.yaml": product("p_one", extends="bsae")})
    products, diagnostics = catalog(tmp_path)
    d = only(diagnostics, "unknown-template")
    assert (d.path, d.line, d.column, d.hint) == ("extends", 6, 10, "did you mean 'base'?")
    assert products == {}


def test_extends_must_name_templates(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "templates/base.yaml": BASE,
            "f.yaml": "kind: fragment\nid: pen\nsection: penalty\ncontent: {uplift: '50%'}\n",
            "a.yaml": product("p_a", extends="./missing.yaml"),
            "b.yaml": product("p_b", extends="./f.yaml"),
            "c.yaml": product("p_c", extends="5"),
            "d.yaml": product("p_d", extends="[base, 5]"),
        },
    )
    _, diagnostics = catalog(tmp_path)
    messages = {Path(d.file or "").name: (d.code, d.message) for d in diagnostics}
    assert messages["a.yaml"] == ("unknown-template", "no such file: ./missing.yaml")
    assert messages["b.yaml"] == (
        "unknown-template",
        "'./f.yaml' is a fragment; use it with 'use:' inside a section",
    )
    assert messages["c.yaml"][0] == "wrong-type"
    assert messages["d.yaml"][0] == "wrong-type"


@pytest.mark.parametrize("start", ["t_a", "t_b", "t_c"])
def test_extends_cycle_is_reported_once_at_the_same_place(tmp_path: Path, start: str) -> None:
    write(
        tmp_path,
        {
            "t/a.yaml": "kind: template\nid: t_a\nextends: t_b\n",
            "t/b.yaml": "kind: template\nid: t_b\nextends: t_c\n",
            "t/c.yaml": "kind: template\nid: t_c\nextends: [t_a]\n",
            "p.yaml": product("p_one", extends=start),
            "q.yaml": product("q_one", extends="t_b"),
        },
    )
    products, diagnostics = catalog(tmp_path)
    d = only(diagnostics, "extends-cycle")
    assert (d.file, d.path, d.line, d.column) == (str(tmp_path / "t" / "c.yaml"), "extends[0]", 3, 11)
    assert "t_a → t_b → t_c → t_a" in d.message
    assert products == {}


def test_a_template_extending_itself(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"t.yaml": "kind: template\nid: t_self\nextends: t_self\n", "p.yaml": product("p", extends="")},
    )
    _, diagnostics = catalog(tmp_path)
    assert only(diagnostics, "extends-cycle").message == "'extends' goes round in a circle: t_self → t_self"


FRAGMENTS = {
    "f/penalty.yaml": "kind: fragment\nid: std_penalty\nsection: penalty\ncontent:\n  uplift: '50%'\n"
    "  grace_days: 3\n",
    "f/fee.yaml": "kind: fragment\nid: svc_fee\nsection: fees\ncontent:\n  id: service\n  kind: service\n"
    "  percent: '1%'\n",
    "f/fees.yaml": "kind: fragment\nid: two_fees\nsection: fees\ncontent:\n"
    "  - {id: a, kind: service, amount: 10}\n  - {id: b, kind: other, amount: 20}\n",
    "f/tiers.yaml": "kind: fragment\nid: tiers\nsection: overdue\ncontent:\n  tiers:\n"
    "    - {from_day: 1, actions: [reminder]}\n",
    "f/bands.yaml": "kind: fragment\nid: bands\nsection: rate.table\ncontent:\n"
    "  - {term_max: 12, annual: '3.9%'}\n",
}


def test_fragments_in_mappings_and_lists(tmp_path: Path) -> None:
    extra = """\
    penalty: {use: std_penalty, grace_days: 5}
    fees:
      - use: two_fees
      - use: svc_fee
        percent: "0.8%"
    overdue: {use: tiers}
    rate: {type: fixed, annual: "4.2%", table: {use: bands}}
    """
    write(
        tmp_path,
        {
            **FRAGMENTS,
            "templates/base.yaml": BASE,
            "p.yaml": product("p_one", extra).replace('rate: {type: fixed, annual: "4.2%"}\n', "", 1),
        },
    )
    products, diagnostics = catalog(tmp_path)
    assert diagnostics == []
    spec = products["p_one"]
    assert (spec.penalty.grace_days, spec.penalty.uplift) == (5, Decimal("0.5"))
    assert [f.id for f in spec.fees] == ["a", "b", "service"]
    assert spec.fees[2].percent == Decimal("0.008")
    assert spec.overdue is not None
    assert spec.overdue.tiers[0].to_day is None
    assert spec.rate.table[0].annual == Decimal("0.039")


def test_fragments_used_by_templates_and_whole_lists(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            **FRAGMENTS,
            "templates/base.yaml": BASE + "fees: {use: two_fees}\n",
            "p.yaml": product("p_one", "penalty: {use: std_penalty}\n"),
        },
    )
    products, diagnostics = catalog(tmp_path)
    assert diagnostics == []
    assert [f.id for f in products["p_one"].fees] == ["a", "b"]


def test_errors_inside_fragments_point_into_the_fragment(tmp_path: Path) -> None:
    fragment = (
        "kind: fragment\nid: bad_penalty\nsection: penalty\ncontent:\n  uplift: '50%'\n  grace_days: 99\n"
    )
    write(
        tmp_path,
        {
            "f.yaml": fragment,
            "templates/base.yaml": BASE,
            "p.yaml": product("p_one", "penalty: {use: bad_penalty}\n"),
        },
    )
    _, diagnostics = catalog(tmp_path)
    d = only(diagnostics, "out-of-range")
    assert (d.file, d.line, d.column, d.path) == (str(tmp_path / "f.yaml"), 6, 15, "content.grace_days")


def test_fragment_mistakes(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            **FRAGMENTS,
            "templates/base.yaml": BASE,
            "a.yaml": product("p_a", "penalty: {use: tiers}\n"),
            "b.yaml": product("p_b", "penalty: {use: std_penalti}\n"),
            "c.yaml": product("p_c", "fees:\n  - use: two_fees\n    amount: 5\n"),
            "d.yaml": product("p_d", "use: std_penalty\n"),
            "e.yaml": product("p_e", "penalty: {use: 5}\n"),
            "g.yaml": product("p_g", "penalty: {use: two_fees}\n"),
        },
    )
    _, diagnostics = catalog(tmp_path)
    found = {Path(d.file or "").name: d for d in diagnostics}
    assert found["a.yaml"].code == "fragment-section"
    assert (found["a.yaml"].line, found["a.yaml"].column) == (
        7,
        16,
    )
    assert f"{tmp_path / 'f' / 'tiers.yaml'}:3:10" in found["a.yaml"].message
    assert found["b.yaml"].code == "unknown-fragment"
    assert found["b.yaml"].hint == "did you mean 'std_penalty'?"
    assert found["c.yaml"].code == "bad-use"
    assert found["d.yaml"].code == "bad-use"
    assert found["d.yaml"].path == "use"
    assert found["e.yaml"].code == "wrong-type"
    assert found["g.yaml"].code == "fragment-section"


def test_two_fragments_that_disagree(tmp_path: Path) -> None:
    other = "kind: fragment\nid: soft_penalty\nsection: penalty\ncontent: {uplift: '30%'}\n"
    write(
        tmp_path,
        {
            **FRAGMENTS,
            "f/soft.yaml": other,
            "templates/base.yaml": BASE,
            "p.yaml": product("p_one", "penalty:\n  use: [std_penalty, soft_penalty]\n"),
            "q.yaml": product("q_one", "penalty:\n  use: [std_penalty, soft_penalty]\n  uplift: '40%'\n"),
        },
    )
    products, diagnostics = catalog(tmp_path)
    d = only(diagnostics, "override-conflict")
    assert (Path(d.file or "").name, d.path, d.line) == ("p.yaml", "penalty.use[1]", 8)
    assert products["q_one"].penalty.uplift == Decimal("0.4")


def test_fragments_using_fragments_and_cycles(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "templates/base.yaml": BASE,
            "f/outer.yaml": "kind: fragment\nid: outer\nsection: penalty\n"
            "content: {use: inner, grace_days: 1}\n",
            "f/inner.yaml": "kind: fragment\nid: inner\nsection: penalty\ncontent: {uplift: '20%'}\n",
            "f/loop_a.yaml": "kind: fragment\nid: loop_a\nsection: penalty\ncontent: {use: loop_b}\n",
            "f/loop_b.yaml": "kind: fragment\nid: loop_b\nsection: penalty\ncontent: {use: loop_a}\n",
            "p.yaml": product("p_one", "penalty: {use: outer}\n"),
            "q.yaml": product("q_one", "penalty: {use: loop_a}\n"),
        },
    )
    products, diagnostics = catalog(tmp_path)
    assert products["p_one"].penalty.uplift == Decimal("0.2")
    assert products["p_one"].penalty.grace_days == 1
    cycles = [d for d in diagnostics if d.code == "use-cycle"]
    assert cycles
    assert all("loop_a" in d.message and "loop_b" in d.message for d in cycles)
    assert "q_one" not in products


def test_use_inside_an_inline_rule_set_is_left_to_the_rules_engine(tmp_path: Path) -> None:
    extra = "rules:\n  eligibility: {use: not_a_fragment, rules: []}\n"
    write(tmp_path, {"templates/base.yaml": BASE, "p.yaml": product("p_one", extra)})
    products, diagnostics = catalog(tmp_path)
    assert [d for d in diagnostics if d.code.startswith("unknown-fragment")] == []
    assert products["p_one"].rules.eligibility == {"use": "not_a_fragment", "rules": []}


def test_templates_are_checked_even_when_unused(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "templates/base.yaml": BASE,
            "templates/partial.yaml": "kind: template\nid: partial\nrate: {tenor: 1y}\namount: {min: 5}\n",
            "templates/typo.yaml": "kind: template\nid: typo\npenalty: {uplft: '1%'}\n",
            "templates/noid.yaml": "kind: template\npenalty: {uplift: '1%'}\n",
            "templates/badid.yaml": "kind: template\nid: Bad Id\n",
            "p.yaml": product("p_one"),
        },
    )
    _, diagnostics = catalog(tmp_path)
    found = {Path(d.file or "").name: d for d in diagnostics}
    assert "partial.yaml" not in found  # missing keys are for the product to fill
    assert (found["typo.yaml"].code, found["typo.yaml"].hint) == ("unknown-key", "did you mean 'uplift'?")
    assert (found["noid.yaml"].code, found["noid.yaml"].path) == ("missing-key", "id")
    assert found["badid.yaml"].code == "bad-format"


def test_fragment_files_are_checked(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "templates/base.yaml": BASE,
            "f/a.yaml": "kind: fragment\nid: f_a\nsection: penalti\ncontent: {}\n",
            "f/b.yaml": "kind: fragment\nid: f_b\nsection: penalty\n",
            "f/c.yaml": "kind: fragment\nid: f_c\nsection: fees\ncontent:\n  - {id: x, kind: servise}\n",
            "f/d.yaml": "kind: fragment\nid: f_d\nsection: fees\ncontent: {id: y, kind: other, amount: 1}\n",
            "p.yaml": product("p_one"),
        },
    )
    _, diagnostics = catalog(tmp_path)
    found = {Path(d.file or "").name: d for d in diagnostics}
    assert (found["a.yaml"].code, found["a.yaml"].hint) == ("unknown-value", "did you mean 'penalty'?")
    assert (found["b.yaml"].code, found["b.yaml"].path) == ("missing-key", "content")
    assert (found["c.yaml"].code, found["c.yaml"].line, found["c.yaml"].hint) == (
        "unknown-value",
        5,
        "did you mean 'service'?",
    )
    assert "d.yaml" not in found


def test_duplicate_ids_point_at_both(tmp_path: Path) -> None:
    write(tmp_path, {"t1.yaml": BASE, "t2.yaml": BASE, "p.yaml": product("p_one")})
    _, diagnostics = catalog(tmp_path)
    duplicates = [d for d in diagnostics if d.code == "duplicate-id"]
    assert sorted(Path(d.file or "").name for d in duplicates) == ["t1.yaml", "t2.yaml"]
    assert all(d.line == 2 for d in duplicates)


def test_section_names() -> None:
    names = section_names()
    assert {"penalty", "fees", "rate", "rate.table", "overdue", "guarantee.collateral", "rules"} <= set(names)
    assert "name" not in names
