"""Shared state of one load: the document, diagnostics, scope, and expression placement.

Expression errors are reported where the expression text is in the file: the position of the
YAML scalar plus the offset inside it (a quoted scalar starts one column later; a block scalar on
the following lines).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loanfactory.document import Document
from loanfactory.errors import Diagnostic, hint_for
from loanfactory.facts import Facts
from loanfactory.rules import _ir as ir
from loanfactory.rules._expr import ExprError, Scope, parse_expression
from loanfactory.rules._model import ReasonText, Where
from loanfactory.rules._types import (
    ANY,
    BOOL,
    DATE,
    DATETIME,
    DECIMAL,
    DURATION,
    INT,
    RECORD,
    STR,
    TIME,
    YM_DURATION,
    Type,
    fields_of,
)

PathT = tuple[str | int, ...]

VAR_TYPES: dict[str, Type] = {
    "int": INT,
    "integer": INT,
    "decimal": DECIMAL,
    "number": DECIMAL,
    "money": DECIMAL,
    "rate": DECIMAL,
    "str": STR,
    "text": STR,
    "bool": BOOL,
    "date": DATE,
    "datetime": DATETIME,
    "date_and_time": DATETIME,
    "time": TIME,
    "duration": DURATION,
    "days_and_time_duration": DURATION,
    "years_and_months_duration": YM_DURATION,
    "record": RECORD,
    "list": Type("list", item=ANY),
    "any": ANY,
}
"""Type names for ``vars:`` and function parameters; ``list of <type>`` is a list of that type."""


def var_type(text: str) -> Type | None:
    """The type a ``vars:`` or parameter declaration names, or None."""
    if text.startswith("list of "):
        item = VAR_TYPES.get(text[len("list of ") :].strip())
        return None if item is None else Type("list", item=item)
    return VAR_TYPES.get(text)


WELL_KNOWN_VARS: dict[str, Type] = {
    "score": DECIMAL,
    "grade": STR,
    "rate": DECIMAL,
    "spread": DECIMAL,
    "limit": DECIMAL,
}
"""Values every product flow may produce, readable as ``vars.<name>`` by any definition."""


def fact_roots() -> dict[str, Type]:
    return {name: t for name, t in fields_of(Facts).items() if name != "vars"}


@dataclass
class Context:
    document: Document
    diagnostics: list[Diagnostic] = field(default_factory=list)
    reasons: dict[str, ReasonText] = field(default_factory=dict)
    vars: dict[str, Type] = field(default_factory=lambda: dict(WELL_KNOWN_VARS))
    functions: dict[str, ir.UserFunction] = field(default_factory=dict)
    _lines: list[str] | None = None

    # diagnostics -------------------------------------------------------------------------------
    def error(
        self,
        path: PathT,
        code: str,
        message: str,
        message_zh: str | None = None,
        hint: tuple[str | None, str | None] = (None, None),
        *,
        key: bool = False,
        severity: str = "error",
    ) -> None:
        self.diagnostics.append(
            self.document.diagnostic(
                path,
                code,
                message,
                hint=hint[0],
                message_zh=message_zh,
                hint_zh=hint[1],
                key=key,
                severity=severity,
            )
        )

    def diagnostics_errors(self, since: int = 0) -> list[Diagnostic]:
        """Errors (not warnings) reported since index ``since``."""
        return [d for d in self.diagnostics[since:] if d.severity == "error"]

    def where(self, path: PathT) -> Where:
        from loanfactory.errors import format_path

        mark = self.document.mark(path)
        return Where(
            self.document.file, mark.line if mark else None, mark.column if mark else None, format_path(path)
        )

    def check_keys(
        self, data: Mapping[str, Any], path: PathT, allowed: Sequence[str], required: Sequence[str] = ()
    ) -> bool:
        ok = True
        for key in data:
            if key not in allowed:
                self.error(
                    (*path, key),
                    "unknown-key",
                    f"unknown key '{key}'",
                    f"未知的键 '{key}'",
                    hint_for(str(key), allowed),
                    key=True,
                )
                ok = False
        for key in required:
            if key not in data:
                self.error(path, "missing-key", f"'{key}' is required", f"缺少必填项 '{key}'")
                ok = False
        return ok

    # expressions -------------------------------------------------------------------------------
    def scope(self, extra_vars: Mapping[str, Type] | None = None) -> Scope:
        known = dict(self.vars)
        if extra_vars:
            known.update(extra_vars)
        return Scope(fact_roots(), known, functions=self.functions)

    def expression(
        self, text: Any, path: PathT, *, condition: bool, scope: Scope | None = None
    ) -> ir.Node | None:
        if isinstance(text, bool) and condition:
            return ir.Const(BOOL, (1, 0), text)
        if not isinstance(text, str):
            from loanfactory.rules._types import type_of_value

            if text is None or isinstance(text, list | dict):
                self.error(path, "expr-type", "expected an expression (text)", "此处应为表达式（文本）")
                return None
            value_type = type_of_value(text)
            if condition and value_type.kind != "bool":
                self.error(
                    path, "expr-not-condition", "a condition must be true or false", "条件必须是真或假"
                )
                return None
            return ir.Const(value_type, (1, 0), text)
        node, errors = parse_expression(text, scope or self.scope(), condition=condition)
        self.place(errors, path)
        return node

    def place(self, errors: Sequence[ExprError], path: PathT) -> None:
        """Report expression errors at their position in the file."""
        from loanfactory.errors import format_path

        mark = self.document.mark(path)
        for e in errors:
            line = column = None
            if mark is not None:
                line, column = self._locate(mark.line, mark.column, e.pos)
            self.diagnostics.append(
                Diagnostic(
                    e.code,
                    e.message,
                    file=self.document.file,
                    line=line,
                    column=column,
                    path=format_path(path),
                    hint=e.hint,
                    message_zh=e.message_zh,
                    hint_zh=e.hint_zh,
                )
            )

    def _locate(self, line: int, column: int, pos: ir.Pos) -> tuple[int, int]:
        text = self._text_lines()
        raw = text[line - 1] if text and 0 < line <= len(text) else ""
        start = raw[column - 1] if 0 < column <= len(raw) else ""
        if start and start in "|>":  # block scalar: the text starts on the next line
            body_line = line + pos[0]
            body = text[body_line - 1] if body_line <= len(text) else ""
            return body_line, len(body) - len(body.lstrip()) + pos[1] + 1
        if pos[0] > 1:
            return line + pos[0] - 1, pos[1] + 1
        shift = 1 if start and start in "\"'" else 0
        return line, column + shift + pos[1]

    def _text_lines(self) -> list[str]:
        if self._lines is None:
            try:
                self._lines = Path(self.document.file).read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError, ValueError):
                self._lines = []
        return self._lines

    # reasons -----------------------------------------------------------------------------------
    def reason(self, value: Any, path: PathT) -> ReasonText | None:
        """A reason from a code (looked up in the ``reasons`` catalogue) or ``{code, en, zh}``."""
        if isinstance(value, str):
            known = self.reasons.get(value)
            if known is not None:
                return known
            self.error(
                path,
                "unknown-reason",
                f"reason code '{value}' has no message in 'reasons'",
                f"原因码 '{value}' 没有在 reasons 中定义提示语",
                hint_for(value, list(self.reasons)),
                severity="warning",
            )
            return ReasonText(value, value, value)
        if isinstance(value, dict):
            if not self.check_keys(value, path, ("code", "en", "zh"), ("code",)):
                return None
            code = str(value["code"])
            base = self.reasons.get(code)
            en = str(value.get("en") or (base.message if base else code))
            zh = str(value.get("zh") or (base.message_zh if base else en))
            return ReasonText(code, en, zh)
        self.error(
            path, "bad-reason", "a reason is a code or {code, en, zh}", "原因应为原因码或 {code, en, zh}"
        )
        return None

    def load_reasons(self, data: Any, path: PathT) -> None:
        if data is None:
            return
        if not isinstance(data, dict):
            self.error(
                path,
                "wrong-type",
                "'reasons' maps codes to {en, zh} messages",
                "reasons 应为 原因码 -> {en, zh}",
            )
            return
        for code, text in data.items():
            where = (*path, code)
            if isinstance(text, str):
                self.reasons[str(code)] = ReasonText(str(code), text, text)
            elif isinstance(text, dict) and self.check_keys(text, where, ("en", "zh"), ("en",)):
                self.reasons[str(code)] = ReasonText(
                    str(code), str(text["en"]), str(text.get("zh") or text["en"])
                )
            elif not isinstance(text, dict):
                self.error(
                    where,
                    "wrong-type",
                    "a reason message is text or {en, zh}",
                    "原因提示语应为文本或 {en, zh}",
                )

    def declared_vars(self, data: Any, path: PathT) -> dict[str, Type]:
        out: dict[str, Type] = {}
        if data is None:
            return out
        if not isinstance(data, dict):
            self.error(
                path,
                "wrong-type",
                "'vars' maps names to types (number, int, text, bool, date, duration, record, list of ...)",
                "vars 应为 名称 -> 类型",
            )
            return out
        for name, kind in data.items():
            t = var_type(str(kind))
            if t is None:
                self.error(
                    (*path, name),
                    "unknown-type",
                    f"unknown type '{kind}'",
                    f"未知的类型 '{kind}'",
                    hint_for(str(kind), list(VAR_TYPES)),
                )
                continue
            out[str(name)] = t
        return out
