"""Parsing decision tables (决策表) and scorecards (评分卡) from YAML data."""

from __future__ import annotations

import itertools
from typing import Any

from loanfactory.errors import hint_for
from loanfactory.rules import _ir as ir
from loanfactory.rules import _model as m
from loanfactory.rules._context import Context, PathT
from loanfactory.rules._parse import COMMON, ID, cell, header, literal, number, subject_of

_POLICIES = {p.value: p for p in m.HitPolicy} | {"RULE_ORDER": m.HitPolicy.rule_order}
_AGGREGATIONS = ("SUM", "MIN", "MAX", "COUNT")
_OUTCOME_VALUES = ("pass", "approve", "manual_review", "reject")


def parse_table(ctx: Context, data: dict[str, Any], path: PathT) -> m.Table | None:
    before = len(ctx.diagnostics)
    ctx.check_keys(
        data,
        path,
        (*COMMON, "hit_policy", "aggregation", "inputs", "outputs", "rows"),
        ("hit_policy", "inputs", "outputs", "rows"),
    )
    head = header(ctx, data, path)
    scope = ctx.scope(ctx.declared_vars(data.get("vars"), (*path, "vars")))
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
    if aggregation is not None:
        aggregation = str(aggregation).upper()
        if policy is not m.HitPolicy.collect or aggregation not in _AGGREGATIONS:
            ctx.error(
                (*path, "aggregation"),
                "bad-aggregation",
                "aggregation (SUM, MIN, MAX, COUNT) needs COLLECT",
                "聚合（SUM、MIN、MAX、COUNT）只能用于 COLLECT",
            )
    inputs, labels = _inputs(ctx, data.get("inputs"), (*path, "inputs"), scope)
    outputs = _outputs(ctx, data.get("outputs"), (*path, "outputs"), scope, policy)
    rows_raw = data.get("rows")
    if not isinstance(rows_raw, list) or not rows_raw or len(rows_raw) > 2000:
        ctx.error((*path, "rows"), "wrong-type", "'rows' is a list of rows", "rows 应为行的列表")
        return None
    if inputs is None or outputs is None:
        return None
    subjects = [subject_of(node, f"in{i}") for i, node in enumerate(inputs)]
    rows: list[m.Row] = []
    ids: set[str] = set()
    for n, raw in enumerate(rows_raw):
        row = _row(ctx, raw, (*path, "rows", n), n, subjects, outputs, scope)
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
    )
    from loanfactory.rules._analysis import check_table

    ctx.diagnostics.extend(check_table(table, ctx.document, path))
    return table


def _inputs(ctx: Context, raw: Any, path: PathT, scope: Any) -> tuple[list[ir.Node] | None, list[str]]:
    if not isinstance(raw, list) or not raw:
        ctx.error(path, "wrong-type", "'inputs' is a list of expressions", "inputs 应为表达式列表")
        return None, []
    nodes: list[ir.Node] = []
    labels: list[str] = []
    for i, item in enumerate(raw):
        text = item.get("expr") if isinstance(item, dict) else item
        label = item.get("label", text) if isinstance(item, dict) else item
        if isinstance(item, dict):
            ctx.check_keys(item, (*path, i), ("expr", "label"), ("expr",))
        where = (*path, i, "expr") if isinstance(item, dict) else (*path, i)
        node = ctx.expression(text, where, condition=False, scope=scope)
        if node is None:
            return None, []
        nodes.append(node)
        labels.append(str(label))
    return nodes, labels


def _outputs(
    ctx: Context, raw: Any, path: PathT, scope: Any, policy: m.HitPolicy | None
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
        priority = item.get("priority") or []
        if not isinstance(priority, list):
            ctx.error(
                (*path, i, "priority"),
                "wrong-type",
                "priority lists output values, most important first",
                "priority 应为输出值列表（优先级从高到低）",
            )
            priority = []
        default = None
        if "default" in item:
            default = literal(ctx, item["default"], (*path, i, "default"), scope)
        out.append(m.TableOutput(name, tuple(priority), default))
    if policy is m.HitPolicy.priority and not any(o.priority for o in out):
        ctx.error(
            path,
            "missing-priority",
            "a PRIORITY table needs 'priority' on an output",
            "PRIORITY 表的输出需要 priority",
        )
    return out


def _row(
    ctx: Context,
    raw: Any,
    path: PathT,
    n: int,
    subjects: list[ir.Node],
    outputs: list[m.TableOutput],
    scope: Any,
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
    base = 0 if isinstance(raw, list) else None
    for i, (text, subject) in enumerate(zip(cells_raw, subjects, strict=True)):
        where = (*cells_path, i) if base is None else (*path, i)
        c = cell(ctx, text, subject, where, scope)
        if c is None:
            return None
        cells.append(c)
    values: list[ir.Node] = []
    for k, (value, out) in enumerate(zip(outs_raw, outputs, strict=True)):
        where = (*outs_path, k) if base is None else (*path, len(subjects) + k)
        node = literal(ctx, value, where, scope)
        if node is None:
            return None
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


def parse_scorecard(ctx: Context, data: dict[str, Any], path: PathT) -> m.Scorecard | None:
    before = len(ctx.diagnostics)
    ctx.check_keys(
        data,
        path,
        (*COMMON, "base", "characteristics", "grades", "score_name", "grade_name", "default_grade"),
        ("characteristics",),
    )
    head = header(ctx, data, path)
    scope = ctx.scope(ctx.declared_vars(data.get("vars"), (*path, "vars")))
    base = number(ctx, data.get("base", 0), (*path, "base"))
    chars: list[m.Characteristic] = []
    raw_chars = data.get("characteristics")
    if not isinstance(raw_chars, list) or not raw_chars:
        ctx.error(
            (*path, "characteristics"),
            "wrong-type",
            "'characteristics' is a list",
            "characteristics 应为列表",
        )
        return None
    for k, raw in enumerate(raw_chars):
        cpath = (*path, "characteristics", k)
        if not isinstance(raw, dict):
            ctx.error(
                cpath, "wrong-type", "a characteristic is {name, value, bins}", "特征应为 {name, value, bins}"
            )
            continue
        ctx.check_keys(
            raw, cpath, ("name", "value", "bins", "otherwise", "description"), ("name", "value", "bins")
        )
        value = ctx.expression(raw.get("value"), (*cpath, "value"), condition=False, scope=scope)
        if value is None:
            continue
        subject = subject_of(value, f"ch{k}")
        bins: list[m.Bin] = []
        for n, b in enumerate(raw.get("bins") or []):
            bpath = (*cpath, "bins", n)
            if not isinstance(b, dict) or not ctx.check_keys(
                b, bpath, ("when", "points", "reason"), ("when", "points")
            ):
                if not isinstance(b, dict):
                    ctx.error(bpath, "wrong-type", "a bin is {when, points}", "分箱应为 {when, points}")
                continue
            c = cell(ctx, b.get("when"), subject, (*bpath, "when"), scope)
            points = number(ctx, b.get("points"), (*bpath, "points"))
            reason = ctx.reason(b["reason"], (*bpath, "reason")) if "reason" in b else None
            if c is not None and points is not None:
                bins.append(m.Bin(c.test, c.text, points, c.domain, reason))
        otherwise = number(ctx, raw.get("otherwise", 0), (*cpath, "otherwise"))
        chars.append(
            m.Characteristic(str(raw.get("name")), value, str(raw.get("value")), tuple(bins), otherwise)
        )
    bands: list[m.Band] = []
    for n, g in enumerate(data.get("grades") or []):
        gpath = (*path, "grades", n)
        if not isinstance(g, dict) or not ctx.check_keys(g, gpath, ("grade", "min"), ("grade", "min")):
            continue
        low = number(ctx, g.get("min"), (*gpath, "min"))
        if low is not None:
            bands.append(m.Band(str(g["grade"]), low))
    if any(a.min <= b.min for a, b in itertools.pairwise(bands)):
        ctx.error(
            (*path, "grades"),
            "unordered",
            "grades are listed from the highest 'min' down",
            "评级应按 min 从高到低排列",
        )
    if head is None or ctx.diagnostics_errors(before):
        return None
    return m.Scorecard(
        head[0],
        head[1],
        base,
        tuple(chars),
        tuple(bands),
        str(data.get("score_name", "score")),
        str(data.get("grade_name", "grade")),
        data.get("default_grade"),
        head[2],
        head[3],
        ctx.where(path),
    )
