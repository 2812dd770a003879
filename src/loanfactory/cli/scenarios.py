"""``loanfactory test``: run YAML scenario files against rule definitions and products.

Product scenarios run what production runs — origination's facts builder, the product's flow,
the offer's limit and price (:mod:`loanfactory.origination._scenarios`) — and may assert the offer.

Exit codes as for ``validate``: 0 every scenario passed, 1 a scenario failed or a file did not
load, 2 usage error. Each scenario (per engine) is one junit test case.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from loanfactory.cli import language
from loanfactory.cli._output import FORMATS, Case, Report, render, summary
from loanfactory.cli._project import project_of, scenario_folders
from loanfactory.lpr import LprSeries


@click.command("test")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f for f in FORMATS if f != "sarif"] + ["sarif"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--engine",
    type=click.Choice(["compiled", "durable", "both"]),
    default=None,
    help="Run scenarios on this engine (default: as each file says, normally both).",
)
@click.option(
    "--rules",
    "rules",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Extra rule files to load (repeatable).",
)
@click.option(
    "--products",
    "products",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folders of the product files scenarios target (default: the project's).",
)
@click.pass_context
def test(
    ctx: click.Context,
    paths: tuple[Path, ...],
    fmt: str,
    engine: str | None,
    rules: tuple[Path, ...],
    products: tuple[Path, ...],
) -> None:
    """Run the scenario files (kind: scenarios) under PATHS."""
    from loanfactory.origination import run_scenario_paths

    lang = language(ctx)
    engines = None if engine is None else (["compiled", "durable"] if engine == "both" else [engine])
    more_rules, more_products = scenario_folders(ctx)
    project = project_of(ctx)
    run = run_scenario_paths(
        paths,
        engines=engines,
        rules=(*rules, *more_rules),
        products=(*products, *more_products),
        lpr=LprSeries.from_file(project.lpr) if project.lpr is not None else None,
    )
    report = Report("test")
    report.diagnostics.extend(run.diagnostics)
    for result in run.results:
        report.diagnostics.extend(result.diagnostics)
        report.cases.append(
            Case(
                name=f"{result.scenario.name} [{result.engine}]",
                classname=Path(result.scenario.file).stem,
                file=result.scenario.file,
                line=result.scenario.line,
                diagnostics=list(result.diagnostics),
                seconds=result.seconds,
            )
        )
    for d in run.diagnostics:
        report.cases.append(
            Case(name=f"load {d.file}", classname="load", file=d.file, line=d.line, diagnostics=[d])
        )
    report.counts = {"files": run.files, "scenarios": len(run.results), "failed": len(run.failed)}
    if run.files == 0:
        click.echo("loanfactory test: no scenario files (kind: scenarios) found", err=True)
        sys.exit(2)
    click.echo(render(report, fmt, lang), nl=False)
    click.echo(summary(report, lang), err=True)
    sys.exit(report.exit_code)
