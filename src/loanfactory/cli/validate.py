"""``loanfactory validate [PATH...] [--format text|json|github|junit|sarif]``.

Loads every product, template, fragment, rule and scenario file under the paths (by default the
project's folders, see :mod:`loanfactory.project`) and reports every problem of every file in one
run. The report goes to stdout in the chosen format; a one-line
human summary goes to stderr. Exit codes: ``0`` nothing wrong (warnings allowed), ``1`` any
error, ``2`` a usage error (a path that does not exist, an unknown format) with a one-line reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import click

from loanfactory.catalog import LoadedCatalog, load_catalog
from loanfactory.cli import language
from loanfactory.cli._output import FORMATS, Case, Report, render, summary
from loanfactory.errors import Diagnostic, Language


class OneLineUsageError(click.UsageError):
    """A usage error shown as one line (``loanfactory validate: <reason>``), exit code 2."""

    def show(self, file: IO[Any] | None = None) -> None:
        name = f"loanfactory {self.ctx.command.name}" if self.ctx is not None else "loanfactory"
        click.echo(f"{name}: {self.format_message()}", err=True)


class OneLineUsageCommand(click.Command):
    """A command whose usage errors are one line, for CI logs."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise OneLineUsageError(exc.format_message(), ctx) from None


@click.command(cls=OneLineUsageCommand)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), metavar="[PATH...]")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text: file:line:col lines; json; github: workflow annotations; junit: XML; sarif: 2.1.0.",
)
@click.pass_context
def validate(ctx: click.Context, paths: tuple[Path, ...], fmt: str) -> None:
    """Check product, template, fragment, rule and scenario files; list every mistake.

    PATH may be files or folders (searched recursively for *.yaml and *.yml); without PATH, the
    project's products and rules (loanfactory.yaml, or products/ and rules/ here).
    """
    lang = language(ctx)
    if not paths:
        raise OneLineUsageError(
            "no PATH given and no project here: pass the folders to check, or add loanfactory.yaml "
            "(see docs/cli.md)",
            ctx,
        )
    for path in paths:
        if not path.exists():
            raise OneLineUsageError(f"no such file or directory: {path}", ctx)
    catalog, diagnostics = load_catalog(paths)
    report = build_report(catalog, diagnostics)
    click.echo(render(report, fmt, lang), nl=False)
    _print_summary(report, catalog, lang)
    ctx.exit(report.exit_code)


def build_report(catalog: LoadedCatalog, diagnostics: Sequence[Diagnostic]) -> Report:
    """The ``validate`` report: counts of files and products, diagnostics, one junit case per file."""
    by_file: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        by_file.setdefault(d.file or "<input>", []).append(d)
    names = list(dict.fromkeys([*catalog.files, *by_file]))
    cases = [
        Case(name=name, classname="validate", file=name, diagnostics=by_file.get(name, [])) for name in names
    ]
    return Report(
        tool="validate",
        counts={"files": len(catalog.files), "products": catalog.product_documents},
        diagnostics=list(diagnostics),
        cases=cases,
    )


def _print_summary(report: Report, catalog: LoadedCatalog, lang: Language) -> None:
    from rich.console import Console

    console = Console(stderr=True, highlight=False, soft_wrap=True)
    style = "bold red" if report.errors else "bold green"
    console.print(summary(report, lang), style=style, markup=False)
    if (
        catalog.products
        and not catalog.rule_libraries
        and any(isinstance(ref, str) for spec in catalog.products.values() for _, ref in spec.rules.items())
    ):
        note = (
            "注意：未加载规则文件，未检查产品引用的规则编号（可同时传入 rules/ 目录）"
            if lang == "zh"
            else "note: no rule files were given, so the rule ids products reference were not checked "
            "(pass the rules/ folder too)"
        )
        console.print(note, style="dim", markup=False)
