"""The report-definition language (报表定义): what a report is, as data.

A definition names a default ``source`` (:mod:`._sources`), optional report-wide filters
(``where``, for the measures of that source), derived ``dimensions`` (bands and maps),
``measures`` (aggregates of a source, and ratios, shares and weighted averages of them) and the
``sections`` shown: each a grouping by one or more dimensions with the measures it shows and its
chart. See ``docs/reports-zh.md``::

    report: loans-by-class
    family: regulatory
    title: {zh: 贷款五级分类情况表, en: Loans by five-category class}
    source: positions
    where: {status: active}
    dimensions:
      term_band:
        band: term_months
        bands: [{to: 12, zh: 1年以内（含）}, {zh: 1年以上}]
    measures:
      loans: {count: rows, zh: 笔数}
      balance: {sum: principal, zh: 贷款余额}
      npl: {sum: principal, where: {category: [substandard, doubtful, loss]}}
      npl_ratio: {ratio: [npl, balance], zh: 不良率}
    sections:
      - {by: [category], measures: [loans, balance], chart: pie}

:func:`read_definition` checks everything and returns every problem as a located
:class:`~loanfactory.errors.Diagnostic` (unknown keys, sources, fields, dimensions and measures get
a did-you-mean), or the frozen :class:`ReportDefinition`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from loanfactory.document import Document, load_document
from loanfactory.errors import Diagnostic, InvalidInput, hint_for
from loanfactory.money import parse_rate
from loanfactory.reporting._query import GRAINS, Condition, Grain, Op
from loanfactory.reporting._sources import NUMERIC, SOURCES, FieldType, Source

Family = Literal["regulatory", "growth", "volume", "risk", "profit", "portfolio"]
FAMILIES: tuple[str, ...] = ("regulatory", "growth", "volume", "risk", "profit", "portfolio")
Chart = Literal["bar", "line", "pie", "none"]
CHARTS: tuple[str, ...] = ("bar", "line", "pie", "none")
Format = Literal["count", "money", "percent", "rate", "number"]
AGGREGATES = ("count", "count_distinct", "sum", "min", "max")
DERIVED = ("ratio", "share", "weighted")
PERIOD = "period"


@dataclass(frozen=True, slots=True)
class Text:
    """A label in Chinese and (optionally) English."""

    zh: str
    en: str | None = None

    def text(self, lang: str) -> str:
        return self.en if lang == "en" and self.en else self.zh


@dataclass(frozen=True, slots=True)
class Band:
    upper: Decimal | None  # inclusive; None: open-ended (the last band)
    label: Text


@dataclass(frozen=True, slots=True)
class Dimension:
    """A derived dimension: numeric ``field`` in ``bands``, or coded ``field`` mapped onto ``groups``."""

    name: str
    field: str
    label: Text
    bands: tuple[Band, ...] = ()
    groups: tuple[tuple[str, Text, tuple[str, ...]], ...] = ()  # (key, label, values)
    other: Text | None = None  # the label of values no group names (a map)


@dataclass(frozen=True, slots=True)
class Measure:
    """An aggregate of a source (``fn`` in AGGREGATES) or a derived measure (``ratio``,
    ``share``, ``weighted``)."""

    name: str
    fn: str
    label: Text
    format: Format
    field: str | None = None  # aggregates: the field (None: rows); weighted: the value field
    of: tuple[str, ...] = ()  # ratio: (numerator, denominator); share: (measure,)
    weight: str | None = None  # weighted: the weight field
    source: str = ""
    date: str | None = None  # the date field that places a row in the report period
    where: tuple[Condition, ...] = ()
    within: tuple[str, ...] = ()  # share: of the total of the rows with the same values of these dimensions

    @property
    def derived(self) -> bool:
        return self.fn in ("ratio", "share")


@dataclass(frozen=True, slots=True)
class Section:
    by: tuple[str, ...]
    measures: tuple[str, ...]
    chart: Chart
    title: Text | None = None


@dataclass(frozen=True, slots=True)
class ReportDefinition:
    """A checked report definition (see the module docstring)."""

    name: str
    family: Family
    title: Text
    source: str
    measures: Mapping[str, Measure]
    sections: tuple[Section, ...]
    dimensions: Mapping[str, Dimension] = field(default_factory=dict)
    where: tuple[Condition, ...] = ()
    grain: Grain | None = None  # the period dimension's grain
    span: int = 1  # how many grains the report looks back, the run's period included
    description: Text | None = None
    file: str | None = None


_TOP = (
    "report",
    "family",
    "title",
    "description",
    "source",
    "where",
    "period",
    "dimensions",
    "measures",
    "sections",
)
_MEASURE_KEYS = (*AGGREGATES, *DERIVED, "zh", "en", "format", "where", "source", "date", "by", "within")
_OPS: dict[str, Op] = {
    "eq": "eq",
    "ne": "ne",
    "in": "in",
    "not_in": "not_in",
    "gt": "gt",
    "ge": "ge",
    "lt": "lt",
    "le": "le",
}


class _Checker:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[Diagnostic] = []
        self.declared: set[str] = set()  # every measure written, valid or not (no follow-on errors)

    def error(
        self,
        path: tuple[str | int, ...],
        code: str,
        en: str,
        zh: str,
        *,
        near: str | None = None,
        choices: Any = (),
        key: bool = False,
    ) -> None:
        hint, hint_zh = hint_for(near, choices) if near is not None else (None, None)
        self.problems.append(
            self.doc.diagnostic(path, code, en, message_zh=zh, hint=hint, hint_zh=hint_zh, key=key)
        )

    def keys(self, node: Mapping[str, Any], allowed: tuple[str, ...], path: tuple[str | int, ...]) -> None:
        for key in node:
            if key not in allowed:
                self.error(
                    (*path, key),
                    "unknown-key",
                    f"unknown key '{key}'",
                    f"未知的键 '{key}'",
                    near=str(key),
                    choices=allowed,
                    key=True,
                )

    def mapping(self, value: Any, path: tuple[str | int, ...]) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.error(path, "expected-mapping", "expected a mapping (key: value)", "此处应为映射（键: 值）")
        return None

    def text(self, node: Any, path: tuple[str | int, ...], *, required: bool = True) -> Text | None:
        if isinstance(node, str) and node.strip():
            return Text(node)
        if isinstance(node, dict) and isinstance(node.get("zh"), str) and node["zh"].strip():
            self.keys(node, ("zh", "en"), path)
            en = node.get("en")
            return Text(node["zh"], en if isinstance(en, str) else None)
        if required or node is not None:
            self.error(
                path,
                "expected-text",
                "expected a label: text, or {zh: ..., en: ...}",
                "此处应为名称：文字，或 {zh: ..., en: ...}",
            )
        return None

    def field(
        self,
        source: Source,
        name: Any,
        path: tuple[str | int, ...],
        types: frozenset[FieldType] | None = None,
    ) -> str | None:
        if not isinstance(name, str) or source.get(name) is None:
            self.error(
                path,
                "unknown-field",
                f"source '{source.name}' has no field '{name}'",
                f"数据源 '{source.name}' 没有字段 '{name}'",
                near=str(name),
                choices=source.fields,
            )
            return None
        found = source.fields[name]
        if types is not None and found.type not in types:
            allowed = ", ".join(sorted(t.value for t in types))
            self.error(
                path,
                "wrong-field-type",
                f"field '{name}' is {found.type.value}; here a field of type {allowed} is needed",
                f"字段 '{name}' 的类型是 {found.type.value}，此处需要 {allowed} 类型的字段",
            )
            return None
        return name

    def conditions(self, source: Source, node: Any, path: tuple[str | int, ...]) -> tuple[Condition, ...]:
        mapping = self.mapping(node, path)
        if mapping is None:
            return ()
        out: list[Condition] = []
        for name, wanted in mapping.items():
            at = (*path, name)
            if self.field(source, name, at) is None:
                continue
            kind = source.fields[name].type
            if isinstance(wanted, list):
                out.append(
                    Condition(name, "in", tuple(self.scalar(kind, v, (*at, i)) for i, v in enumerate(wanted)))
                )
            elif isinstance(wanted, dict):
                for op, value in wanted.items():
                    if op == "null":
                        out.append(Condition(name, "null" if value is True else "not_null"))
                    elif op not in _OPS:
                        self.error(
                            (*at, op),
                            "unknown-operator",
                            f"unknown comparison '{op}'",
                            f"未知的比较 '{op}'",
                            near=str(op),
                            choices=(*_OPS, "null"),
                            key=True,
                        )
                    elif op in ("in", "not_in"):
                        values = value if isinstance(value, list) else [value]
                        out.append(
                            Condition(name, _OPS[op], tuple(self.scalar(kind, v, (*at, op)) for v in values))
                        )
                    else:
                        out.append(Condition(name, _OPS[op], self.scalar(kind, value, (*at, op))))
            else:
                out.append(Condition(name, "eq", self.scalar(kind, wanted, at)))
        return tuple(out)

    def scalar(self, kind: FieldType, value: Any, path: tuple[str | int, ...]) -> Any:
        try:
            if kind is FieldType.rate:
                return parse_rate(value, field="value")
            if kind is FieldType.money:
                if isinstance(value, bool) or not isinstance(value, int | Decimal):
                    raise InvalidInput("not an amount", field="value", message_zh="不是金额")
                return Decimal(value)
            if kind is FieldType.integer:
                if isinstance(value, bool) or not isinstance(value, int):
                    raise InvalidInput("not a whole number", field="value", message_zh="不是整数")
                return value
            if kind is FieldType.date:
                from datetime import date

                if not isinstance(value, date):
                    raise InvalidInput(
                        "not a date YYYY-MM-DD", field="value", message_zh="不是日期（YYYY-MM-DD）"
                    )
                return value
            if not isinstance(value, str | int) or isinstance(value, bool):
                raise InvalidInput("not a text value", field="value", message_zh="不是文字")
            return str(value)
        except InvalidInput as exc:
            self.error(
                path,
                "bad-value",
                f"'{value}': {exc.message} (the field is {kind.value})",
                f"'{value}'：{exc.localized('zh')}（字段类型 {kind.value}）",
            )
            return None


def read_definition(
    source: Path | str, *, file: str | None = None
) -> tuple[ReportDefinition | None, list[Diagnostic]]:
    """A report definition from a YAML file or text, and every problem found in it."""
    doc, problems = load_document(source, file=file)
    if doc is None:
        return None, problems
    checker = _Checker(doc)
    definition = _definition(checker, doc)
    problems = [*problems, *checker.problems]
    if any(p.severity == "error" for p in problems):
        return None, problems
    return definition, problems


def _definition(c: _Checker, doc: Document) -> ReportDefinition | None:
    top = c.mapping(doc.data, ())
    if top is None:
        return None
    c.keys(top, _TOP, ())
    for required in ("report", "title", "source", "measures", "sections"):
        if required not in top:
            c.error((), "missing-key", f"'{required}' is required", f"缺少 '{required}'")
    if any(p.code == "missing-key" for p in c.problems):
        return None
    name = top["report"]
    if not isinstance(name, str) or not name.replace("-", "").replace("_", "").isalnum():
        c.error(
            ("report",),
            "bad-name",
            "the report name is letters, digits, '-' and '_'",
            "报表名称只能包含字母、数字、'-' 和 '_'",
        )
    family = top.get("family", "portfolio")
    if family not in FAMILIES:
        c.error(
            ("family",),
            "unknown-family",
            f"unknown family '{family}'",
            f"未知的报表类别 '{family}'",
            near=str(family),
            choices=FAMILIES,
        )
    title = c.text(top["title"], ("title",))
    description = c.text(top.get("description"), ("description",), required=False)
    source_name = top["source"]
    if source_name not in SOURCES:
        c.error(
            ("source",),
            "unknown-source",
            f"unknown source '{source_name}'",
            f"未知的数据源 '{source_name}'",
            near=str(source_name),
            choices=SOURCES,
        )
        return None
    source = SOURCES[source_name]
    grain, span = _period(c, top.get("period"))
    dimensions = _dimensions(c, source, top.get("dimensions") or {})
    where = c.conditions(source, top["where"], ("where",)) if "where" in top else ()
    measures = _measures(c, source, top["measures"], where)
    sections = _sections(c, top["sections"], measures, dimensions, grain)
    if title is None or not isinstance(name, str):
        return None
    return ReportDefinition(
        name=name,
        family=family if family in FAMILIES else "portfolio",
        title=title,
        source=source_name,
        measures=measures,
        sections=sections,
        dimensions=dimensions,
        where=where,
        grain=grain,
        span=span,
        description=description,
        file=doc.file,
    )


def _period(c: _Checker, node: Any) -> tuple[Grain | None, int]:
    if node is None:
        return None, 1
    mapping = c.mapping(node, ("period",))
    if mapping is None:
        return None, 1
    c.keys(mapping, ("grain", "span"), ("period",))
    grain = mapping.get("grain", "month")
    if grain not in GRAINS:
        c.error(
            ("period", "grain"),
            "unknown-grain",
            f"unknown period grain '{grain}'",
            f"未知的统计周期 '{grain}'",
            near=str(grain),
            choices=GRAINS,
        )
        grain = "month"
    span = mapping.get("span", 1)
    if isinstance(span, bool) or not isinstance(span, int) or not 1 <= span <= 400:
        c.error(
            ("period", "span"),
            "bad-span",
            "span is a whole number of periods from 1 to 400",
            "span 应为 1 到 400 之间的整数",
        )
        span = 1
    return grain, span


def _dimensions(c: _Checker, source: Source, node: Any) -> dict[str, Dimension]:
    mapping = c.mapping(node, ("dimensions",))
    out: dict[str, Dimension] = {}
    for name, spec in (mapping or {}).items():
        at: tuple[str | int, ...] = ("dimensions", name)
        body = c.mapping(spec, at)
        if body is None:
            continue
        if name in source.fields or name == PERIOD:
            c.error(
                at,
                "shadowed-field",
                f"dimension '{name}' has the name of a field",
                f"维度 '{name}' 与字段同名",
                key=True,
            )
            continue
        label = c.text(body.get("label", name), (*at, "label"))
        if "band" in body:
            c.keys(body, ("band", "bands", "label"), at)
            found = c.field(source, body["band"], (*at, "band"), NUMERIC)
            bands = _bands(c, source, found, body.get("bands"), (*at, "bands"))
            if found and bands and label:
                out[name] = Dimension(name, found, label, bands=bands)
        elif "map" in body:
            c.keys(body, ("map", "groups", "other", "label"), at)
            found = c.field(source, body["map"], (*at, "map"), frozenset({FieldType.text}))
            groups = _groups(c, body.get("groups"), (*at, "groups"))
            other = c.text(body.get("other", {"zh": "其他", "en": "other"}), (*at, "other"))
            if found and groups and label:
                out[name] = Dimension(name, found, label, groups=groups, other=other)
        else:
            c.error(
                at,
                "missing-key",
                "a dimension is a 'band' of a numeric field or a 'map' of a coded one",
                "维度须为数值字段的 'band'（分段）或代码字段的 'map'（归类）",
            )
    return out


def _bands(
    c: _Checker, source: Source, name: str | None, node: Any, path: tuple[str | int, ...]
) -> tuple[Band, ...]:
    if not isinstance(node, list) or len(node) < 2:
        c.error(
            path,
            "bad-bands",
            "bands is a list of at least two bands, each {to: upper bound, zh: label}; the last has no 'to'",
            "bands 应为至少两段的列表，每段 {to: 上限, zh: 名称}，最后一段不写 to",
        )
        return ()
    kind = source.fields[name].type if name else FieldType.money
    out: list[Band] = []
    for i, item in enumerate(node):
        at = (*path, i)
        body = c.mapping(item, at)
        if body is None:
            return ()
        c.keys(body, ("to", "zh", "en"), at)
        label = c.text({k: v for k, v in body.items() if k in ("zh", "en")} or None, at)
        upper = c.scalar(kind, body["to"], (*at, "to")) if "to" in body else None
        last = i == len(node) - 1
        if (upper is None) != last and not ("to" in body and upper is None):
            c.error(
                at,
                "bad-bands",
                "every band but the last has an upper bound 'to'; the last has none",
                "除最后一段外每段都要有上限 'to'，最后一段不写",
            )
            return ()
        if upper is not None and out and out[-1].upper is not None and upper <= out[-1].upper:
            c.error((*at, "to"), "bands-not-ascending", "band bounds must ascend", "分段上限须递增")
            return ()
        if label is None:
            return ()
        out.append(Band(None if upper is None else Decimal(upper), label))
    return tuple(out)


def _groups(
    c: _Checker, node: Any, path: tuple[str | int, ...]
) -> tuple[tuple[str, Text, tuple[str, ...]], ...]:
    body = c.mapping(node, path)
    if not body:
        if body is not None:
            c.error(path, "bad-groups", "a map needs at least one group", "归类至少需要一组")
        return ()
    out: list[tuple[str, Text, tuple[str, ...]]] = []
    seen: dict[str, str] = {}
    for key, spec in body.items():
        at = (*path, key)
        if "*" in str(key):
            c.error(at, "bad-name", "a group's key has no '*'", "分组的键不能含 '*'", key=True)
            continue
        item = c.mapping(spec, at)
        if item is None:
            continue
        c.keys(item, ("zh", "en", "values"), at)
        label = c.text({k: v for k, v in item.items() if k in ("zh", "en")}, at)
        values = item.get("values")
        if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
            c.error(
                (*at, "values"),
                "bad-groups",
                "values is a list of the codes in this group",
                "values 应为本组包含的代码列表",
            )
            continue
        for value in values:
            if value in seen:
                c.error(
                    (*at, "values"),
                    "duplicate",
                    f"'{value}' is already in group '{seen[value]}'",
                    f"'{value}' 已归入 '{seen[value]}'",
                )
            seen[value] = key
        if label is not None:
            out.append((key, label, tuple(values)))
    return tuple(out)


def _measures(c: _Checker, default: Source, node: Any, where: tuple[Condition, ...]) -> dict[str, Measure]:
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


def _format(c: _Checker, body: Mapping[str, Any], at: tuple[str | int, ...], fmt: Format) -> Format:
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


def _derived(c: _Checker, pending: list[tuple[str, dict[str, Any]]], out: dict[str, Measure]) -> None:
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


def _sections(
    c: _Checker,
    node: Any,
    measures: Mapping[str, Measure],
    dimensions: Mapping[str, Dimension],
    grain: Grain | None,
) -> tuple[Section, ...]:
    if not isinstance(node, list) or not node:
        c.error(
            ("sections",),
            "missing-key",
            "sections is a list of at least one {by: [...], measures: [...]}",
            "sections 应为至少一项 {by: [...], measures: [...]} 的列表",
        )
        return ()
    out: list[Section] = []
    for i, item in enumerate(node):
        at: tuple[str | int, ...] = ("sections", i)
        body = c.mapping(item, at)
        if body is None:
            continue
        c.keys(body, ("by", "measures", "chart", "title"), at)
        by = body.get("by", [])
        by = [by] if isinstance(by, str) else by
        shown = body.get("measures", [n for n, m in measures.items()])
        shown = [shown] if isinstance(shown, str) else shown
        ok = isinstance(by, list) and isinstance(shown, list)
        for name in shown if isinstance(shown, list) else []:
            if name not in measures and name in c.declared:
                ok = False  # already reported where the measure is written
            elif name not in measures:
                c.error(
                    (*at, "measures"),
                    "unknown-measure",
                    f"no measure '{name}'",
                    f"没有指标 '{name}'",
                    near=str(name),
                    choices=measures,
                )
                ok = False
        for name in shown if isinstance(shown, list) and isinstance(by, list) else []:
            for dim in measures[name].within if name in measures else ():
                if dim not in by:
                    c.error(
                        (*at, "by"),
                        "within-not-shown",
                        f"measure '{name}' is a share within '{dim}', which this section does not group by",
                        f"指标 '{name}' 是按 '{dim}' 分组的占比，但本节没有按 '{dim}' 分组",
                    )
                    ok = False
        for name in by if isinstance(by, list) else []:
            if not _dimension_ok(
                c,
                (*at, "by"),
                name,
                [measures[m] for m in shown if m in measures],
                measures,
                dimensions,
                grain,
            ):
                ok = False
        chart = body.get("chart", "bar" if by and by[0] != PERIOD else "line")
        if chart not in CHARTS:
            c.error(
                (*at, "chart"),
                "unknown-chart",
                f"unknown chart '{chart}'",
                f"未知的图表 '{chart}'",
                near=str(chart),
                choices=CHARTS,
            )
            ok = False
        title = c.text(body.get("title"), (*at, "title"), required=False)
        if ok:
            out.append(Section(tuple(by), tuple(shown), chart, title))
    return tuple(out)


def base_measures(measures: Mapping[str, Measure], names: Any) -> list[Measure]:
    """The aggregates that ``names`` (measure names) are computed from, each once, in order."""
    found: dict[str, Measure] = {}

    def visit(name: str) -> None:
        measure = measures[name]
        if measure.derived:
            for part in measure.of:
                visit(part)
        else:
            found.setdefault(name, measure)

    for name in names:
        visit(name)
    return list(found.values())


def _dimension_ok(
    c: _Checker,
    at: tuple[str | int, ...],
    name: Any,
    shown: list[Measure],
    measures: Mapping[str, Measure],
    dimensions: Mapping[str, Dimension],
    grain: Grain | None,
) -> bool:
    if name == PERIOD:
        if grain is None:
            c.error(
                at,
                "no-period",
                "grouping by 'period' needs 'period: {grain: month, span: 12}' in the report",
                "按 'period' 分组需要在报表中写 'period: {grain: month, span: 12}'",
            )
            return False
        return True
    field = dimensions[name].field if name in dimensions else name
    for measure in base_measures(measures, [m.name for m in shown]):
        source = SOURCES[measure.source]
        if source.get(field) is None:
            known = [*dimensions, *source.fields, PERIOD]
            c.error(
                at,
                "unknown-dimension",
                f"no dimension '{name}' for measure '{measure.name}' (source '{source.name}')",
                f"指标 '{measure.name}'（数据源 '{source.name}'）没有维度 '{name}'",
                near=str(name),
                choices=known,
            )
            return False
    return True


def load_definition(path: Path | str) -> ReportDefinition:
    """A definition, or :class:`~loanfactory.errors.SpecError` with every problem."""
    from loanfactory.errors import SpecError

    definition, problems = read_definition(
        Path(path) if not isinstance(path, str) or "\n" not in path else path
    )
    if definition is None:
        raise SpecError(diagnostics=tuple(p for p in problems if p.severity == "error"))
    return definition
