"""The ``loanfactory`` command line.

Each command lives in its own module and is imported only when it runs, so ``loanfactory
validate`` does not pay for the HTTP server's imports. Exit codes are a contract:

- ``0`` success (for checks: nothing wrong);
- ``1`` the check found errors (``validate``, ``lint``, ``test``);
- ``2`` a usage error: bad flags or arguments, with a one-line reason;
- ``3`` an internal error (a bug in loanfactory: please report it).

Machine output (json, csv, sarif ...) goes to stdout; human summaries and progress to stderr.

The project file ``loanfactory.yaml`` (found in the working folder or a parent, see
:mod:`loanfactory.project`) gives every command its folders and database as defaults; flags win.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from typing import Any

import click

from loanfactory.errors import Language

# command name -> (module, attribute, one-line help); modules load lazily
COMMANDS: dict[str, tuple[str, str, str]] = {
    "validate": ("loanfactory.cli.validate", "validate", "Check product and rule files; list every mistake."),
    "schema": ("loanfactory.cli.schema", "schema", "Print the JSON Schema of a product file."),
    "lint": ("loanfactory.cli.lint", "lint", "Check products against a regulatory profile (APR caps)."),
    "schedule": ("loanfactory.cli.schedule", "schedule", "Print a repayment schedule."),
    "quote": ("loanfactory.cli.schedule", "quote", "Print a quote: schedule, fees and APR for a product."),
    "test": ("loanfactory.cli.scenarios", "test", "Run YAML scenario tests of products and rule sets."),
    "demo": ("loanfactory.cli.demo", "demo", "Run the demo on the embedded SQLite store."),
    "serve": ("loanfactory.cli.serve", "serve", "Serve the HTTP API."),
    "db": ("loanfactory.cli.db", "db", "Manage the database (migrate, check)."),
    "eod": ("loanfactory.cli.eod", "eod", "Run the end-of-day batch for a business date."),
    "gl": (
        "loanfactory.cli.gl",
        "gl",
        "The general ledger: check, trial balance, ledger, export, reconcile.",
    ),
    "explain": (
        "loanfactory.cli.explain",
        "explain",
        "Show a product's effective rule flow and its rate per grade, term and amount.",
    ),
    "rules": ("loanfactory.cli.rules", "rules", "Import and export rules as DMN XML."),
    "report": (
        "loanfactory.cli.report",
        "report",
        "Reports: regulator returns, management reports, credit-bureau files.",
    ),
    "archive": (
        "loanfactory.cli.archive",
        "archive",
        "The compliance archive: find, export, hold, purge, verify.",
    ),
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, (module, _, _) in COMMANDS.items() if _available(module))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None or not _available(entry[0]):
            return None
        module = importlib.import_module(entry[0])
        command = getattr(module, entry[1])
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def default_language() -> Language:
    """``zh`` when LOANFACTORY_LANG or LANG asks for Chinese, else ``en``."""
    wanted = os.environ.get("LOANFACTORY_LANG") or os.environ.get("LC_ALL") or os.environ.get("LANG") or ""
    return "zh" if wanted.lower().startswith("zh") else "en"


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="loanfactory")
@click.option(
    "--lang",
    type=click.Choice(["en", "zh"]),
    default=None,
    help="Language of messages (default: LOANFACTORY_LANG or LANG, else en).",
)
@click.pass_context
def cli(ctx: click.Context, lang: str | None) -> None:
    """loanfactory — loan products as data: validate, price, schedule and service them.

    Run inside a project (a folder with loanfactory.yaml, or with products/ and rules/) and the
    commands find its products and rules without paths; flags override the project file.
    """
    ctx.ensure_object(dict)
    ctx.obj["lang"] = lang or default_language()
    if ctx.resilient_parsing or ctx.invoked_subcommand is None:
        return
    from pathlib import Path

    from loanfactory.cli._project import defaults
    from loanfactory.errors import SpecError
    from loanfactory.project import find_project

    try:
        project = find_project(Path.cwd())
    except SpecError as exc:
        for diagnostic in exc.diagnostics:
            click.echo(diagnostic.in_language(ctx.obj["lang"]).format(), err=True)
        click.echo("loanfactory: the project file loanfactory.yaml has errors", err=True)
        ctx.exit(2)
    ctx.obj["project"] = project
    ctx.default_map = {**defaults(project), **(ctx.default_map or {})}


def language(ctx: click.Context) -> Language:
    """The message language chosen for this invocation."""
    root = ctx.find_root()
    obj: Any = root.obj or {}
    value = obj.get("lang") or default_language()
    return "zh" if value == "zh" else "en"


def main(argv: list[str] | None = None) -> None:
    """Console entry point: never shows a traceback unless LOANFACTORY_DEBUG is set."""
    try:
        cli.main(args=argv, prog_name="loanfactory", standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug: say so plainly, keep the traceback for debugging
        if os.environ.get("LOANFACTORY_DEBUG"):
            raise
        click.echo(
            f"loanfactory: internal error ({type(exc).__name__}: {exc}); "
            "set LOANFACTORY_DEBUG=1 for details and please report it",
            err=True,
        )
        sys.exit(3)
