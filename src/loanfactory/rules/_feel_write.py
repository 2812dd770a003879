"""Writing checked rule expressions as FEEL, for DMN export.

The printer works on the typed form (:mod:`._ir`), so every construct has one FEEL spelling:
library functions by their FEEL names (``upper`` -> ``upper case``), those FEEL lacks by an
equivalent (``age_on(b, d)`` -> ``years and months duration(b, d).years``), generators as
``some``/``every``/``for``. A function with no FEEL equivalent (``lpr``) is a
:class:`~._feel.FeelError`.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from loanfactory.rules import _ir as ir
from loanfactory.rules._feel import BUILTINS, FeelError
from loanfactory.rules._temporal import YearsMonths, duration_text

_FEEL_NAMES = {ours: feel for feel, ours in BUILTINS.items() if ours != "not"}
_FEEL_NAMES.update({"ceil": "ceiling", "startswith": "starts with", "round": "round half up"})
_OPS = {"==": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def literal(value: Any) -> str:
    """A constant in FEEL."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value.normalize() if value == value.to_integral_value() else value, "f")
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime):
        return f'date and time("{value.isoformat()}")'
    if isinstance(value, date):
        return f'date("{value.isoformat()}")'
    if isinstance(value, time):
        return f'time("{value.isoformat()}")'
    if isinstance(value, timedelta):
        return f'duration("{duration_text(value)}")'
    if isinstance(value, YearsMonths):
        return f'duration("{value.isoformat()}")'
    if isinstance(value, tuple | list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    raise FeelError(f"the value {value!r} has no FEEL form", 0, "该值无法写成 FEEL")


class Printer:
    """FEEL text of typed expressions; ``subject`` (a table input) prints as ``?``, ``names`` maps
    loop variables (``item`` inside a filter)."""

    def __init__(self, subject: ir.Node | None = None) -> None:
        self.subject = subject
        self.names: dict[str, str] = {}

    def __call__(self, node: ir.Node) -> str:
        return self.value(node)

    def value(self, node: ir.Node) -> str:
        if self.subject is not None and _same(node, self.subject):
            return "?"
        if isinstance(node, ir.Const):
            return literal(node.value)
        if isinstance(node, ir.Slot):
            return node.dotted
        if isinstance(node, ir.Var):
            return node.name
        if isinstance(node, ir.Local):
            return self.names.get(node.name, node.name)
        if isinstance(node, ir.Attr):
            return f"{self.value(node.base)}.{node.name}"
        if isinstance(node, ir.Compare):
            return self.compare(node)
        if isinstance(node, ir.IsNone):
            return f"({self.value(node.operand)} {'!=' if node.negated else '='} null)"
        if isinstance(node, ir.BoolOp):
            return "(" + f" {node.op} ".join(self.value(v) for v in node.values) + ")"
        if isinstance(node, ir.Not):
            return f"not({self.value(node.operand)})"
        if isinstance(node, ir.Arith):
            return f"({self.value(node.left)} {node.op} {self.value(node.right)})"
        if isinstance(node, ir.Neg):
            return f"(-{self.value(node.operand)})"
        if isinstance(node, ir.IfExp):
            return f"(if {self.value(node.test)} then {self.value(node.body)} else {self.value(node.orelse)})"
        if isinstance(node, ir.ListOf):
            return "[" + ", ".join(self.value(i) for i in node.items) + "]"
        if isinstance(node, ir.Record):
            return "{" + ", ".join(f"{k}: {self.value(v)}" for k, v in node.fields) + "}"
        if isinstance(node, ir.Invoke):
            return f"{node.function.name}({', '.join(self.value(a) for a in node.args)})"
        if isinstance(node, ir.Call):
            return self.call(node)
        if isinstance(node, ir.Comp):
            return self.comp(node)
        raise FeelError(f"{type(node).__name__} has no FEEL form", 0, "该表达式无法写成 FEEL")

    def compare(self, node: ir.Compare) -> str:
        parts: list[str] = []
        for a, op, b in zip(node.operands, node.ops, node.operands[1:], strict=False):
            if op in ("in", "notin"):
                test = f"list contains({self.value(b)}, {self.value(a)})"
                parts.append(test if op == "in" else f"not({test})")
            else:
                parts.append(f"({self.value(a)} {_OPS[op]} {self.value(b)})")
        return parts[0] if len(parts) == 1 else "(" + " and ".join(parts) + ")"

    def call(self, node: ir.Call) -> str:
        name, args = node.name, [self.value(a) for a in node.args]
        if name == "days_between":
            return f"({args[1]} - {args[0]}).days"
        if name == "age_on":
            return f"years and months duration({args[0]}, {args[1]}).years"
        if name == "months_between":
            span = f"years and months duration({args[0]}, {args[1]})"
            return f"({span}.years * 12 + {span}.months)"
        if name == "coalesce":
            out = args[-1]
            for arg in reversed(args[:-1]):
                out = f"(if {arg} != null then {arg} else {out})"
            return out
        if name == "len":
            feel = "string length" if node.args[0].type.kind == "str" else "count"
            return f"{feel}({args[0]})"
        if name == "round" and len(args) == 1:
            args.append("0")
        if name == "list" and len(args) == 1:
            return args[0]
        found = _FEEL_NAMES.get(name)
        if found is None:
            raise FeelError(
                f"{name}() has no DMN (FEEL) equivalent", node.pos[1], f"{name}() 没有对应的 FEEL 函数"
            )
        return f"{found}({', '.join(args)})"

    def comp(self, node: ir.Comp) -> str:
        source = self.value(node.iterable)
        outer = dict(self.names)
        if node.cond is not None:
            self.names[node.var] = "item"
            source = f"{source}[{self.value(node.cond)}]"
        self.names[node.var] = node.var
        try:
            element = self.value(node.element)
        finally:
            self.names = outer
        if node.func in ("any", "all"):
            word = "some" if node.func == "any" else "every"
            return f"({word} {node.var} in {source} satisfies {element})"
        listed = f"for {node.var} in {source} return {element}"
        if node.func == "list":
            return f"({listed})"
        return f"{_FEEL_NAMES[node.func]}({listed})"


def _same(a: ir.Node, b: ir.Node) -> bool:
    if isinstance(a, ir.Slot) and isinstance(b, ir.Slot):
        return a.path == b.path
    if isinstance(a, ir.Local) and isinstance(b, ir.Local):
        return a.name == b.name
    return a is b


def unary_tests(test: ir.Node, subject: ir.Node) -> str:
    """A decision-table cell (the condition on ``subject``) as FEEL unary tests."""
    if isinstance(test, ir.Const) and test.value is True:
        return "-"
    simple = _simple(test, subject)
    if simple is not None:
        return simple
    if isinstance(test, ir.Not):
        inner = _simple(test.operand, subject)
        if inner is not None:
            return f"not({inner})"
    return Printer(subject).value(test)


def _simple(test: ir.Node, subject: ir.Node) -> str | None:
    """Positive unary tests (``< 5``, ``[1..5]``, ``"A", "B"``, ``null``) or None."""
    printer = Printer(subject)
    if isinstance(test, ir.BoolOp) and test.op == "or":
        parts = [_simple(v, subject) for v in test.values]
        return None if any(p is None for p in parts) else ", ".join(p for p in parts if p is not None)
    if isinstance(test, ir.IsNone) and _same(test.operand, subject) and not test.negated:
        return "null"
    if not isinstance(test, ir.Compare):
        return None
    ops, operands = test.ops, test.operands
    if len(ops) == 1 and _same(operands[0], subject):
        other = operands[1]
        if _mentions(other, subject):
            return None
        if ops[0] == "==":
            return printer.value(other)
        if ops[0] == "in" and isinstance(other, ir.ListOf):
            return ", ".join(printer.value(i) for i in other.items)
        if ops[0] in ("<", "<=", ">", ">="):
            return f"{ops[0]} {printer.value(other)}"
        return None
    if len(ops) == 2 and _same(operands[1], subject) and all(o in ("<", "<=") for o in ops):
        if _mentions(operands[0], subject) or _mentions(operands[2], subject):
            return None
        low, high = printer.value(operands[0]), printer.value(operands[2])
        return f"{'[' if ops[0] == '<=' else '('}{low}..{high}{']' if ops[1] == '<=' else ')'}"
    return None


def _mentions(node: ir.Node, subject: ir.Node) -> bool:
    return any(_same(n, subject) for n in ir.walk(node))
