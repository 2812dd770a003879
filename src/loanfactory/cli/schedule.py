"""``loanfactory schedule`` and ``loanfactory quote``: repayment schedules, fees and APR.

::

    loanfactory schedule --principal 1000000 --annual-rate 4.9% --term 360 --method annuity \\
        [--start 2025-07-02] [--first-due 2025-08-20] [--interest daily --day-count ACT/365F] \\
        [--rounding half-up --unit 0.01 --installment-multiple 1] [--style posting|display] \\
        [--method step --settings "{every: 12, percent: 5%}"] [--format table|json|csv]
    loanfactory schedule --product products/x.yaml --amount 50000 --term 12
    loanfactory quote --product consumer_credit --amount 50000 --term 12

``--product`` is a product file, or a product code of the project (``loanfactory.yaml``). With a
product, the loan starts today unless ``--start`` says otherwise, and the output shows the start
and first due dates. Money and rates print as decimal strings. A bad flag exits 2 with a one-line
reason.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from typing import IO, Any

import click

from loanfactory.calendar import DayCount, FirstPeriod, Frequency
from loanfactory.cli import language
from loanfactory.cli._project import product_file, project_of
from loanfactory.conventions import InterestMode, RepaymentMethod, ScheduleStyle, TotalsStyle
from loanfactory.document import load_document
from loanfactory.errors import InvalidInput, Language, LoanfactoryError, hint_for
from loanfactory.lpr import LprSeries
from loanfactory.money import ResiduePlacement, RoundingMode, RoundingPolicy, parse_rate, to_decimal, to_money
from loanfactory.schedule import (
    Balloon,
    LevelPayment,
    LoanTerms,
    Schedule,
    ScheduleFee,
    annual_percentage_rate,
    build_schedule,
    find_method,
    method_of,
    registered,
)

FORMATS = ("table", "json", "csv")


class OneLineError(click.UsageError):
    """A usage error printed as one line (``loanfactory schedule: <reason>``); exit code 2."""

    def show(self, file: IO[Any] | None = None) -> None:
        name = self.ctx.command_path if self.ctx is not None else "loanfactory"
        click.echo(f"{name}: {self.format_message()}", err=True)


class OneLineCommand(click.Command):
    """Click's own parse errors (an unknown flag, a missing value) as one line too."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise OneLineError(exc.format_message(), ctx) from None


_TERMS_FLAGS = (
    "principal",
    "annual_rate",
    "monthly_rate",
    "daily_rate",
    "frequency",
    "every",
    "due_day",
    "day_count",
    "interest",
    "first_period",
    "rounding",
    "unit",
    "installment_multiple",
    "residue",
    "totals",
    "grace_principal",
    "grace_interest",
    "balloon_final",
    "balloon_per_period",
    "level_payment",
    "fee",
    "settings",
)


_METHOD_HELP = (
    ", ".join(m.name.value for m in registered())
    + " (or the Chinese name: "
    + "、".join(m.zh for m in registered())
    + ")."
)


def _common(func: Any) -> Any:
    options = [
        click.option(
            "--product", help="A product file, or a product code of the project: its terms and fees."
        ),
        click.option("--amount", help="Loan amount with --product (yuan)."),
        click.option(
            "--term", help="Number of installments (with --product: the term in the product's unit)."
        ),
        click.option("--method", help=_METHOD_HELP),
        click.option("--start", help="Disbursement date YYYY-MM-DD (放款日); with --product: today."),
        click.option("--first-due", "first_due", help="First due date YYYY-MM-DD (首期还款日)."),
        click.option("--style", default="posting", show_default=True, help="posting (ledger) or display."),
        click.option("--format", "fmt", default="table", show_default=True, help="table, json or csv."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.command(cls=OneLineCommand)
@click.option("--principal", help="Loan amount in yuan (本金).")
@click.option("--annual-rate", "annual_rate", help="Annual rate: 4.9%, 490bp or 0.049.")
@click.option("--monthly-rate", "monthly_rate", help="Monthly rate (月利率), x12 for the annual rate.")
@click.option("--daily-rate", "daily_rate", help="Daily rate (日利率), x360 for the annual rate.")
@click.option("--frequency", help="monthly, quarterly, semi-annual, annual, weekly, biweekly, daily.")
@click.option("--every", help="Repay every N periods of the frequency (default 1).")
@click.option("--due-day", "due_day", help="Fixed day of month for due dates (固定还款日).")
@click.option("--day-count", "day_count", help="30/360, ACT/360, ACT/365F or ACT/ACT (default ACT/360).")
@click.option("--interest", help="per-period (annual/12 ...) or daily (actual days).")
@click.option("--first-period", "first_period", help="Irregular first period: actual-days or full-period.")
@click.option("--rounding", help="half-up, half-even, down or up (default half-up).")
@click.option("--unit", help="Rounding unit: 0.01 or 1 (default 0.01).")
@click.option(
    "--installment-multiple", "installment_multiple", help="Round the installment to multiples of N."
)
@click.option("--residue", help="Which row absorbs the rounding residue: last or first.")
@click.option("--totals", help="Display totals: exact (exact PMT x n) or rounded (rounded PMT x n).")
@click.option("--grace-principal", "grace_principal", help="Interest-only periods at the start.")
@click.option(
    "--grace-interest", "grace_interest", help="Periods whose interest is deferred to the next one."
)
@click.option("--balloon-final", "balloon_final", help="Balloon: share of principal left for the last row.")
@click.option(
    "--balloon-per-period", "balloon_per_period", help="Balloon: share of principal repaid each period."
)
@click.option("--level-payment", "level_payment", help="per-period PMT or actual-days (daily interest).")
@click.option(
    "--settings",
    help="The method's settings as in a product's repayment section, e.g. --method step "
    "--settings '{every: 12, percent: 5%}'.",
)
@click.option(
    "--fee", multiple=True, help="TIMING:VALUE[:BASIS], e.g. upfront:1%, per-installment:0.6%:amount."
)
@_common
@click.pass_context
def schedule(ctx: click.Context, /, **flags: Any) -> None:
    """Print a repayment schedule (还款计划) with totals and APR."""
    lang = language(ctx)
    style, fmt = _style(ctx, flags["style"]), _fmt(ctx, flags["fmt"])
    if flags["product"]:
        the_quote = _product_quote(ctx, flags, style)
        result, extra = the_quote.schedule, {"product": the_quote.product.code, **_dates(the_quote)}
    else:
        result, extra = _run(ctx, lambda: build_schedule(terms_from_flags(flags), style)), {}
    click.echo(render_schedule(result, fmt, lang, extra), nl=False)


@click.command(cls=OneLineCommand)
@_common
@click.pass_context
def quote(ctx: click.Context, /, **flags: Any) -> None:
    """Print a quote for a product: schedule, fees and APR (报价：还款计划、费用与年化利率)."""
    lang = language(ctx)
    style, fmt = _style(ctx, flags["style"]), _fmt(ctx, flags["fmt"])
    if not flags["product"]:
        raise OneLineError("quote needs --product", ctx)
    the_quote = _product_quote(ctx, flags, style)
    extra: dict[str, Any] = {
        "product": the_quote.product.code,
        **_dates(the_quote),
        "annual_rate": str(the_quote.terms.annual_rate),
        "fees": [{"name": f.name, "timing": f.timing, "amount": str(f.amount)} for f in the_quote.fees],
    }
    click.echo(render_schedule(the_quote.schedule, fmt, lang, extra), nl=False)


def _product_quote(ctx: click.Context, flags: dict[str, Any], style: ScheduleStyle) -> Any:
    from loanfactory.quote import quote_product  # the spec loads only when a product is asked for

    clash = [f"--{name.replace('_', '-')}" for name in _TERMS_FLAGS if flags.get(name)]
    if clash:
        raise OneLineError(f"{', '.join(clash)} cannot be combined with --product", ctx)
    if flags.get("principal"):
        raise OneLineError("use --amount with --product", ctx)
    for name in ("amount", "term"):
        if not flags[name]:
            raise OneLineError(f"--product needs --{name}", ctx)
    project = project_of(ctx)
    return _run(
        ctx,
        lambda: quote_product(
            product_file(project, flags["product"]),
            amount=to_money(flags["amount"], field="amount"),
            term=_int(flags["term"], "term"),
            method=find_method(flags["method"]) if flags["method"] else None,
            start=_date(flags["start"], "start") if flags["start"] else _today(),
            first_due=_date(flags["first_due"], "first_due") if flags["first_due"] else None,
            lpr=LprSeries.from_file(project.lpr) if project.lpr is not None else None,
            style=style,
        ),
    )


def _today() -> date:
    from loanfactory.adapters.clock import SystemClock  # the edge reads the wall clock, in China time

    return SystemClock().today()


def _dates(the_quote: Any) -> dict[str, str]:
    rows = the_quote.schedule.installments
    start = the_quote.terms.start
    first = rows[0].due_date if rows else None
    return {"start": start.isoformat() if start else "", "first_due": first.isoformat() if first else ""}


def _run(ctx: click.Context, action: Any) -> Any:
    try:
        return action()
    except LoanfactoryError as exc:
        where = f"{exc.field}: " if getattr(exc, "field", None) else ""
        raise OneLineError(where + exc.localized(language(ctx)).splitlines()[0], ctx) from None


def terms_from_flags(flags: dict[str, Any]) -> LoanTerms:
    """LoanTerms from the ``--principal`` flags (raises InvalidInput naming the flag)."""
    if not flags.get("principal"):
        raise InvalidInput("give --principal (or --product with --amount)", field="principal")
    if not flags.get("term"):
        raise InvalidInput("give --term (the number of installments)", field="term")
    rates = [name for name in ("annual_rate", "monthly_rate", "daily_rate") if flags.get(name)]
    if len(rates) != 1:
        raise InvalidInput(
            "give exactly one of --annual-rate, --monthly-rate or --daily-rate", field="annual_rate"
        )
    rate = parse_rate(flags[rates[0]], field=rates[0])
    rate *= {"annual_rate": 1, "monthly_rate": 12, "daily_rate": 360}[rates[0]]
    mode = _enum(RoundingMode, flags.get("rounding") or "half-up", "rounding")
    unit = to_decimal(flags.get("unit") or "0.01", field="unit")
    if unit <= 0:
        raise InvalidInput("the rounding unit must be positive", field="unit")
    balloon = None
    if flags.get("balloon_final") or flags.get("balloon_per_period"):
        balloon = Balloon(
            final=parse_rate(flags["balloon_final"], field="balloon_final")
            if flags.get("balloon_final")
            else None,
            per_period=parse_rate(flags["balloon_per_period"], field="balloon_per_period")
            if flags.get("balloon_per_period")
            else None,
        )
    method = find_method(flags.get("method") or "annuity")
    if balloon is not None and not flags.get("method"):
        method = RepaymentMethod.balloon
    settings = _settings(method, flags["settings"]) if flags.get("settings") else {}
    if balloon is not None:
        settings["balloon"] = balloon
    multiple = flags.get("installment_multiple")
    return LoanTerms(
        principal=to_money(flags["principal"], field="principal"),
        annual_rate=rate,
        term=_int(flags["term"], "term"),
        method=method,
        frequency=_enum(Frequency, flags.get("frequency") or "monthly", "frequency"),
        every=_int(flags.get("every") or "1", "every"),
        start=_date(flags["start"], "start") if flags.get("start") else None,
        first_due=_date(flags["first_due"], "first_due") if flags.get("first_due") else None,
        due_day=_int(flags["due_day"], "due_day") if flags.get("due_day") else None,
        interest=_enum(InterestMode, flags.get("interest") or "per-period", "interest"),
        day_count=_enum(DayCount, flags.get("day_count") or "ACT/360", "day_count"),
        first_period=_enum(FirstPeriod, flags.get("first_period") or "actual-days", "first_period"),
        rounding=RoundingPolicy(mode, unit),
        installment_multiple=to_decimal(multiple, field="installment_multiple") if multiple else None,
        residue=_enum(ResiduePlacement, flags.get("residue") or "last", "residue"),
        totals=_enum(TotalsStyle, flags.get("totals") or "exact", "totals"),
        grace_principal=_int(flags.get("grace_principal") or "0", "grace_principal"),
        grace_interest=_int(flags.get("grace_interest") or "0", "grace_interest"),
        fees=tuple(_fee(text, i) for i, text in enumerate(flags.get("fee") or ())),
        level_payment=_enum(LevelPayment, flags.get("level_payment") or "per-period", "level_payment"),
        **settings,
    )


def _settings(method: RepaymentMethod, text: str) -> dict[str, Any]:
    """``--settings``: the method's section of a product's ``repayment:``, read and checked by the
    product language itself (one reading of a method's settings)."""
    from loanfactory.spec import Repayment, placed, validate_model

    section = method_of(method).section
    if section is None:
        raise InvalidInput(
            f"the {method} method takes no settings",
            field="settings",
            message_zh=f"{method} 没有可设置的参数",
        )
    document, problems = load_document(text, file="--settings")
    if document is not None and not isinstance(document.data, dict):
        raise InvalidInput(
            "write the settings as a mapping, e.g. '{every: 12, percent: 5%}'",
            field="settings",
            message_zh="请写成映射，例如 '{every: 12, percent: 5%}'",
        )
    if document is not None:
        data = {"methods": [method.value], section: document.data}
        repayment, problems = validate_model(Repayment, data, document)
        if repayment is not None:
            problems = [d for d in placed(repayment.problems(), document) if d.severity == "error"]
            if not problems:
                settings: dict[str, Any] = repayment.terms_settings(method)
                return settings
    first = problems[0]
    raise InvalidInput(
        f"{first.path}: {first.message}" if first.path else first.message,
        field="settings",
        message_zh=f"{first.path}: {first.message_zh or first.message}" if first.path else first.message_zh,
    )


def _fee(text: str, index: int) -> ScheduleFee:
    parts = text.split(":")
    if len(parts) not in (2, 3) or parts[0] not in ("upfront", "per-installment"):
        raise InvalidInput(
            f"'{text}': write TIMING:VALUE[:BASIS], e.g. upfront:1% or per-installment:30", field="fee"
        )
    timing, value = parts[0], parts[1]
    basis = parts[2] if len(parts) == 3 else "amount"
    if basis not in ("amount", "balance", "installment"):
        raise InvalidInput(f"unknown fee basis '{basis}' (amount, balance or installment)", field="fee")
    is_percent = value.strip().endswith(("%", "bp", "‰"))
    return ScheduleFee(
        name=f"fee{index + 1}",
        timing=timing,  # type: ignore[arg-type]
        basis=basis,  # type: ignore[arg-type]
        percent=parse_rate(value, field="fee") if is_percent else None,
        amount=None if is_percent else to_money(value, field="fee"),
    )


def _enum(kind: Any, value: str, field: str) -> Any:
    wanted = value.strip().lower().replace("_", "-")
    for member in kind:
        if str(member.value).lower().replace("_", "-") == wanted or member.name.replace("_", "-") == wanted:
            return member
    choices = [str(m.value) for m in kind]
    hint, hint_zh = hint_for(value, choices)
    raise InvalidInput(
        f"unknown {field.replace('_', ' ')} '{value}' (one of {', '.join(choices)})"
        + (f"; {hint}" if hint else ""),
        field=field,
        message_zh=f"未知的取值 '{value}'（可选：{'、'.join(choices)}）"
        + (f"；{hint_zh}" if hint_zh else ""),
    )


def _int(value: str, field: str) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidInput(
            f"'{value}' is not a whole number", field=field, message_zh=f"'{value}' 不是整数"
        ) from None
    return number


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"'{value}' is not a date YYYY-MM-DD",
            field=field,
            message_zh=f"'{value}' 不是 YYYY-MM-DD 格式的日期",
        ) from None


def _style(ctx: click.Context, value: str) -> ScheduleStyle:
    result: ScheduleStyle = _run(ctx, lambda: _enum(ScheduleStyle, value, "style"))
    return result


def _fmt(ctx: click.Context, value: str) -> str:
    if value not in FORMATS:
        raise OneLineError(f"unknown format '{value}' (one of {', '.join(FORMATS)})", ctx)
    return value


def render_schedule(result: Schedule, fmt: str, lang: Language, extra: dict[str, Any] | None = None) -> str:
    """The schedule as ``table``, ``json`` or ``csv`` text."""
    body = result.as_json()
    try:
        body.update(annual_percentage_rate(result).as_json())
    except InvalidInput:  # a schedule without cost (no sign change) has no APR
        body.update({"apr": None, "effective_annual_rate": None})
    body.update(extra or {})
    if fmt == "json":
        return json.dumps(body, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        columns = [
            "number",
            "due_date",
            "days",
            "principal",
            "interest",
            "fee",
            "total",
            "balance",
            "deferred_interest",
        ]
        writer.writerow(columns)
        for row in body["installments"]:
            writer.writerow(["" if row[c] is None else row[c] for c in columns])
        return out.getvalue()
    return _table(body, lang)


def _table(body: dict[str, Any], lang: Language) -> str:
    zh = lang == "zh"
    heads = (
        ["期次", "还款日", "天数", "本金", "利息", "费用", "合计", "剩余本金"]
        if zh
        else ["No", "Due date", "Days", "Principal", "Interest", "Fee", "Total", "Balance"]
    )
    keys = ["number", "due_date", "days", "principal", "interest", "fee", "total", "balance"]
    rows = [[("" if r[k] is None else str(r[k])) for k in keys] for r in body["installments"]]
    t = body["totals"]
    rows.append(["合计" if zh else "Total", "", "", t["principal"], t["interest"], t["fee"], t["total"], ""])
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(heads)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(heads, widths, strict=True))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    apr = body.get("apr")
    if apr is not None:
        label = "年化利率 APR" if zh else "APR"
        ear = "实际年利率" if zh else "effective annual rate"
        lines.append(
            f"{label}: {Decimal(apr) * 100:.2f}%  {ear}: {Decimal(body['effective_annual_rate']) * 100:.2f}%"
        )
    if body.get("upfront_fee") not in (None, "0.00"):
        lines.append(f"{'放款时收取费用' if zh else 'Upfront fee'}: {body['upfront_fee']}")
    lines.append(f"{'口径' if zh else 'Convention'}: {body['convention']}")
    if body.get("start"):
        label = "放款日" if zh else "Start"
        first = "首期还款日" if zh else "first due"
        lines.insert(0, f"{label}: {body['start']}  {first}: {body['first_due']}")
    return "\n".join(lines) + "\n"
