"""The node-by-node whitelist and type checker behind :func:`._expr.parse_expression`.

Each allowed ``ast`` node type has a method that checks it and returns the typed node of
:mod:`._ir`; any other node type is refused with a located error naming the construct.
"""

from __future__ import annotations

import ast
from datetime import date
from decimal import Decimal, InvalidOperation

from loanfactory.errors import hint_for
from loanfactory.rules import _ir as ir
from loanfactory.rules._expr import (
    _ARITH,
    _COMPARE,
    _FORBIDDEN,
    _OP_NAMES,
    MAX_DIGITS,
    MAX_INT,
    MAX_LIST,
    MAX_TEXT,
    ExprError,
    Scope,
    _fold,
    _join,
)
from loanfactory.rules._library import FUNCTIONS, MAX_ROUND_DIGITS
from loanfactory.rules._types import (
    BOOL,
    DATE,
    DECIMAL,
    INT,
    NULL,
    STR,
    Type,
    comparable,
    fields_of,
    numeric_result,
)


class Checker:
    def __init__(self, source: str, scope: Scope, percents: set[tuple[int, int]]) -> None:
        self.source = source
        self.lines = source.splitlines() or [""]
        self.scope = scope
        self.percents = percents
        self.errors: list[ExprError] = []

    # positions -------------------------------------------------------------------------------
    def pos(self, node: ast.AST) -> ir.Pos:
        line = getattr(node, "lineno", 1)
        col = getattr(node, "col_offset", 0)
        raw = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return line, len(raw.encode("utf-8")[:col].decode("utf-8", errors="ignore"))

    def fail(
        self,
        node: ast.AST,
        code: str,
        message: str,
        message_zh: str | None = None,
        hint: tuple[str | None, str | None] = (None, None),
    ) -> None:
        self.errors.append(ExprError(code, message, self.pos(node), hint[0], message_zh, hint[1]))

    # conversion ------------------------------------------------------------------------------
    def convert(self, node: ast.AST) -> ir.Node | None:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            name = type(node).__name__
            what = _FORBIDDEN.get(name, name)
            self.fail(
                node,
                "expr-not-allowed",
                f"{what} is not allowed in rule expressions",
                f"规则表达式不允许使用 {what}",
            )
            return None
        result: ir.Node | None = method(node)
        return result

    def _Constant(self, node: ast.Constant) -> ir.Node | None:
        value = node.value
        pos = self.pos(node)
        if value is None:
            return ir.Const(NULL, pos, None)
        if isinstance(value, bool):
            return ir.Const(BOOL, pos, value)
        if isinstance(value, int):
            if abs(value) > MAX_INT:
                self.fail(node, "expr-too-large", "the number is too large", "数值过大")
                return None
            return ir.Const(INT, pos, value)
        if isinstance(value, float | complex):
            segment = ast.get_source_segment(self.source, node) or ""
            percent = (
                isinstance(value, complex)
                and (node.end_lineno or 0, self._end_col(node) - 1) in self.percents
            )
            if isinstance(value, complex) and not percent:
                self.fail(node, "expr-not-allowed", "imaginary numbers are not allowed", "不允许使用虚数")
                return None
            try:
                number = Decimal(segment.rstrip("jJ").replace("_", ""))
            except InvalidOperation:
                self.fail(node, "expr-syntax", f"'{segment}' is not a number", f"'{segment}' 不是数字")
                return None
            if not number.is_finite() or len(number.as_tuple().digits) > MAX_DIGITS or abs(number) > MAX_INT:
                self.fail(node, "expr-too-large", "the number is too large or too long", "数值过大或位数过多")
                return None
            return ir.Const(DECIMAL, pos, number / 100 if percent else number)
        if isinstance(value, str):
            if len(value) > MAX_TEXT:
                self.fail(node, "expr-too-large", f"text longer than {MAX_TEXT} characters", "文本过长")
                return None
            return ir.Const(STR, pos, value)
        self.fail(
            node, "expr-not-allowed", f"{type(value).__name__} literals are not allowed", "不允许的字面量"
        )
        return None

    def _end_col(self, node: ast.AST) -> int:
        line = getattr(node, "end_lineno", 1) or 1
        col = getattr(node, "end_col_offset", 0) or 0
        raw = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return len(raw.encode("utf-8")[:col].decode("utf-8", errors="ignore"))

    def _Name(self, node: ast.Name) -> ir.Node | None:
        name = node.id
        pos = self.pos(node)
        if name.startswith("_"):
            self.fail(
                node,
                "expr-forbidden-name",
                f"names beginning with '_' are not allowed ('{name}')",
                f"不允许使用以 '_' 开头的名称（'{name}'）",
            )
            return None
        if name in self.scope.locals:
            return ir.Local(self.scope.locals[name], pos, name)
        if name == "vars":
            self.fail(
                node,
                "expr-unknown-name",
                "write vars.<name> to read a value set by an earlier rule",
                "读取前序规则设置的值请写 vars.<名称>",
            )
            return None
        if name in self.scope.roots:
            return ir.Slot(self.scope.roots[name], pos, (name,))
        choices = [*self.scope.roots, *self.scope.locals, "vars"]
        self.fail(
            node,
            "expr-unknown-name",
            f"unknown name '{name}'",
            f"未知的名称 '{name}'",
            hint_for(name, choices),
        )
        return None

    def _Attribute(self, node: ast.Attribute) -> ir.Node | None:
        attr = node.attr
        if attr.startswith("_"):
            self.fail(
                node,
                "expr-forbidden-name",
                f"names beginning with '_' are not allowed ('{attr}')",
                f"不允许使用以 '_' 开头的名称（'{attr}'）",
            )
            return None
        if isinstance(node.value, ast.Name) and node.value.id == "vars" and "vars" not in self.scope.locals:
            if attr in self.scope.vars:
                return ir.Var(self.scope.vars[attr].maybe_missing(), self.pos(node), attr)
            self.fail(
                node,
                "expr-unknown-var",
                f"unknown value vars.{attr}: no earlier rule sets '{attr}'",
                f"未知的变量 vars.{attr}：前序规则没有设置 '{attr}'",
                hint_for(attr, list(self.scope.vars)),
            )
            return None
        base = self.convert(node.value)
        if base is None:
            return None
        btype = base.type
        if btype.kind == "model" and btype.model is not None:
            fields = fields_of(btype.model)
            if attr not in fields:
                where = base.dotted if isinstance(base, ir.Slot) else btype.model.__name__
                at = (getattr(node, "end_lineno", 1) or 1, self._end_col(node) - len(attr))
                hint, hint_zh = hint_for(attr, list(fields))
                self.errors.append(
                    ExprError(
                        "unknown-field",
                        f"unknown field '{attr}' of {where}",
                        at,
                        hint,
                        f"{where} 没有字段 '{attr}'",
                        hint_zh,
                    )
                )
                return None
            ftype = fields[attr].maybe_missing() if btype.nullable else fields[attr]
            if isinstance(base, ir.Slot):
                return ir.Slot(ftype, base.pos, (*base.path, attr))
            return ir.Attr(ftype, base.pos, base, attr)
        if btype.kind == "list":
            self.fail(
                node,
                "expr-type",
                f"'{ast.unparse(node.value)}' is a list; use "
                f"any(x.{attr} ... for x in {ast.unparse(node.value)})",
                f"'{ast.unparse(node.value)}' 是列表，请用 any(x.{attr} ... for x in ...)",
            )
            return None
        self.fail(
            node,
            "expr-type",
            f"a {btype.describe()} has no field '{attr}'",
            f"{btype.describe()} 没有字段 '{attr}'",
        )
        return None

    def _Compare(self, node: ast.Compare) -> ir.Node | None:
        pos = self.pos(node)
        ops_raw = [type(op) for op in node.ops]
        if any(op in (ast.Is, ast.IsNot) for op in ops_raw):
            right = node.comparators[0]
            if len(ops_raw) != 1 or not (isinstance(right, ast.Constant) and right.value is None):
                self.fail(
                    node,
                    "expr-not-allowed",
                    "'is' is only allowed as 'is None' / 'is not None'",
                    "'is' 只能用于 'is None' / 'is not None'",
                )
                return None
            operand = self.convert(node.left)
            return None if operand is None else ir.IsNone(BOOL, pos, operand, ops_raw[0] is ast.IsNot)
        if len(ops_raw) > 1 and any(op in (ast.In, ast.NotIn) for op in ops_raw):
            self.fail(node, "expr-not-allowed", "'in' cannot be chained", "'in' 不能链式使用")
            return None
        parts = [self.convert(x) for x in [node.left, *node.comparators]]
        if any(p is None for p in parts):
            return None
        operands = tuple(p for p in parts if p is not None)
        ops = tuple(_COMPARE[op] for op in ops_raw)
        for i, op in enumerate(ops):
            if not self._check_pair(node, op, operands[i], operands[i + 1]):
                return None
        return ir.Compare(BOOL, pos, ops, operands)

    def _check_pair(self, node: ast.AST, op: str, left: ir.Node, right: ir.Node) -> bool:
        lt, rt = left.type, right.type
        if op in ("in", "notin"):
            if rt.kind not in ("list", "any") or (rt.item is None and rt.kind == "list"):
                self.fail(
                    node,
                    "expr-type",
                    f"'in' needs a list on the right, got a {rt.describe()}",
                    "'in' 右侧必须是列表",
                )
                return False
            item = rt.item if rt.item is not None else Type("any", nullable=True)
            if not comparable(lt, item):
                self.fail(
                    node,
                    "expr-type",
                    f"cannot look for a {lt.describe()} in a list of {item.describe()}",
                    f"不能在 {item.describe()} 列表中查找 {lt.describe()}",
                )
                return False
            items = right.items if isinstance(right, ir.ListOf) else ()
            return all(self._check_choice(node, left, i) for i in items)
        if op in ("<", "<=", ">", ">="):
            ok = (lt.numeric or lt.kind in ("any", "date", "datetime")) and (
                rt.numeric or rt.kind in ("any", "date", "datetime")
            )
            if not ok or not comparable(lt, rt):
                self.fail(
                    node,
                    "expr-type",
                    f"cannot order a {lt.describe()} and a {rt.describe()} with '{op}'",
                    f"不能用 '{op}' 比较 {lt.describe()} 与 {rt.describe()}",
                )
                return False
            return True
        if not comparable(lt, rt):
            self.fail(
                node,
                "expr-type",
                f"cannot compare a {lt.describe()} with a {rt.describe()}",
                f"不能比较 {lt.describe()} 与 {rt.describe()}",
            )
            return False
        return self._check_choice(node, left, right) and self._check_choice(node, right, left)

    def _check_choice(self, node: ast.AST, field_node: ir.Node, literal: ir.Node) -> bool:
        choices = field_node.type.choices
        if choices is None or not isinstance(literal, ir.Const) or not isinstance(literal.value, str):
            return True
        if literal.value in choices:
            return True
        self.fail(
            node,
            "unknown-choice",
            f"'{literal.value}' is not one of {', '.join(choices)}",
            f"'{literal.value}' 不是可选值之一（{', '.join(choices)}）",
            hint_for(literal.value, choices),
        )
        return False

    def _BoolOp(self, node: ast.BoolOp) -> ir.Node | None:
        values = [self.convert(v) for v in node.values]
        if any(v is None for v in values):
            return None
        for raw, value in zip(node.values, values, strict=True):
            if value is not None and value.type.kind not in ("bool", "any"):
                self.fail(
                    raw,
                    "expr-type",
                    f"'and'/'or' need conditions, got a {value.type.describe()}",
                    "'and'/'or' 两侧必须是条件",
                )
                return None
        op = "and" if isinstance(node.op, ast.And) else "or"
        return ir.BoolOp(BOOL, self.pos(node), op, tuple(v for v in values if v is not None))

    def _UnaryOp(self, node: ast.UnaryOp) -> ir.Node | None:
        if isinstance(node.op, ast.Invert):
            self.fail(node, "expr-not-allowed", "'~' is not allowed", "不允许使用 '~'")
            return None
        operand = self.convert(node.operand)
        if operand is None:
            return None
        if isinstance(node.op, ast.Not):
            if operand.type.kind not in ("bool", "any"):
                self.fail(
                    node,
                    "expr-type",
                    f"'not' needs a condition, got a {operand.type.describe()}",
                    "'not' 后必须是条件",
                )
                return None
            return ir.Not(BOOL, self.pos(node), operand)
        if not (operand.type.numeric or operand.type.kind == "any"):
            self.fail(
                node,
                "expr-type",
                f"a sign needs a number, got a {operand.type.describe()}",
                "正负号只能用于数字",
            )
            return None
        if isinstance(node.op, ast.UAdd):
            return operand
        if isinstance(operand, ir.Const):
            return ir.Const(operand.type, self.pos(node), -operand.value)
        return ir.Neg(operand.type, self.pos(node), operand)

    def _BinOp(self, node: ast.BinOp) -> ir.Node | None:
        op = _ARITH.get(type(node.op))
        if op is None:
            what = _OP_NAMES.get(type(node.op).__name__, type(node.op).__name__)
            self.fail(
                node,
                "expr-not-allowed",
                f"{what} is not allowed (percentages are written 3.45%)",
                f"不允许使用 {what}（百分数写作 3.45%）",
            )
            return None
        left, right = self.convert(node.left), self.convert(node.right)
        if left is None or right is None:
            return None
        for side in (left, right):
            if not (side.type.numeric or side.type.kind == "any"):
                self.fail(
                    node,
                    "expr-type",
                    f"'{op}' needs numbers, got a {side.type.describe()}",
                    f"'{op}' 只能用于数字",
                )
                return None
        rtype = numeric_result(left.type, right.type)
        if op == "/":
            rtype = DECIMAL.maybe_missing()
        if isinstance(left, ir.Const) and isinstance(right, ir.Const):
            folded = _fold(op, left.value, right.value)
            if folded is not None:
                return ir.Const(INT if isinstance(folded, int) else DECIMAL, self.pos(node), folded)
        return ir.Arith(rtype, self.pos(node), op, left, right)

    def _IfExp(self, node: ast.IfExp) -> ir.Node | None:
        test, body, orelse = self.convert(node.test), self.convert(node.body), self.convert(node.orelse)
        if test is None or body is None or orelse is None:
            return None
        if test.type.kind not in ("bool", "any"):
            self.fail(
                node.test,
                "expr-type",
                "the test of 'x if test else y' must be a condition",
                "条件表达式的判断必须是条件",
            )
            return None
        joined = _join(body.type, orelse.type)
        if joined is None:
            self.fail(
                node,
                "expr-type",
                f"both branches must be of one kind ({body.type.describe()} vs {orelse.type.describe()})",
                "条件表达式两个分支的类型必须一致",
            )
            return None
        return ir.IfExp(joined, self.pos(node), test, body, orelse)

    def _List(self, node: ast.List | ast.Tuple) -> ir.Node | None:
        if len(node.elts) > MAX_LIST:
            self.fail(
                node, "expr-too-large", f"a list may hold at most {MAX_LIST} items", f"列表最多 {MAX_LIST} 项"
            )
            return None
        items = [self.convert(e) for e in node.elts]
        if any(i is None for i in items):
            return None
        kept = tuple(i for i in items if i is not None)
        item_type: Type | None = kept[0].type if kept else Type("any", nullable=True)
        for i in kept[1:]:
            item_type = _join(item_type, i.type) if item_type is not None else None
        if item_type is None:
            self.fail(node, "expr-type", "the items of a list must be of one kind", "列表的各项类型必须一致")
            return None
        return ir.ListOf(Type("list", item=item_type), self.pos(node), kept)

    _Tuple = _List

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
        function = FUNCTIONS.get(name)
        if function is None or name.startswith("_"):
            self.fail(
                node,
                "expr-unknown-function",
                f"unknown function '{name}'",
                f"未知的函数 '{name}'",
                hint_for(name, list(FUNCTIONS)),
            )
            return None
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            self.fail(
                node, "expr-not-allowed", f"{name}() takes plain arguments only", f"{name}() 只接受普通参数"
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
        kept = tuple(a for a in args if a is not None)
        return self._finish_call(name, node, kept)

    def _finish_call(self, name: str, node: ast.Call, args: tuple[ir.Node, ...]) -> ir.Node | None:
        function = FUNCTIONS[name]
        result = function.check([a.type for a in args])
        if isinstance(result, str):
            self.fail(node, "expr-type", f"{name}() {result}", f"{name}() 参数类型不对")
            return None
        pos = self.pos(node)
        if name == "date":
            return self._date_literal(node, args[0])
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
        if function.strict and any(a.type.nullable for a in args):
            result = result.maybe_missing()
        return ir.Call(result, pos, name, args)

    def _date_literal(self, node: ast.AST, arg: ir.Node) -> ir.Node | None:
        if not isinstance(arg, ir.Const):
            self.fail(
                node, "expr-type", "date() takes a literal such as date('2025-05-20')", "date() 只接受字面量"
            )
            return None
        try:
            return ir.Const(DATE, self.pos(node), date.fromisoformat(arg.value))
        except ValueError:
            self.fail(node, "expr-type", f"'{arg.value}' is not a date YYYY-MM-DD", f"'{arg.value}' 不是日期")
            return None

    def _comprehension(self, name: str, call: ast.Call, gen: ast.GeneratorExp) -> ir.Node | None:
        if name not in ("any", "all", "sum", "min", "max") or len(gen.generators) != 1:
            self.fail(
                gen,
                "expr-not-allowed",
                "a generator is allowed only as the single argument of any/all/sum/min/max, with one 'for'",
                "生成器只能作为 any/all/sum/min/max 的唯一参数",
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
        if var.startswith("_") or var in self.scope.roots or var == "vars":
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
        return ir.Comp(result, self.pos(call), name, element, var, iterable, cond)
