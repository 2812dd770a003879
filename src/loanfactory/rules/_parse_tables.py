"""Parsing decision tables (决策表) from YAML data.

Every key of a table means something for its hit policy; a key that would be ignored is a
located error (``priority`` outside PRIORITY/OUTPUT ORDER, ``aggregation`` outside COLLECT, an
unknown output in a ``{when, then}`` row). Inputs may list their allowed values (DMN input values):
cells are then checked against them and the gap check knows every case.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from loanfactory.errors import hint_for
from loanfactory.rules import _ir as ir
from loanfactory.rules import _model as m
from loanfactory.rules._context import Context, PathT
from loanfactory.rules._expr import Scope
from loanfactory.rules._parse import COMMON, ID, cell, header, literal, subject_of
from loanfactory.rules._unary import parse_unary

_POLICIES = {p.value: p for p in m.HitPolicy} | {
    "RULE_ORDER": m.HitPolicy.rule_order,
    "OUTPUT_ORDER": m.HitPolicy.output_order,
}
_AGGREGATIONS = ("SUM", "MIN", "MAX", "COUNT")
_OUTCOME_VALUES = ("pass", "approve", "manual_review", "reject")
_TABLE_KEYS = ("hit_policy", "aggregation", "inputs", "outputs", "rows", "result")
MAX_ROWS = 2000


def parse_table(
    ctx: Context, data: dict[str, Any], path: PathT, *, function: Scope | None = None, name: str = ""
) -> m.Table | None:
    """A table definition; inside a rule-file function (``function`` is its scope) it has no
    id or purpose of its own and cannot decide an outcome."""
    before = len(ctx.diagnostics)
    if function is None:
        ctx.check_keys(data, path, (*COMMON, *_TABLE_KEYS), ("hit_policy", "inputs", "outputs", "rows"))
        head = header(ctx, data, path)
        scope = ctx.scope(ctx.declared_vars(data.get("vars"), (*path, "vars")))
    else:
        ctx.check_keys(data, path, ("description", *_TABLE_KEYS), ("hit_policy", "inputs", "outputs", "rows"))
        head = (name, m.Purpose.decision, "1", str(data.get("description") or ""))
        scope = function
    policy, aggregation = _policy(ctx, data, path)
    inputs, labels, allowed = _inputs(ctx, data.get("inputs"), (*path, "inputs"), scope)
    outputs = _outputs(ctx, data.get("outputs"), (*path, "outputs"), scope, policy, function is not None)
    result = _result(ctx, data, path, outputs, aggregation)
    rows_raw = data.get("rows")
    if not isinstance(rows_raw, list) or not rows_raw or len(rows_raw) > MAX_ROWS:
        ctx.error(
            (*path, "rows"), "wrong-type", f"'rows' is a list of 1 to {MAX_ROWS} rows", "rows 应为行的列表"
        )
        return None
    if inputs is None or outputs is None:
        return None
    rows: list[m.Row] = []
    ids: set[str] = set()
    for n, raw in enumerate(rows_raw):
        row = _row(ctx, raw, (*path, "rows", n), n, inputs, outputs, scope)
        if row is not None:
            if row.id in ids:
                ctx.error(
                    (*path, "rows", n), "duplicate-id", f"row id '{row.id}' is used twice", "行 id 重复"
                )
            ids.add(row.id)
            rows.append(row)
    if aggregation and len([o for o in outputs if o.name not in ("outcome", "reason")]) != 1:
        ctx.error(
            (*path, "outputs"),
            "bad-aggregation",
            "an aggregated table has exactly one output",
            "聚合决策表只能有一个输出",
        )
    if head is None or policy is None or ctx.diagnostics_errors(before):
        return None
    table = m.Table(
        head[0],
        head[1],
        policy,
        aggregation,
        tuple(inputs),
        tuple(labels),
        tuple(outputs),
        tuple(rows),
        dict(ctx.reasons),
        head[2],
        head[3],
        ctx.where(path),
        tuple(allowed),
        result,
    )
    from loanfactory.rules._analysis import check_table

    ctx.diagnostics.extend(check_table(table, ctx.document, path))
    return table


def _policy(ctx: Context, data: dict[str, Any], path: PathT) -> tuple[m.HitPolicy | None, str | None]:
    policy_raw = str(data.get("hit_policy", "")).upper().strip()
    aggregation = data.get("aggregation")
    if " " in policy_raw and policy_raw.startswith("COLLECT"):
        policy_raw, aggregation = "COLLECT", policy_raw.split()[1]
    policy = _POLICIES.get(policy_raw)
    if policy is None:
        ctx.error(
            (*path, "hit_policy"),
            "bad-hit-policy",
            f"unknown hit policy '{data.get('hit_policy')}'",
            f"未知的命中策略 '{data.get('hit_policy')}'",
            hint_for(policy_raw, list(_POLICIES)),
        )
    if aggregation is None:
        return policy, None
    aggregation = str(aggregation).upper()
    if policy is not m.HitPolicy.collect or aggregation not in _AGGREGATIONS:
        ctx.error(
            (*path, "aggregation"),
            "bad-aggregation",
            "aggregation (SUM, MIN, MAX, COUNT) needs COLLECT",
            "聚合（SUM、MIN、MAX、COUNT）只能用于 COLLECT",
        )
    return policy, aggregation


def _result(
    ctx: Context,
    data: dict[str, Any],
    path: PathT,
    outputs: list[m.TableOutput] | None,
    aggregation: str | None,
) -> str | None:
    if "result" not in data:
        return None
    name = data["result"]
    if (
        not isinstance(name, str)
        or not name.isidentifier()
        or name.startswith("_")
        or name in ("outcome", "reason")
    ):
        ctx.error((*path, "result"), "bad-name", f"'{name}' is not a valid result name", "result 名称不合法")
        return None
    if aggregation:
        ctx.error(
            (*path, "result"),
            "bad-aggregation",
            "an aggregated table gives one number; 'result' (a record of the outputs) would be ignored",
            "聚合决策表只输出一个数值，result（输出记录）不适用",
        )
    if outputs is not None and any(o.name == name for o in outputs):
        ctx.error((*path, "result"), "bad-name", f"'{name}' is also an output name", f"'{name}' 与输出同名")
    return name


def _inputs(
    ctx: Context, raw: Any, path: PathT, scope: Scope
) -> tuple[list[ir.Node] | None, list[str], list[ir.Node | None]]:
    """Input expressions (the subjects the cells test), labels and allowed-value conditions."""
    if not isinstance(raw, list) or not raw:
        ctx.error(path, "wrong-type", "'inputs' is a list of expressions", "inputs 应为表达式列表")
        return None, [], []
    nodes: list[ir.Node] = []
    labels: list[str] = []
    allowed: list[ir.Node | None] = []
    for i, item in enumerate(raw):
        text = item.get("expr") if isinstance(item, dict) else item
        label = item.get("label", text) if isinstance(item, dict) else item
        if isinstance(item, dict):
            ctx.check_keys(item, (*path, i), ("expr", "label", "allowed"), ("expr",))
        where = (*path, i, "expr") if isinstance(item, dict) else (*path, i)
        node = ctx.expression(text, where, condition=False, scope=scope)
        if node is None:
            return None, [], []
        subject = subject_of(node, f"_in{i}")
        test: ir.Node | None = None
        if isinstance(item, dict) and "allowed" in item:
            subject, test = _allowed(ctx, item["allowed"], (*path, i, "allowed"), subject, scope)
            if test is None:
                return None, [], []
        nodes.append(subject if isinstance(subject, ir.Slot) else replace(node, type=subject.type))
        labels.append(str(label))
        allowed.append(test)
    return nodes, labels, allowed


def _allowed(
    ctx: Context, raw: Any, path: PathT, subject: ir.Node, scope: Scope
) -> tuple[ir.Node, ir.Node | None]:
    """The subject narrowed to its allowed values (for cell checks and the gap check) and the
    condition an input must meet."""
    if isinstance(raw, list) and raw and all(isinstance(v, str | int | Decimal) for v in raw):
        text = ", ".join(f'"{v}"' if isinstance(v, str) else str(v) for v in raw)
    elif isinstance(raw, str) and raw.strip():
        text = raw
    else:
        ctx.error(
            path,
            "wrong-type",
            "'allowed' lists values ([salaried, self_employed]) or is a cell test such as '[0..1000]'",
            "allowed 应为取值列表或单元格条件（如 '[0..1000]'）",
        )
        return subject, None
    test, domain, errors = parse_unary(text, subject, scope)
    ctx.place(errors, path)
    if test is None:
        return subject, None
    narrowed = subject.type
    if domain is not None and domain.kind == "set" and not domain.complement:
        narrowed = replace(narrowed, choices=tuple(sorted(str(v) for v in domain.values)))
    elif domain is not None and domain.kind == "intervals" and len(domain.intervals) == 1:
        only = domain.intervals[0]
        narrowed = replace(narrowed, low=only.low, high=only.high)
    if isinstance(subject, ir.Slot):
        return ir.Slot(narrowed, subject.pos, subject.path), test
    return ir.Local(narrowed, subject.pos, subject.name if isinstance(subject, ir.Local) else "_in"), test


def _outputs(
    ctx: Context, raw: Any, path: PathT, scope: Scope, policy: m.HitPolicy | None, in_function: bool
) -> list[m.TableOutput] | None:
    if not isinstance(raw, list) or not raw:
        ctx.error(path, "wrong-type", "'outputs' is a list of names", "outputs 应为名称列表")
        return None
    out: list[m.TableOutput] = []
    for i, item in enumerate(raw):
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, dict) or not ctx.check_keys(
            item, (*path, i), ("name", "priority", "default"), ("name",)
        ):
            if not isinstance(item, dict):
                ctx.error(
                    (*path, i),
                    "wrong-type",
                    "an output is a name or {name, priority, default}",
                    "输出格式不对",
                )
            return None
        name = str(item["name"])
        if not name.isidentifier() or name.startswith("_"):
            ctx.error(
                (*path, i, "name"), "bad-name", f"'{name}' is not a valid output name", "输出名称不合法"
            )
            return None
        if in_function and name in ("outcome", "reason"):
            ctx.error(
                (*path, i, "name"),
                "bad-name",
                "a function's table gives values; it cannot decide an outcome or a reason",
                "函数中的决策表只输出数值，不能给出结论或原因",
            )
            return None
        priority = item.get("priority") or []
        if not isinstance(priority, list):
            ctx.error(
                (*path, i, "priority"),
                "wrong-type",
                "priority lists output values, most important first",
                "priority 应为输出值列表（优先级从高到低）",
            )
            priority = []
        if priority and policy not in (m.HitPolicy.priority, m.HitPolicy.output_order, None):
            ctx.error(
                (*path, i, "priority"),
                "ignored-key",
                f"'priority' orders outputs only in PRIORITY and OUTPUT ORDER tables; this table is {policy}",
                f"priority 只用于 PRIORITY 和 OUTPUT ORDER 表，本表为 {policy}",
                key=True,
            )
        default = None
        if "default" in item:
            default = literal(ctx, item["default"], (*path, i, "default"), scope)
            if name == "outcome" and not (isinstance(default, ir.Const) and default.value in _OUTCOME_VALUES):
                ctx.error(
                    (*path, i, "default"),
                    "bad-route",
                    "outcome is pass, approve, manual_review or reject",
                    "outcome 只能是 pass、approve、manual_review 或 reject",
                )
        out.append(m.TableOutput(name, tuple(priority), default))
    if policy in (m.HitPolicy.priority, m.HitPolicy.output_order) and not any(o.priority for o in out):
        ctx.error(
            path,
            "missing-priority",
            f"a {policy} table needs 'priority' on an output",
            f"{policy} 表的输出需要 priority",
        )
    return out


def _row(
    ctx: Context,
    raw: Any,
    path: PathT,
    n: int,
    subjects: list[ir.Node],
    outputs: list[m.TableOutput],
    scope: Scope,
) -> m.Row | None:
    rid = f"r{n + 1}"
    if isinstance(raw, dict):
        ctx.check_keys(raw, path, ("id", "when", "then"), ("when", "then"))
        if "id" in raw:
            if not isinstance(raw["id"], str) or not ID.match(raw["id"]):
                ctx.error((*path, "id"), "bad-id", "a row id is letters, digits, '_' or '-'", "行 id 不合法")
                return None
            rid = raw["id"]
        cells_raw, outs_raw = raw.get("when"), raw.get("then")
        cells_path, outs_path = (*path, "when"), (*path, "then")
        if isinstance(outs_raw, dict):
            names = [o.name for o in outputs]
            if not ctx.check_keys(outs_raw, outs_path, names):
                return None
            outs_raw = [outs_raw.get(o.name) for o in outputs]
        if not isinstance(cells_raw, list):
            cells_raw = [cells_raw]
        if not isinstance(outs_raw, list):
            outs_raw = [outs_raw]
    elif isinstance(raw, list):
        cells_raw, outs_raw = raw[: len(subjects)], raw[len(subjects) :]
        cells_path = outs_path = path
    else:
        ctx.error(
            path, "wrong-type", "a row is a list of cells, or {when, then}", "行应为单元格列表或 {when, then}"
        )
        return None
    if len(cells_raw) != len(subjects) or len(outs_raw) != len(outputs):
        ctx.error(
            path,
            "row-length",
            f"the row has {len(cells_raw)} input and {len(outs_raw)} output cells; the "
            f"table has {len(subjects)} inputs and {len(outputs)} outputs",
            f"该行有 {len(cells_raw)} 个输入、{len(outs_raw)} 个输出单元格，表有 {len(subjects)} 个输入、"
            f"{len(outputs)} 个输出",
        )
        return None
    cells: list[m.Cell] = []
    listed = isinstance(raw, list)
    for i, (text, node) in enumerate(zip(cells_raw, subjects, strict=True)):
        where = (*path, i) if listed else (*cells_path, i)
        c = cell(ctx, text, subject_of(node, f"_in{i}"), where, scope)
        if c is None:
            return None
        cells.append(c)
    values: list[ir.Node] = []
    for k, (value, out) in enumerate(zip(outs_raw, outputs, strict=True)):
        where = (*path, len(subjects) + k) if listed else (*outs_path, k)
        found = literal(ctx, value, where, scope)
        if found is None:
            return None
        node = found
        if out.name == "outcome" and not (
            isinstance(node, ir.Const) and node.value in (*_OUTCOME_VALUES, None)
        ):
            ctx.error(
                where,
                "bad-route",
                "outcome is pass, approve, manual_review or reject",
                "outcome 只能是 pass、approve、manual_review 或 reject",
            )
            return None
        values.append(node)
    return m.Row(rid, tuple(cells), tuple(values), ctx.where(path))
