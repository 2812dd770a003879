"""Deep merge of YAML data that keeps track of where every value was written.

A product built on templates and fragments is merged from several files, and an error in the
merged product must point into the file where the offending value was written. A :class:`Layer`
is merged data plus ``origins``: for a data path, where the subtree came from — a document and the
path inside it, or another layer and a path in it (the longest recorded prefix of a path wins).
Pointing at layers keeps merging cheap: positions are only worked out when a diagnostic needs
one. Merge rules:

- mappings merge key by key, recursively;
- lists and scalars replace (the overriding layer's list is taken whole);
- in an overriding layer, ``key: null`` removes the inherited value (the key falls back to its
  default);
- when several bases are combined (``extends: [a, b]``), two bases that set the same key to
  different values are a :class:`Conflict`, unless the overriding layer sets that key itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from loanfactory.document import Document, Mark
from loanfactory.errors import Diagnostic, format_path

PathKey = tuple[str | int, ...]
Origin = tuple["Document | Layer", PathKey]


@dataclass(slots=True)
class Layer:
    """Merged data and, for data paths, the document and source path each subtree came from."""

    data: Any
    origins: dict[PathKey, Origin]

    @classmethod
    def of(cls, document: Document, data: Any, at: PathKey = ()) -> Layer:
        """The data found at ``at`` in ``document``, as a layer of its own."""
        return cls(data, {(): (document, at)})

    def origin(self, path: PathKey) -> tuple[Document, PathKey]:
        """The document and source path of the value at ``path``."""
        layer = self
        while True:
            for n in range(len(path), -1, -1):
                hit = layer.origins.get(path[:n])
                if hit is not None:
                    break
            else:  # pragma: no cover - the root is always recorded
                raise LookupError(path)
            source, at = hit
            full = (*at, *path[n:])
            if isinstance(source, Layer):
                layer, path = source, full
                continue
            return source, full

    def where(self, path: PathKey) -> str:
        """``file:line:column`` of the value at ``path``, for messages that cite another file."""
        document, source = self.origin(path)
        mark = document.mark(source)
        return _where(document.file, mark)


def _where(file: str, mark: Mark | None) -> str:
    return f"{file}:{mark.line}:{mark.column}" if mark else file


@dataclass(frozen=True, slots=True)
class Conflict:
    """Two bases set ``path`` to different values; ``first``/``second`` say where."""

    path: PathKey
    first: str
    second: str
    second_base: int  # index of the later base among those combined
    first_value: Any
    second_value: Any


def overlay(base: Layer, own: Layer, *, drop_nulls: bool = True) -> Layer:
    """``own`` over ``base``: mappings merge, everything else in ``own`` replaces."""
    origins: dict[PathKey, Origin] = {}
    data = _merge_value(base, base.data, own, own.data, (), origins, None, -1, drop_nulls)
    return Layer(data, origins)


def combine(bases: Sequence[Layer]) -> tuple[Layer, list[Conflict]]:
    """Several bases merged left to right; keys they set differently are conflicts."""
    conflicts: list[Conflict] = []
    result = bases[0]
    for index, later in enumerate(bases[1:], start=1):
        origins: dict[PathKey, Origin] = {}
        data = _merge_value(result, result.data, later, later.data, (), origins, conflicts, index, False)
        result = Layer(data, origins)
    return result, conflicts


def decides(own: Any, path: PathKey) -> bool:
    """Whether ``own`` data sets ``path`` itself (or replaces a mapping that encloses it)."""
    node = own
    for part in path:
        if not isinstance(node, dict):
            return True
        if part not in node:
            return False
        node = node[part]
    return True


def _merge_value(
    base: Layer,
    base_value: Any,
    own: Layer,
    own_value: Any,
    path: PathKey,
    origins: dict[PathKey, Origin],
    conflicts: list[Conflict] | None,
    index: int,
    drop_nulls: bool,
) -> Any:
    """The merged value at ``path``; every key of a merged mapping points at the layer it came from."""
    if not (isinstance(base_value, dict) and isinstance(own_value, dict)):
        if conflicts is not None and base_value != own_value:
            conflicts.append(Conflict(path, base.where(path), own.where(path), index, base_value, own_value))
        origins[path] = (own, path)
        return own_value
    merged: dict[str, Any] = {}
    for key, value in base_value.items():
        if key not in own_value:
            merged[key] = value
            at = (*path, key)
            origins[at] = (base, at)
    for key, value in own_value.items():
        at = (*path, key)
        if value is None and drop_nulls:
            merged.pop(key, None)
            continue
        if key in base_value:
            merged[key] = _merge_value(
                base, base_value[key], own, value, at, origins, conflicts, index, drop_nulls
            )
        else:
            merged[key] = value
            origins[at] = (own, at)
    origins[path] = (own, path)
    return merged


def _has(node: Any, part: str | int) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


@dataclass(slots=True)
class MergedDocument(Document):
    """A product merged from several files; its diagnostics point into the file of each value.

    It is a :class:`Document` (``data``, ``file`` is the product's file), so code that places
    diagnostics with :meth:`Document.diagnostic` works unchanged on merged products. A diagnostic's
    ``path`` is the path inside the file it points into.
    """

    origins: dict[PathKey, Origin] = field(default_factory=dict)

    @classmethod
    def from_layer(cls, file: str, layer: Layer) -> MergedDocument:
        return cls(file, layer.data, {}, {}, {(): (layer, ())})

    def locate(self, path: Sequence[str | int], *, key: bool = False) -> tuple[str, Mark | None, PathKey]:
        """Where ``path`` (or its nearest enclosing value) was written: file, position, and the path
        inside that file (a fragment's value at ``penalty.grace_days`` is ``content.grace_days``)."""
        resolved: list[str | int] = []
        node: Any = self.data
        rest: list[str | int] = []
        for part in path:
            if not rest and _has(node, part):
                node = node[part]
                resolved.append(part)
            else:
                rest.append(part)
        layer = Layer(self.data, self.origins)
        document, source = layer.origin(tuple(resolved))
        return document.file, document.mark(source, key=key), (*source, *rest)

    def source(self, path: Sequence[str | int]) -> tuple[Document, PathKey]:
        """The document that holds the value at ``path`` (which must exist) and its path there."""
        return Layer(self.data, self.origins).origin(tuple(path))

    def mark(self, path: Sequence[str | int], *, key: bool = False) -> Mark | None:
        return self.locate(path, key=key)[1]

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
        file, at, written = self.locate(path, key=key)
        return Diagnostic(
            code=code,
            message=message,
            file=file,
            line=at.line if at else None,
            column=at.column if at else None,
            path=format_path(written),
            hint=hint,
            severity="warning" if severity == "warning" else "error",
            message_zh=message_zh,
            hint_zh=hint_zh,
        )
