"""The checker of a report definition being read (报表定义检查): located problems, did-you-means,
and the reading of texts, field names, filters and values every part of a definition shares."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from loanfactory.document import Document
from loanfactory.errors import Diagnostic, InvalidInput, hint_for
from loanfactory.money import parse_rate
from loanfactory.reporting._definition import (
    Text,
)
from loanfactory.reporting._query import Condition, Op
from loanfactory.reporting._sources import FieldType, Source

_OPS: dict[str, Op] = {
    "eq": "eq",
    "ne": "ne",
    "in": "in",
    "not_in": "not_in",
    "gt": "gt",
    "ge": "ge",
    "lt": "lt",
    "le": "le",
}


class Checker:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[Diagnostic] = []
        self.declared: set[str] = set()  # every measure written, valid or not (no follow-on errors)

    def error(
        self,
        path: tuple[str | int, ...],
        code: str,
        en: str,
        zh: str,
        *,
        near: str | None = None,
        choices: Any = (),
        key: bool = False,
    ) -> None:
        hint, hint_zh = hint_for(near, choices) if near is not None else (None, None)
        self.problems.append(
            self.doc.diagnostic(path, code, en, message_zh=zh, hint=hint, hint_zh=hint_zh, key=key)
        )

    def keys(self, node: Mapping[str, Any], allowed: tuple[str, ...], path: tuple[str | int, ...]) -> None:
        for key in node:
            if key not in allowed:
                self.error(
                    (*path, key),
                    "unknown-key",
                    f"unknown key '{key}'",
                    f"未知的键 '{key}'",
                    near=str(key),
                    choices=allowed,
                    key=True,
                )

    def mapping(self, value: Any, path: tuple[str | int, ...]) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.error(path, "expected-mapping", "expected a mapping (key: value)", "此处应为映射（键: 值）")
        return None

    def text(self, node: Any, path: tuple[str | int, ...], *, required: bool = True) -> Text | None:
        if isinstance(node, str) and node.strip():
            return Text(node)
        if isinstance(node, dict) and isinstance(node.get("zh"), str) and node["zh"].strip():
            self.keys(node, ("zh", "en"), path)
            en = node.get("en")
            return Text(node["zh"], en if isinstance(en, str) else None)
        if required or node is not None:
            self.error(
                path,
                "expected-text",
                "expected a label: text, or {zh: ..., en: ...}",
                "此处应为名称：文字，或 {zh: ..., en: ...}",
            )
        return None

    def field(
        self,
        source: Source,
        name: Any,
        path: tuple[str | int, ...],
        types: frozenset[FieldType] | None = None,
    ) -> str | None:
        if not isinstance(name, str) or source.get(name) is None:
            self.error(
                path,
                "unknown-field",
                f"source '{source.name}' has no field '{name}'",
                f"数据源 '{source.name}' 没有字段 '{name}'",
                near=str(name),
                choices=source.fields,
            )
            return None
        found = source.fields[name]
        if types is not None and found.type not in types:
            allowed = ", ".join(sorted(t.value for t in types))
            self.error(
                path,
                "wrong-field-type",
                f"field '{name}' is {found.type.value}; here a field of type {allowed} is needed",
                f"字段 '{name}' 的类型是 {found.type.value}，此处需要 {allowed} 类型的字段",
            )
            return None
        return name

    def conditions(self, source: Source, node: Any, path: tuple[str | int, ...]) -> tuple[Condition, ...]:
        mapping = self.mapping(node, path)
        if mapping is None:
            return ()
        out: list[Condition] = []
        for name, wanted in mapping.items():
            at = (*path, name)
            if self.field(source, name, at) is None:
                continue
            kind = source.fields[name].type
            if isinstance(wanted, list):
                out.append(
                    Condition(name, "in", tuple(self.scalar(kind, v, (*at, i)) for i, v in enumerate(wanted)))
                )
            elif isinstance(wanted, dict):
                for op, value in wanted.items():
                    if op == "null":
                        out.append(Condition(name, "null" if value is True else "not_null"))
                    elif op not in _OPS:
                        self.error(
                            (*at, op),
                            "unknown-operator",
                            f"unknown comparison '{op}'",
                            f"未知的比较 '{op}'",
                            near=str(op),
                            choices=(*_OPS, "null"),
                            key=True,
                        )
                    elif op in ("in", "not_in"):
                        values = value if isinstance(value, list) else [value]
                        out.append(
                            Condition(name, _OPS[op], tuple(self.scalar(kind, v, (*at, op)) for v in values))
                        )
                    else:
                        out.append(Condition(name, _OPS[op], self.scalar(kind, value, (*at, op))))
            else:
                out.append(Condition(name, "eq", self.scalar(kind, wanted, at)))
        return tuple(out)

    def scalar(self, kind: FieldType, value: Any, path: tuple[str | int, ...]) -> Any:
        try:
            if kind is FieldType.rate:
                return parse_rate(value, field="value")
            if kind is FieldType.money:
                if isinstance(value, bool) or not isinstance(value, int | Decimal):
                    raise InvalidInput("not an amount", field="value", message_zh="不是金额")
                return Decimal(value)
            if kind is FieldType.integer:
                if isinstance(value, bool) or not isinstance(value, int):
                    raise InvalidInput("not a whole number", field="value", message_zh="不是整数")
                return value
            if kind is FieldType.date:
                from datetime import date

                if not isinstance(value, date):
                    raise InvalidInput(
                        "not a date YYYY-MM-DD", field="value", message_zh="不是日期（YYYY-MM-DD）"
                    )
                return value
            if not isinstance(value, str | int) or isinstance(value, bool):
                raise InvalidInput("not a text value", field="value", message_zh="不是文字")
            return str(value)
        except InvalidInput as exc:
            self.error(
                path,
                "bad-value",
                f"'{value}': {exc.message} (the field is {kind.value})",
                f"'{value}'：{exc.localized('zh')}（字段类型 {kind.value}）",
            )
            return None
