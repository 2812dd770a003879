"""The catalog: every file under some paths, dispatched by kind, checked across files."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from spec_support import PRODUCTS, SAMPLE_CODES, only

from loanfactory.catalog import LoadedCatalog, find_files, load_catalog
from loanfactory.document import Document
from loanfactory.errors import Diagnostic, NotFound


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def sample(code: str) -> str:
    return (PRODUCTS / f"{code}.yaml").read_text(encoding="utf-8")


def test_the_sample_products_load_without_any_diagnostic() -> None:
    catalog, diagnostics = load_catalog([PRODUCTS], handlers={})
    assert diagnostics == []
    assert sorted(catalog.products) == list(SAMPLE_CODES)
    assert catalog.product_documents == len(SAMPLE_CODES)
    assert set(catalog.templates) == {"retail_base", "personal_unsecured", "enterprise_base"}
    assert {"standard_penalty", "retail_overdue_tiers", "guarantee_company_fee"} <= set(catalog.fragments)
    assert catalog.product_files["home_mortgage"].endswith("home_mortgage.yaml")
    assert len(catalog.files) == len(list(PRODUCTS.rglob("*.yaml")))


def test_samples_are_realistic() -> None:
    catalog, _ = load_catalog([PRODUCTS], handlers={})
    mortgage = catalog.product("home_mortgage")
    assert mortgage.is_floating
    assert mortgage.term.longest == 360
    assert {m.value for m in mortgage.repayment.methods} == {"annuity", "equal_principal"}
    rule = mortgage.guarantee.collateral[0]
    assert rule.type.value == "real-estate"
    assert str(rule.max_ltv) == "0.85"
    assert catalog.product("micro_business").repayment.method.value == "interest_only"
    assert catalog.product("bridge_loan").term.unit.value == "days"
    assert catalog.product("supply_chain").disbursement.mode.value == "staged"
    assert catalog.product("auto_loan").guarantee.types[0].value == "mortgage"
    shared = [c for c, p in catalog.products.items() if p.extends]
    assert len(shared) >= 2


def test_unknown_product_has_did_you_mean() -> None:
    catalog, _ = load_catalog([PRODUCTS], handlers={})
    with pytest.raises(NotFound) as raised:
        catalog.product("home_mortage")
    assert "did you mean 'home_mortgage'?" in str(raised.value)


def test_duplicate_product_codes_point_at_both(tmp_path: Path) -> None:
    write(tmp_path, {"a.yaml": sample("consumer_credit"), "b/c.yaml": sample("consumer_credit")})
    catalog, diagnostics = load_catalog([tmp_path], handlers={})
    duplicates = [d for d in diagnostics if d.code == "duplicate-code"]
    assert sorted(Path(d.file or "").name for d in duplicates) == ["a.yaml", "c.yaml"]
    assert all(d.line == 3 and d.path == "code" for d in duplicates)
    assert "consumer_credit" in catalog.products  # the first one is kept


def test_unknown_kind_lists_the_known_kinds(tmp_path: Path) -> None:
    write(tmp_path, {"p.yaml": sample("consumer_credit"), "x.yaml": "kind: templete\nid: x\n"})
    _, diagnostics = load_catalog([tmp_path], handlers={})
    d = only(diagnostics, "unknown-kind")
    assert (Path(d.file or "").name, d.line, d.column) == ("x.yaml", 1, 7)
    assert d.message == "unknown kind 'templete'; known kinds: product, template, fragment"
    assert d.hint == "did you mean 'template'?"


def test_other_kinds_go_to_their_handlers_and_a_crash_is_contained(tmp_path: Path) -> None:
    seen: list[str] = []

    def rules(document: Document) -> tuple[Any, list[Diagnostic]]:
        seen.append(document.file)
        return {"rules": document.data}, [document.diagnostic(("id",), "note", "checked", severity="warning")]

    def broken(document: Document) -> tuple[Any, list[Diagnostic]]:
        raise RuntimeError("boom")

    write(
        tmp_path,
        {
            "p.yaml": sample("consumer_credit"),
            "r.yaml": "kind: rules\nid: r1\n",
            "s.yaml": "kind: scenarios\nid: s1\n",
        },
    )
    catalog, diagnostics = load_catalog([tmp_path], handlers={"rules": rules, "scenarios": broken})
    assert len(seen) == 1
    assert catalog.rule_libraries == ({"rules": {"kind": "rules", "id": "r1"}},)
    assert only(diagnostics, "note").severity == "warning"
    crash = only(diagnostics, "internal-error")
    assert "RuntimeError: boom" in crash.message
    assert Path(crash.file or "").name == "s.yaml"


def test_folders_without_products(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    parts = write(tmp_path / "parts", {"t.yaml": "kind: template\nid: only_parts\n"})
    catalog, diagnostics = load_catalog([empty, parts], handlers={})
    assert [(d.code, d.file) for d in diagnostics] == [
        ("no-products", str(empty)),
        ("no-products", str(parts)),
    ]
    assert catalog.products == {}


def test_files_are_found_recursively_skipping_hidden_ones(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.yaml": "x: 1\n",
            "b/c.yml": "x: 1\n",
            ".hidden/d.yaml": "x: 1\n",
            "b/.e.yaml": "x: 1\n",
            "b/notes.txt": "x",
        },
    )
    files, problems = find_files([tmp_path, tmp_path / "a.yaml", tmp_path / "missing"])
    assert sorted(str(f.relative_to(tmp_path)) for f in files) == ["a.yaml", "b/c.yml"]
    assert [p.code for p in problems] == ["not-found"]


def test_a_file_given_by_name_is_read_whatever_its_suffix(tmp_path: Path) -> None:
    path = tmp_path / "product.txt"
    path.write_text(sample("consumer_credit"), encoding="utf-8")
    catalog, diagnostics = load_catalog([path], handlers={})
    assert diagnostics == []
    assert list(catalog.products) == ["consumer_credit"]


def test_diagnostics_are_sorted_and_unique(tmp_path: Path) -> None:
    write(tmp_path, {"b.yaml": "code: b_b\n", "a.yaml": "code: a_a\n"})
    _, diagnostics = load_catalog([tmp_path], handlers={})
    assert diagnostics == sorted(diagnostics, key=Diagnostic.sort_key)
    assert len(diagnostics) == len(set(diagnostics))
    assert Path(diagnostics[0].file or "").name == "a.yaml"


def test_empty_catalog_defaults() -> None:
    catalog = LoadedCatalog()
    assert catalog.products == {}
    assert catalog.files == ()
    assert catalog.library.template_ids == ()


RULES = PRODUCTS.parent / "rules"


def test_products_and_rules_together() -> None:
    catalog, diagnostics = load_catalog([PRODUCTS, RULES])
    assert [d for d in diagnostics if d.severity == "error"] == []
    assert catalog.rules is not None
    assert "retail_eligibility" in catalog.rules
    assert len(catalog.rule_libraries) >= 5
    assert catalog.scenarios
    for spec in catalog.products.values():
        for _, ref in spec.rules.items():
            assert ref in catalog.rules


def test_rule_references_are_checked(tmp_path: Path) -> None:
    text = sample("consumer_credit").replace(
        "eligibility: retail_eligibility", "eligibility: retail_eligibilty"
    )
    text = text.replace("scoring: retail_scorecard", "scoring: retail_limit")
    write(tmp_path, {"p.yaml": text})
    _, diagnostics = load_catalog([tmp_path, RULES])
    unknown = only(diagnostics, "unknown-rule")
    assert (unknown.path, unknown.line, unknown.column) == ("rules.eligibility", 85, 16)
    assert unknown.hint == "did you mean 'retail_eligibility'?"
    wrong = only(diagnostics, "wrong-purpose")
    assert wrong.path == "rules.scoring"
    assert "'limit' definition" in wrong.message
    assert len([d for d in diagnostics if d.severity == "error"]) == 2


def test_rule_ids_are_not_checked_without_rule_files(tmp_path: Path) -> None:
    text = sample("consumer_credit").replace("eligibility: retail_eligibility", "eligibility: nowhere")
    write(tmp_path, {"p.yaml": text})
    catalog, diagnostics = load_catalog([tmp_path])
    assert diagnostics == []
    assert catalog.rules is None


def test_inline_rule_sets_are_checked_where_they_were_written(tmp_path: Path) -> None:
    inline = """\
    rules:
      eligibility:
        id: inline_check
        purpose: eligibility
        rules:
          - id: too_young
            when: applicant.aeg < 18
            then: {reject: TOO_YOUNG}
    """
    template = "kind: template\nid: with_rules\n" + textwrap.dedent(inline)
    product = sample("consumer_credit").split("rules:\n")[0] + "extends: with_rules\n"
    product = product.replace("code: consumer_credit", "code: inline_rules")
    write(tmp_path, {"t.yaml": template, "p.yaml": product})
    _, diagnostics = load_catalog([tmp_path])
    d = only(diagnostics, "unknown-field")
    assert (Path(d.file or "").name, d.line) == ("t.yaml", 9)
    assert d.hint is not None
    assert "'age'" in d.hint


def test_rule_ids_defined_twice_across_files(tmp_path: Path) -> None:
    text = (RULES / "tags.yaml").read_text(encoding="utf-8")
    write(tmp_path, {"a.yaml": text, "b.yaml": text, "p.yaml": sample("consumer_credit")})
    _, diagnostics = load_catalog([tmp_path])
    assert [d.code for d in diagnostics if d.severity == "error"].count("duplicate-id") >= 1
