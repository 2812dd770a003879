"""``loanfactory archive``: the compliance archive from the command line (合规档案).

::

    loanfactory archive list   --db URL [--loan ID | --customer ID | --kind KIND] [--since D] [--until D]
    loanfactory archive export --db URL --loan ID --out FILE.zip
    loanfactory archive hold   --db URL --loan ID --reason TEXT     (also --customer / --record)
    loanfactory archive release --db URL HOLD_ID
    loanfactory archive purge  --db URL [--today D] [--dry-run] [ID ...]   (no ids: every expired record)
    loanfactory archive verify --db URL

``--blobs`` (default ``loanfactory-archive``) is the folder, or ``s3://bucket/prefix``, holding the
files. A purge of a record still under retention or a legal hold is refused (exit 1) and removes
nothing; ``verify`` exits 1 when a file, a record or the audit chain was changed.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from loanfactory.cli import language
from loanfactory.errors import LoanfactoryError, NotFound, StateConflict

_DB = click.option(
    "--db", "url", default=None, metavar="URL", help="Database URL (default: $LOANFACTORY_DB)."
)
_BLOBS = click.option(
    "--blobs", default="loanfactory-archive", show_default=True, metavar="DIR|s3://bucket/prefix"
)


def _open(url: str | None, blobs: str, lang: str) -> tuple[Any, Any]:
    from loanfactory.adapters.blob import blob_store
    from loanfactory.adapters.clock import SystemClock
    from loanfactory.adapters.sql import SqlStore
    from loanfactory.archive import Archive

    try:
        clock = SystemClock()
        store = SqlStore(url, clock=clock)
    except LoanfactoryError as exc:
        raise click.UsageError(exc.localized(lang)) from None  # type: ignore[arg-type]
    except Exception as exc:
        raise click.UsageError(f"cannot open the database: {type(exc).__name__}: {exc}") from None
    return store, Archive(store, blob_store(blobs), clock)


def _day(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise click.UsageError(f"{name} must be YYYY-MM-DD, got '{text}'") from None


@click.group()
def archive() -> None:
    """The compliance archive: find, export, hold, purge, verify."""


@archive.command("list")
@_DB
@_BLOBS
@click.option("--loan", default=None)
@click.option("--customer", default=None)
@click.option("--kind", default=None, help="A category: application, contract, notice, credit-report ...")
@click.option("--since", default=None, metavar="YYYY-MM-DD")
@click.option("--until", default=None, metavar="YYYY-MM-DD")
@click.pass_context
def list_(
    ctx: click.Context,
    url: str | None,
    blobs: str,
    loan: str | None,
    customer: str | None,
    kind: str | None,
    since: str | None,
    until: str | None,
) -> None:
    """List archived records as JSON lines."""
    lang = language(ctx)
    store, found = _open(url, blobs, lang)
    try:
        records = found.find(
            loan_id=loan,
            customer_id=customer,
            category=kind,
            since=_day(since, "--since"),
            until=_day(until, "--until"),
        )
    except LoanfactoryError as exc:
        raise click.UsageError(exc.localized(lang)) from None
    finally:
        store.dispose()
    for record in records:
        click.echo(json.dumps(record.model_dump(mode="json"), ensure_ascii=False, sort_keys=True))


@archive.command("export")
@_DB
@_BLOBS
@click.option("--loan", required=True)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False))
@click.pass_context
def export(ctx: click.Context, url: str | None, blobs: str, loan: str, out: str) -> None:
    """Export a loan's complete file as one zip with a manifest of hashes."""
    from loanfactory.archive import export_loan

    lang = language(ctx)
    store, found = _open(url, blobs, lang)
    try:
        data = export_loan(found, loan, actor="cli")
    except NotFound as exc:
        click.echo(f"loanfactory archive export: {exc.localized(lang)}", err=True)
        sys.exit(1)
    except StateConflict as exc:
        click.echo(f"loanfactory archive export: {exc.localized(lang)}", err=True)
        sys.exit(1)
    finally:
        store.dispose()
    Path(out).write_bytes(data)
    click.echo(out)


@archive.command("hold")
@_DB
@_BLOBS
@click.option("--loan", default=None)
@click.option("--customer", default=None)
@click.option("--record", default=None)
@click.option("--reason", required=True)
@click.option("--by", "actor", default="cli", show_default=True)
@click.pass_context
def hold(
    ctx: click.Context,
    url: str | None,
    blobs: str,
    loan: str | None,
    customer: str | None,
    record: str | None,
    reason: str,
    actor: str,
) -> None:
    """Place a legal hold on a loan's, a customer's or one record's files."""
    lang = language(ctx)
    chosen = [(s, t) for s, t in (("loan", loan), ("customer", customer), ("record", record)) if t]
    if len(chosen) != 1:
        raise click.UsageError("name exactly one of --loan, --customer, --record")
    store, found = _open(url, blobs, lang)
    try:
        placed = found.place_hold(chosen[0][0], chosen[0][1], reason=reason, actor=actor)
    except LoanfactoryError as exc:
        raise click.UsageError(exc.localized(lang)) from None
    finally:
        store.dispose()
    click.echo(placed.id)


@archive.command("release")
@_DB
@_BLOBS
@click.argument("hold_id")
@click.option("--by", "actor", default="cli", show_default=True)
@click.pass_context
def release(ctx: click.Context, url: str | None, blobs: str, hold_id: str, actor: str) -> None:
    """Release a legal hold."""
    lang = language(ctx)
    store, found = _open(url, blobs, lang)
    try:
        found.release_hold(hold_id, actor=actor)
    except LoanfactoryError as exc:
        raise click.UsageError(exc.localized(lang)) from None
    finally:
        store.dispose()


@archive.command("purge")
@_DB
@_BLOBS
@click.argument("ids", nargs=-1)
@click.option("--today", default=None, metavar="YYYY-MM-DD", help="The business date (default: today).")
@click.option("--dry-run", is_flag=True, help="List what would be purged.")
@click.option("--by", "actor", default="cli", show_default=True)
@click.pass_context
def purge(
    ctx: click.Context,
    url: str | None,
    blobs: str,
    ids: tuple[str, ...],
    today: str | None,
    dry_run: bool,
    actor: str,
) -> None:
    """Purge records past retention (all given ids, or every expired record); refuses the rest."""
    lang = language(ctx)
    given = _day(today, "--today")
    store, found = _open(url, blobs, lang)
    day = given or found.clock.today()
    try:
        wanted = list(ids) or [r.id for r in found.expired(day)]
        if dry_run:
            for id in wanted:
                click.echo(id)
            return
        done = found.purge(wanted, today=day, actor=actor)
    except StateConflict as exc:
        click.echo(f"loanfactory archive purge: {exc.localized(lang)}", err=True)
        sys.exit(1)
    except LoanfactoryError as exc:
        raise click.UsageError(exc.localized(lang)) from None
    finally:
        store.dispose()
    click.echo(f"{len(done)} purged" if lang == "en" else f"已清除 {len(done)} 条")


@archive.command("verify")
@_DB
@_BLOBS
@click.pass_context
def verify(ctx: click.Context, url: str | None, blobs: str) -> None:
    """Check every archived file against its digest and the audit chain."""
    lang = language(ctx)
    store, found = _open(url, blobs, lang)
    try:
        problems = found.verify()
    finally:
        store.dispose()
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        sys.exit(1)
    click.echo("archive intact" if lang == "en" else "档案完整")
