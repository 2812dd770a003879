"""Running scenario files against rule definitions and products (what ``loanfactory test`` does).

Scenarios that target a rule definition are evaluated here. Scenarios that target a product run
what production runs — origination's facts builder, the product's flow, the offer's limit and
price — so their evaluator comes from origination (``products``, given by
``loanfactory.origination.run_scenario_paths`` and ``loanfactory test``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loanfactory.document import Document, load_document
from loanfactory.errors import Diagnostic
from loanfactory.rules._engine import CompiledDefinition, EngineName, compile_definition
from loanfactory.rules._loader import RuleLibrary, load_rule_files
from loanfactory.rules._scenarios import (
    Evaluator,
    Scenario,
    ScenarioFile,
    ScenarioResult,
    find_upwards,
    load_scenario_document,
    run_scenario,
)


@dataclass
class ScenarioRun:
    """Everything a test run found: load problems, and one result per scenario and engine."""

    files: int = 0
    diagnostics: list[Diagnostic] = field(default_factory=list)
    results: list[ScenarioResult] = field(default_factory=list)

    @property
    def failed(self) -> list[ScenarioResult]:
        return [r for r in self.results if not r.passed]


def scenario_files(paths: Iterable[Path | str]) -> list[Path]:
    """Files with ``kind: scenarios`` among ``paths`` (folders searched recursively)."""
    out: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for candidate in sorted(path.rglob("*.y*ml")):
                if _kind(candidate) == "scenarios":
                    out.append(candidate)
        else:
            out.append(path)
    return out


def _kind(path: Path) -> Any:
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:4000]
    except OSError:
        return None
    for line in head.splitlines():
        if line.startswith("kind:"):
            return line.split(":", 1)[1].split("#")[0].strip().strip("'\"")
    return None


ProductEvaluators = Callable[[Scenario, Path, EngineName, RuleLibrary], tuple[Evaluator | None, str | None]]
"""Gives the evaluator of a product scenario (or why there is none): ``(scenario, scenario file,
engine, the rule library found for the file)``."""


class _Resolver:
    """Finds and compiles what scenarios target, caching per folder and engine."""

    def __init__(self, extra_rules: Sequence[Path], products: ProductEvaluators | None = None) -> None:
        self.extra_rules = list(extra_rules)
        self.products = products
        self.libraries: dict[tuple[Path, ...], tuple[RuleLibrary | None, list[Diagnostic]]] = {}
        self.compiled: dict[tuple[int, str], CompiledDefinition] = {}

    def library(self, scenario_file: Path) -> tuple[RuleLibrary | None, list[Diagnostic]]:
        here = scenario_file.resolve().parent
        folders = [here, here.parent]
        rules_dir = find_upwards(here, "rules")
        if rules_dir is not None:
            folders.append(rules_dir)
        folders += [r.resolve() for r in self.extra_rules if r.is_dir()]
        extra = {r.resolve() for r in self.extra_rules if not r.is_dir()}
        files = sorted({f for d in folders for f in d.glob("*.y*ml") if _kind(f) == "rules"} | extra)
        key = tuple(files)
        if key not in self.libraries:
            self.libraries[key] = load_rule_files(files)
        return self.libraries[key]

    def evaluator(
        self, scenario: Scenario, file: Path, engine: EngineName
    ) -> tuple[Evaluator | None, str | None]:
        library, _ = self.library(file)
        if library is None:
            return None, "the rule files did not load (see the errors above)"
        if scenario.target_kind == "rules":
            if scenario.target not in library.definitions:
                from loanfactory.errors import hint_for

                hint = hint_for(scenario.target, list(library.definitions))[0]
                return None, f"no rule definition '{scenario.target}'" + (f" ({hint})" if hint else "")
            definition = library.definitions[scenario.target]
            key = (id(definition), engine)
            if key not in self.compiled:
                self.compiled[key] = compile_definition(definition, engine=engine)
            return self.compiled[key].evaluate, None
        if self.products is None:
            return None, (
                "a product scenario runs with loanfactory test or loanfactory.origination."
                "run_scenario_paths, which price the offer as origination does"
            )
        return self.products(scenario, file, engine, library)


def run_paths(
    paths: Iterable[Path | str],
    *,
    engines: Sequence[str] | None = None,
    rules: Sequence[Path | str] = (),
    products: ProductEvaluators | None = None,
) -> ScenarioRun:
    """Load and run every scenario file under ``paths`` (product scenarios with ``products``)."""
    run = ScenarioRun()
    resolver = _Resolver([Path(r) for r in rules], products)
    for path in scenario_files(paths):
        run.files += 1
        document, problems = load_document(path)
        run.diagnostics.extend(problems)
        if document is None:
            continue
        scenario_file, found = load_scenario_document(document)
        run.diagnostics.extend(found)
        if scenario_file is None:
            continue
        _, library_problems = resolver.library(path)
        for d in library_problems:
            if d not in run.diagnostics:
                run.diagnostics.append(d)
        run.results.extend(_run_file(scenario_file, path, resolver, document, engines))
    return run


def _run_file(
    scenario_file: ScenarioFile,
    path: Path,
    resolver: _Resolver,
    document: Document,
    engines: Sequence[str] | None,
) -> list[ScenarioResult]:
    out: list[ScenarioResult] = []
    for scenario in scenario_file.scenarios:
        for engine in engines or scenario.engines:
            evaluate, problem = resolver.evaluator(scenario, path, engine)  # type: ignore[arg-type]
            if evaluate is None:
                result = ScenarioResult(scenario, engine)
                result.diagnostics.append(
                    document.diagnostic(scenario.path, "scenario-target", f"{scenario.name}: {problem}")
                )
                out.append(result)
                continue
            out.append(run_scenario(scenario, evaluate, engine, document))
    return out
