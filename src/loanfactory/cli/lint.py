"""``loanfactory lint PATH... [--profile NAME|FILE] [--format text|json|github|junit|sarif]``.

Checks every product under the paths (give the rule files too: ``lint products/ rules/``) against
a regulatory profile: the true worst-case APR — over every pricing outcome its rules can reach,
its allowed amounts, terms, methods and fees — must stay under the profile's cap at the product's
effective date and under the product's own ``compliance.apr_limit`` (and, where the profile says
so, penalty and compound interest plus fees too). Every product's worst case and the path that
reaches it is reported as a note, passing or not. Without ``--profile`` each product is checked
against its own ``compliance.profile``. Same formats and exit codes as ``validate``: 0 nothing
wrong, 1 any error (including files that do not load), 2 usage.
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import click

from loanfactory.cli import language
from loanfactory.cli._output import FORMATS, Case, Report, render, summary
from loanfactory.cli._project import profile_name
from loanfactory.cli.schedule import OneLineCommand, OneLineError
from loanfactory.errors import Diagnostic, LoanfactoryError


@click.command(cls=OneLineCommand)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="PATH...")
@click.option(
    "--profile",
    default=None,
    help="bank, consumer-finance, consumer-finance-new, micro-loan, private-lending, or a file "
    "(default: each product's compliance.profile).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text, json, github, junit or sarif.",
)
@click.pass_context
def lint(ctx: click.Context, paths: tuple[Path, ...], profile: str | None, fmt: str) -> None:
    """Check products against a regulatory profile (APR caps)."""
    from loanfactory.catalog import load_catalog
    from loanfactory.compliance import CapProfile, lint, load_profile
    from loanfactory.document import load_document
    from loanfactory.product import ProductCatalog

    lang = language(ctx)
    for path in paths:
        if not path.exists():
            raise OneLineError(f"no such file or directory: {path}", ctx)
    chosen: CapProfile | None = None
    if profile is not None:
        try:
            chosen = load_profile(profile_name(ctx, profile))
        except LoanfactoryError as exc:
            raise OneLineError(exc.localized(lang).splitlines()[0], ctx) from None
    catalog, diagnostics = load_catalog(paths)
    found: list[Diagnostic] = list(diagnostics)
    cases: list[Case] = []
    products = ProductCatalog.from_catalog(catalog).products if catalog.products else {}
    worst: list[dict[str, str | None]] = []
    for code, spec in sorted(catalog.products.items()):
        file = catalog.product_files.get(code)
        began = time.perf_counter()
        document = load_document(Path(file))[0] if file else None
        try:
            used = chosen or load_profile(profile_name(ctx, spec.compliance.profile))
        except LoanfactoryError as exc:
            problems = [
                Diagnostic(
                    "unknown-profile",
                    exc.message,
                    file=file,
                    path="compliance.profile",
                    message_zh=exc.message_zh,
                )
            ]
            if document is not None:
                problems = [
                    document.diagnostic(
                        ("compliance", "profile"), "unknown-profile", exc.message, message_zh=exc.message_zh
                    )
                ]
        else:
            result = lint(products[code], used, document=document, file=file)
            problems = result.diagnostics
            if result.worst is not None:
                worst.append(
                    {
                        "product": code,
                        "apr": str(result.worst.apr.quantize(Decimal("0.0001"))),
                        "limit": str(result.limit),
                        "path": result.worst.describe(),
                        "overdue_cost": str(result.worst.overdue_cost.quantize(Decimal("0.0001"))),
                        "overdue_path": result.worst.overdue_path,
                    }
                )
        found += problems
        cases.append(
            Case(
                name=code,
                classname="lint",
                file=file,
                diagnostics=problems,
                seconds=time.perf_counter() - began,
            )
        )
    report = Report(
        tool="lint",
        counts={"files": len(catalog.files), "products": len(catalog.products)},
        diagnostics=found,
        cases=cases,
        extra={"worst_cases": worst},
    )
    click.echo(render(report, fmt, lang), nl=False)
    click.echo(summary(report, lang), err=True)
    ctx.exit(report.exit_code)
