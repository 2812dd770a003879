"""Scenario files, the shipped samples, and ``loanfactory test``."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from loanfactory.cli import cli
from loanfactory.document import load_document
from loanfactory.origination import run_scenario_paths
from loanfactory.rules import RuleLibrary, load_scenario_document

from .conftest import ROOT, RULES


def test_every_shipped_scenario_passes_on_both_engines() -> None:
    run = run_scenario_paths([RULES / "scenarios"])
    assert run.diagnostics == []
    assert run.results
    assert run.failed == [], [d.format() for r in run.failed for d in r.diagnostics]
    assert {r.engine for r in run.results} == {"compiled", "durable"}


def test_every_shipped_definition_has_scenarios(library: RuleLibrary) -> None:
    run = run_scenario_paths([RULES / "scenarios"], engines=["compiled"])
    targeted = {r.scenario.target for r in run.results if r.scenario.target_kind == "rules"}
    assert set(library.definitions) <= targeted
    assert any(r.scenario.target_kind == "product" for r in run.results)


def test_unknown_fact_field_in_a_scenario_is_located(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "kind: scenarios\ntarget: {rules: retail_eligibility}\nscenarios:\n"
        "  - name: x\n    given: {as_of: 2025-01-01, applicant: {aeg: 3}}\n    expect: {outcome: pass}\n",
        encoding="utf-8",
    )
    document, _ = load_document(path)
    assert document is not None
    found, problems = load_scenario_document(document)
    assert found is None
    (d,) = problems
    assert (d.code, d.line, d.hint) == ("unknown-field", 5, "did you mean 'age'?")


def _failing(tmp_path: Path) -> Path:
    folder = tmp_path / "rules" / "scenarios"
    folder.mkdir(parents=True)
    for src in RULES.glob("*.yaml"):
        (tmp_path / "rules" / src.name).write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    path = folder / "bad.yaml"
    path.write_text(
        "kind: scenarios\ntarget: {rules: retail_eligibility}\ndefaults: {as_of: 2025-01-01}\n"
        "scenarios:\n  - name: wrong on purpose\n    given: {applicant: {age: 30}}\n"
        "    expect: {outcome: pass}\n",
        encoding="utf-8",
    )
    return path


def test_cli_exit_codes_and_formats(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli, ["test", str(RULES / "scenarios" / "pre_review.yaml"), "--format", "json"])
    assert ok.exit_code == 0, ok.output
    body = json.loads(ok.stdout)
    assert body["failed"] == 0
    assert body["scenarios"] == 16  # 8 scenarios on both engines
    bad = runner.invoke(cli, ["test", str(_failing(tmp_path)), "--format", "github", "--engine", "durable"])
    assert bad.exit_code == 1
    assert "::error file=" in bad.stdout
    assert "line=7" in bad.stdout
    assert "expected outcome pass, got reject" in bad.stdout
    junit = runner.invoke(cli, ["test", str(tmp_path / "rules" / "scenarios"), "--format", "junit"])
    assert junit.exit_code == 1
    assert 'failures="2"' in junit.stdout
    usage = runner.invoke(cli, ["test", str(ROOT / "rules" / "scenarios"), "--engine", "fast"])
    assert usage.exit_code == 2
