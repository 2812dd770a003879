"""What resolving templates and fragments shares: the stack of files being followed (for cycles),
the diagnostics found on the way, and the wording of cycles, conflicts and other files' positions.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from loanfactory.document import Document
from loanfactory.errors import Diagnostic, format_path
from loanfactory.spec._merge import Conflict, PathKey

KIND_ZH = {"template": "模板", "fragment": "片段"}


@dataclass(slots=True)
class Frame:
    key: str
    name: str
    document: Document
    edge: PathKey = ()  # the extends/use entry being followed out of this document


@dataclass(slots=True)
class Run:
    """One resolution: the stack (for cycles), diagnostics, and whether anything failed."""

    stack: list[Frame] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    failed: bool = False

    def error(self, diagnostic: Diagnostic) -> None:
        self.diagnostics.append(diagnostic)
        self.failed = True


def file_key(name: str) -> str:
    return os.path.normcase(os.path.abspath(name))


def is_path_ref(ref: str) -> bool:
    """``extends: ../templates/x.yaml`` names a file; ``extends: personal_unsecured`` an id."""
    return "/" in ref or "\\" in ref or ref.endswith((".yaml", ".yml"))


def is_kind(document: Document, kind: str) -> bool:
    return isinstance(document.data, dict) and document.data.get("kind") == kind


def position(document: Document, path: PathKey) -> str:
    mark = document.mark(path)
    return f"{document.file}:{mark.line}:{mark.column}" if mark else document.file


def cycle(stack: list[Frame], closing_key: str, word: str) -> Diagnostic:
    """A cycle error placed the same way whichever member the resolution started from."""
    start = next(i for i, f in enumerate(stack) if f.key == closing_key)
    members = stack[start:]
    first = min(range(len(members)), key=lambda i: (members[i].name, members[i].key))
    ring = members[first:] + members[:first]
    names = " → ".join([f.name for f in ring] + [ring[0].name])
    closing = ring[-1]
    return closing.document.diagnostic(
        closing.edge,
        f"{word}-cycle",
        f"'{word}' goes round in a circle: {names}",
        hint="remove one of these references",
        message_zh=f"'{word}' 形成循环引用：{names}",
        hint_zh="请删除其中一个引用",
    )


def conflict(document: Document, conflict: Conflict, word: str, base: PathKey = ()) -> Diagnostic:
    dotted = format_path((*base, *conflict.path))
    at: PathKey = (*base, word, conflict.second_base)
    if word == "extends" and not isinstance(document.data.get("extends"), list):
        at = ("extends",)
    return document.diagnostic(
        at,
        "override-conflict",
        f"'{dotted}' is set to {show(conflict.first_value)} at {conflict.first} and to "
        f"{show(conflict.second_value)} at {conflict.second}",
        hint=f"set '{dotted}' in this file to decide",
        message_zh=f"'{dotted}' 在 {conflict.first} 设为 "
        f"{show(conflict.first_value)}，在 {conflict.second} 设为 {show(conflict.second_value)}，两者冲突",
        hint_zh=f"请在本文件中明确设置 '{dotted}'",
    )


def show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = str(value)
    return text if len(text) <= 30 else text[:27] + "..."


def unique(items: Iterable[Diagnostic]) -> list[Diagnostic]:
    seen: set[Diagnostic] = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def display_name(document: Document) -> str:
    data = document.data
    if isinstance(data, dict):
        if data.get("kind") == "template" and isinstance(data.get("id"), str):
            return str(data["id"])
        if isinstance(data.get("code"), str):
            return str(data["code"])
    return document.file
