"""Reading a definition's ``measures`` (指标): aggregates of a source and costs of funds, then the
ratios, shares, differences and weighted averages made of them, each checked with located problems."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loanfactory.calendar import DayCount
from loanfactory.errors import InvalidInput
from loanfactory.money import parse_rate
from loanfactory.reporting._checker import Checker
from loanfactory.reporting._definition import (
    AGGREGATES,
    DERIVED,
    FUNDING,
    Format,
    Measure,
    Text,
)
from loanfactory.reporting._query import Condition
from loanfactory.reporting._sources import NUMERIC, SOURCES, FieldType, Source

_KINDS = (*AGGREGATES, *DERIVED, FUNDING)
_OPTIONS = ("zh", "en", "format", "where", "source", "date", "by", "within", "rate", "day_count")
_MEASURE_KEYS = (*_KINDS, *_OPTIONS)
DAY_COUNTS = (DayCount.act_365f.value, DayCount.act_360.value, DayCount.act_act.value)


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
        kinds = [k for k in _KINDS if k in body]
        if len(kinds) != 1:
            c.error(
                at,
                "bad-measure",
                f"a measure is exactly one of: {', '.join(_KINDS)}",
                f"指标须且只能是以下之一：{'、'.join(_KINDS)}",
            )
            continue
        fn = kinds[0]
        label = c.text({k: v for k, v in body.items() if k in ("zh", "en")} or name, at)
        if fn in ("ratio", "share", "difference"):
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
        rate, day_count = _funding(c, body, at) if fn == FUNDING else (None, None)
        for key in ("rate", "day_count"):
            if key in body and fn != FUNDING:
                c.error(
                    (*at, key),
                    "unknown-key",
                    f"'{key}' belongs to a cost of funds (ftp)",
                    f"'{key}' 只用于资金成本（ftp）",
                    key=True,
                )
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
            if fn == FUNDING and value_field is not None and kind is not FieldType.money:
                c.error(
                    (*at, fn),
                    "bad-field",
                    f"a cost of funds is charged on a money balance, not on '{value_field}'",
                    f"资金成本按金额余额计算，'{value_field}' 不是金额字段",
                )
                value_field = None
        if "by" in body and fn != "weighted":
            c.error(
                (*at, "by"),
                "unknown-key",
                "'by' belongs to a weighted average",
                "'by' 只用于加权平均（weighted）",
                key=True,
            )
        fmt = _format(c, body, at, fmt)
        if fn == FUNDING and (rate is None or day_count is None):
            continue
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
                rate=rate,
                day_count=day_count,
            )
    _derived(c, pending, out)
    return out


def _funding(c: Checker, body: Mapping[str, Any], at: tuple[str | int, ...]) -> tuple[Any, str | None]:
    """The yearly rate and day count of a cost of funds (内部资金转移定价 FTP), checked."""
    rate = None
    if "rate" not in body:
        en = "a cost of funds needs its yearly 'rate' (e.g. '2.5%')"
        c.error(at, "missing-key", en, "资金成本须写年利率 'rate'（如 '2.5%'）")
    else:
        try:
            rate = parse_rate(body["rate"], field="rate")
        except InvalidInput as problem:
            c.error((*at, "rate"), "bad-rate", str(problem), problem.message_zh or str(problem))
    day_count = body.get("day_count")
    if day_count not in DAY_COUNTS:
        c.error(
            (*at, "day_count"),
            "bad-day-count",
            f"the cost of funds needs a day count, one of {', '.join(DAY_COUNTS)} (got '{day_count}')",
            f"资金成本须写计息基础 day_count，可选 {'、'.join(DAY_COUNTS)}（当前 '{day_count}'）",
            near=None if day_count is None else str(day_count),
            choices=DAY_COUNTS,
        )
        day_count = None
    return rate, day_count


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
            fn = next(k for k in ("ratio", "share", "difference") if k in body)
            parts = body[fn] if isinstance(body[fn], list) else [body[fn]]
            if (
                (fn == "ratio" and len(parts) != 2)
                or (fn == "share" and len(parts) != 1)
                or (fn == "difference" and len(parts) < 2)
            ):
                c.error(
                    (*at, fn),
                    "bad-measure",
                    "ratio takes [numerator, denominator]; share takes one measure; "
                    "difference takes [measure, less, ...]",
                    "ratio 写 [分子, 分母]；share 写一个指标；difference 写 [被减指标, 减去指标, ...]",
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
                    _format(c, body, at, out[parts[0]].format if fn == "difference" else "percent"),
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
