"""DMN unary tests in decision-table cells and scorecard bins (单元格条件).

A cell tests one input value. Forms (``,`` means "or"):

- ``-`` (or empty): any value, including a missing one;
- ``>= 0.55``, ``< 18``, ``= "A"``, ``!= "A"``: a comparison with a literal or an expression;
- ``[18..60]``, ``(0..1]``, ``]0..1]``, ``[700..750)``: ranges, brackets saying closed or open;
- ``"A","B"``, ``A, B``, ``750``: equal to one of the values (bare words are text);
- a list value (``vars.allowed_regions``, ``["BJ", "SH"]``): the input is one of its items;
- ``null`` / ``None``: the input is missing;
- an expression with ``?`` standing for the input (DMN 1.2+): ``? > 5 and ? < 10``,
  ``"id_card" in ?``, ``count(?) >= 2``;
- ``not(<tests>)``: none of the tests.

Each cell becomes an ordinary condition over the input (so both engines evaluate it like any
other rule) and, where its operands are literals, a :class:`Domain` used to find overlapping rows
and gaps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from loanfactory.rules import _ir as ir
from loanfactory.rules._expr import ExprError, Scope, parse_expression
from loanfactory.rules._types import BOOL, Type

_OPS = ("<=", ">=", "!=", "==", "<", ">", "=")
_BARE = re.compile(r"^[^\W\d][\w\-]*$|^[\u4e00-\u9fff][\w\u4e00-\u9fff\-]*$")
_RANGE = re.compile(r"^([\[\(\]])(.*)\.\.(.*)([\]\)\[])$", re.S)


@dataclass(frozen=True, slots=True)
class Interval:
    """A numeric (or date-ordinal) interval; ``None`` ends are unbounded."""

    low: Decimal | None
    high: Decimal | None
    low_closed: bool = True
    high_closed: bool = True

    def contains(self, x: Decimal) -> bool:
        if self.low is not None and (x < self.low or (x == self.low and not self.low_closed)):
            return False
        return not (self.high is not None and (x > self.high or (x == self.high and not self.high_closed)))


@dataclass(frozen=True, slots=True)
class Domain:
    """The values a cell accepts: ``any``, a union of intervals, or a (co-)finite set of values."""

    kind: str  # "any" | "intervals" | "not" (outside the intervals) | "set"
    intervals: tuple[Interval, ...] = ()
    values: frozenset[Any] = frozenset()
    complement: bool = False

    def contains(self, x: Any) -> bool:
        if self.kind == "any":
            return True
        if self.kind in ("intervals", "not"):
            inside = any(i.contains(x) for i in self.intervals)
            return inside if self.kind == "intervals" else not inside
        return (x in self.values) != self.complement


ANY_DOMAIN = Domain("any")


def ordinal(value: Any) -> Any:
    """Dates compare as day numbers in domains, durations as microseconds (days and time) or
    months (years and months), times of day as seconds; a date and time has no domain (None)."""
    from loanfactory.rules._temporal import YearsMonths

    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return Decimal(value.toordinal())
    if isinstance(value, timedelta):
        return Decimal(value // timedelta(microseconds=1))
    if isinstance(value, YearsMonths):
        return Decimal(value.months)
    if isinstance(value, time):
        return None if value.tzinfo else Decimal(value.hour * 3600 + value.minute * 60 + value.second)
    return value


def parse_unary(
    cell: Any, subject: ir.Node, scope: Scope
) -> tuple[ir.Node | None, Domain | None, list[ExprError]]:
    """The condition a cell stands for over ``subject``, its domain (or None), and errors."""
    pos = subject.pos
    if cell is None or (isinstance(cell, str) and cell.strip() in ("", "-")):
        return ir.Const(BOOL, pos, True), ANY_DOMAIN, []
    if isinstance(cell, bool | int | Decimal | date):
        const = _literal(cell, pos)
        return ir.Compare(BOOL, pos, ("==",), (subject, const)), _set_or_point(subject.type, [cell]), []
    if not isinstance(cell, str):
        return (
            None,
            None,
            [
                ExprError(
                    "bad-cell",
                    f"a cell must be text or a number, got {type(cell).__name__}",
                    message_zh="单元格必须是文本或数字",
                )
            ],
        )
    text = cell.strip()
    match = re.fullmatch(r"not\s*\((.*)\)", text, re.S)
    if match:
        inner, domain, problems = parse_unary(match.group(1), subject, scope)
        if inner is None:
            return None, None, problems
        negated = None if domain is None else _complement(domain)
        return ir.Not(BOOL, pos, inner), negated, problems
    parts = _split(text)
    tests: list[ir.Node] = []
    domains: list[Domain | None] = []
    errors: list[ExprError] = []
    equals: list[ir.Node] = []
    for part in parts:
        node, domain, problems = _one(part, subject, scope)
        errors.extend(problems)
        if node is None:
            continue
        if isinstance(node, ir.Compare) and node.ops == ("==",) and isinstance(node.operands[1], ir.Const):
            equals.append(node.operands[1])
        else:
            tests.append(node)
        domains.append(domain)
    if errors:
        return None, None, errors
    if len(equals) > 1:
        item = equals[0].type
        tests.insert(
            0,
            ir.Compare(BOOL, pos, ("in",), (subject, ir.ListOf(Type("list", item=item), pos, tuple(equals)))),
        )
    elif equals:
        tests.insert(0, ir.Compare(BOOL, pos, ("==",), (subject, equals[0])))
    node = tests[0] if len(tests) == 1 else ir.BoolOp(BOOL, pos, "or", tuple(tests))
    return node, _union(domains), []


def _split(text: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    quote: str | None = None
    current = ""
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]" and depth > 0:
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        current += ch
    parts.append(current.strip())
    return [p for p in parts if p != ""]


def _one(part: str, subject: ir.Node, scope: Scope) -> tuple[ir.Node | None, Domain | None, list[ExprError]]:
    pos = subject.pos
    if _has_question(part):
        inner = Scope(scope.roots, scope.vars, dict(scope.locals), scope.functions, subject)
        node, errors = parse_expression(part, inner, condition=True)
        return node, None, errors
    if part in ("null", "None"):
        return ir.IsNone(BOOL, pos, subject, False), None, []
    rng = _RANGE.match(part)
    if rng and ".." in part:
        low, lerr = _operand(rng.group(2).strip(), subject, scope)
        high, herr = _operand(rng.group(3).strip(), subject, scope)
        if low is None or high is None:
            return None, None, lerr + herr
        low_closed, high_closed = rng.group(1) == "[", rng.group(4) == "]"
        node = ir.Compare(
            BOOL, pos, ("<=" if low_closed else "<", "<=" if high_closed else "<"), (low, subject, high)
        )
        return node, _interval(low, high, low_closed, high_closed), []
    for op in _OPS:
        if part.startswith(op):
            operand, errors = _operand(part[len(op) :].strip(), subject, scope)
            if operand is None:
                return None, None, errors
            pyop = "==" if op == "=" else op
            return _test(pyop, subject, operand)
    operand, errors = _operand(part, subject, scope)
    if operand is None:
        return None, None, errors
    return _test("==", subject, operand)


def _test(
    op: str, subject: ir.Node, operand: ir.Node
) -> tuple[ir.Node | None, Domain | None, list[ExprError]]:
    """``subject <op> operand``; a list operand means membership, a null one missing."""
    pos = subject.pos
    if op in ("==", "!=") and isinstance(operand, ir.Const) and operand.value is None:
        return ir.IsNone(BOOL, pos, subject, op == "!="), None, []
    if op in ("==", "!=") and operand.type.kind == "list" and subject.type.kind != "list":
        node = ir.Compare(BOOL, pos, ("in" if op == "==" else "notin",), (subject, operand))
        return node, None, []
    if operand.type.kind == "list" and subject.type.kind != "list":
        return (
            None,
            None,
            [
                ExprError(
                    "expr-type", f"'{op}' cannot compare with a list", message_zh=f"'{op}' 不能与列表比较"
                )
            ],
        )
    node = ir.Compare(BOOL, pos, (op,), (subject, operand))
    return node, _domain_of(op, operand, subject.type), []


def _has_question(text: str) -> bool:
    quote: str | None = None
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "?":
            return True
    return False


def _operand(text: str, subject: ir.Node, scope: Scope) -> tuple[ir.Node | None, list[ExprError]]:
    if subject.type.kind == "str" and _BARE.match(text) and text not in ("true", "false", "None"):
        node: ir.Node | None = ir.Const(Type("str"), subject.pos, text)
    else:
        node, errors = parse_expression(text, scope, condition=False)
        if node is None:
            return None, errors
    assert node is not None
    compared = node.type.item if node.type.kind == "list" and subject.type.kind != "list" else node.type
    compared = compared or node.type
    kinds = (compared.kind, subject.type.kind)
    numeric = compared.numeric and subject.type.numeric
    if not numeric and "any" not in kinds and "null" not in kinds and kinds[0] != kinds[1]:
        return None, [
            ExprError(
                "expr-type",
                f"the cell compares a {subject.type.describe()} with a {node.type.describe()}",
                message_zh="单元格的比较对象类型不一致",
            )
        ]
    choices = subject.type.choices
    if choices and isinstance(node, ir.Const) and isinstance(node.value, str) and node.value not in choices:
        from loanfactory.errors import hint_for

        hint, hint_zh = hint_for(node.value, choices)
        return None, [
            ExprError(
                "unknown-choice",
                f"'{node.value}' is not one of {', '.join(choices)}",
                hint=hint,
                message_zh=f"'{node.value}' 不是可选值之一",
                hint_zh=hint_zh,
            )
        ]
    return node, []


def _literal(value: Any, pos: ir.Pos) -> ir.Const:
    from loanfactory.rules._types import type_of_value

    return ir.Const(type_of_value(value), pos, value)


def _number(node: ir.Node) -> Decimal | None:
    if isinstance(node, ir.Const) and not isinstance(node.value, bool | str) and node.value is not None:
        found = ordinal(node.value)
        return Decimal(found) if isinstance(found, int | Decimal) else None
    return None


def _interval(low: ir.Node, high: ir.Node, low_closed: bool, high_closed: bool) -> Domain | None:
    lo, hi = _number(low), _number(high)
    if lo is None or hi is None:
        return None
    return Domain("intervals", (Interval(lo, hi, low_closed, high_closed),))


def _domain_of(op: str, operand: ir.Node, subject: Type) -> Domain | None:
    if not isinstance(operand, ir.Const):
        return None
    if subject.kind in ("str", "bool"):
        if op == "==":
            return Domain("set", values=frozenset([operand.value]))
        if op == "!=":
            return Domain("set", values=frozenset([operand.value]), complement=True)
        return None
    x = _number(operand)
    if x is None:
        return None
    table = {
        "<": Interval(None, x, True, False),
        "<=": Interval(None, x, True, True),
        ">": Interval(x, None, False, True),
        ">=": Interval(x, None, True, True),
        "==": Interval(x, x, True, True),
    }
    if op == "!=":
        return Domain("intervals", (Interval(None, x, True, False), Interval(x, None, False, True)))
    return Domain("intervals", (table[op],))


def _set_or_point(subject: Type, values: list[Any]) -> Domain | None:
    if subject.kind in ("str", "bool"):
        return Domain("set", values=frozenset(values))
    found = [ordinal(v) for v in values if not isinstance(v, bool | str)]
    if any(p is None for p in found):
        return None
    points = [Decimal(p) for p in found]
    return Domain("intervals", tuple(Interval(p, p) for p in points)) if points else None


def _union(domains: list[Domain | None]) -> Domain | None:
    if any(d is None for d in domains):
        return None
    kept = [d for d in domains if d is not None]
    if any(d.kind == "any" for d in kept):
        return ANY_DOMAIN
    if all(d.kind == "intervals" for d in kept):
        return Domain("intervals", tuple(i for d in kept for i in d.intervals))
    if all(d.kind == "set" for d in kept):
        if any(d.complement for d in kept):
            return None
        return Domain("set", values=frozenset(v for d in kept for v in d.values))
    return None


def _complement(domain: Domain) -> Domain | None:
    if domain.kind == "set":
        return Domain("set", values=domain.values, complement=not domain.complement)
    return None if domain.kind == "any" else Domain("not", intervals=domain.intervals)
