"""Checking how a product's rules price it (定价规则检查), for ``validate``.

A pricing outcome sets an absolute ``rate`` or a ``spread`` on the product's rate, never both
(:mod:`loanfactory.pricing`). This module reports, each at the place it was written:

- ``pricing-rate-and-spread`` (error): a pricing definition, or a product's whole rule flow, that
  can set both a rate and a spread;
- ``implausible-rate`` / ``implausible-spread`` (error or warning): a constant rate or spread in a
  decision rule that cannot be meant (``spread: -0.2`` is −20 %; ``rate: 4.5`` is 450 %) or that
  is unusual enough to double-check (:func:`loanfactory.pricing.implausible`);
- ``inherited-pricing`` (warning): pricing rules a product takes from a template without naming
  them itself — they change the rate its file states, so the product says so in its own file;
- ``suspicious-rate`` (warning): a product's own rate, floor or cap above 24 %, a spread of 10
  points or more, an upfront or event fee above 10 % or a per-installment fee above 2 % (a
  typo such as ``"0.6%"`` meant as ``"0.06%"`` is common).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from loanfactory.document import Document
from loanfactory.errors import Diagnostic
from loanfactory.pricing import PRICING_VALUES, RATE_VALUES, SPREAD_VALUES, implausible
from loanfactory.rules import (
    FLOW_ORDER,
    Const,
    Definition,
    Flow,
    Node,
    Purpose,
    RuleLibrary,
    RuleSet,
    Table,
    Where,
    outputs_of,
    parse_definition,
)
from loanfactory.spec import FixedRate, FloatingRate, MergedDocument, ProductSpec

DECISION_PURPOSES = frozenset({*(p.value for p in FLOW_ORDER), Purpose.decision.value})
"""Purposes whose values a product's decision flow reads (overdue and warning rules do not price)."""


def check_pricing(
    products: Mapping[str, ProductSpec], documents: Mapping[str, Document], library: RuleLibrary | None
) -> list[Diagnostic]:
    """Every pricing problem of the rule files and of the products' rule flows."""
    out: list[Diagnostic] = []
    if library is not None:
        for definition in library.definitions.values():
            out.extend(check_definition(definition))
    for code, spec in sorted(products.items()):
        out.extend(_product(spec, documents[code], library))
    return out


def check_definition(definition: Definition) -> list[Diagnostic]:
    """Implausible constants in ``definition``, and a pricing definition that sets both names."""
    if str(definition.purpose) not in DECISION_PURPOSES:
        return []
    out = [
        _at(
            where,
            f"implausible-{'rate' if name in RATE_VALUES else 'spread'}",
            found[1],
            found[2],
            found[0],
        )
        for name, value, where in pricing_constants(definition)
        if (found := implausible(name, value)) is not None
    ]
    if definition.purpose is Purpose.pricing:
        both = _both(outputs_of(definition))
        if both:
            out.append(
                _at(
                    definition.where,
                    "pricing-rate-and-spread",
                    f"pricing rules '{definition.id}' set both {both[0]} and {both[1]}: a pricing outcome "
                    "is an absolute rate or a spread on the product's rate, not both",
                    f"定价规则 '{definition.id}' 同时设置了 {both[0]} 和 {both[1]}："
                    "定价结果只能是绝对利率（rate）或在产品利率上的加点（spread）之一",
                    "error",
                )
            )
    return out


def pricing_constants(definition: Definition) -> Iterator[tuple[str, Decimal, Where]]:
    """Each constant a definition (and the steps of a flow) may set as a rate or a spread."""
    if isinstance(definition, RuleSet):
        for rule in definition.rules:
            for effect in rule.effects:
                if effect.kind == "set" and effect.name in PRICING_VALUES:
                    number = _number(effect.value)
                    if number is not None:
                        yield effect.name, number, rule.where
    elif isinstance(definition, Table):
        for k, output in enumerate(definition.outputs):
            if output.name not in PRICING_VALUES:
                continue
            for row in definition.rows:
                number = _number(row.outputs[k])
                if number is not None:
                    yield output.name, number, row.where
            number = _number(output.default)
            if number is not None:
                yield output.name, number, definition.where
    elif isinstance(definition, Flow):
        for step in definition.steps:
            yield from pricing_constants(step)


def _product(spec: ProductSpec, document: Document, library: RuleLibrary | None) -> list[Diagnostic]:
    definitions: dict[str, Definition] = {}
    out: list[Diagnostic] = []
    for purpose, ref in spec.rules.items():
        found: Any = None
        if isinstance(ref, str):
            found = library.definitions.get(ref) if library is not None else None
        else:
            source, path = _source(document, ("rules", purpose.value))
            found, _ = parse_definition(ref, source, path, library=library)
            if found is not None:
                out.extend(check_definition(found))
        if found is not None and purpose.value in DECISION_PURPOSES:
            definitions[purpose.value] = found
    names = [n for d in definitions.values() for n in outputs_of(d)]
    both = _both(names)
    reported = any(d.purpose is Purpose.pricing and _both(outputs_of(d)) for d in definitions.values())
    if both and not reported:
        setters = [p for p, d in definitions.items() if set(outputs_of(d)) & set(PRICING_VALUES)]
        out.append(
            document.diagnostic(
                ("rules",),
                "pricing-rate-and-spread",
                f"{spec.code}: the rule flow sets both {both[0]} and {both[1]} (in {', '.join(setters)}); "
                "a pricing outcome is an absolute rate or a spread, not both",
                message_zh=f"{spec.code}：规则流程同时设置了 {both[0]} 和 {both[1]}（{'、'.join(setters)}），"
                "定价结果只能是绝对利率或加点之一",
            )
        )
    out.extend(_inherited(spec, document))
    out.extend(_magnitudes(spec, document))
    return out


PRODUCT_RATE_WARNING = Decimal("0.24")
"""A product rate, floor or cap above this is beyond what courts uphold."""
PRODUCT_SPREAD_WARNING = Decimal("0.1")
"""A spread over the LPR of 10 points or more either way."""
UPFRONT_FEE_WARNING = Decimal("0.1")
"""An upfront or event fee above 10 % of its basis."""
INSTALLMENT_FEE_WARNING = Decimal("0.02")
"""A fee above 2 % of its basis at every installment (above 24 % a year on a monthly loan)."""


def _magnitudes(spec: ProductSpec, document: Document) -> list[Diagnostic]:
    """Warnings for a product's rates, spreads and fee percents of suspicious size."""
    rate = spec.rate
    found: list[tuple[tuple[str | int, ...], Decimal, Decimal]] = [
        (("rate", name), value, PRODUCT_RATE_WARNING)
        for name in ("floor", "cap")
        if (value := getattr(rate, name, None)) is not None
    ]
    if isinstance(rate, FloatingRate):
        found.append((("rate", "spread"), rate.spread, PRODUCT_SPREAD_WARNING))
    else:  # a daily rate (日利率) is weighed by the annual rate it comes to
        written = "annual" if rate.annual_given is not None else "daily"
        found.append((("rate", written), rate.annual, PRODUCT_RATE_WARNING))
    for i, band in enumerate(rate.table):
        if isinstance(rate, FixedRate) and (annual := rate.band_annual(band)) is not None:
            written = "annual" if band.annual is not None else "daily"
            found.append((("rate", "table", i, written), annual, PRODUCT_RATE_WARNING))
        if band.spread is not None:
            found.append((("rate", "table", i, "spread"), band.spread, PRODUCT_SPREAD_WARNING))
    for i, fee in enumerate(spec.fees):
        if fee.percent is not None:
            bound = INSTALLMENT_FEE_WARNING if fee.timing.value == "per-installment" else UPFRONT_FEE_WARNING
            found.append((("fees", i, "percent"), fee.percent, bound))
    return [
        document.diagnostic(
            path,
            "suspicious-rate",
            f"{_dotted(path)} is {_pct(value)}, above {_pct(bound)}: is it a typo?",
            message_zh=f"{_dotted(path)} 为 {_pct(value)}，超过 {_pct(bound)}，请确认是否写错",
            severity="warning",
        )
        for path, value, bound in found
        if abs(value) > bound or (bound is PRODUCT_SPREAD_WARNING and abs(value) == bound)
    ]


def _dotted(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _pct(value: Decimal) -> str:
    return f"{format((value * 100).normalize(), 'f')}%"


def _inherited(spec: ProductSpec, document: Document) -> list[Diagnostic]:
    """Pricing rules that come from a template, not from the product's own file."""
    ref = next((r for p, r in spec.rules.items() if p.value == Purpose.pricing.value), None)
    if ref is None or not isinstance(document, MergedDocument):
        return []
    source, _ = document.source(("rules", Purpose.pricing.value))
    if source.file == document.file:
        return []
    file, mark, _ = document.locate(("rules", Purpose.pricing.value))
    where = f"{file}:{mark.line}" if mark else file
    named = ref if isinstance(ref, str) else "inline rules"
    at = document.mark(("extends",), key=True)
    return [
        Diagnostic(
            "inherited-pricing",
            f"the pricing rules '{named}' come from a template ({where}) and change the rate this "
            f"product states; name them in this product's rules to confirm (or set 'pricing: null')",
            file=document.file,
            line=at.line if at else None,
            column=at.column if at else None,
            path="extends",
            severity="warning",
            hint=f"loanfactory explain {spec.code} prints the rate per grade, term and amount",
            message_zh=f"定价规则 '{named}' 继承自模板（{where}），会改变本产品文件写明的利率；"
            "请在本产品的 rules 中写明以确认（或写 pricing: null 去掉）",
            hint_zh=f"loanfactory explain {spec.code} 可列出各评级、期限、金额档的利率",
        )
    ]


def _source(document: Document, path: tuple[str, str]) -> tuple[Document, tuple[str | int, ...]]:
    if isinstance(document, MergedDocument):
        return document.source(path)
    return document, path


def _both(names: Any) -> tuple[str, str] | None:
    listed = list(names)
    rate = next((n for n in listed if n in RATE_VALUES), None)
    spread = next((n for n in listed if n in SPREAD_VALUES), None)
    return (rate, spread) if rate is not None and spread is not None else None


def _number(node: Node | None) -> Decimal | None:
    value = node.value if isinstance(node, Const) else None
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return Decimal(value)
    return None


def _at(where: Where, code: str, message: str, message_zh: str, severity: str) -> Diagnostic:
    return Diagnostic(
        code,
        message,
        file=where.file,
        line=where.line,
        column=where.column,
        path=where.path,
        severity="warning" if severity == "warning" else "error",
        message_zh=message_zh,
    )
