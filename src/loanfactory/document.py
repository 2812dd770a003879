"""YAML documents that remember where every value came from.

Product, rule and scenario files are read here. The parser is libyaml's (PyYAML's C parser)
driven event by event, so that positions are kept, nesting depth and alias expansion are bounded,
and nothing recurses on the Python stack. Scalars are resolved strictly (YAML 1.2 core schema):

- ``true``/``false`` are booleans; ``yes``/``no``/``on``/``off`` stay strings;
- plain numbers with a point are ``Decimal`` exactly as written (``0.049`` is not a float);
  ``.nan``, ``.inf``, exponents beyond ±:data:`MAX_EXPONENT` (``1e999999999``) and numbers
  of more than :data:`MAX_NUMBER_DIGITS` digits are located errors (``bad-number``);
- ``2025-07-02`` is a ``date``; quoted scalars are always strings;
- duplicate keys, custom tags, several documents in one file, non-UTF-8 bytes, binary junk,
  oversized files, nesting deeper than :data:`MAX_DEPTH` and alias "bombs" are diagnostics.

``load_document`` never raises for bad input: it returns ``(document or None, diagnostics)``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from loanfactory.errors import Diagnostic, format_path

try:  # the C parser is much faster; the pure-Python one is a fallback
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml.parser import Parser as _Parser  # type: ignore[assignment]

PathKey = tuple[str | int, ...]

MAX_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 200_000
MAX_SCALAR_CHARS = 100_000
MAX_EXPONENT = 999
"""A plain number's decimal exponent stays within ±this (``1e999999999`` would overflow Decimal)."""
MAX_NUMBER_DIGITS = 100
"""A plain number has at most this many digits."""


@dataclass(frozen=True, slots=True)
class Mark:
    """A 1-based line and column."""

    line: int
    column: int


@dataclass(slots=True)
class Document:
    """Plain data (dict, list, str, int, Decimal, bool, None, date) and the position of each part."""

    file: str
    data: Any
    marks: dict[PathKey, Any] = field(default_factory=dict)  # 0-based (line << 32 | column), see _pack
    key_marks: dict[PathKey, Any] = field(default_factory=dict)

    def mark(self, path: Sequence[str | int], *, key: bool = False) -> Mark | None:
        """Where ``path`` is written; the nearest enclosing value when the path goes further.

        Path parts that do not exist in the data (such as a union member's tag in a validation
        error) are skipped. With ``key`` the position of the mapping key is preferred.
        """
        resolved: list[str | int] = []
        node: Any = self.data
        for part in path:
            inside = isinstance(node, dict) and part in node
            inside = inside or (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node))
            if inside:
                node = node[part]
                resolved.append(part)
        while True:
            at = tuple(resolved)
            if key and at in self.key_marks:
                return _to_mark(self.key_marks[at])
            if at in self.marks:
                return _to_mark(self.marks[at])
            if not resolved:
                return None
            resolved.pop()

    def diagnostic(
        self,
        path: Sequence[str | int],
        code: str,
        message: str,
        *,
        hint: str | None = None,
        message_zh: str | None = None,
        hint_zh: str | None = None,
        key: bool = False,
        severity: str = "error",
    ) -> Diagnostic:
        """A diagnostic placed at ``path`` in this document."""
        at = self.mark(path, key=key)
        return Diagnostic(
            code=code,
            message=message,
            file=self.file,
            line=at.line if at else None,
            column=at.column if at else None,
            path=format_path(path),
            hint=hint,
            severity="warning" if severity == "warning" else "error",
            message_zh=message_zh,
            hint_zh=hint_zh,
        )


def read_text(path: Path, *, max_bytes: int = MAX_BYTES) -> tuple[str | None, list[Diagnostic]]:
    """The file's text, or a diagnostic for a missing, oversized, binary or non-UTF-8 file."""
    name = str(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        return None, [
            Diagnostic(
                "unreadable-file",
                f"cannot read the file: {reason}",
                file=name,
                message_zh=f"无法读取文件：{reason}",
            )
        ]
    if len(raw) > max_bytes:
        return None, [
            Diagnostic(
                "file-too-large",
                f"the file is larger than {max_bytes // (1024 * 1024)} MiB; a product or rule file is "
                "a few kilobytes",
                file=name,
                line=1,
                column=1,
                message_zh=f"文件超过 {max_bytes // (1024 * 1024)} MiB；产品或规则文件通常只有几 KB",
            )
        ]
    return decode(raw, name)


def decode(raw: bytes, name: str) -> tuple[str | None, list[Diagnostic]]:
    """UTF-8 text (a BOM is dropped), or a located diagnostic for binary or non-UTF-8 bytes."""
    if b"\x00" in raw:
        line, column = _position(raw, raw.index(b"\x00"))
        return None, [
            Diagnostic(
                "binary-file",
                "the file is binary, not YAML text",
                file=name,
                line=line,
                column=column,
                message_zh="这是二进制文件，不是 YAML 文本",
            )
        ]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position(raw, exc.start)
        return None, [
            Diagnostic(
                "not-utf8",
                f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x} cannot be decoded)",
                file=name,
                line=line,
                column=column,
                hint="save the file as UTF-8 (GBK/GB2312 files must be converted)",
                message_zh=f"文件不是 UTF-8 编码（字节 0x{raw[exc.start]:02x} 无法解码）",
                hint_zh="请将文件另存为 UTF-8 编码（GBK/GB2312 文件需要转换）",
            )
        ]
    return text.removeprefix("\ufeff"), []


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    column = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


def load_document(source: Path | str, *, file: str | None = None) -> tuple[Document | None, list[Diagnostic]]:
    """Read one YAML document from a path, or from text when ``source`` is a ``str``."""
    if isinstance(source, Path):
        name = file or str(source)
        text, problems = read_text(source)
        if text is None:
            return None, problems
    else:
        name = file or "<string>"
        text = source
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        return None, [
            Diagnostic("empty-file", "the file is empty", file=name, line=1, column=1, message_zh="文件为空")
        ]
    return _Builder(text, name).build()


_INT = re.compile(r"^[-+]?[0-9]+$")
_DECIMAL = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_SPECIAL_FLOATS = frozenset({".inf", ".Inf", ".INF", "+.inf", "-.inf", ".nan", ".NaN", ".NAN"})
_STR_TAGS = frozenset({"tag:yaml.org,2002:str", "!"})
_COLLECTION_TAGS = frozenset({"tag:yaml.org,2002:seq", "tag:yaml.org,2002:map", "!"})


class _Stop(Exception):
    """Abandon the document: a diagnostic has been recorded."""


@dataclass(slots=True)
class _Frame:
    container: dict[str, Any] | list[Any]
    path: PathKey
    anchor: str | None
    size: int = 1  # values it holds once aliases are expanded
    pending_key: str | None = None
    pending_key_mark: Any = None
    merges: list[dict[str, Any]] = field(default_factory=list)
    merge_next: bool = False


class _Builder:
    """Builds plain data from libyaml events, iteratively."""

    def __init__(self, text: str, name: str) -> None:
        self.text = text
        self.name = name
        self.marks: dict[PathKey, Any] = {}
        self.key_marks: dict[PathKey, Any] = {}
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.problems: list[Diagnostic] = []
        self.nodes = 0

    def error(
        self,
        code: str,
        message: str,
        raw_mark: Any,
        *,
        path: PathKey = (),
        hint: str | None = None,
        message_zh: str | None = None,
        hint_zh: str | None = None,
    ) -> None:
        mark = _to_mark(raw_mark) if raw_mark is not None else None
        self.problems.append(
            Diagnostic(
                code,
                message,
                file=self.name,
                line=mark.line if mark else None,
                column=mark.column if mark else None,
                path=format_path(path),
                hint=hint,
                message_zh=message_zh,
                hint_zh=hint_zh,
            )
        )

    def build(self) -> tuple[Document | None, list[Diagnostic]]:
        try:
            data = self._run()
        except _Stop:
            return None, self.problems
        except yaml.MarkedYAMLError as exc:
            at = exc.problem_mark or exc.context_mark
            problem = exc.problem or exc.context or "invalid YAML"
            context = f" {exc.context}" if exc.context and exc.problem else ""
            self.error(
                "yaml-syntax",
                f"YAML syntax error: {problem}{context}",
                at,
                message_zh=f"YAML 语法错误：{problem}{context}",
                hint=_syntax_hint(problem),
                hint_zh=_syntax_hint_zh(problem),
            )
            return None, self.problems
        except yaml.YAMLError as exc:
            self.error("yaml-syntax", f"YAML syntax error: {exc}", None, message_zh=f"YAML 语法错误：{exc}")
            return None, self.problems
        if self.problems:
            return Document(self.name, data, self.marks, self.key_marks), self.problems
        return Document(self.name, data, self.marks, self.key_marks), []

    def _run(self) -> Any:
        parser = _Parser(self.text)
        stack: list[_Frame] = []
        root: Any = None
        documents = 0
        scalar_t, alias_t = yaml.ScalarEvent, yaml.AliasEvent
        mapping_t, sequence_t = yaml.MappingStartEvent, yaml.SequenceStartEvent
        ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
        while True:
            event: Any = parser.get_event()
            kind = type(event)
            if kind is scalar_t:
                # the hot path (most events are scalars): plain and quoted text, list items and
                # mapping keys/values handled inline; anchors, merges and errors go the long way
                text: str = event.value
                if not event.style and event.tag is None and len(text) <= MAX_SCALAR_CHARS:
                    value: Any = resolve_plain(text)
                    if value.__class__ is Decimal or value.__class__ is int:
                        self._check_number(value, event)
                else:
                    value = self._scalar(event)
                self.nodes += 1
                if self.nodes > MAX_NODES:
                    self._count(0, event.start_mark)
                if event.anchor:
                    self.anchors[event.anchor] = (value, 1)
                if not stack:
                    root = value
                    continue
                frame = stack[-1]
                frame.size += 1
                holder = frame.container
                if frame.merge_next or event.anchor:
                    self._add(stack, value, _pack(event.start_mark), event)
                elif isinstance(holder, list):
                    self.marks[(*frame.path, len(holder))] = _pack(event.start_mark)
                    holder.append(value)
                elif frame.pending_key is None:
                    if text in holder or (text == "<<" and not event.style):
                        self._add(stack, value, _pack(event.start_mark), event)
                    else:
                        frame.pending_key = text
                        frame.pending_key_mark = _pack(event.start_mark)
                else:
                    key = frame.pending_key
                    if key not in holder:  # a duplicate key keeps the first one's position
                        path = (*frame.path, key)
                        self.key_marks[path] = frame.pending_key_mark
                        self.marks[path] = _pack(event.start_mark)
                    holder[key] = value
                    frame.pending_key = None
                    frame.pending_key_mark = None
            elif kind is mapping_t or kind is sequence_t:
                self._check_tag(event)
                if len(stack) >= MAX_DEPTH:
                    self.error(
                        "too-deep",
                        f"the YAML is nested more than {MAX_DEPTH} levels deep",
                        event.start_mark,
                        message_zh=f"YAML 嵌套超过 {MAX_DEPTH} 层",
                    )
                    raise _Stop
                path = self._child_path(stack, event) if stack else ()
                self._count(1, event.start_mark)
                self.marks[path] = _pack(event.start_mark)
                container: dict[str, Any] | list[Any] = {} if kind is mapping_t else []
                stack.append(_Frame(container, path, event.anchor))
            elif kind in ends:
                frame = stack.pop()
                value = frame.container
                if frame.merges:
                    merged: dict[str, Any] = {}
                    for extra in frame.merges:
                        merged.update(extra)
                    merged.update(value)
                    value = merged
                if frame.anchor:
                    self.anchors[frame.anchor] = (value, frame.size)
                if not stack:
                    root = value
                else:
                    stack[-1].size += frame.size
                    self._add(stack, value, None)
            elif kind is alias_t:
                if event.anchor not in self.anchors:
                    self.error(
                        "unknown-anchor",
                        f"unknown alias *{event.anchor}",
                        event.start_mark,
                        message_zh=f"未定义的锚点 *{event.anchor}",
                    )
                    raise _Stop
                value, size = self.anchors[event.anchor]
                self._count(size, event.start_mark)
                if not stack:
                    root = value
                else:
                    stack[-1].size += size
                    self._add(stack, value, _pack(event.start_mark))
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    self.error(
                        "several-documents",
                        "the file holds more than one YAML document (---); put one per file",
                        event.start_mark,
                        message_zh="一个文件只能有一个 YAML 文档（---）",
                    )
                    raise _Stop
            elif event is None or kind is yaml.StreamEndEvent:
                break
        return root

    def _check_tag(self, event: Any) -> None:
        tag = getattr(event, "tag", None)
        if tag and tag not in _COLLECTION_TAGS:
            shown = _shown_tag(tag)
            self.error(
                "unsupported-tag",
                f"YAML tags such as {shown} are not supported",
                event.start_mark,
                message_zh=f"不支持 YAML 标签 {shown}",
            )
            raise _Stop

    def _child_path(self, stack: list[_Frame], event: Any) -> PathKey:
        frame = stack[-1]
        if isinstance(frame.container, list):
            return (*frame.path, len(frame.container))
        if frame.merge_next:
            return (*frame.path, "<<")
        if frame.pending_key is None:
            self.error(
                "complex-key",
                "mapping keys must be plain words, not lists or mappings",
                event.start_mark,
                path=frame.path,
                message_zh="映射的键必须是普通文字",
            )
            raise _Stop
        return (*frame.path, frame.pending_key)

    def _count(self, size: int, mark: Any) -> None:
        self.nodes += size
        if self.nodes > MAX_NODES:
            self.error(
                "too-many-nodes",
                f"the document expands to more than {MAX_NODES:,} values (aliases that repeat aliases?)",
                mark,
                message_zh=f"文档展开后超过 {MAX_NODES} 个值（锚点被反复引用？）",
            )
            raise _Stop

    def _add(self, stack: list[_Frame], value: Any, mark: Any, event: Any = None) -> None:
        frame = stack[-1]
        container = frame.container
        if isinstance(container, list):
            if mark is not None:
                self.marks[(*frame.path, len(container))] = mark
            container.append(value)
            return
        if frame.pending_key is None and not frame.merge_next:
            # this value is a key
            if event is None:
                self.error(
                    "complex-key",
                    "mapping keys must be plain words, not lists or mappings",
                    mark,
                    path=frame.path,
                    message_zh="映射的键必须是普通文字",
                )
                raise _Stop
            key = event.value
            if not event.style and event.value == "<<":
                frame.merge_next = True
                return
            if key in container:
                first = self.key_marks.get((*frame.path, key))
                first_line = _to_mark(first).line if first is not None else None
                where = f" (first at line {first_line})" if first_line else ""
                self.error(
                    "duplicate-key",
                    f"duplicate key '{key}'{where}",
                    mark,
                    path=(*frame.path, key),
                    hint="each key may appear once in a mapping; remove or rename one",
                    message_zh=f"重复的键 '{key}'"
                    + (f"（首次出现在第 {first_line} 行）" if first_line else ""),
                    hint_zh="同一层级中每个键只能出现一次",
                )
            frame.pending_key = key
            frame.pending_key_mark = mark
            return
        if frame.merge_next:
            frame.merge_next = False
            extras = value if isinstance(value, list) else [value]
            for extra in extras:
                if not isinstance(extra, dict):
                    self.error(
                        "bad-merge",
                        "'<<' must merge a mapping or a list of mappings",
                        mark,
                        path=frame.path,
                        message_zh="'<<' 只能合并映射",
                    )
                    raise _Stop
                frame.merges.append(extra)
            return
        key = frame.pending_key
        assert key is not None
        path = (*frame.path, key)
        if key not in container:
            if frame.pending_key_mark is not None:
                self.key_marks[path] = frame.pending_key_mark
            if mark is not None:
                self.marks[path] = mark
        container[key] = value
        frame.pending_key = None
        frame.pending_key_mark = None

    def _check_number(self, value: Decimal | int, event: Any) -> None:
        """Non-finite, huge and over-precise numbers stop the document with a located error."""
        problem = number_problem(value)
        if problem is None:
            return
        en, zh = problem
        self.error(
            "bad-number",
            f"'{event.value}' {en}",
            event.start_mark,
            hint="write an ordinary number such as 0.049 or 200000, or quote it to keep it as text",
            message_zh=f"'{event.value}' {zh}",
            hint_zh="请写普通数字（如 0.049、200000），或加引号作为文本",
        )
        raise _Stop

    def _scalar(self, event: Any) -> Any:
        text: str = event.value
        if len(text) > MAX_SCALAR_CHARS:
            self.error(
                "value-too-long",
                f"a value is longer than {MAX_SCALAR_CHARS} characters",
                event.start_mark,
                message_zh=f"单个值超过 {MAX_SCALAR_CHARS} 个字符",
            )
            raise _Stop
        tag = event.tag
        if tag is not None and tag not in _STR_TAGS:
            shown = _shown_tag(tag)
            self.error(
                "unsupported-tag",
                f"YAML tags such as {shown} are not supported",
                event.start_mark,
                message_zh=f"不支持 YAML 标签 {shown}",
            )
            raise _Stop
        if event.style or tag is not None:  # quoted or block scalars are text
            return text
        value = resolve_plain(text)
        if value.__class__ is Decimal or value.__class__ is int:
            self._check_number(value, event)
        return value


def number_problem(value: Decimal | int) -> tuple[str, str] | None:
    """Why a number read from a file cannot be used by anything (en, zh), or None.

    Only what no reader could handle is refused here (NaN, infinity, exponents beyond
    :data:`MAX_EXPONENT`, more than :data:`MAX_NUMBER_DIGITS` digits); each kind of file then
    checks its own ranges (an amount, a rate, a rule literal) with its own located error.
    """
    if isinstance(value, int):
        if len(str(abs(value))) <= MAX_NUMBER_DIGITS:
            return None
        return f"has more than {MAX_NUMBER_DIGITS} digits", f"位数超过 {MAX_NUMBER_DIGITS} 位"
    if not value.is_finite():
        return (
            "is not a finite number (NaN and infinity are not allowed)",
            "不是有限数值（不允许 NaN 与无穷大）",
        )
    if abs(value.adjusted()) > MAX_EXPONENT:
        return (
            f"is too large or too small (beyond 1e±{MAX_EXPONENT})",
            f"数值过大或过小（超出 1e±{MAX_EXPONENT}）",
        )
    if len(value.as_tuple().digits) > MAX_NUMBER_DIGITS:
        return f"has more than {MAX_NUMBER_DIGITS} digits", f"位数超过 {MAX_NUMBER_DIGITS} 位"
    return None


def resolve_plain(text: str) -> Any:
    """The value of a plain (unquoted) scalar under the strict YAML 1.2 core schema."""
    if not text:
        return None
    first = text[0]
    if first in "tTfFnN~":  # only these can start a null or a boolean
        if text in _NULLS:
            return None
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        return text
    if first.isdigit() or first in "+-.":
        if _INT.match(text):
            try:
                return int(text)
            except ValueError:  # more digits than Python converts
                return text
        if _DECIMAL.match(text):
            try:
                return Decimal(text)
            except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
                return text
        if text in _SPECIAL_FLOATS:
            if text.lower().endswith("nan"):
                return Decimal("NaN")
            return Decimal("-Infinity" if text.startswith("-") else "Infinity")
        if _DATE.match(text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                return text
        if _DATETIME.match(text):
            try:
                return datetime.fromisoformat(text.replace("Z", "+00:00").replace("t", "T"))
            except ValueError:
                return text
    return text


def _mark(event: Any) -> Mark:
    return _to_mark(event.start_mark)


def _pack(raw: Any) -> int:
    """A libyaml mark as one int, so that kept positions are not objects the cyclic GC scans."""
    return int((raw.line << 32) | raw.column)


def _to_mark(raw: Any) -> Mark:
    if isinstance(raw, int):
        return Mark((raw >> 32) + 1, (raw & 0xFFFFFFFF) + 1)
    return Mark(raw.line + 1, raw.column + 1)


def _shown_tag(tag: str) -> str:
    """``tag:yaml.org,2002:python/name:x`` as the author wrote it: ``!!python/name:x``."""
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


def _syntax_hint(problem: str) -> str | None:
    if "tab" in problem:
        return "indent with spaces, not tabs"
    if "mapping values are not allowed" in problem:
        return "a value containing ': ' must be quoted, or a key is mis-indented"
    if "could not find expected ':'" in problem:
        return "a key is missing its ':' or the indentation is off"
    return None


def _syntax_hint_zh(problem: str) -> str | None:
    if "tab" in problem:
        return "请用空格缩进，不要用 Tab"
    if "mapping values are not allowed" in problem:
        return "包含 ': ' 的值需要加引号，或某个键的缩进不对"
    if "could not find expected ':'" in problem:
        return "某个键缺少 ':'，或缩进不对"
    return None
