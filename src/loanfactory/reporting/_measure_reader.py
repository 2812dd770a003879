"""Reading a definition's ``measures`` (指标): aggregates of a source, then the ratios, shares and
weighted averages made of them, each checked with located problems."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loanfactory.reporting._checker import Checker
from loanfactory.reporting._definition import (
    AGGREGATES,
    DERIVED,
    Format,
    Measure,
    Text,
)
from loanfactory.reporting._query import Condition
from loanfactory.reporting._sources import NUMERIC, SOURCES, FieldType, Source

_MEASURE_KEYS = (*AGGREGATES, *DERIVED, "zh", "en", "format", "where", "source", "date", "by", "within")


def read_measures(c: Checker, default: Source, node: Any, where: tuple[Condition, ...]) -> dict[str, Measure]:
    mapping = c.mapping(node, ("measures",))
    out: dict[str, Measure] = {}
    if not mapping:
        c.error(("measures",), "missing-key", "a report needs at least one measure", "报表至少需要一个指标")
        return out
    pending: list[tuple[str, dict[str, Any]]] = []
    c.declared = {str(name) for name in mapping}
    for name, spec in mapping.items():
        at: tuple[str | int, ...] = ("measures", name)
        body = c.mapping(spec, at)
        if body is None:
            continue
        c.keys(body, _MEASURE_KEYS, at)
        kinds = [k for k in (*AGGREGATES, *DERIVED) if k in body]
        if len(kinds) != 1:
            c.error(
                at,
                "bad-measure",
                f"a measure is exactly one of: {', '.join((*AGGREGATES, *DERIVED))}",
                f"指标须且只能是以下之一：{'、'.join((*AGGREGATES, *DERIVED))}",
            )
            continue
        fn = kinds[0]
        label = c.text({k: v for k, v in body.items() if k in ("zh", "en")} or name, at)
        if fn in ("ratio", "share"):
            pending.append((name, body))
            continue
        source = default
        if "source" in body:
            if body["source"] not in SOURCES:
                c.error(
                    (*at, "source"),
                    "unknown-source",
                    f"unknown source '{body['source']}'",
                    f"未知的数据源 '{body['source']}'",
                    near=str(body["source"]),
                    choices=SOURCES,
                )
                continue
            source = SOURCES[body["source"]]
        date = body.get("date")
        if date is not None:
            date = c.field(source, date, (*at, "date"), frozenset({FieldType.date}))
        own = c.conditions(source, body["where"], (*at, "where")) if "where" in body else ()
        target = body[fn]
        weight = None
        if fn == "count":
            if target != "rows":
                c.error(
                    (*at, fn),
                    "bad-measure",
                    "count counts rows: write 'count: rows' (count_distinct counts values of a field)",
                    "count 统计行数：写 'count: rows'（按字段去重计数用 count_distinct）",
                )
            value_field = None
            fmt: Format = "count"
        elif fn == "count_distinct":
            value_field = c.field(source, target, (*at, fn))
            fmt = "count"
        elif fn == "weighted":
            value_field = c.field(source, target, (*at, fn), NUMERIC)
            weight = c.field(source, body.get("by"), (*at, "by"), NUMERIC)
            fmt = "rate" if value_field and source.fields[value_field].type is FieldType.rate else "number"
        else:
            types = NUMERIC | {FieldType.date} if fn in ("min", "max") else NUMERIC
            value_field = c.field(source, target, (*at, fn), frozenset(types))
            kind = source.fields[value_field].type if value_field else FieldType.money
            fmt = {FieldType.money: "money", FieldType.rate: "rate"}.get(kind, "number")  # type: ignore[assignment]
        if "by" in body and fn != "weighted":
            c.error(
                (*at, "by"),
                "unknown-key",
                "'by' belongs to a weighted average",
                "'by' 只用于加权平均（weighted）",
                key=True,
            )
        fmt = _format(c, body, at, fmt)
        if label is not None and (fn == "count" or value_field is not None):
            out[name] = Measure(
                name,
                fn,
                label,
                fmt,
                field=value_field,
                weight=weight,
                source=source.name,
                date=date,
                where=(*where, *own) if source.name == default.name else own,
            )
    _derived(c, pending, out)
    return out


def _format(c: Checker, body: Mapping[str, Any], at: tuple[str | int, ...], fmt: Format) -> Format:
    wanted = body.get("format", fmt)
    if wanted not in ("count", "money", "percent", "rate", "number"):
        c.error(
            (*at, "format"),
            "unknown-format",
            f"unknown format '{wanted}'",
            f"未知的格式 '{wanted}'",
            near=str(wanted),
            choices=("count", "money", "percent", "rate", "number"),
        )
        return fmt
    return wanted  # type: ignore[no-any-return]


def _derived(c: Checker, pending: list[tuple[str, dict[str, Any]]], out: dict[str, Measure]) -> None:
    names = {n for n, _ in pending} | set(out)
    resolved = True
    while pending and resolved:
        resolved = False
        for item in list(pending):
            name, body = item
            at: tuple[str | int, ...] = ("measures", name)
            fn = "ratio" if "ratio" in body else "share"
            parts = body[fn] if isinstance(body[fn], list) else [body[fn]]
            if (fn == "ratio" and len(parts) != 2) or (fn == "share" and len(parts) != 1):
                c.error(
                    (*at, fn),
                    "bad-measure",
                    "ratio takes [numerator, denominator]; share takes one measure",
                    "ratio 写 [分子, 分母]；share 写一个指标",
                )
                pending.remove(item)
                continue
            if any(p in c.declared and p not in names for p in parts):
                pending.remove(item)  # built on a measure already reported as wrong
                continue
            unknown = [p for p in parts if p not in names]
            for part in unknown:
                c.error(
                    (*at, fn),
                    "unknown-measure",
                    f"no measure '{part}'",
                    f"没有指标 '{part}'",
                    near=str(part),
                    choices=names,
                )
            if unknown:
                pending.remove(item)
                continue
            if all(p in out for p in parts):
                label = c.text({k: v for k, v in body.items() if k in ("zh", "en")} or name, at) or Text(name)
                within = body.get("within", [])
                within = [within] if isinstance(within, str) else within
                if fn != "share" and within:
                    c.error(
                        (*at, "within"),
                        "unknown-key",
                        "'within' belongs to a share",
                        "'within' 只用于占比（share）",
                        key=True,
                    )
                out[name] = Measure(
                    name,
                    fn,
                    label,
                    _format(c, body, at, "percent"),
                    of=tuple(parts),
                    within=tuple(str(w) for w in within),
                )
                pending.remove(item)
                resolved = True
    for name, _ in pending:
        c.error(
            ("measures", name),
            "measure-cycle",
            f"measure '{name}' depends on itself",
            f"指标 '{name}' 循环引用自身",
        )
