"""``loanfactory explain PRODUCT [PATH...] [--on DATE] [--format text|json]``: what a product really does.

Prints, for one product of the catalog under PATH (default: ``products/`` and ``rules/`` in the
current folder):

- the effective rule flow, step by step in the order it runs, with the file and line of each
  definition and the file that names it — a template's file when the product inherits the step;
- the product's own rate (fixed or LPR + spread, its rate table, floor and cap) on the day;
- the rate per grade, term and amount band (:func:`loanfactory.rate_card.pricing_cases`): what a
  borrower of each grade is offered, after the pricing rules and the product's floor and cap, and
  any rate or spread the rules give only under other conditions.

Exit codes: 0 shown, 1 the files have errors, 2 usage (an unknown product, a bad path or date).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from loanfactory.cli import language
from loanfactory.cli.schedule import OneLineCommand, OneLineError
from loanfactory.errors import Language, LoanfactoryError
from loanfactory.spec import MergedDocument

DEFAULT_PATHS = ("products", "rules")


@click.command(cls=OneLineCommand)
@click.argument("product")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), metavar="[PATH...]")
@click.option(
    "--on",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Business date of the rates (YYYY-MM-DD; default: today, or the product's start if later).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output."
)
@click.pass_context
def explain(ctx: click.Context, product: str, paths: tuple[Path, ...], day: Any, fmt: str) -> None:
    """Show a product's effective rule flow and the rate per grade, term and amount band."""
    from loanfactory.catalog import load_catalog
    from loanfactory.product import ProductCatalog

    lang = language(ctx)
    chosen = list(paths) or [Path(p) for p in DEFAULT_PATHS if Path(p).exists()]
    if not chosen:
        raise OneLineError("give the product and rule folders (no products/ here)", ctx)
    for path in chosen:
        if not path.exists():
            raise OneLineError(f"no such file or directory: {path}", ctx)
    catalog, diagnostics = load_catalog(chosen)
    errors = [d for d in diagnostics if d.severity == "error"]
    if errors:
        for d in errors:
            click.echo(d.in_language(lang).format(), err=True)
        ctx.exit(1)
    products = ProductCatalog.from_catalog(catalog)
    try:
        found = products.product(product)
    except LoanfactoryError as exc:
        raise OneLineError(exc.localized(lang).splitlines()[0], ctx) from None
    on = day.date() if day is not None else max(date.today(), found.spec.effective.from_)
    try:
        shown = describe(found, catalog, on)
    except LoanfactoryError as exc:
        raise OneLineError(exc.localized(lang).splitlines()[0], ctx) from None
    if fmt == "json":
        click.echo(json.dumps(shown, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(render_text(shown, lang), nl=False)


def describe(product: Any, catalog: Any, day: date) -> dict[str, Any]:
    """The explanation as plain data: steps, the product's rate, and the rate per case."""
    from loanfactory.document import load_document
    from loanfactory.rate_card import pricing_cases, reachable_grades
    from loanfactory.spec import check_product

    spec = product.spec
    file = catalog.product_files.get(spec.code)
    located = None
    if file is not None:
        document, _ = load_document(Path(file))
        if document is not None:
            located = check_product(document, catalog.library)[2]
    order = [*product.flow.steps, *product.flow.others]
    steps = [_step(purpose, spec, product, located) for purpose in order]
    cases = pricing_cases(product, day=day)
    return {
        "product": spec.code,
        "name": spec.name.zh if hasattr(spec.name, "zh") else str(spec.name),
        "version": spec.version,
        "file": file,
        "on": day.isoformat(),
        "steps": steps,
        "product_rate": _product_rate(spec, product.lpr, day),
        "grades": [g for g, _ in reachable_grades(product)] if product.compiled("pricing") else [],
        "cases": [
            {
                "grade": c.grade,
                "term": c.term,
                "amount": str(c.amount),
                "rate": str(c.rate),
                "pricing": c.pricing.describe(),
                "path": c.path,
            }
            for c in cases
        ],
    }


def _step(purpose: str, spec: Any, product: Any, located: Any) -> dict[str, Any]:
    definition = product.rules[purpose]
    ref = next(r for p, r in spec.rules.items() if p.value == purpose)
    where = definition.where
    named = None
    if isinstance(located, MergedDocument):
        file, mark, _ = located.locate(("rules", purpose))
        named = f"{file}:{mark.line}" if mark else file
    elif located is not None:
        mark = located.mark(("rules", purpose))
        named = f"{located.file}:{mark.line}" if mark else located.file
    inner = [s.id for s in getattr(definition, "steps", ())]
    return {
        "purpose": purpose,
        "id": definition.id if isinstance(ref, str) else "inline",
        "defined": f"{where.file}:{where.line}" if where.file else "",
        "named": named,
        "inherited": bool(named and located is not None and not named.startswith(f"{located.file}:")),
        "steps": inner,
        "runs": purpose in product.flow.steps,
    }


def _product_rate(spec: Any, lpr: Any, day: date) -> dict[str, Any]:
    from loanfactory.money import format_rate
    from loanfactory.spec import FixedRate

    rate = spec.rate
    bands = [
        {
            "terms": _span(band.term_min, band.term_max),
            "amounts": _span(band.amount_min, band.amount_max),
            "rate" if isinstance(rate, FixedRate) else "spread": format_rate(
                (rate.band_annual(band) if isinstance(rate, FixedRate) else band.spread) or Decimal(0)
            ),
        }
        for band in rate.table
    ]
    out: dict[str, Any] = {"type": rate.type, "bands": bands}
    if isinstance(rate, FixedRate):
        out["annual"] = format_rate(rate.annual)
    else:
        out.update(
            index=f"LPR {rate.tenor.value}",
            index_rate=format_rate(lpr.rate(rate.tenor, day)),
            spread=format_rate(rate.spread),
            repricing=str(rate.repricing),
        )
    out.update(
        floor=format_rate(rate.floor) if rate.floor is not None else None,
        cap=format_rate(rate.cap) if rate.cap is not None else None,
    )
    return out


def _span(low: Any, high: Any) -> str:
    if low is None and high is None:
        return "all"
    if low is None:
        return f"≤{high}"
    return f"≥{low}" if high is None else f"{low}–{high}"


_TEXT = {
    "en": {
        "flow": "Rule flow, in the order it runs:",
        "kept": "kept for servicing",
        "inherited": "inherited",
        "named": "named in",
        "rate": "Product rate",
        "card": "Rate by grade, term and amount (after the pricing rules, floor and cap):",
        "term": "term",
        "amount": "amount",
        "none": "no grade",
        "no_pricing": "no pricing rules: every borrower gets the product rate",
        "other": "other conditions",
        "column": "rate",
        "spread": "spread",
        "floor": "floor",
        "cap": "cap",
        "colon": ": ",
        "sep": "; ",
        "comma": ", ",
        "open": "(",
        "close": ")",
    },
    "zh": {
        "flow": "规则流程（按运行顺序）：",
        "kept": "贷后使用",
        "inherited": "继承",
        "named": "引用于",
        "rate": "产品利率",
        "card": "按评级、期限、金额的执行利率（已计入定价规则、利率下限与上限）：",
        "term": "期限",
        "amount": "金额",
        "none": "未评级",
        "no_pricing": "没有定价规则：所有借款人按产品利率",
        "other": "其他条件",
        "column": "利率",
        "spread": "加点",
        "floor": "下限",
        "cap": "上限",
        "colon": "：",
        "sep": "；",
        "comma": "，",
        "open": "（",
        "close": "）",
    },
}


def render_text(shown: dict[str, Any], lang: Language) -> str:
    """The explanation for people: the flow, the product's rate, and the rate card as a table."""
    t = _TEXT[lang]
    lines = [f"{shown['product']} {shown['name']} v{shown['version']} — {shown['on']}", "", t["flow"]]
    for step in shown["steps"]:
        inherited = t["comma"] + t["inherited"] if step["inherited"] else ""
        tail = f"  {t['open']}{t['named']} {step['named']}{inherited}{t['close']}"
        kept = "" if step["runs"] else f"  [{t['kept']}]"
        named = tail if step["named"] else ""
        lines.append(f"  {step['purpose']:<12}{step['id']:<24}{step['defined']}{named}{kept}")
        for inner in step["steps"]:
            lines.append(f"  {'':<14}- {inner}")
    rate = shown["product_rate"]
    if rate["type"] == "fixed":
        head = rate["annual"]
    else:
        head = f"{rate['index']} {rate['index_rate']} + {t['spread']} {rate['spread']} ({rate['repricing']})"
    bands = [
        f"{t['term']} {b['terms']}"
        + (f" {t['amount']} {b['amounts']}" if b["amounts"] != "all" else "")
        + f"{t['colon']}{b.get('rate') or b.get('spread')}"
        for b in rate["bands"]
    ]
    bounds = t["comma"].join(f"{t[k]} {rate[k]}" for k in ("floor", "cap") if rate[k])
    parts = [head, *bands, *([bounds] if bounds else [])]
    lines += ["", t["rate"] + t["colon"] + t["sep"].join(parts)]
    lines += ["", t["card"] if shown["grades"] else t["no_pricing"]]
    lines += _table(shown["cases"], t)
    return "\n".join(lines) + "\n"


def _table(cases: Sequence[dict[str, Any]], t: dict[str, str]) -> list[str]:
    """Rows of term band × amount band, a column per grade; equal neighbours are merged."""
    columns = list(dict.fromkeys(_label(c, t) for c in cases))
    by_term: dict[int, dict[str, dict[str, str]]] = {}
    for c in cases:
        by_term.setdefault(c["term"], {}).setdefault(c["amount"], {})[_label(c, t)] = c["rate"]
    per_term: list[tuple[int, list[tuple[str, tuple[str, ...]]]]] = []
    for term, amounts in by_term.items():
        spans: list[tuple[str, str, tuple[str, ...]]] = []
        for amount, rates in sorted(amounts.items(), key=lambda kv: Decimal(kv[0])):
            row = tuple(_pct(rates.get(col)) for col in columns)
            if spans and spans[-1][2] == row:
                spans[-1] = (spans[-1][0], amount, row)
            else:
                spans.append((amount, amount, row))
        bands = [(_money(low) + ("" if low == high else f"–{_money(high)}"), row) for low, high, row in spans]
        per_term.append((term, bands))
    groups: list[tuple[int, int, list[tuple[str, tuple[str, ...]]]]] = []
    for term, bands in per_term:
        if groups and groups[-1][2] == bands:
            groups[-1] = (groups[-1][0], term, bands)
        else:
            groups.append((term, term, bands))
    rows = [
        (str(first) if first == last else f"{first}–{last}", amount, row)
        for first, last, bands in groups
        for amount, row in bands
    ]
    width_term = max(_width(t["term"]), *(_width(r[0]) for r in rows))
    width_amount = max(_width(t["amount"]), *(_width(r[1]) for r in rows))
    cols = [max(_width(col), 6) for col in columns]

    def line(term: str, amount: str, values: Sequence[str]) -> str:
        cells = "  ".join(_pad(v, w, right=True) for v, w in zip(values, cols, strict=True))
        return f"  {_pad(term, width_term)}  {_pad(amount, width_amount)}  {cells}".rstrip()

    return [line(t["term"], t["amount"], columns), *(line(*r) for r in rows)]


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, *, right: bool = False) -> str:
    fill = " " * max(width - _width(text), 0)
    return fill + text if right else text + fill


def _label(case: dict[str, Any], t: dict[str, str]) -> str:
    if case["path"].endswith("(other conditions)"):
        return f"{t['other']}: {case['pricing']}"
    if case["grade"] is not None:
        return str(case["grade"])
    return t["none"] if case["pricing"] != "product rate" else t["column"]


def _pct(value: str | None) -> str:
    from loanfactory.money import format_rate

    return "—" if value is None else format_rate(Decimal(value), 2)


def _money(value: str) -> str:
    amount = Decimal(value)
    return f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,}"
