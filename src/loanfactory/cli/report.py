"""``loanfactory report``: regulatory and management reports (监管报送与报表), one subcommand each.

Subcommands load lazily from :data:`REPORTS` (name -> module, attribute, help), like the top-level
commands: ``loanfactory report credit-bureau`` writes the month's PBOC credit-reporting files.
"""

from __future__ import annotations

import importlib

import click

REPORTS: dict[str, tuple[str, str, str]] = {
    "credit-bureau": (
        "loanfactory.cli.credit_bureau",
        "credit_bureau",
        "Write a month's PBOC credit-reporting files and their reconciliation (征信报送).",
    ),
}


class _Reports(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(REPORTS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = REPORTS.get(cmd_name)
        if entry is None:
            return None
        command = getattr(importlib.import_module(entry[0]), entry[1])
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Reports"):
            formatter.write_dl([(name, REPORTS[name][2]) for name in self.list_commands(ctx)])


@click.group(cls=_Reports)
def report() -> None:
    """Regulatory and management reports."""
