"""``loanfactory gl``: the general ledger — check the accounting files, read and export the books.

::

    loanfactory gl check [--chart FILE] [--posting-rules FILE] [--products DIR] [--format text|json|...]
    loanfactory gl trial-balance --from 2026-01-01 --to 2026-01-31 [--product CODE] [--format text|json|csv]
    loanfactory gl ledger --account 224101 --from ... --to ... [--loan ID] [--format text|json|csv]
    loanfactory gl export --from ... --to ... [--level detail|summary] [--out FILE]
    loanfactory gl reconcile --date 2026-01-31

The database is ``--db URL``, else ``$LOANFACTORY_DB``, else ``sqlite:///loanfactory.db``; the
books are closed by ``loanfactory eod`` (one close per business date). ``--chart`` and
``--posting-rules`` name the bank's own files (the packaged ones by default).

Exit codes: 0 fine; 1 the check found errors, the trial balance does not balance, or the loans do
not reconcile with the books; 2 a usage error (bad date or flag, unreadable file, no database).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from loanfactory.cli import language
from loanfactory.errors import Diagnostic, LoanfactoryError

DB_OPTION = click.option(
    "--db",
    "url",
    default=None,
    metavar="URL",
    help="Database URL (default: $LOANFACTORY_DB or sqlite:///loanfactory.db).",
)
CHART_OPTION = click.option(
    "--chart", "chart_file", default=None, metavar="FILE", help="Chart of accounts (default: packaged)."
)
RULES_OPTION = click.option(
    "--posting-rules", "rules_file", default=None, metavar="FILE", help="Posting rules (default: packaged)."
)


@click.group()
def gl() -> None:
    """The general ledger: check, trial-balance, ledger, export, reconcile."""


def load_rules(chart_file: str | None, rules_file: str | None, lang: str) -> Any:
    """The posting rules over the chart, or a usage error naming the first problem."""
    from loanfactory.accounting import read_chart, read_posting_rules

    chart, problems = read_chart(Path(chart_file) if chart_file else None)
    rules = None
    if chart is not None:
        rules, problems = read_posting_rules(Path(rules_file) if rules_file else None, chart)
    errors = [p for p in problems if p.severity == "error"]
    if rules is None or errors:
        first = errors[0].in_language("zh" if lang == "zh" else "en").format() if errors else "no rules"
        more = f" (and {len(errors) - 1} more; run `loanfactory gl check`)" if len(errors) > 1 else ""
        raise click.UsageError(first + more)
    return rules


def _day(value: str, flag: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.UsageError(f"{flag} must be YYYY-MM-DD, got '{value}'") from None


def _ledger(ctx: click.Context, url: str | None, chart_file: str | None, rules_file: str | None) -> Any:
    lang = language(ctx)
    rules = load_rules(chart_file, rules_file, lang)
    from loanfactory.accounting import GeneralLedger
    from loanfactory.adapters.sql import SqlStore

    try:
        store = SqlStore(url)  # the loans' personal data stays sealed unless $LOANFACTORY_PII_KEY is set
    except LoanfactoryError as exc:
        raise click.UsageError(exc.localized(lang)) from None
    except Exception as exc:  # the driver's own errors: unreachable, bad URL
        raise click.UsageError(f"cannot open the database: {type(exc).__name__}: {exc}") from None
    ctx.call_on_close(store.dispose)
    return GeneralLedger(store, rules=rules)


@gl.command()
@CHART_OPTION
@RULES_OPTION
@click.option("--products", "products_dir", default=None, metavar="DIR", help="Check product codes too.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github", "junit", "sarif"]),
    default="text",
    show_default=True,
)
@click.pass_context
def check(
    ctx: click.Context, chart_file: str | None, rules_file: str | None, products_dir: str | None, fmt: str
) -> None:
    """Check the chart of accounts and the posting rules; list every problem with its line."""
    from loanfactory.accounting import read_chart, read_posting_rules
    from loanfactory.cli._output import Report, render

    lang = language(ctx)
    chart, problems = read_chart(Path(chart_file) if chart_file else None)
    rules = None
    if chart is not None:
        rules, more = read_posting_rules(Path(rules_file) if rules_file else None, chart)
        problems += more
    if rules is not None and products_dir is not None:
        problems += _unknown_products(rules, Path(products_dir))
    report = Report(tool="loanfactory gl check", diagnostics=problems)
    report.counts = {
        "accounts": len(chart.accounts) if chart else 0,
        "rules": len(rules.rows) if rules else 0,
    }
    click.echo(render(report, fmt, lang), nl=False)
    summary = f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)"
    click.echo(("记账规则检查：" if lang == "zh" else "gl check: ") + summary, err=True)
    sys.exit(report.exit_code)


def _unknown_products(rules: Any, folder: Path) -> list[Diagnostic]:
    from loanfactory.catalog import load_catalog
    from loanfactory.errors import hint_for

    if not folder.is_dir():
        raise click.UsageError(f"--products: no folder {folder}")
    catalog, _ = load_catalog([folder])
    out = []
    for code in rules.products:
        if code not in catalog.products:
            hint, hint_zh = hint_for(code, catalog.products)
            out.append(
                Diagnostic(
                    "unknown-product",
                    f"posting rules for product '{code}', which is not in {folder}",
                    file=rules.file,
                    path=f"products.{code}",
                    hint=hint,
                    severity="warning",
                    message_zh=f"记账规则中的产品 '{code}' 不在 {folder} 中",
                    hint_zh=hint_zh,
                )
            )
    return out


@gl.command("trial-balance")
@DB_OPTION
@CHART_OPTION
@RULES_OPTION
@click.option("--from", "start", required=True, metavar="YYYY-MM-DD", help="First day of the period.")
@click.option("--to", "end", required=True, metavar="YYYY-MM-DD", help="Last day of the period.")
@click.option("--product", default=None, help="One product's books only.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True
)
@click.pass_context
def trial_balance(
    ctx: click.Context,
    url: str | None,
    chart_file: str | None,
    rules_file: str | None,
    start: str,
    end: str,
    product: str | None,
    fmt: str,
) -> None:
    """Print the trial balance of a period (科目余额表): opening, debit, credit, closing."""
    from loanfactory.accounting import write_trial_balance

    lang = language(ctx)
    first, last = _day(start, "--from"), _day(end, "--to")
    ledger = _ledger(ctx, url, chart_file, rules_file)
    try:
        tb = ledger.trial_balance(first, last, product=product)
    except LoanfactoryError as exc:
        raise click.UsageError(exc.localized(lang)) from None
    if fmt == "csv":
        write_trial_balance(tb, sys.stdout)
    elif fmt == "json":
        click.echo(json.dumps(_tb_json(tb), ensure_ascii=False))
    else:
        click.echo(_tb_text(tb, lang), nl=False)
    if not tb.balanced:
        click.echo("试算不平衡" if lang == "zh" else "the trial balance does not balance", err=True)
        sys.exit(1)


def _money(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01')):f}"


def _tb_json(tb: Any) -> dict[str, Any]:
    on = tb.totals(on_balance=True)
    off = tb.totals(on_balance=False)
    return {
        "from": tb.start.isoformat(),
        "to": tb.end.isoformat(),
        "product": tb.product,
        "balanced": tb.balanced,
        "net_income": _money(tb.net_income),
        "accounts": [
            {
                "account": r.account.code,
                "name": r.account.name,
                "name_en": r.account.name_en,
                "type": r.account.type.value,
                "side": r.account.side.value,
                "opening": _money(r.opening_amount),
                "debit": _money(r.debit),
                "credit": _money(r.credit),
                "closing": _money(r.closing_amount),
            }
            for r in tb.rows
        ],
        "totals": {
            "balance_sheet": {"debit": _money(on[1]), "credit": _money(on[2])},
            "off_balance": {"debit": _money(off[1]), "credit": _money(off[2])},
        },
    }


def _tb_text(tb: Any, lang: str) -> str:
    zh = lang == "zh"
    title = f"{'科目余额表' if zh else 'Trial balance'} {tb.start} – {tb.end}" + (
        f" ({tb.product})" if tb.product else ""
    )
    head = (
        ("科目", "名称", "期初", "本期借方", "本期贷方", "期末")
        if zh
        else (
            "account",
            "name",
            "opening",
            "debit",
            "credit",
            "closing",
        )
    )
    lines = [title, "", f"{head[0]:<10}{head[1]:<24}{head[2]:>16}{head[3]:>16}{head[4]:>16}{head[5]:>16}"]
    for r in tb.rows:
        side = r.account.side.zh if zh else r.account.side.value[0].upper()
        name = r.account.name if zh else r.account.name_en
        lines.append(
            f"{r.account.code:<10}{name[:22]:<24}{_money(r.opening_amount):>14} {side}"
            f"{_money(r.debit):>16}{_money(r.credit):>16}{_money(r.closing_amount):>14} {side}"
        )
    for on_balance in (True, False):
        _, debit, credit, _ = tb.totals(on_balance=on_balance)
        label = (
            ("表内合计" if on_balance else "表外合计")
            if zh
            else ("balance sheet" if on_balance else "off-balance")
        )
        lines.append(f"{label:<34}{'':>16}{_money(debit):>16}{_money(credit):>16}")
    verdict = (
        ("试算平衡" if tb.balanced else "试算不平衡")
        if zh
        else ("balanced" if tb.balanced else "NOT BALANCED")
    )
    income = "本期损益" if zh else "net income"
    lines.append(f"{verdict}; {income} {_money(tb.net_income)}")
    return "\n".join(lines) + "\n"


@gl.command()
@DB_OPTION
@CHART_OPTION
@RULES_OPTION
@click.option("--account", required=True, help="The account code.")
@click.option("--from", "start", required=True, metavar="YYYY-MM-DD")
@click.option("--to", "end", required=True, metavar="YYYY-MM-DD")
@click.option("--loan", "loan_id", default=None, help="One loan's lines only.")
@click.option("--product", default=None, help="One product's lines only.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True
)
@click.pass_context
def ledger(
    ctx: click.Context,
    url: str | None,
    chart_file: str | None,
    rules_file: str | None,
    account: str,
    start: str,
    end: str,
    loan_id: str | None,
    product: str | None,
    fmt: str,
) -> None:
    """Print the ledger of one account over a period (明细账) with the running balance."""
    lang = language(ctx)
    first, last = _day(start, "--from"), _day(end, "--to")
    books = _ledger(ctx, url, chart_file, rules_file)
    if account not in books.chart:
        from loanfactory.errors import hint_for

        hint, _ = hint_for(account, books.chart.accounts)
        raise click.UsageError(
            f"--account: no account '{account}' in the chart" + (f"; {hint}" if hint else "")
        )
    try:
        opening, lines = books.account_ledger(account, first, last, product=product, loan_id=loan_id)
    except LoanfactoryError as exc:
        raise click.UsageError(exc.localized(lang)) from None
    side = books.chart.accounts[account].side.sign
    rows = [
        {
            "accounting_date": ln.accounting_date.isoformat(),
            "value_date": ln.value_date.isoformat(),
            "journal_id": ln.journal_id,
            "kind": ln.kind,
            "side": ln.side.value,
            "amount": _money(ln.amount),
            "balance": _money(ln.balance * side),
            "product": ln.product,
            "category": ln.category,
            "loan_id": ln.loan_id,
            "memo": ln.memo,
        }
        for ln in lines
    ]
    if fmt == "json":
        payload = {"account": account, "opening": _money(opening * side), "lines": rows}
        click.echo(json.dumps(payload, ensure_ascii=False))
    elif fmt == "csv":
        import csv

        writer = csv.DictWriter(
            sys.stdout, fieldnames=list(rows[0]) if rows else ["journal_id"], lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(rows)
    else:
        name = books.chart.accounts[account].label(lang)
        click.echo(f"{account} {name} {first} – {last}")
        click.echo(f"{'期初余额' if lang == 'zh' else 'opening'} {_money(opening * side)}")
        for r in rows:
            click.echo(
                f"{r['accounting_date']}  {r['journal_id'][:48]:<48} {r['side']:<6}"
                f"{r['amount']:>14}{r['balance']:>16}"
            )


@gl.command()
@DB_OPTION
@CHART_OPTION
@RULES_OPTION
@click.option("--from", "start", required=True, metavar="YYYY-MM-DD")
@click.option("--to", "end", required=True, metavar="YYYY-MM-DD")
@click.option(
    "--level",
    type=click.Choice(["detail", "summary"]),
    default="detail",
    show_default=True,
    help="detail: one row per journal line; summary: per day, account, product and class.",
)
@click.option("--out", "out_file", default=None, metavar="FILE", help="Write here (default: stdout).")
@click.pass_context
def export(
    ctx: click.Context,
    url: str | None,
    chart_file: str | None,
    rules_file: str | None,
    start: str,
    end: str,
    level: str,
    out_file: str | None,
) -> None:
    """Export the books of a period as CSV for the bank's general ledger system."""
    from loanfactory.accounting import write_detail, write_summary

    lang = language(ctx)
    first, last = _day(start, "--from"), _day(end, "--to")
    if first > last:
        raise click.UsageError(f"--from {first} is after --to {last}")
    books = _ledger(ctx, url, chart_file, rules_file)
    target = sys.stdout if out_file is None else open(out_file, "w", encoding="utf-8", newline="")  # noqa: SIM115
    try:
        if level == "detail":
            count = write_detail(books.posted_lines(first, last), books.chart, target)
        else:
            count = write_summary(books, first, last, target)
    finally:
        if out_file is not None:
            target.close()
    where = out_file or "stdout"
    click.echo(f"{'已导出' if lang == 'zh' else 'exported'} {count} rows -> {where}", err=True)


@gl.command()
@DB_OPTION
@CHART_OPTION
@RULES_OPTION
@click.option("--date", "day", default=None, metavar="YYYY-MM-DD", help="The last closed date (the default).")
@click.pass_context
def reconcile(
    ctx: click.Context, url: str | None, chart_file: str | None, rules_file: str | None, day: str | None
) -> None:
    """Reconcile the loans with the control accounts after the last close (总分核对)."""
    from loanfactory.accounting import reconcile as check

    lang = language(ctx)
    books = _ledger(ctx, url, chart_file, rules_file)
    last = books.last_closed()
    if last is None:
        raise click.UsageError("the books have no closed date yet; run `loanfactory eod` first")
    when = _day(day, "--date") if day is not None else last.day
    if when != last.day:
        raise click.UsageError(
            f"the loans can be reconciled on the last closed date only ({last.day}): their class, days past "
            "due and status are those of that close"
        )
    differences = check(books, when)
    for d in differences:
        click.echo(d.describe())
    if differences:
        click.echo(f"{len(differences)} difference(s)", err=True)
        sys.exit(1)
    click.echo(
        ("总分核对相符 " if lang == "zh" else "the books reconcile with the loans on ") + when.isoformat()
    )
