"""Rule expressions: a safe, typed subset of Python expression syntax.

Text is parsed with :mod:`ast` (never ``eval``-ed), every node is checked against a whitelist,
names and fields are resolved against the fact models (did-you-mean on a typo), types are checked,
and the result is the typed form of :mod:`._ir`, which the engines compile once.

Allowed: literals (whole numbers, decimals ``0.55``, percentages ``3.45%``, text, true/false,
``None``, lists, records ``{grade: "A", spread: 0.5%}``), fact paths (``applicant.age``),
``vars.<name>``, comparisons and chains (``18 <= applicant.age <= 60``), ``in`` / ``not in``,
``is None`` / ``is not None``, ``and``/``or``/``not``, ``+ - * /`` and ``**`` (bounded exponent),
text joined with ``+``, date/time/duration arithmetic, properties (``as_of.year``,
``d.days``), ``x if c else y``, calls to the function library and to the rule file's own
functions, and generator expressions inside ``any``/``all``/``sum``/``min``/``max``/``count``/
``sort``/``list`` .... Everything else — indexing, lambdas, comprehensions that build lists,
f-strings, ``%``, ``//``, bit operations, method calls, names beginning with ``_`` — is refused
with a located error.
"""

from __future__ import annotations

import ast
import io
import itertools
import tokenize
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from loanfactory.rules import _ir as ir
from loanfactory.rules._types import (
    DECIMAL,
    INT,
    STR,
    Type,
)

MAX_CHARS = 2000
MAX_NODES = 400
MAX_INT = 10**18
MAX_DIGITS = 30
MAX_TEXT = 1000
MAX_LIST = 1000

_COMPARE = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "notin",
}
_ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_FORBIDDEN = {
    "Subscript": "indexing ([...])",
    "Lambda": "lambda",
    "NamedExpr": "':='",
    "ListComp": "list comprehensions",
    "SetComp": "set comprehensions",
    "DictComp": "dict comprehensions",
    "Set": "set literals",
    "JoinedStr": "f-strings",
    "FormattedValue": "f-strings",
    "Starred": "'*' unpacking",
    "Await": "await",
    "Yield": "yield",
    "YieldFrom": "yield",
    "Slice": "slices",
}
_OP_NAMES = {
    "Mod": "'%' as modulo",
    "FloorDiv": "'//'",
    "BitAnd": "'&'",
    "BitOr": "'|'",
    "BitXor": "'^'",
    "LShift": "'<<'",
    "RShift": "'>>'",
    "MatMult": "'@'",
    "Invert": "'~'",
}


@dataclass(frozen=True, slots=True)
class ExprError:
    """A problem in an expression, at ``pos`` (line 1-based, column 0-based) within its text."""

    code: str
    message: str
    pos: ir.Pos = (1, 0)
    hint: str | None = None
    message_zh: str | None = None
    hint_zh: str | None = None


QUESTION = "\u0294"
"""What ``?`` (the input of a decision-table cell, as in DMN) is read as: one letter, so that
positions in the text do not move."""


@dataclass(slots=True)
class Scope:
    """What names mean: fact roots, known ``vars``, loop variables and function parameters,
    the rule file's functions, and the input a table cell tests (``?``)."""

    roots: Mapping[str, Type]
    vars: Mapping[str, Type]
    locals: dict[str, Type] = field(default_factory=dict)
    functions: Mapping[str, ir.UserFunction] = field(default_factory=dict)
    subject: ir.Node | None = None


def parse_expression(text: str, scope: Scope, *, condition: bool) -> tuple[ir.Node | None, list[ExprError]]:
    """The typed form of ``text``, or the errors that stop it. ``condition`` requires true/false."""
    if not isinstance(text, str) or not text.strip():
        return None, [ExprError("expr-empty", "the expression is empty", message_zh="表达式为空")]
    if len(text) > MAX_CHARS:
        return None, [
            ExprError(
                "expr-too-large",
                f"the expression is longer than {MAX_CHARS} characters",
                message_zh=f"表达式超过 {MAX_CHARS} 个字符",
            )
        ]
    source, percents = _mark_percentages(_mark_question(text))
    try:
        tree = ast.parse(source.strip("\n"), mode="eval")
    except SyntaxError as exc:
        pos = (exc.lineno or 1, max((exc.offset or 1) - 1, 0))
        return None, [
            ExprError("expr-syntax", f"syntax error: {exc.msg}", pos, message_zh=f"语法错误：{exc.msg}")
        ]
    except (ValueError, RecursionError, MemoryError):
        return None, [
            ExprError("expr-syntax", "the expression cannot be parsed", message_zh="表达式无法解析")
        ]
    count = sum(1 for _ in ast.walk(tree))
    if count > MAX_NODES:
        return None, [
            ExprError(
                "expr-too-large",
                f"the expression has more than {MAX_NODES} parts; split it",
                message_zh=f"表达式超过 {MAX_NODES} 个节点，请拆分",
            )
        ]
    from loanfactory.rules._checker import Checker

    checker = Checker(source.strip("\n"), scope, percents)
    try:
        node = checker.convert(tree.body)
    except RecursionError:
        return None, [
            ExprError("expr-too-large", "the expression is nested too deeply", message_zh="表达式嵌套过深")
        ]
    if node is not None and condition and node.type.kind not in ("bool", "any"):
        checker.fail(
            tree.body,
            "expr-not-condition",
            f"a condition must be true or false, but this is a {node.type.describe()}",
            "条件必须是真或假",
        )
        return None, checker.errors
    return (node if not checker.errors else None), checker.errors


def _mark_question(text: str) -> str:
    """``?`` outside quoted text -> :data:`QUESTION`, an identifier of the same length."""
    if "?" not in text:
        return text
    out: list[str] = []
    quote: str | None = None
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "?":
            ch = QUESTION
        out.append(ch)
    return "".join(out)


def _mark_percentages(text: str) -> tuple[str, set[tuple[int, int]]]:
    """``3.45%`` -> ``3.45j`` (same length, so positions hold); returns the marked positions."""
    lines = text.splitlines(keepends=True)
    marks: set[tuple[int, int]] = set()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return text, marks
    for prev, tok in itertools.pairwise(tokens):
        if prev.type == tokenize.NUMBER and tok.string == "%" and prev.end == tok.start:
            line, col = tok.start
            if "j" in prev.string.lower():
                continue
            lines[line - 1] = lines[line - 1][:col] + "j" + lines[line - 1][col + 1 :]
            marks.add((line, col))
    return "".join(lines), marks


def _join(a: Type, b: Type) -> Type | None:
    if a.kind == "null":
        return b.maybe_missing()
    if b.kind == "null":
        return a.maybe_missing()
    if a.numeric and b.numeric:
        merged = INT if a.kind == b.kind == "int" else DECIMAL
        return merged.maybe_missing() if a.nullable or b.nullable else merged
    if a.kind == "any" or b.kind == "any":
        return Type("any", nullable=True)
    if a.kind != b.kind:
        return None
    if a.kind == "str":
        return STR.maybe_missing() if a.nullable or b.nullable else STR
    return a.maybe_missing() if b.nullable else a


def _fold(op: str, a: Any, b: Any) -> Any:
    if op == "**":
        from loanfactory.rules._library import power

        return power(a, b)
    if isinstance(a, str) or isinstance(b, str):
        return a + b if len(a) + len(b) <= MAX_TEXT else None
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        result = a * b
        return result if abs(result) <= MAX_INT else None
    if b == 0:
        return None
    return Decimal(a) / Decimal(b)
