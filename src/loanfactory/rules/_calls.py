"""Checking calls (函数调用): library functions, the rule file's own functions, generators.

Literal arguments of ``date``/``time``/``date_and_time``/``duration`` are read at load time, so a
mistyped date is a located error; the same functions with computed arguments give a missing
value at run time for text that is not a date. A call of a rule-file function (DMN business
knowledge model) checks the number and kinds of its arguments against the parameters.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from loanfactory.errors import hint_for
from loanfactory.rules import _ir as ir
from loanfactory.rules._expr import ExprError, Scope
from loanfactory.rules._library import FUNCTIONS, MAX_ROUND_DIGITS
from loanfactory.rules._temporal import parse_duration, to_date, to_datetime, to_time
from loanfactory.rules._types import Type, type_of_value

_LITERALS: dict[str, Callable[..., Any]] = {
    "date": to_date,
    "time": to_time,
    "date_and_time": to_datetime,
    "duration": parse_duration,
}
_MAY_BE_MISSING = frozenset(
    {
        *_LITERALS,
        "substring",
        "sqrt",
        "modulo",
        "decimal",
        "odd",
        "even",
        "sort",
        "append",
        "concatenate",
        "union",
        "sublist",
        "mean",
        "median",
        "product",
        "list",
        "string",
        "years_and_months_duration",
    }
)
"""Functions whose result may be missing even when every argument is present."""


def assignable(param: Type, arg: Type) -> bool:
    """Whether a value of type ``arg`` may be passed for a parameter of type ``param``."""
    if "any" in (param.kind, arg.kind) or arg.kind == "null":
        return True
    if param.numeric and arg.numeric:
        return True
    return param.kind == arg.kind


class CallChecker:
    """Call and generator checks, mixed into :class:`._checker.Checker`."""

    scope: Scope
    errors: list[ExprError]

    def fail(
        self,
        node: ast.AST,
        code: str,
        message: str,
        message_zh: str | None = None,
        hint: tuple[str | None, str | None] = (None, None),
    ) -> None:
        raise NotImplementedError

    def convert(self, node: ast.AST) -> ir.Node | None:
        raise NotImplementedError

    def pos(self, node: ast.AST) -> ir.Pos:
        raise NotImplementedError

    def _Call(self, node: ast.Call) -> ir.Node | None:
        if not isinstance(node.func, ast.Name):
            self.fail(
                node,
                "expr-not-allowed",
                "only library functions may be called (min, max, round, ...)",
                "只能调用函数库中的函数",
            )
            return None
        name = node.func.id
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            self.fail(
                node, "expr-not-allowed", f"{name}() takes plain arguments only", f"{name}() 只接受普通参数"
            )
            return None
        user = self.scope.functions.get(name)
        if user is not None and not name.startswith("_"):
            return self._invoke(user, node)
        function = FUNCTIONS.get(name)
        if function is None or name.startswith("_"):
            self.fail(
                node,
                "expr-unknown-function",
                f"unknown function '{name}'",
                f"未知的函数 '{name}'",
                hint_for(name, [*FUNCTIONS, *self.scope.functions]),
            )
            return None
        low, high = function.arity
        if not (low <= len(node.args) and (high < 0 or len(node.args) <= high)):
            self.fail(
                node,
                "expr-arity",
                f"{name}() takes {low}{'+' if high < 0 else '' if low == high else f'-{high}'} "
                f"arguments, got {len(node.args)}",
                f"{name}() 参数个数不对",
            )
            return None
        if len(node.args) == 1 and isinstance(node.args[0], ast.GeneratorExp):
            return self._comprehension(name, node, node.args[0])
        args = [self.convert(a) for a in node.args]
        if any(a is None for a in args):
            return None
        return self._finish_call(name, node, tuple(a for a in args if a is not None))

    def _finish_call(self, name: str, node: ast.Call, args: tuple[ir.Node, ...]) -> ir.Node | None:
        function = FUNCTIONS[name]
        result = function.check([a.type for a in args])
        if isinstance(result, str):
            self.fail(node, "expr-type", f"{name}() {result}", f"{name}() 参数类型不对")
            return None
        pos = self.pos(node)
        if name in _LITERALS:
            return self._literal(name, node, args)
        if name == "lpr" and isinstance(args[0], ir.Const) and args[0].value not in ("1y", "5y+"):
            self.fail(
                node, "unknown-choice", "the LPR tenor is '1y' or '5y+'", "LPR 期限只能是 '1y' 或 '5y+'"
            )
            return None
        if (
            name == "round"
            and len(args) == 2
            and not (isinstance(args[1], ir.Const) and 0 <= args[1].value <= MAX_ROUND_DIGITS)
        ):
            self.fail(
                node,
                "expr-type",
                f"round() digits must be a whole number 0-{MAX_ROUND_DIGITS}",
                f"round() 的位数必须是 0-{MAX_ROUND_DIGITS} 的整数",
            )
            return None
        if (function.strict and any(a.type.nullable for a in args)) or name in _MAY_BE_MISSING:
            result = result.maybe_missing()
        return ir.Call(result, pos, name, args)

    def _literal(self, name: str, node: ast.Call, args: tuple[ir.Node, ...]) -> ir.Node | None:
        """``date("2025-05-20")`` and friends: read once, at load time, when written literally."""
        if all(isinstance(a, ir.Const) for a in args):
            values: list[Any] = [a.value for a in args if isinstance(a, ir.Const)]
            value = _LITERALS[name](*values)
            if value is None:
                shown = ", ".join(repr(v) for v in values)
                self.fail(
                    node,
                    "expr-type",
                    f"{name}({shown}) is not a valid {name.replace('_', ' ')}",
                    f"{name}({shown}) 不是有效的值",
                )
                return None
            return ir.Const(type_of_value(value), self.pos(node), value)
        if name == "duration":
            self.fail(
                node,
                "expr-type",
                "duration() takes a literal such as duration('P1Y6M'); for a computed number of days "
                "write n * duration('P1D')",
                "duration() 只接受字面量；天数可写作 n * duration('P1D')",
            )
            return None
        result = FUNCTIONS[name].check([a.type for a in args])
        assert not isinstance(result, str)
        return ir.Call(result.maybe_missing(), self.pos(node), name, args)

    def _invoke(self, function: ir.UserFunction, node: ast.Call) -> ir.Node | None:
        name = function.name
        if len(node.args) != len(function.params):
            self.fail(
                node,
                "expr-arity",
                f"{name}() takes {len(function.params)} arguments "
                f"({', '.join(p for p, _ in function.params)}), got {len(node.args)}",
                f"{name}() 需要 {len(function.params)} 个参数，实际 {len(node.args)} 个",
            )
            return None
        args: list[ir.Node] = []
        for raw, (param, ptype) in zip(node.args, function.params, strict=True):
            arg = self.convert(raw)
            if arg is None:
                return None
            if not assignable(ptype, arg.type):
                self.fail(
                    raw,
                    "expr-type",
                    f"{name}() parameter '{param}' is a {ptype.describe()}, got a {arg.type.describe()}",
                    f"{name}() 的参数 '{param}' 应为 {ptype.describe()}",
                )
                return None
            args.append(arg)
        return ir.Invoke(function.result.maybe_missing(), self.pos(node), function, tuple(args))

    def _comprehension(self, name: str, call: ast.Call, gen: ast.GeneratorExp) -> ir.Node | None:
        if not FUNCTIONS[name].generator or len(gen.generators) != 1:
            takes = ", ".join(n for n, f in FUNCTIONS.items() if f.generator)
            self.fail(
                gen,
                "expr-not-allowed",
                f"a generator is allowed only as the single argument of {takes}, with one 'for'",
                f"生成器只能作为 {takes} 的唯一参数",
            )
            return None
        comp = gen.generators[0]
        if comp.is_async or len(comp.ifs) > 1 or not isinstance(comp.target, ast.Name):
            self.fail(
                gen,
                "expr-not-allowed",
                "use one 'for name in list' and at most one 'if'",
                "只能有一个 'for 名称 in 列表' 和至多一个 'if'",
            )
            return None
        var = comp.target.id
        taken = var in self.scope.roots or var in self.scope.locals or var in self.scope.functions
        if var.startswith("_") or taken or var == "vars" or not var.isascii():
            self.fail(
                comp.target,
                "expr-forbidden-name",
                f"'{var}' cannot be a loop variable",
                f"'{var}' 不能作为循环变量",
            )
            return None
        iterable = self.convert(comp.iter)
        if iterable is None:
            return None
        if iterable.type.kind != "list" or iterable.type.item is None:
            self.fail(
                comp.iter,
                "expr-type",
                f"'for ... in' needs a list, got a {iterable.type.describe()}",
                "'for ... in' 后必须是列表",
            )
            return None
        outer = dict(self.scope.locals)
        self.scope.locals[var] = iterable.type.item
        try:
            element = self.convert(gen.elt)
            cond = self.convert(comp.ifs[0]) if comp.ifs else None
        finally:
            self.scope.locals = outer
        if element is None or (comp.ifs and cond is None):
            return None
        if cond is not None and cond.type.kind not in ("bool", "any"):
            self.fail(
                comp.ifs[0],
                "expr-type",
                "the 'if' of a generator must be a condition",
                "生成器的 if 必须是条件",
            )
            return None
        result = FUNCTIONS[name].check([Type("list", item=element.type)])
        if isinstance(result, str):
            self.fail(call, "expr-type", f"{name}() {result}", f"{name}() 参数类型不对")
            return None
        if name in _MAY_BE_MISSING:
            result = result.maybe_missing()
        return ir.Comp(result, self.pos(call), name, element, var, iterable, cond)
