"""Static checks of decision tables: overlapping rows, gaps, and rows that can never fire.

Each input column is cut into elementary pieces at every boundary its cells mention (and at the
bounds of the fact field, e.g. a credit score of 0–1000); one value per piece stands for the
whole piece, so checking every combination of pieces is exact for range and set cells. Tables
whose cells use expressions, or with more than :data:`MAX_CASES` combinations, are not analysed.
A missing input matches only ``-`` cells and is left out of the gap check.
"""

from __future__ import annotations

import itertools
import math
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from loanfactory.document import Document
from loanfactory.errors import Diagnostic
from loanfactory.rules import _model as m
from loanfactory.rules._types import Type
from loanfactory.rules._unary import Domain

MAX_CASES = 20_000
_OTHER = object()


def check_table(table: m.Table, document: Document, path: tuple[str | int, ...]) -> list[Diagnostic]:
    if any(c.domain is None for row in table.rows for c in row.cells):
        return []
    columns = [
        _pieces(table.inputs[i].type, [row.cells[i].domain for row in table.rows])  # type: ignore[misc]
        for i in range(len(table.inputs))
    ]
    if math.prod(len(c) for c in columns) > MAX_CASES:
        return []
    out: list[Diagnostic] = []
    policy = table.hit_policy
    gaps: list[str] = []
    overlaps: dict[tuple[int, int], str] = {}
    used: set[int] = set()
    for case in itertools.product(*columns):
        hits = [
            n
            for n, row in enumerate(table.rows)
            if all(
                c.domain is not None and _contains(c.domain, v) for c, v in zip(row.cells, case, strict=True)
            )
        ]
        if not hits:
            gaps.append(_describe(table, case))
            continue
        if policy in (m.HitPolicy.first, m.HitPolicy.priority):
            used.add(_winner(table, hits))
        else:
            used.update(hits)
        if len(hits) > 1 and policy in (m.HitPolicy.unique, m.HitPolicy.any):
            if policy is m.HitPolicy.any and len({repr(_outs(table, n)) for n in hits}) == 1:
                continue
            pair = (hits[0], hits[1])
            overlaps.setdefault(pair, _describe(table, case))
    for (a, b), example in overlaps.items():
        ra, rb = table.rows[a].id, table.rows[b].id
        what = (
            "a UNIQUE table needs rows that do not overlap"
            if policy is m.HitPolicy.unique
            else ("an ANY table needs overlapping rows to give the same outputs")
        )
        out.append(
            document.diagnostic(
                (*path, "rows", b),
                "table-overlap",
                f"rows {ra} and {rb} both match when {example}; {what}",
                message_zh=f"第 {ra} 行与第 {rb} 行在 {example} 时同时命中；"
                f"{table.hit_policy.value} 表的行不能重叠",
            )
        )
    has_default = any(o.default is not None for o in table.outputs)
    if not gaps and has_default and not any(node.type.nullable for node in table.inputs):
        out.append(
            document.diagnostic(
                (*path, "outputs"),
                "table-default-unused",
                "the default is never used: some row matches every case",
                message_zh="default 永远不会被使用：每种情况都有行命中",
                severity="warning",
            )
        )
    if gaps and not has_default and not policy.multiple:
        more = f" (and {len(gaps) - 3} more cases)" if len(gaps) > 3 else ""
        listed = "; ".join(gaps[:3])
        out.append(
            document.diagnostic(
                (*path, "rows"),
                "table-gap",
                f"no row matches when {listed}{more}",
                hint="add a row, a catch-all row of '-', or a default on the outputs",
                message_zh=f"以下情况没有任何行命中：{listed}{more}",
                hint_zh="请补充行、增加全 '-' 兜底行，或为输出设置 default",
                severity="warning",
            )
        )
    for n, row in enumerate(table.rows):
        if n not in used:
            out.append(
                document.diagnostic(
                    (*path, "rows", n),
                    "table-unreachable",
                    f"row {row.id} can never be chosen (earlier rows always win)",
                    message_zh=f"第 {row.id} 行永远不会被选中（总被前面的行覆盖）",
                    severity="warning",
                )
            )
    return out


def _winner(table: m.Table, hits: list[int]) -> int:
    if table.hit_policy is m.HitPolicy.first:
        return hits[0]
    from loanfactory.rules._table_code import priority_order

    order = priority_order(table)
    return min(hits, key=order.index)


def _outs(table: m.Table, n: int) -> list[Any]:
    return [getattr(v, "value", v) for v in table.rows[n].outputs]


def _contains(domain: Domain, value: Any) -> bool:
    if value is _OTHER:
        return domain.kind == "any" or (domain.kind == "set" and domain.complement)
    return domain.contains(value)


def _pieces(kind: Type, domains: list[Domain]) -> list[Any]:
    if kind.kind in ("str", "bool"):
        mentioned: set[Any] = set()
        for d in domains:
            mentioned.update(d.values)
        if kind.kind == "bool":
            return [True, False]
        if kind.choices:
            return list(kind.choices)
        return [*sorted(mentioned, key=repr), _OTHER]
    points: set[Decimal] = set()
    for d in domains:
        for i in d.intervals:
            points.update(x for x in (i.low, i.high) if x is not None)
    low, high = kind.low, kind.high
    ordered = sorted(p for p in points if (low is None or p >= low) and (high is None or p <= high))
    integral = kind.kind in ("int", "date")
    reps: list[Decimal] = []
    edges: list[Decimal | None] = [
        low if low is not None else None,
        *ordered,
        high if high is not None else None,
    ]
    if low is not None:
        reps.append(low)
    for a, b in itertools.pairwise(edges):
        rep = _between(a, b, integral)
        if rep is not None and (low is None or rep >= low) and (high is None or rep <= high):
            reps.append(rep)
        if b is not None and b != high:
            reps.append(b)
    if high is not None:
        reps.append(high)
    return sorted(set(reps)) or [Decimal(0)]


def _between(a: Decimal | None, b: Decimal | None, integral: bool) -> Decimal | None:
    if a is None and b is None:
        return Decimal(0)
    if a is None:
        assert b is not None
        return b - 1
    if b is None:
        return a + 1
    if integral:
        candidate = Decimal(math.floor(a) + 1)
        return candidate if candidate < b else None
    return (a + b) / 2 if a < b else None


def _describe(table: m.Table, case: tuple[Any, ...]) -> str:
    parts = []
    for label, node, value in zip(table.input_labels, table.inputs, case, strict=True):
        if value is _OTHER:
            shown = "any other value"
        elif node.type.kind == "date" and isinstance(value, Decimal):
            shown = date.fromordinal(int(value)).isoformat()
        elif node.type.kind == "duration" and isinstance(value, Decimal):
            from loanfactory.rules._temporal import duration_text

            shown = duration_text(timedelta(microseconds=int(value)))
        elif isinstance(value, Decimal):
            shown = format(value.normalize(), "f")
        else:
            shown = repr(value) if isinstance(value, str) else str(value)
        parts.append(f"{label} = {shown}")
    return ", ".join(parts)
