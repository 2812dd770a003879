"""The node-by-node whitelist and type checker behind :func:`._expr.parse_expression`.

Each allowed ``ast`` node type has a method that checks it and returns the typed node of
:mod:`._ir`; any other node type is refused with a located error naming the construct. Calls
and generators are checked by :class:`._calls.CallChecker`, which this class extends.
"""

from __future__ import annotations

import ast
from decimal import Decimal, InvalidOperation

from loanfactory.errors import hint_for
from loanfactory.rules import _ir as ir
from loanfactory.rules._calls import CallChecker
from loanfactory.rules._expr import (
    _ARITH,
    _COMPARE,
    _FORBIDDEN,
    _OP_NAMES,
    MAX_DIGITS,
    MAX_INT,
    MAX_LIST,
    MAX_TEXT,
    QUESTION,
    ExprError,
    Scope,
    _fold,
    _join,
)
from loanfactory.rules._library import MAX_EXPONENT
from loanfactory.rules._temporal import PROPERTIES
from loanfactory.rules._types import (
    BOOL,
    DECIMAL,
    INT,
    NULL,
    STR,
    Type,
    arith_type,
    comparable,
    fields_of,
    type_of_value,
)

ORDERED = ("any", "date", "datetime", "time", "duration", "ym_duration")


class Checker(CallChecker):
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
            shape = number.as_tuple()
            if (
                not number.is_finite()
                or len(shape.digits) > MAX_DIGITS
                or int(shape.exponent) < -MAX_DIGITS
                or number.copy_abs() > MAX_INT  # copy_abs never rounds, so 1e999999999 cannot overflow
            ):
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
        if name == QUESTION:
            if self.scope.subject is None:
                self.fail(
                    node,
                    "expr-not-allowed",
                    "'?' stands for the input, only in a decision-table cell",
                    "'?' 表示输入值，只能用于决策表单元格",
                )
                return None
            return self.scope.subject
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
        if btype.kind == "record":
            return self._field(node, base, attr)
        if btype.kind == "any":  # a value of unknown kind (an undeclared record): read at run time
            return ir.Attr(Type("any", nullable=True), base.pos, base, attr)
        if btype.kind in PROPERTIES:
            known = PROPERTIES[btype.kind]
            if attr not in known:
                self._unknown_field(node, attr, btype.describe(), list(known))
                return None
            ptype = known[attr].maybe_missing() if btype.nullable else known[attr]
            return ir.Attr(ptype, base.pos, base, attr)
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

    def _field(self, node: ast.Attribute, base: ir.Node, attr: str) -> ir.Node | None:
        ftype = base.type.field(attr)
        if ftype is None:
            names = [n for n, _ in base.type.fields or ()]
            self._unknown_field(node, attr, "the record", names)
            return None
        return ir.Attr(ftype.maybe_missing() if base.type.nullable else ftype, base.pos, base, attr)

    def _unknown_field(self, node: ast.Attribute, attr: str, where: str, names: list[str]) -> None:
        at = (getattr(node, "end_lineno", 1) or 1, self._end_col(node) - len(attr))
        hint, hint_zh = hint_for(attr, names)
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

    def _Dict(self, node: ast.Dict) -> ir.Node | None:
        if len(node.keys) > MAX_LIST:
            self.fail(node, "expr-too-large", f"a record may hold at most {MAX_LIST} fields", "记录字段过多")
            return None
        fields: list[tuple[str, ir.Node]] = []
        for key, raw in zip(node.keys, node.values, strict=True):
            name = key.id if isinstance(key, ast.Name) else None  # FEEL style: {grade: "A"}
            if name is None or name.startswith("_") or name == QUESTION:
                self.fail(
                    key or node,
                    "expr-not-allowed",
                    'a record field is a name such as {grade: "A", rate: 4.5%}',
                    '记录的字段名应为名称，如 {grade: "A", rate: 4.5%}',
                )
                return None
            if any(name == n for n, _ in fields):
                self.fail(
                    key or node, "duplicate-key", f"field '{name}' is given twice", f"字段 '{name}' 重复"
                )
                return None
            value = self.convert(raw)
            if value is None:
                return None
            fields.append((name, value))
        rtype = Type("record", fields=tuple((n, v.type) for n, v in fields))
        return ir.Record(rtype, self.pos(node), tuple(fields))

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
            ok = (lt.numeric or lt.kind in ORDERED) and (rt.numeric or rt.kind in ORDERED)
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
        if not (operand.type.numeric or operand.type.kind in ("any", "duration", "ym_duration")):
            self.fail(
                node,
                "expr-type",
                f"a sign needs a number or a duration, got a {operand.type.describe()}",
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
        rtype = arith_type(op, left.type, right.type)
        if rtype is None:
            self.fail(
                node,
                "expr-type",
                f"cannot apply '{op}' to a {left.type.describe()} and a {right.type.describe()}",
                f"不能对 {left.type.describe()} 与 {right.type.describe()} 使用 '{op}'",
            )
            return None
        if op == "**" and isinstance(right, ir.Const) and abs(right.value) > MAX_EXPONENT:
            self.fail(
                node.right,
                "expr-too-large",
                f"the exponent must be within ±{MAX_EXPONENT}",
                f"指数须在 ±{MAX_EXPONENT} 以内",
            )
            return None
        foldable = (int, Decimal, str)
        if (
            isinstance(left, ir.Const)
            and isinstance(right, ir.Const)
            and type(left.value) in foldable
            and type(right.value) in foldable
        ):
            folded = _fold(op, left.value, right.value)
            if folded is None and (op == "**" or isinstance(left.value, str)):
                self.fail(
                    node, "expr-too-large", "the result is too large or not a number", "结果过大或无意义"
                )
                return None
            if folded is not None:
                return ir.Const(type_of_value(folded), self.pos(node), folded)
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
