"""Reading a report definition (读取报表定义): YAML to a checked :class:`ReportDefinition`.

:func:`read_definition` checks everything and returns every problem as a located
:class:`~loanfactory.errors.Diagnostic`, or the frozen definition; :func:`load_definition` raises
:class:`~loanfactory.errors.SpecError` instead. The language is described in :mod:`._definition`
and ``docs/reports-zh.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from loanfactory.document import Document, load_document
from loanfactory.errors import Diagnostic
from loanfactory.reporting._checker import Checker
from loanfactory.reporting._definition import (
    CHARTS,
    FAMILIES,
    PERIOD,
    Band,
    Dimension,
    Measure,
    ReportDefinition,
    Section,
    Text,
    base_measures,
)
from loanfactory.reporting._measure_reader import read_measures
from loanfactory.reporting._query import GRAINS, Grain
from loanfactory.reporting._sources import NUMERIC, SOURCES, FieldType, Source

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


def read_definition(
    source: Path | str, *, file: str | None = None
) -> tuple[ReportDefinition | None, list[Diagnostic]]:
    """A report definition from a YAML file or text, and every problem found in it."""
    doc, problems = load_document(source, file=file)
    if doc is None:
        return None, problems
    checker = Checker(doc)
    definition = _definition(checker, doc)
    problems = [*problems, *checker.problems]
    if any(p.severity == "error" for p in problems):
        return None, problems
    return definition, problems


def _definition(c: Checker, doc: Document) -> ReportDefinition | None:
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
    measures = read_measures(c, source, top["measures"], where)
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


def _period(c: Checker, node: Any) -> tuple[Grain | None, int]:
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


def _dimensions(c: Checker, source: Source, node: Any) -> dict[str, Dimension]:
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
    c: Checker, source: Source, name: str | None, node: Any, path: tuple[str | int, ...]
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
    c: Checker, node: Any, path: tuple[str | int, ...]
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


def _sections(
    c: Checker,
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


def _dimension_ok(
    c: Checker,
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
