"""``loanfactory db``: migrate and check the database, verify the audit chain and the books.

The database is ``--db URL``, else ``$LOANFACTORY_DB``, else ``sqlite:///loanfactory.db``.
Exit codes: 0 fine, 1 the check found a problem (schema not at head or drifted, audit chain
broken, a posting or balance that disagrees with it, a loan's kept state that its ledger does not
give, personal data left under an older PII key),
2 a usage error (bad URL, database unreachable, no PII key where one is needed).
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click

from loanfactory.cli import language
from loanfactory.errors import LoanfactoryError

if TYPE_CHECKING:
    from loanfactory.servicing import Finding

DB_OPTION = click.option(
    "--db",
    "url",
    envvar="LOANFACTORY_DB",
    default=None,
    metavar="URL",
    help="Database URL (default: $LOANFACTORY_DB, the project file's db, or sqlite:///loanfactory.db).",
)


@click.group()
def db() -> None:
    """Manage the database: upgrade, check, current, verify-audit, verify-state, rebuild-state,
    audit-head, rotate-pii-key."""


def _engine(ctx: click.Context, url: str | None) -> Any:
    from sqlalchemy.exc import SQLAlchemyError

    from loanfactory.adapters.sql import make_engine

    try:
        engine = make_engine(url)
        with engine.connect():
            pass
    except LoanfactoryError as exc:
        raise click.UsageError(exc.localized(language(ctx))) from None
    except SQLAlchemyError as exc:
        raise click.UsageError(
            f"cannot open the database: {exc.__class__.__name__}: {getattr(exc, 'orig', None) or exc}"
        ) from None
    return engine


@db.command()
@DB_OPTION
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@click.pass_context
def upgrade(ctx: click.Context, url: str | None, revision: str) -> None:
    """Bring the database schema to the newest (or the given) revision."""
    from loanfactory.adapters import sql
    from loanfactory.adapters.sql import mask_url

    engine = _engine(ctx, url)
    try:
        before = sql.current(engine)
        sql.upgrade(engine, revision)
        after = sql.current(engine)
    finally:
        engine.dispose()
    click.echo(f"{mask_url(engine.url)}: {before or 'empty'} -> {after}", err=True)


@db.command()
@DB_OPTION
@click.pass_context
def check(ctx: click.Context, url: str | None) -> None:
    """Check that the schema is at the newest revision and matches the models (alembic check)."""
    from loanfactory.adapters import sql

    engine = _engine(ctx, url)
    try:
        problems = sql.check(engine)
    finally:
        engine.dispose()
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo("schema is up to date", err=True)


@db.command()
@DB_OPTION
@click.pass_context
def current(ctx: click.Context, url: str | None) -> None:
    """Print the revision the database is at (and the newest one)."""
    from loanfactory.adapters import sql

    engine = _engine(ctx, url)
    try:
        at = sql.current(engine)
    finally:
        engine.dispose()
    click.echo(json.dumps({"current": at, "head": sql.head()}))


@db.command("verify-audit")
@DB_OPTION
@click.option(
    "--anchor", default=None, metavar="SEQ:HASH", help="A head published earlier that must still hold."
)
@click.option("--chain-only", is_flag=True, help="Check the hash chain alone, not the books against it.")
@click.pass_context
def verify_audit(ctx: click.Context, url: str | None, anchor: str | None, chain_only: bool) -> None:
    """Verify the audit chain, then every posting, money record and loan balance against it.

    Prints one JSON object: ``intact``, the verified ``head`` (publish it as the next anchor), and
    each finding (a posting edited, deleted or inserted around the store, a record changed, a
    loan whose postings no longer give its state).
    """
    from loanfactory.adapters.sql import verify_audit as verify_chain
    from loanfactory.adapters.sql import verify_sql_books

    pinned = _anchor(anchor)
    store = _store(ctx, url)
    lang = language(ctx)
    findings: tuple[Finding, ...] = ()
    counts: dict[str, int] = {}
    try:
        if chain_only:
            broken, head = verify_chain(store, anchor=pinned), store.audit_head()
        else:
            report = verify_sql_books(store, anchor=pinned)
            broken, head, findings = report.chain, report.head, report.findings
            counts = {"postings": report.postings, "records": report.records}
    except LoanfactoryError as exc:  # e.g. encrypted personal data and no key to read it
        raise click.UsageError(exc.localized(lang)) from None
    finally:
        store.dispose()
    out: dict[str, Any] = {"intact": broken is None and not findings, "head": f"{head.sequence}:{head.hash}"}
    if broken is not None:
        out.update({"sequence": broken.sequence, "reason": broken.reason})
    out.update(counts)
    if not chain_only:
        out["findings"] = [
            {"code": f.code, "subject": f.subject, "message": f.message_zh if lang == "zh" else f.message}
            for f in findings
        ]
    click.echo(json.dumps(out, ensure_ascii=False))
    if not out["intact"]:
        sys.exit(1)


@db.command("verify-state")
@DB_OPTION
@click.option(
    "--chunk", default=500, show_default=True, type=click.IntRange(1, 100_000), help="Loans a read."
)
@click.pass_context
def verify_state(ctx: click.Context, url: str | None, chunk: int) -> None:
    """Replay every loan's ledger and compare it with the loan's kept state (账户状态核对).

    Prints one JSON object: ``clean``, the loans and postings read, and each difference located by
    loan and field (stored and replayed value). Exit 1 when a state differs from its ledger (or a
    loan with postings has none: run ``rebuild-state``).
    """
    from loanfactory.servicing import verify_states

    store = _store(ctx, url)
    try:
        report = verify_states(store, chunk=chunk)
    except LoanfactoryError as exc:
        raise click.UsageError(exc.localized(language(ctx))) from None
    finally:
        store.dispose()
    out = {
        "clean": report.clean,
        "loans": report.loans,
        "postings": report.postings,
        "differences": [d.as_dict() for d in report.differences],
    }
    click.echo(json.dumps(out, ensure_ascii=False))
    if not report.clean:
        sys.exit(1)


@db.command("rebuild-state")
@DB_OPTION
@click.option(
    "--chunk", default=500, show_default=True, type=click.IntRange(1, 100_000), help="Loans a write."
)
@click.pass_context
def rebuild_state(ctx: click.Context, url: str | None, chunk: int) -> None:
    """Build every loan's kept state by replaying its ledger (a book from before states were kept).

    Run it while nothing else posts (no end of day, no commands), then ``verify-state``.
    """
    from loanfactory.adapters.sql import rebuild_states

    store = _store(ctx, url)
    try:
        built = rebuild_states(store, chunk=chunk)
    finally:
        store.dispose()
    click.echo(json.dumps({"loans": built}))


@db.command("rotate-pii-key")
@DB_OPTION
@click.option("--dry-run", is_flag=True, help="Only count the personal values by the key that sealed them.")
@click.pass_context
def rotate_pii_key(ctx: click.Context, url: str | None, dry_run: bool) -> None:
    """Re-encrypt personal data under the newest key of $LOANFACTORY_PII_KEY (keys newest first).

    Prints what was found and rewritten as JSON; exit 1 when values remain under an older key
    (a dry run that found some, or rows changed meanwhile: run it again).
    """
    from loanfactory.adapters.sql import SqlStore
    from loanfactory.adapters.sql import rotate_pii_key as rotate

    _engine(ctx, url).dispose()
    try:
        store = SqlStore(url, migrate=False)
        if store.cipher is None:
            store.dispose()
            raise click.UsageError(
                "没有个人信息密钥：请设置 LOANFACTORY_PII_KEY（新密钥在前，逗号分隔）"
                if language(ctx) == "zh"
                else "no PII key: set LOANFACTORY_PII_KEY to the keys, newest first, comma-separated"
            )
    except LoanfactoryError as exc:
        raise click.UsageError(exc.localized(language(ctx))) from None
    try:
        report = rotate(store, dry_run=dry_run)
    except LoanfactoryError as exc:
        click.echo(f"loanfactory db rotate-pii-key: {exc.localized(language(ctx))}", err=True)
        sys.exit(1)
    finally:
        store.dispose()
    click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    if report.changed_meanwhile or (dry_run and report.left_behind):
        sys.exit(1)


@db.command("audit-head")
@DB_OPTION
@click.pass_context
def audit_head(ctx: click.Context, url: str | None) -> None:
    """Print the newest link of the audit chain, to publish elsewhere (an external anchor).

    The ``anchor`` printed (``SEQUENCE:SHA256``) is what ``verify-audit --anchor`` takes later:
    if the chain is ever rewritten, even with its head row, it no longer contains the anchor.
    """
    store = _store(ctx, url)
    try:
        with store.transaction() as tx:
            head = tx.audit.head()
            newest = tx.audit.record(head.sequence)
    finally:
        store.dispose()
    at = newest.at.isoformat() if newest is not None else None
    anchor = f"{head.sequence}:{head.hash}"
    click.echo(json.dumps({"sequence": head.sequence, "hash": head.hash, "at": at, "anchor": anchor}))


def _anchor(text: str | None) -> Any:
    from loanfactory.audit import AuditHead

    if not text:
        return None
    sequence, _, digest = text.partition(":")
    if not sequence.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise click.UsageError("--anchor must be SEQUENCE:SHA256HEX, as printed by this command")
    return AuditHead(int(sequence), digest)


def _store(ctx: click.Context, url: str | None) -> Any:
    from loanfactory.adapters.sql import SqlStore

    _engine(ctx, url).dispose()
    try:
        return SqlStore(url, cipher="env", migrate=False)
    except LoanfactoryError as exc:
        raise click.UsageError(exc.localized(language(ctx))) from None
