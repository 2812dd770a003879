"""Python source for typed expressions (used by both engines' generated functions).

Semantics that the generated code implements, and that the durable translation matches:

- a comparison that reads a missing value (``None``) is false, ``!=`` included;
- arithmetic and library calls with a missing argument give a missing value; ``x / 0`` is missing;
- a true/false field that is missing counts as false; ``not`` is plain negation;
- dates and times with and without a time zone never compare (false), out-of-range date
  arithmetic is missing; text and lists past their size bounds are missing;
- a rule-file function is a generated Python function of its own (``_fn_<name>``).

Guards are emitted only where the checker says a value may be missing, so the common case is
plain Python.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from loanfactory.rules import _ir as ir
from loanfactory.rules._library import FUNCTIONS
from loanfactory.rules._types import TEMPORAL

_PY_OPS = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "==", "!=": "!=", "in": "in", "notin": "not in"}


class PyEmitter:
    """Turns nodes into Python expressions; constants go into the namespace ``ns``."""

    def __init__(
        self,
        slot: Callable[[str], str],
        var: Callable[[str], str],
        ns: dict[str, Any],
        invoke: Callable[[ir.UserFunction], str] | None = None,
    ) -> None:
        self.slot = slot
        self.var = var
        self.ns = ns
        self.invoke = invoke
        self._tmp = itertools.count()
        self._consts: dict[tuple[type, Any], str] = {}

    def temp(self) -> str:
        return f"_t{next(self._tmp)}"

    def const(self, value: Any) -> str:
        if value is None or type(value) in (bool, int, str):
            return repr(value)
        key = (type(value), value)
        name = self._consts.get(key)
        if name is None:
            name = f"_k{len(self.ns)}"
            self.ns[name] = value
            self._consts[key] = name
        return name

    # values ------------------------------------------------------------------------------------
    def value(self, node: ir.Node) -> str:
        if isinstance(node, ir.Const):
            return self.const(node.value)
        if isinstance(node, ir.Slot):
            return self.slot(node.dotted)
        if isinstance(node, ir.Var):
            return self.var(node.name)
        if isinstance(node, ir.Local):
            return f"_l_{node.name}"
        if isinstance(node, ir.Attr):
            base = self.value(node.base)
            kind = node.base.type.kind
            if kind in ("record", "any"):
                return f"_field({base}, {node.name!r})"
            if kind != "model":
                return self._property(node, base)
            if node.base.type.nullable:
                t = self.temp()
                return f"(None if ({t} := {base}) is None else {t}.{node.name})"
            return f"{base}.{node.name}"
        if isinstance(node, ir.Arith):
            return self._arith(node)
        if isinstance(node, ir.Record):
            return "{" + ", ".join(f"{k!r}: {self.value(v)}" for k, v in node.fields) + "}"
        if isinstance(node, ir.Invoke):
            if self.invoke is None:
                raise ValueError(f"no code for the function {node.function.name}")
            return f"{self.invoke(node.function)}({', '.join(self.value(a) for a in node.args)})"
        if isinstance(node, ir.Neg):
            return self._guarded([node.operand], lambda a: f"(-{a[0]})")
        if isinstance(node, ir.IfExp):
            return f"({self.value(node.body)} if {self.cond(node.test)} else {self.value(node.orelse)})"
        if isinstance(node, ir.ListOf):
            if ir.is_constant(node):
                return self.const(tuple(i.value for i in node.items if isinstance(i, ir.Const)))
            return "(" + "".join(self.value(i) + ", " for i in node.items) + ")"
        if isinstance(node, ir.Call):
            return self._call(node)
        if isinstance(node, ir.Comp):
            return self._comp(node)
        return self.cond(node)

    def _property(self, node: ir.Attr, base: str) -> str:
        """``as_of.year``, ``d.years``: plain attribute reads where Python's meaning is FEEL's."""
        kind, name = node.base.type.kind, node.name
        if kind == "duration":  # signed components: the helper
            return f"_prop({base}, {name!r})"
        read = {"weekday": ".isoweekday()", "months": ".month_part"}.get(name, f".{name}")
        if kind != "ym_duration" and name == "months":
            read = ".month"
        if not node.base.type.nullable:
            return f"{base}{read}"
        t = self.temp()
        return f"(None if ({t} := {base}) is None else {t}{read})"

    def _arith(self, node: ir.Arith) -> str:
        left, right = self.value(node.left), self.value(node.right)
        kinds = {node.left.type.kind, node.right.type.kind}
        if node.op == "**":
            return f"_pow({left}, {right})"
        if node.op == "-" and node.left.type.kind == node.right.type.kind == "date":  # never fails
            return self._guarded([node.left, node.right], lambda a: f"({a[0]} - {a[1]})")
        if (
            kinds & set(TEMPORAL)
            or node.type.kind in TEMPORAL
            or (node.type.kind == "any" and "any" in kinds)
        ):
            helper = {"+": "_tadd", "-": "_tsub", "*": "_tmul", "/": "_tdiv"}[node.op]
            return f"{helper}({left}, {right})"
        if "str" in kinds:
            return f"_concat({left}, {right})"
        if node.op == "/":
            divisor = node.right
            if isinstance(divisor, ir.Const) and divisor.value and not isinstance(divisor.value, bool):
                constant = self.const(Decimal(divisor.value))  # int / Decimal and Decimal / Decimal: Decimal
                return self._guarded([node.left], lambda a: f"({a[0]} / {constant})")
            return f"_div({left}, {right})"
        return self._guarded([node.left, node.right], lambda a: f"({a[0]} {node.op} {a[1]})")

    def _guarded(self, args: list[ir.Node], build: Callable[[list[str]], str]) -> str:
        codes = [self.value(a) for a in args]
        checks: list[str] = []
        used: list[str] = []
        for arg, code in zip(args, codes, strict=True):
            if arg.type.nullable:
                if code.isidentifier():
                    checks.append(f"{code} is None")
                    used.append(code)
                else:
                    t = self.temp()
                    checks.append(f"({t} := {code}) is None")
                    used.append(t)
            else:
                used.append(code)
        body = build(used)
        if not checks:
            return body
        return f"(None if {' or '.join(checks)} else {body})"

    def _call(self, node: ir.Call) -> str:
        name = node.name
        if name in ("min", "max") and len(node.args) == 1:
            lst = self.value(node.args[0])
            return f"_{name}_of({lst} or ())"
        if name in ("any", "all", "sum"):
            lst = self.value(node.args[0])
            runtime = "_sum_of" if name == "sum" else name
            return f"{runtime}({lst} or ())"
        function = FUNCTIONS[name]
        if not function.strict:
            return f"{function.runtime}(" + ", ".join(self.value(a) for a in node.args) + ")"
        return self._guarded(list(node.args), lambda a: f"{function.runtime}({', '.join(a)})")

    def _comp(self, node: ir.Comp) -> str:
        iterable = self.value(node.iterable)
        if node.iterable.type.nullable:
            iterable = f"({iterable} or ())"
        element = self.cond(node.element) if node.func in ("any", "all") else self.value(node.element)
        cond = f" if {self.cond(node.cond)}" if node.cond is not None else ""
        runtime = {"any": "any", "all": "all", "sum": "_sum_of", "min": "_min_of", "max": "_max_of"}.get(
            node.func
        ) or FUNCTIONS[node.func].runtime
        return f"{runtime}({element} for _l_{node.var} in {iterable}{cond})"

    # conditions --------------------------------------------------------------------------------
    def cond(self, node: ir.Node) -> str:
        """A Python expression that is True or False (never raises on a missing value)."""
        if isinstance(node, ir.Compare):
            return self._compare(node)
        if isinstance(node, ir.IsNone):
            return f"({self.value(node.operand)} is {'not ' if node.negated else ''}None)"
        if isinstance(node, ir.BoolOp):
            return "(" + f" {node.op} ".join(self.cond(v) for v in node.values) + ")"
        if isinstance(node, ir.Not):
            return f"(not {self.cond(node.operand)})"
        if isinstance(node, ir.Const):
            return "True" if node.value is True else "False"
        if isinstance(node, ir.IfExp):
            return f"({self.cond(node.body)} if {self.cond(node.test)} else {self.cond(node.orelse)})"
        code = self.value(node)
        if node.type.nullable or node.type.kind == "any":
            return f"({code} is True)"
        return code

    def _compare(self, node: ir.Compare) -> str:
        if any(o.type.kind in ("datetime", "time") for o in node.operands):
            shown = [self.value(o) for o in node.operands]
            parts = [
                f"_tcmp({a}, {op!r}, {b})"
                for a, op, b in zip(shown, node.ops, shown[1:], strict=False)
                if op not in ("in", "notin")
            ]
            if len(parts) == len(node.ops):
                return "(" + " and ".join(parts) + ")"
        checks: list[str] = []
        codes: list[str] = []
        for i, operand in enumerate(node.operands):
            if (
                i > 0
                and node.ops[i - 1] in ("in", "notin")
                and isinstance(operand, ir.ListOf)
                and ir.is_constant(operand)
            ):
                values = [item.value for item in operand.items if isinstance(item, ir.Const)]
                codes.append(self.const(frozenset(values)))
                continue
            code = self.value(operand)
            if operand.type.nullable:
                if not code.isidentifier():
                    t = self.temp()
                    checks.append(f"({t} := {code}) is not None")
                    code = t
                else:
                    checks.append(f"{code} is not None")
            codes.append(code)
        chain = codes[0]
        for op, code in zip(node.ops, codes[1:], strict=True):
            chain += f" {_PY_OPS[op]} {code}"
        if not checks:
            return f"({chain})"
        return f"({' and '.join(checks)} and {chain})"
