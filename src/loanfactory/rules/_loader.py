"""Loading rule files (``kind: rules``) into a :class:`RuleLibrary` (规则库).

A rule file::

    kind: rules
    reasons:                       # optional catalogue: code -> messages
      AGE_OUT_OF_RANGE: {en: Age must be 18-60, zh: 年龄须在 18–60 周岁之间}
    vars: {segment_score: decimal} # optional: values other definitions set, readable as vars.<name>
    functions: [...]               # optional: reusable functions (see ``._functions``)
    definitions:
      - id: retail_eligibility
        purpose: eligibility
        rules: [...]

Every problem is a located :class:`~loanfactory.errors.Diagnostic`; nothing raises on bad input.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loanfactory.document import Document, load_document
from loanfactory.errors import Diagnostic, NotFound, hint_for
from loanfactory.rules import _ir as ir
from loanfactory.rules import _model as m
from loanfactory.rules._context import VAR_TYPES, Context, PathT, fact_roots, var_type
from loanfactory.rules._functions import parse_functions
from loanfactory.rules._parse import TYPES, header, infer_type, parse_ruleset
from loanfactory.rules._parse_scorecard import parse_scorecard
from loanfactory.rules._parse_tables import parse_table
from loanfactory.rules._types import ANY, DECIMAL, STR, Type

FILE_KEYS = ("kind", "description", "reasons", "vars", "functions", "definitions")
MAX_FLOW_DEPTH = 8


@dataclass(frozen=True)
class RuleLibrary:
    """Definitions by id (decision definitions and event rule sets), from one or more files."""

    definitions: Mapping[str, m.Definition] = field(default_factory=dict)
    events: Mapping[str, Any] = field(default_factory=dict)  # id -> EventRules
    files: tuple[str, ...] = ()
    functions: Mapping[str, ir.UserFunction] = field(default_factory=dict)

    def __contains__(self, ident: object) -> bool:
        return ident in self.definitions or ident in self.events

    def __iter__(self) -> Iterator[str]:
        return iter([*self.definitions, *self.events])

    def __len__(self) -> int:
        return len(self.definitions) + len(self.events)

    def get(self, ident: str) -> m.Definition:
        """The definition ``ident``; raises :class:`NotFound` with a did-you-mean."""
        found = self.definitions.get(ident)
        if found is None:
            hint = hint_for(ident, list(self.definitions))[0]
            raise NotFound(
                f"no rule definition '{ident}'" + (f" ({hint})" if hint else ""),
                field="id",
                message_zh=f"没有规则定义 '{ident}'",
            )
        return found

    def merged(self, other: RuleLibrary) -> tuple[RuleLibrary, list[Diagnostic]]:
        """Both libraries in one; an id defined twice is a diagnostic (the first wins)."""
        problems: list[Diagnostic] = []
        definitions = dict(self.definitions)
        events = dict(self.events)
        for ident, d in [*other.definitions.items(), *other.events.items()]:
            if ident in definitions or ident in events:
                first = definitions.get(ident) or events.get(ident)
                where = getattr(d, "where", m.Where())
                was = getattr(first, "where", m.Where())
                problems.append(
                    Diagnostic(
                        "duplicate-id",
                        f"definition id '{ident}' is also defined in {was.file}:{was.line}",
                        file=where.file,
                        line=where.line,
                        column=where.column,
                        path=where.path,
                        message_zh=f"定义 id '{ident}' 重复（另见 {was.file}）",
                    )
                )
                continue
            if isinstance(d, m.RuleSet | m.Table | m.Scorecard | m.Flow):
                definitions[ident] = d
            else:
                events[ident] = d
        functions = dict(self.functions)
        for name, function in other.functions.items():
            if name in functions and functions[name] is not function:
                problems.append(
                    Diagnostic(
                        "duplicate-id",
                        f"function '{name}' is defined in more than one file",
                        file=other.files[0] if other.files else None,
                        message_zh=f"函数 '{name}' 在多个文件中定义",
                    )
                )
                continue
            functions[name] = function
        return RuleLibrary(definitions, events, (*self.files, *other.files), functions), problems


def load_rule_document(document: Document) -> tuple[RuleLibrary | None, list[Diagnostic]]:
    """Parse a ``kind: rules`` document; the library is None when any error was found."""
    ctx = Context(document)
    data = document.data
    if not isinstance(data, dict):
        ctx.error(
            (),
            "wrong-type",
            "a rule file is a mapping with 'kind: rules' and 'definitions'",
            "规则文件应为包含 kind: rules 与 definitions 的映射",
        )
        return None, ctx.diagnostics
    ctx.check_keys(data, (), FILE_KEYS, ("kind", "definitions"))
    if data.get("kind") != "rules":
        ctx.error(
            ("kind",), "wrong-kind", "a rule file starts with 'kind: rules'", "规则文件需以 kind: rules 开头"
        )
    ctx.load_reasons(data.get("reasons"), ("reasons",))
    ctx.vars.update(ctx.declared_vars(data.get("vars"), ("vars",)))
    parse_functions(ctx, data.get("functions"), ("functions",))
    raw = data.get("definitions")
    if not isinstance(raw, list) or not raw:
        ctx.error(
            ("definitions",),
            "wrong-type",
            "'definitions' is a list of rule sets, tables and scorecards",
            "definitions 应为规则集、决策表、评分卡的列表",
        )
        return None, ctx.diagnostics
    _predeclare_outputs(ctx, raw)
    definitions: dict[str, m.Definition] = {}
    events: dict[str, Any] = {}
    flows: list[tuple[int, dict[str, Any]]] = []
    for i, item in enumerate(raw):
        path: PathT = ("definitions", i)
        if isinstance(item, dict) and infer_type(item) == "flow":
            flows.append((i, item))
            continue
        parsed = _parse_any(ctx, item, path)
        _store(ctx, parsed, path, definitions, events)
    for i, item in flows:
        path = ("definitions", i)
        parsed = _parse_flow(ctx, item, path, definitions, 0)
        _store(ctx, parsed, path, definitions, events)
    if ctx.diagnostics_errors():
        return None, ctx.diagnostics
    return RuleLibrary(definitions, events, (document.file,), dict(ctx.functions)), ctx.diagnostics


def parse_definition(
    data: Any, document: Document, path: PathT, *, library: RuleLibrary | None = None
) -> tuple[m.Definition | None, list[Diagnostic]]:
    """Parse one definition written inline (e.g. in a product file at ``path``).

    Flow steps may name definitions of ``library``.
    """
    ctx = Context(document)
    if isinstance(data, dict) and path and str(path[-1]) in {p.value for p in m.Purpose}:
        # written under a product's ``rules: {<purpose>: ...}``: the key gives the purpose
        data = {"purpose": str(path[-1]), "id": f"inline_{path[-1]}", **data}
    if library is not None:
        ctx.functions.update(library.functions)
        for d in library.definitions.values():
            for name in m.outputs_of(d):
                ctx.vars.setdefault(name, ANY)
    if isinstance(data, dict) and infer_type(data) == "flow":
        known = dict(library.definitions) if library is not None else {}
        parsed = _parse_flow(ctx, data, path, known, 0)
    else:
        parsed = _parse_any(ctx, data, path)
    if ctx.diagnostics_errors() or not isinstance(parsed, m.RuleSet | m.Table | m.Scorecard | m.Flow):
        if parsed is not None and not ctx.diagnostics_errors():
            ctx.error(path, "wrong-type", "event rules cannot be used here", "此处不能使用事件规则")
        return None, ctx.diagnostics
    return parsed, ctx.diagnostics


def load_rule_file(path: Path | str) -> tuple[RuleLibrary | None, list[Diagnostic]]:
    """Read and parse one rule file."""
    document, problems = load_document(Path(path))
    if document is None:
        return None, problems
    library, more = load_rule_document(document)
    return library, problems + more


def load_rule_files(paths: Iterable[Path | str]) -> tuple[RuleLibrary | None, list[Diagnostic]]:
    """Several rule files (directories: every ``*.yaml`` directly inside with ``kind: rules``)."""
    library = RuleLibrary()
    problems: list[Diagnostic] = []
    failed = False
    for path, from_folder in _expand(paths):
        document, found = load_document(path)
        if document is None:
            problems.extend(found)
            failed = True
            continue
        if from_folder and not (isinstance(document.data, dict) and document.data.get("kind") == "rules"):
            continue
        problems.extend(found)
        one, more = load_rule_document(document)
        problems.extend(more)
        if one is None:
            failed = True
            continue
        library, clashes = library.merged(one)
        problems.extend(clashes)
        failed = failed or bool(clashes)
    return (None if failed else library), problems


def _expand(paths: Iterable[Path | str]) -> list[tuple[Path, bool]]:
    out: list[tuple[Path, bool]] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            out.extend(
                (x, True) for x in sorted(path.iterdir()) if x.suffix in (".yaml", ".yml") and x.is_file()
            )
        else:
            out.append((path, False))
    return out


def _predeclare_outputs(ctx: Context, raw: list[Any]) -> None:
    """Names any definition in the file sets become readable as ``vars.<name>`` (type unknown
    until set), so definitions may be written in any order."""
    for item in raw:
        if not isinstance(item, dict):
            continue
        names: list[str] = []
        for rule in item.get("rules") or []:
            if isinstance(rule, dict) and isinstance(rule.get("then"), dict):
                names.extend(
                    str(k)
                    for k in (rule["then"].get("set") or {})
                    if isinstance(rule["then"].get("set"), dict)
                )
        if isinstance(item.get("result"), str):
            names.append(item["result"])
        for out in item.get("outputs") or [] if "result" not in item else []:
            names.append(str(out.get("name") if isinstance(out, dict) else out))
        if "characteristics" in item:
            names += [str(item.get("score_name", "score")), str(item.get("grade_name", "grade"))]
        for name in names:
            if name.isidentifier() and name not in ("outcome", "reason"):
                ctx.vars.setdefault(name, ANY)


def _parse_any(ctx: Context, item: Any, path: PathT) -> Any:
    if not isinstance(item, dict):
        ctx.error(path, "wrong-type", "a definition is a mapping", "定义应为映射")
        return None
    kind = infer_type(item)
    if kind not in TYPES:
        ctx.error(
            (*path, "type"),
            "bad-type",
            f"'type' must be one of {', '.join(TYPES)}",
            f"type 必须是 {', '.join(TYPES)} 之一",
            hint_for(str(kind), TYPES),
        )
        return None
    if kind == "ruleset":
        return parse_ruleset(ctx, item, path)
    if kind == "table":
        return parse_table(ctx, item, path)
    if kind == "scorecard":
        return parse_scorecard(ctx, item, path)
    if kind == "events":
        from loanfactory.rules._events import parse_event_rules

        return parse_event_rules(ctx, item, path)
    return None


def _store(
    ctx: Context, parsed: Any, path: PathT, definitions: dict[str, m.Definition], events: dict[str, Any]
) -> None:
    if parsed is None:
        return
    if parsed.id in definitions or parsed.id in events:
        ctx.error(
            (*path, "id"),
            "duplicate-id",
            f"definition id '{parsed.id}' is used twice",
            f"定义 id '{parsed.id}' 重复",
        )
        return
    if isinstance(parsed, m.RuleSet | m.Table | m.Scorecard | m.Flow):
        definitions[parsed.id] = parsed
        ctx.vars.update(output_types(parsed))
    else:
        events[parsed.id] = parsed


def output_types(definition: m.Definition) -> dict[str, Type]:
    """The type of each value a definition sets (missing allowed: a rule may not fire)."""
    out: dict[str, Type] = {}
    if isinstance(definition, m.RuleSet):
        for rule in definition.rules:
            for e in rule.effects:
                if e.kind == "set" and e.value is not None:
                    out[e.name] = _merge(out.get(e.name), e.value.type)
    elif isinstance(definition, m.Table):
        out.update(_table_types(definition))
    elif isinstance(definition, m.Scorecard):
        out[definition.score_name] = DECIMAL
        out[definition.grade_name] = STR
    else:
        out.update({name: _var_type(node) for name, node in definition.vars})
        for step in definition.steps:
            out.update(output_types(step))
    return {k: v.maybe_missing() for k, v in out.items()}


def _table_types(table: m.Table) -> dict[str, Type]:
    columns: dict[str, Type] = {}
    for k, o in enumerate(table.outputs):
        if o.name in ("outcome", "reason"):
            continue
        merged: Type | None = None
        for row in table.rows:
            merged = _merge(merged, row.outputs[k].type)
        if o.default is not None:
            merged = _merge(merged, o.default.type)
        if table.aggregation == "COUNT":
            merged = Type("int")
        columns[o.name] = merged or ANY
    if table.result:
        record = Type("record", fields=tuple((n, t.maybe_missing()) for n, t in columns.items()))
        return {table.result: Type("list", item=record) if table.hit_policy.multiple else record}
    if table.hit_policy.multiple and not table.aggregation:
        return {n: Type("list", item=t) for n, t in columns.items()}
    return columns


def _merge(a: Type | None, b: Type) -> Type:
    if a is None or b.kind == "null":
        return a or ANY if b.kind == "null" else b
    if a.kind == b.kind or (a.numeric and b.numeric):
        return a if a.kind == b.kind else DECIMAL
    return ANY


def _parse_flow(
    ctx: Context, data: dict[str, Any], path: PathT, known: Mapping[str, m.Definition], depth: int
) -> m.Flow | None:
    before = len(ctx.diagnostics)
    ctx.check_keys(
        data,
        path,
        ("id", "type", "purpose", "description", "version", "vars", "steps", "stop_on_reject"),
        ("steps",),
    )
    head = header(ctx, data, path, need_purpose=depth == 0)
    steps_raw = data.get("steps")
    if not isinstance(steps_raw, list) or not steps_raw:
        ctx.error(
            (*path, "steps"),
            "wrong-type",
            "'steps' lists definition ids or inline definitions",
            "steps 应为定义 id 或内联定义的列表",
        )
        return None
    if depth > MAX_FLOW_DEPTH:
        ctx.error(path, "too-deep", "flows are nested too deeply", "流程嵌套过深")
        return None
    outer = dict(ctx.vars)  # the flow's names are readable inside it only
    try:
        initial = _flow_vars(ctx, data.get("vars"), (*path, "vars"))
        steps = _flow_steps(ctx, steps_raw, path, known, depth)
    finally:
        ctx.vars.clear()
        ctx.vars.update(outer)
    stop = data.get("stop_on_reject", True)
    if not isinstance(stop, bool):
        ctx.error(
            (*path, "stop_on_reject"),
            "wrong-type",
            "stop_on_reject is true or false",
            "stop_on_reject 应为 true/false",
        )
    if head is None or ctx.diagnostics_errors(before):
        return None
    return m.Flow(
        head[0], head[1], tuple(steps), bool(stop), head[2], head[3], ctx.where(path), tuple(initial)
    )


def _flow_vars(ctx: Context, raw: Any, path: PathT) -> list[tuple[str, ir.Node]]:
    """A flow's ``vars``: each name is declared with a type (``decimal``) or given an initial value
    (``0``, ``3.5%``, ``'"A"'``, ``lpr("1y", as_of)``); either way it is readable in the flow."""
    if raw is None:
        return []
    if not isinstance(raw, dict):
        ctx.error(
            path,
            "wrong-type",
            "a flow's 'vars' maps names to a type (decimal, int, text ...) or an initial value",
            "流程的 vars 应为 名称 -> 类型 或 初始值",
        )
        return []
    initial: list[tuple[str, ir.Node]] = []
    for name, value in raw.items():
        where = (*path, name)
        if not isinstance(name, str) or not name.isidentifier() or name in ("outcome", "reason"):
            ctx.error(where, "bad-name", f"'{name}' cannot name a value", f"'{name}' 不能用作名称", key=True)
            continue
        declared = var_type(value) if isinstance(value, str) else None
        if declared is not None:
            ctx.vars[name] = declared
            continue
        hint = hint_for(value, list(VAR_TYPES)) if isinstance(value, str) and value.isidentifier() else None
        if hint is not None and hint[0] is not None and value not in fact_roots():
            ctx.error(where, "unknown-type", f"unknown type '{value}'", f"未知的类型 '{value}'", hint)
            continue
        node = ctx.expression(value, where, condition=False)
        if node is not None:
            initial.append((name, node))
            ctx.vars[name] = _var_type(node)
    return initial


def _var_type(node: ir.Node) -> Type:
    """A flow var's type: its initial value's, a number of any kind (the facts may give a decimal)."""
    return DECIMAL if node.type.numeric else node.type


def _flow_steps(
    ctx: Context, steps_raw: list[Any], path: PathT, known: Mapping[str, m.Definition], depth: int
) -> list[m.Definition]:
    """The steps of a flow; each step reads what the flow's vars and the steps before it set."""
    steps: list[m.Definition] = []
    for i, step in enumerate(steps_raw):
        done = len(steps)
        spath = (*path, "steps", i)
        if isinstance(step, str):
            found = known.get(step)
            if found is None:
                ctx.error(
                    spath,
                    "unknown-definition",
                    f"no definition '{step}' (flows may use definitions written "
                    "before them in the file or in the library)",
                    f"没有定义 '{step}'",
                    hint_for(step, list(known)),
                )
            else:
                steps.append(found)
        elif isinstance(step, dict) and infer_type(step) == "flow":
            inner = _parse_flow(ctx, step, spath, known, depth + 1)
            if inner is not None:
                steps.append(inner)
        else:
            inner_any = _parse_any(ctx, step, spath)
            if isinstance(inner_any, m.RuleSet | m.Table | m.Scorecard):
                steps.append(inner_any)
        if len(steps) > done:
            ctx.vars.update(output_types(steps[-1]))
    return steps
