"""Parsing one definition (rule set, decision table, scorecard, flow) from YAML data."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from loanfactory.errors import hint_for
from loanfactory.rules import _ir as ir
from loanfactory.rules import _model as m
from loanfactory.rules._context import Context, PathT
from loanfactory.rules._decision import Outcome
from loanfactory.rules._types import BOOL, DECIMAL, STR, Type, type_of_value
from loanfactory.rules._unary import parse_unary

ID = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{0,63}$")
COMMON = ("id", "type", "purpose", "description", "version", "vars")
TYPES = ("ruleset", "table", "scorecard", "flow", "events")
_PERCENT = re.compile(r"^[+-]?\d+(\.\d+)?%$")
_ROUTES = {"approve": Outcome.approve, "manual_review": Outcome.manual_review, "reject": Outcome.reject}
MAX_RULES = 2000
MAX_ROWS = 2000


def infer_type(data: dict[str, Any]) -> str | None:
    if "type" in data:
        return str(data["type"])
    for key, kind in (
        ("rules", "ruleset"),
        ("rows", "table"),
        ("characteristics", "scorecard"),
        ("steps", "flow"),
    ):
        if key in data:
            return kind
    return None


def header(
    ctx: Context, data: dict[str, Any], path: PathT, *, need_purpose: bool = True
) -> tuple[str, m.Purpose, str, str] | None:
    ident = data.get("id")
    ok = True
    if not isinstance(ident, str) or not ID.match(ident):
        ctx.error(
            (*path, "id"),
            "bad-id",
            "every definition needs an 'id' of letters, digits, '_' or '-'",
            "每个定义都需要 id（字母、数字、'_' 或 '-'）",
        )
        ok = False
    purpose_raw = data.get("purpose", None if need_purpose else "decision")
    try:
        purpose = m.Purpose(str(purpose_raw))
    except ValueError:
        choices = [p.value for p in m.Purpose]
        ctx.error(
            (*path, "purpose"),
            "bad-purpose",
            f"'purpose' must be one of {', '.join(choices)}",
            f"purpose 必须是 {', '.join(choices)} 之一",
            hint_for(str(purpose_raw), choices),
        )
        purpose, ok = m.Purpose.decision, False
    version = str(data.get("version", "1"))
    description = str(data.get("description") or "")
    return (str(ident), purpose, version, description) if ok else None


# rule sets -------------------------------------------------------------------------------------
def parse_ruleset(ctx: Context, data: dict[str, Any], path: PathT) -> m.RuleSet | None:
    before = len(ctx.diagnostics)
    ctx.check_keys(data, path, (*COMMON, "rules"), ("rules",))
    head = header(ctx, data, path)
    scope_vars = ctx.declared_vars(data.get("vars"), (*path, "vars"))
    rules_raw = data.get("rules")
    if not isinstance(rules_raw, list) or not rules_raw or len(rules_raw) > MAX_RULES:
        ctx.error(
            (*path, "rules"),
            "wrong-type",
            f"'rules' is a list of 1 to {MAX_RULES} rules",
            "rules 应为规则列表",
        )
        return None
    rules: list[m.Rule] = []
    seen: set[str] = set()
    local_vars = dict(scope_vars)
    for i, raw in enumerate(rules_raw):
        rpath = (*path, "rules", i)
        if not isinstance(raw, dict):
            ctx.error(
                rpath, "wrong-type", "a rule is a mapping with id, when and then", "规则应包含 id、when、then"
            )
            continue
        ctx.check_keys(raw, rpath, ("id", "when", "then", "salience", "description"), ("id", "when", "then"))
        rid = raw.get("id")
        if not isinstance(rid, str) or not ID.match(rid):
            ctx.error((*rpath, "id"), "bad-id", "a rule needs an 'id'", "规则需要 id")
            continue
        if rid in seen:
            ctx.error(
                (*rpath, "id"), "duplicate-id", f"rule id '{rid}' is used twice", f"规则 id '{rid}' 重复"
            )
        seen.add(rid)
        scope = ctx.scope(local_vars)
        when = _when(ctx, raw.get("when"), (*rpath, "when"), scope)
        effects = parse_then(ctx, raw.get("then"), (*rpath, "then"), scope, local_vars)
        salience = raw.get("salience", 0)
        if not isinstance(salience, int) or isinstance(salience, bool):
            ctx.error((*rpath, "salience"), "wrong-type", "salience is a whole number", "salience 应为整数")
            salience = 0
        if when is not None and effects is not None:
            rules.append(m.Rule(rid, when, tuple(effects), salience, ctx.where(rpath)))
    if head is None or len(ctx.diagnostics_errors(before)) > 0:
        return None
    ordered = sorted(rules, key=lambda r: -r.salience)  # stable: ties keep the written order
    return m.RuleSet(head[0], head[1], tuple(ordered), head[2], head[3], ctx.where(path))


def _when(ctx: Context, raw: Any, path: PathT, scope: Any) -> ir.Node | None:
    if isinstance(raw, list):
        if not raw:
            ctx.error(path, "wrong-type", "'when' needs at least one condition", "when 至少需要一个条件")
            return None
        parts = [ctx.expression(x, (*path, i), condition=True, scope=scope) for i, x in enumerate(raw)]
        if any(p is None for p in parts):
            return None
        kept = tuple(p for p in parts if p is not None)
        return kept[0] if len(kept) == 1 else ir.BoolOp(BOOL, kept[0].pos, "and", kept)
    return ctx.expression(raw, path, condition=True, scope=scope)


def parse_then(
    ctx: Context, raw: Any, path: PathT, scope: Any, local_vars: dict[str, Type]
) -> list[m.Effect] | None:
    if not isinstance(raw, dict) or not raw:
        ctx.error(
            path,
            "wrong-type",
            "'then' is a mapping: reject, review, approve, route, reason, set, tag, emit",
            "then 应为映射：reject、review、approve、route、reason、set、tag、emit",
        )
        return None
    allowed = ("reject", "review", "approve", "route", "reason", "set", "tag", "tags", "emit")
    ctx.check_keys(raw, path, allowed)
    effects: list[m.Effect] = []
    for key, outcome in (
        ("reject", Outcome.reject),
        ("review", Outcome.manual_review),
        ("approve", Outcome.approve),
    ):
        if key in raw:
            value = raw[key]
            reason = None if value is True else ctx.reason(value, (*path, key))
            effects.append(m.Effect("outcome", outcome=outcome, reason=reason))
    if "route" in raw:
        route = raw["route"]
        if route not in _ROUTES:
            ctx.error(
                (*path, "route"),
                "bad-route",
                "route is approve, manual_review or reject",
                "route 只能是 approve、manual_review 或 reject",
                hint_for(str(route), list(_ROUTES)),
            )
        else:
            effects.append(m.Effect("outcome", outcome=_ROUTES[route]))
    if "reason" in raw:
        reasons = raw["reason"] if isinstance(raw["reason"], list) else [raw["reason"]]
        for i, r in enumerate(reasons):
            rpath = (*path, "reason", i) if isinstance(raw["reason"], list) else (*path, "reason")
            text = ctx.reason(r, rpath)
            if text is not None:
                effects.append(m.Effect("reason", reason=text))
    sets = raw.get("set")
    if sets is not None:
        if not isinstance(sets, dict):
            ctx.error(
                (*path, "set"), "wrong-type", "'set' maps names to expressions", "set 应为 名称 -> 表达式"
            )
        else:
            for name, expr in sets.items():
                if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
                    ctx.error(
                        (*path, "set", name),
                        "bad-name",
                        f"'{name}' is not a valid value name",
                        "名称不合法",
                        key=True,
                    )
                    continue
                node = ctx.expression(expr, (*path, "set", name), condition=False, scope=scope)
                if node is not None:
                    effects.append(m.Effect("set", name=name, value=node))
                    local_vars[name] = node.type.maybe_missing()
                    scope.vars = {**scope.vars, name: node.type.maybe_missing()}
    for key in ("tag", "tags"):
        if key in raw:
            tags = raw[key] if isinstance(raw[key], list) else [raw[key]]
            for tag in tags:
                if not isinstance(tag, str) or not tag:
                    ctx.error((*path, key), "wrong-type", "a tag is text", "标签应为文本")
                else:
                    effects.append(m.Effect("tag", name=tag))
    if "emit" in raw:
        emits = raw["emit"] if isinstance(raw["emit"], list) else [raw["emit"]]
        for i, e in enumerate(emits):
            epath = (*path, "emit", i) if isinstance(raw["emit"], list) else (*path, "emit")
            effect = _emit(ctx, e, epath, scope)
            if effect is not None:
                effects.append(effect)
    return effects


def _emit(ctx: Context, raw: Any, path: PathT, scope: Any) -> m.Effect | None:
    if isinstance(raw, str):
        return m.Effect("emit", name=raw)
    if not isinstance(raw, dict) or not ctx.check_keys(raw, path, ("action", "params"), ("action",)):
        if not isinstance(raw, dict):
            ctx.error(
                path,
                "wrong-type",
                "emit an action name or {action, params}",
                "emit 应为动作名或 {action, params}",
            )
        return None
    params: list[tuple[str, ir.Node]] = []
    for key, expr in (raw.get("params") or {}).items():
        node = ctx.expression(expr, (*path, "params", key), condition=False, scope=scope)
        if node is not None:
            params.append((str(key), node))
    return m.Effect("emit", name=str(raw["action"]), params=tuple(params))


# literals of table outputs and scorecard points --------------------------------------------------
def sane_number(ctx: Context, value: Any, path: PathT) -> bool:
    """Whether a YAML number fits the rule language (as a literal in an expression must); if not,
    a located error."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return True
    from loanfactory.rules._expr import MAX_DIGITS, MAX_INT

    number = Decimal(value)
    shape = number.as_tuple()
    if (
        number.copy_abs() <= MAX_INT
        and len(shape.digits) <= MAX_DIGITS
        and int(shape.exponent) >= -MAX_DIGITS
    ):
        return True
    ctx.error(
        path,
        "expr-too-large",
        f"the number {value} is too large or too long for a rule (at most {MAX_INT} in magnitude, "
        f"{MAX_DIGITS} digits)",
        f"规则中的数值 {value} 过大或位数过多",
    )
    return False


def literal(ctx: Context, value: Any, path: PathT, scope: Any) -> ir.Node | None:
    """A table output cell: a YAML literal, ``"0.5%"``, or ``"= expression"``."""
    if not sane_number(ctx, value, path):
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("="):
            return ctx.expression(text[1:].strip(), path, condition=False, scope=scope)
        if _PERCENT.match(text):
            return ir.Const(DECIMAL, (1, 0), Decimal(text[:-1]) / 100)
        return ir.Const(STR, (1, 0), value)
    if value is None or isinstance(value, bool | int | Decimal | date):
        return ir.Const(type_of_value(value), (1, 0), value)
    ctx.error(
        path,
        "wrong-type",
        "an output is a number, text, a percentage or '= expression'",
        "输出应为数字、文本、百分数或 '= 表达式'",
    )
    return None


def number(ctx: Context, value: Any, path: PathT) -> Any:
    if not sane_number(ctx, value, path):
        return None
    if isinstance(value, str) and _PERCENT.match(value.strip()):
        return Decimal(value.strip()[:-1]) / 100
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return value
    ctx.error(path, "wrong-type", "expected a number", "此处应为数字")
    return None


def cell(ctx: Context, raw: Any, subject: ir.Node, path: PathT, scope: Any) -> m.Cell | None:
    if not sane_number(ctx, raw, path):
        return None
    node, domain, errors = parse_unary(raw, subject, scope)
    ctx.place(errors, path)
    if node is None:
        return None
    return m.Cell(node, "-" if raw is None else str(raw), domain)


def subject_of(node: ir.Node, local: str) -> ir.Node:
    """What cells compare: the fact path itself, or a local computed once."""
    return node if isinstance(node, ir.Slot) else ir.Local(node.type, node.pos, local)
