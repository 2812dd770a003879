"""Reading FEEL (DMN's expression language) into rule expressions, for DMN import.

:func:`translate` turns a FEEL expression into the text of an equivalent rule expression, and
:func:`translate_tests` a FEEL unary-test cell into a decision-table cell; the result is then
checked like anything an author wrote. Names may contain spaces (``Applicant Age``,
``years and months duration``): the known names of the model and FEEL's built-in functions are
matched longest first. What has no counterpart in the rule language — ``for``/``some``/``every``
outside a function argument, list indexing, function literals, ``instance of`` — is a
:class:`FeelError` with the column where it starts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

MAX_FEEL = 4000

BUILTINS: dict[str, str] = {
    "date": "date",
    "time": "time",
    "date and time": "date_and_time",
    "duration": "duration",
    "years and months duration": "years_and_months_duration",
    "string length": "string_length",
    "upper case": "upper",
    "lower case": "lower",
    "substring": "substring",
    "substring before": "substring_before",
    "substring after": "substring_after",
    "contains": "contains",
    "starts with": "starts_with",
    "ends with": "ends_with",
    "string": "string",
    "count": "count",
    "min": "min",
    "max": "max",
    "sum": "sum",
    "mean": "mean",
    "median": "median",
    "product": "product",
    "all": "all",
    "any": "any",
    "sublist": "sublist",
    "append": "append",
    "concatenate": "concatenate",
    "distinct values": "distinct_values",
    "reverse": "reverse",
    "index of": "index_of",
    "union": "union",
    "list contains": "list_contains",
    "sort": "sort",
    "floor": "floor",
    "ceiling": "ceiling",
    "abs": "abs",
    "modulo": "modulo",
    "sqrt": "sqrt",
    "decimal": "decimal",
    "odd": "odd",
    "even": "even",
    "round half up": "round",
    "day of week": "day_of_week",
    "day of year": "day_of_year",
    "week of year": "week_of_year",
    "month of year": "month_of_year",
    "not": "not",
}
"""FEEL built-in functions and the rule-language function each becomes."""

_KEYWORDS = {"and", "or", "if", "then", "else", "in", "between", "true", "false", "null", "for", "return"}
_KEYWORDS |= {"some", "every", "satisfies", "instance", "of", "function"}
_SYMBOLS: tuple[str, ...] = ("**", "<=", ">=", "!=", "..", "=", "<", ">", "+", "-", "*", "/", "(", ")")
_SYMBOLS += ("[", "]", "{", "}", ",", ":", ".", "?")
_NUMBER = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_WORD = re.compile(r"[^\W\d][\w']*")


class FeelError(ValueError):
    """A FEEL expression that cannot be read or has no rule-language counterpart."""

    def __init__(self, message: str, column: int, message_zh: str) -> None:
        super().__init__(message)
        self.message = message
        self.column = column
        self.message_zh = message_zh


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "num" "str" "name" "kw" "sym" "end"
    text: str
    column: int


def tokens(text: str, names: list[str]) -> list[Token]:
    """FEEL tokens; ``names`` (longest first) are read as one name even with spaces in them."""
    if len(text) > MAX_FEEL:
        raise FeelError(f"the expression is longer than {MAX_FEEL} characters", 0, "表达式过长")
    out: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if text.startswith("//", i):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise FeelError("unclosed comment", i, "注释未结束")
            i = end + 2
            continue
        if ch == '"':
            j, parts = i + 1, []
            while j < len(text) and text[j] != '"':
                if text[j] == "\\" and j + 1 < len(text):
                    parts.append(text[j : j + 2])
                    j += 2
                    continue
                parts.append(text[j])
                j += 1
            if j >= len(text):
                raise FeelError("unclosed text", i, "文本缺少结束引号")
            try:
                value = json.loads('"' + "".join(parts) + '"')
            except ValueError:
                raise FeelError("a text has an unknown escape", i, "文本含未知的转义") from None
            out.append(Token("str", value, i))
            i = j + 1
            continue
        number = _NUMBER.match(text, i)
        if number:
            out.append(Token("num", number.group(), i))
            i = number.end()
            continue
        if ch.isalpha() or ch == "_":
            known = next((n for n in names if _name_at(text, i, n)), None)
            if known is not None:
                out.append(Token("name", known, i))
                i += len(known)
                continue
            word = _WORD.match(text, i)
            assert word is not None
            kind = "kw" if word.group() in _KEYWORDS else "name"
            out.append(Token(kind, word.group(), i))
            i = word.end()
            continue
        symbol = next((s for s in _SYMBOLS if text.startswith(s, i)), None)
        if symbol is None:
            raise FeelError(f"unexpected character '{ch}'", i, f"无法识别的字符 '{ch}'")
        out.append(Token("sym", symbol, i))
        i += len(symbol)
    out.append(Token("end", "", len(text)))
    return out


def _name_at(text: str, i: int, name: str) -> bool:
    if not text.startswith(name, i):
        return False
    after = i + len(name)
    return after >= len(text) or not (text[after].isalnum() or text[after] == "_")


Resolve = Callable[[str], str | None]
"""A model name -> its rule-language text (``vars.age``, ``applicant.age``), or None if unknown."""


class Parser:
    """A recursive-descent FEEL reader that writes rule-language text as it goes."""

    def __init__(self, text: str, resolve: Resolve, names: list[str]) -> None:
        self.toks = tokens(text, sorted({*names, *BUILTINS}, key=len, reverse=True))
        self.i = 0
        self.resolve = resolve
        self.locals: list[str] = []

    # plumbing ----------------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def take(self) -> Token:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def accept(self, text: str) -> bool:
        if self.tok.text == text and self.tok.kind in ("sym", "kw"):
            self.i += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            found = self.tok.text or "the end"
            raise FeelError(f"expected '{text}', found '{found}'", self.tok.column, f"此处应为 '{text}'")

    def unsupported(self, what: str, column: int) -> FeelError:
        return FeelError(
            f"{what} has no counterpart in loanfactory rules", column, f"{what} 无法转换为 loanfactory 规则"
        )

    # expressions -------------------------------------------------------------------------------
    def expression(self) -> str:
        tok = self.tok
        if tok.kind == "kw" and tok.text == "if":
            self.take()
            test = self.expression()
            self.expect("then")
            body = self.expression()
            self.expect("else")
            orelse = self.expression()
            return f"({body} if {test} else {orelse})"
        if tok.kind == "kw" and tok.text in ("some", "every"):
            self.take()
            var, source = self.binding("in")
            self.expect("satisfies")
            body = self.scoped(var, self.expression)
            return f"{'any' if tok.text == 'some' else 'all'}({body} for {var} in {source})"
        if tok.kind == "kw" and tok.text == "for":
            self.take()
            var, source = self.binding("in")
            self.expect("return")
            body = self.scoped(var, self.expression)
            return f"list({body} for {var} in {source})"
        if tok.kind == "kw" and tok.text == "function":
            raise self.unsupported("a function literal", tok.column)
        return self.disjunction()

    def binding(self, word: str) -> tuple[str, str]:
        name = self.take()
        if name.kind != "name" or not name.text.isidentifier():
            raise FeelError("expected a variable name", name.column, "此处应为变量名")
        self.expect(word)
        return name.text, self.disjunction()

    def scoped(self, var: str, read: Callable[[], str]) -> str:
        self.locals.append(var)
        try:
            return read()
        finally:
            self.locals.pop()

    def disjunction(self) -> str:
        left = self.conjunction()
        while self.accept("or"):
            left = f"({left} or {self.conjunction()})"
        return left

    def conjunction(self) -> str:
        left = self.comparison()
        while self.accept("and"):
            left = f"({left} and {self.comparison()})"
        return left

    def comparison(self) -> str:
        left = self.additive()
        tok = self.tok
        if tok.kind == "sym" and tok.text in ("=", "!=", "<", "<=", ">", ">="):
            self.take()
            right = self.additive()
            if right == "None" and tok.text in ("=", "!="):
                return f"({left} is {'not ' if tok.text == '!=' else ''}None)"
            return f"({left} {'==' if tok.text == '=' else tok.text} {right})"
        if tok.kind == "kw" and tok.text == "between":
            self.take()
            low = self.additive()
            self.expect("and")
            return f"({low} <= {left} <= {self.additive()})"
        if tok.kind == "kw" and tok.text == "in":
            self.take()
            return self.membership(left)
        if tok.kind == "kw" and tok.text == "instance":
            raise self.unsupported("'instance of'", tok.column)
        return left

    def membership(self, left: str) -> str:
        if self.tok.text == "(" and self.tok.kind == "sym":
            self.take()
            tests = [self.positive_test(left)]
            while self.accept(","):
                tests.append(self.positive_test(left))
            self.expect(")")
            return "(" + " or ".join(tests) + ")"
        return self.positive_test(left)

    def positive_test(self, subject: str) -> str:
        """A unary test applied to ``subject`` (used by ``x in ...``)."""
        tok = self.tok
        if tok.kind == "sym" and tok.text in ("<", "<=", ">", ">="):
            self.take()
            return f"({subject} {tok.text} {self.additive()})"
        interval = self.interval()
        if interval is not None:
            low, high, lo_closed, hi_closed = interval
            return f"({low} {'<=' if lo_closed else '<'} {subject} {'<=' if hi_closed else '<'} {high})"
        value = self.additive()
        if value.startswith("[") and value.endswith("]"):
            return f"({subject} in {value})"
        return f"({subject} == {value})"

    def interval(self) -> tuple[str, str, bool, bool] | None:
        tok = self.tok
        if not (tok.kind == "sym" and tok.text in ("[", "(", "]")):
            return None
        start = self.i
        self.take()
        try:
            low = self.additive()
            if not self.accept(".."):
                self.i = start
                return None
            high = self.additive()
        except FeelError:
            self.i = start
            return None
        close = self.take()
        if close.text not in ("]", ")", "["):
            raise FeelError("an interval ends with ']' or ')'", close.column, "区间应以 ']' 或 ')' 结束")
        return low, high, tok.text == "[", close.text == "]"

    def additive(self) -> str:
        left = self.multiplicative()
        while self.tok.kind == "sym" and self.tok.text in ("+", "-"):
            op = self.take().text
            left = f"({left} {op} {self.multiplicative()})"
        return left

    def multiplicative(self) -> str:
        left = self.power()
        while self.tok.kind == "sym" and self.tok.text in ("*", "/"):
            op = self.take().text
            left = f"({left} {op} {self.power()})"
        return left

    def power(self) -> str:
        left = self.unary()
        while self.accept("**"):
            left = f"({left} ** {self.unary()})"
        return left

    def unary(self) -> str:
        if self.accept("-"):
            return f"(-{self.unary()})"
        return self.postfix()

    def postfix(self) -> str:
        value = self.primary()
        while True:
            tok = self.tok
            if tok.kind == "sym" and tok.text == ".":
                self.take()
                name = self.take()
                if name.kind not in ("name", "kw"):
                    raise FeelError("expected a name after '.'", name.column, "'.' 之后应为名称")
                value = f"{value}.{field_name(name.text)}"
            elif tok.kind == "sym" and tok.text == "[":
                self.take()
                if self.tok.kind == "num":
                    raise self.unsupported("list indexing", tok.column)
                condition = self.scoped("item", self.expression)
                self.expect("]")
                value = f"list(item for item in {value} if {condition})"
            else:
                return value

    def primary(self) -> str:
        tok = self.take()
        if tok.kind == "num":
            return tok.text if not tok.text.startswith(".") else "0" + tok.text
        if tok.kind == "str":
            return json.dumps(tok.text, ensure_ascii=False)
        if tok.kind == "kw" and tok.text in ("true", "false", "null"):
            return {"true": "True", "false": "False", "null": "None"}[tok.text]
        if tok.kind == "sym" and tok.text == "(":
            inner = self.expression()
            self.expect(")")
            return inner
        if tok.kind == "sym" and tok.text == "[":
            items: list[str] = []
            if not self.accept("]"):
                items.append(self.expression())
                while self.accept(","):
                    items.append(self.expression())
                self.expect("]")
            return "[" + ", ".join(items) + "]"
        if tok.kind == "sym" and tok.text == "{":
            return self.context(tok)
        if tok.kind == "sym" and tok.text == "?":
            return "?"
        if tok.kind == "name":
            return self.name(tok)
        raise FeelError(f"unexpected '{tok.text or 'end'}'", tok.column, f"此处不应出现 '{tok.text}'")

    def context(self, start: Token) -> str:
        fields: list[str] = []
        if not self.accept("}"):
            while True:
                key = self.take()
                if key.kind not in ("name", "str", "kw"):
                    raise FeelError("expected a context key", key.column, "此处应为上下文键名")
                self.expect(":")
                fields.append(f"{field_name(key.text)}: {self.expression()}")
                if not self.accept(","):
                    break
            self.expect("}")
        return "{" + ", ".join(fields) + "}"

    def name(self, tok: Token) -> str:
        if self.tok.kind == "sym" and self.tok.text == "(":
            self.take()
            args: list[str] = []
            if not self.accept(")"):
                args.append(self.argument())
                while self.accept(","):
                    args.append(self.argument())
                self.expect(")")
            return self.call(tok, args)
        if tok.text in self.locals:
            return tok.text
        if self.locals and self.locals[-1] == "item":
            return f"item.{field_name(tok.text)}"  # a filter: a bare name is a field of the item
        resolved = self.resolve(tok.text)
        if resolved is None:
            raise FeelError(f"unknown name '{tok.text}'", tok.column, f"未知的名称 '{tok.text}'")
        return resolved

    def argument(self) -> str:
        if self.tok.kind == "name" and self.toks[self.i + 1].text == ":":
            raise self.unsupported("a named argument", self.tok.column)
        return self.expression()

    def call(self, tok: Token, args: list[str]) -> str:
        builtin = BUILTINS.get(tok.text)
        if builtin == "not":
            return "(not " + " or ".join(args) + ")" if len(args) == 1 else f"(not ({' or '.join(args)}))"
        if builtin == "round" and len(args) == 1:
            args = [args[0], "0"]
        if builtin is None:
            resolved = self.resolve(tok.text)
            if resolved is None or not resolved.isidentifier():
                raise FeelError(f"unknown function '{tok.text}'", tok.column, f"未知的函数 '{tok.text}'")
            builtin = resolved
        if len(args) == 1 and args[0].startswith("list(") and builtin in _GENERATOR_TAKERS:
            return f"{builtin}{args[0][4:]}"  # sum(list(x for x in xs)) -> sum(x for x in xs)
        return f"{builtin}({', '.join(args)})"


_GENERATOR_TAKERS = {"sum", "min", "max", "count", "mean", "median", "product", "any", "all", "sort"}


def field_name(text: str) -> str:
    """A FEEL name as a rule-language field or variable name."""
    if text.isidentifier() and text.isascii() and not text.startswith("_"):
        return text
    return snake(text)


def snake(text: str) -> str:
    """``Pre-bureau Risk Category`` -> ``pre_bureau_risk_category``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text)
    out = re.sub(r"[^0-9A-Za-z]+", "_", spaced).strip("_").lower()
    if not out or not out[0].isalpha():
        out = "v_" + out
    return out


def translate(text: str, resolve: Resolve, names: list[str]) -> str:
    """A FEEL expression as rule-language text."""
    parser = Parser(text, resolve, names)
    out = parser.expression()
    if parser.tok.kind != "end":
        tok = parser.tok
        raise FeelError(f"unexpected '{tok.text}'", tok.column, f"此处不应出现 '{tok.text}'")
    return out


def translate_tests(text: str, resolve: Resolve, names: list[str]) -> str:
    """A FEEL unary-test cell as a decision-table cell (``-``, ``< 18``, ``[1..5]``, ``"A", "B"``,
    ``not(...)``, or an expression with ``?``)."""
    stripped = text.strip()
    if stripped in ("", "-"):
        return "-"
    parser = Parser(stripped, resolve, names)
    negated = False
    if parser.tok.kind == "name" and parser.tok.text == "not" and parser.toks[1].text == "(":
        parser.take()
        parser.take()
        negated = True
    parts = [_one_test(parser)]
    while parser.accept(","):
        parts.append(_one_test(parser))
    if negated:
        parser.expect(")")
    if parser.tok.kind != "end":
        tok = parser.tok
        raise FeelError(f"unexpected '{tok.text}'", tok.column, f"此处不应出现 '{tok.text}'")
    joined = ", ".join(parts)
    return f"not({joined})" if negated else joined


def _one_test(parser: Parser) -> str:
    tok = parser.tok
    if tok.kind == "sym" and tok.text in ("<", "<=", ">", ">="):
        parser.take()
        return f"{tok.text} {parser.additive()}"
    interval = parser.interval()
    if interval is not None:
        low, high, lo_closed, hi_closed = interval
        return f"{'[' if lo_closed else '('}{low}..{high}{']' if hi_closed else ')'}"
    return parser.expression()
