"""``loanfactory rules import-dmn`` and ``loanfactory rules export-dmn``: move decision tables
between DMN tools (Camunda, Drools, Trisotech ...) and loanfactory rule files.

- ``import-dmn FILE.dmn --out rules/x.yaml [--input "Applicant Age=applicant.age"]... [--purpose P]``
  writes a rule file; nothing is written when the model has any error (each located at its line
  in the ``.dmn`` file).
- ``export-dmn PATH... --out FILE.dmn [--id ID]... [--name NAME]`` writes the decision tables and
  functions of rule files as DMN 1.3 XML.

Problems go to stdout in ``--format`` (text, json, github, junit, sarif); exit codes: 0 done,
1 the model or the rules have errors (nothing written), 2 usage error.
"""

from __future__ import annotations

from pathlib import Path

import click

from loanfactory.cli import language
from loanfactory.cli._output import FORMATS, Report, render, summary
from loanfactory.cli.validate import OneLineUsageCommand, OneLineUsageError
from loanfactory.errors import Diagnostic


@click.group()
def rules() -> None:
    """Import and export rules as DMN XML."""


def _finish(
    ctx: click.Context, tool: str, problems: list[Diagnostic], fmt: str, counts: dict[str, int]
) -> None:
    report = Report(tool=tool, counts=counts, diagnostics=problems)
    lang = language(ctx)
    click.echo(render(report, fmt, lang), nl=False)
    click.echo(summary(report, lang), err=True)
    ctx.exit(report.exit_code)


_FORMAT = click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)


@rules.command("import-dmn", cls=OneLineUsageCommand)
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--out", "out", type=click.Path(path_type=Path, dir_okay=False), required=True, help="Rule file to write."
)
@click.option(
    "--input",
    "inputs",
    multiple=True,
    metavar="NAME=EXPR",
    help="Read a DMN input as a fact path or expression, e.g. 'Applicant Age=applicant.age' (repeatable).",
)
@click.option("--purpose", default="decision", show_default=True, help="Purpose of the imported definitions.")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@_FORMAT
@click.pass_context
def import_dmn(
    ctx: click.Context, file: Path, out: Path, inputs: tuple[str, ...], purpose: str, force: bool, fmt: str
) -> None:
    """Import a DMN 1.1-1.5 file's decisions as a loanfactory rule file."""
    from loanfactory.rules import Purpose, read_dmn

    if not file.is_file():
        raise OneLineUsageError(f"no such file: {file}", ctx)
    if out.exists() and not force:
        raise OneLineUsageError(f"{out} exists (use --force to replace it)", ctx)
    if purpose not in {p.value for p in Purpose}:
        raise OneLineUsageError(f"unknown purpose '{purpose}' ({', '.join(p.value for p in Purpose)})", ctx)
    mapping: dict[str, str] = {}
    for item in inputs:
        name, sep, expr = item.partition("=")
        if not sep or not name.strip() or not expr.strip():
            raise OneLineUsageError(f"--input takes NAME=EXPR, got '{item}'", ctx)
        mapping[name.strip()] = expr.strip()
    text, problems = read_dmn(file.read_bytes(), file=str(file), inputs=mapping, purpose=purpose)
    if text is not None and not any(p.severity == "error" for p in problems):
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    _finish(ctx, "import-dmn", problems, fmt, {"files": 1})


@rules.command("export-dmn", cls=OneLineUsageCommand)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="PATH...")
@click.option(
    "--out", "out", type=click.Path(path_type=Path, dir_okay=False), required=True, help="DMN file to write."
)
@click.option("--id", "ids", multiple=True, help="Export only these definitions (repeatable).")
@click.option("--name", default="rules", show_default=True, help="Name of the DMN definitions.")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@_FORMAT
@click.pass_context
def export_dmn(
    ctx: click.Context,
    paths: tuple[Path, ...],
    out: Path,
    ids: tuple[str, ...],
    name: str,
    force: bool,
    fmt: str,
) -> None:
    """Export the decision tables and functions of rule files as DMN 1.3 XML."""
    from loanfactory.errors import NotFound
    from loanfactory.rules import load_rule_files, write_dmn

    for path in paths:
        if not path.exists():
            raise OneLineUsageError(f"no such file or directory: {path}", ctx)
    if out.exists() and not force:
        raise OneLineUsageError(f"{out} exists (use --force to replace it)", ctx)
    library, problems = load_rule_files(paths)
    counts = {"files": len(paths)}
    if library is None:
        _finish(ctx, "export-dmn", problems, fmt, counts)
        return
    try:
        xml, more = write_dmn(library, ids=list(ids) or None, name=name)
    except NotFound as exc:
        raise OneLineUsageError(str(exc), ctx) from None
    problems = [*problems, *more]
    if xml is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(xml, encoding="utf-8")
    _finish(ctx, "export-dmn", problems, fmt, counts)
